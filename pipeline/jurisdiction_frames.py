"""Jurisdiction ids for whole `reports` frames, columnar: the same values as
`pipeline.jurisdiction_dim.report_jurisdiction_id` / `code_of_year` per report, at a million
reports. Python runs once per distinct name and process (`jurisdiction_dim.parse_name`, kept in
a polars table that `add_parts` can also fill from an earlier run's), per distinct (division
written, adcode, year) (`written_government_id`, a code walk) and per distinct (government, year)
(`code_of_year`); everything per report is polars joins and string expressions.

- `jurisdiction_key_frame(reports)`: the distinct (jurisdiction_name, admin_level, adcode,
  report_year) with their `jurisdiction_id`;
- `report_jurisdiction_frame(reports)`: the `report_jurisdiction` helper table of the views
  (report_id, jurisdiction_id, government_id, adcode_of_year);
- `jurisdiction_codes_frame(governments)`: the `jurisdiction_codes` helper table;
- `dim_jurisdiction_frame_rows(reports)`: the `dim_jurisdiction` rows.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from pipeline import jurisdiction_data as data
from pipeline import jurisdiction_dim as dim

KEY = ["jurisdiction_name", "admin_level", "adcode", "report_year"]
KEY_TYPES = {"jurisdiction_name": pl.String, "admin_level": pl.String, "adcode": pl.String, "report_year": pl.Int64}
DIM_SCHEMA = {"status": pl.String, "jurisdiction_name": pl.String, "admin_level": pl.String, "adcode": pl.String,
              "parent_adcode": pl.String, "province": pl.String, "report_year": pl.Int64}
PARTS_SCHEMA = {"jurisdiction_name": pl.String, "written": pl.String, "unit": pl.String, "plain": pl.String}
_PARTS = [pl.DataFrame(schema=PARTS_SCHEMA)]  # every name parsed in this process (or taken from a file)
CODES_SCHEMA = {"jurisdiction_id": pl.String, "adcode": pl.String, "name": pl.String, "first_year": pl.Int64,
                "last_year": pl.Int64, "in_force": pl.Boolean}


def _key_columns(frame: pl.DataFrame | pl.LazyFrame, *extra: str) -> list[pl.Expr]:
    have = frame.collect_schema().names()
    return [pl.col(c) for c in extra] + [pl.col(c).cast(t) if c in have else pl.lit(None, t).alias(c)
                                         for c, t in KEY_TYPES.items()]


def mapped(frame: pl.DataFrame, column: str, fn: Callable, name: str, dtype=pl.String) -> pl.DataFrame:
    """`frame` with `name` = fn(value) for each distinct value of `column` (one call each)."""
    values = frame.get_column(column).unique()
    table = pl.DataFrame({column: values, name: pl.Series([fn(v) for v in values.to_list()], dtype=dtype)})
    return frame.join(table, on=column, how="left", nulls_equal=True, maintain_order="left")


def known_parts() -> pl.DataFrame:
    """(jurisdiction_name, written, unit, plain) of every name parsed so far."""
    return _PARTS[0]


def add_parts(parts: pl.DataFrame) -> None:
    """Take parses made earlier (PARTS_SCHEMA rows, as `jurisdiction_dim.parse_name` gave them)."""
    new = parts.select(list(PARTS_SCHEMA)).cast(PARTS_SCHEMA).join(_PARTS[0], on="jurisdiction_name", how="anti")
    if new.height:
        _PARTS[0] = pl.concat([_PARTS[0], new.unique("jurisdiction_name")])


def parts_of(names: pl.Series) -> pl.DataFrame:
    """The parts of the distinct non-null `names`, parsing only those never seen."""
    wanted = names.drop_nulls().unique().to_frame("jurisdiction_name")
    new = wanted.join(_PARTS[0], on="jurisdiction_name", how="anti")["jurisdiction_name"].to_list()
    if new:
        add_parts(pl.DataFrame([(n, *dim.parse_name(n)) for n in new], schema=PARTS_SCHEMA, orient="row"))
    return _PARTS[0].join(wanted, on="jurisdiction_name", how="semi")


def with_ids(keys: pl.DataFrame) -> pl.DataFrame:
    """`keys` (with the KEY columns, distinct or not) plus `jurisdiction_id`."""
    parts = parts_of(keys.get_column("jurisdiction_name")).rename({"written": "_written", "unit": "_unit", "plain": "_plain"})
    out = keys.join(parts, on="jurisdiction_name", how="left", maintain_order="left")  # a null name: no division, unit ""
    out = out.with_columns(pl.col("_unit").fill_null(""), pl.col("_plain").fill_null(""))
    has_code = pl.col("adcode").is_not_null() & (pl.col("adcode") != "")
    govs = out.filter(has_code).select("_written", "adcode", "report_year").unique()
    govs = govs.with_columns(pl.Series("_gov", [dim.written_government_id(*row) for row in govs.iter_rows()], pl.String))
    out = out.join(govs, on=["_written", "adcode", "report_year"], how="left", nulls_equal=True, maintain_order="left")
    named = (pl.col("jurisdiction_name").is_not_null() & (pl.col("jurisdiction_name") != "")) | has_code
    jid = (pl.when(~named).then(pl.lit(None, pl.String))
           .when(pl.col("admin_level") == "national").then(pl.lit("national"))
           .when(pl.col("_gov").is_null()).then(pl.lit("name:") + pl.col("_plain"))
           .when(pl.col("admin_level").is_in(["department", "township"])).then(pl.col("_gov") + pl.lit(":") + pl.col("_unit"))
           .otherwise(pl.col("_gov")))
    return out.with_columns(jid.alias("jurisdiction_id")).drop("_written", "_unit", "_plain", "_gov")


def jurisdiction_key_frame(reports: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The distinct (jurisdiction_name, admin_level, adcode, report_year) of `reports` (absent
    columns read as null), each with its `jurisdiction_id` (null when it names no jurisdiction)."""
    return with_ids(reports.lazy().select(_key_columns(reports)).unique().collect())


