"""Plain-text / Markdown reader, and the text helpers every reader shares.

Role: turn the bytes of a .txt/.md file (often a crawler's dump with a `标题: …` header block)
into a `Document` whose `text` is the whole decoded file (line endings normalised to '\\n').
Also home of the pieces the other readers reuse: byte decoding (BOM → UTF-8 → GB18030 →
charset-normalizer), whitespace normalisation for CJK text, date normalisation, and
`TextBuilder`, which lays out paragraphs and tables as text and records each table cell's
offsets so that `doc.text[cell.start:cell.end] == cell.text` always holds.
"""
from __future__ import annotations

import codecs
import re
from operator import itemgetter

from pipeline.model import Document, ReadError, Table, TableCell

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "gb_2312", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018-\u201f\u2026"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, *range(0x0e, 0x20), 0x7f])     # the same, as bytes
_BYTE_FAITHFUL = frozenset({"utf-8", "gb18030"})


def canonical_encoding(name: str) -> str:
    """Python codec name for a declared/detected charset; the GB family decodes as GB18030."""
    name = name.strip().lower().replace("_", "-")
    if name in _GB_FAMILY or name.replace("-", "_") in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def decode_bytes(data: bytes, declared: str | None = None, gb_fallback: bool = True) -> tuple[str, str]:
    """Decode `data` and return (text, encoding). Raises ReadError for binary content.

    Order: BOM; the declared charset (strict); UTF-8 (strict); GB18030 (strict, when nothing
    was declared and `gb_fallback`); charset-normalizer, its answer decoded with replacement."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    if b"\x00" in data[:65536]:
        raise ReadError("not a text document: it contains NUL bytes (a binary file?)")
    candidates = [canonical_encoding(declared)] if declared else []
    candidates.append("utf-8")
    if not declared and gb_fallback:
        candidates.append("gb18030")
    for enc in candidates:
        try:
            return check_textual(data.decode(enc), data if enc in _BYTE_FAITHFUL else None), enc
        except (UnicodeDecodeError, LookupError):
            continue
    if declared and candidates[0] != "utf-8":
        try:   # a declared legacy charset with a few bad bytes: trust the declaration
            return check_textual(data.decode(candidates[0], errors="replace")), candidates[0]
        except LookupError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise ReadError("not a text document: its character encoding cannot be determined")
    enc = canonical_encoding(best.encoding)
    return check_textual(data.decode(enc, errors="replace")), enc


def check_textual(text: str, data: bytes | None = None) -> str:
    """Reject decoded 'text' that is mostly control characters or replacement characters.
    `data`: the bytes `text` was decoded from by a codec that writes a control character as
    the same single byte and never uses those bytes otherwise (UTF-8, GB18030): bytes without
    any control byte are counted without scanning the text for control characters."""
    sample = text[:20000]
    if data is not None and len(data.translate(None, _CONTROL_BYTES)) == len(data):
        bad = sample.count("\ufffd")                 # (no control character anywhere)
    else:
        bad = len(_CONTROL.findall(sample)) + sample.count("\ufffd")
    if sample and bad > max(8, len(sample) // 20):
        raise ReadError("not a text document: it is mostly control or undecodable characters")
    return text


def normalize_ws(s: str) -> str:
    """Collapse whitespace to single spaces, dropping it between two CJK characters."""
    s = s.strip()
    if s.isprintable() and " " not in s:       # fast path: no whitespace inside
        return s
    return _WS.sub(" ", _CJK_GAP.sub("", s)).strip()


_DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def normalize_date(s: str) -> str | None:
    """'2020-01-20 15:22', '2020年1月20日', '2020/1/20' → '2020-01-20'; None if no date."""
    m = _DATE.search(s or "")
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else None


class CellKey:
    """One source cell; a grid repeats the same CellKey at every position a span covers."""
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class FastCellKey(list):
    """A `CellKey` made in C (`FastCellKey((text,))`: a one-item list, its text at `.text`), for readers
    that make thousands; `TextBuilder.table` asks a key for its `.text` and its identity only."""
    __slots__ = ()
    text = property(itemgetter(0))


class TextBuilder:
    """Accumulates a document's text line by line and lays tables out as ' | ' rows."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.tables: list[Table] = []
        self._tail = ""          # last two characters written

    def _write(self, s: str) -> None:
        if s:
            self.parts.append(s)
            self.pos += len(s)
            self._tail = (self._tail + s)[-2:]

    def line(self, s: str) -> None:
        """Write one paragraph line (already normalised); blank input writes nothing."""
        if s:
            if self.pos and not self._tail.endswith("\n"):
                self._write("\n")
            self._write(s + "\n")

    def _blank_line(self) -> None:
        if self.pos and self._tail != "\n\n":
            self._write("\n" if self._tail.endswith("\n") else "\n\n")

    def table(self, grid: list[list[CellKey]], normalized: bool = False) -> Table | None:
        """Lay out a grid of CellKeys (spanned positions repeat the same CellKey): each row a
        line, each distinct cell written once as ' | '-joined text, a blank line around the
        table. Grids narrower than two columns are written as plain lines and return None.
        `normalized`: the cells' text already went through `normalize_ws` (which is idempotent)."""
        grid = [row for row in grid if row]
        if not grid:
            return None
        width = max(len(r) for r in grid)
        if width < 2 or all(len({id(k) for k in r}) < 2 for r in grid):
            seen: set[int] = set()
            for row in grid:
                fresh = [k for k in row if id(k) not in seen and not seen.add(id(k))]
                self.line(normalize_ws(" ".join(k.text for k in fresh)))
            return None
        self._blank_line()
        made: dict[int, TableCell] = {}
        rows: list[list[TableCell]] = []
        pos, pieces = self.pos, []
        put, known = pieces.append, made.get
        for row in grid:
            out: list[TableCell] = []
            add = out.append
            wrote = False                       # a cell of this row is written: the next needs ' | '
            for key in row:
                cell = known(k := id(key))
                if cell is None:
                    if wrote:
                        put(" | ")
                        pos += 3
                    txt = key.text if normalized else normalize_ws(key.text)
                    end = pos + len(txt)
                    cell = made[k] = TableCell(txt, pos, end)
                    put(txt)
                    pos, wrote = end, True
                add(cell)
            put("\n")
            pos += 1
            if len(out) < width:
                out.extend(TableCell("", pos - 1, pos - 1) for _ in range(width - len(out)))
            rows.append(out)
        pieces.append("\n")
        self._write("".join(pieces))
        table = Table(index=len(self.tables), rows=rows)
        self.tables.append(table)
        return table

    def text(self) -> str:
        return "".join(self.parts)


