"""The asset graph, layer by layer (raw -> core -> out), as thin Dagster definitions over
pipeline/:

- raw_report_files (原始报告文件): the files under the raw paths, hashed (a file unchanged
  since the last scan keeps its hash without being read), plus the paths that vanished or
  now hold other bytes; the scan goes to the warehouse's staging folder.
- core_extraction (抽取, assets/extraction.py): core_reports, core_metrics,
  core_quality_issues, core_report_sources, partitioned into 16 shards.
- core_dim_metric, core_dim_jurisdiction, core_longitudinal_issues (CARRY/STOCK checks over
  the whole warehouse, recomputed every run).
- out_warehouse_duckdb (查询库): the only DuckDB writer (pool `duckdb_writer`), after the
  blocking contract checks of every core table.
- out_parquet_mirror (对象存储副本): the Parquet files copied to object storage
  (pipeline.mirror) when `parquet_mirror` / OGI_PARQUET_MIRROR names one, else nothing.
Data moves between assets as Parquet files in the warehouse, never through an IO manager.
Every writing step holds the warehouse writer lock (pipeline.txn); rows that break the
contract go to `parquet/rejects/` and become SCHEMA-<table> issues.
"""
import dagster as dg
import polars as pl

from assets.checks import IDENTITIES_SPEC, reports_own_identities, table_check_specs, table_checks
from assets.extraction import core_extraction
from assets.resources import WarehouseResource, table_metadata
from pipeline import ingest, mirror, whole
from pipeline import warehouse as storage
from pipeline.catalogue import dim_metric_rows
from schemas import to_frame

__all__ = ["core_dim_jurisdiction", "core_dim_metric", "core_extraction", "core_longitudinal_issues",
           "out_parquet_mirror", "out_warehouse_duckdb", "raw_report_files"]


@dg.asset(
    group_name="raw",
    kinds={"python", "parquet"},
    description="原始报告文件: every file under the raw paths (hidden ones skipped) with the sha256 of its bytes.",
    metadata={"label_zh": "原始报告文件"},
)
def raw_report_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    roots, missing = warehouse.roots()
    for path in missing:
        context.log.warning(f"raw path does not exist: {path}")
    with warehouse.lock(context, "scanning the raw folders"):
        staged, stats = ingest.scan_step(warehouse.root, roots)
    if stats.get("legacy_files_removed"):
        context.log.warning("removed core tables stored in the layout before buckets: their reports are extracted again")
    present = staged.filter(pl.col("state") == "present")
    context.log.info(f"{present.height} files, {present['report_id'].n_unique()} distinct contents: {stats}")
    return dg.MaterializeResult(metadata=table_metadata(
        present.drop("root_key", "mtime_ns", "ino"),
        distinct_contents=present["report_id"].n_unique(),
        total_bytes=int(present["bytes"].sum() or 0),
        unreadable=present.filter(pl.col("read_error").is_not_null()).height,
        roots=dg.MetadataValue.json([r.label for r in roots]),
        missing_paths=dg.MetadataValue.json(missing),
        **stats,  # files, hashed, hash_reused, vanished, moved
    ))


@dg.asset(group_name="core", kinds={"polars", "parquet"}, metadata={"table": "dim_metric", "label_zh": "指标目录"},
          description="指标目录: the metric catalogue (codes, sections, units, labels, eras).",
          check_specs=table_check_specs("core_dim_metric", "dim_metric"))
