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
