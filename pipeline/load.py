"""Loading `ogi.duckdb` from the Parquet files: in full, or by difference with what the database
was last loaded from — at the cost of what changed, not of the database.

The database records, in the schema `ogi_meta`, every Parquet file each table was loaded from
(size, mtime, inode), the load format (`LOAD_VERSION` + the contract's columns) and the version
of the stored views (`pipeline.views.version`). A load writes the standby copy of the database,
never the live one (`pipeline.standby`: one transaction, then a swap by rename, so readers never
see a half-loaded database and never wait), and there:
- for the tables whose every row lives in the bucket file of its report_id (`BUCKETED`: reports,
  metrics, report_sources — the big ones) inserts the rows of new files (the parts a run
  appended, pipeline.bucket) and reloads the buckets whose files changed or went away (rows
  deleted by report_id range, files read again; reports and metrics reload the same buckets);
- reloads the other tables whole when one of their files changed (quality_issues with its
  longitudinal and schema parts, rejects, the dimensions);
- refreshes the stored views for the reports it touched (`pipeline.views.refresh_views`).
Anything unexpected — no previous database, another load format or contract, a file outside the
bucket layout, a column the table lacks, an error midway — means that table (or the whole
database) is built from scratch, as is a big database most of whose bytes changed or most of
whose file is free blocks. Either way the result equals a full rebuild. A load with no file
changed does nothing. DuckDB's memory is capped (OGI_DUCKDB_MEMORY, default 1GB; a load by
difference OGI_DUCKDB_DIFF_MEMORY, default 512MB; it spills to disk beyond).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from pipeline import load_parts, txn, views
from pipeline.standby import Standby, write_meta
from schemas import empty, polars_schema

LOAD_VERSION = 1
# DuckDB takes 80% of the machine's memory by default; the load spills to disk past this instead
MEMORY_LIMIT = os.environ.get("OGI_DUCKDB_MEMORY", "1GB")
# a load by difference works on little: a smaller cache keeps the process smaller (it spills beyond)
DIFF_MEMORY_LIMIT = os.environ.get("OGI_DUCKDB_DIFF_MEMORY", "512MB")
BUCKETED = ("reports", "metrics", "report_sources")
REBUILD_ABOVE_BYTES = 64 << 20   # a smaller database is never worth rebuilding instead of loading by difference
VIEW_TABLES = ("reports", "metrics")          # what the stored views read, with dim_jurisdiction
State = dict[str, dict[str, list[int]]]   # table -> {file under parquet/: [size, mtime_ns, inode]}
UNCHANGED, FULL = "unchanged", "in full"


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


def _full(con: duckdb.DuckDBPyConnection, root: Path, table: str, files: list[str]) -> None:
    """The table from its files, with the contract's columns always, plus any extra ones the files have."""
    paths = [str(root / "parquet" / f) for f in files]
    con.register("contract_frame", empty(table).to_arrow())
    union = "SELECT * FROM read_parquet(?, union_by_name = true) UNION ALL BY NAME " if paths else ""
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {union}SELECT * FROM contract_frame", [paths] if paths else [])
    con.unregister("contract_frame")
    if table in load_parts.MIXED:
        load_parts.keep_parts(con, root, table, [rel for rel in files if _bucket(rel) is None])


def _bucket(rel: str) -> str | None:
    name = rel.split("/", 1)[1]
    return name[len("bucket-"):len("bucket-") + 2] if name.startswith("bucket-") else None


def _plan(table: str, now: dict, before: dict | None):
    """UNCHANGED, FULL, or (dirty buckets, new files) for a BUCKETED table."""
    if before == now:
        return UNCHANGED
    if before is None or table not in BUCKETED or any(_bucket(rel) is None for rel in [*now, *before]):
        return FULL
    return {_bucket(rel) for rel in before if now.get(rel) != before[rel]}, [rel for rel in now if rel not in before]


def _in_buckets(buckets: list[str]) -> tuple[str, list[str]]:
    """A filter on report_id for these buckets (ranges, which DuckDB's zone maps can skip by), and its parameters."""
    params = [v for b in buckets for v in (b, b[:-1] + chr(ord(b[-1]) + 1))]
    return " OR ".join(["(report_id >= ? AND report_id < ?)"] * len(buckets)), params


def _by_difference(con, root: Path, table: str, now: dict, plan, capture: bool) -> str:
    """Apply a (dirty buckets, new files) plan. The files are read once, into the temp table
    `delta_<table>`, kept for the views with `capture` (with, for reports, the key columns of the
    rows deleted: `delta_gone`)."""
    dirty, new = plan
    paths = [str(root / "parquet" / f) for f in sorted(rel for rel in now if _bucket(rel) in dirty or rel in new)]
    rows = f"delta_{table}"
    if paths:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rows} AS SELECT * FROM read_parquet(?, union_by_name = true)", [paths])
        have = {c for (c, *_) in con.execute(f"DESCRIBE {table}").fetchall()}
        if not {c for (c, *_) in con.execute(f"DESCRIBE {rows}").fetchall()} <= have:  # INSERT BY NAME would fail
            con.execute(f"DROP TABLE {rows}")
            _full(con, root, table, sorted(now))
            return FULL
    elif capture:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rows} AS FROM {table} WHERE false")
    where, params = _in_buckets(sorted(dirty))
    if capture and table == "reports":
        keys = "report_id, jurisdiction_name::VARCHAR AS jurisdiction_name, admin_level::VARCHAR AS admin_level, " \
               "adcode::VARCHAR AS adcode, report_year::BIGINT AS report_year"
        con.execute(f"CREATE OR REPLACE TEMP TABLE delta_gone AS SELECT {keys} FROM reports WHERE {where or 'false'}", params)
    if dirty:
        con.execute(f"DELETE FROM {table} WHERE {where}", params)
    if paths:
        con.execute(f"INSERT INTO {table} BY NAME FROM {rows}")
        if not capture:
            con.execute(f"DROP TABLE {rows}")
    return "by difference" if paths or dirty else UNCHANGED


