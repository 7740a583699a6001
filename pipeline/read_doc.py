"""Legacy Word reader: binary .doc/.wps → Document, through antiword or LibreOffice.

Role: `antiword -m UTF-8.txt -w 0` renders the file as text whose tables are '|'-delimited
rows; those rows are turned back into grids (columns aligned on the display position of each
'|', wrapped cell lines re-joined). antiword silently drops tables it cannot lay out, so its
output is checked against the document's own text, read from the Word 97 piece table
(`word97_text`): when numbers of the document are missing from the rendering, LibreOffice
(`soffice --headless --convert-to docx`) converts the file and `read_docx` reads it. Without
LibreOffice such a file is a ReadError saying what was lost and what to install; with neither
tool installed, a ReadError telling the user what to install.
"""
from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import olefile

from pipeline.model import Document, ReadError
from pipeline.read_docx import read_docx
from pipeline.read_text import CellKey, TextBuilder, normalize_ws

CONVERT_TIMEOUT = 120
_FIELD_CODE = re.compile(r"\x13[^\x13\x14\x15]*\x14([^\x13\x14\x15]*)\x15|\x13[^\x13\x14\x15]*\x15")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _is_number(t: str) -> bool:
    return t.replace(",", "").replace(".", "").replace("%", "").isdigit()


def _pipe_rows(lines: list[str]) -> list[list[CellKey]]:
    """antiword's '|a |b |' rows → grid. Columns align on the display position of each '|'
    (a cell spanning several positions repeats); a line holding only text in cells whose
    line above ran to the column's edge is a wrapped continuation and is joined on."""
    parsed = []
    for line in lines:
        segs, cuts, pos = line.strip()[1:-1].split("|"), [], 0
        for seg in segs:
            pos += _width(seg) + 1
            cuts.append(pos)
        parsed.append((segs, cuts))
    bounds = sorted({c for _, cuts in parsed for c in cuts})
    grid: list[list[CellKey]] = []
    fulls: list[list[bool]] = []
    for segs, cuts in parsed:
        keys: list[CellKey] = []
        full: list[bool] = []
        prev = 0
        for seg, cut in zip(segs, cuts):
            n = max(1, sum(1 for b in bounds if prev < b <= cut))
            keys += [CellKey(seg.strip())] * n
            full += [bool(seg.strip()) and _width(seg.rstrip()) >= _width(seg) - 2] * n
            prev = cut
        texts = [k.text for k in keys]
        if (grid and len(keys) == len(grid[-1]) and any(texts) and not any(map(_is_number, texts))
                and all(fulls[-1][j] for j, t in enumerate(texts) if t)):
            seen: set[int] = set()
            for j, t in enumerate(texts):
                if t and id(grid[-1][j]) not in seen:
                    seen.add(id(grid[-1][j]))
                    grid[-1][j].text += " " + t
                    fulls[-1][j] = full[j]
            continue
        grid.append(keys)
        fulls.append(full)
    return grid


