"""PDF reader: text layer in reading order, ruled tables, page-continued tables, bad PDFs; the
fast (PDFium) path gives the Document the pdfplumber path gives, for a fraction of the CPU."""
from __future__ import annotations

import io
import shutil
import subprocess
import time

import pytest

from tests.doc_helpers import FIXTURES, assert_offsets, fixture, texts
from pipeline.model import Document, ReadError
from pipeline import read_pdf as read_pdf_module
from pipeline.read_pdf import read_pdf
from pipeline.read_pdf_pdfium import read_pages
from pipeline.read_text import CellKey


def snapshot(doc: Document) -> tuple:
    """All a Document says — text, cells with offsets, which positions share a merged cell — as a value."""
    tables = []
    for t in doc.tables:
        ids: dict[int, int] = {}
        tables.append([[(c.text, c.start, c.end, ids.setdefault(id(c), len(ids))) for c in r] for r in t.rows])
    return doc.text, tables, doc.meta


@pytest.mark.parametrize("name", ["002.pdf", "parity_2022.pdf", "multipage.pdf"])
def test_fast_path_reads_the_fixtures_as_pdfplumber_does(name):
    """Word's PDF (vertical text in a merged cell, tables across pages) and LibreOffice's."""
    data = fixture(name).read_bytes()
    assert len(read_pages(data, lambda page: page)) >= 1          # not declined: the fast path reads it
    assert snapshot(read_pdf(data)) == snapshot(read_pdf(data, engine="pdfplumber"))


def test_fast_path_costs_a_fraction_of_the_cpu():
    data = fixture("002.pdf").read_bytes()
    read_pdf(data)
    cpu = {}
    for engine in ("auto", "pdfplumber"):
        start = time.process_time()
        read_pdf(data, engine=engine)
        cpu[engine] = time.process_time() - start
    assert cpu["auto"] < 0.5 * cpu["pdfplumber"], cpu


def test_engine_from_the_environment(monkeypatch):
    calls = []
    monkeypatch.setattr(read_pdf_module, "read_pages", lambda *args: calls.append(args))
    monkeypatch.setenv("OGI_PDF_ENGINE", "pdfplumber")
    assert read_pdf(fixture("multipage.pdf").read_bytes()).tables and calls == []



def rows_with(doc: Document, label: str) -> list[tuple[int, list[str]]]:
    return [(t.index, texts(r)) for t in doc.tables for r in t.rows if label in texts(r)]


@pytest.fixture(scope="module")
def huai_an() -> Document:
    doc = read_pdf(fixture("002.pdf").read_bytes())
    assert_offsets(doc)
    return doc


def test_002_table3_rows_have_seven_numbers(huai_an):
    [(t3, row)] = rows_with(huai_an, "（一）予以公开")
    assert row[-7:] == ["50", "0", "0", "0", "0", "0", "50"]
    assert row[0] == "三、本年度办理结果"
    table = huai_an.tables[t3]
    body = [texts(r) for r in table.rows[3:]]
    assert len(body) == 23 and all(all(c.isdigit() for c in r[-7:]) for r in body)
    assert "（一）予以公开 | 50 | 0 | 0 | 0 | 0 | 0 | 50\n" in huai_an.text


def test_002_table_continued_on_page_4_is_merged(huai_an):
    [(t_a, row)] = rows_with(huai_an, "2.没有现成信息需要另行制作")
    [(t_b, _)] = rows_with(huai_an, "（一）予以公开")
    assert t_a == t_b
    assert row == ["三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作", "1", "0", "0", "0", "0", "0", "1"]
    [(_, total)] = rows_with(huai_an, "（七）总计")
    assert total[-7:] == ["95", "0", "0", "0", "0", "0", "95"]


def test_002_table4_and_layout(huai_an):
    t4 = next(t for t in huai_an.tables if texts(t.rows[0])[0] == "行政复议")
    assert texts(t4.rows[-1]) == "1 1 0 0 2 1 0 0 0 1 2 0 1 0 3".split()
    assert len(huai_an.tables) == 3        # table 2 runs from page 2 onto page 3: one table
    t2 = huai_an.tables[0]
    assert texts(t2.rows[0]) == ["第二十条第（一）项"] * 4 and texts(t2.rows[-1]) == ["行政事业性收费"] + ["7545"] * 3
    assert huai_an.meta == {"title": "淮安市洪泽区人民政府2024年政府信息公开工作年度报告"}   # its two big lines
    text = huai_an.text
    assert text.startswith("淮安市洪泽区人民政府\n2024年政府信息公开工作年度报告\n")
    assert "\n一、总体情况\n" in text and "\n六、其他需要报告的事项\n" in text
    assert "我区在政府网站平台主动发布各类政府信息2428条" in text      # wrapped lines re-joined
    assert "\n- 2 -\n" not in text and "\n2\n" not in text              # page numbers dropped
    assert "二、主动公开政府信息情况\n\n第二十条第（一）项\n信息内容 | 本年制发件数" in text


