"""Warehouse storage: Parquet files (the durable, tool-neutral copy) and the DuckDB database
built from them (the query engine).

Layout under the warehouse directory:
  parquet/<table>/<part>.parquet   one or more parts per table, each written atomically
  ogi.duckdb                       rebuilt from the Parquet by `load_duckdb`, swapped in atomically
  staging/                         hand-over files between pipeline steps (e.g. the file scan)
DuckDB is written by one writer at a time (a file lock) and read with read-only connections.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from pipeline.views import create_views
from schemas import TABLES, empty, enforce, issues_from_rejects

DB_NAME = "ogi.duckdb"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = PROJECT_ROOT / "data" / "raw" / "samples"      # the bundled sample reports
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse"
ALL_TABLES = (*TABLES, "rejects")


def parquet_dir(root: Path | str, table: str) -> Path:
    return Path(root) / "parquet" / table


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
    return write_parquet(frame, parquet_dir(root, table) / f"{part}.parquet")


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


def read_table(root: Path | str, table: str, part: str | None = None) -> pl.DataFrame | None:
    """A table (or one part of it) from Parquet; None when it was never written."""
    files = [p for p in table_files(root, table) if part is None or p.stem == part]
    if not files:
        return None
    return pl.concat([pl.read_parquet(p) for p in files], how="diagonal_relaxed")


@contextmanager
def writer_lock(root: Path | str):
    """Serialise DuckDB writers of one warehouse (released even if the process dies)."""
    Path(root).mkdir(parents=True, exist_ok=True)
    with open(Path(root) / ".writer.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_duckdb(root: Path | str, tables: tuple[str, ...] = ALL_TABLES) -> dict[str, int]:
    """Rebuild `ogi.duckdb` from the Parquet tables; returns the row count of each table."""
    root = Path(root)
    target = db_path(root)
    counts: dict[str, int] = {}
    with writer_lock(root):
        tmp = target.with_name(f".{DB_NAME}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            with duckdb.connect(str(tmp)) as con:
                for table in tables:
                    files = [str(p) for p in table_files(root, table)]
                    if files:
                        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet(?, union_by_name = true)", [files])
                    else:
                        con.register("empty_frame", empty(table).to_arrow())
                        con.execute(f"CREATE TABLE {table} AS SELECT * FROM empty_frame")
                        con.unregister("empty_frame")
                    counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                create_views(con)
                con.execute("CHECKPOINT")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
    return counts


def connect_read_only(root: Path | str) -> duckdb.DuckDBPyConnection:
    path = db_path(root)
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path} (run `ogi ingest` first)")
    return duckdb.connect(str(path), read_only=True)


def query(root: Path | str, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
    """Run read-only SQL over the warehouse: (column names, rows)."""
    with connect_read_only(root) as con:
        cursor = con.execute(sql, params or [])
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()