def word97_text(data: bytes) -> str | None:
    """The main text of a Word 97+ .doc from its piece table (cells end with \\x07, paragraphs
    with \\r; field codes removed), or None when the file is not one. A reference for checking
    that antiword's rendering kept every number."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        wd = ole.openstream("WordDocument").read()
        if len(wd) < 0x1AA or struct.unpack_from("<H", wd, 0)[0] != 0xA5EC:
            return None
        table = "1Table" if struct.unpack_from("<H", wd, 0x0A)[0] & 0x0200 else "0Table"
        left, (fc_clx, lcb_clx) = struct.unpack_from("<I", wd, 0x4C)[0], struct.unpack_from("<II", wd, 0x1A2)
        clx, i = ole.openstream(table).read()[fc_clx:fc_clx + lcb_clx], 0
        while i < len(clx) and clx[i] == 1:                   # Prc entries: formatting, skipped
            i += 3 + struct.unpack_from("<H", clx, i + 1)[0]
        plc = clx[i + 5:i + 5 + struct.unpack_from("<I", clx, i + 1)[0]] if clx[i:i + 1] == b"\x02" else b""
        n = (len(plc) - 4) // 12
        cps, parts = struct.unpack_from(f"<{n + 1}I", plc) if n > 0 else (), []
        for k in range(max(n, 0)):
            fc, count = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0], min(cps[k + 1] - cps[k], left)
            if fc & 0x40000000:                                # 8-bit piece
                start = (fc & 0x3FFFFFFF) // 2
                parts.append(wd[start:start + count].decode("cp1252", "replace"))
            else:
                parts.append(wd[fc:fc + 2 * count].decode("utf-16-le", "replace"))
            left -= count
    except Exception:   # not OLE, no WordDocument stream, truncated structures
        return None
    text = "".join(parts)
    while (cut := _FIELD_CODE.sub(r"\1", text)) != text:
        text = cut
    return text if n > 0 else None


def _lost_numbers(reference: str, rendered: str) -> tuple[int, int]:
    """(numbers of `reference` missing from `rendered`, numbers in `reference`)."""
    want, got = Counter(_NUMBER.findall(reference)), Counter(_NUMBER.findall(rendered))
    return sum((want - got).values()), sum(want.values())


def _libreoffice(soffice: str, src: Path, tmp: str, fmt: str) -> Document:
    try:
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                        "--convert-to", "docx", "--outdir", tmp, str(src)], capture_output=True, timeout=CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ReadError(f"cannot read legacy .{fmt}: LibreOffice timed out after {CONVERT_TIMEOUT} s") from None
    out = Path(tmp) / "in.docx"
    if out.exists():
        return read_docx(out.read_bytes(), fmt)
    raise ReadError(f"cannot read legacy .{fmt}: LibreOffice could not convert it (corrupt file?)")


def ole_title(data: bytes) -> str | None:
    """The title in the file's summary information, when it has Chinese in it."""
    try:
        meta = olefile.OleFileIO(io.BytesIO(data)).get_metadata()
        raw, codepage = meta.title, (meta.codepage or 936) & 0xFFFF
        title = raw.decode("utf-8" if codepage == 65001 else f"cp{codepage}") if isinstance(raw, bytes) else raw
    except Exception:   # no or damaged summary information, unknown code page
        return None
    title = normalize_ws(title or "")
    return title if any("\u4e00" <= ch <= "\u9fff" for ch in title) else None


def read_legacy(path: Path, data: bytes, fmt: str = "doc") -> Document:
    """.doc/.wps: antiword (text; pipe tables → grids) when it renders every number of the
    document's own text, else LibreOffice → DOCX; meta title from the summary information."""
    doc = _read_legacy(data, fmt)
    if "title" not in doc.meta and (title := ole_title(data)):
        doc.meta["title"] = title
    return doc


def _read_legacy(data: bytes, fmt: str) -> Document:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    with tempfile.TemporaryDirectory(prefix="ogi-doc-") as tmp:
        src = Path(tmp) / f"in.{fmt}"
        src.write_bytes(data)
        if shutil.which("antiword"):
            try:
                run = subprocess.run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(src)], capture_output=True,
                                     timeout=CONVERT_TIMEOUT)
            except subprocess.TimeoutExpired:
                run = subprocess.CompletedProcess([], 1, b"", b"timed out")
            if run.returncode == 0 and run.stdout.strip():
                doc = _from_antiword(run.stdout.decode("utf-8", "replace"), fmt)
                lost, total = _lost_numbers(word97_text(data) or "", doc.text)
                if lost <= max(2, total // 20):
                    return doc
                if not soffice:
                    raise ReadError(f"cannot read legacy .{fmt} completely: antiword dropped {lost} of its {total} "
                                    "numbers (a complex table?); install LibreOffice (make system-deps)")
            elif not soffice:
                raise ReadError(f"cannot read legacy .{fmt}: antiword could not read it (not a Word 97+ file?) "
                                "and LibreOffice is not installed")
        if soffice:
            return _libreoffice(soffice, src, tmp, fmt)
    raise ReadError(f"cannot read legacy .{fmt}: install antiword or LibreOffice (make system-deps)")


def _from_antiword(text: str, fmt: str) -> Document:
    out = TextBuilder()
    lines = text.replace("\r", "").split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith("|") and lines[i].strip().endswith("|") and len(lines[i].strip()) > 1:
            j = i
            while j < len(lines) and lines[j].strip().startswith("|") and lines[j].strip().endswith("|"):
                j += 1
            out.table(_pipe_rows(lines[i:j]))
            i = j
            continue
        out.line(normalize_ws(lines[i]))
        i += 1
    if not out.text().strip():
        raise ReadError("no text")
    return Document(text=out.text(), format=fmt, tables=out.tables)
