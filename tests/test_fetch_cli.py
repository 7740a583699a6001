"""The manual and scheduled triggers of the fetch: `ogi fetch` (pipeline/cli_fetch.py) with an
index URL given directly, a registry entry by name and a user's own registry file; the
Dagster asset `raw_fetched_reports` through the job `ogi_fetch`; the schedule of the annual
season (weekly February–April, monthly otherwise). All against the local test site."""
from __future__ import annotations

import datetime as dt

import dagster as dg

from pipeline import cli_fetch
from tests.test_fetch_site import site  # noqa: F401  (the fixture)

REPORT = "测试县2023年度政府信息公开工作年度报告"
ARGS = ["--rate", "200", "--timeout", "0.5", "--retries", "0"]


def small_column(site) -> str:
    site.add("/nb/", f'<html><body><a href="r1.htm">{REPORT}</a><a href="/a/x.pdf">2022年政府信息公开年报</a></body></html>')
    site.add("/nb/r1.htm", f"<html><body><p>{REPORT}{'内容' * 200}</p></body></html>")
    site.add("/a/x.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    return site.url("/nb/")


def test_ogi_fetch_an_index_url_prints_outcomes_and_files(site, tmp_path, capsys):
    index = small_column(site)
    assert cli_fetch.main(["--index", index, "--raw", str(tmp_path / "raw"), *ARGS]) == 0
    out = capsys.readouterr().out
    assert "outcomes: new 3" in out and "report files written: 2" in out
    assert f"127.0.0.1/{REPORT}__r1.html" in out and (tmp_path / "raw" / "127.0.0.1" / "2022年政府信息公开年报__x.pdf").exists()
    assert f"next: ogi ingest {tmp_path / 'raw'}" in out
    assert cli_fetch.main(["--index", index, "--raw", str(tmp_path / "raw"), "--quiet", *ARGS]) == 0
    assert "report files written: 0" in capsys.readouterr().out


def test_ogi_fetch_by_source_name_from_a_users_registry(site, tmp_path, capsys):
    registry = tmp_path / "mine.yaml"
    registry.write_text(f"sources:\n  - name: mine\n    index: {small_column(site)}\n"
                        f"    jurisdiction: {{name: 测试县, adcode: '110101'}}\n", encoding="utf-8")
    assert cli_fetch.main(["--sources", str(registry), "--source", "mine", "--raw", str(tmp_path / "raw"), *ARGS]) == 0
    assert (tmp_path / "raw" / "mine" / f"{REPORT}__r1.html").exists()
    assert cli_fetch.main(["--sources", str(registry), "--source", "theirs"]) == 2
    assert "no source named theirs" in capsys.readouterr().err and site.count("/robots.txt") == 1


def test_ogi_fetch_list_shows_the_project_registry_without_fetching(capsys):
    assert cli_fetch.main(["--list"]) == 0
    assert "pingtan" in capsys.readouterr().out


def test_the_asset_fetches_through_the_ogi_fetch_job_and_reports_counts(site, tmp_path):
    from assets.fetch import FETCH_ASSETS, FETCH_JOBS, FETCH_SCHEDULES

    defs = dg.Definitions(assets=FETCH_ASSETS, jobs=FETCH_JOBS, schedules=FETCH_SCHEDULES)
    config = {"index_urls": [small_column(site)], "raw_dir": str(tmp_path / "raw"), "rate": 200.0, "timeout": 0.5}
    result = defs.resolve_job_def("ogi_fetch").execute_in_process(
        run_config={"ops": {"raw_fetched_reports": {"config": config}}})
    assert result.success
    meta = result.asset_materializations_for_node("raw_fetched_reports")[0].metadata
    assert (meta["outcome_new"].value, meta["files_written"].value, meta["failures"].value) == (3, 2, 0)
    assert meta["dagster/row_count"].value == 4                      # 3 URLs + robots.txt
    assert REPORT in meta["preview"].value
    assert {c.name for c in meta["dagster/column_schema"].value.columns} >= {"url", "final_url", "etag", "sha256"}


def ticks(cron: str, year: int) -> list[dt.datetime]:
    from dagster._utils.schedules import cron_string_iterator

    start = dt.datetime(year, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp() - 1
    out = []
    for t in cron_string_iterator(start, cron, "Asia/Shanghai"):
        if t.year > year:
            return out
        out.append(t)


def test_the_schedule_runs_weekly_in_the_reporting_season_and_monthly_otherwise():
    from assets.fetch import fetch_schedule

    assert fetch_schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    runs = sorted(t for cron in fetch_schedule.cron_schedule for t in ticks(cron, 2026))
    per_month = {m: sum(1 for t in runs if t.month == m) for m in range(1, 13)}
    assert per_month == {1: 1, 2: 4, 3: 5, 4: 4, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1, 12: 1}
    assert all(t.weekday() == 0 for t in runs if 2 <= t.month <= 4) and {t.hour for t in runs} == {3}
