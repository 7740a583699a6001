"""Word reader: DOCX body order and merged cells, zip-bomb guard, legacy .doc via antiword/LibreOffice."""
from __future__ import annotations

import io
import shutil
import struct
import zipfile
from pathlib import Path

import docx
import pytest

from pipeline import read_doc as rdoc
from pipeline import read_docx as rd
from tests.doc_helpers import FIXTURES, assert_offsets, texts
from pipeline.model import Document, ReadError
from pipeline.read import read_document





def make_docx(nested: bool = False) -> bytes:
    d = docx.Document()
    d.core_properties.title = "某区2023年政府信息公开工作年度报告"
    d.add_paragraph("某区2023年政府信息公开工作年度报告")
    d.add_paragraph("一、总体情况")
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "信息内容"                # gridSpan
    t.cell(0, 2).text, t.cell(0, 3).text = "本年制发件数", "现行有效件数"
    t.cell(1, 0).merge(t.cell(3, 0)).text = "三、本年度办理结果"       # vMerge over 3 rows
    for r, label in ((1, "（一）予以公开"), (2, "（二）部分公开"), (3, "（三）不予公开")):
        t.cell(r, 1).text, t.cell(r, 2).text, t.cell(r, 3).text = label, str(r), str(10 * r)
    if nested:
        inner = t.cell(3, 3).add_table(rows=1, cols=2)
        inner.cell(0, 0).text, inner.cell(0, 1).text = "内", "表"
    d.add_paragraph("二、其他\t事项")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_body_order_and_merged_cells():
    doc = read_document(Path("r.docx"), make_docx())
    assert_offsets(doc)
    assert doc.format == "docx" and doc.meta == {"title": "某区2023年政府信息公开工作年度报告"}
    assert doc.text == ("某区2023年政府信息公开工作年度报告\n一、总体情况\n\n信息内容 | 本年制发件数 | 现行有效件数\n"
                        "三、本年度办理结果 | （一）予以公开 | 1 | 10\n（二）部分公开 | 2 | 20\n（三）不予公开 | 3 | 30\n\n"
                        "二、其他事项\n")
    [t] = doc.tables
    assert [texts(r) for r in t.rows] == [
        ["信息内容", "信息内容", "本年制发件数", "现行有效件数"],
        ["三、本年度办理结果", "（一）予以公开", "1", "10"],
        ["三、本年度办理结果", "（二）部分公开", "2", "20"],
        ["三、本年度办理结果", "（三）不予公开", "3", "30"],
    ]
    assert t.rows[0][0] is t.rows[0][1] and t.rows[1][0] is t.rows[3][0]


def test_docx_table_with_nested_table_flows_as_layout():
    doc = read_document(Path("r.docx"), make_docx(nested=True))
    assert_offsets(doc)
    assert [texts(r) for t in doc.tables for r in t.rows] == [["内", "表"]]
    assert "三、本年度办理结果\n（一）予以公开\n1\n10\n" in doc.text


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_of_zeros():
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (40 * 1024 * 1024)})
    assert len(data) < 200_000
    with pytest.raises(ReadError, match=r"^DOCX too large when uncompressed \(zip bomb\?\)"):
        read_document(Path("bomb.docx"), data)


def test_zip_directory_declaring_a_huge_size():
    data = bytearray(make_docx())
    at = data.find(b"PK\x01\x02")                    # first central-directory entry
    struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)  # its uncompressed size
    with pytest.raises(ReadError, match="zip bomb"):
        read_document(Path("bomb.docx"), bytes(data))


