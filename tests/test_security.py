"""Hostile input and what the warehouse gives away: symlinks leading out of the raw folder are
not followed, FIFOs are never opened, archives are never unpacked (a zip with `../` entries
creates nothing), scripts in HTML are not read as report text, a file that hangs the extractor
is stopped, and no absolute path of the machine (home, working copy, raw folder) is written
into any table, view or file of the warehouse. The UI binds 127.0.0.1."""
import io
import os
import time
import zipfile
from pathlib import Path

import dagster as dg
import polars as pl

from assets.definitions import FULL_RANGE, JOB_NAME, build_defs
from pipeline import ingest, warehouse
from pipeline.pool import Extractor, Job, extract_one
from pipeline.read import read_document
from pipeline.scan import sha256_file

PROJECT = Path(__file__).resolve().parents[1]


def reports(wh) -> dict[str, dict]:
    return {r["source_path"]: r for r in warehouse.read_table(wh, "reports").to_dicts()}


def test_links_out_of_the_raw_folder_and_fifos_are_never_read(tmp_path, fake_extractor):
    raw, outside = tmp_path / "raw", tmp_path / "private"
    raw.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("not for the warehouse")
    (raw / "real.txt").write_text("a report")
    (raw / "inside_link.txt").symlink_to(raw / "real.txt")
    (raw / "outside_link.txt").symlink_to(outside / "secret.txt")
    (raw / "linked_folder").symlink_to(outside, target_is_directory=True)
    os.mkfifo(raw / "pipe.txt")
    started = time.monotonic()
    ingest.ingest_paths(tmp_path / "wh", [raw])
    assert time.monotonic() - started < 60  # the FIFO did not block the run
    rows = reports(tmp_path / "wh")
    assert set(rows) == {"raw/inside_link.txt", "raw/outside_link.txt", "raw/pipe.txt"}  # real.txt: same bytes
    assert rows["raw/outside_link.txt"]["status"] == "failed" and "outside the raw folder" in rows["raw/outside_link.txt"]["error"]
    assert rows["raw/pipe.txt"]["status"] == "failed" and "not a regular file" in rows["raw/pipe.txt"]["error"]
    assert all("private" not in path for path in fake_extractor)
    sources = warehouse.read_table(tmp_path / "wh", "report_sources")["source_path"].to_list()
    assert not any("linked_folder" in s for s in sources)


