"""The two helper tables of the longitudinal views, which need the division history
(`pipeline.jurisdiction_frames`) and so come from Python:
- `jurisdiction_keys`: per distinct (jurisdiction_name, admin_level, adcode, report_year) of the
  reports, the stable `jurisdiction_id`, its government's id and the code that lineage had in that
  year (keys naming no jurisdiction are left out);
- `jurisdiction_codes`: every code of each government's lineage (the governments of
  `dim_jurisdiction` and of the keys), with its name and years.
`create_helper_tables` builds them from every report; `update_helper_tables` only looks up the
keys and governments that are new since the last load and drops those no report has any more
(each key and each government is looked up on its own, so both give the same rows).
"""
from __future__ import annotations

import duckdb
import polars as pl

KEY = ("jurisdiction_name", "admin_level", "adcode", "report_year")
_SAME_KEY = " AND ".join(f"{{a}}.{c} IS NOT DISTINCT FROM {{b}}.{c}" for c in KEY)


def _same_key(a: str, b: str) -> str:
    return _SAME_KEY.format(a=a, b=b)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, replace: bool = False) -> None:
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _frame" if replace
                    else f"INSERT INTO {table} BY NAME SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def _keys_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """The ids of the keys `sql` selects (KEY columns): jurisdiction_keys rows."""
    from pipeline.jurisdiction_frames import report_jurisdiction_frame
    keys = pl.from_arrow(con.sql(sql).to_arrow_table())
    # report_jurisdiction_frame maps report rows; each row here is a key, numbered in place of a report_id
    keys = keys.with_row_index("report_id").with_columns(pl.col("report_id").cast(pl.String))
    return keys.join(report_jurisdiction_frame(keys), on="report_id").drop("report_id")


def _governments(con: duckdb.DuckDBPyConnection) -> set[str]:
    dim = con.execute("SELECT DISTINCT jurisdiction_id FROM jurisdiction_base WHERE jurisdiction_id IS NOT NULL").fetchall()
    found = {j for (j,) in dim if j[:1].isdigit() and ":" not in j}
    keys = con.execute("SELECT DISTINCT government_id FROM jurisdiction_keys WHERE government_id IS NOT NULL").fetchall()
    return found | {g for (g,) in keys}


def create_helper_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Both tables from every report (`report_base`) and `jurisdiction_base`: the division history
    is looked up once per distinct key — a few thousand at national scale."""
    from pipeline.jurisdiction_frames import jurisdiction_codes_frame
    _insert(con, "jurisdiction_keys", _keys_frame(con, f"SELECT DISTINCT {', '.join(KEY)} FROM report_base"), replace=True)
    _insert(con, "jurisdiction_codes", jurisdiction_codes_frame(_governments(con)), replace=True)


def update_helper_tables(con: duckdb.DuckDBPyConnection, gone: str) -> None:
    """Both tables after a load that changed the reports of `delta_report_base` and removed the
    `reports` rows whose keys are in `gone` (a relation with the KEY columns)."""
    from pipeline.jurisdiction_frames import jurisdiction_codes_frame
    cols = ", ".join(KEY)
    new = _keys_frame(con, f"SELECT DISTINCT {cols} FROM delta_report_base n "
                           f"WHERE NOT EXISTS (SELECT 1 FROM jurisdiction_keys k WHERE {_same_key('k', 'n')})")
    if new.height:
        _insert(con, "jurisdiction_keys", new)
    if con.execute(f"SELECT count(*) FROM {gone}").fetchone()[0]:  # keys no report has any more
        con.execute(f"""DELETE FROM jurisdiction_keys k USING (
            SELECT DISTINCT {cols} FROM {gone} g
            WHERE NOT EXISTS (SELECT 1 FROM report_base r WHERE {_same_key('r', 'g')})) g WHERE {_same_key('k', 'g')}""")
    wanted = _governments(con)
    have = {j for (j,) in con.execute("SELECT DISTINCT jurisdiction_id FROM jurisdiction_codes").fetchall()}
    if wanted - have:
        _insert(con, "jurisdiction_codes", jurisdiction_codes_frame(wanted - have))
    if have - wanted:
        con.execute("DELETE FROM jurisdiction_codes WHERE jurisdiction_id IN (SELECT unnest(?::VARCHAR[]))",
                    [sorted(have - wanted)])
