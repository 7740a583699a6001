"""Loading by difference a table made of bucket files and whole-warehouse parts: quality_issues
(the checks of each bucket, plus `longitudinal.parquet` and the `schema_*` files, which other
stages rewrite whole on every run).

Rows from a part cannot be told from bucket rows in the table, so the database keeps a copy of
each part's rows (`ogi_meta.rows_<table>`, with the part's file name). When a part changes, the
rows it lost (old rows EXCEPT ALL new rows) are deleted from the table — as many copies as it
lost, whichever identical copies they are — and the rows it gained are inserted; a new bucket
part is inserted. A bucket file that changed or went away makes the table load in full (rare:
an edited or deleted report), as does a database without the copy. See pipeline/load.py.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

META = "ogi_meta"
MIXED = ("quality_issues",)


def _shadow(table: str) -> str:
    return f"{META}.rows_{table}"


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [c for (c, *_) in con.execute(f"DESCRIBE {relation}").fetchall()]


def plan(con: duckdb.DuckDBPyConnection, table: str, now: dict, before: dict, bucket_of) -> tuple | None:
    """(new bucket files, parts changed) to apply, or None when the table must load in full."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                   [META, f"rows_{table}"]).fetchone()[0] == 0:
        return None
    if any(bucket_of(rel) is not None and now.get(rel) != state for rel, state in before.items()):
        return None
    new = [rel for rel in now if bucket_of(rel) is not None and rel not in before]
    parts = sorted(rel for rel in {*now, *before} if bucket_of(rel) is None and now.get(rel) != before.get(rel))
    return new, parts


def keep_parts(con: duckdb.DuckDBPyConnection, root: Path, table: str, parts: list[str]) -> None:
    """After a full load of the table: the copy of its parts' rows."""
    cols = _columns(con, table)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {META}")
    con.execute(f"CREATE OR REPLACE TABLE {_shadow(table)} AS SELECT * FROM {table} WHERE false")
    con.execute(f"ALTER TABLE {_shadow(table)} ADD COLUMN _file VARCHAR")
    for rel in parts:
        _read(con, root / "parquet" / rel, cols, "_part_rows")
        con.execute(f"INSERT INTO {_shadow(table)} SELECT *, ? FROM _part_rows", [rel])
    con.execute("DROP TABLE IF EXISTS _part_rows")


def _read(con: duckdb.DuckDBPyConnection, path: Path, cols: list[str], into: str) -> bool:
    """The file's rows in the temp table `into`, with the table's columns (absent ones null);
    False when the file has a column the table lacks."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT * FROM read_parquet(?)", [str(path)])
    have = _columns(con, into)
    if not set(have) <= set(cols):
        return False
    select = ", ".join(f'"{c}"' if c in have else f'NULL AS "{c}"' for c in cols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT {select} FROM {into}")
    return True


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply(con: duckdb.DuckDBPyConnection, root: Path, table: str, now: dict, new: list[str], parts: list[str]) -> bool:
    """Apply a plan; False (nothing changed yet) when a file has a column the table lacks."""
    cols = _columns(con, table)
    quoted = ", ".join(f'"{c}"' for c in cols)
    same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM r."{c}"' for c in cols)
    changes = []  # (old rows of the part, temp table of its new rows)
    for i, rel in enumerate(parts):
        fresh = f"_part_new_{i}"
        if rel in now:
            if not _read(con, root / "parquet" / rel, cols, fresh):
                return False
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {fresh} AS SELECT {quoted} FROM {table} WHERE false")
        changes.append((rel, f"(SELECT {quoted} FROM {_shadow(table)} WHERE _file = {_lit(rel)})", fresh))
    if new:
        con.execute("CREATE OR REPLACE TEMP TABLE _bucket_rows AS SELECT * FROM read_parquet(?, union_by_name = true)",
                    [[str(root / "parquet" / rel) for rel in new]])
        if not set(_columns(con, "_bucket_rows")) <= set(cols):
            return False
    for i, (rel, old, fresh) in enumerate(changes):  # each distinct row with its copies before and after
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _part_diff_{i} AS
            SELECT {quoted}, sum(was)::BIGINT AS was, sum(now)::BIGINT AS now FROM (
                SELECT *, 1 AS was, 0 AS now FROM {old} UNION ALL SELECT *, 0, 1 FROM {fresh})
            GROUP BY ALL HAVING sum(was) <> sum(now)""")
    for i, _ in enumerate(changes):  # the copies a part lost go: deletes first, while the table holds committed rows only
        con.execute(f"""DELETE FROM {table} WHERE rowid IN (
            SELECT rid FROM (SELECT t.rowid AS rid, r.was - r.now AS k, row_number() OVER (PARTITION BY r.g ORDER BY t.rowid) AS n
                             FROM {table} t JOIN (SELECT *, row_number() OVER () AS g FROM _part_diff_{i} WHERE was > now) r ON {same})
            WHERE n <= k)""")
    for i, (rel, old, fresh) in enumerate(changes):  # and the copies it gained come
        con.execute(f"INSERT INTO {table} BY NAME SELECT {quoted} FROM _part_diff_{i}, range(now - was) WHERE now > was")
        con.execute(f"DELETE FROM {_shadow(table)} WHERE _file = ?", [rel])
        con.execute(f"INSERT INTO {_shadow(table)} SELECT *, ? FROM {fresh}", [rel])
        con.execute(f"DROP TABLE {fresh}")
        con.execute(f"DROP TABLE _part_diff_{i}")
    if new:
        con.execute(f"INSERT INTO {table} BY NAME FROM _bucket_rows")
        con.execute("DROP TABLE _bucket_rows")
    return True