def test_archives_are_not_unpacked(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escaped.txt", "本年新收政府信息公开申请数量 5")
        archive.writestr(str(tmp_path / "absolute.txt"), "x")
        archive.writestr("word/../../../escaped_docx.xml", "<x/>")
    (tmp_path / "raw").mkdir()
    path = tmp_path / "raw" / "bundle.zip"
    path.write_bytes(buffer.getvalue())
    report, metrics, _ = extract_one(Job(str(path), sha256_file(path)[0], "raw/bundle.zip"))
    assert report["status"] == "failed" and not metrics
    assert not (tmp_path / "absolute.txt").exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bundle.zip", "raw"]


def test_a_file_over_the_size_limit_fails_without_being_read(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 4096)
    report, metrics, _ = extract_one(Job(str(path), sha256_file(path)[0], "raw/big.txt"), max_bytes=1024)
    assert report["status"] == "failed" and report["error"].startswith("file too large") and not metrics


def test_scripts_in_html_are_not_report_text():
    page = ("<html><head><title>某县2020年政府信息公开工作年度报告</title><script>var n = '本年新收政府信息公开申请数量 999';"
            "</script></head><body><p>本年新收政府信息公开申请数量 12 件</p><script>alert('本年新收 888')</script>"
            "<noscript>本年新收政府信息公开申请数量 777</noscript></body></html>")
    text = read_document(Path("r.html"), page.encode()).text
    assert "12" in text and not any(n in text for n in ("999", "888", "alert", "var n"))


def slow_extract(job: Job, max_bytes: int):
    if "slow" in job.source_path:
        time.sleep(120)
    return extract_one(job, max_bytes)


def test_a_file_that_hangs_the_extractor_is_stopped_and_the_run_goes_on(tmp_path):
    (tmp_path / "raw").mkdir()
    for name in ("slow.txt", "fine.txt"):
        (tmp_path / "raw" / name).write_text(f"本年新收政府信息公开申请数量 {name} 件")
    extractor = Extractor(workers=2, pool_threshold=0, timeout=10, fn=slow_extract)
    started = time.monotonic()
    ingest.ingest_paths(tmp_path / "wh", [tmp_path / "raw"], extractor=extractor)
    assert time.monotonic() - started < 100
    rows = reports(tmp_path / "wh")
    assert rows["raw/slow.txt"]["status"] == "failed" and "longer than 10 s" in rows["raw/slow.txt"]["error"]
    assert rows["raw/fine.txt"]["status"] == "ok"


def crash_extract(job: Job, max_bytes: int):
    if "crash" in job.source_path:
        os._exit(11)  # what a segfault in a native library looks like from the pool
    return extract_one(job, max_bytes)


def test_a_file_that_kills_its_worker_fails_alone(tmp_path):
    (tmp_path / "raw").mkdir()
    for i in range(6):
        (tmp_path / "raw" / f"{'crash' if i == 2 else 'fine'}{i}.txt").write_text(f"本年新收政府信息公开申请数量 {i} 件")
    ingest.ingest_paths(tmp_path / "wh", [tmp_path / "raw"], extractor=Extractor(workers=2, pool_threshold=0, fn=crash_extract))
    rows = reports(tmp_path / "wh")
    failed = {p: r["error"] for p, r in rows.items() if r["status"] == "failed"}
    assert list(failed) == ["raw/crash2.txt"] and "worker died" in failed["raw/crash2.txt"]
    assert len(rows) == 6


def test_no_absolute_path_of_the_machine_reaches_the_warehouse(tmp_path, samples, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    for sample in samples[:2]:
        (raw / sample.name).write_bytes(sample.read_bytes())
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    monkeypatch.chdir(tmp_path)
    wh = tmp_path / "wh"
    with dg.DagsterInstance.ephemeral() as instance:
        assert build_defs(str(wh), [str(raw)]).resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, tags=FULL_RANGE).success
    secrets = {str(tmp_path), str(Path.home()), str(PROJECT), str(raw), os.getcwd()}
    found = []
    for path in wh.rglob("*.parquet"):
        frame = pl.read_parquet(path)
        for column in frame.columns:
            if frame[column].dtype == pl.String:
                found += [(path.name, column, v) for v in frame[column].drop_nulls().to_list() if any(s in v for s in secrets)]
    names = warehouse.query(wh, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' UNION ALL "
                                "SELECT view_name FROM duckdb_views() WHERE NOT internal")[1]
    for (name,) in names:
        columns, rows = warehouse.query(wh, f'SELECT * FROM "{name}"')
        found += [(name, c, v) for row in rows for c, v in zip(columns, row) if isinstance(v, str) and any(s in v for s in secrets)]
    database = (wh / "ogi.duckdb").read_bytes()
    found += [("ogi.duckdb", "bytes", s) for s in secrets if s.encode() in database]
    assert found == []
    assert warehouse.query(wh, "SELECT count(*) FROM reports WHERE status = 'failed'")[1] == [(1,)]


def test_an_extractor_error_naming_the_file_is_stored_without_its_absolute_path(tmp_path, monkeypatch):
    import pipeline.process

    def explode(path, data=None):
        raise RuntimeError(f"cannot parse {path} (home {Path.home()})")

    monkeypatch.setattr(pipeline.process, "process_file", explode)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "r.txt").write_text("x")
    ingest.ingest_paths(tmp_path / "wh", [tmp_path / "raw"])
    error = reports(tmp_path / "wh")["raw/r.txt"]["error"]
    assert error == "extractor crashed: RuntimeError: cannot parse raw/r.txt (home ~)"


def test_the_ui_binds_the_loopback_interface():
    ui = [line for line in (PROJECT / "Makefile").read_text().splitlines() if "dagster dev" in line]
    assert ui and all("-h 127.0.0.1" in line for line in ui)
