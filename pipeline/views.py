"""Longitudinal views of the warehouse (metric catalogue §5), created in `ogi.duckdb` each time
it is loaded (`pipeline.warehouse.load_duckdb` calls `create_views` after loading the tables).

Two helper tables come from Python, since they need the division history
(`pipeline.jurisdiction_frames`):
- `jurisdiction_keys`: per distinct (jurisdiction_name, admin_level, adcode, report_year), the
  stable `jurisdiction_id`, its government's id and the code that lineage had in that year (the
  view `report_jurisdiction` joins it to the reports);
- `jurisdiction_codes`: every code of each government's lineage, with its name and years.
Before them, input views with every column the views read (`report_base`, `metric_values` —
the requester 'total', period 'year' values, with `nested_under` — and `jurisdiction_base`),
so that a table loaded from older or partial Parquet still works. Then `views_series.sql`
(series_definitions, series_caveats: the catalogue's §5 as data), `views.sql` (report_choice,
report_layout, series) and `views_panel.sql` (coverage, coverage_summary, panel, yoy, rates):
the expensive results are computed once, set-based, into `stored_*` tables, and the views users
query read them.
`create_views` is idempotent: call it again after any change to the tables to refresh them.
See docs/analysis.md.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

SQL_FILES = tuple(Path(__file__).with_name(f"{name}.sql") for name in ("views_series", "views", "views_panel"))
_KEY = ("jurisdiction_name", "admin_level", "adcode", "report_year")
HELPER_TABLES = ("jurisdiction_keys", "jurisdiction_codes")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    """The table's column names; None when there is no such table."""
    found = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return {row[0] for row in found} or None


def _create_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def create_helper_tables(con: duckdb.DuckDBPyConnection) -> None:
    """`jurisdiction_keys` (what `report_jurisdiction` reads) and `jurisdiction_codes`. The
    division history is looked up (`pipeline.jurisdiction_frames`) once per distinct
    (jurisdiction_name, admin_level, adcode, report_year) — a few thousand at national scale."""
    from pipeline.jurisdiction_frames import jurisdiction_codes_frame, report_jurisdiction_frame
    keys = pl.from_arrow(con.sql(f"SELECT DISTINCT {', '.join(_KEY)} FROM report_base").to_arrow_table())
    # report_jurisdiction_frame maps report rows; each row here is a key, numbered in place of a report_id
    keys = keys.with_row_index("report_id").with_columns(pl.col("report_id").cast(pl.String))
    ids = keys.join(report_jurisdiction_frame(keys), on="report_id").drop("report_id")
    _create_table(con, "jurisdiction_keys", ids)
    dim = con.execute("SELECT DISTINCT jurisdiction_id FROM jurisdiction_base WHERE jurisdiction_id IS NOT NULL").fetchall()
    governments = {j for (j,) in dim if j[:1].isdigit() and ":" not in j}
    governments |= set(ids.get_column("government_id").drop_nulls().to_list())
    _create_table(con, "jurisdiction_codes", jurisdiction_codes_frame(governments))


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


def create_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The input views: `report_base`, `metric_values` (requester 'total', period 'year' only)
    and `jurisdiction_base`, each with every column the views need."""
    for view, (table, columns, where) in INPUTS.items():
        have = _columns(con, table)
        cols = ", ".join(f"{c}::{t} AS {c}" if c in (have or ()) else f"NULL::{t} AS {c}" for c, t in columns.items())
        source = f"FROM {table} {where}" if have else "WHERE false"
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT {cols} {source}")


_CREATE = re.compile(r"CREATE OR REPLACE (TEMP )?(TABLE|VIEW) (\w+)")


def statements() -> list[tuple[str, str, str]]:
    """(kind, name, sql) of every statement of the SQL files, in order; kind is TABLE, VIEW or
    TEMP (a working table dropped with the connection)."""
    out = []
    for path in SQL_FILES:
        for statement in duckdb.extract_statements(path.read_text(encoding="utf-8")):
            found = _CREATE.search(statement.query)
            out.append(("TEMP" if found[1] else found[2], found[3], statement.query))
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


def create_views(con: duckdb.DuckDBPyConnection, timer: Callable[[str, float, float], None] | None = None) -> list[str]:
    """Create (or refresh) the helper tables, the stored results and the analysis views on a
    loaded warehouse (the tables `reports`, `metrics`, `dim_jurisdiction` must exist); returns
    the views' names. `timer(step, wall_s, cpu_s)`, when given, is told the cost of every step."""
    def step(label: str, run: Callable, *args) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        run(*args)
        if timer:
            timer(label, time.perf_counter() - wall, time.process_time() - cpu)

    todo = statements()
    _drop_changed_kinds(con, {**dict.fromkeys(INPUTS, "VIEW"), **dict.fromkeys(HELPER_TABLES, "TABLE"),
                              **{name: kind for kind, name, _ in todo if kind != "TEMP"}})
    step("inputs", create_inputs, con)
    step("helper tables", create_helper_tables, con)
    for _, name, sql in todo:
        step(name, con.execute, sql)
    return [*INPUTS, *(name for kind, name, _ in todo if kind == "VIEW")]
