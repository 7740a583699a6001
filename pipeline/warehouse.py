"""Warehouse storage: Parquet files (the durable, tool-neutral copy) and the DuckDB database
built from them (the query engine).

Layout under the warehouse directory:
  parquet/<table>/bucket-<bb>.parquet  the core tables (reports, metrics, quality_issues,
                                   report_sources, rejects), by bucket: the rows of the
                                   reports whose report_id starts with <bb> (00..ff); a bucket
                                   with no rows has no file
  parquet/<table>/bucket-<bb>.<nnnn>.parquet  rows appended to the bucket by later runs (new
                                   reports only); folded into bucket-<bb>.parquet when the
                                   bucket is next rewritten (pipeline.bucket)
  parquet/<table>/<part>.parquet   the other tables and parts (dimensions, longitudinal checks)
  ogi.duckdb                       loaded from the Parquet by `load_duckdb` (by difference when
                                   it can: pipeline.load), swapped in atomically
  .ogi.duckdb.standby              the previous database, which the next load brings up to date
                                   and swaps in (pipeline.standby)
  staging/                         hand-over files between pipeline steps (the file scan)
  .writer.lock, .locks/            the writers' locks (pipeline.txn)
Every Parquet file is replaced whole (a temp file, then a rename; a bucket's files together
through pipeline.txn.commit). DuckDB is written by one writer at a time and read with
read-only connections that cannot reach the file system.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path

import duckdb
import polars as pl

from pipeline import load, txn
from schemas import TABLES, empty, enforce, issues_from_rejects

DB_NAME = "ogi.duckdb"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = PROJECT_ROOT / "data" / "raw" / "samples"      # the bundled sample reports
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse"
ALL_TABLES = (*TABLES, "rejects")
CORE_TABLES = ("reports", "metrics", "quality_issues", "report_sources", "rejects")
SHARDS = tuple(f"{i:x}" for i in range(16))                  # Dagster partitions: first hex digit
BUCKETS = tuple(f"{i:02x}" for i in range(256))              # files: first two hex digits
READ_ONLY = {"enable_external_access": False, "lock_configuration": True}


def buckets_of(shard: str) -> list[str]:
    return [b for b in BUCKETS if b.startswith(shard)]


def parquet_dir(root: Path | str, table: str) -> Path:
    return Path(root) / "parquet" / table


def bucket_file(table: str, bucket: str, seq: int = 0) -> str:
    """A bucket's file (seq 0) or its seq-th appended part, relative to parquet/ (the form
    `txn.commit` takes)."""
    return f"{table}/bucket-{bucket}.parquet" if seq == 0 else f"{table}/bucket-{bucket}.{seq:04d}.parquet"


def bucket_of(path: Path | str) -> str:
    """The bucket (two hex digits) a bucket file or appended part belongs to."""
    return Path(path).name[len("bucket-"):len("bucket-") + 2]


def part_seq(path: Path | str) -> int:
    """0 for a bucket's file, n for its n-th appended part."""
    suffixes = Path(path).name.split(".")
    return int(suffixes[1]) if len(suffixes) == 3 else 0


def staging_dir(root: Path | str) -> Path:
    return Path(root) / "staging"


def db_path(root: Path | str) -> Path:
    return Path(root) / DB_NAME


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    """Write `frame` to `path` atomically: a temp file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_table(root: Path | str, table: str, frame: pl.DataFrame, part: str = "data") -> Path:
    """Write one part of a table, unless the file already holds exactly these rows (so a rerun
    leaves files, and their mtimes, alone)."""
    path = parquet_dir(root, table) / f"{part}.parquet"
    try:
        if path.exists() and pl.read_parquet(path).equals(frame):
            return path
    except Exception:  # unreadable: replaced below
        pass
    return write_parquet(frame, path)


def write_checked(root: Path | str, table: str, frame: pl.DataFrame, untyped: list = (), part: str = "data") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Hold `frame` to the contract and write it as `parquet/<table>/<part>`; the rows that
    break it go to `parquet/rejects/<key>` and are reported in `parquet/quality_issues/schema_<key>`
    (key = table, or table_part). Returns (written frame, rejects)."""
    key = table if part == "data" else f"{table}_{part}"
    checked = enforce(table, frame, list(untyped))
    write_table(root, table, checked.frame, part)
    write_table(root, "rejects", checked.rejects, key)
    write_table(root, "quality_issues", issues_from_rejects(checked.rejects), f"schema_{key}")
    return checked.frame, checked.rejects


