"""Buckets' files (the rows of the reports whose report_id starts with the bucket's two hex
digits): read, brought to their new state, and committed — a group of buckets at a time.

- `read_bucket_table` / `read_group`: a table of one bucket, or of a group of buckets, from
  each bucket's file plus the parts appended since, in the current contract's shape (a bucket
  whose files are absent or unusable reads as empty: its reports are extracted again).
- `assemble`: the new state of each bucket of a plan (pipeline.ingest.plan_group) from the
  checked frames of what was extracted now (pipeline.batch), computed for the whole group at
  once and then split by bucket. A bucket where the run only adds reports — every previous
  report kept, unchanged, with the same paths — gets an *append*: just the new rows. Any
  other changed bucket gets its whole state, previous rows included; an unchanged one, None.
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
FIRST_SOURCE = ["source_path", "source_missing"]     # what a report row says of its paths


@dataclass
class Bucket:
    reports: pl.DataFrame
    metrics: pl.DataFrame
    quality_issues: pl.DataFrame
    report_sources: pl.DataFrame
    rejects: pl.DataFrame
    append: bool = False       # the frames hold only rows added to the bucket


def _shaped(table: str, frame: pl.DataFrame, columns: list[str] | None) -> pl.DataFrame:
    if table == "report_sources":
        frame = frame.with_columns(pl.col("missing").fill_null(False))
    return frame.select(columns) if columns else frame


def read_bucket_table(root: Path | str, table: str, bucket: str, columns: list[str] | None = None) -> pl.DataFrame:
    """One table of a bucket (its file and appended parts) in the current contract's shape."""
    try:
        frames = [conform(table, pl.read_parquet(p)) for p in warehouse.bucket_parts(root, table, bucket)]
        frame = pl.concat(frames, how="diagonal_relaxed") if frames else empty(table)
    except Exception:  # unreadable or from an incompatible contract: extracted again
        frame = empty(table)
    return _shaped(table, frame, columns)


def read_group(root: Path | str, table: str, buckets: list[str], columns: list[str] | None = None) -> pl.DataFrame:
    """A table of a group of buckets, read at once; a bucket it fails on is read alone."""
    parts = warehouse.parts_by_bucket(root, table, set(buckets))
    files = [p for b in buckets for p in parts.get(b, ())]
    try:
        return _shaped(table, conform(table, pl.read_parquet(files, columns=columns)) if files else empty(table), columns)
    except Exception:  # files of different contract versions, or an unreadable one: bucket by bucket
        return pl.concat([read_bucket_table(root, table, b, columns) for b in buckets], how="diagonal_relaxed")


def _only(frame: pl.DataFrame, ids: set[str]) -> pl.DataFrame:
    return frame.filter(pl.col("report_id").is_in(sorted(ids)))


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("report_id", maintain_order=True, nulls_last=True)


def split(frame: pl.DataFrame, buckets: list[str]) -> dict[str, pl.DataFrame]:
    """The rows of each bucket (by report_id), in their order; rows with no report_id of these
    buckets go to the first."""
    if not frame.height:
        return {}
    key = pl.col("report_id").str.slice(0, 2)
    key = pl.when(key.is_in(buckets)).then(key).otherwise(pl.lit(buckets[0])).alias("_bucket")
    parts = frame.with_columns(key).partition_by("_bucket", as_dict=True, include_key=False)
    return {b: f for (b,), f in parts.items()}


def _with_first(reports: pl.DataFrame, first: pl.DataFrame) -> pl.DataFrame:
    columns = reports.columns
    return reports.drop(FIRST_SOURCE).join(first, on="report_id", how="left").select(columns)


def _of(ids, buckets: list[str]) -> set[str]:
    return {i[:2] if i and i[:2] in buckets else buckets[0] for i in ids}