def report_jurisdiction_frame(reports: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """`report_jurisdiction` for a `reports` frame (report_id and the KEY columns; absent ones
    read as null): report_id, jurisdiction_id, government_id (the government's stable code; null
    for `name:…` and `national` ids) and adcode_of_year (the code that government had in the
    report's year; an id without a government keeps the stated adcode). Reports naming no
    jurisdiction are left out; the others keep their order."""
    frame = reports.lazy().select(_key_columns(reports, "report_id")).collect()
    keys = jurisdiction_key_frame(frame).filter(pl.col("jurisdiction_id").is_not_null())
    keys = mapped(keys, "jurisdiction_id", lambda jid: jid.split(":")[0] if jid[:1].isdigit() else None, "government_id")
    years = keys.filter(pl.col("government_id").is_not_null()).select("government_id", "report_year").unique()
    years = years.with_columns(pl.Series("_of_year", [dim.code_of_year(g, y) for g, y in years.iter_rows()], pl.String))
    keys = keys.join(years, on=["government_id", "report_year"], how="left", nulls_equal=True) \
        .with_columns(pl.when(pl.col("government_id").is_not_null()).then(pl.col("_of_year"))
                      .otherwise(pl.col("adcode")).alias("adcode_of_year"))
    out = frame.join(keys, on=KEY, how="inner", nulls_equal=True, maintain_order="left")
    return out.select("report_id", "jurisdiction_id", "government_id", "adcode_of_year")


def jurisdiction_codes_frame(governments: Iterable[str | None]) -> pl.DataFrame:
    """`jurisdiction_codes` (see `jurisdiction_dim.code_rows`) of the given government ids."""
    rows = [row for gov in sorted(set(governments) - {None}) for row in dim.code_rows(gov)]
    return pl.DataFrame(rows, schema=CODES_SCHEMA, orient="row") if rows else pl.DataFrame(schema=CODES_SCHEMA)


def dim_jurisdiction_frame_rows(reports: pl.DataFrame | pl.LazyFrame) -> list[dict]:
    """`dim_jurisdiction` rows (see `jurisdiction_dim.dim_jurisdiction_rows`) of the report rows
    (DIM_SCHEMA's columns; absent ones read as null, report_year included when known): the ids,
    the order (latest year first, then name, then the rows' order) and the first row of each
    id in polars; Python builds the government rows (a few thousand) and the governments above."""
    have = reports.collect_schema().names()
    frame = reports.lazy().select([pl.col(c).cast(t) if c in have else pl.lit(None, t).alias(c)
                                   for c, t in DIM_SCHEMA.items()]).with_row_index("_o").collect()
    frame = with_ids(frame).filter(pl.col("jurisdiction_id").is_not_null())
    frame = frame.sort([pl.col("report_year").fill_null(0), pl.col("jurisdiction_name").fill_null(""), "_o"],
                       descending=[True, False, False])
    first = frame.unique("jurisdiction_id", keep="first", maintain_order=True).with_columns(
        pl.when(pl.col("jurisdiction_id").str.starts_with("name:") | (pl.col("jurisdiction_id") == "national"))
        .then(pl.lit(None, pl.String)).otherwise(pl.col("jurisdiction_id").str.split(":").list.first()).alias("_gov"))
    government = pl.col("_gov").is_not_null() & ~pl.col("admin_level").is_in(["department", "township"]).fill_null(False)
    rows = {jid: dim.government_row(gov, level if level in dim.GOVERNMENT_LEVELS else None)
            for jid, gov, level in first.filter(government).select("jurisdiction_id", "_gov", "admin_level").iter_rows()}
    units = mapped(first.filter(~government), "_gov", data.province_of, "_province")
    units = units.select("jurisdiction_id", pl.col("_gov").alias("adcode"), pl.col("jurisdiction_name").alias("name"),
                         "admin_level", pl.col("_gov").alias("parent_adcode"), pl.col("_gov").alias("parent_jurisdiction_id"),
                         pl.when(pl.col("province").is_not_null() & (pl.col("province") != "")).then(pl.col("province"))
                         .otherwise(pl.col("_province")).alias("province"))  # a unit hangs under its government
    rows.update((row["jurisdiction_id"], row) for row in units.to_dicts())
    for row in list(rows.values()):  # the governments above, up to the province
        code = row["parent_jurisdiction_id"]
        while code and code not in rows:
            rows[code] = dim.government_row(code)
            code = rows[code]["parent_jurisdiction_id"]
    return [rows[k] for k in sorted(rows)]