def test_multipage_table_from_libreoffice():
    doc = read_pdf((FIXTURES / "multipage.pdf").read_bytes())
    assert_offsets(doc)
    [table] = doc.tables
    assert len(table.rows) == 41 and all(len(r) == 4 for r in table.rows)
    assert table.rows[1][0] is table.rows[2][0] and table.rows[2][0].text == "合并单元格"
    assert texts(table.rows[-1]) == ["第40项统计", "40", "0", "40"]
    assert doc.text.endswith("\n\n四、其他需要报告的事项\n无。\n")


def test_encrypted_pdf():
    with pytest.raises(ReadError, match=r"^encrypted PDF: "):
        read_pdf((FIXTURES / "encrypted.pdf").read_bytes())


@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf not installed")
def test_pdf_with_owner_password_only_is_read(tmp_path):
    out = tmp_path / "owner.pdf"
    subprocess.run(["qpdf", "--encrypt", "", "owner", "256", "--print=none", "--", str(FIXTURES / "multipage.pdf"),
                    str(out)], check=True)
    assert len(read_pdf(out.read_bytes()).tables) == 1


@pytest.mark.parametrize("cut", [2000, 120000])
def test_truncated_pdf(cut):
    data = fixture("002.pdf").read_bytes()[:cut]
    with pytest.raises(ReadError, match=r"^corrupt or truncated PDF: "):
        read_pdf(data)


def test_scanned_pdf_has_no_text_layer():
    image = pytest.importorskip("PIL.Image")
    draw = pytest.importorskip("PIL.ImageDraw")
    page = image.new("RGB", (600, 800), "white")
    draw.Draw(page).rectangle((50, 50, 550, 300), outline="black", width=3)
    buf = io.BytesIO()
    page.save(buf, format="PDF")
    with pytest.raises(ReadError, match="^no text layer: the PDF appears to be scanned images; OCR is not supported$"):
        read_pdf(buf.getvalue())


def _part(rows: list[list[str]], edges: list[int], cont: bool = False) -> tuple:
    """A table item as `_page_items` makes it; '=' repeats the cell to the left (a colspan)."""
    grid = []
    for row in rows:
        keys: list[CellKey] = []
        for text in row:
            keys.append(keys[-1] if text == "=" else CellKey(text))
        grid.append(keys)
    return ("table", grid, cont, edges)


def test_a_row_cut_by_the_page_break_is_joined_across_a_finer_continuation():
    """Page 1 ends inside row 二 (its label wraps: 二、上年结转政府信息|公开申请数量) in a part
    whose label spans 2 columns; page 2's part has 3 columns."""
    first = _part([["一、本年新收申请数量", "5", "5"], ["二、上年结转政府信息", "1", "1"]], [0, 100, 150, 200])
    second = _part([["公开申请数量", "=", "", ""], ["三、办理结果", "（一）予以公开", "4", "4"]], [0, 50, 100, 150, 200], True)
    [(_, grid, _, edges)] = read_pdf_module._merge([first, second])
    assert edges == [0, 50, 100, 150, 200]
    assert [[k.text for k in r] for r in grid] == [
        ["一、本年新收申请数量"] * 2 + ["5", "5"], ["二、上年结转政府信息公开申请数量"] * 2 + ["1", "1"],
        ["三、办理结果", "（一）予以公开", "4", "4"]]
    assert grid[1][0] is grid[1][1]


EDGES = [72, 200, 300, 400]


def test_a_header_row_or_a_new_item_on_the_next_page_is_not_joined():
    last = [["规章", "3", "4"]]
    for head in (["信息内容", "本年制发件数", "现行有效件数"], ["（二）部分公开", "", ""]):
        [(_, grid, _, _)] = read_pdf_module._merge([_part(last, EDGES), _part([head, ["x", "1", "2"]], EDGES, True)])
        assert [k.text for k in grid[-3]] == ["规章", "3", "4"] and [k.text for k in grid[-2]][0] == head[0]


def test_repeated_header_rows_are_dropped():
    header = ["项目", "自然人", "总计"]
    [(_, grid, _, _)] = read_pdf_module._merge([_part([header, ["甲", "1", "1"]], EDGES),
                                                _part([header, ["乙", "2", "2"]], EDGES, True)])
    assert [[k.text for k in r] for r in grid] == [header, ["甲", "1", "1"], ["乙", "2", "2"]]
