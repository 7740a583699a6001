"""Ingestion: from the raw files to the core tables (reports, metrics, quality_issues,
report_sources, rejects), bucket by bucket.

- `scan_step`: the scan (pipeline.scan) staged with what changed (pipeline.stage), handed over
  in staging/raw_files.parquet.
- `plan_group` / `pipeline.bucket.assemble`: the new state of a group of buckets (a bucket:
  the reports whose report_id starts with its two hex digits) from their staged rows and
  their previous files, planned and assembled as one (about one extraction batch of work: a
  few polars operations per group, not per bucket) and committed bucket by bucket. A content
  already extracted by this extractor version is reused — its rows copied, `ingested_at`
  included — unless that extraction failed for a reason of ours (RETRY_ERRORS); the rest is
  extracted. A content no path points at any more is dropped. A path that disappeared keeps
  its row in report_sources with `missing = true` and `missing_since`; a report all of whose
  paths are gone keeps its rows (even from an older extractor version: the file cannot be
  read again) with `source_missing = true`. Paths outside the folders scanned this time keep
  what they had.
- `ingest_buckets`: groups, plans, extracts (pipeline.pool), assembles and commits the buckets
  of a run in order; a bucket whose new state equals its files is not written at all.
New rows are held to the contract (`schemas.enforce`); offending rows go to `rejects` and are
reported as `SCHEMA-<table>` quality issues. Nothing here raises for a bad file.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline import txn, warehouse
from pipeline.bucket import CONTRACT_ERROR, assemble, commit_files, read_group
from pipeline.pool import Extractor, Job, failed_report
from pipeline.scan import Roots, scan
from pipeline.stage import stage
from pipeline.version import EXTRACTOR_VERSION

CORE_TABLES = warehouse.CORE_TABLES
NOT_CONFIGURED = "the raw folder of this file is not among this run's raw paths"
# failures of ours, not of the file: such results are extracted again on the next run
RETRY_ERRORS = ("extractor crashed", "extraction worker failed", "file changed while being ingested", CONTRACT_ERROR,
                NOT_CONFIGURED)


@dataclass
class Plan:
    buckets: list[str]
    reports: pl.DataFrame           # the buckets' previous reports (PLAN_COLUMNS only)
    prev_sources: pl.DataFrame      # their previous report_sources
    sources: pl.DataFrame           # their new report_sources
    keep: set[str]                  # report_ids whose previous rows stay
    jobs: list[Job]
    failed_now: list[dict]          # report rows of files that cannot be read
    stats: dict = field(default_factory=dict)


PLAN_COLUMNS = ["report_id", "extractor_version", "error", "source_path", "source_missing"]
GROUP_ROWS = 50_000       # staged rows a plan may cover (bounds the previous rows held at once)


def _retry() -> pl.Expr:
    return pl.any_horizontal([pl.col("error").fill_null("").str.starts_with(e) for e in RETRY_ERRORS])


def plan_group(root: Path | str, buckets: list[str], staged: pl.DataFrame, roots: Roots, full: bool = False) -> Plan:
    """The plan of a group of buckets from their staged rows (the report_ids of different
    buckets never meet, so the group is planned as one)."""
    prev_reports = read_group(root, "reports", buckets, PLAN_COLUMNS).sort("report_id", maintain_order=True)
    prev_sources = read_group(root, "report_sources", buckets).sort("report_id", "source_path", maintain_order=True)
    present = staged.filter(pl.col("state") == "present").sort("source_path")
    carried = prev_sources.join(staged.select("source_path"), on="source_path", how="anti")
    new_rows = pl.concat([
        present.select("report_id", "source_path", pl.lit(False).alias("missing"), "missing_since"),
        staged.filter(pl.col("state") == "vanished").select("report_id", "source_path", pl.lit(True).alias("missing"), "missing_since"),
    ])
    sources = pl.concat([carried, new_rows], how="diagonal_relaxed").select(prev_sources.columns)
    live, scanned = set(sources["report_id"].to_list()), set(present["report_id"].to_list())
    prev_ids = set(prev_reports["report_id"].to_list())
    reusable = set() if full else set(prev_reports.filter(
        (pl.col("extractor_version") == EXTRACTOR_VERSION) & ~_retry())["report_id"].to_list())
    keep = live & prev_ids & (reusable | (live - scanned))
    todo = (live & scanned) - keep
    orphans = live - keep - todo          # named by an old path only, and no report row: dropped
    if orphans:
        sources = sources.filter(~pl.col("report_id").is_in(sorted(orphans)))
    jobs, failed_now, by_key, home = [], [], roots.by_key(), str(Path.home())
    hides = {key: ((str(r.folder), r.label), (str(r.real_folder), r.label), (home, "~")) for key, r in by_key.items()}
    todo_rows = present.filter(pl.col("report_id").is_in(sorted(todo))).unique("report_id", keep="first", maintain_order=True)
    for source_path, rid, nbytes, key, read_error in todo_rows.select(
            "source_path", "report_id", "bytes", "root_key", "read_error").iter_rows():
        root_ = by_key.get(key)
        if read_error or root_ is None:
            failed_now.append(failed_report(source_path, rid, nbytes, read_error or NOT_CONFIGURED))
            continue
        jobs.append(Job(str(root_.locate(source_path)), rid, source_path, hides[key], nbytes or 0))
    stats = {"reused": len(keep & scanned), "carried_over": len(keep - scanned), "dropped": len(prev_ids - keep - todo),
             "unreadable": len(failed_now)}
    return Plan(buckets, prev_reports, prev_sources, sources.sort("report_id", "source_path"), keep, jobs, failed_now, stats)


def scan_step(root: Path | str, roots: Roots, now: dt.datetime | None = None) -> tuple[pl.DataFrame, dict]:
    """Scan the roots (reusing the last scan's hashes), stage the changes and hand them over in
    staging/raw_files.parquet; (staged rows, counts). The caller holds the writer lock."""
    now = now or dt.datetime.now(dt.timezone.utc)
    scan_file = warehouse.staging_dir(root) / "raw_files.parquet"
    legacy = warehouse.remove_legacy(root)
    try:
        cache = pl.read_parquet(scan_file).filter(pl.col("state") == "present") if scan_file.exists() else None
    except Exception:  # an unreadable cache only costs hashing every file again
        cache = None
    scanned, stats = scan(roots, cache)
    staged, changes = stage(roots, scanned, warehouse.scan_buckets(root, "report_sources"), now)
    stats |= changes
    warehouse.write_parquet(staged, scan_file)
    txn.crash_point("scan-written")
    return staged, stats | ({"legacy_files_removed": len(legacy)} if legacy else {})


def _stale_buckets(root: Path | str, buckets: list[str]) -> set[str]:
    """Buckets holding a report this extractor would extract again (older version, retry error)."""
    files = [f for f in warehouse.bucket_files(root, "reports") if warehouse.bucket_of(f) in buckets]
    if not files:
        return set()
    frames = [pl.scan_parquet(f).select("report_id", "extractor_version", "error") for f in files]
    stale = pl.concat(frames).filter((pl.col("extractor_version") != EXTRACTOR_VERSION) | _retry()).select(
        pl.col("report_id").str.slice(0, 2).unique()).collect()
    return set(stale["report_id"].to_list())


def _groups(buckets: list[str], staged: pl.DataFrame, dirty: set[str], stale: set[str], full: bool, extractor: Extractor,
            stats: dict) -> Iterator[list[str]]:
    """The buckets to plan, in order, in groups of about one extraction batch (counting as
    jobs every present content of a bucket extracted again — full run, stale bucket — or else
    its new contents); a bucket with nothing new and nothing to extract again keeps its files."""
    if not staged.height:
        stats["buckets_unchanged"] += len(buckets)
        return
    per = staged.group_by("bucket").agg(
        pl.col("report_id").filter(pl.col("state") == "present").n_unique().alias("present"),
        pl.col("report_id").filter((pl.col("state") == "present") & pl.col("is_new")).n_unique().alias("new"),
        pl.col("bytes").filter(pl.col("state") == "present").fill_null(0).sum().alias("bytes"),
        pl.len().alias("rows"))
    per = {b: (present, new, size, rows) for b, present, new, size, rows in per.iter_rows()}
    group, jobs, size, rows = [], 0, 0, 0
    for b in buckets:
        if b not in per:
            stats["buckets_unchanged"] += 1
            continue
        present, new, nbytes, nrows = per[b]
        if not (full or b in dirty):
            stats["buckets_unchanged"] += 1
            stats["reused"] += present
            continue
        group.append(b)
        again = full or b in stale
        jobs, size, rows = jobs + (present if again else new), size + (nbytes if again else 0), rows + nrows
        if jobs >= extractor.batch_size or size >= extractor.batch_mb * 1048576 or rows >= GROUP_ROWS:
            yield group
            group, jobs, size, rows = [], 0, 0, 0
    if group:
        yield group


def ingest_buckets(root: Path | str, buckets: list[str], staged: pl.DataFrame, roots: Roots, extractor: Extractor,
                   *, full: bool = False, now: dt.datetime | None = None,
                   log: Callable[[str], None] | None = None) -> dict:
    """Plan, extract, assemble and commit `buckets` in order; returns the run's counts."""
    started, now = time.monotonic(), now or dt.datetime.now(dt.timezone.utc)
    stats = {"buckets_written": 0, "buckets_appended": 0, "buckets_unchanged": 0, "extracted": 0, "reused": 0, "carried_over": 0,
             "dropped": 0, "unreadable": 0, "rejected_rows": 0, "written": [], "written_files": []}
    if staged.height:
        staged = staged.filter(pl.col("bucket").is_in(buckets))
        if "is_new" not in staged.columns:     # (a scan staged without it: everything is new)
            staged = staged.with_columns(pl.lit(True).alias("is_new"))
    stale = _stale_buckets(root, buckets)
    dirty = (set(staged.filter(pl.col("is_new"))["bucket"].to_list()) if staged.height else set()) | stale

    def plans() -> Iterator[Plan]:
        for group in _groups(buckets, staged, dirty, stale, full, extractor, stats):
            yield plan_group(root, group, staged.filter(pl.col("bucket").is_in(group)), roots, full)

    for plan, batch in extractor.run(plans(), now):
        for key, n in plan.stats.items():
            stats[key] += n
        stats["extracted"] += len(plan.jobs)
        parts = {t: warehouse.parts_by_bucket(root, t, set(plan.buckets)) for t in warehouse.CORE_TABLES}
        for bucket, new in assemble(root, plan, batch, now).items():
            if new is None:
                stats["buckets_unchanged"] += 1
                continue
            stats["rejected_rows"] += new.rejects.height
            files = commit_files(root, bucket, new, {t: parts[t].get(bucket, []) for t in warehouse.CORE_TABLES})
            txn.commit(root, f"bucket-{bucket}", files)
            stats["written_files"] += [rel for rel, frame in files.items() if frame is not None and frame.height]
            stats["buckets_appended"] += new.append
            txn.crash_point("bucket-committed")
            stats["buckets_written"] += 1
            stats["written"].append(bucket)
            if log and stats["buckets_written"] % 16 == 0:
                log(f"{stats['buckets_written']} buckets written, {extractor.done} files extracted")
    stats["seconds"] = round(time.monotonic() - started, 2)
    return stats


def ingest_paths(root: Path | str, paths: list, *, full: bool = False, extractor: Extractor | None = None,
                 now: dt.datetime | None = None) -> dict:
    """The scan and every bucket, without Dagster (tests and benchmarks): the run's counts."""
    roots = Roots(paths)
    with txn.writer_lock(root, "ingest_paths"):
        staged, stats = scan_step(root, roots, now)
    with txn.writer_lock(root, "ingest_paths", exclusive=False, shards=list(warehouse.SHARDS)):
        return stats | ingest_buckets(root, list(warehouse.BUCKETS), staged, roots, extractor or Extractor(),
                                      full=full, now=now)
