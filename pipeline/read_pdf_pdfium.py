"""PDF page objects through PDFium (pypdfium2): the fast source of the PDF reader.

Role: parse a PDF with PDFium (C++, Apache/BSD) instead of pdfminer's pure-Python content
stream interpreter (~85% of the reader's CPU), and hand each page's characters, visible ruling
graphics (`read_pdf_paths`) and image count to the page layout (`read_pdf_layout`) as the
plain dicts pdfplumber would have made of the same page: a char's box is pdfminer's (origin,
advance, font descent and size; vertical writing as pdfminer boxes it; `top` measured from the
page's top edge). Characters PDFium infers (spaces, line breaks) are skipped. What this module
does not reproduce — rotated pages or pages whose MediaBox is not at the origin, rotated or
mirrored text, characters without a Unicode mapping, a file PDFium cannot open or whose
end-of-file marker is missing (truncated) — raises `Unsupported`, and the reader reads that
document through pdfplumber, exactly as before. PDFium reads two things better than pdfminer:
text drawn twice in place (fake bold) once, and a form XObject's /Matrix only inside the form.
"""
from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as R
from pdfminer.fontmetrics import FONT_METRICS

from pipeline.read_pdf_paths import Unsupported, graphics

__all__ = ["PageObjects", "Unsupported", "read_pages"]

_LOCK = threading.Lock()          # PDFium is not thread-safe
T = TypeVar("T")


def _fast(fn, restype, *argtypes):
    """`fn` called with plain ints for handles (no pointer type checks, hashable results):
    the per-char calls are most of this module's time."""
    proto = type(fn)(ctypes.cast(fn, ctypes.c_void_p).value)
    proto.restype, proto.argtypes = restype, argtypes
    return proto


_VP, _INT, _D = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_double)
_generated = _fast(R.FPDFText_IsGenerated, _INT, _VP, _INT)
_map_error = _fast(R.FPDFText_HasUnicodeMapError, _INT, _VP, _INT)
_text_object = _fast(R.FPDFText_GetTextObject, _VP, _VP, _INT)
_unicode = _fast(R.FPDFText_GetUnicode, ctypes.c_uint, _VP, _INT)
_loose_box = _fast(R.FPDFText_GetLooseCharBox, _INT, _VP, _INT, ctypes.POINTER(R.FS_RECTF))
_origin = _fast(R.FPDFText_GetCharOrigin, _INT, _VP, _INT, _D, _D)
_matrix = _fast(R.FPDFText_GetMatrix, _INT, _VP, _INT, ctypes.POINTER(R.FS_MATRIX))
_font_size = _fast(R.FPDFText_GetFontSize, ctypes.c_double, _VP, _INT)
_font = _fast(R.FPDFTextObj_GetFont, _VP, _VP)
_descent = _fast(R.FPDFFont_GetDescent, _INT, _VP, ctypes.c_float, ctypes.POINTER(ctypes.c_float))
_base_name = _fast(R.FPDFFont_GetBaseFontName, ctypes.c_size_t, _VP, ctypes.c_char_p, ctypes.c_size_t)
_embedded = _fast(R.FPDFFont_GetIsEmbedded, _INT, _VP)


@dataclass
class PageObjects:
    """One page as pdfplumber dicts: chars, visible ruling graphics (line/rect/curve), images."""
    number: int
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    graphics: list[dict] = field(default_factory=list)
    images: int = 0
    bbox: tuple | None = None          # pdfplumber's page bbox, when not (0, 0, width, height)


def read_pages(data: bytes, layout: Callable[[PageObjects], T]) -> list[T]:
    """`layout` of every page of the PDF in `data`, one page in memory at a time; raises
    Unsupported where pdfplumber must read the document."""
    if b"%%EOF" not in data[-2048:]:
        raise Unsupported("no end-of-file marker (truncated?)")
    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            raise Unsupported(str(e)) from None
        try:
            out, doctop = [], 0.0
            for i in range(len(pdf)):
                page = pdf[i]
                try:
                    objects = _page(page, i + 1, doctop)
                finally:
                    page.close()
                doctop += objects.height
                out.append(layout(objects))
            return out
        except pdfium.PdfiumError as e:
            raise Unsupported(str(e)) from None
        finally:
            pdf.close()


