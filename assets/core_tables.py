"""What `report_tables` says about the four core tables after an extraction step, read from
the stored bucket files with a few multi-file reads instead of one read per file:

- row counts from the Parquet footers (`pyarrow.parquet.read_metadata`), never the rows;
- `by_status` / `by_check` and the rejects of the covered buckets in one scan per table;
- the contract (`<table>_contract`, blocking): the files the run wrote, read back in groups of
  up to `CHUNK_ROWS` rows (one `pl.read_parquet` of many files, one Pandera call per group, so
  memory stays bounded at any corpus size) and validated against `schemas.tables`. A file whose
  columns cannot even be cast to the contract's dtypes counts as a failure, it does not crash
  the step.

Files of one table normally share one schema; when they do not (a file from an older
writer), the reads fall back to file by file, aligned by column name.
"""
from pathlib import Path

import dagster as dg
import polars as pl
import pyarrow.parquet as pq

from assets.resources import column_schema, preview_markdown
from pipeline import warehouse as storage
from schemas import conform, failure_cases

CHUNK_ROWS = 250_000  # rows validated per Pandera call (a group of whole files: bounded memory)


def covered_files(root: Path, table: str, buckets: set[str]) -> list[Path]:
    """The table's bucket files (appended parts included) of the buckets covered."""
    return [p for p in storage.bucket_files(root, table) if storage.bucket_of(p) in buckets]


def read_files(files: list[Path], columns: list[str] | None = None) -> pl.DataFrame:
    """Many Parquet files as one frame: one multi-file read, or file by file (aligned by name)
    when their schemas differ."""
    try:
        return pl.scan_parquet(files).select(columns or pl.all()).collect()
    except (pl.exceptions.PolarsError, OSError):
        parts = [pl.scan_parquet(f).select(columns or pl.all()) for f in files]
        return pl.concat(parts, how="diagonal_relaxed").collect()


def row_counts(files: list[Path]) -> list[int]:
    return [pq.read_metadata(f).num_rows for f in files]


def value_counts(frame: pl.DataFrame, column: str) -> dict:
    if frame.is_empty():
        return {}
    counts = frame.group_by(column).len().sort(column)
    return {str(k): n for k, n in counts.iter_rows()}


def chunks(files: list[Path], counts: list[int], limit: int) -> list[list[Path]]:
    """Consecutive groups of whole files of at most `limit` rows (a larger file alone)."""
    groups: list[list[Path]] = []
    rows = 0
    for f, n in zip(files, counts):
        if not groups or rows + n > limit:
            groups.append([])
            rows = 0
        groups[-1].append(f)
        rows += n
    return groups


def contract_failures(table: str, files: list[Path], limit: int = CHUNK_ROWS) -> tuple[int, str | None]:
    """(number of Pandera failure cases over the stored rows of `files`, first cast error if any)."""
    failures, error = 0, None
    for group in chunks(files, row_counts(files), limit):
        try:
            frame = conform(table, read_files(group))
        except Exception as exc:  # a column that cannot be cast to the contract's dtype
            failures += 1
            error = error or f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
            continue
        failures += failure_cases(table, frame).height
    return failures, error


def table_results(table: str, key: str, files: list[Path], written: list[Path], rejects: pl.DataFrame, extra: dict):
    """The table's output with its metadata, then its two check results (over the files written)."""
    head = pl.read_parquet(files[0], n_rows=5) if files else conform(table, pl.DataFrame())
    failures, error = contract_failures(table, written)
    mine = rejects.filter(pl.col("table_name") == table) if rejects.height else rejects
    yield dg.Output(None, output_name=key, metadata={
        "dagster/row_count": sum(row_counts(files)),
        "dagster/column_schema": column_schema(head), "preview": dg.MetadataValue.md(preview_markdown(head)),
        "bucket_files": len(files), "rejected_rows": mine.height, **extra})
    yield dg.AssetCheckResult(asset_key=key, check_name=f"{table}_contract", passed=failures == 0,
                              metadata={"files_checked": len(written), "failures": failures,
                                        **({"error": error} if error else {})})
    sample = mine.drop("row") if mine.height else pl.DataFrame()
    yield dg.AssetCheckResult(asset_key=key, check_name=f"{table}_no_rejects", passed=mine.height == 0,
                              severity=dg.AssetCheckSeverity.WARN,
                              metadata={"rejected_rows": mine.height, "sample": dg.MetadataValue.md(preview_markdown(sample, rows=10))})
