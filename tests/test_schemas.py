"""The Pandera contracts (schemas/): valid frames pass; a bad requester, a negative count, a
duplicate key, a wrong status or year fail, and `enforce` turns each failure into a reject
plus a SCHEMA-<table> quality issue instead of raising."""
import datetime as dt
import subprocess
import sys

import polars as pl
import pytest

from schemas import MODELS, TABLES, empty, enforce, failure_cases, issues_from_rejects, polars_schema, to_frame

RID = "a" * 64
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def metric(**kw) -> dict:
    row = {"report_id": RID, "metric_code": "requests.received", "requester": "total", "period": "year",
           "value": 12.0, "raw": "12", "unit": "item", "qualifier": "exact", "method": "table"}
    return row | kw


def checked(table: str, rows: list[dict]):
    frame, untyped = to_frame(table, rows)
    return enforce(table, frame, untyped)


def test_every_table_has_a_model_and_empty_frames_are_valid():
    for table in (*TABLES, "rejects"):
        assert table in MODELS
        assert failure_cases(table, empty(table)).is_empty()
        assert list(empty(table).columns) == list(polars_schema(table))


def test_valid_metrics_pass_untouched():
    rows = [metric(), metric(requester="natural_person", value=3.0), metric(period="cumulative", value=None, raw="/"),
            metric(metric_code="licensing.items_change", value=-2.0)]
    result = checked("metrics", rows)
    assert result.frame.height == 4 and result.rejects.is_empty()


def test_defaults_fill_requester_and_period():
    frame, _ = to_frame("metrics", [metric(requester=None, period=None)])
    assert frame.row(0, named=True)["requester"] == "total" and frame.row(0, named=True)["period"] == "year"


@pytest.mark.parametrize("bad, reason", [
    ({"requester": "martian"}, "requester"),
    ({"value": -5.0}, "counts_not_negative"),
    ({"metric_code": "no.such.code"}, "metric_code"),
    ({"unit": "furlong"}, "unit"),
    ({"value": "twelve"}, "cannot be typed"),
])
def test_bad_metric_rows_become_rejects_and_issues(bad, reason):
    result = checked("metrics", [metric(metric_code="requests.online"), metric(**bad)])
    assert result.frame.height == 1 and result.frame["metric_code"].to_list() == ["requests.online"]
    assert result.rejects.height == 1 and reason in result.rejects["reason"][0]
    issues = issues_from_rejects(result.rejects)
    assert issues.height == 1
    issue = issues.row(0, named=True)
    assert issue["check_id"] == "SCHEMA-metrics" and issue["attribution"] == "extraction"
    assert issue["status"] == "failed" and issue["report_id"] == RID
    assert failure_cases("quality_issues", issues).is_empty()


def test_duplicate_key_keeps_the_first_and_rejects_the_rest():
    result = checked("metrics", [metric(value=1.0), metric(value=2.0), metric(value=3.0)])
    assert result.frame["value"].to_list() == [1.0]
    assert result.rejects.height == 2 and "duplicate key" in result.rejects["reason"][0]
    assert issues_from_rejects(result.rejects)["message"][0].startswith("2 metrics row(s)")


def test_failure_cases_find_a_duplicate_key():
    frame, _ = to_frame("metrics", [metric(), metric()])
    assert not failure_cases("metrics", frame).is_empty()


def report(**kw) -> dict:
    return {"report_id": RID, "source_path": "/x/a.txt", "bytes": 10, "status": "ok", "extractor_version": "1",
            "ingested_at": NOW} | kw


@pytest.mark.parametrize("bad", [{"status": "meh"}, {"report_year": 1999}, {"report_year": 2999},
                                 {"status": "failed"}, {"adcode": "12"}, {"report_id": "not-a-hash"}])
def test_bad_report_rows_are_rejected(bad):
    result = checked("reports", [report(**bad)])
    assert result.frame.is_empty() and result.rejects.height == 1


def test_a_good_report_passes():
    result = checked("reports", [report(report_year=2019, era="fmt2019", adcode="350128"),
                                 report(report_id="b" * 64, status="failed", error="empty file")])
    assert result.frame.height == 2 and result.rejects.is_empty()


def test_quality_issue_values_are_checked_and_lists_joined():
    rows = [{"report_id": RID, "check_id": "T3-FLOW", "status": "failed", "attribution": "source",
             "metric_codes": ["requests.received", "outcomes.total"], "expected": 52, "actual": 62.0},
            {"report_id": RID, "check_id": "X", "status": "broken", "attribution": "gremlins"}]
    result = checked("quality_issues", rows)
    assert result.frame.height == 1 and result.rejects.height == 1
    first = result.frame.row(0, named=True)
    assert first["metric_codes"] == "requests.received,outcomes.total" and first["actual"] == "62"


def test_a_missing_source_is_marked_with_the_time_it_went_missing():
    rows = [{"report_id": RID, "source_path": "raw/a.txt", "missing": False},
            {"report_id": RID, "source_path": "raw/b.txt", "missing": True, "missing_since": NOW}]
    result = checked("report_sources", rows)
    assert result.frame.height == 2 and result.frame["missing_since"].dtype == pl.Datetime("us", "UTC")
    bad = checked("report_sources", [{"report_id": RID, "source_path": "raw/c.txt", "missing": "gone"}])
    assert bad.frame.is_empty() and bad.rejects.height == 1


def test_schemas_and_pipeline_library_do_not_import_dagster():
    code = ("import sys, schemas, pipeline.ingest, pipeline.warehouse, pipeline.watch, pipeline.mirror; "
            "sys.exit(1 if any(m == 'dagster' or m.startswith('dagster.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
