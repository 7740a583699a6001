"""The Dagster code location of ogi-warehouse (`dagster dev -w workspace.yaml`, and what
`ogi ingest` runs in-process): the asset graph raw -> core -> out (assets/graph.py), the
`ogi_ingest` job over all of it, the sensor and schedule that launch it
(assets/automation.py), the warehouse resource, and the asset checks — each evaluated by the
step of the asset it checks (`check_specs`; assets/checks.py, assets/core_tables.py):

- `<table>_contract` (blocking): the stored Parquet of each table an asset writes meets its
  Pandera model (data validated); a broken table never reaches DuckDB.
- `<table>_no_rejects` (warning): no row was moved to `rejects`, so a rejected row is always
  visible in the UI.
- `reports_own_identities` (warning): the reports' own accounting identities.

Paths default to the bundled samples and `data/warehouse`; OGI_RAW_PATHS / OGI_WAREHOUSE
override them for the UI, and `build_defs` lets the CLI pass its own. Importing this module
touches no files.
"""

import dagster as dg

from assets.automation import JOB_NAME, daily_ingest, raw_files_sensor
from assets.checks import reports_own_identities
from assets.extraction import FULL_RANGE, LANES_TAG
from assets.fetch import FETCH_ASSETS, FETCH_JOBS, FETCH_SCHEDULES
from assets.graph import (
    core_dim_jurisdiction, core_dim_metric, core_extraction, core_longitudinal_issues, out_parquet_mirror,
    out_warehouse_duckdb, raw_report_files,
)
from assets.resources import WarehouseResource, default_parquet_mirror, default_raw_paths, default_warehouse_dir

__all__ = ["FULL_RANGE", "JOB_NAME", "LANES_TAG", "build_defs", "defs", "reports_own_identities"]

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
        jobs=[ingest_job, ingest_parallel_job, *FETCH_JOBS],
        sensors=[raw_files_sensor],
        schedules=[daily_ingest, *FETCH_SCHEDULES],
        resources={"warehouse": resource},
        executor=dg.in_process_executor,  # extraction has its own process pool
    )


defs = build_defs()