def assemble(root: Path | str, plan, new: Batch, now: dt.datetime) -> dict[str, Bucket | None]:
    """Each bucket of the plan: its new tables (or only its added rows: `Bucket.append`), or
    None when they equal its files (nothing to write)."""
    keep, buckets = plan.keep, plan.buckets
    fresh = plan.sources.join(plan.prev_sources, on=SOURCE_KEY, how="anti", nulls_equal=True)
    src = enforce("report_sources", fresh)  # rows as they were last written were checked then
    sources = pl.concat([plan.sources.join(plan.prev_sources, on=SOURCE_KEY, how="semi", nulls_equal=True), src.frame],
                        how="diagonal_relaxed").sort("report_id", "source_path", maintain_order=True)
    first = sources.sort("missing", "source_path").group_by("report_id", maintain_order=True).agg(
        pl.col("source_path").first(), pl.col("missing").all().alias("source_missing"))
    checked, rejects = [new.reports], [new.rejects, src.rejects]
    if plan.failed_now:  # files that could not be read: their report rows are checked here
        failed = enforce("reports", *to_frame("reports", [dict(r, ingested_at=now) for r in plan.failed_now]))
        checked.append(failed.frame)
        rejects.append(failed.rejects)
    checked_ids = set(pl.concat([c.select("report_id") for c in checked])["report_id"].to_list())
    stand_ins = [failed_report(p, rid, None, CONTRACT_ERROR) | {"ingested_at": now}
                 for rid, p, _ in first.iter_rows() if rid not in keep and rid not in checked_ids]
    added = _sorted(_with_first(pl.concat([empty("reports"), *checked, to_frame("reports", stand_ins)[0]],
                                          how="diagonal_relaxed"), first))
    rejects = _sorted(pl.concat(rejects, how="diagonal_relaxed"))
    issues = _sorted(pl.concat([new.quality_issues, issues_from_rejects(rejects)], how="diagonal_relaxed"))

    # buckets that cannot take an append: a previous report dropped, a previous path row gone,
    # or a kept report whose first path changed
    prev = plan.reports
    whole = _of(set(prev["report_id"].to_list()) - keep, buckets)
    whole |= _of(plan.prev_sources.join(sources, on=SOURCE_KEY, how="anti", nulls_equal=True)["report_id"], buckets)
    now_first = _only(prev.select("report_id", *FIRST_SOURCE), keep).join(first, on="report_id", how="left", suffix="_now")
    whole |= _of(now_first.filter(pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_now")) for c in FIRST_SOURCE))["report_id"],
                 buckets)
    sources_added = sources.join(plan.prev_sources, on=SOURCE_KEY, how="anti", nulls_equal=True)
    parts = {name: split(frame, buckets) for name, frame in (
        ("reports", added), ("metrics", _sorted(new.metrics)), ("quality_issues", issues), ("rejects", rejects),
        ("added_sources", sources_added), ("report_sources", sources))}
    blank = {"reports": added.clear(), "metrics": new.metrics.clear(), "quality_issues": issues.clear(),
             "rejects": rejects.clear(), "added_sources": sources_added.clear(), "report_sources": sources.clear()}
    out: dict[str, Bucket | None] = {}
    for b in buckets:
        got = {name: p.get(b, blank[name]) for name, p in parts.items()}
        if b in whole:
            out[b] = _whole(root, b, keep, first, got)
            continue
        frames = {t: got[t] for t in ("reports", "metrics", "quality_issues", "rejects")}
        if not got["added_sources"].height and not any(f.height for f in frames.values()):
            out[b] = None
            continue
        out[b] = Bucket(report_sources=got["added_sources"].select(plan.prev_sources.columns), append=True, **frames)
    return out


def _whole(root: Path | str, bucket: str, keep: set[str], first: pl.DataFrame, now: dict) -> Bucket:
    """A bucket's whole new state: its kept previous rows and the rows added now."""
    old = {t: _only(read_bucket_table(root, t, bucket), keep) for t in ("reports", "metrics", "quality_issues", "rejects")}
    reports = pl.concat([old["reports"], now["reports"]], how="diagonal_relaxed")
    return Bucket(
        reports=_sorted(_with_first(reports, first)),
        metrics=_sorted(pl.concat([old["metrics"], now["metrics"]], how="diagonal_relaxed")),
        quality_issues=_sorted(pl.concat([old["quality_issues"], now["quality_issues"]], how="diagonal_relaxed")),
        report_sources=now["report_sources"],
        rejects=_sorted(pl.concat([old["rejects"], now["rejects"]], how="diagonal_relaxed")),
    )


def commit_files(root: Path | str, bucket: str, new: Bucket, parts: dict[str, list[Path]] | None = None) -> dict[str, pl.DataFrame | None]:
    """{file under parquet/: its frame, or None to remove it} for `txn.commit`. `parts`: the
    bucket's current files by table, when the caller has listed them."""
    parts = parts if parts is not None else {t: warehouse.bucket_parts(root, t, bucket) for t in warehouse.CORE_TABLES}
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