def _increment(con: duckdb.DuckDBPyConnection, root: Path, tables: tuple[str, ...], state: State, meta: dict) -> dict:
    """Bring the tables from what `meta` says they were loaded from to `state`, then the views."""
    plans = {t: _plan(t, state[t], meta["files"].get(t)) for t in tables}
    for t in tables:
        if t in load_parts.MIXED and plans[t] == FULL and meta["files"].get(t) is not None:
            found = load_parts.plan(con, t, state[t], meta["files"][t], _bucket)
            plans[t] = FULL if found is None else ("parts", *found)
    delta = meta.get("views") == views.version() and all(t in tables for t in (*VIEW_TABLES, "dim_jurisdiction")) \
        and all(plans[t] != FULL for t in VIEW_TABLES)
    if delta:  # reports and metrics reload the same buckets: the touched reports' rows are then all at hand
        dirty = set().union(*(plans[t][0] for t in VIEW_TABLES if plans[t] != UNCHANGED))
        for t in VIEW_TABLES:
            plans[t] = (dirty, plans[t][1] if plans[t] != UNCHANGED else [])
        if plans["dim_jurisdiction"] != UNCHANGED:
            views.snapshot_dim(con)
    how: dict[str, str] = {}
    for table in tables:
        plan = plans[table]
        if plan == UNCHANGED:
            how[table] = UNCHANGED
        elif plan != FULL and plan[0] == "parts" and load_parts.apply(con, root, table, state[table], *plan[1:]):
            how[table] = "by difference"
        elif plan == FULL or plan[0] == "parts":
            _full(con, root, table, sorted(state[table]))
            how[table] = FULL
        else:
            how[table] = _by_difference(con, root, table, state[table], plan, delta and table in VIEW_TABLES)
    if not delta or any(how[t] == FULL for t in VIEW_TABLES):
        how["stored views"] = views.refresh_views(con, None)
    elif all(how[t] == UNCHANGED for t in (*VIEW_TABLES, "dim_jurisdiction")):
        how["stored views"] = UNCHANGED
    else:
        dim = "delta_dim_before" if how["dim_jurisdiction"] != UNCHANGED else None
        how["stored views"] = views.refresh_views(con, views.Delta("delta_reports", "delta_metrics", "delta_gone", dim))
    return how


def _worth_rebuilding(con: duckdb.DuckDBPyConnection, state: State, before: State) -> bool:
    """Whether a big database would be better built from scratch than by difference: when most
    of its bytes changed, or most of the file is free blocks (DuckDB does not shrink a file, and
    rows deleted and inserted in one transaction cannot reuse each other's blocks)."""
    (used, free, block), = con.execute("SELECT used_blocks, free_blocks, block_size FROM pragma_database_size()").fetchall()
    if (used + free) * block < REBUILD_ABOVE_BYTES:
        return False
    total = sum(s[0] for files in state.values() for s in files.values())
    changed = sum(s[0] for t, files in state.items() for rel, s in files.items() if before.get(t, {}).get(rel) != s)
    return free > used or 2 * changed > total


def _load(db: Standby, root: Path, tables: tuple[str, ...], fmt: str, state: State, fresh: bool):
    con, meta, had = db.open(fmt, fresh)
    if meta is not None and _worth_rebuilding(con, state, meta["files"]):
        con.close()
        con, meta, had = db.open(fmt, True)
    try:
        if meta is None:
            for table in tables:
                _full(con, root, table, sorted(state[table]))
            how = {**dict.fromkeys(tables, FULL), "stored views": views.refresh_views(con, None)}
        else:
            con.execute("SET memory_limit = ?", [DIFF_MEMORY_LIMIT])
            con.begin()
            how = _increment(con, root, tables, state, meta)
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        write_meta(con, fmt, state, views.version())
        if meta is not None:
            con.commit()
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts, {**how, "database": had}


def build(root: Path, target: Path, tables: tuple[str, ...], files_of, full: bool = False) -> tuple[dict[str, int], dict]:
    """Bring `target` up to date with the Parquet files (`full`: rebuild it); (row counts, how
    each table was loaded: 'unchanged', 'by difference', 'in full', plus 'stored views' and
    'database': 'standby', 'copy of live', 'new' or 'live' when nothing was to do)."""
    fmt, state = load_format(tables), file_state(root, tables, files_of)
    db = Standby(target, {"memory_limit": MEMORY_LIMIT})
    db.recover()
    if not full and db.live_meta() == {"format": fmt, "files": state, "views": views.version()}:
        return db.live_counts(tables), {**dict.fromkeys(tables, UNCHANGED), "stored views": UNCHANGED, "database": "live"}
    try:
        counts, how = _load(db, root, tables, fmt, state, full)
    except duckdb.Error:
        if full:
            raise
        counts, how = _load(db, root, tables, fmt, state, True)  # whatever went wrong: from scratch
    txn.crash_point("duckdb-built")
    if not db.swap() or how["database"] == "new":   # a database built from scratch: its copy is the next standby
        db.copy_live()
    return counts, how
