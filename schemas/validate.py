"""Enforce the contract on a frame without ever crashing the run.

`enforce` validates eagerly (a polars DataFrame, all checks, lazy=True so every failure is
collected), moves the offending rows to a `rejects` frame with the reason, and returns the
rows that meet the contract. Of rows that only repeat a key, the first is kept and the
later copies are rejected. `issues_from_rejects` turns rejects into `quality_issues` rows
(check_id `SCHEMA-<table>`, attribution `extraction`): nothing leaves a table unreported.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.errors import SchemaError, SchemaErrors

from schemas.frames import empty, to_frame
from schemas.tables import MODELS, SHA256

UNIQUENESS = {"multiple_fields_uniqueness", "field_uniqueness", "unique"}


@dataclass
class Checked:
    frame: pl.DataFrame    # the rows that meet the contract
    rejects: pl.DataFrame  # `rejects`-shaped: the rows that do not, with the reason


def _model_is_plain(schema) -> bool:
    """Whether validating with `schema` only checks data (no coercion, defaults, parsers, strictness
    or regex columns, which change or select the data first): what `passes_all` can mirror."""
    if schema.strict or schema.ordered or schema.coerce or schema.add_missing_columns or schema.dtype is not None:
        return False
    if getattr(schema, "parsers", None) or getattr(schema, "drop_invalid_rows", False):
        return False
    return not any(c.regex or c.coerce or c.default is not None or not c.required or getattr(c, "parsers", None)
                   or getattr(c, "drop_invalid_rows", False) for c in schema.columns.values())


# Pandera's built-in regex checks: a row's verdict depends on its value alone, so they pass on every
# row exactly when they pass on every distinct value (a report_id repeated on thousands of metric
# rows is matched once; for cheap checks finding the distinct values costs more than it saves)
_REGEX_CHECKS = frozenset({"str_matches", "str_contains"})


def _on_distinct(check) -> bool:
    fn = getattr(check._check_fn, "__name__", None)
    return not check.element_wise and fn in _REGEX_CHECKS and check.is_builtin_check(fn) and check.groupby is None


def _passed(check, lf: pl.LazyFrame, key: str | None, name: str) -> pl.LazyFrame | bool:
    """One row, one column `name`: whether `check` passes on every row, computed as Pandera's
    polars check backend computes it (its own `apply`, nulls as `ignore_na` says), not collected."""
    fn = getattr(check._check_fn, "__name__", None)
    if fn is not None and check.is_builtin_check(fn):
        check._check_fn = check.get_builtin_check_fn(fn)   # (what `Check.__call__` does each time)
    out = check.get_backend(lf)(check).apply(PolarsData(lf, key or "*"))
    if isinstance(out, bool):
        return out
    col = pl.col(CHECK_OUTPUT_KEY)
    col = (col | col.is_null()) if check.ignore_na else col.fill_null(False)
    return out.select(col.all().alias(name))


def passes_all(table: str, frame: pl.DataFrame) -> bool:
    """True only when Pandera would find no failure in `frame`, told in one polars pass: every
    column present with its dtype (Pandera's dtype check), non-nullable columns without nulls
    (or NaN), unique columns and the model's unique key without duplicates, and every column
    and dataframe check of the model passing — each check built by Pandera itself and only
    evaluated together. False when in doubt (a check that raises, a model feature not mirrored):
    the caller then asks Pandera, so what is reported is always Pandera's answer."""
    schema = MODELS[table].to_schema()
    if not _model_is_plain(schema):
        return False
    try:
        lf = frame.lazy()
        names = frame.schema
        exprs, parts = [], []
        for name, col in schema.columns.items():
            if name not in names or not col.dtype.check(names[name], PolarsData(lf.select(name), name)):
                return False
            if not col.nullable:
                expr = pl.col(name).is_not_null()
                if names[name] in (pl.Float32, pl.Float64):
                    expr = expr & pl.col(name).is_not_nan()
                exprs.append(expr.all().alias(f"n{len(exprs)}"))
            if col.unique:
                exprs.append(pl.col(name).is_duplicated().any().not_().alias(f"n{len(exprs)}"))
            parts += [(check, lf.select(name).unique() if _on_distinct(check) else lf, name) for check in col.checks]
        parts += [(check, lf, None) for check in schema.checks]
        parts = [_passed(check, on, key, f"c{i}") for i, (check, on, key) in enumerate(parts)]
        if schema.unique:
            keys = [schema.unique] if all(isinstance(k, str) for k in schema.unique) else schema.unique
            for key in keys:
                if frame.select([k for k in key if k in names]).is_duplicated().any():
                    return False
        if any(p is False for p in parts):
            return False
        lazy = [p for p in parts if not isinstance(p, bool)]
        if exprs:
            lazy.append(lf.select(exprs))
        if not lazy:
            return True
        row = pl.concat(lazy, how="horizontal").collect()
        return row.height == 1 and all(v is True for v in row.row(0))
    except Exception:  # noqa: BLE001 — any doubt: Pandera decides
        return False


def failure_cases(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Every contract failure of `frame` (empty when it is valid); validates the data, eagerly.
    A frame `passes_all` clears is not handed to Pandera (its answer would be: no failure)."""
    if frame.height and passes_all(table, frame):
        return _NO_FAILURES.clear()
    try:
        MODELS[table].validate(frame, lazy=True)
    except SchemaErrors as exc:
        return exc.failure_cases
    except SchemaError as exc:  # not expected with lazy=True; kept as a single failure
        return pl.DataFrame({"failure_case": [str(exc)], "schema_context": [None], "column": [None],
                             "check": ["schema"], "check_number": [None], "index": [None]},
                            schema_overrides={"index": pl.Int32, "check_number": pl.Int32})
    return _NO_FAILURES.clear()


_NO_FAILURES = pl.DataFrame(schema={"failure_case": pl.String, "schema_context": pl.String, "column": pl.String,
                                    "check": pl.String, "check_number": pl.Int32, "index": pl.Int32})


def unique_keys(table: str) -> list[list[str]]:
    schema = MODELS[table].to_schema()
    keys = [list(schema.unique)] if schema.unique else []
    return keys + [[name] for name, col in schema.columns.items() if col.unique]


def _reason(case: dict) -> str:
    check = str(case["check"])
    check = check if len(check) <= 60 else check[:56] + "...)"
    if case["schema_context"] == "DataFrameSchema" and case["index"] is not None:  # row-wise: the case is the row
        return f"{check} failed"
    return f"{case['column']}: {check} failed ({str(case['failure_case'])[:120]})"


def _rejects(table: str, rows: list[dict], reasons: list[str]) -> pl.DataFrame:
    out = [
        {"table_name": table, "report_id": row.get("report_id"), "metric_code": row.get("metric_code"),
         "reason": reason, "row": json.dumps(row, ensure_ascii=False, default=str, sort_keys=True)}
        for row, reason in zip(rows, reasons)
    ]
    return to_frame("rejects", out)[0] if out else empty("rejects")


def enforce(table: str, frame: pl.DataFrame, untyped: list[tuple[dict, str]] = ()) -> Checked:
    """Split `frame` into contract-meeting rows and rejects; `untyped` rows are rejects already."""
    rejects = [_rejects(table, [r for r, _ in untyped], [why for _, why in untyped])]
    for _ in range(3 if frame.height else 0):  # (no rows: nothing to check)  # dropping rows can only remove failures; a second pass confirms it
        cases = failure_cases(table, frame)
        if cases.is_empty():
            break
        frame_wide = cases.filter(pl.col("index").is_null())
        if not frame_wide.is_empty():  # the frame itself is broken: no row can be trusted
            why = "; ".join(_reason(c) for c in frame_wide.head(5).iter_rows(named=True))
            rejects.append(_rejects(table, frame.to_dicts(), [f"table-wide: {why}"] * frame.height))
            frame = frame.clear()
            break
        by_row: dict[int, list[str]] = {}
        for case in cases.filter(~pl.col("check").is_in(list(UNIQUENESS))).iter_rows(named=True):
            by_row.setdefault(int(case["index"]), []).append(_reason(case))
        bad = pl.Series(range(frame.height)).is_in(list(by_row)).to_list()
        indexed = frame.with_row_index("__i")
        rejects.append(_rejects(table, indexed.filter(pl.Series(bad)).drop("__i").to_dicts(),
                                ["; ".join(by_row[i]) for i in sorted(by_row)]))
        frame = frame.filter(~pl.Series(bad))
        for key in unique_keys(table):
            first = frame.select(pl.struct(key).is_first_distinct()).to_series()
            dups = frame.filter(~first)
            if dups.height:
                rejects.append(_rejects(table, dups.to_dicts(), [f"duplicate key ({', '.join(key)}): a later copy"] * dups.height))
                frame = frame.filter(first)
    return Checked(frame, pl.concat(rejects, how="diagonal_relaxed"))


def issues_from_rejects(rejects: pl.DataFrame) -> pl.DataFrame:
    """One `quality_issues` row per (table, report) with rejected rows."""
    rows = []
    for (table, report_id), group in rejects.group_by(["table_name", "report_id"], maintain_order=True):
        reasons = sorted(set(group["reason"].to_list()))
        codes = sorted({c for c in group["metric_code"].to_list() if c})
        if report_id is not None and not re.fullmatch(SHA256, report_id):
            report_id = None  # the issue table only points at real reports
        rows.append({
            "report_id": report_id, "check_id": f"SCHEMA-{table}", "severity": "error", "status": "failed",
            "message": f"{group.height} {table} row(s) broke the warehouse contract and were moved to rejects",
            "metric_codes": ",".join(codes) or None, "expected": f"schemas.tables.{MODELS[table].__name__}",
            "actual": "; ".join(reasons)[:1000], "attribution": "extraction",
        })
    frame, _ = to_frame("quality_issues", rows)
    return frame
