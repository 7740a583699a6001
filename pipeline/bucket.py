"""One bucket's files (the rows of the reports whose report_id starts with its two hex
digits): read, brought to their new state, and committed.

- `read_bucket_table`: a table of the bucket — its file plus the parts appended since — in the
  current contract's shape (empty when absent or unusable: extracted again).
- `assemble`: the bucket's new state from its plan (pipeline.ingest.plan_bucket) and the
  checked frames of what was extracted now (pipeline.batch). When the run only adds reports
  to the bucket — every previous report kept, unchanged, with the same paths — the result is
  an *append*: just the new rows. Otherwise it is the whole bucket, previous rows included.
- `commit_files`: what `txn.commit` writes: an append is one new part per table
  (`bucket-<bb>.<nnnn>.parquet`), so a run with 1% new files writes 1% of the rows instead of
  rewriting every bucket; a whole bucket replaces its file and removes the appended parts
  (also done when a bucket has `MAX_PARTS` parts already, to keep reads cheap).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import warehouse
from pipeline.batch import Batch
from pipeline.extract_file import failed_report
from schemas import conform, empty, enforce, issues_from_rejects, to_frame

CONTRACT_ERROR = "report row broke the warehouse contract (see rejects)"
MAX_PARTS = 8          # appended parts a bucket may hold before its next write folds them in
SOURCE_KEY = ["report_id", "source_path", "missing", "missing_since"]


@dataclass
class Bucket:
    reports: pl.DataFrame
    metrics: pl.DataFrame
    quality_issues: pl.DataFrame
    report_sources: pl.DataFrame
    rejects: pl.DataFrame
    append: bool = False       # the frames hold only rows added to the bucket


def read_bucket_table(root: Path | str, table: str, bucket: str) -> pl.DataFrame:
    """One table of a bucket (its file and appended parts) in the current contract's shape."""
    try:
        frames = [conform(table, pl.read_parquet(p)) for p in warehouse.bucket_parts(root, table, bucket)]
        frame = pl.concat(frames, how="diagonal_relaxed") if frames else empty(table)
    except Exception:  # unreadable or from an incompatible contract: extracted again
        return empty(table)
    if table == "report_sources":
        frame = frame.with_columns(pl.col("missing").fill_null(False))
    return frame


def _only(frame: pl.DataFrame, ids: set[str]) -> pl.DataFrame:
    return frame.filter(pl.col("report_id").is_in(sorted(ids)))


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("report_id", maintain_order=True, nulls_last=True)


def _added(now: pl.DataFrame, before: pl.DataFrame, on: list[str]) -> pl.DataFrame | None:
    """The rows of `now` not in `before`, when `now` holds every row of `before`; else None."""
    if before.join(now, on=on, how="anti", nulls_equal=True).height:
        return None
    return now.join(before, on=on, how="anti", nulls_equal=True)


def assemble(root: Path | str, plan, new: Batch, now: dt.datetime) -> Bucket | None:
    """The bucket's new tables (or only its added rows: `Bucket.append`); None when they equal
    its files (nothing to write)."""
    keep = plan.keep
    fresh = plan.sources.join(plan.prev_sources, on=SOURCE_KEY, how="anti", nulls_equal=True)
    src = enforce("report_sources", fresh)  # rows as they were last written were checked then
    src.frame = pl.concat([plan.sources.join(plan.prev_sources, on=SOURCE_KEY, how="semi", nulls_equal=True), src.frame],
                          how="diagonal_relaxed").sort("report_id", "source_path", maintain_order=True)
    first = src.frame.sort("missing", "source_path").group_by("report_id", maintain_order=True).agg(
        pl.col("source_path").first(), pl.col("missing").all().alias("source_missing"))
    checked, rejects = [new.reports], [new.rejects, src.rejects]
    if plan.failed_now:  # files that could not be read: their report rows are checked here
        failed = enforce("reports", *to_frame("reports", [dict(r, ingested_at=now) for r in plan.failed_now]))
        checked.append(failed.frame)
        rejects.append(failed.rejects)
    checked_ids = set(pl.concat([c.select("report_id") for c in checked])["report_id"].to_list())
    live = set(first["report_id"].to_list())
    stand_ins = [failed_report(p, rid, None, CONTRACT_ERROR) | {"ingested_at": now}
                 for rid, p, _ in first.iter_rows() if rid in live - keep - checked_ids]
    reports = pl.concat([_only(plan.reports, keep), *checked, to_frame("reports", stand_ins)[0]], how="diagonal_relaxed")
    columns = reports.columns
    reports = _sorted(reports.drop("source_path", "source_missing").join(first, on="report_id", how="left").select(columns))
    if not plan.jobs and not plan.failed_now and reports.equals(plan.reports) and src.frame.equals(plan.prev_sources):
        return None
    rejects = pl.concat(rejects, how="diagonal_relaxed")
    prev_ids = set(plan.reports["report_id"].to_list())
    sources_added = _added(src.frame, plan.prev_sources, SOURCE_KEY) if prev_ids <= keep else None
    if sources_added is not None and _only(reports, prev_ids).equals(plan.reports):
        return Bucket(
            reports=reports.filter(~pl.col("report_id").is_in(sorted(prev_ids))),
            metrics=_sorted(new.metrics),
            quality_issues=_sorted(pl.concat([new.quality_issues, issues_from_rejects(rejects)], how="diagonal_relaxed")),
            report_sources=sources_added,
            rejects=_sorted(rejects),
            append=True,
        )
    old = {t: _only(read_bucket_table(root, t, plan.bucket), keep) for t in ("metrics", "quality_issues", "rejects")}
    return Bucket(
        reports=reports,
        metrics=_sorted(pl.concat([old["metrics"], new.metrics], how="diagonal_relaxed")),
        quality_issues=_sorted(pl.concat([old["quality_issues"], new.quality_issues, issues_from_rejects(rejects)],
                                         how="diagonal_relaxed")),
        report_sources=src.frame,
        rejects=_sorted(pl.concat([old["rejects"], rejects], how="diagonal_relaxed")),
    )


def commit_files(root: Path | str, bucket: str, new: Bucket) -> dict[str, pl.DataFrame | None]:
    """{file under parquet/: its frame, or None to remove it} for `txn.commit`."""
    parts = {t: warehouse.bucket_parts(root, t, bucket) for t in warehouse.CORE_TABLES}
    seq = max((warehouse.part_seq(p) for ps in parts.values() for p in ps), default=0)
    if new.append and any(parts.values()) and seq < MAX_PARTS:
        return {warehouse.bucket_file(t, bucket, seq + 1): getattr(new, t)
                for t in warehouse.CORE_TABLES if getattr(new, t).height}
    if new.append and any(parts.values()):  # too many parts: the bucket is written whole, its appended parts folded in
        whole = {t: _sorted(pl.concat([read_bucket_table(root, t, bucket), getattr(new, t)], how="diagonal_relaxed"))
                 for t in warehouse.CORE_TABLES}
        new = Bucket(**whole)
    files: dict[str, pl.DataFrame | None] = {warehouse.bucket_file(t, bucket): getattr(new, t) for t in warehouse.CORE_TABLES}
    for table, paths in parts.items():
        files |= {f"{table}/{p.name}": None for p in paths if warehouse.part_seq(p)}
    return files
