"""Longitudinal views of the warehouse (metric catalogue §5), created in `ogi.duckdb` each time
it is rebuilt (`pipeline.warehouse.load_duckdb` calls `create_views` after loading the tables).

Two helper tables come from Python, since they need the division history:
- `report_jurisdiction`: each report's stable `jurisdiction_id` (`pipeline.jurisdiction_dim`),
  its government's id and the code that lineage had in the report's year;
- `jurisdiction_codes`: every code of each government's lineage, with its name and years.
Before them, input views with every column the views read (`report_base`, `metric_values` —
the requester 'total', period 'year' values, with `nested_under` — and `jurisdiction_base`),
so that a table loaded from older or partial Parquet still works. Then the views of
`views_series.sql` (series_definitions, series_caveats: the catalogue's §5 as data) and
`views.sql` (report_choice, report_layout, series, panel, coverage, coverage_summary, yoy,
rates). See docs/analysis.md.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

SQL_FILES = (Path(__file__).with_name("views_series.sql"), Path(__file__).with_name("views.sql"))
HELPER_TABLES = ("report_jurisdiction", "jurisdiction_codes")
_RJ_SCHEMA = {"report_id": pl.String, "jurisdiction_id": pl.String, "government_id": pl.String,
              "adcode_of_year": pl.String}
_CODES_SCHEMA = {"jurisdiction_id": pl.String, "adcode": pl.String, "name": pl.String,
                 "first_year": pl.Int64, "last_year": pl.Int64, "in_force": pl.Boolean}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str] | None:
    """The table's column names; None when there is no such table."""
    found = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return {row[0] for row in found} or None


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _create_table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict], schema: dict) -> None:
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def report_jurisdiction_rows(reports: list[dict]) -> list[dict]:
    """(report_id, jurisdiction_id, government_id, adcode_of_year) for the reports naming one."""
    from pipeline.jurisdiction_dim import code_of_year, report_jurisdiction_id
    out = []
    for r in reports:
        jid = report_jurisdiction_id(r)
        if jid is None:
            continue
        gov = jid.split(":")[0] if jid[:1].isdigit() else None
        out.append({"report_id": r["report_id"], "jurisdiction_id": jid, "government_id": gov,
                    "adcode_of_year": code_of_year(gov, r.get("report_year")) if gov else r.get("adcode")})
    return out


def jurisdiction_codes_rows(governments: list[str]) -> list[dict]:
    from pipeline.jurisdiction_dim import code_rows
    return [row for gov in sorted(set(governments)) for row in code_rows(gov)]


def create_helper_tables(con: duckdb.DuckDBPyConnection) -> None:
    reports = _rows(con, "SELECT report_id, jurisdiction_name, admin_level, adcode, report_year FROM report_base "
                         "WHERE jurisdiction_name IS NOT NULL OR adcode IS NOT NULL")
    rj = report_jurisdiction_rows(reports)
    _create_table(con, "report_jurisdiction", rj, _RJ_SCHEMA)
    dim = _rows(con, "SELECT jurisdiction_id FROM jurisdiction_base WHERE jurisdiction_id IS NOT NULL")
    governments = {r["jurisdiction_id"] for r in dim if r["jurisdiction_id"][:1].isdigit() and ":" not in r["jurisdiction_id"]}
    governments |= {r["government_id"] for r in rj if r["government_id"]}
    _create_table(con, "jurisdiction_codes", jurisdiction_codes_rows(sorted(governments)), _CODES_SCHEMA)


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


def view_names(sql: str) -> list[str]:
    return re.findall(r"CREATE OR REPLACE VIEW (\w+)", sql)


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the helper tables and the analysis views on a freshly loaded warehouse (the
    tables `reports`, `metrics`, `dim_jurisdiction` must exist); returns the views' names."""
    create_inputs(con)
    create_helper_tables(con)
    names = [*INPUTS]
    for path in SQL_FILES:
        sql = path.read_text(encoding="utf-8")
        con.execute(sql)
        names += view_names(sql)
    return names
