"""A batch of extracted files as contract-checked frames, built where the files were extracted
(a pool worker), so that the run's parent process only merges and writes.

- `frames_of(jobs, results, now)`: the per-file results (`pipeline.pool.extract_one`) of a
  batch as typed frames (`schemas.to_frame`, column by column), with the machine's absolute
  paths replaced in every text column (`Job.hide`), held to the contract once for the whole
  batch (`schemas.enforce`: one Pandera pass instead of one per bucket). Rows that break the
  contract are in `rejects`, as `pipeline.ingest` expects.
- `Batch.split(groups)`: the parts of a batch that belong to groups of reports (the plans of the batch).
- `extract_batch(jobs, max_bytes, now, fn)`: what a pool worker runs: `fn` over each job, then
  `frames_of`. A failure of `fn` on one file is that file's failed report (`fn` promises it).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import polars as pl

from schemas import empty, enforce, to_frame

NEW_TABLES = ("reports", "metrics", "quality_issues", "rejects")


@dataclass
class Batch:
    reports: pl.DataFrame          # the new report rows that meet the contract (`ingested_at` = now)
    metrics: pl.DataFrame
    quality_issues: pl.DataFrame
    rejects: pl.DataFrame          # rows of the three tables above that broke the contract

    @staticmethod
    def empty() -> Batch:
        return Batch(*(empty(t) for t in NEW_TABLES))

    def split(self, groups: Sequence[set[str]]) -> list[Batch]:
        """The rows of each group of reports (one partition per table, not one filter per
        group); a row of none of them (a reject without a report_id) goes with the first."""
        if len(groups) == 1:
            return [self]
        index = pl.DataFrame({"report_id": [r for g in groups for r in g],
                              "_group": [i for i, g in enumerate(groups) for _ in g]}, schema={"report_id": pl.String, "_group": pl.Int32})
        parts = []
        for t in NEW_TABLES:
            frame = getattr(self, t)
            keyed = frame.join(index, on="report_id", how="left", maintain_order="left").with_columns(pl.col("_group").fill_null(0))
            by = keyed.partition_by("_group", as_dict=True, include_key=False) if frame.height else {}
            parts.append([by.get((i,), frame.clear()) for i in range(len(groups))])
        return [Batch(*(p[i] for p in parts)) for i in range(len(groups))]


def _hide(frame: pl.DataFrame, pairs: Sequence[tuple[str, str]], ids: list[str] | None) -> pl.DataFrame:
    """Replace each absolute prefix by its stand-in in every text column (of the rows of `ids`, or all)."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not texts or not frame.height:
        return frame
    anyof = "|".join(re.escape(prefix) for prefix, _ in pairs)      # one pass: which columns hold any prefix
    held = frame.select(pl.col(name).str.contains(anyof).any() for name in texts).row(0)
    changes = []
    for name, hit_any in zip(texts, held):
        if not hit_any:
            continue
        expr, hit = pl.col(name), False
        for prefix, instead in pairs:
            if frame[name].str.contains(prefix, literal=True).any():
                expr, hit = expr.str.replace_all(prefix, instead, literal=True), True
        if hit:
            changes.append(expr if ids is None else
                           pl.when(pl.col("report_id").is_in(ids)).then(expr).otherwise(pl.col(name)).alias(name))
    return frame.with_columns(changes) if changes else frame


def _scrub_rows(rows: list[dict], pairs: Sequence[tuple[str, str]]) -> None:
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str):
                for prefix, instead in pairs:
                    value = value.replace(prefix, instead)
                row[key] = value


def _typed(table: str, rows: list[dict], by_hide: dict) -> tuple[pl.DataFrame, list]:
    frame, untyped = to_frame(table, rows)
    for pairs, ids in by_hide.items():
        frame = _hide(frame, pairs, None if len(by_hide) == 1 else ids)
        _scrub_rows([r for r, _ in untyped if len(by_hide) == 1 or r.get("report_id") in ids], pairs)
    return frame, untyped


def frames_of(jobs: Sequence, results: Sequence[tuple[dict, list[dict], list[dict]]], now: dt.datetime) -> Batch:
    """The results of `jobs` (in the same order) as a checked Batch."""
    if not results:
        return Batch.empty()
    by_hide: dict[tuple, list[str]] = {}
    for job in jobs:
        if job.hide:
            by_hide.setdefault(tuple(job.hide), []).append(job.report_id)
    reports = [dict(r, ingested_at=now) for r, _, _ in results]
    checked = {}
    for table, rows in (("reports", reports), ("metrics", [m for _, ms, _ in results for m in ms]),
                        ("quality_issues", [i for _, _, iss in results for i in iss])):
        checked[table] = enforce(table, *_typed(table, rows, by_hide))
    rejects = pl.concat([c.rejects for c in checked.values()], how="diagonal_relaxed")
    return Batch(checked["reports"].frame, checked["metrics"].frame, checked["quality_issues"].frame,
                 rejects if rejects.height else empty("rejects"))


def extract_batch(jobs: Sequence, max_bytes: int | None, now: dt.datetime, fn: Callable) -> Batch:
    """Run `fn` (pipeline.pool.extract_one or a stand-in) over each job; the checked Batch.
    The paths are hidden by `frames_of`, column by column, rather than row by row in `fn`."""
    return frames_of(jobs, [fn(replace(job, hide=()), max_bytes) for job in jobs], now)
