"""The asset graph, layer by layer (raw -> core -> out), as thin Dagster definitions over
pipeline/:

- raw_report_files (原始报告文件): the files under the raw paths, hashed; the scan goes to
  the warehouse's staging folder.
- core_extraction (抽取) -> core_reports, core_metrics, core_quality_issues,
  core_report_sources: one step extracts every new file content and assembles the four
  tables, reusing the previous run's rows for contents this extractor version already did.
- core_dim_metric, core_dim_jurisdiction, core_longitudinal_issues (CARRY/STOCK checks
  over the whole warehouse, recomputed every run).
- out_warehouse_duckdb (查询库): the only DuckDB writer (pool `duckdb_writer`), after the
  blocking contract checks of every core table.
Data moves between assets as Parquet files in the warehouse, never through an IO manager.
Rows that break the contract go to `parquet/rejects/` and become SCHEMA-<table> issues.
"""
import time
from pathlib import Path

import dagster as dg
import polars as pl

from assets.resources import WarehouseResource, table_metadata
from pipeline import ingest
from pipeline import warehouse as storage
from pipeline.catalogue import dim_metric_rows
from pipeline.version import EXTRACTOR_VERSION
from schemas import to_frame

@dg.asset(
    group_name="raw",
    kinds={"python", "parquet"},
    description="原始报告文件: every file under the raw paths (hidden ones skipped) with the sha256 of its bytes.",
    metadata={"label_zh": "原始报告文件"},
)
def raw_report_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    missing = [p for p in warehouse.raw_paths if not Path(p).exists()]
    for path in missing:
        context.log.warning(f"raw path does not exist: {path}")
    scanned = ingest.scan([p for p in warehouse.raw_paths if p not in missing])
    storage.write_parquet(scanned, warehouse.scan_file)
    context.log.info(f"{scanned.height} files, {scanned['report_id'].n_unique()} distinct contents")
    return dg.MaterializeResult(metadata=table_metadata(
        scanned,
        files=scanned.height,
        distinct_contents=scanned["report_id"].n_unique(),
        total_bytes=int(scanned["bytes"].sum() or 0),
        unreadable=scanned.filter(pl.col("read_error").is_not_null()).height,
        raw_paths=dg.MetadataValue.json(list(warehouse.raw_paths)),
        missing_paths=dg.MetadataValue.json(missing),
        scan_file=dg.MetadataValue.path(str(warehouse.scan_file)),
    ))


CORE_SPECS = {
    "reports": ("core_reports", "报告: one row per distinct file content, failures included."),
    "metrics": ("core_metrics", "指标: one row per extracted value (long format)."),
    "quality_issues": ("core_quality_issues", "质量问题: failed / not-assessable checks of each report."),
    "report_sources": ("core_report_sources", "来源路径: every path each report's bytes were found under."),
}


def _progress_logger(context: dg.AssetExecutionContext):
    state = {"last": time.monotonic(), "step": 0}

    def progress(done: int, total: int, path: str) -> None:
        step = done * 10 // total
        if done == total or step > state["step"] or time.monotonic() - state["last"] > 10:
            state.update(last=time.monotonic(), step=step)
            context.log.info(f"extracted {done}/{total} files (last: {path})")
    return progress


@dg.multi_asset(
    specs=[dg.AssetSpec(key, deps=["raw_report_files"], group_name="core", kinds={"polars", "parquet"},
                        description=desc, metadata={"table": table}) for table, (key, desc) in CORE_SPECS.items()],
    can_subset=False,
)
def core_extraction(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """抽取: extract new file contents (incrementally) into the core tables."""
    scanned = pl.read_parquet(warehouse.scan_file)
    previous = ingest.previous_tables(warehouse.root)
    context.log.info(f"{scanned.height} files; previous warehouse: {'found' if previous else 'none'}")
    core = ingest.build_core(scanned, previous, workers=warehouse.workers, pool_threshold=warehouse.pool_threshold,
                             progress=_progress_logger(context), full=warehouse.full)
    for table in (*CORE_SPECS, "rejects"):
        warehouse.write(table, getattr(core, table))
    context.log.info(f"core tables written: {core.stats}")
    rejected = core.rejects.group_by("table_name").len()
    by_table = dict(zip(rejected["table_name"].to_list(), rejected["len"].to_list()))
    for table, (key, _) in CORE_SPECS.items():
        frame = getattr(core, table)
        extra = {"rejected_rows": by_table.get(table, 0)}
        if table == "reports":
            status = frame.group_by("status").len().sort("status")
            extra |= {**core.stats, "extractor_version": EXTRACTOR_VERSION,
                      "by_status": dg.MetadataValue.json(dict(zip(status["status"].to_list(), status["len"].to_list())))}
        yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(frame, **extra))


