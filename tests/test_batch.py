"""A batch of extracted files handed to the buckets it belongs to: every row reaches the plan
of its report, in its order, and none is lost (pipeline.batch.Batch.split)."""
import polars as pl

from pipeline.batch import Batch
from schemas import empty


def _frame(table: str, rows: list[dict]) -> pl.DataFrame:
    return pl.concat([empty(table), pl.DataFrame(rows)], how="diagonal_relaxed")


def test_a_batch_is_split_by_the_plans_of_its_reports():
    a, b, c = "aa" + "0" * 62, "bb" + "0" * 62, "cc" + "0" * 62
    batch = Batch(
        reports=_frame("reports", [{"report_id": i, "status": "ok"} for i in (c, a, b)]),
        metrics=_frame("metrics", [{"report_id": i, "metric_code": m, "value": v}
                                   for i, m, v in ((a, "x", 1.0), (c, "y", 2.0), (a, "z", 3.0))]),
        quality_issues=empty("quality_issues"),
        rejects=_frame("rejects", [{"table_name": "metrics", "report_id": None, "reason": "r", "row": "{}"},
                                   {"table_name": "metrics", "report_id": b, "reason": "s", "row": "{}"}]),
    )
    first, second = batch.split([{a, c}, {b}])
    assert first.reports["report_id"].to_list() == [c, a]
    assert first.metrics.select("report_id", "metric_code").rows() == [(a, "x"), (c, "y"), (a, "z")]
    assert second.reports["report_id"].to_list() == [b] and second.metrics.height == 0
    assert second.rejects["reason"].to_list() == ["s"]
    assert first.rejects["reason"].to_list() == ["r"]          # a reject of no report stays with the first plan
    for part in (first, second):
        assert part.metrics.columns == batch.metrics.columns and part.quality_issues.schema == batch.quality_issues.schema
    assert batch.split([{a, b, c}])[0] is batch


def test_a_batch_crosses_processes_unchanged():
    """What a pool worker sends back is what it built: rows, dtypes (time zones included), column order."""
    import datetime as dt
    import pickle

    a = "aa" + "0" * 62
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    batch = Batch(
        reports=_frame("reports", [{"report_id": a, "status": "ok", "report_year": 2021, "title": "某县 2021 年报告"}]).with_columns(
            ingested_at=pl.lit(now)),
        metrics=_frame("metrics", [{"report_id": a, "metric_code": "x", "value": None, "evidence": "第一行\n第二行"}]),
        quality_issues=empty("quality_issues"),
        rejects=empty("rejects"),
    )
    back = pickle.loads(pickle.dumps(batch))
    for table in ("reports", "metrics", "quality_issues", "rejects"):
        assert getattr(back, table).schema == getattr(batch, table).schema, table
        assert getattr(back, table).equals(getattr(batch, table)), table
    assert back.reports["ingested_at"].dtype.time_zone == "UTC"
