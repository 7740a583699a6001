"""Typed polars frames for the warehouse tables, built from plain row dicts.

`to_frame` turns the dicts the extractor returns into a frame whose declared columns have the
contract's dtypes (derived from the Pandera models) and come first, in contract order;
extra keys are kept as extra columns. Values are normalised the way the contract reads
them (lists of metric codes joined with commas, numbers in text columns as text, the
default `requester`/`period`). A row that cannot be typed at all is not dropped: it is
returned apart, with the reason, for the caller to put in `rejects`.
"""
from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import polars as pl

from schemas.tables import MODELS

DEFAULTS = {"metrics": {"requester": "total", "period": "year"}}


@lru_cache(maxsize=None)
def polars_schema(table: str) -> dict[str, pl.DataType]:
    """Column name -> polars dtype of a warehouse table, in contract order."""
    return {name: col.dtype.type for name, col in MODELS[table].to_schema().columns.items()}


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=polars_schema(table))


def _text(value: object) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_text(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _extra(value: object) -> object:
    """Extra (undeclared) columns: scalars as they are, anything else as JSON text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def normalise(table: str, row: dict) -> dict:
    schema = polars_schema(table)
    merged = dict(row)
    for key, default in DEFAULTS.get(table, {}).items():
        if merged.get(key) is None:
            merged[key] = default
    out = {}
    for key, value in merged.items():
        if value is None:
            out[key] = None
        elif key in schema:
            out[key] = _text(value) if schema[key] == pl.String and not isinstance(value, str) else value
        else:
            out[key] = _extra(value)
    return out


def _build(table: str, rows: list[dict]) -> pl.DataFrame:
    schema = polars_schema(table)
    frame = pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None, strict=True)
    for name, dtype in schema.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return frame.select([*schema, *[c for c in frame.columns if c not in schema]])


def _column(values: list, dtype: pl.DataType | None) -> list:
    """One column's values normalised as `normalise` does them row by row."""
    if dtype is None:
        if all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
            return values
        return [_extra(v) for v in values]
    if dtype == pl.String and not all(v is None or isinstance(v, str) for v in values):
        return [v if v is None or isinstance(v, str) else _text(v) for v in values]
    return values


def _build_columns(table: str, rows: list[dict]) -> pl.DataFrame:
    """`_build` over `normalise`d rows, column by column (the fast path for clean batches)."""
    schema = polars_schema(table)
    keys = dict.fromkeys(k for r in rows for k in r)
    for key in DEFAULTS.get(table, {}):
        keys.setdefault(key, None)
    data = {}
    for key in keys:
        values = [r.get(key) for r in rows]
        default = DEFAULTS.get(table, {}).get(key)
        if default is not None:
            values = [default if v is None else v for v in values]
        data[key] = _column(values, schema.get(key))
    frame = pl.DataFrame(data, schema_overrides={k: t for k, t in schema.items() if k in data}, strict=True)
    missing = [pl.lit(None, dtype=t).alias(n) for n, t in schema.items() if n not in frame.columns]
    if missing:
        frame = frame.with_columns(missing)
    return frame.select([*schema, *[c for c in frame.columns if c not in schema]])


_SCALARS = frozenset({type(None), str, int, float, bool})


@contextmanager
def _gc_paused():
    """No cyclic garbage collection while a batch is transposed: its tens of thousands of row
    tuples (no cycles among them) would set off collections that walk the whole heap."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build_fast(table: str, rows: list[dict]) -> pl.DataFrame:
    """`_build_columns` without looking at every value in Python: the rows are read and
    transposed in C (`itemgetter`, `zip`), and the values of declared text columns go to polars
    as they are — with `strict=True` it refuses anything but a str or None there, so a batch that
    needs `normalise` raises here and takes `_build_columns`. Extra columns are looked at (by the
    set of their values' exact types), as `_column` does."""
    schema = polars_schema(table)
    defaults = DEFAULTS.get(table, {})
    # the keys in the order `_build_columns` finds them, read from each distinct key sequence once
    keys = dict.fromkeys(chain.from_iterable(dict.fromkeys(map(tuple, rows))))
    for key in defaults:
        keys.setdefault(key, None)
    names, n = list(keys), len(keys)
    if n < 2:
        raise KeyError("one column: the general path")
    if set(map(len, rows)) != {n}:                          # some row lacks a key: it is read as None
        rows = [r if len(r) == n else {**keys, **r} for r in rows]        # (`keys`' values are all None)
    columns = zip(*map(itemgetter(*names), rows))
    data = {}
    for key, values in zip(names, columns):
        default = defaults.get(key)
        if default is not None:
            data[key] = [default if v is None else v for v in values]
        elif key in schema:
            data[key] = list(values)
        else:
            data[key] = _column(list(values), None) if not set(map(type, values)) <= _SCALARS else list(values)
    frame = pl.DataFrame(data, schema_overrides={k: t for k, t in schema.items() if k in data}, strict=True)
    missing = [pl.lit(None, dtype=t).alias(n) for n, t in schema.items() if n not in frame.columns]
    if missing:
        frame = frame.with_columns(missing)
    return frame.select([*schema, *[c for c in frame.columns if c not in schema]])


def to_frame(table: str, rows: list[dict]) -> tuple[pl.DataFrame, list[tuple[dict, str]]]:
    """(frame of the rows that type-check, [(row, reason)] for those that do not)."""
    if not rows:
        return empty(table), []
    try:
        with _gc_paused():
            return _build_fast(table, rows), []
    except Exception:  # a value to normalise, or a bad value
        pass
    try:
        return _build_columns(table, rows), []
    except Exception:  # one bad value spoils the batch: find it row by row
        pass
    rows = [normalise(table, r) for r in rows]
    good, bad = [], []
    for row in rows:
        try:
            _build(table, [row])
            good.append(row)
        except Exception as exc:
            bad.append((row, f"cannot be typed: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"))
    try:
        return (_build(table, good) if good else empty(table)), bad
    except Exception:  # rows fine alone but not together (mixed types in an extra column)
        keep = list(polars_schema(table))
        frame = _build(table, [{k: v for k, v in r.items() if k in keep} for r in good]) if good else empty(table)
        return frame, bad


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """A frame read back from Parquet, in the current contract's shape: declared columns added
    (as nulls) when missing, cast to their dtypes and put first. Raises when a cast fails."""
    schema = polars_schema(table)
    frame = frame.with_columns(
        [pl.col(n).cast(t, strict=True) if n in frame.columns else pl.lit(None, dtype=t).alias(n) for n, t in schema.items()]
    )
    return frame.select([*schema, *[c for c in frame.columns if c not in schema]])
