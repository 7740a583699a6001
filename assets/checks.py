"""The asset checks of the small assets, evaluated inside the asset that writes the table (one
step, no separate check steps): each asset declares its `check_specs` and returns the results
with its `MaterializeResult`.

- `<table>_contract` (blocking, ERROR): the stored Parquet part the asset wrote meets its
  Pandera model (read back from the file, data validated); a failure stops the run before
  `out_warehouse_duckdb`, so a broken table never reaches DuckDB.
- `<table>_no_rejects` (warning): no row was moved to `rejects` for breaking the contract.
- `reports_own_identities` (warning, on `out_warehouse_duckdb`): the reports' own accounting
  identities, from the database just loaded.
"""
import dagster as dg
import polars as pl

from assets.resources import WarehouseResource, preview_markdown
from pipeline import warehouse as storage
from schemas import failure_cases


def table_check_specs(asset: str, table: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(f"{table}_contract", asset=asset, blocking=True,
                          description=f"The stored `{table}` rows meet schemas.tables (Pandera, data validated)."),
        dg.AssetCheckSpec(f"{table}_no_rejects", asset=asset, blocking=False,
                          description=f"No `{table}` row was moved to rejects for breaking the contract."),
    ]


def table_checks(warehouse: WarehouseResource, table: str, part: str, rejects_part: str) -> list[dg.AssetCheckResult]:
    """The two checks of one stored table part, from the files as written."""
    frame = warehouse.read(table, part=part)
    if frame is None:
        contract = dg.AssetCheckResult(check_name=f"{table}_contract", passed=False,
                                       description=f"parquet/{table}/{part}.parquet is missing")
    else:
        cases = failure_cases(table, frame)
        contract = dg.AssetCheckResult(check_name=f"{table}_contract", passed=cases.is_empty(), metadata={
            "rows": frame.height, "failures": cases.height,
            "failure_cases": dg.MetadataValue.md(preview_markdown(cases.drop("failure_case"), rows=10)),
        })
    rejects = warehouse.read("rejects", part=rejects_part)
    mine = rejects.filter(pl.col("table_name") == table) if rejects is not None else pl.DataFrame()
    no_rejects = dg.AssetCheckResult(check_name=f"{table}_no_rejects", passed=mine.is_empty(),
                                     severity=dg.AssetCheckSeverity.WARN, metadata={
        "rejected_rows": mine.height,
        "sample": dg.MetadataValue.md(preview_markdown(mine.drop("row") if mine.height else mine, rows=10)),
    })
    return [contract, no_rejects]


FINDINGS_SQL = {
    "by_check": "SELECT check_id, status, attribution, count(*) AS n FROM quality_issues GROUP BY ALL ORDER BY n DESC",
    "worst_reports": """SELECT r.source_path, count(*) AS failed, string_agg(DISTINCT q.check_id, ', ') AS checks
        FROM quality_issues q JOIN reports r USING (report_id) WHERE q.status = 'failed' AND q.attribution = 'source'
        GROUP BY ALL ORDER BY failed DESC, 1 LIMIT 10""",
}
IDENTITIES_SPEC = dg.AssetCheckSpec(
    "reports_own_identities", asset="out_warehouse_duckdb", blocking=False,
    description="报告自身的勾稽关系: the reports' own accounting identities (catalogue §4). A failure here is a "
                "finding about the governments' reports (attribution `source`), a warning, never a reason to stop: "
                "the stated values are kept as stated.")


def reports_own_identities(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Failed `source` findings by check, and the reports with the most of them (a warning)."""
    with storage.connect_read_only(warehouse.root) as con:
        by_check = con.execute(FINDINGS_SQL["by_check"]).fetchall()
        worst = con.execute(FINDINGS_SQL["worst_reports"]).fetchall()
    failed_source = sum(n for _, status, attribution, n in by_check if status == "failed" and attribution == "source")
    table = "| check | status | attribution | issues |\n|---|---|---|---|\n" + "".join(
        f"| {c} | {st} | {a} | {n} |\n" for c, st, a, n in by_check)
    worst_md = "| report | failed | checks |\n|---|---|---|\n" + "".join(f"| {p} | {n} | {c} |\n" for p, n, c in worst)
    return dg.AssetCheckResult(check_name=IDENTITIES_SPEC.name, passed=failed_source == 0,
                               severity=dg.AssetCheckSeverity.WARN, metadata={
        "failed_source_findings": failed_source,
        "by_check": dg.MetadataValue.md(table),
        "worst_reports": dg.MetadataValue.md(worst_md),
    })