@dg.asset(group_name="core", kinds={"polars", "parquet"}, metadata={"table": "dim_metric", "label_zh": "指标目录"},
          description="指标目录: the metric catalogue (codes, sections, units, labels, eras).")
def core_dim_metric(warehouse: WarehouseResource) -> dg.MaterializeResult:
    frame, untyped = to_frame("dim_metric", dim_metric_rows())
    written, rejects = warehouse.write_checked("dim_metric", frame, untyped)
    return dg.MaterializeResult(metadata=table_metadata(written, rejected_rows=rejects.height))


@dg.asset(group_name="core", kinds={"polars", "parquet"}, deps=["core_reports"],
          metadata={"table": "dim_jurisdiction", "label_zh": "行政区划"},
          description="行政区划: one row per jurisdiction the reports name (adcode, name, level, parent).")
def core_dim_jurisdiction(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    reports = warehouse.read("reports", part="data")
    rows, source = ingest.jurisdiction_rows(reports.to_dicts() if reports is not None else [])
    context.log.info(f"dim_jurisdiction from {source}")
    frame, untyped = to_frame("dim_jurisdiction", rows)
    written, rejects = warehouse.write_checked("dim_jurisdiction", frame, untyped)
    return dg.MaterializeResult(metadata=table_metadata(written, rejected_rows=rejects.height, source=source))


@dg.asset(group_name="core", kinds={"polars", "parquet"}, deps=["core_reports", "core_metrics"],
          metadata={"table": "quality_issues", "part": "longitudinal", "label_zh": "跨年度核对"},
          description="跨年度核对: quality issues linking a report to last year's (CARRY, STOCK), "
                      "recomputed over the whole warehouse on every run.")
def core_longitudinal_issues(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    reports, metrics = warehouse.read("reports", part="data"), warehouse.read("metrics", part="data")
    rows, source = ingest.longitudinal_issues(reports.to_dicts() if reports is not None else [],
                                              metrics.to_dicts() if metrics is not None else [])
    context.log.info(f"longitudinal checks: {source}")
    frame, untyped = to_frame("quality_issues", rows)
    written, rejects = warehouse.write_checked("quality_issues", frame, untyped, part="longitudinal")
    return dg.MaterializeResult(metadata=table_metadata(written, rejected_rows=rejects.height, source=source))


CORE_ASSETS = ["core_reports", "core_metrics", "core_quality_issues", "core_report_sources",
               "core_dim_metric", "core_dim_jurisdiction", "core_longitudinal_issues"]


@dg.asset(
    group_name="out",
    kinds={"duckdb"},
    deps=CORE_ASSETS,
    pool="duckdb_writer",
    description="查询库: the DuckDB database (ogi.duckdb) loaded from the Parquet tables, for SQL and `ogi query`.",
    metadata={"label_zh": "查询库"},
)
def out_warehouse_duckdb(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    counts = warehouse.load_duckdb()
    path = storage.db_path(warehouse.root)
    context.log.info(f"DuckDB written: {path} {counts}")
    schema = dg.TableSchema(columns=[dg.TableColumn(name=t, type="table", description=f"{n} rows") for t, n in counts.items()])
    table = "\n".join(["| table | rows |", "|---|---|", *[f"| {t} | {n} |" for t, n in counts.items()]])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": counts.get("reports", 0),
        "dagster/column_schema": schema,
        "preview": dg.MetadataValue.md(table),
        "path": dg.MetadataValue.path(str(path)),
        "bytes": path.stat().st_size,
        **{f"rows_{t}": n for t, n in counts.items()},
    })
