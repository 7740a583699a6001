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
from functools import lru_cache

from pipeline.glued import split_trailing_index
from pipeline.model import Document, Table

BLANKS = {"-", "—", "－", "–", "——", "/", "／", "无", "—-"}
_NUM = r"(?:(?<=[\d\s|])[-－](?=\d))?\d{1,40}(?:\.\d{1,12})?"
_BLANK = r"(?<![^\s|])(?:——|—|－|–|-|/|／)(?![^\s|])"
_TOKEN = re.compile(f"(?P<num>{_NUM})|(?P<blank>{_BLANK})" r"|(?P<sep>[ \t\u3000|]{1,200}|\n)")
# the same without the separators: no value or blank starts with one, so it finds the same tokens
_VALUE_TOKEN = re.compile(_TOKEN.pattern.rsplit("|(?P<sep>", 1)[0])
_FW_ANY = re.compile("[０１２３４５６７８９．－]")            # a character _FULLWIDTH changes
# page numbers of a text layer ('- 2 -', '— 3 —') stand between rows, not in them
_PAGE_NO = re.compile(r"(?m)^[ \t]{0,20}[-—–][ \t]{0,4}\d{1,4}[ \t]{0,4}[-—–][ \t]{0,20}$")
# what every page number after the first line starts with: the check that skips the scan above
_LINE_DASH = re.compile(r"\n[ \t]{0,20}[-—–]")
# after a digit run: these make it part of prose or of a label rather than a table cell
_PROSE_AFTER = re.compile(r"[ \t]{0,2}[条件篇份个项人名次场期元万亿千百余多%％年月日号时分秒岁届批户家类]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_INDEX_AFTER = re.compile(r"[、.．](?=\D)")
# what follows a digit run, in one match: a unit or qualifier (_PROSE_AFTER), else a list-number
# mark (_INDEX_AFTER), else a Chinese character (_CJK); the three cannot overlap in that order
_FOLLOW = re.compile(f"(?P<prose>{_PROSE_AFTER.pattern})|(?P<index>{_INDEX_AFTER.pattern})|(?P<cjk>{_CJK.pattern})")


@dataclass(slots=True)
class Token:
    raw: str
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return self.raw in BLANKS


@dataclass(slots=True)
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
    kind = _cell_kind
    for r, cells in enumerate(table.rows):
        if len(set(map(id, cells))) != len(cells):          # a span repeats a cell: each counts once
            seen: set[int] = set()
            cells = [c for c in cells if id(c) not in seen and not seen.add(id(c))]
        labels, tokens = [], []
        for cell in cells:
            raw, whole = kind(cell.text)
            if raw is not None:
                start = cell.start
                tokens.append(Token(raw, start, start + len(raw)) if whole else Token(raw, start, cell.end))
            elif whole:
                labels.append(cell)     # (a label after values, rare: the values are kept)
        if labels:
            label = labels[0].text if len(labels) == 1 else " ".join(c.text for c in labels)
            start, end = labels[0].start, labels[-1].end
        else:
            label, start = "", (tokens[0].start if tokens else 0)
            end = start
        out.append(Row(label, start, end, tokens, table.index, r))
    return out


@lru_cache(maxsize=1 << 14)
def _cell_kind(text: str) -> tuple[str | None, bool]:
    """(the cell's value as a token or None, and for a value: whether its text starts with it —
    the token is then that prefix — or for a label: whether the cell has text at all)."""
    text = text.strip()
    raw = _value_raw(text)
    return (raw, text.startswith(raw)) if raw is not None else (None, bool(text))


_VALUE_TAIL = re.compile(r"(万元|元|件|条|个|人|次)$")
_VALUE = re.compile(r"-?\d{1,40}(?:\.\d{1,12})?")


@lru_cache(maxsize=1 << 14)
def _value_raw(text: str) -> str | None:
    """A cell's value as a token (separators and a unit dropped), or None if it is no value."""
    t = _VALUE_TAIL.sub("", text.replace(",", "").replace("，", "").replace(" ", ""))
    return t if _VALUE.fullmatch(t) or t in BLANKS else None


def text_rows(text: str, start: int = 0, end: int | None = None) -> list[Row]:
    """Rows found in running text between `start` and `end`."""
    end = len(text) if end is None else end
    rows: list[Row] = []
    label_start = start
    pending: list[Token] = []
    expected_index: int | None = None
    original = text
    if _FW_ANY.search(text):
        text = text.translate(_FULLWIDTH)               # same length: offsets hold
    pages = []
    if _LINE_DASH.search(text, max(start - 1, 0), end) or (start == 0 and _PAGE_NO.match(text, 0, end)):
        pages = [(p.start(), p.end()) for p in _PAGE_NO.finditer(text, start, end)]
    search, match, pos = _TOKEN_FIRST.search, _VALUE_TOKEN.match, start
    prose_numbers = _PROSE_NUMBERS.match
    while True:
        if not pending:         # no row open: numbers a unit follows change nothing, pass them over
            pos = prose_numbers(text, pos, end).end()
        if (c := search(text, pos, end)) is None:          # `_VALUE_TOKEN.finditer(text, start, end)`
            break
        if (m := match(text, c.start(), end)) is None:     # tried only where a token can start
            pos = c.start() + 1
            continue
        kind = m.lastgroup
        s, e = m.span()
        pos = e
        if pages and any(a <= s < b for a, b in pages):
            continue
        if pending:
            gap = text[pending[-1].end:s]     # more than separators and page numbers: a new row
            if gap.strip(" \t|\n\u3000") and _PAGE_NO.sub("", gap).strip(" \t|\n\u3000"):
                _flush(rows, original, label_start, pending)
                label_start, pending = pending[-1].end, []
        g = m.group()
        if kind == "blank":
            if pending or _label_ok(text, label_start, s):
                pending.append(Token(g, s, e))
            continue
        before = text[s - 1:s]
        f = _FOLLOW.match(text, e)
        follow = f.lastgroup if f else None
        if follow == "prose" or (before and before in "第-—~～至"):
            _flush(rows, original, label_start, pending)
            pending = []
            continue
        if len(g) <= 2 and (not before or before in "|\n" or g == str(expected_index)) and follow == "cjk":
            _flush(rows, original, label_start, pending)    # '15新闻发布会…': a list number
            pending = []
            label_start = s
            continue
        if follow == "index":
            if (not before or before in " \t|\n\u3000") and len(g) <= 2:
                digits, index = "", g
            else:
                digits, index = split_trailing_index(g, text[e:e + 3], expected_index)
            if index is not None:
                expected_index = int(index) + 1
                if digits:
                    pending.append(Token(digits, s, s + len(digits)))
                _flush(rows, original, label_start, pending)
                pending = []
                label_start = s + len(digits)
                continue
        pending.append(Token(g, s, e))
        if text.startswith(" | ", e) and (run := _PIPE_RUN.match(text, e)) is not None and run.end() <= end:
            for cell in _PIPE_CELL.finditer(text, e, run.end()):     # the row's next cells
                pending.append(Token(cell.group(1), cell.start(1), cell.end(1)))
            pos = run.end()
    _flush(rows, original, label_start, pending)
    return rows


_TOKEN_FIRST = re.compile(r"[\d\-－—–/／]")     # the characters a _VALUE_TOKEN match can start with
# With no row open, what `text_rows` can pass over at once: text in which no token can start, then
# a number (all of it: an atomic group) a unit or qualifier follows (_PROSE_AFTER) — reading it
# would only end a row that is not there — as many times as that repeats. (Possessive: a run
# ends where a token can start, the number must start there.)
_PROSE_NUMBERS = re.compile(f"(?:[^\\d\\-－—–/／]*+(?>{_NUM})(?={_PROSE_AFTER.pattern}))*+")


# After a plain cell of a pipe table ('规章 | 0 | 0 | 27'), the cells that follow it: digit runs
# between ' | ' and ' | ' or the line end. Each of them would be taken as a plain cell of the same
# row one by one (nothing between them, nothing after them that makes them prose or a number of
# a list), so they are taken together.
_PIPE_RUN = re.compile(r"(?: \| \d{1,40}(?= \| |\n))+")
_PIPE_CELL = re.compile(r" \| (\d{1,40})")


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
