"""The operands of checks that compare reports with each other (`pipeline.checks_longitudinal`),
read from the whole `metrics` table at once: one streaming scan that keeps only the wanted codes
and the columns an operand needs, in compact types (a million reports give ~8M rows of ~20 bytes).

Each operand is the first row of its (report, metric_code, requester, period) key, requester
and period defaulting to 'total' and 'year' — `pipeline.checks.index`. Its `attr` is
`pipeline.checks.operand_attribution` without the report text: `extraction` when decoded or
qualified, `source` when stated in a table or prose, a derived value judged by the values its
evidence names (any missing, itself or `extraction` → `extraction`; all `source` → `source`;
else `unknown`; three levels deep, then `extraction`), otherwise `unknown`. Derived operands are
rare: only when there are some is `metrics` read again, for their evidence and parts.
"""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from pipeline.checks import STATED

METRIC_SCHEMA = {"report_id": pl.String, "metric_code": pl.String, "requester": pl.String, "period": pl.String,
                 "value": pl.Float64, "method": pl.String, "evidence": pl.String, "decoded": pl.Boolean,
                 "qualifier": pl.String}
ATTRIBUTIONS = pl.Enum(["source", "extraction", "unknown"])
KEY = ["rix", "metric_code", "req", "per"]


def _attr(depth: int) -> pl.Expr:
    """A row's attribution on its own; null for a derived value (below depth 3): its parts decide."""
    return (pl.when(pl.col("decoded").fill_null(False) | ~pl.col("qualifier").fill_null("").is_in(["", "exact"]))
            .then(pl.lit("extraction")).when(pl.col("method") == "derived").then(pl.lit(None if depth < 3 else "extraction"))
            .when(pl.col("method").is_in(sorted(STATED))).then(pl.lit("source")).otherwise(pl.lit("unknown")).alias("attr"))


def _resolve(rows: pl.DataFrame, fetch, depth: int = 0) -> pl.DataFrame:
    """Fill the null `attr` of derived rows from their parts. `fetch(keys, depth)` reads the rows
    (evidence and `attr` at that depth included) of the given (rix, metric_code, req, per)."""
    rows = rows.with_row_index("_r")
    derived = rows.filter(pl.col("attr").is_null()).with_columns(pl.col(KEY[1:]).cast(pl.String))
    if derived.is_empty():
        return rows.drop("_r")
    if "evidence" not in derived.columns:
        derived = derived.join(fetch(derived.select(KEY), depth).select(*KEY, "evidence"), on=KEY, how="left")
    parts = derived.select("_r", *KEY, pl.col("evidence").fill_null("").str.split("+").alias("part")).explode("part") \
        .with_columns(pl.col("part").str.strip_chars()).filter(pl.col("part") != "")
    found = _resolve(fetch(parts.select("rix", pl.col("part").alias("metric_code"), "req", "per"), depth + 1), fetch, depth + 1)
    parts = parts.join(found.select("rix", pl.col("metric_code").alias("part"), "req", "per",
                                    pl.col("attr").cast(pl.String).alias("p")), on=["rix", "part", "req", "per"], how="left")
    verdict = parts.group_by("_r").agg(
        pl.when((pl.col("p").is_null() | (pl.col("part") == pl.col("metric_code"))).any()
                | (pl.col("p") == "extraction").any()).then(pl.lit("extraction"))
        .when((pl.col("p") == "source").all()).then(pl.lit("source")).otherwise(pl.lit("unknown")).alias("resolved"))
    rows = rows.join(verdict, on="_r", how="left", maintain_order="left")
    kind = rows.schema["attr"]
    return rows.with_columns(pl.coalesce(pl.col("attr").cast(pl.String), "resolved", pl.lit("extraction")).cast(kind)) \
        .drop("_r", "resolved")


def operands(metrics: pl.LazyFrame, ids: pl.DataFrame, codes: Sequence[str]) -> pl.DataFrame:
    """(rix, code, req, value, attr) of the metrics of `codes` with period 'year', of the reports
    in `ids` (rix, report_id). `code` is an Enum of `codes`, `req` an Enum of the requesters
    found (in sorted order), `attr` an Enum of ATTRIBUTIONS."""
    have = metrics.collect_schema().names()
    metrics = metrics.select([pl.col(c).cast(t) if c in have else pl.lit(None, t).alias(c) for c, t in METRIC_SCHEMA.items()])
    req = pl.when(pl.col("requester").is_null() | (pl.col("requester") == "")).then(pl.lit("total")) \
        .otherwise(pl.col("requester")).alias("req")
    per = pl.when(pl.col("period").is_null() | (pl.col("period") == "")).then(pl.lit("year")) \
        .otherwise(pl.col("period")).alias("per")

    def rows(where: pl.Expr, evidence: bool = False) -> pl.LazyFrame:  # filtered first: the scan skips the rest
        kept = metrics.filter(where).select(pl.exclude([] if evidence else ["evidence"]))
        return kept.join(ids.lazy(), on="report_id", maintain_order="left").drop("report_id").with_columns(req, per)

    def fetch(keys: pl.DataFrame, depth: int) -> pl.DataFrame:
        found = rows(pl.col("metric_code").is_in(keys["metric_code"].unique().to_list()), evidence=True)
        found = found.join(keys.lazy(), on=KEY, how="semi", maintain_order="left").with_columns(_attr(depth)).collect()
        return found.unique(KEY, keep="first", maintain_order=True)

    year = pl.col("period").is_null() | pl.col("period").is_in(["", "year"])
    found = rows(pl.col("metric_code").is_in(list(codes)) & year).select(
        "rix", pl.col("metric_code").cast(pl.Enum(codes)), "req", "per", "value",
        _attr(0).cast(ATTRIBUTIONS)).collect(engine="streaming")
    found = found.with_columns(pl.col("req").cast(pl.Enum(sorted(found["req"].unique().to_list()))))
    key = pl.col("rix").cast(pl.UInt64) * 2**32 + pl.col("metric_code").to_physical().cast(pl.UInt64) * 2**16 \
        + pl.col("req").to_physical().cast(pl.UInt64)
    if found.select(key.n_unique()).item() < found.height:  # never in a warehouse (its key is unique): cheap check
        found = found.filter(key.is_first_distinct())
    return _resolve(found, fetch).select("rix", pl.col("metric_code").alias("code"), "req", "value", "attr")