def _page(page, number: int, doctop: float) -> PageObjects:
    raw = page.raw
    if R.FPDFPage_GetRotation(raw) != 0:
        raise Unsupported("rotated page")
    box = [ctypes.c_float() for _ in range(4)]
    if not R.FPDFPage_GetMediaBox(raw, *box):
        raise Unsupported("no MediaBox")
    x0, y0, x1, y1 = (b.value for b in box)
    if x0 != 0 or y0 != 0:
        raise Unsupported("MediaBox not at the origin")
    out = PageObjects(number, x1, y1)
    textpage = page.get_textpage()
    try:
        out.chars = _chars(textpage.raw, y1, doctop)
    finally:
        textpage.close()
    out.graphics, out.images = graphics(raw, y1, doctop)
    return out


def _chars(tp, height: float, doctop: float) -> list[dict]:
    """The page's chars with pdfminer's boxes, one text object (one show-text operator) at a
    time: a horizontal char spans its advance from the origin and [descent, descent + size]
    around the baseline; a char of vertical writing (the column's chars stacked downwards, or
    PDFium's loose box a square of the unscaled font size) is the size × size square whose
    lower left corner PDFium reports as the origin (pdfminer's box for the default vertical
    metrics). The descent is the font's (PDFium reads the descriptor, or the font program when
    the descriptor has none)."""
    chars: list[dict] = []
    count = R.FPDFText_CountChars(tp)
    tp = ctypes.cast(tp, ctypes.c_void_p).value
    rect, ox, oy, matrix = R.FS_RECTF(), ctypes.c_double(), ctypes.c_double(), R.FS_MATRIX()
    pox, poy = ctypes.pointer(ox), ctypes.pointer(oy)
    fonts: dict[int, float] = {}
    group: list[tuple] = []
    last = None
    size = descent = unscaled = 0.0
    for i in range(count):
        if _generated(tp, i):
            continue
        if _map_error(tp, i):
            raise Unsupported("a character without a Unicode mapping")
        key = _text_object(tp, i)
        if key is None:
            raise Unsupported("a character without its text object")
        if key != last:
            _emit(chars, group, size, descent, unscaled, height, doctop)
            group = []
            _matrix(tp, i, matrix)
            if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
                raise Unsupported("rotated, skewed or mirrored text")
            unscaled = _font_size(tp, i)
            size = unscaled * matrix.d
            font = _font(key)
            if font not in fonts:
                fonts[font] = _font_descent(font)
            descent = fonts[font] * size
            last = key
        _loose_box(tp, i, rect)
        _origin(tp, i, pox, poy)
        code = _unicode(tp, i)
        if not code:
            raise Unsupported("a character without a Unicode value")
        group.append((chr(code), ox.value, oy.value, rect.left, rect.right, rect.top - rect.bottom))
    _emit(chars, group, size, descent, unscaled, height, doctop)
    return chars


def _font_descent(font: int) -> float:
    """The descent pdfminer gives a font, per unit of font size (negative): the metrics it has
    built in for a standard font that is not embedded, else the descriptor's (which PDFium reads
    too, or takes from the font program when the descriptor has none)."""
    if not _embedded(font):
        buf = ctypes.create_string_buffer(128)
        n = _base_name(font, buf, len(buf))
        if 0 < n <= len(buf) and (std := FONT_METRICS.get(buf.value.decode("latin-1"))):
            return -abs(float(std[0]["Descent"])) / 1000.0
    d = ctypes.c_float()
    if not _descent(font, 1000.0, ctypes.byref(d)):
        raise Unsupported("a font without metrics")
    return min(d.value, -d.value) / 1000.0


def _emit(chars: list, group: list, size: float, descent: float, unscaled: float, height: float,
          doctop: float) -> None:
    if not group:
        return
    tol = 0.01 * size
    stacked = len(group) > 1 and all(abs(b[1] - a[1]) < tol and b[2] < a[2] - tol for a, b in zip(group, group[1:]))
    first, eps = group[0], 1e-3 * max(1.0, unscaled)
    loose = abs(unscaled - size) > tol and abs(first[4] - first[3] - unscaled) < eps and abs(abs(first[5]) - unscaled) < eps
    vertical = stacked or loose
    for text, x, y, left, right, _ in group:
        if vertical:
            x0, x1, bottom = x, x + size, height - y
        else:
            x0, x1, bottom = left, right, height - (y + descent)
        top = bottom - size
        chars.append({"object_type": "char", "text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                      "doctop": doctop + top, "width": x1 - x0, "height": size, "size": size,
                      "upright": True})
