"""Plain-text reader and the shared text helpers (decoding, whitespace, dates, TextBuilder)."""
from __future__ import annotations

import pytest

from tests.doc_helpers import assert_offsets
from pipeline.model import Document, ReadError
from pipeline.read_text import (CellKey, TextBuilder, decode_bytes, normalize_date, normalize_ws,
                                parse_dump_header, read_text)

DUMP = """标题: 平潭综合实验区2021年度政府信息公开工作年度报告
发布时间: 2022-02-08 16:34
文号: 
发布机构: 平潭综合实验区管委会办公室
栏目: 政府信息公开年报
原文链接: https://www.pingtan.gov.cn/zwgk/t20220208_80613.htm
本地目录: zwgk/80613
页面链接与图片详见 links.tsv(同目录)
==================== 正文 ====================
一、总体情况
2021年，本区主动公开政府信息2599条。
"""



def test_dump_header_goes_to_meta_and_text_is_whole_file():
    doc = read_text(DUMP.encode("utf-8"))
    assert doc.format == "txt" and doc.encoding == "utf-8"
    assert doc.text == DUMP
    assert doc.meta == {"title": "平潭综合实验区2021年度政府信息公开工作年度报告", "published_on": "2022-02-08",
                        "publisher": "平潭综合实验区管委会办公室", "column": "政府信息公开年报",
                        "url": "https://www.pingtan.gov.cn/zwgk/t20220208_80613.htm"}
    assert "doc_no" not in doc.meta          # empty 文号 is left out
    assert doc.tables == []


def test_dump_with_empty_body_has_no_text():
    with pytest.raises(ReadError, match="no text"):
        read_text(DUMP.split("一、")[0].encode("utf-8"))


@pytest.mark.parametrize("data, encoding", [
    (b"\xef\xbb\xbf" + "政府信息公开".encode("utf-8"), "utf-8"),
    ("政府信息公开".encode("utf-16"), "utf-16-le"),
    ("政府信息公开".encode("utf-8"), "utf-8"),
    ("政府信息公开工作年度报告".encode("gbk"), "gb18030"),
    ("政府信息公开工作年度报告".encode("gb2312"), "gb18030"),
])
def test_decoding(data, encoding):
    text, enc = decode_bytes(data)
    assert enc == encoding
    assert text.startswith("政府信息公开")


def test_declared_gbk_decodes_as_gb18030():
    text, enc = decode_bytes("䶮镕".encode("gb18030"), declared="GBK")
    assert (text, enc) == ("䶮镕", "gb18030")


def test_binary_is_not_text():
    with pytest.raises(ReadError, match="not a text document"):
        decode_bytes(b"\x00\x01\x02garbage\x00" * 50)
    with pytest.raises(ReadError, match="not a text document"):
        decode_bytes(bytes(range(1, 32)) * 40, declared="utf-8")


def test_crlf_is_normalised_and_md_title():
    doc = read_text("# 某局2023年报告\r\n\r\n正文\r\n索引号：11350000-2023-00001\r\n".encode("utf-8"), "md")
    assert doc.format == "md" and "\r" not in doc.text
    assert doc.meta["title"] == "某局2023年报告"
    assert doc.meta["index_no"] == "11350000-2023-00001"


def test_normalize_ws_and_date():
    assert normalize_ws("  结果\n 维持 ") == "结果维持"
    assert normalize_ws("2024 年\t共 17\u3000件") == "2024 年共 17 件"
    assert normalize_ws("total  count") == "total count"
    assert normalize_date("2020-01-20 15:22") == "2020-01-20"
    assert normalize_date("发布日期：2020年1月5日") == "2020-01-05"
    assert normalize_date("2020/13/40") is None
    assert normalize_date("无") is None


def test_text_builder_lays_out_tables_with_offsets():
    out = TextBuilder()
    out.line("二、主动公开政府信息情况")
    label = CellKey("三、本年度办理结果")
    a, b = CellKey("（一）予以公开"), CellKey("（二）部分 公开")
    grid = [[CellKey("项目"), CellKey("项目2"), CellKey("自然人"), CellKey("总计")],
            [label, a, CellKey("7"), CellKey("7")],
            [label, b, CellKey("1"), CellKey("")]]
    grid[0][1] = grid[0][0]                     # a colspan
    table = out.table(grid)
    out.line("三、其他")
    doc = Document(text=out.text(), format="txt", tables=out.tables)
    assert doc.text == ("二、主动公开政府信息情况\n\n项目 | 自然人 | 总计\n三、本年度办理结果 | （一）予以公开 | 7 | 7\n"
                        "（二）部分公开 | 1 | \n\n三、其他\n")
    assert table.index == 0 and len(table.rows) == 3 and all(len(r) == 4 for r in table.rows)
    assert table.rows[0][0] is table.rows[0][1] and table.rows[1][0] is table.rows[2][0]
    assert_offsets(doc)


def test_one_column_grid_is_written_as_lines():
    out = TextBuilder()
    k = CellKey("一段文字")
    assert out.table([[k], [k], [CellKey("另一段")]]) is None
    assert out.text() == "一段文字\n另一段\n" and out.tables == []


def test_parse_dump_header_without_marker_is_empty():
    assert parse_dump_header("标题: x\n正文") == {}
