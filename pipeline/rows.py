"""Table rows, wherever the tables come from.

A `Row` is a label and the value tokens that follow it, each token with its offsets into the
report text. Rows come from two places:
- the cell grids a reader found (HTML, PDF, DOCX): label cells are joined, each numeric cell
  is one token whose boundaries are certain;
- running text (crawl dumps, pipe tables, text layers): a label followed by digit runs. A run
  may hold several cells glued together by a crawler (`640020470`); the list number of the
  next row may be glued to its end (`3460853762、政府公报…`). Tokens separated by spaces or
  `|` are certainly separate cells; a token of running text may hold several.
A run of digits followed by a unit (`52件`), a qualifier (`5000多`) or a date/number word
(`2016年`, `第492号`) belongs to prose or a label, not to a table row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.glued import split_trailing_index
from pipeline.model import Document, Table

BLANKS = {"-", "—", "－", "–", "——", "/", "／", "无", "—-"}
_TOKEN = re.compile(
    r"(?P<num>(?:(?<=[\d\s|])[-－](?=\d))?\d{1,40}(?:\.\d{1,12})?)"
    r"|(?P<blank>(?<![^\s|])(?:——|—|－|–|-|/|／)(?![^\s|]))"
    r"|(?P<sep>[ \t\u3000|]{1,200}|\n)"
)
# page numbers of a text layer ('- 2 -', '— 3 —') stand between rows, not in them
_PAGE_NO = re.compile(r"(?m)^[ \t]{0,20}[-—–][ \t]{0,4}\d{1,4}[ \t]{0,4}[-—–][ \t]{0,20}$")
# after a digit run: these make it part of prose or of a label rather than a table cell
_PROSE_AFTER = re.compile(r"[ \t]{0,2}[条件篇份个项人名次场期元万亿千百余多%％年月日号时分秒岁届批户家类]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_INDEX_AFTER = re.compile(r"[、.．](?=\D)")
_LINEBREAKS = re.compile(r"\n")


@dataclass
class Token:
    raw: str
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return self.raw in BLANKS


@dataclass
class Row:
    label: str
    label_start: int
    label_end: int
    tokens: list[Token] = field(default_factory=list)
    table_index: int | None = None
    row_index: int | None = None


def grid_rows(table: Table) -> list[Row]:
    """Rows of a reader's cell grid: label cells joined, numeric cells as tokens."""
    out = []
    for r, cells in enumerate(table.rows):
        seen: set[int] = set()
        labels, tokens = [], []
        for cell in cells:
            if id(cell) in seen:
                continue
            seen.add(id(cell))
            text = cell.text.strip()
            if _is_value(text):
                raw = _VALUE_TAIL.sub("", text.replace(",", "").replace("，", "").replace(" ", ""))
                tokens.append(Token(raw, cell.start, cell.start + len(raw)) if text.startswith(raw)
                              else Token(raw, cell.start, cell.end))
            elif text:
                if tokens:  # a label after values (rare): keep the values, extend label
                    pass
                labels.append(cell)
        label = " ".join(c.text for c in labels)
        start = labels[0].start if labels else (tokens[0].start if tokens else 0)
        end = labels[-1].end if labels else start
        out.append(Row(label, start, end, tokens, table.index, r))
    return out


_VALUE_TAIL = re.compile(r"(万元|元|件|条|个|人|次)$")


def _is_value(text: str) -> bool:
    t = _VALUE_TAIL.sub("", text.replace(",", "").replace("，", "").replace(" ", ""))
    return bool(re.fullmatch(r"-?\d{1,40}(?:\.\d{1,12})?", t)) or t in BLANKS


def text_rows(text: str, start: int = 0, end: int | None = None) -> list[Row]:
    """Rows found in running text between `start` and `end`."""
    end = len(text) if end is None else end
    rows: list[Row] = []
    label_start = start
    pending: list[Token] = []
    expected_index: int | None = None
    original, text = text, text.translate(_FULLWIDTH)    # same length: offsets hold
    pages = [(p.start(), p.end()) for p in _PAGE_NO.finditer(text, start, end)]
    for m in _TOKEN.finditer(text, start, end):
        kind = m.lastgroup
        if kind == "sep" or (pages and any(a <= m.start() < b for a, b in pages)):
            continue
        s, e = m.start(), m.end()
        if pending and _PAGE_NO.sub("", text[pending[-1].end:s]).strip(" \t|\n\u3000"):
            _flush(rows, original, label_start, pending)   # text between values: a new row
            label_start, pending = pending[-1].end, []
        if kind == "blank":
            if pending or _label_ok(text, label_start, s):
                pending.append(Token(m.group(), s, e))
            continue
        before = text[s - 1:s]
        if _PROSE_AFTER.match(text, e) or (before and before in "第-—~～至"):
            _flush(rows, original, label_start, pending)
            pending = []
            continue
        at_row_start = not before or before in " \t|\n\u3000"
        line_start = not before or before in "|\n"
        if ((line_start or m.group() == str(expected_index)) and len(m.group()) <= 2
                and _CJK.match(text, e)):
            _flush(rows, original, label_start, pending)    # '15新闻发布会…': a list number
            pending = []
            label_start = s
            continue
        if _INDEX_AFTER.match(text, e):
            if at_row_start and len(m.group()) <= 2:
                digits, index = "", m.group()
            else:
                digits, index = split_trailing_index(m.group(), text[e:e + 3], expected_index)
            if index is not None:
                expected_index = int(index) + 1
                if digits:
                    pending.append(Token(digits, s, s + len(digits)))
                _flush(rows, original, label_start, pending)
                pending = []
                label_start = s + len(digits)
                continue
        pending.append(Token(m.group(), s, e))
    _flush(rows, original, label_start, pending)
    return rows


def _label_ok(text: str, a: int, b: int) -> bool:
    return bool(text[a:b].strip(" \t|\n"))


def _flush(rows: list[Row], text: str, label_start: int, tokens: list[Token]) -> None:
    if not tokens:
        return
    first = tokens[0].start
    label = text[label_start:first]
    # a label is the text after the last sentence break before the values
    cut = max(label.rfind("。"), label.rfind("；"), label.rfind(";"))
    if cut >= 0:
        label_start += cut + 1
        label = label[cut + 1:]
    stripped = label.strip(" \t|\n\u3000")
    if not stripped:
        if rows and rows[-1].tokens and rows[-1].tokens[-1].end <= first:
            rows[-1].tokens.extend(tokens)   # more values of the previous row
        return
    offset = label.find(stripped)
    rows.append(Row(stripped, label_start + offset, label_start + offset + len(stripped), list(tokens)))


def document_rows(doc: Document) -> list[Row]:
    """All rows of a document: its grids if the reader found any, else the running text."""
    if doc.tables:
        rows = []
        for t in doc.tables:
            rows.extend(grid_rows(t))
        return rows
    return text_rows(doc.text)
