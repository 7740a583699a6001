"""Table interpretation: rows (label + value tokens) → metric values, by table layout.

Which layout a row follows is read from the document: table 2 (第二十条) rows by era header,
table 3 rows (six requester columns + 总计), the table-4 row of fifteen cells, and pre-2019
statistics rows whose columns (本年 / 累计, in either order) a header names. Cells glued by a
crawler are decoded with the table's own identities (pipeline.glued); a cell is emitted only
when every valid decoding agrees on it. Rows that stay ambiguous are returned as `Pending`
for settlement by other evidence (prose, parent totals) in pipeline.settle.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline import catalogue, glued
from pipeline.rows import BLANKS, Row, Token

_NOTE = re.compile(r"[（(][^（）()]{0,40}(?:区分处理|只计|不计)[^（）()]{0,40}(?:[）)]|$)")
_UNIT_TAIL = re.compile(r"(?:万元|元|条|件|个|人次|人|次|项|篇|份)$")


@dataclass
class Pending:
    """A decoded row whose cells are not settled by the row's own identities."""
    row: Row
    codes: list[str]                      # code per column (None = not stored)
    periods: list[str]
    candidates: list[tuple]
    scale: float = 1.0
    values: list[dict] = field(default_factory=list)


def _layouts() -> dict:
    return catalogue.load()["layouts"]


def table_era(text: str) -> str | None:
    for era in ("fmt2021", "fmt2019"):
        if any(w in text for w in _layouts()["table2"]["era_headers"][era]):
            return era
    return None


@lru_cache(maxsize=1 << 14)
def _label(label: str) -> str:
    return catalogue.normalize_label(_NOTE.sub("", label))


_PAREN = re.compile(r"[（(][^（）()]{2,60}[）)]")


@lru_cache(maxsize=1 << 14)
def _code(label: str) -> str | None:
    if any(w in label for w in _layouts()["stat"]["ignore"]):
        return None
    for variant in (_NOTE.sub("", label), _PAREN.sub("", label)):
        variant = variant.strip(" |\t\n")
        code = catalogue.code_for_label(variant)
        if code is None and _UNIT_TAIL.search(variant):
            code = catalogue.code_for_label(_UNIT_TAIL.sub("", variant).strip(" |\t\n"))
        if code:
            return code
    return None


_BLANK_RAW = frozenset(("", "-", "—", "－", "–", "——", "/", "／", "无"))


def cell_value(code: str, token: Token, scale: float, period: str, requester: str, row: Row, col: int,
               decoded: bool, raw: str | None = None, start: int | None = None, end: int | None = None) -> dict:
    raw = token.raw if raw is None else raw
    return _row(code, raw, token.start if start is None else start, token.end if end is None else end,
                scale, period, requester, row, col, decoded)


def _row(code: str, raw: str, start: int, end: int, scale: float, period: str, requester: str, row: Row, col: int,
         decoded: bool) -> dict:
    """The metric row of one cell."""
    return {
        "metric_code": code, "requester": requester, "period": period,
        "value": None if raw in _BLANK_RAW else float(raw.replace(",", "")) * scale, "raw": raw,
        "unit": catalogue.unit_of(code), "qualifier": "exact", "method": "table",
        "char_start": start, "char_end": end,
        "table_index": row.table_index, "row_index": row.row_index, "col_index": col, "decoded": decoded,
    }


def _spans(tokens: list[Token], cells: tuple) -> list[tuple[str, int, int]]:
    """Raw text and offsets of each decoded cell, walking the tokens' digits in order."""
    out, ti, off = [], 0, 0
    for v in cells:
        s = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        tok = tokens[ti]
        raw = tok.raw
        if off == 0 and raw == s:                  # the whole token is the cell (the common case)
            out.append((s, tok.start, tok.start + len(s)))
            ti += 1
            continue
        if raw[off:off + len(s)] != s:     # decimal or blank cell: take the whole token
            s = raw[off:]
        out.append((s, tok.start + off, tok.start + off + len(s)))
        off += len(s)
        if off >= len(raw):
            ti, off = ti + 1, 0
    return out