def test_corrupt_and_foreign_zips():
    with pytest.raises(ReadError, match="^corrupt DOCX"):
        read_document(Path("x.docx"), make_docx()[:3000])
    with pytest.raises(ReadError, match="not a report document"):
        read_document(Path("x.docx"), _zip({"xl/workbook.xml": b"<x/>"}))


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword not installed (make system-deps)")
def test_legacy_doc_with_antiword():
    doc = read_document(FIXTURES / "legacy.doc")
    assert_offsets(doc)
    assert doc.format == "doc"
    assert doc.text.startswith("某某区2023年政府信息公开工作年度报告\n一、总体情况\n\n信息内容 | 本年新制作数量 | 对外公开总数量\n")
    t1, t2 = doc.tables
    assert texts(t1.rows[0]) == ["信息内容", "信息内容", "本年新制作数量", "对外公开总数量"]
    assert texts(t1.rows[1]) == ["规章", "11", "12", "13"] and texts(t1.rows[2])[1:] == ["21", "22", "23"]
    assert texts(t2.rows[0]) == ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）这是一个很长的单元格需要换行", "9", "10"]
    assert texts(t2.rows[1]) == ["（三）不予公开", "1", "2"]


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_legacy_doc_with_libreoffice(monkeypatch):
    real = shutil.which
    monkeypatch.setattr(rdoc.shutil, "which", lambda name: None if name == "antiword" else real(name))
    doc = read_document(FIXTURES / "legacy.doc")
    assert_offsets(doc)
    assert doc.format == "doc"
    t1 = doc.tables[0]
    assert texts(t1.rows[2]) == ["规章", "21", "22", "23"] and t1.rows[1][0] is t1.rows[2][0]


def test_legacy_doc_without_tools(monkeypatch):
    monkeypatch.setattr(rdoc.shutil, "which", lambda name: None)
    with pytest.raises(ReadError, match=r"^cannot read legacy \.doc: install antiword or LibreOffice \(make system-deps\)$"):
        read_document(FIXTURES / "legacy.doc")


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword not installed (make system-deps)")
def test_wps_named_ole_file_that_antiword_rejects(monkeypatch):
    real = shutil.which
    monkeypatch.setattr(rdoc.shutil, "which", lambda name: None if name in ("soffice", "libreoffice") else real(name))
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000
    with pytest.raises(ReadError, match=r"^cannot read legacy \.wps: antiword could not read it"):
        read_document(Path("x.wps"), fake)


def test_pipe_rows_align_spans_and_join_wrapped_cells():
    grid = rdoc._pipe_rows(["|信息内容" + " " * 21 + "|本年      |",
                          "|规章" + " " * 14 + "|1         |2         |",
                          "|（二）部分公开（区|3         |4         |",
                          "|分处理的）        |          |          |"])
    assert [[k.text for k in r] for r in grid] == [
        ["信息内容", "信息内容", "本年"], ["规章", "1", "2"], ["（二）部分公开（区 分处理的）", "3", "4"]]
    assert grid[0][0] is grid[0][1]


def test_text_box_fallback_is_not_read_twice():
    from docx.oxml import parse_xml
    d = docx.Document()
    d.add_paragraph("正文第一段")
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
    box = '<w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent>'
    d.element.body.insert(1, parse_xml(
        f'<w:p {ns}><w:r><mc:AlternateContent><mc:Choice Requires="wps">{box}</mc:Choice>'
        f'<mc:Fallback>{box}</mc:Fallback></mc:AlternateContent></w:r></w:p>'))
    buf = io.BytesIO()
    d.save(buf)
    doc = read_document(Path("box.docx"), buf.getvalue())
    assert doc.text == "正文第一段\n文本框内容\n"


def test_word97_text_reads_the_piece_table():
    text = rdoc.word97_text((FIXTURES / "legacy.doc").read_bytes())
    assert text.startswith("某某区2023年政府信息公开工作年度报告\r一、总体情况\r信息内容\x07本年新制作数量\x07")
    assert "规章\x0711\x0712\x0713\x07\x07" in text
    assert rdoc.word97_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000) is None   # not a Word file
    assert rdoc.word97_text((FIXTURES / "multipage.pdf").read_bytes()) is None
    assert rdoc._FIELD_CODE.sub(r"\1", "第\x13 PAGE \x143\x15页\x13 TOC \x15") == "第3页"