def core_dim_metric(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    frame, untyped = to_frame("dim_metric", dim_metric_rows())
    with warehouse.lock(context, "writing dim_metric"):
        written, rejects = warehouse.write_checked("dim_metric", frame, untyped)
    return dg.MaterializeResult(metadata=table_metadata(written, rejected_rows=rejects.height),
                                check_results=table_checks(warehouse, "dim_metric", "data", "dim_metric"))


@dg.asset(group_name="core", kinds={"polars", "parquet"}, deps=["core_reports"],
          metadata={"table": "dim_jurisdiction", "label_zh": "行政区划"},
          description="行政区划: one row per jurisdiction the reports name (adcode, name, level, parent).",
          check_specs=table_check_specs("core_dim_jurisdiction", "dim_jurisdiction"))
def core_dim_jurisdiction(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.lock(context, "writing dim_jurisdiction"):
        rows, source = whole.jurisdiction_rows(warehouse.root)
        frame, untyped = to_frame("dim_jurisdiction", rows)
        written, rejects = warehouse.write_checked("dim_jurisdiction", frame, untyped)
    context.log.info(f"dim_jurisdiction from {source}")
    return dg.MaterializeResult(metadata=table_metadata(written, rejected_rows=rejects.height, source=source),
                                check_results=table_checks(warehouse, "dim_jurisdiction", "data", "dim_jurisdiction"))


@dg.asset(group_name="core", kinds={"polars", "parquet"}, deps=["core_reports", "core_metrics"],
          metadata={"table": "quality_issues", "part": "longitudinal", "label_zh": "跨年度核对"},
          description="跨年度核对: quality issues linking a report to last year's (CARRY, STOCK), "
                      "recomputed over the whole warehouse on every run.",
          check_specs=table_check_specs("core_longitudinal_issues", "quality_issues"))
def core_longitudinal_issues(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.lock(context, "writing the longitudinal checks"):
        rows, source = whole.longitudinal_issues(warehouse.root)
        frame, untyped = to_frame("quality_issues", rows)
        written, rejects = warehouse.write_checked("quality_issues", frame, untyped, part="longitudinal")
    context.log.info(f"longitudinal checks: {source}")
    by_check = written.group_by("check_id").len().sort("check_id")
    return dg.MaterializeResult(metadata=table_metadata(written, rejected_rows=rejects.height, source=source,
                                                        by_check=dg.MetadataValue.json(dict(by_check.iter_rows()))),
                                check_results=table_checks(warehouse, "quality_issues", "longitudinal",
                                                           "quality_issues_longitudinal"))


CORE_ASSETS = ["core_reports", "core_metrics", "core_quality_issues", "core_report_sources",
               "core_dim_metric", "core_dim_jurisdiction", "core_longitudinal_issues"]


@dg.asset(
    group_name="out",
    kinds={"duckdb"},
    deps=CORE_ASSETS,
    pool="duckdb_writer",
    check_specs=[IDENTITIES_SPEC],
    description="查询库: the DuckDB database (ogi.duckdb) loaded from the Parquet tables (by difference with the "
                "files it was last loaded from, when it can), for SQL and `ogi query`.",
    metadata={"label_zh": "查询库"},
)
def out_warehouse_duckdb(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    how: dict[str, str] = {}
    counts = warehouse.load_duckdb(context, how)
    path = storage.db_path(warehouse.root)
    context.log.info(f"DuckDB written: {path.name} {counts}; tables loaded: {how}")
    schema = dg.TableSchema(columns=[dg.TableColumn(name=t, type="table", description=f"{n} rows") for t, n in counts.items()])
    table = "\n".join(["| table | rows |", "|---|---|", *[f"| {t} | {n} |" for t, n in counts.items()]])
    issues = storage.query(warehouse.root, "SELECT check_id, count(*) FROM quality_issues GROUP BY ALL ORDER BY 1")[1]
    return dg.MaterializeResult(metadata={
        "dagster/row_count": counts.get("reports", 0),
        "dagster/column_schema": schema,
        "preview": dg.MetadataValue.md(table),
        "path": dg.MetadataValue.path(str(path)),
        "bytes": path.stat().st_size,
        "quality_issues_by_check": dg.MetadataValue.json(dict(issues)),
        "tables_loaded": dg.MetadataValue.json(how),
        **{f"rows_{t}": n for t, n in counts.items()},
    }, check_results=[reports_own_identities(warehouse)])


@dg.asset(
    group_name="out",
    kinds={"s3", "parquet"},
    deps=CORE_ASSETS,
    description="对象存储副本: the Parquet tables mirrored to object storage (OGI_PARQUET_MIRROR, e.g. s3://bucket/prefix) "
                "for other machines and tools; nothing when no mirror is configured.",
    metadata={"label_zh": "对象存储副本"},
)
def out_parquet_mirror(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    files = mirror.local_files(warehouse.root)
    listing = pl.DataFrame({"file": list(files), "bytes": [v[0] for v in files.values()]},
                           schema={"file": pl.String, "bytes": pl.Int64})
    if not warehouse.parquet_mirror:
        return dg.MaterializeResult(metadata=table_metadata(listing, mirror="not configured (OGI_PARQUET_MIRROR)"))
    with warehouse.lock(context, "mirroring the Parquet files"):
        counts = mirror.mirror(warehouse.root, warehouse.parquet_mirror)
    context.log.info(f"mirrored to {warehouse.parquet_mirror}: {counts}")
    return dg.MaterializeResult(metadata=table_metadata(listing, mirror=warehouse.parquet_mirror, **counts))
