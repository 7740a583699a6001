"""Reader dispatch: sniffing before extensions, size limit, empty/garbage/textless files."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.doc_helpers import FIXTURES, assert_offsets, fixture
from pipeline.model import ReadError
from pipeline.read import DEFAULT_MAX_BYTES, max_file_bytes, read_document, sniff




def test_content_beats_extension():
    pdf = (FIXTURES / "multipage.pdf").read_bytes()
    doc = read_document(Path("download.txt"), pdf)
    assert doc.format == "pdf" and len(doc.tables) == 1
    assert_offsets(doc)
    html = "<!DOCTYPE html><html><body><div id='zoom'><p>一、总体情况</p></div></body></html>".encode()
    assert read_document(Path("page.txt"), html).format == "html"
    assert sniff(Path("x.bin"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "doc"
    assert sniff(Path("x.wps"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "wps"
    assert sniff(Path("x.md"), "# 标题".encode()) == "md"
    assert sniff(Path("x"), "纯文本".encode()) == "txt"


def test_every_fixture_reads_with_offsets_intact():
    for name in ("002.pdf", "multipage.pdf", "h01.html"):
        assert_offsets(read_document(fixture(name)))


def test_empty_file(tmp_path):
    with pytest.raises(ReadError, match="^empty file$"):
        read_document(Path("a.pdf"), b"")
    (tmp_path / "b.txt").write_bytes(b"")
    with pytest.raises(ReadError, match="^empty file$"):
        read_document(tmp_path / "b.txt")


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024
    with pytest.raises(ReadError, match=r"^file too large: 2048 bytes \(limit 1000 bytes; set OGI_MAX_FILE_MB to change it\)$"):
        read_document(Path("a.txt"), b"x" * 2048, max_bytes=1000)
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:                       # a sparse 60 MB file
        fh.truncate(60 * 1024 * 1024)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("content was read"))
    with pytest.raises(ReadError, match=r"^file too large: 60 MB \(limit 50 MB; set OGI_MAX_FILE_MB to change it\)$"):
        read_document(big)


def test_size_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("OGI_MAX_FILE_MB", "0.01")                 # 10 KB
    assert max_file_bytes() == 10485
    with pytest.raises(ReadError, match=r"^file too large: 12 KB \(limit 10 KB; set OGI_MAX_FILE_MB to change it\)$"):
        read_document(Path("a.txt"), "年".encode() * 4096)
    assert read_document(Path("a.txt"), "年".encode() * 3000).text == "年" * 3000
    monkeypatch.setenv("OGI_MAX_FILE_MB", "1.5")
    with pytest.raises(ReadError, match=r"^file too large: 1.6 MB \(limit 1.5 MB; "):
        read_document(Path("a.txt"), b"x" * int(1.6 * 1048576))
    monkeypatch.setenv("OGI_MAX_FILE_MB", "lots")
    with pytest.raises(ReadError, match=r"^invalid OGI_MAX_FILE_MB='lots': it must be a positive number of megabytes$"):
        read_document(Path("a.txt"), b"x")
    monkeypatch.delenv("OGI_MAX_FILE_MB")
    assert max_file_bytes() == DEFAULT_MAX_BYTES


@pytest.mark.parametrize("name", ["junk.html", "junk.txt", "junk.htm"])
def test_binary_garbage_named_as_text(name):
    data = random.Random(7).randbytes(4096)
    with pytest.raises(ReadError, match="^not a text document: "):
        read_document(Path(name), data)


def test_control_characters_named_html():
    data = bytes(random.Random(3).choice(range(1, 9)) for _ in range(3000))
    with pytest.raises(ReadError, match="^not a text document: "):
        read_document(Path("junk.html"), data)


@pytest.mark.parametrize("name, data", [
    ("blank.txt", b"  \n\n\t \n"),
    ("blank.html", b"<html><body><div>   </div><script>var a=1;</script></body></html>"),
])
def test_document_without_text(name, data):
    with pytest.raises(ReadError, match="^no text$"):
        read_document(Path(name), data)


def test_misnamed_binary_formats():
    with pytest.raises(ReadError, match=r"^not a PDF file: "):
        read_document(Path("a.pdf"), "这不是PDF".encode())
    with pytest.raises(ReadError, match="^unsupported format: RTF"):
        read_document(Path("a.doc"), b"{\\rtf1\\ansi hello}")
    with pytest.raises(ReadError, match="^unsupported format: OFD"):
        read_document(Path("a.ofd"), b"PK\x03\x04" + b"\0" * 26 + b"OFD.xml")