_HEADER_KEYS = {"标题": "title", "发布时间": "published_on", "发布日期": "published_on", "文号": "doc_no",
                "发布机构": "publisher", "来源": "source", "栏目": "column", "原文链接": "url",
                "索引号": "index_no"}
_HEADER_LINE = re.compile(r"^\s*([^\s:：]{2,8})\s*[:：]\s?(.*)$")
_BODY_MARK = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)


def parse_dump_header(text: str) -> dict[str, str]:
    """Metadata from a crawl dump's header block (the lines before '==== 正文 ====')."""
    m = _BODY_MARK.search(text[:5000])
    if not m:
        return {}
    meta: dict[str, str] = {}
    for line in text[: m.start()].splitlines():
        hm = _HEADER_LINE.match(line)
        if hm and hm.group(1) in _HEADER_KEYS and hm.group(2).strip():
            key, value = _HEADER_KEYS[hm.group(1)], hm.group(2).strip()
            if key == "published_on":
                value = normalize_date(value) or ""
            if value:
                meta.setdefault(key, value)
    return meta


def read_text(data: bytes, fmt: str = "txt") -> Document:
    """Read a .txt/.md file: the whole decoded file is the text; a dump header fills meta."""
    text, encoding = decode_bytes(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta = parse_dump_header(text)
    body = _BODY_MARK.search(text[:5000])
    if not (text[body.end():] if body else text).strip():
        raise ReadError("no text")
    if "title" not in meta and fmt == "md":
        h = re.search(r"^#\s+(.+)$", text, re.M)
        if h:
            meta["title"] = h.group(1).strip()
    if "index_no" not in meta:
        ix = re.search(r"索\s*引\s*号\s*[:：]\s*([A-Za-z0-9][\w\-/.]*)", text[:20000])
        if ix:
            meta["index_no"] = ix.group(1)
    return Document(text=text, format=fmt, encoding=encoding, meta=meta)
