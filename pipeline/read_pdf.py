"""PDF reader: a PDF's text layer → Document, with ruled tables as cell grids.

Role: read every page's chars and ruling graphics — through PDFium (`read_pdf_pdfium`, fast)
or, for the documents it does not reproduce faithfully (see there) and for damaged files,
through pdfplumber (MIT; pdfminer.six underneath) — and lay each page out (`read_pdf_layout`):
ruled tables found by pdfplumber's table finder after dropping invisible white-filled boxes
that word processors draw behind text lines, the text lines outside the tables, in reading
order (top to bottom) with each table inserted at its vertical position. Then this module
joins the pages: wrapped lines of a paragraph are re-joined (a line that runs to the right
margin continues on the next one); bare page numbers at the top/bottom of a page are dropped,
and so are the gaps word processors leave between CJK and Latin/digits ('2024 年' → '2024年').
The first page's large-font opening lines are the title (meta). A table whose continuation
starts the next page (nothing in between; the same column edges or some of them, or the same
count and no header row) is merged into one Table, continuing the merged cells the page break
cut. Encrypted, scanned (image-only) and corrupt PDFs raise ReadError with a plain message.
"""
from __future__ import annotations

import io
import os
import re

import pdfplumber
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.model import Document, ReadError
from pipeline.read_pdf_layout import from_plumber, page_items
from pipeline.read_pdf_pdfium import read_pages
from pipeline.read_text import CellKey, TextBuilder, normalize_ws

_HEADING = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十]+[章节条部分])")
_NUMERIC = re.compile(r"^[-+]?\d[\d,，.]*%?$")
_CJK_END = re.compile(r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f\u2018-\u201f]$")
_CJK_START = re.compile(r"^[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f\u2018-\u201f]")


def _is_header(row: list[CellKey]) -> bool:
    return not any(_NUMERIC.match(normalize_ws(k.text)) for k in row)


def _widen(rows: list[list[CellKey]], edges: list[int], wider: list[int]) -> list[list[CellKey]] | None:
    """`rows` laid on the columns of `wider` when every column edge of `edges` is one of
    `wider`'s (±2 pt), each cell repeated over the columns it covers; else None."""
    at = [next((i for i, w in enumerate(wider) if abs(w - x) <= 2), None) for x in edges]
    if None in at or at[0] != 0 or at[-1] != len(wider) - 1 or any(len(r) != len(edges) - 1 for r in rows):
        return None
    return [[k for j, k in enumerate(row) for _ in range(at[j + 1] - at[j])] for row in rows]


def _finishes_row(first: list[CellKey], last: list[CellKey]) -> bool:
    """Whether `first` (a continuation's first row) is the rest of `last`, a row the page break
    cut: no number and no new item label in it, text only under cells of `last` that hold
    text, and empty where `last` holds a number (the values stayed on the previous page)."""
    texts = [normalize_ws(k.text) for k in first]
    above = [normalize_ws(k.text) for k in last]
    if not any(texts) or any(t and (_NUMERIC.match(t) or _HEADING.match(t)) for t in texts):
        return False
    return (all(above[j] for j, t in enumerate(texts) if t)
            and any(not t and _NUMERIC.match(above[j]) for j, t in enumerate(texts)))


def _merge(items: list[tuple]) -> list[tuple]:
    """Join a table continued on the next page onto its first part: the column edges of one
    part are those of the other or some of them (cells spanning several columns: the coarser
    part is laid onto the finer one's columns), or both have as many columns and the new part's
    first row is not a header (holds a number). Header rows repeated at the top of the new page
    are dropped; a first row that finishes the row the page break cut is joined onto it;
    empty cells of the first row continue the cells above them."""
    out: list[tuple] = []
    for item in items:
        prev = out[-1] if out else None
        if item[0] != "table" or not (prev and prev[0] == "table" and item[2]):
            out.append(item)
            continue
        rows = _widen(item[1], item[3], prev[3])
        if rows is None and (wider := _widen(prev[1], prev[3], item[3])) is not None:
            prev[1][:] = wider                               # the first part is the coarser one
            out[-1] = prev = (prev[0], prev[1], prev[2], item[3])
            rows = item[1]
        if rows is None and len(item[1][0]) == len(prev[1][0]) and not _is_header(item[1][0]):
            rows = item[1]
        if rows is None:
            out.append(item)
            continue
        n = 0
        while n < min(len(rows) - 1, len(prev[1])) and [k.text for k in rows[n]] == [k.text for k in prev[1][n]]:
            n += 1                                           # header rows repeated on the new page
        first, last = rows[n], prev[1][-1]
        if _finishes_row(first, last):
            done: set[int] = set()
            for j, k in enumerate(first):
                if normalize_ws(k.text) and id(last[j]) not in done and id(k) not in done:
                    done.update((id(last[j]), id(k)))
                    last[j].text = _join(normalize_ws(last[j].text), normalize_ws(k.text))
            swap = {id(k): last[j] for j, k in enumerate(first)}
            n += 1
        else:
            swap = {id(k): last[j] for j, k in enumerate(first) if not normalize_ws(k.text)}
        prev[1].extend([swap.get(id(k), k) for k in row] for row in rows[n:])
    return out


