"""PDF page layout: one page's chars and ruling graphics → text lines and table grids in order.

Role: the page half of the PDF reader, the same whichever library parsed the page (PDFium,
`read_pdf_pdfium`, or pdfplumber, `from_plumber`): the ruled tables (`read_pdf_tables`:
pdfplumber's table finder, default 'lines' strategy, over the visible ruling graphics; cells
with the text pdfplumber extracts for them), and the chars outside every table as pdfplumber's
text lines. Items come back in reading order (top to bottom) with each table at its vertical
position, and the bare page numbers at the top/bottom of the page dropped.
"""
from __future__ import annotations

import re
from operator import itemgetter

from pdfplumber.utils import chars_to_textmap

from pipeline.read_pdf_pdfium import PageObjects
from pipeline.read_pdf_tables import find_tables, grid
from pipeline.read_text import normalize_ws

_PAGE_NO = re.compile(r"^[-－—–_\s]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／共]\s*\d{1,4}\s*页?)?[-－—–_\s]*$")
_CJK_ASCII_GAP = re.compile(r"(?<=[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f])\s+(?=[0-9A-Za-z])|"
                            r"(?<=[0-9A-Za-z])\s+(?=[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f])")


def tight(s: str) -> str:
    """Whitespace-normalised text without the gaps word processors put between CJK and Latin
    letters or digits ('2024 年' → '2024年'); pdfplumber reads such gaps as spaces."""
    return _CJK_ASCII_GAP.sub("", normalize_ws(s))


def _white(color) -> bool:
    if color is None or isinstance(color, str):
        return False
    c = tuple(color) if isinstance(color, (tuple, list)) else (color,)
    if not c or not all(isinstance(v, (int, float)) for v in c):
        return False
    return min(c) >= 0.95 if len(c) in (1, 3) else (len(c) == 4 and max(c) <= 0.05)


def _visible(obj: dict) -> bool:
    """False for graphics nobody sees: white lines, unstroked white-filled boxes."""
    if obj["object_type"] == "line":
        return not _white(obj.get("stroking_color"))
    stroked = obj.get("stroke") and not _white(obj.get("stroking_color"))
    filled = obj.get("fill") and not _white(obj.get("non_stroking_color"))
    return bool(stroked or filled)


def from_plumber(page) -> PageObjects:
    """A pdfplumber page as PageObjects (its visible ruling graphics only)."""
    objs = page.objects
    graphics = [o for kind in ("line", "rect", "curve") for o in objs.get(kind, []) if _visible(o)]
    return PageObjects(page.page_number, page.width, page.height, objs.get("char", []), graphics,
                       len(objs.get("image", [])), tuple(page.bbox))


def page_items(po: PageObjects) -> list[tuple]:
    """('line', text, x0, x1, size, page width) and ('table', grid, False, column edges) items
    of one page in reading order."""
    tables = []
    if po.graphics:
        for t in find_tables(po):
            rows = t.rows
            if len(rows) >= 2 and len({c[0] for c in t.cells}) >= 2:
                tables.append((t, rows))
    boxes = [t.bbox for t, _ in tables]
    chars = po.chars
    placed = []
    if tables:
        mids = sorted(((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, i) for i, c in enumerate(chars))
        for t, rows in tables:
            edges = sorted({round(c[0]) for c in t.cells} | {round(t.bbox[2])})
            placed.append((t.bbox[1], ("table", grid(t, rows, mids, chars, tight), False, edges)))
        chars = [c for c in chars if not _inside(c, boxes)]
    textmap = chars_to_textmap(chars, layout_bbox=po.bbox or (0, 0, po.width, po.height), layout_width=po.width,
                               layout_height=po.height)
    for ln in textmap.extract_text_lines(strip=True, return_chars=True):
        if ln["text"].strip():
            size = max((c.get("size") or 0) for c in ln["chars"]) or 10.0
            placed.append((ln["top"], ("line", tight(ln["text"]), ln["x0"], ln["x1"], size, po.width)))
    placed.sort(key=itemgetter(0))
    items = [p[1] for p in placed]
    for end in (0, -1):                      # bare page numbers in the header/footer
        if items and items[end][0] == "line" and _PAGE_NO.match(items[end][1]):
            items.pop(end)
    return items


def _inside(c: dict, boxes: list) -> bool:
    x, y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)
