"""Reader dispatch: one downloaded file → `Document`, or `ReadError` with a plain message.

Role: the single entry point the pipeline calls, `read_document(path, data)`. It refuses
empty and oversized files before looking at their content (the limit: `OGI_MAX_FILE_MB`
megabytes, default 50; `check_size` lets a caller refuse a file before reading it), then
picks a reader by content sniffing first (PDF magic `%PDF-`, a ZIP holding `word/` → DOCX, the
OLE2 magic → legacy .doc/.wps, HTML-ish markup → HTML) and by the file extension second (.md →
Markdown, anything else → plain text). Every reader returns text whose table cells satisfy
`doc.text[cell.start:cell.end] == cell.text`; a document without any text is a ReadError.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from pipeline.model import Document, ReadError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_FILE_ENV = "OGI_MAX_FILE_MB"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_EXT = {".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"}
_MARKUP = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title|div|table|p|span|font|center)[\s>/]", re.I)


def _size(n: int) -> str:
    for unit, scale in (("MB", 1048576), ("KB", 1024)):
        if n >= scale * (1 if unit == "MB" else 10):
            x = n / scale
            return (f"{x:.0f}" if x >= 10 else f"{x:.2f}".rstrip("0").rstrip(".")) + f" {unit}"
    return f"{n} bytes"


def max_file_bytes() -> int:
    """The size limit in bytes: $OGI_MAX_FILE_MB megabytes (may be fractional), else 50 MB."""
    value = os.environ.get(MAX_FILE_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_BYTES
    try:
        limit = float(value)
    except ValueError:
        limit = -1
    if not limit > 0:
        raise ReadError(f"invalid {MAX_FILE_ENV}={value!r}: it must be a positive number of megabytes")
    return int(limit * 1048576)


def check_size(size: int, max_bytes: int | None = None) -> None:
    """ReadError for an empty file or one over the limit (default: `max_file_bytes()`)."""
    limit = max_file_bytes() if max_bytes is None else max_bytes
    if size > limit:
        raise ReadError(f"file too large: {_size(size)} (limit {_size(limit)}; set {MAX_FILE_ENV} to change it)")
    if size == 0:
        raise ReadError("empty file")


def sniff(path: Path, data: bytes) -> str:
    """The reader to use: pdf, docx, doc, wps, html, md or txt."""
    head = data[:4096]
    suffix = path.suffix.lower()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data:
            return "docx"
        if b"OFD.xml" in data:
            raise ReadError("unsupported format: OFD (China's fixed-layout document format) is not supported")
        raise ReadError("not a report document: a zip archive that holds no Word document")
    if head.startswith(_OLE2):
        return "wps" if suffix == ".wps" else "doc"
    if head.startswith(b"{\\rtf"):
        raise ReadError("unsupported format: RTF (save it as .docx or .pdf)")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in _HTML_EXT or (stripped.startswith(b"<") and _MARKUP.search(head)):
        return "html"
    if suffix in (".pdf", ".docx", ".doc", ".wps"):
        kind = suffix.lstrip(".").upper()
        raise ReadError(f"not a {kind} file: its content does not match the .{suffix.lstrip('.')} format "
                        "(an incomplete download or an error page?)")
    return "md" if suffix in (".md", ".markdown") else "txt"


def read_document(path: Path, data: bytes | None = None, max_bytes: int | None = None) -> Document:
    """Read one file. `data` may be omitted: the file's size is then checked before it is read.
    `max_bytes` defaults to `max_file_bytes()`."""
    path = Path(path)
    check_size(len(data) if data is not None else path.stat().st_size, max_bytes)
    if data is None:
        data = path.read_bytes()
    kind = sniff(path, data)
    if kind == "pdf":
        from pipeline.read_pdf import read_pdf
        doc = read_pdf(data)
    elif kind == "docx":
        from pipeline.read_docx import read_docx
        doc = read_docx(data)
    elif kind in ("doc", "wps"):
        from pipeline.read_doc import read_legacy
        doc = read_legacy(path, data, kind)
    elif kind == "html":
        from pipeline.read_html import read_html
        doc = read_html(data)
    else:
        from pipeline.read_text import read_text
        doc = read_text(data, kind)
    if not doc.text.strip():
        raise ReadError("no text")
    return doc
