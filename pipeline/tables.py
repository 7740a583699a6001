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

from pipeline import catalogue, glued
from pipeline.rows import Row, Token

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


def _label(label: str) -> str:
    return catalogue.normalize_label(_NOTE.sub("", label))


_PAREN = re.compile(r"[（(][^（）()]{2,60}[）)]")


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


def cell_value(code: str, token: Token, scale: float, period: str, requester: str, row: Row, col: int,
               decoded: bool, raw: str | None = None, start: int | None = None, end: int | None = None) -> dict:
    raw = token.raw if raw is None else raw
    value = None if raw in ("", "-", "—", "－", "–", "——", "/", "／", "无") else float(raw.replace(",", "")) * scale
    return {
        "metric_code": code, "requester": requester, "period": period, "value": value, "raw": raw,
        "unit": catalogue.unit_of(code), "qualifier": "exact", "method": "table",
        "char_start": token.start if start is None else start, "char_end": token.end if end is None else end,
        "table_index": row.table_index, "row_index": row.row_index, "col_index": col, "decoded": decoded,
    }


def _spans(tokens: list[Token], cells: tuple) -> list[tuple[str, int, int]]:
    """Raw text and offsets of each decoded cell, walking the tokens' digits in order."""
    out, ti, off = [], 0, 0
    for v in cells:
        s = str(v) if not isinstance(v, float) or not v.is_integer() else str(int(v))
        tok = tokens[ti]
        if tok.raw[off:off + len(s)] != s:     # decimal or blank cell: take the whole token
            s = tok.raw[off:]
        out.append((s, tok.start + off, tok.start + off + len(s)))
        off += len(s)
        if off >= len(tok.raw):
            ti, off = ti + 1, 0
    return out


def emit(row: Row, codes: list, periods: list, requesters: list, cands: list[tuple], scale: float,
         direct: bool) -> tuple[list[dict], list[int]]:
    """Values of the cells every candidate agrees on; the indexes of the disputed ones."""
    out, disputed = [], []
    if not cands:
        return out, list(range(len(codes)))
    truncated = getattr(cands, "truncated", False)
    agreed = [None if truncated or any(c[i] != cands[0][i] for c in cands) else (cands[0][i],)
              for i in range(len(codes))]
    spans = _spans(row.tokens, cands[0]) if len(cands) == 1 else None
    for i, code in enumerate(codes):
        if code is None:
            continue
        if agreed[i] is None:
            disputed.append(i)
            continue
        if agreed[i][0] is None:        # a blank cell: stated as blank, value null
            out.append(cell_value(code, row.tokens[i], scale, periods[i], requesters[i], row, i, False))
            continue
        if spans:
            raw, s, e = spans[i]
        else:
            raw, s, e = _fmt(agreed[i][0]), row.tokens[0].start, row.tokens[-1].end
        tok = Token(raw, s, e)
        out.append(cell_value(code, tok, scale, periods[i], requesters[i], row, i, not direct))
    return out, disputed


def _fmt(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def decode(row: Row, kind: str, ncols: int) -> list[tuple]:
    toks = [t.raw for t in row.tokens]
    if any(t.blank for t in row.tokens):
        return [tuple(None if t.blank else _num(t.raw) for t in row.tokens)] if len(toks) == ncols else []
    if len(toks) == ncols and all(_clean(t) for t in toks):
        return [tuple(_num(t) for t in toks)]
    if any("." in t for t in toks):
        return []
    if kind == "rowsum":
        return glued.decode_rowsum(toks, ncols)
    if kind == "blocks":
        return glued.decode_blocks(toks, ncols // 5, 5)
    if kind == "year_cum":
        return glued.decode_year_cum(toks)
    return glued.decode_plain(toks, ncols)


def _clean(t: str) -> bool:
    t = t.lstrip("-－")
    return bool(t) and (t == "0" or not t.startswith("0") or "." in t)


def _num(t: str):
    f = float(t.replace(",", "").replace("－", "-"))
    return int(f) if f.is_integer() else f
