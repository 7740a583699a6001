"""The extraction assets (抽取): core_reports, core_metrics, core_quality_issues and
core_report_sources, materialized together, partitioned into 16 shards.

Shard `k` holds the reports whose report_id (sha256) starts with the hex digit k, stored as the
16 bucket files `k0`..`kf` of each table (pipeline.warehouse). Rerunning a shard from the UI
replaces exactly its buckets' rows; an unchanged bucket is not rewritten. The backfill policy
is a single run: a backfill of all shards is one run, the same thing `ogi ingest` does.

Inside, a graph: `plan_lanes` splits the run's shards into lanes (the run tag `ogi/lanes`,
default 1), `extract_lane` extracts each lane (in parallel steps under the multiprocess, k8s
or celery executor; with one lane, in one step with its own process pool of
`warehouse.workers`), and `report_tables` gives every table its metadata — row count, column
schema and preview of the shards covered — and evaluates its checks over the buckets written:
`<table>_contract` (blocking: the stored rows meet the Pandera model) and
`<table>_no_rejects` (warning: no row of the covered shards was moved to `rejects`), reading
the stored files a few multi-file reads at a time (assets/core_tables.py).
"""
import time

import dagster as dg
import polars as pl

from assets.core_tables import covered_files, read_files, table_results, value_counts
from assets.resources import WarehouseResource
from pipeline import ingest
from pipeline import warehouse as storage
from pipeline.pool import Extractor
from pipeline.version import EXTRACTOR_VERSION

SHARDS = dg.StaticPartitionsDefinition(list(storage.SHARDS))
FULL_RANGE = {"dagster/asset_partition_range_start": storage.SHARDS[0],
              "dagster/asset_partition_range_end": storage.SHARDS[-1]}
LANES_TAG = "ogi/lanes"
CORE_SPECS = {
    "reports": ("core_reports", "报告: one row per distinct file content, failures included."),
    "metrics": ("core_metrics", "指标: one row per extracted value (long format)."),
    "quality_issues": ("core_quality_issues", "质量问题: failed / not-assessable checks of each report."),
    "report_sources": ("core_report_sources", "来源路径: every path each report's bytes were found under."),
}
CHECKS = [(table, key, name) for table, (key, _) in CORE_SPECS.items() for name in (f"{table}_contract", f"{table}_no_rejects")]


def _progress(context):
    state = {"last": time.monotonic()}

    def progress(done: int, path: str) -> None:
        if time.monotonic() - state["last"] > 10:
            state["last"] = time.monotonic()
            context.log.info(f"extracted {done} files (last: {path})")
    return progress


@dg.op(ins={"raw_report_files": dg.In(dg.Nothing)}, out=dg.DynamicOut(str))
def plan_lanes(context: dg.OpExecutionContext):
    """The run's shards in `ogi/lanes` contiguous groups, one dynamic output each."""
    shards = list(context.partition_keys)
    lanes = max(1, min(len(shards), int(context.run.tags.get(LANES_TAG, "1"))))
    for i in range(lanes):
        group = shards[i * len(shards) // lanes:(i + 1) * len(shards) // lanes]
        yield dg.DynamicOutput("".join(group), mapping_key=f"shards_{group[0]}_{group[-1]}")


@dg.op
def extract_lane(context: dg.OpExecutionContext, warehouse: WarehouseResource, shards: str) -> dict:
    """Extract the new file contents of some shards (incrementally), bucket by bucket."""
    lanes = max(1, int(context.run.tags.get(LANES_TAG, "1")))
    buckets = [b for s in shards for b in storage.buckets_of(s)]
    if not warehouse.scan_file.exists():
        raise dg.Failure("no file scan yet: materialize raw_report_files first")
    staged = pl.read_parquet(warehouse.scan_file).filter(pl.col("bucket").is_in(buckets))
    roots, _ = warehouse.roots()
    extractor = Extractor(workers=max(1, warehouse.workers // lanes), pool_threshold=warehouse.pool_threshold,
                          timeout=warehouse.timeout_seconds, max_bytes=int(warehouse.max_file_mb * 1048576) or None, progress=_progress(context))
    with warehouse.lock(context, f"extracting shards {shards[0]}..{shards[-1]}", exclusive=False, shards=list(shards)):
        stats = ingest.ingest_buckets(warehouse.root, buckets, staged, roots, extractor, full=warehouse.full,
                                      log=context.log.info)
    context.log.info(f"shards {shards[0]}..{shards[-1]}: " + ", ".join(f"{k} {v}" for k, v in stats.items() if k != "written"))
    return stats


@dg.op(out={**{key: dg.Out(dg.Nothing) for _, (key, _) in CORE_SPECS.items()},
            **{f"{key}_{name}": dg.Out(dg.Nothing) for _, key, name in CHECKS}})
def report_tables(context: dg.OpExecutionContext, warehouse: WarehouseResource, lanes: list[dict]):
    """Metadata and checks of the four tables over the shards the run covered."""
    shards = list(context.partition_keys)
    buckets = [b for s in shards for b in storage.buckets_of(s)]
    stats: dict = {}
    for lane in lanes:
        for k, v in lane.items():
            stats[k] = stats.get(k, 0 if not isinstance(v, list) else []) + v
    stats.pop("written", [])
    root, covered = warehouse.root, set(buckets)
    written = [root / "parquet" / rel for rel in stats.pop("written_files", [])]
    files = {table: covered_files(root, table, covered) for table in (*CORE_SPECS, "rejects")}
    rejects = read_files(files["rejects"]) if files["rejects"] else pl.DataFrame()
    extra = {"reports": {**stats, "lanes": len(lanes), "extractor_version": EXTRACTOR_VERSION,
                         "by_status": dg.MetadataValue.json(_counts(files["reports"], "status"))},
             "quality_issues": {"by_check": dg.MetadataValue.json(_counts(files["quality_issues"], "check_id"))}}
    for table, (key, _) in CORE_SPECS.items():
        mine = [p for p in written if p.parent.name == table and p.exists()]
        yield from table_results(table, key, files[table], mine, rejects,
                                 {"shards": f"{shards[0]}..{shards[-1]}", **extra.get(table, {})})


def _counts(files: list, column: str) -> dict:
    return value_counts(read_files(files, [column]), column) if files else {}


@dg.graph_multi_asset(
    outs={key: dg.AssetOut(dagster_type=dg.Nothing, group_name="core", kinds={"polars", "parquet"}, description=desc,
                           metadata={"table": table}) for table, (key, desc) in CORE_SPECS.items()},
    ins={"raw_report_files": dg.AssetIn(dagster_type=dg.Nothing)},
    check_specs=[dg.AssetCheckSpec(name, asset=key, blocking=name.endswith("_contract"),
                                   description=f"The stored `{table}` rows of the buckets written meet schemas.tables."
                                   if name.endswith("_contract") else f"No `{table}` row of the shards covered was moved to rejects.")
                 for table, key, name in CHECKS],
    partitions_def=SHARDS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=False,
)
def core_extraction(raw_report_files):
    """抽取: extract new file contents (incrementally) into the core tables, shard by shard."""
    outputs = report_tables(plan_lanes(raw_report_files).map(extract_lane).collect())
    names = [key for _, (key, _) in CORE_SPECS.items()] + [f"{key}_{name}" for _, key, name in CHECKS]
    return dict(zip(names, outputs))