def table_files(root: Path | str, table: str) -> list[Path]:
    folder = parquet_dir(root, table)
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(".")) if folder.is_dir() else []


def bucket_files(root: Path | str, table: str) -> list[Path]:
    """Every file of the table's buckets, appended parts included."""
    return [p for p in table_files(root, table) if p.stem.startswith("bucket-")]


def bucket_parts(root: Path | str, table: str, bucket: str) -> list[Path]:
    """A bucket's file and its appended parts, in order."""
    folder = parquet_dir(root, table)
    found = [p for p in folder.glob(f"bucket-{bucket}.*parquet") if bucket_of(p) == bucket] if folder.is_dir() else []
    return sorted(found, key=part_seq)


def parts_by_bucket(root: Path | str, table: str, buckets: Collection[str] | None = None) -> dict[str, list[Path]]:
    """`bucket_parts` of every bucket of the table (or of `buckets`), from one listing of its folder."""
    folder = parquet_dir(root, table)
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return {}
    out: dict[str, list[tuple[int, str]]] = {}
    for name in names:              # bucket-<bb>.parquet (seq 0) or bucket-<bb>.<nnnn>.parquet
        if name.startswith("bucket-") and name.endswith(".parquet") and (buckets is None or name[7:9] in buckets):
            dots = name.split(".")
            out.setdefault(name[7:9], []).append((int(dots[1]) if len(dots) == 3 else 0, name))
    return {b: [folder / name for _, name in sorted(found)] for b, found in out.items()}


def read_table(root: Path | str, table: str, part: str | None = None) -> pl.DataFrame | None:
    """A table (or one part of it) from Parquet; None when it was never written."""
    files = [p for p in table_files(root, table) if part is None or p.stem == part]
    if not files:
        return None
    return pl.concat([pl.read_parquet(p) for p in files], how="diagonal_relaxed")


def scan_buckets(root: Path | str, table: str) -> pl.LazyFrame | None:
    """All the buckets of a core table, lazily (None when there are none)."""
    files = bucket_files(root, table)
    return pl.concat([pl.scan_parquet(f) for f in files], how="diagonal_relaxed") if files else None


def remove_legacy(root: Path | str) -> list[str]:
    """Drop core tables stored in the layout before buckets (`data.parquet`); they are re-extracted."""
    gone = []
    for table in CORE_TABLES:
        for part in ("data", "schema_data"):
            path = parquet_dir(root, table) / f"{part}.parquet"
            if path.exists():
                path.unlink()
                gone.append(f"{table}/{path.name}")
    return gone


def _clean_stale_databases(root: Path) -> None:
    for tmp in root.glob(f".{DB_NAME}.*.tmp*"):  # a database being written, its WAL or its spill folder
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


def load_duckdb(root: Path | str, tables: tuple[str, ...] = ALL_TABLES, wait: bool = True, on_wait=None,
                full: bool = False, how: dict | None = None) -> dict[str, int]:
    """Bring `ogi.duckdb` up to date with the Parquet tables (by difference when it can,
    pipeline.load; `full` rebuilds it); returns the row count of each table, and puts in `how`
    how each table was loaded ('unchanged', 'by difference', 'in full')."""
    root = Path(root)
    with txn.writer_lock(root, "loading DuckDB", wait=wait, on_wait=on_wait):
        _clean_stale_databases(root)
        counts, done = load.build(root, db_path(root), tables, table_files, full=full)
    if how is not None:
        how.update(done)
    return counts


def connect_read_only(root: Path | str) -> duckdb.DuckDBPyConnection:
    """A connection that can neither change the database nor touch any other file."""
    path = db_path(root)
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path} (run `ogi ingest` first)")
    return duckdb.connect(str(path), read_only=True, config=READ_ONLY)


def query(root: Path | str, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
    """Run read-only SQL over the warehouse: (column names, rows)."""
    with connect_read_only(root) as con:
        cursor = con.execute(sql, params or [])
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()
