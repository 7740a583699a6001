"""The Dagster code location of ogi-warehouse (`dagster dev -w workspace.yaml`, and what
`ogi ingest` runs in-process): the asset graph raw -> core -> out (assets/graph.py), the
`ogi_ingest` job over all of it, the sensor and schedule that launch it
(assets/automation.py), the warehouse resource, and the asset checks:

- `<table>_contract` (blocking): the stored Parquet of each table an asset writes meets its
  Pandera model (data validated); a broken table never reaches DuckDB. (The core tables'
  checks are evaluated by the extraction step itself, assets/extraction.py.)
- `<table>_no_rejects` (warning): no row was moved to `rejects`, so a rejected row is always
  visible in the UI.

Paths default to the bundled samples and `data/warehouse`; OGI_RAW_PATHS / OGI_WAREHOUSE
override them for the UI, and `build_defs` lets the CLI pass its own. Importing this module
touches no files.
"""

import dagster as dg
import polars as pl

from assets.automation import JOB_NAME, daily_ingest, raw_files_sensor
from assets.extraction import FULL_RANGE, LANES_TAG
from assets.fetch import FETCH_ASSETS, FETCH_JOBS, FETCH_SCHEDULES
from assets.graph import (
    core_dim_jurisdiction, core_dim_metric, core_extraction, core_longitudinal_issues, out_parquet_mirror,
    out_warehouse_duckdb, raw_report_files,
)
from assets.resources import (
    WarehouseResource, default_parquet_mirror, default_raw_paths, default_warehouse_dir, preview_markdown,
)
from schemas import failure_cases

# (asset key, table, part of the table the asset writes, part of `rejects` for its rejects)
CHECKED = [
    ("core_dim_metric", "dim_metric", "data", "dim_metric"),
    ("core_dim_jurisdiction", "dim_jurisdiction", "data", "dim_jurisdiction"),
    ("core_longitudinal_issues", "quality_issues", "longitudinal", "quality_issues_longitudinal"),
]


def contract_check(asset: str, table: str, part: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset, name=f"{table}_contract", blocking=True,
                    description=f"The stored `{table}` rows meet schemas.tables (Pandera, data validated).")
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        frame = warehouse.read(table, part=part)
        if frame is None:
            return dg.AssetCheckResult(passed=False, description=f"parquet/{table}/{part}.parquet is missing")
        cases = failure_cases(table, frame)
        return dg.AssetCheckResult(passed=cases.is_empty(), metadata={
            "rows": frame.height, "failures": cases.height,
            "failure_cases": dg.MetadataValue.md(preview_markdown(cases.drop("failure_case"), rows=10)),
        })
    return _check


def rejects_check(asset: str, table: str, part: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset, name=f"{table}_no_rejects", blocking=False,
                    description=f"No `{table}` row was moved to rejects for breaking the contract.")
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        rejects = warehouse.read("rejects", part=part)
        mine = rejects.filter(pl.col("table_name") == table) if rejects is not None else pl.DataFrame()
        return dg.AssetCheckResult(passed=mine.is_empty(), severity=dg.AssetCheckSeverity.WARN, metadata={
            "rejected_rows": mine.height,
            "sample": dg.MetadataValue.md(preview_markdown(mine.drop("row") if mine.height else mine, rows=10)),
        })
    return _check


FINDINGS_SQL = {
    "by_check": "SELECT check_id, status, attribution, count(*) AS n FROM quality_issues GROUP BY ALL ORDER BY n DESC",
    "worst_reports": """SELECT r.source_path, count(*) AS failed, string_agg(DISTINCT q.check_id, ', ') AS checks
        FROM quality_issues q JOIN reports r USING (report_id) WHERE q.status = 'failed' AND q.attribution = 'source'
        GROUP BY ALL ORDER BY failed DESC, 1 LIMIT 10""",
}


@dg.asset_check(asset="out_warehouse_duckdb", name="reports_own_identities", blocking=False,
                description="报告自身的勾稽关系: the reports' own accounting identities (catalogue §4). A failure "
                            "here is a finding about the governments' reports (attribution `source`), a warning, "
                            "never a reason to stop: the stated values are kept as stated.")
def reports_own_identities(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from pipeline import warehouse as storage

    _, by_check = storage.query(warehouse.root, FINDINGS_SQL["by_check"])
    _, worst = storage.query(warehouse.root, FINDINGS_SQL["worst_reports"])
    failed_source = sum(n for _, status, attribution, n in by_check if status == "failed" and attribution == "source")
    table = "| check | status | attribution | issues |\n|---|---|---|---|\n" + "".join(
        f"| {c} | {st} | {a} | {n} |\n" for c, st, a, n in by_check)
    worst_md = "| report | failed | checks |\n|---|---|---|\n" + "".join(f"| {p} | {n} | {c} |\n" for p, n, c in worst)
    return dg.AssetCheckResult(passed=failed_source == 0, severity=dg.AssetCheckSeverity.WARN, metadata={
        "failed_source_findings": failed_source,
        "by_check": dg.MetadataValue.md(table),
        "worst_reports": dg.MetadataValue.md(worst_md),
    })


ASSET_CHECKS = [contract_check(asset, table, part) for asset, table, part, _ in CHECKED] + [
    rejects_check(asset, table, rejects_part) for asset, table, _, rejects_part in CHECKED
] + [reports_own_identities]


ASSETS = [raw_report_files, core_extraction, core_dim_metric, core_dim_jurisdiction, core_longitudinal_issues,
          out_warehouse_duckdb, out_parquet_mirror]
ingest_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.assets(*ASSETS),  # ingesting never fetches (raw_fetched_reports is ogi_fetch's)
    description="入库: scan the raw paths, extract new reports, write Parquet and DuckDB (what `ogi ingest` runs "
                "over every shard: tags " + ", ".join(f"{k}={v}" for k, v in FULL_RANGE.items()) + ").",
)

PARALLEL_JOB_NAME = "ogi_ingest_parallel"
PARALLEL_LANES = 4
# the same assets, the extraction split into lanes of shards that run as parallel steps (one
# process each; swap the executor for dagster-k8s' k8s_job_executor or dagster-celery's
# celery_executor to spread them over machines: docs/platform.md)
ingest_parallel_job = dg.define_asset_job(
    PARALLEL_JOB_NAME,
    selection=dg.AssetSelection.assets(*ASSETS),
    executor_def=dg.multiprocess_executor,
    run_tags={LANES_TAG: str(PARALLEL_LANES)},
    description=f"入库 (parallel): ogi_ingest with the extraction in {PARALLEL_LANES} lanes of shards, one process each.",
)


def build_defs(warehouse_dir: str | None = None, raw_paths: list[str] | None = None, full: bool = False,
               **options) -> dg.Definitions:
    """The definitions over one warehouse and raw paths; `options` are further WarehouseResource fields."""
    options.setdefault("parquet_mirror", default_parquet_mirror())
    resource = WarehouseResource(warehouse_dir=warehouse_dir or default_warehouse_dir(),
                                 raw_paths=list(raw_paths) if raw_paths else default_raw_paths(), full=full, **options)
    return dg.Definitions(
        assets=[*ASSETS, *FETCH_ASSETS],
        asset_checks=ASSET_CHECKS,
        jobs=[ingest_job, ingest_parallel_job, *FETCH_JOBS],
        sensors=[raw_files_sensor],
        schedules=[daily_ingest, *FETCH_SCHEDULES],
        resources={"warehouse": resource},
        executor=dg.in_process_executor,  # extraction has its own process pool
    )


defs = build_defs()
