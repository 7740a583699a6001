"""The fast PDF path: PDFium gives pdfplumber's chars and ruling graphics, or declines; cell text.

Small PDFs written here exercise one content-stream feature each (text state operators,
transforms, forms, path painting); for each the fast path's PageObjects must equal those
pdfplumber makes of the same page (text, boxes to 0.01 pt, visible lines/rects/curves), or the
document must be declined (`Unsupported`) — and the reader's output then is pdfplumber's.
The two places where PDFium reads a file better than pdfminer are pinned too.
"""
from __future__ import annotations

import io
import random
import re

import pdfplumber
import pytest
from pdfplumber.utils import extract_text

from pipeline.read_pdf import read_pdf
from pipeline.read_pdf_layout import from_plumber
from pipeline.read_pdf_pdfium import Unsupported, read_pages
from pipeline.read_pdf_tables import cell_text

HELLO = "BT /F1 12 Tf 20 150 Td (Hello World 123) Tj ET"


def make_pdf(content: str, forms: dict[str, str] | None = None, mediabox: str = "0 0 300 200",
             page_extra: str = "", font: str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                                               "/Encoding /WinAnsiEncoding >>") -> bytes:
    """A one-page PDF: `content` drawn with Helvetica as /F1 and form XObjects /X1… from `forms`
    (name → content, each with its own /Matrix [1 0 0 1 5 -30])."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [4 0 R] /Count 1 >>", font, None]
    xobjects = []
    for name, body in (forms or {}).items():
        objs.append(f"<< /Type /XObject /Subtype /Form /BBox [0 0 300 200] /Matrix [1 0 0 1 5 -30] "
                    f"/Resources << /Font << /F1 3 0 R >> >> /Length {len(body)} >>\nstream\n{body}\nendstream")
        xobjects.append(f"/{name} {len(objs)} 0 R")
    objs.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
    objs[3] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [{mediabox}] {page_extra} /Contents {len(objs)} 0 R "
               f"/Resources << /Font << /F1 3 0 R >> /XObject << {' '.join(xobjects)} >> >> >>")
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def _chars(page) -> list[tuple]:
    return [(c["text"],) + tuple(round(c[k], 2) for k in ("x0", "x1", "top", "bottom", "size")) for c in page.chars]


def _graphics(page) -> list[tuple]:
    return sorted((g["object_type"],) + tuple(round(g[k], 2) for k in ("x0", "top", "x1", "bottom"))
                  for g in page.graphics)


def both(data: bytes):
    [fast] = read_pages(data, lambda page: page)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        slow = from_plumber(pdf.pages[0])
    return fast, slow


GRID = "0 0 0 RG 20 20 m 200 20 l 20 40 m 200 40 l 20 20 m 20 40 l 200 20 m 200 40 l S"


@pytest.mark.parametrize("content", [
    HELLO,
    "BT 3 Tr /F1 12 Tf 20 150 Td (Invisible OCR layer) Tj ET",         # text nobody sees is still text
    "BT /F1 12 Tf 50 Tz 20 150 Td (Condensed) Tj ET",                  # horizontal scaling
    "BT /F1 12 Tf 2 Tc 5 Tw 20 150 Td (Char and word spacing) Tj ET",
    "BT /F1 12 Tf 20 150 Td (Base) Tj 4 Ts (raised) Tj ET",            # text rise
    "BT /F1 1 Tf 12 0 0 12 20 150 Tm (Text matrix) Tj ET",
    "q 2 0 0 2 10 10 cm BT /F1 6 Tf 5 60 Td (Scaled by cm) Tj ET Q",
    "BT /F1 12 Tf 20 150 Td [(A) -500 (B) 200 (C)] TJ ET",
    f"q 1 0 0 -1 0 200 cm {GRID} 20 60 100 20 re S Q {HELLO}",         # Word's flipped page CTM
    f"{GRID} 10 60 m 50 60 l 50 90 l h S 60 60 m 70 80 80 60 v 90 60 100 70 y S {HELLO}",
    f"1 1 1 rg 30 30 50 20 re f 0.5 g 40 40 10 10 re f 1 1 1 RG 20 60 m 200 60 l S {HELLO}",   # white boxes
    f"20 20 m 200 20 l n 20 20 100 50 re W n 0 0 0 1 K 5 5 m 100 5 l S {HELLO}",   # unpainted, clip, CMYK
    f"q 1 0 0 1 30 20 cm /X1 Do Q {HELLO}",
], ids=["plain", "invisible", "Tz", "Tc-Tw", "Ts", "Tm", "cm", "TJ", "flipped", "paths", "white",
        "n-clip-cmyk", "form"])
def test_fast_path_objects_are_pdfplumbers(content):
    fast, slow = both(make_pdf(content, forms={"X1": f"{GRID} BT /F1 10 Tf 20 150 Td (In a form) Tj ET"}))
    assert _chars(fast) == _chars(slow) and fast.chars
    assert _graphics(fast) == _graphics(slow)
    assert (fast.width, fast.height) == (slow.width, slow.height) == (300, 200)


@pytest.mark.parametrize("data, why", [
    (make_pdf("BT /F1 12 Tf 0 1 -1 0 100 50 Tm (Upwards) Tj ET"), "rotated, skewed or mirrored text"),
    (make_pdf(HELLO, page_extra="/Rotate 90"), "rotated page"),
    (make_pdf(HELLO, mediabox="10 10 310 210"), "MediaBox not at the origin"),
    (make_pdf(HELLO)[:-7], "no end-of-file marker (truncated?)"),
    (make_pdf("BT /F1 12 Tf 20 150 Td (AB) Tj ET", font="<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] "
              "/FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << >> /Encoding << /Type /Encoding /Differences "
              "[65 /g1 /g2] >> /FirstChar 65 /LastChar 66 /Widths [600 600] >>"), "a character without a Unicode mapping"),
], ids=["rotated-text", "rotated-page", "offset-mediabox", "truncated", "unmapped-glyphs"])
def test_what_the_fast_path_does_not_reproduce_goes_to_pdfplumber(data, why):
    with pytest.raises(Unsupported, match="^" + re.escape(why)):
        read_pages(data, lambda page: page)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        has_text = bool(pdf.pages[0].chars)
    if has_text:
        assert read_pdf(data).text == read_pdf(data, engine="pdfplumber").text


def test_text_drawn_twice_in_place_is_read_once():
    """Word processors fake bold by drawing a word twice at (nearly) the same place: PDFium reads
    it once, pdfminer twice ('BBoolldd')."""
    data = make_pdf("BT /F1 12 Tf 20 150 Td (Bold) Tj ET BT /F1 12 Tf 20.3 150 Td (Bold) Tj ET")
    assert read_pdf(data).text == "Bold\n"
    assert read_pdf(data, engine="pdfplumber").text == "BBoolldd\n"


def test_a_forms_matrix_stays_inside_the_form():
    """`Do` saves and restores the graphics state: the text after a form XObject is where the
    page puts it (pdfminer moves it by the form's /Matrix)."""
    data = make_pdf(f"/X1 Do {HELLO}", forms={"X1": "BT /F1 10 Tf 20 100 Td (In a form) Tj ET"})
    fast, slow = both(data)
    hello = [c for c in fast.chars if c["text"] == "H"]
    assert [round(c["bottom"], 2) for c in hello] == [round(200 - 150 + 0.207 * 12, 2)]
    assert [round(c["bottom"], 2) for c in slow.chars if c["text"] == "H"] == [round(200 - 120 + 0.207 * 12, 2)]


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown PDF engine"):
        read_pdf(make_pdf(HELLO), engine="mupdf")


def test_cell_text_is_pdfplumbers_extract_text():
    """Random cells: chars on one or several lines (tops 0.3–6 pt apart), touching, gapped or
    overlapping, with blanks and a ligature; the direct computation and pdfplumber's agree."""
    rng = random.Random(8)
    for _ in range(400):
        chars = []
        for _ in range(rng.randint(1, 10)):
            top = rng.choice([100.0, 101.5, 103.0, 104.2, 110.0, 96.9]) + rng.choice([0, 0.3])
            x0 = rng.choice([10.0, 12.0, 13.0, 14.0, 15.5, 20.0]) + rng.random() * rng.choice([0, 2])
            chars.append({"text": rng.choice("ab c1ﬁ X"), "x0": x0, "x1": x0 + rng.choice([0.0, 2.0, 4.0]),
                          "top": top, "bottom": top + 10, "doctop": top, "upright": True})
        assert cell_text(chars) == extract_text(chars), chars