def _join(a: str, b: str) -> str:
    """Two pieces of one paragraph: no space where either side is CJK."""
    return a + ("" if not a or _CJK_END.search(a) or _CJK_START.search(b) else " ") + b


def _title(first_page: list[tuple]) -> str | None:
    """The visible title: the lines opening the first page in a font at least 1.2× the size
    of the page's body text (the median line), joined; None if there are none."""
    sizes = sorted(it[4] for it in first_page if it[0] == "line")
    head = []
    for it in first_page[:4]:
        if it[0] != "line" or it[4] < 1.2 * sizes[len(sizes) // 2]:
            break
        head.append(it[1])
    title = ""
    for line in head:
        title = _join(title, line)
    return title if 4 <= len(title) <= 120 and re.search(r"[\u4e00-\u9fff]", title) else None


def read_pdf(data: bytes, *, engine: str | None = None) -> Document:
    """The PDF in `data` as a Document. engine 'auto' (the default, or $OGI_PDF_ENGINE) reads
    through PDFium where it can; 'pdfplumber' always through pdfplumber (the same output for
    ~4× the CPU: for comparisons, or to rule the fast path out when in doubt)."""
    engine = engine or os.environ.get("OGI_PDF_ENGINE") or "auto"
    if engine not in ("auto", "pdfplumber"):
        raise ValueError(f"unknown PDF engine {engine!r} (auto, pdfplumber)")
    pages = None
    if engine == "auto":
        try:
            pages = read_pages(data, _laid_out)
        except Exception:    # noqa: BLE001 - Unsupported, or whatever PDFium's path trips on
            pages = None
    if pages is None:
        pages = _plumber_pages(data)
    items: list[tuple] = []
    chars = images = 0
    title = None
    for number, (page_items_, n_chars, n_images) in enumerate(pages, 1):
        chars += n_chars
        images += n_images
        if page_items_ and page_items_[0][0] == "table" and items and items[-1][0] == "table":
            page_items_[0] = ("table", page_items_[0][1], True, page_items_[0][3])   # may continue the last table
        if number == 1:
            title = _title(page_items_)
        items.extend(page_items_)
    if chars == 0:
        if images:
            raise ReadError("no text layer: the PDF appears to be scanned images; OCR is not supported")
        raise ReadError("no text")
    doc = _emit(_merge(items))
    if title:
        doc.meta["title"] = title
    return doc


def _laid_out(po) -> tuple[list[tuple], int, int]:
    return page_items(po), len(po.chars), po.images


def _plumber_pages(data: bytes) -> list[tuple[list[tuple], int, int]]:
    """Every page laid out from pdfplumber's objects; damaged or encrypted files → ReadError."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as e:
        inner = e.args[0] if e.args else e
        if "Password" in type(inner).__name__:
            raise ReadError("encrypted PDF: it needs a password to open") from None
        if "Encrypt" in type(inner).__name__:
            raise ReadError(f"encrypted PDF: unsupported encryption ({inner})") from None
        raise ReadError(f"corrupt or truncated PDF: {type(inner).__name__} {inner}".strip()) from None
    except Exception as e:   # pdfminer raises all kinds of errors on damaged files
        raise ReadError(f"corrupt or truncated PDF: {type(e).__name__} {e}".strip()) from None
    pages = []
    try:
        with pdf:
            for page in pdf.pages:
                pages.append(_laid_out(from_plumber(page)))
                page.close()
    except Exception as e:
        raise ReadError(f"corrupt or truncated PDF: {type(e).__name__} {e}".strip()) from None
    return pages


def _emit(items: list[tuple]) -> Document:
    out = TextBuilder()
    para = ""
    margins: dict[float, tuple[float, float]] = {}    # page width → text's (left, right) edges
    for it in items:
        if it[0] == "line":
            left, right = margins.get(it[5], (it[2], it[3]))
            margins[it[5]] = (min(left, it[2]), max(right, it[3]))
    for it in items:
        if it[0] == "line":
            _, text, x0, x1, size, width = it
            left, right = margins[width]
            if para and (x0 > left + 1.5 * size or _HEADING.match(text)):   # a new paragraph
                out.line(para)
                para = ""
            para = _join(para, text)
            if x1 < right - 2.5 * size:                   # short line: the paragraph ends
                out.line(para)
                para = ""
        elif it[0] == "table":
            if para:
                out.line(para)
                para = ""
            out.table(it[1])
    if para:
        out.line(para)
    text = out.text()
    if "(cid:" in text and text.count("(cid:") * 6 > len(text) / 3:
        raise ReadError("no usable text layer: the PDF's fonts have no Unicode mapping; OCR is not supported")
    if not text.strip():
        raise ReadError("no text")
    return Document(text=text, format="pdf", tables=out.tables)
