"""The fast paths of the contract give the answers of the slow ones: `to_frame` builds the same
frame whichever path it takes, and `passes_all` clears a frame only when Pandera finds nothing
wrong in it — every rule the models state, broken once, sends the frame to Pandera, so rejects
and their reasons are Pandera's."""
import datetime as dt

import polars as pl
import pytest

from schemas import enforce, failure_cases, to_frame
from schemas import frames as F
from schemas import validate as V
from schemas.tables import MODELS

RID, RID2 = "a" * 64, "b" * 64
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def metric(**kw) -> dict:
    row = {"report_id": RID, "metric_code": "requests.received", "requester": "total", "period": "year",
           "value": 12.0, "raw": "12", "unit": "item", "qualifier": "exact", "method": "table",
           "char_start": 3, "char_end": 5, "table_index": 0, "row_index": 1, "col_index": 2}
    return row | kw


def report(**kw) -> dict:
    return {"report_id": RID, "source_path": "r/a.txt", "bytes": 10, "status": "ok", "extractor_version": "1",
            "ingested_at": NOW, "report_year": 2020, "era": "fmt2019", "adcode": "110000"} | kw


def issue(**kw) -> dict:
    return {"report_id": RID, "check_id": "T3-FLOW", "severity": "error", "status": "failed",
            "message": "m", "attribution": "source"} | kw


GOOD = {
    "metrics": [metric(), metric(requester="natural_person", value=None, raw="/", decoded=True),
                metric(metric_code="licensing.items_change", value=-2.0, char_start=None), metric(report_id=RID2)],
    "reports": [report(), report(report_id=RID2, status="failed", error="empty file", report_year=None)],
    "quality_issues": [issue(), issue(report_id=None, status="not_assessable", metric_codes=["a", "b"])],
}

# one row breaking one rule of the model (or the frame's shape), per case
BAD = [
    ("metrics", metric(requester="martian")),                       # isin
    ("metrics", metric(report_id="A" * 64)),                        # str_matches
    ("metrics", metric(value=-1.0)),                                # dataframe check: counts_not_negative
    ("metrics", metric(char_start=9, char_end=2)),                  # dataframe check: span_is_ordered
    ("metrics", metric(row_index=-1)),                              # ge
    ("metrics", metric(unit=None)),                                 # not nullable
    ("metrics", metric()),                                          # duplicate key (report, code, requester, period)
    ("reports", report(report_id=RID2, status="failed")),           # failed without an error
    ("reports", report(report_id=RID2, report_year=1999)),          # ge
    ("reports", report(report_id=RID2, report_year=dt.date.today().year + 1)),  # le
    ("reports", report(report_id=RID2, adcode="12345")),            # str_matches on a nullable column
    ("reports", report()),                                          # unique report_id
    ("reports", report(report_id=RID2, bytes=-3)),                  # ge
    ("quality_issues", issue(attribution="aliens")),                # isin
    ("quality_issues", issue(check_id=None)),                       # not nullable
]


def frame_of(table: str, rows: list[dict]) -> pl.DataFrame:
    frame, untyped = to_frame(table, rows)
    assert not untyped
    return frame


def pandera_finds_nothing(table: str, frame: pl.DataFrame) -> bool:
    try:
        MODELS[table].validate(frame, lazy=True)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("table", sorted(GOOD))
def test_a_valid_frame_is_cleared_without_pandera_and_pandera_agrees(table):
    frame = frame_of(table, GOOD[table])
    assert V.passes_all(table, frame)
    assert pandera_finds_nothing(table, frame)


@pytest.mark.parametrize("table, bad", BAD)
def test_every_broken_rule_sends_the_frame_to_pandera(table, bad):
    frame = frame_of(table, [*GOOD[table], bad])
    assert not pandera_finds_nothing(table, frame)
    assert not V.passes_all(table, frame)
    assert not failure_cases(table, frame).is_empty()


def test_the_verdicts_agree_on_edge_values():
    for rows in ([metric(value=float("nan"))], [metric(value=float("-inf"))], [metric(char_start=None, char_end=None)],
                 [metric(metric_code="licensing.items_change", value=float("-inf"))]):
        frame = frame_of("metrics", rows)
        assert V.passes_all("metrics", frame) == pandera_finds_nothing("metrics", frame)


def test_a_wrong_dtype_or_a_missing_column_is_left_to_pandera():
    frame = frame_of("metrics", GOOD["metrics"])
    assert not V.passes_all("metrics", frame.with_columns(pl.col("row_index").cast(pl.Int32)))
    assert not V.passes_all("metrics", frame.drop("unit"))
    reports = frame_of("reports", GOOD["reports"])
    assert not V.passes_all("reports", reports.with_columns(pl.col("ingested_at").dt.replace_time_zone(None)))


@pytest.mark.parametrize("table", sorted(GOOD))
def test_enforce_gives_the_same_rows_and_rejects_with_or_without_the_fast_path(table, monkeypatch):
    rows = [*GOOD[table], *(bad for t, bad in BAD if t == table)]
    fast = enforce(table, *to_frame(table, rows))
    monkeypatch.setattr(V, "passes_all", lambda *_: False)
    slow = enforce(table, *to_frame(table, rows))
    assert fast.frame.equals(slow.frame) and fast.rejects.equals(slow.rejects)
    assert slow.rejects.height > 0


def test_to_frame_fast_path_equals_the_column_path():
    rows = [*GOOD["metrics"], metric(metric_code="requests.online", requester=None, period=None, extra={"k": [1]}),
            metric(metric_code="requests.total", note="x"), metric(metric_code="requests.mail", note=None)]
    fast, untyped = to_frame("metrics", rows)
    slow = F._build_columns("metrics", rows)
    assert not untyped and fast.equals(slow) and fast.schema == slow.schema
    assert fast["extra"].to_list()[4] == '{"k": [1]}' and fast["requester"].to_list()[4] == "total"


def test_to_frame_normalises_a_number_in_a_text_column_as_before():
    rows = [metric(raw=12), metric(metric_code="requests.online", raw=3.0, evidence=["a", "b"])]
    frame, untyped = to_frame("metrics", rows)
    assert not untyped and frame["raw"].to_list() == ["12", "3"] and frame["evidence"].to_list() == [None, "a,b"]
