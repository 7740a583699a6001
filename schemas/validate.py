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
from pandera.errors import SchemaError, SchemaErrors

from schemas.frames import empty, to_frame
from schemas.tables import MODELS, SHA256

UNIQUENESS = {"multiple_fields_uniqueness", "field_uniqueness", "unique"}


@dataclass
class Checked:
    frame: pl.DataFrame    # the rows that meet the contract
    rejects: pl.DataFrame  # `rejects`-shaped: the rows that do not, with the reason


def failure_cases(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Every contract failure of `frame` (empty when it is valid); validates the data, eagerly."""
    try:
        MODELS[table].validate(frame, lazy=True)
    except SchemaErrors as exc:
        return exc.failure_cases
    except SchemaError as exc:  # not expected with lazy=True; kept as a single failure
        return pl.DataFrame({"failure_case": [str(exc)], "schema_context": [None], "column": [None],
                             "check": ["schema"], "check_number": [None], "index": [None]},
                            schema_overrides={"index": pl.Int32, "check_number": pl.Int32})
    return pl.DataFrame(schema={"failure_case": pl.String, "schema_context": pl.String, "column": pl.String,
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
