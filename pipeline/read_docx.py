"""DOCX reader (python-docx): a Word 2007+ document → Document with its tables as grids.

Role: after a zip-bomb guard on the zip directory (total uncompressed size and compression
ratio), walk the body XML in order: paragraphs become lines, tables become grids with
gridSpan/vMerge (and gridBefore) expanded by repeating the same cell, a table holding tables
is treated as layout and its cells' content flows in order. Legacy .doc/.wps files are read
by `pipeline.read_doc`, which reuses `read_docx` for LibreOffice's conversions.
"""
from __future__ import annotations

import io
import zipfile

from pipeline.model import Document, ReadError
from pipeline.read_text import CellKey, TextBuilder, normalize_ws

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 200


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open the DOCX zip, refusing zip bombs and files that are not Word documents."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ReadError(f"corrupt DOCX: {e}") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED or (total > 20 * 1024 * 1024 and total / packed > MAX_RATIO):
        raise ReadError(f"DOCX too large when uncompressed (zip bomb?): {total // (1024 * 1024)} MB "
                        f"from {len(data) // 1024} KB")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise ReadError("not a Word document: the zip has no word/document.xml")
    return zf


def _para_lines(p) -> list[str]:
    parts = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        parts.append(el.text or "" if el.tag == W + "t" else (" " if el.tag == W + "tab" else "\n"))
    return [normalize_ws(s) for s in "".join(parts).split("\n")]


def _cell_text(tc) -> str:
    return " ".join(line for p in tc.iter(W + "p") for line in _para_lines(p) if line)


def _val(el, path: str, default=None):
    found = el.find(path)
    return default if found is None else found.get(W + "val", "continue" if path.endswith("vMerge") else default)


def _docx_grid(tbl) -> list[list[CellKey]]:
    grid: list[list[CellKey]] = []
    for tr in tbl.iter(W + "tr"):
        row: list[CellKey] = [CellKey("") for _ in range(int(_val(tr, f"{W}trPr/{W}gridBefore", 0) or 0))]
        for tc in tr.iter(W + "tc"):
            span = max(1, min(200, int(_val(tc, f"{W}tcPr/{W}gridSpan", 1) or 1)))
            merge = _val(tc, f"{W}tcPr/{W}vMerge")
            col = len(row)
            if merge == "continue" and grid and col < len(grid[-1]):
                key = grid[-1][col]
            else:
                key = CellKey(_cell_text(tc))
            row.extend([key] * span)
        grid.append(row)
    return grid


def _walk(elem, out: TextBuilder) -> None:
    for child in elem.iterchildren():
        if child.tag == W + "p":
            for line in _para_lines(child):
                out.line(line)
        elif child.tag == W + "tbl":
            if any(True for _ in child.iterdescendants(W + "tbl")):
                for tc in child.iter(W + "tc"):
                    if tc.getparent().getparent() is child:
                        _walk(tc, out)                      # layout table: flow its cells
            else:
                out.table(_docx_grid(child))
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"):
            _walk(child, out)


def read_docx(data: bytes, fmt: str = "docx") -> Document:
    import docx

    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx/lxml raise many kinds on damaged packages
        raise ReadError(f"corrupt DOCX: {type(e).__name__}: {e}") from None
    body = document.element.body
    for fallback in list(body.iter(MC + "Fallback")):     # drawing fallbacks repeat text boxes
        fallback.getparent().remove(fallback)
    out = TextBuilder()
    _walk(body, out)
    text = out.text()
    if not text.strip():
        raise ReadError("no text")
    meta = {}
    title = (document.core_properties.title or "").strip()
    if title and any("\u4e00" <= ch <= "\u9fff" for ch in title):
        meta["title"] = title
    return Document(text=text, format=fmt, tables=out.tables, meta=meta)