def emit(row: Row, codes: list, periods: list, requesters: list, cands: list[tuple], scale: float,
         direct: bool) -> tuple[list[dict], list[int]]:
    """Values of the cells every candidate agrees on; the indexes of the disputed ones."""
    out, disputed = [], []
    n = len(codes)
    if not cands:
        return out, list(range(n))
    if type(cands) is _Direct and len(codes) == len(row.tokens):
        return _direct_rows(row, codes, periods, requesters, scale, not direct), disputed
    first = cands[0]
    vals = ok = None                    # the first candidate's cells; whether every candidate agrees
    if not getattr(cands, "truncated", False):
        vals = list(first) if len(first) == n else [first[i] for i in range(n)]
        ok = [v == v for v in vals] if len(cands) == 1 else [not any(c[i] != first[i] for c in cands) for i in range(n)]
    spans = _spans(row.tokens, first) if len(cands) == 1 else None
    tokens, decoded, units = row.tokens, not direct, catalogue.units()
    ti, ri = row.table_index, row.row_index
    for i, code in enumerate(codes):
        if code is None:
            continue
        if vals is None or not ok[i]:
            disputed.append(i)
            continue
        v = vals[i]
        if v is None:                   # a blank cell: stated as blank, value null
            tok = tokens[i]
            raw, s, e, dec = tok.raw, tok.start, tok.end, False
        elif spans:
            (raw, s, e), dec = spans[i], decoded
        else:
            raw, s, e, dec = _fmt(v), tokens[0].start, tokens[-1].end, decoded
        out.append({        # `_row`, inlined
            "metric_code": code, "requester": requesters[i], "period": periods[i],
            "value": None if raw in _BLANK_RAW else float(raw.replace(",", "")) * scale, "raw": raw,
            "unit": units[code], "qualifier": "exact", "method": "table", "char_start": s, "char_end": e,
            "table_index": ti, "row_index": ri, "col_index": i, "decoded": dec,
        })
    return out, disputed


class _Direct(list):
    """`decode`'s answer for a row whose tokens are its cells, each plainly an integer ('0' or
    no leading zero, ASCII digits, under 16 of them): the one candidate, its cells read back
    as the tokens themselves."""


_PLAIN_INT = re.compile(r"0|[1-9][0-9]{0,14}")


def _direct_rows(row: Row, codes: list, periods: list, requesters: list, scale: float, decoded: bool) -> list[dict]:
    """`emit` of a `_Direct` candidate: each cell is its token (what `_spans` finds for it)."""
    out, units = [], catalogue.units()
    ti, ri = row.table_index, row.row_index
    for i, (code, tok) in enumerate(zip(codes, row.tokens)):
        if code is None:
            continue
        raw = tok.raw
        out.append({
            "metric_code": code, "requester": requesters[i], "period": periods[i],
            "value": float(raw) * scale, "raw": raw,
            "unit": units[code], "qualifier": "exact", "method": "table",
            "char_start": tok.start, "char_end": tok.start + len(raw),
            "table_index": ti, "row_index": ri, "col_index": i, "decoded": decoded,
        })
    return out


def _fmt(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def decode(row: Row, kind: str, ncols: int) -> list[tuple]:
    toks = [t.raw for t in row.tokens]
    if not BLANKS.isdisjoint(toks):                     # a Token.blank
        return [tuple(None if t in BLANKS else _num(t) for t in toks)] if len(toks) == ncols else []
    if len(toks) == ncols and all(map(_PLAIN_INT.fullmatch, toks)):
        return _Direct([tuple(map(int, toks))])        # (= the line below, for these tokens)
    if len(toks) == ncols and all(t == "0" or t[:1] in _NONZERO or _clean(t) for t in toks):
        return [tuple(map(_num, toks))]
    if any("." in t for t in toks):
        return []
    if kind == "rowsum":
        return glued.decode_rowsum(toks, ncols)
    if kind == "blocks":
        return glued.decode_blocks(toks, ncols // 5, 5)
    if kind == "year_cum":
        return glued.decode_year_cum(toks)
    return glued.decode_plain(toks, ncols)


_NONZERO = frozenset("123456789")     # a token starting with one of these is a clean cell


def _clean(t: str) -> bool:
    t = t.lstrip("-－")
    return bool(t) and (t == "0" or not t.startswith("0") or "." in t)


def _num(t: str):
    if len(t) < 16 and t.isdigit() and t.isascii():
        return int(t)                      # exactly int(float(t)) below 16 digits
    f = float(t.replace(",", "").replace("－", "-"))
    return int(f) if f.is_integer() else f
