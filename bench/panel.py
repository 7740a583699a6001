"""DuckDB latency of the longitudinal queries over a warehouse of 1M reports (generated facts).

Writes `reports` (1M rows over the 3,213 divisions in force × 17 years, several reports per
jurisdiction and year, in the contract's shape) and `metrics` (12 harmonized input codes per
report) straight to Parquet with polars — no extraction — loads them into DuckDB as `ogi ingest`
does (`warehouse.load_duckdb`, which also runs `create_views`),
then times the `panel` and `coverage` views when `pipeline.views.create_views` defines them,
else an equivalent pivot / coverage query (said so in the result). Imported by bench/run.py.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import duckdb
import polars as pl

# harmonized inputs (metric catalogue §5): every report carries these codes
CODES = ("requests.received", "outcomes.granted", "outcomes.partial", "outcomes.denied", "outcomes.unable",
         "outcomes.not_processed", "outcomes.other", "outcomes.already_public", "outcomes.not_exist",
         "reconsideration.total", "litigation.total", "outcomes.total")
PANEL_SQL = """
SELECT r.adcode, r.report_year AS year,
  max(m.value) FILTER (WHERE m.metric_code = 'requests.received') AS requests_received,
  sum(m.value) FILTER (WHERE m.metric_code IN ('outcomes.granted', 'outcomes.already_public')) AS granted,
  max(m.value) FILTER (WHERE m.metric_code = 'outcomes.partial') AS partially_granted,
  max(m.value) FILTER (WHERE m.metric_code = 'outcomes.denied') AS refused,
  sum(m.value) FILTER (WHERE m.metric_code IN ('outcomes.unable', 'outcomes.not_exist')) AS unable_to_provide,
  sum(m.value) FILTER (WHERE m.metric_code IN ('outcomes.not_processed', 'outcomes.other')) AS not_processed_or_other,
  max(m.value) FILTER (WHERE m.metric_code = 'reconsideration.total') AS reconsiderations,
  max(m.value) FILTER (WHERE m.metric_code = 'litigation.total') AS lawsuits
FROM reports r JOIN metrics m USING (report_id)
WHERE r.status = 'ok' AND m.requester = 'total' AND m.period = 'year'
GROUP BY ALL
"""
COVERAGE_SQL = """
WITH years AS (SELECT range AS year FROM range(2008, 2025)),
     places AS (SELECT DISTINCT adcode FROM reports WHERE adcode IS NOT NULL)
SELECT p.adcode, y.year, count(r.report_id) > 0 AS has_report, min(r.report_id) AS report_id
FROM places p CROSS JOIN years y LEFT JOIN reports r ON r.adcode = p.adcode AND r.report_year = y.year
GROUP BY ALL
"""


def build(root: Path, n_reports: int = 1_000_000) -> dict:
    """Write the generated warehouse under `root` and load ogi.duckdb the way `ogi ingest` does
    (`warehouse.load_duckdb`: tables, then `create_views`); returns sizes and seconds."""
    from pipeline import warehouse
    from pipeline.synth import jurisdictions
    from schemas import conform

    started = time.perf_counter()
    places = pl.DataFrame([(i, c, lvl, gov) for i, (c, lvl, gov, _) in enumerate(jurisdictions())],
                          schema=["k", "adcode", "admin_level", "jurisdiction_name"], orient="row")
    k = places.height
    reports = (
        pl.DataFrame({"i": pl.int_range(n_reports, eager=True)})
        .with_columns(k=pl.col("i") % k, report_year=(2008 + (pl.col("i") // k) % 17).cast(pl.Int64),
                      report_id=pl.col("i").cast(pl.String).str.zfill(12))
        .join(places, on="k", how="left")
        .with_columns(status=pl.lit("ok"), doc_type=pl.lit("annual_report"), format=pl.lit("txt"),
                      bytes=pl.lit(20000), extractor_version=pl.lit("bench"),
                      source_path=pl.format("/corpus/{}.txt", pl.col("report_id")),
                      era=pl.when(pl.col("report_year") < 2014).then(pl.lit("pre2014"))
                      .when(pl.col("report_year") < 2019).then(pl.lit("stat2014"))
                      .when(pl.col("report_year") < 2021).then(pl.lit("fmt2019")).otherwise(pl.lit("fmt2021")))
        .drop("i", "k"))
    codes = pl.DataFrame({"metric_code": list(CODES)})
    metrics = (reports.select("report_id").join(codes, how="cross")
               .with_columns(requester=pl.lit("total"), period=pl.lit("year"), method=pl.lit("table"),
                             unit=pl.lit("item"), qualifier=pl.lit("exact"),
                             value=(pl.concat_str("report_id", "metric_code").hash(7) % 500).cast(pl.Float64)))
    warehouse.write_table(root, "reports", conform("reports", reports))
    warehouse.write_table(root, "metrics", conform("metrics", metrics))
    # the dimension the views join, built as the pipeline builds it (one report per jurisdiction)
    from pipeline.jurisdiction import dim_jurisdiction_rows
    dim = dim_jurisdiction_rows(reports.unique("adcode", keep="first").to_dicts())
    warehouse.write_table(root, "dim_jurisdiction", pl.DataFrame(dim, infer_schema_length=None))
    written = time.perf_counter()
    try:
        counts, views_error = warehouse.load_duckdb(root), None
    except Exception as exc:          # views under construction elsewhere: time the equivalent queries
        views_error = f"{type(exc).__name__}: {exc}"[:300]
        with duckdb.connect(str(root / "ogi.duckdb")) as con:
            for table in ("reports", "metrics"):
                con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_parquet(?)",
                            [[str(p) for p in warehouse.table_files(root, table)]])
        counts = {"reports": reports.height, "metrics": metrics.height}
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        views = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
    return {"reports": reports.height, "metric_rows": metrics.height, "tables_and_views": views, "views_error": views_error,
            "loaded_rows": {t: counts.get(t) for t in ("reports", "metrics")},
            "generate_write_s": round(written - started, 2), "duckdb_load_and_views_s": round(time.perf_counter() - written, 2)}


def _time(con, sql: str, runs: int) -> dict:
    times, rows = [], 0
    for _ in range(runs):
        a = time.perf_counter()
        rows = len(con.execute(sql).fetchall())
        times.append(time.perf_counter() - a)
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3), "rows": rows}


def latency(root: Path, runs: int = 5) -> dict:
    """Median and best latency (full result fetched) of panel and coverage, and what was timed."""
    out = {}
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for view, fallback in (("panel", PANEL_SQL), ("coverage", COVERAGE_SQL)):
            sql = f"SELECT * FROM {view}" if view in have else fallback
            out[view] = {"query": f"view {view}" if view in have else "equivalent query (view not defined yet)",
                         **_time(con, sql, runs)}
        # what a plain pivot over the stored tables costs, for comparison with the views
        out["pivot_equivalent"] = {"query": "PANEL_SQL (bench/panel.py)", **_time(con, PANEL_SQL, runs)}
        out["coverage_equivalent"] = {"query": "COVERAGE_SQL (bench/panel.py)", **_time(con, COVERAGE_SQL, runs)}
    return out
