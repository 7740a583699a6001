"""The raw-folder sensor and the daily schedule, evaluated the way the daemon does
(`build_sensor_context` with a cursor, `build_schedule_context`): a change asks for one run of
every shard with a run key derived from the files; no change, or a file only touched, asks
for nothing; a file added with an old mtime or removed is still a change; the cursor is the
files' highest mtime, not the clock."""
import datetime as dt
import json
import os
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from assets.automation import daily_ingest, raw_files_sensor
from assets.definitions import FULL_RANGE, JOB_NAME, defs
from assets.resources import WarehouseResource
from pipeline import ingest


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "a.txt").write_text("report a")
    (folder / "b.txt").write_text("report b")
    return folder


def tick(raw, wh, cursor):
    context = dg.build_sensor_context(cursor=cursor, resources={
        "warehouse": WarehouseResource(warehouse_dir=str(wh), raw_paths=[str(raw)])})
    result = raw_files_sensor(context)
    return result, context.cursor


def later(path, seconds=10):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 10**9))


def test_a_change_asks_for_one_run_of_every_shard_and_nothing_more(raw, tmp_path):
    first, cursor = tick(raw, tmp_path / "wh", None)
    assert isinstance(first, dg.RunRequest) and first.run_key.startswith("raw-")
    assert {k: first.tags[k] for k in FULL_RANGE} == FULL_RANGE
    state = json.loads(cursor)
    assert state["mtime_ns"] == max(p.stat().st_mtime_ns for p in raw.iterdir())  # the files' time, not the clock
    assert state["files"] == 2
    again, same = tick(raw, tmp_path / "wh", cursor)
    assert isinstance(again, dg.SkipReason) and json.loads(same)["mtime_ns"] == state["mtime_ns"]
    replay, _ = tick(raw, tmp_path / "wh", None)  # the same files always make the same run key
    assert replay.run_key == first.run_key


def test_new_edited_old_dated_and_removed_files_are_changes(raw, tmp_path):
    _, cursor = tick(raw, tmp_path / "wh", None)
    keys = set()
    (raw / "c.txt").write_text("report c")
    later(raw / "c.txt")
    new, cursor = tick(raw, tmp_path / "wh", cursor)
    (raw / "a.txt").write_text("report a, revised")
    later(raw / "a.txt", 20)
    edited, cursor = tick(raw, tmp_path / "wh", cursor)
    (raw / "old.txt").write_text("copied with its old date")
    os.utime(raw / "old.txt", ns=(0, 10**9))
    old_dated, cursor = tick(raw, tmp_path / "wh", cursor)
    (raw / "b.txt").unlink()
    removed, cursor = tick(raw, tmp_path / "wh", cursor)
    for result in (new, edited, old_dated, removed):
        assert isinstance(result, dg.RunRequest)
        keys.add(result.run_key)
    assert len(keys) == 4
    assert isinstance(tick(raw, tmp_path / "wh", cursor)[0], dg.SkipReason)


def test_a_file_only_touched_is_no_change_once_ingested(raw, tmp_path, fake_extractor):
    _, cursor = tick(raw, tmp_path / "wh", None)
    ingest.ingest_paths(tmp_path / "wh", [raw])  # the warehouse's last scan knows the contents
    later(raw / "a.txt")
    touched, cursor = tick(raw, tmp_path / "wh", cursor)
    assert isinstance(touched, dg.SkipReason)
    assert json.loads(cursor)["mtime_ns"] == (raw / "a.txt").stat().st_mtime_ns  # but the cursor moved on


def test_the_daily_schedule_ingests_every_shard_once_a_day():
    assert daily_ingest in defs.schedules and raw_files_sensor in defs.sensors
    assert daily_ingest.cron_schedule == "0 2 * * *" and daily_ingest.execution_timezone == "Asia/Shanghai"
    assert daily_ingest.job_name == JOB_NAME and raw_files_sensor.job_name == JOB_NAME
    when = dt.datetime(2025, 3, 1, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    request = daily_ingest(dg.build_schedule_context(scheduled_execution_time=when))
    assert request.run_key == "daily-2025-03-01"
    assert {k: request.tags[k] for k in FULL_RANGE} == FULL_RANGE
