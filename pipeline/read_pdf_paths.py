"""PDF ruling graphics through PDFium, as pdfminer and pdfplumber see them.

Role: the graphics half of the PDFium source (`read_pdf_pdfium`): every path object of a page,
in forms too (their matrices composed), becomes pdfminer's operators ('m', 'l', 'c', 'h') in
device space, split into subpaths at each 'm' and classified like pdfminer's paint_path into a
line (one segment), a rect (a closed axis-aligned four-sided loop) or a curve, with pdfplumber's
coordinates (`top` from the page's top edge). Only what pdfminer would keep and the reader's
filter would let through is kept: unpainted paths ('n', clipping) are skipped, and so are white
lines and boxes neither stroked nor filled in a visible colour. Images are counted.
"""
from __future__ import annotations

import ctypes
import re

import pypdfium2.raw as R

_SUBPATH = re.compile(r"m[^m]+")


class Unsupported(Exception):
    """This document is read by the pdfplumber path instead."""


def graphics(raw, height: float, doctop: float) -> tuple[list[dict], int]:
    """The visible paths of page `raw` (in forms too) as pdfminer's lines, rects and curves,
    and the number of images."""
    out: list[dict] = []
    images = 0
    todo = [(R.FPDFPage_GetObject(raw, i), None) for i in range(R.FPDFPage_CountObjects(raw))]
    todo.reverse()
    m = R.FS_MATRIX()
    while todo:
        obj, parent = todo.pop()
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_IMAGE:
            images += 1
            continue
        if kind not in (R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_FORM):
            continue
        if not R.FPDFPageObj_GetMatrix(obj, m):
            raise Unsupported("a graphic without its matrix")
        matrix = _compose((m.a, m.b, m.c, m.d, m.e, m.f), parent)
        if kind == R.FPDF_PAGEOBJ_FORM:
            todo.extend(reversed([(R.FPDFFormObj_GetObject(obj, i), matrix)
                                  for i in range(R.FPDFFormObj_CountObjects(obj))]))
            continue
        fillmode, stroke = ctypes.c_int(), ctypes.c_int()
        if not R.FPDFPath_GetDrawMode(obj, fillmode, stroke):
            raise Unsupported("a path without its draw mode")
        if not fillmode.value and not stroke.value:
            continue                              # 'n': pdfminer paints nothing
        white_line = _white(R.FPDFPageObj_GetStrokeColor, obj)
        seen = (stroke.value and not white_line) or (fillmode.value and not _white(R.FPDFPageObj_GetFillColor, obj))
        for shape, pts in _subpaths(obj, matrix):
            item = _classify(shape, pts, height, doctop)
            if (not white_line) if item["object_type"] == "line" else seen:
                out.append(item)
    return out, images


def _compose(m: tuple, parent: tuple | None) -> tuple:
    if parent is None:
        return m
    a, b, c, d, e, f = m
    pa, pb, pc, pd, pe, pf = parent
    return (a * pa + b * pc, a * pb + b * pd, c * pa + d * pc, c * pb + d * pd,
            e * pa + f * pc + pe, e * pb + f * pd + pf)


def _white(getter, obj) -> bool:
    """pdfminer's test for graphics nobody sees, on PDFium's RGB: a colour at least 95% white
    (a pattern is never white)."""
    rgba = [ctypes.c_uint() for _ in range(4)]
    return bool(getter(obj, *rgba)) and min(v.value for v in rgba[:3]) >= 242


def _subpaths(obj, matrix: tuple) -> list[tuple[str, list]]:
    """The path as pdfminer's operators ('m', 'l', 'c', 'h') and their end points in device
    space, split at every 'm' the way pdfminer splits it."""
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    shape, pts, start, bezier = [], [], None, 0
    for i in range(R.FPDFPath_CountSegments(obj)):
        seg = R.FPDFPath_GetPathSegment(obj, i)
        R.FPDFPathSegment_GetPoint(seg, x, y)
        pt = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = R.FPDFPathSegment_GetType(seg)
        if kind == R.FPDF_SEGMENT_MOVETO:
            shape.append("m")
            pts.append(pt)
            start = pt
        elif kind == R.FPDF_SEGMENT_LINETO:
            shape.append("l")
            pts.append(pt)
        elif kind == R.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier % 3:
                continue                          # control points: pdfminer keeps the end point
            shape.append("c")
            pts.append(pt)
        else:
            raise Unsupported("an unknown path segment")
        if R.FPDFPathSegment_GetClose(seg):
            shape.append("h")
            pts.append(start)
    text = "".join(shape)
    return [(text[m.start():m.end()], pts[m.start():m.end()]) for m in _SUBPATH.finditer(text)]


def _classify(shape: str, pts: list, height: float, doctop: float) -> dict:
    """pdfminer's paint_path for one subpath: a line, a rect or a curve (as pdfplumber's dict)."""
    pts = list(pts)
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in ("mlh", "ml"):
        kind, corners = "line", pts[:2]
    elif shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            kind, corners = "rect", [pts[0], pts[2]]
        else:
            kind, corners = "curve", pts
    else:
        kind, corners = "curve", pts
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    top = height - y1
    item = {"object_type": kind, "x0": x0, "x1": x1, "y0": y0, "y1": y1, "top": top,
            "bottom": height - y0, "doctop": doctop + top, "width": x1 - x0, "height": y1 - y0}
    if kind == "curve":
        item["pts"] = [(px, height - py) for px, py in pts]
    return item
