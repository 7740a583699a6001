"""What changed for the paths the warehouse already knows: the scan of the raw folders staged
for the extraction (`pipeline.ingest.scan_step` hands it over in `staging/raw_files.parquet`).

Staged rows are the scan (pipeline.scan) with state `present`, plus, for paths the warehouse
knows under the folders scanned: `vanished` (the file is gone: its report is kept and marked),
and `moved` (the path now holds other bytes: it leaves its old content). Every row carries
`is_new` (not in the warehouse as it is) and `bucket` (the first two hex digits of its
report_id), so the extraction skips buckets where nothing changed.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.scan import Roots
from schemas import conform

SINCE = pl.Datetime("us", "UTC")


def stage(roots: Roots, scanned: pl.DataFrame, sources: pl.LazyFrame | None, now: dt.datetime) -> tuple[pl.DataFrame, dict]:
    """(staged rows: the scan (pipeline.scan.scan) with state 'present', plus 'vanished' and
    'moved' rows, each with `is_new`: not already in the warehouse as it is; counts)."""
    stats = {}
    present = scanned.with_columns(pl.lit("present").alias("state"), pl.lit(None, dtype=SINCE).alias("missing_since"))
    parts = [present.with_columns(pl.lit(True).alias("is_new"))]
    if sources is not None:
        prev = conform("report_sources", sources.collect()).filter(roots.covers())
        known = prev.filter(~pl.col("missing").fill_null(False)).select("source_path", "report_id", pl.lit(False).alias("is_new"))
        parts = [present.join(known, on=["source_path", "report_id"], how="left").with_columns(pl.col("is_new").fill_null(True))]
        joined = prev.join(scanned.select("source_path", pl.col("report_id").alias("now_id")), on="source_path", how="left")
        vanished = joined.filter(pl.col("now_id").is_null() & ~pl.col("missing").fill_null(False))
        moved = joined.filter(pl.col("now_id").is_not_null() & (pl.col("now_id") != pl.col("report_id")))
        for frame, state, since in ((vanished, "vanished", now), (moved, "moved", None)):
            parts.append(frame.select("source_path", "report_id", pl.lit(state).alias("state"),
                                      pl.lit(since, dtype=SINCE).alias("missing_since"),
                                      pl.lit(True).alias("is_new")))
        stats |= {"vanished": vanished.height, "moved": moved.height}
    staged = pl.concat(parts, how="diagonal_relaxed").with_columns(pl.col("report_id").str.slice(0, 2).alias("bucket"))
    return staged, stats
