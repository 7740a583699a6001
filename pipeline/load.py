"""Loading `ogi.duckdb` from the Parquet files: in full, or by difference with what it was
last loaded from.

The database records, in the schema `ogi_meta`, every Parquet file each table was loaded
from (size, mtime, inode) and the load format (`LOAD_VERSION` + the contract's columns). The
next load starts from a copy of the database and, for the tables whose every row lives in the
bucket file of its report_id (`BUCKETED`: reports, metrics, report_sources — the big ones),
only inserts the rows of new files (the parts a run appended, pipeline.bucket) and reloads the
buckets whose files changed or went away (rows deleted by report_id prefix, files read again).
The small tables (quality_issues with its longitudinal and schema parts, rejects, the
dimensions) are reloaded whole. Anything unexpected — no previous database, another load
format or contract, a file outside the bucket layout, a column the table lacks — means that
table (or the whole database) is built from scratch. Either way the result equals a full
rebuild; the views (`pipeline.views.create_views`) are refreshed after the tables, and the
new file replaces the old one in one rename, so readers never see a half-loaded database.
DuckDB's memory is capped (OGI_DUCKDB_MEMORY, default 1GB; it spills to disk beyond it).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from pipeline import txn
from pipeline.views import create_views
from schemas import empty, polars_schema

LOAD_VERSION = 1
META = "ogi_meta"
# DuckDB takes 80% of the machine's memory by default; the load spills to disk past this instead
MEMORY_LIMIT = os.environ.get("OGI_DUCKDB_MEMORY", "1GB")
BUCKETED = ("reports", "metrics", "report_sources")
State = dict[str, dict[str, list[int]]]   # table -> {file under parquet/: [size, mtime_ns, inode]}


def file_state(root: Path, tables: tuple[str, ...], files_of) -> State:
    state: State = {}
    for table in tables:
        state[table] = {}
        for path in files_of(root, table):
            st = path.stat()
            state[table][f"{table}/{path.name}"] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return state


def load_format(tables: tuple[str, ...]) -> str:
    contract = {t: {c: str(d) for c, d in polars_schema(t).items()} for t in tables if t != "rejects"}
    return hashlib.sha256(json.dumps([LOAD_VERSION, contract], sort_keys=True).encode()).hexdigest()[:16]


def previous_state(target: Path, fmt: str) -> State | None:
    """What `target` was loaded from, when it was loaded in this format; else None."""
    if not target.exists():
        return None
    try:
        with duckdb.connect(str(target), read_only=True) as con:
            (stored,) = con.execute(f"SELECT value FROM {META}.info WHERE key = 'format'").fetchone()
            if stored != fmt:
                return None
            return json.loads(con.execute(f"SELECT value FROM {META}.info WHERE key = 'files'").fetchone()[0])
    except Exception:  # an older database, or one without the bookkeeping: loaded in full
        return None


def _full(con: duckdb.DuckDBPyConnection, root: Path, table: str, files: list[str]) -> None:
    """The table from its files, with the contract's columns always, plus any extra ones the files have."""
    paths = [str(root / "parquet" / f) for f in files]
    con.register("contract_frame", empty(table).to_arrow())
    union = "SELECT * FROM read_parquet(?, union_by_name = true) UNION ALL BY NAME " if paths else ""
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {union}SELECT * FROM contract_frame", [paths] if paths else [])
    con.unregister("contract_frame")


def _bucket(rel: str) -> str | None:
    name = rel.split("/", 1)[1]
    return name[len("bucket-"):len("bucket-") + 2] if name.startswith("bucket-") else None


def _by_difference(con: duckdb.DuckDBPyConnection, root: Path, table: str, now: dict, before: dict) -> bool:
    """Bring a BUCKETED table from `before` to `now`; False when it must be loaded in full."""
    if table not in BUCKETED or any(_bucket(rel) is None for rel in [*now, *before]):
        return False
    dirty = sorted({_bucket(rel) for rel in before if now.get(rel) != before[rel]})
    files = [rel for rel in now if _bucket(rel) in dirty or rel not in before]
    if dirty:
        con.execute(f"DELETE FROM {table} WHERE substr(report_id, 1, 2) IN (SELECT unnest(?::VARCHAR[]))", [dirty])
    if files:
        paths = [str(root / "parquet" / f) for f in sorted(files)]
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?, union_by_name = true)", [paths])
    return True


def _record(con: duckdb.DuckDBPyConnection, fmt: str, state: State) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {META}")
    con.execute(f"CREATE OR REPLACE TABLE {META}.info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(f"INSERT INTO {META}.info VALUES ('format', ?), ('files', ?)", [fmt, json.dumps(state, sort_keys=True)])


def build(root: Path, target: Path, tables: tuple[str, ...], files_of, full: bool = False) -> tuple[dict[str, int], dict]:
    """Write the new database next to `target` and swap it in; (row counts, how each table was loaded)."""
    fmt, state = load_format(tables), file_state(root, tables, files_of)
    before = None if full else previous_state(target, fmt)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    how: dict[str, str] = {}
    try:
        if before is not None:
            shutil.copyfile(target, tmp)
        with duckdb.connect(str(tmp), config={"memory_limit": MEMORY_LIMIT}) as con:
            for table in tables:
                old = (before or {}).get(table)
                if old is not None and old == state[table]:
                    how[table] = "unchanged"
                    continue
                try:
                    if old is not None and _by_difference(con, root, table, state[table], old):
                        how[table] = "by difference"
                        continue
                except duckdb.Error:  # e.g. a column the table lacks: loaded in full below
                    pass
                _full(con, root, table, sorted(state[table]))
                how[table] = "in full"
            counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
            create_views(con)
            _record(con, fmt, state)
            con.execute("CHECKPOINT")
        txn.crash_point("duckdb-built")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return counts, how
