"""HTML reader: decoding, content choice, chrome removal, tables with spans, metadata."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tests.doc_helpers import assert_offsets, fixture, texts
from pipeline.model import Document
from pipeline.read import read_document
from pipeline.read_html import read_html





def find_row(doc: Document, label: str) -> list[str]:
    for table in doc.tables:
        for row in table.rows:
            if label in texts(row):
                return texts(row)
    raise AssertionError(f"no row labelled {label}")


@pytest.fixture(scope="module")
def h01() -> Document:
    doc = read_html(fixture("h01.html").read_bytes())
    assert_offsets(doc)
    return doc


def test_h01_tables_have_numbers_in_the_right_cells(h01):
    assert len(h01.tables) == 3
    t2, t3, t4 = h01.tables
    assert find_row(h01, "规范性文件") == ["规范性文件", "89", "89", "89"]
    assert all(len(r) == 10 for r in t3.rows)
    assert find_row(h01, "一、本年新收政府信息公开申请数量")[3:] == ["23", "0", "0", "0", "0", "0", "23"]
    row = find_row(h01, "（一）予以公开")
    assert row[0] == "三、本年度办理结果" and row[3:] == ["7", "0", "0", "0", "0", "0", "7"]
    assert find_row(h01, "3.补正后申请内容仍不明确")[3:] == ["5", "0", "0", "0", "0", "0", "5"]
    assert texts(t4.rows[-1]) == ["0"] * 15 and texts(t4.rows[0])[:6] == ["行政复议"] * 5 + ["行政诉讼"]
    assert "一、本年新收政府信息公开申请数量 | 23 | 0 | 0 | 0 | 0 | 0 | 23\n" in h01.text


def test_h01_text_and_meta(h01):
    assert h01.format == "html" and h01.encoding == "utf-8"
    assert h01.text.startswith("平潭综合实验区2019年度政府信息公开工作年度报告\n")
    assert "一、总体情况" in h01.text and "六、其他需要报告的事项" in h01.text
    for chrome in ("当前位置", "分享到", "版权所有", "ICP备", "扫一扫", "省人大"):
        assert chrome not in h01.text
    assert "\n\n第二十条第（一）项\n信息内容 | 本年新制作数量" in h01.text   # blank line before a table
    assert h01.meta == {"title": "平潭综合实验区2019年度政府信息公开工作年度报告", "published_on": "2020-01-20",
                        "publisher": "平潭综合实验区管委会", "source": "平潭县人民政府",
                        "url": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202001/t20200120_80576.htm"}


PAGE = """<html><head><title>某县2022年政府信息公开工作年度报告_年度报告_某县人民政府</title></head><body>
<div class="top-nav"><a href="/">首页</a><a href="/x">政务公开</a><a>政策文件解读栏目导航</a></div>
<div class="wrap"><div class="left">
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 年度报告</div>
<table class="xxgk"><tr><td>索引号：</td><td>000014349/2023-00012</td><td>发布机构：</td><td>某县人民政府办公室</td></tr>
<tr><td>发布日期：</td><td>2023年1月18日</td><td>主题分类：</td><td>其他</td></tr></table>
<div class="main-body"><h1>某县2022年政府信息公开工作年度报告</h1>
<p>　　根据《中华人民共和国政府信息公开条例》要求，现公布本县2022年度政府信息公开工作年度报告。</p>
<p>一、总体情况</p><p>　　2022年，本县主动公开政府信息1234条，<span>受理</span><span>依申请公开</span>12件。</p>
<table border="1"><tr><td rowspan="2" colspan="2">项目</td><td colspan="2">申请人情况</td></tr>
<tr><td>自然人</td><td>总计</td></tr>
<tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>5</td><td>5</td></tr>
<tr><td>（二）部分公开</td><td><p>1</p></td><td>1</td></tr>
<tr><td colspan="2">四、结转下年度继续办理</td><td>0</td></tr></table>
<p>二、其他需要报告的事项</p><p>无。</p>
<div class="share">分享到：微信 微博</div><p>【打印本页】【关闭窗口】</p></div></div>
<div class="sidebar"><ul><li><a>相关链接一</a></li><li><a>相关链接二</a></li></ul></div></div>
<div class="footer">版权所有：某县人民政府 主办单位：某县人民政府办公室 闽ICP备12345678号</div>
<script>var x = "不应出现的脚本文字";</script></body></html>"""


def test_page_without_known_container_gbk_undeclared():
    doc = read_document(Path("report.html"), PAGE.encode("gbk"))
    assert_offsets(doc)
    assert doc.encoding == "gb18030"
    lines = doc.text.splitlines()
    assert lines[0] == "某县2022年政府信息公开工作年度报告"
    assert "2022年，本县主动公开政府信息1234条，受理依申请公开12件。" in lines
    for chrome in ("当前位置", "栏目导航", "分享到", "打印", "版权所有", "相关链接", "脚本"):
        assert chrome not in doc.text
    table = doc.tables[-1]
    assert [texts(r) for r in table.rows] == [
        ["项目", "项目", "申请人情况", "申请人情况"],
        ["项目", "项目", "自然人", "总计"],
        ["三、本年度办理结果", "（一）予以公开", "5", "5"],
        ["三、本年度办理结果", "（二）部分公开", "1", "1"],
        ["四、结转下年度继续办理", "四、结转下年度继续办理", "0", ""],
    ]
    assert table.rows[0][0] is table.rows[1][1]
    assert doc.meta["title"] == "某县2022年政府信息公开工作年度报告"
    assert doc.meta["index_no"] == "000014349/2023-00012"
    assert doc.meta["publisher"] == "某县人民政府办公室"
    assert doc.meta["published_on"] == "2023-01-18"


def test_declared_gb2312_and_known_container():
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '<meta name="ArticleTitle" content="某局2020年政府信息公开年报"><meta name="PubDate" content="2021-01-05">'
            '<meta name="ContentSource" content="某局"></head><body><div id="nav">首页 导航 栏目</div>'
            '<div id="zoom"><p>一、总体情况</p><p>本局全年公开信息88条，镕字测试。</p></div></body></html>')
    doc = read_html(page.encode("gb18030"))
    assert doc.encoding == "gb18030"
    assert doc.text == "某局2020年政府信息公开年报\n一、总体情况\n本局全年公开信息88条，镕字测试。\n"
    assert doc.meta == {"title": "某局2020年政府信息公开年报", "published_on": "2021-01-05", "publisher": "某局"}


def test_nested_layout_table_flows_and_inner_table_is_kept():
    page = ("<html><body><table><tr><td><p>某市2021年政府信息公开工作年度报告</p><p>一、总体情况正文内容。</p>"
            "<table><tr><td>规章</td><td>3</td></tr><tr><td>规范性文件</td><td>12</td></tr></table>"
            "<p>二、结尾。</p></td></tr></table></body></html>")
    doc = read_html(page.encode())
    assert_offsets(doc)
    assert doc.text == ("某市2021年政府信息公开工作年度报告\n一、总体情况正文内容。\n\n规章 | 3\n规范性文件 | 12\n\n"
                        "二、结尾。\n")
    assert len(doc.tables) == 1


def test_speed_is_a_few_ms_per_page(h01):
    import time
    data = fixture("h01.html").read_bytes()
    start = time.perf_counter()
    for _ in range(20):
        read_html(data)
    assert (time.perf_counter() - start) / 20 < 0.05     # generous bound: ~3 ms measured


_cell = st.tuples(st.text("0123 结果维持\n\t", max_size=6), st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_cell, min_size=1, max_size=5), min_size=1, max_size=6))
def test_random_spans_keep_offsets_and_rectangular_grids(rows):
    html = "<table>" + "".join(
        "<tr>" + "".join(f'<td rowspan="{rs}" colspan="{cs}">{t}</td>' for t, rs, cs in row) + "</tr>"
        for row in rows) + "</table><p>正文</p>"
    doc = read_html(html.encode())
    assert_offsets(doc)
    for table in doc.tables:
        assert len({len(r) for r in table.rows}) == 1
        for row in table.rows:
            for cell in row:
                assert "\n" not in cell.text and cell.text == cell.text.strip()



@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("gb18030", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_container_and_labels_are_found_in_any_encoding(encoding, bom):
    """The page's bytes are probed for selector names and labels in the page's own encoding."""
    page = ('<html><head><meta charset="{}"></head><body><div class="nav">首页 > 政务公开 > 年度报告导航栏目很长很长的文字</div>'
            '<table><tr><td>发布机构：</td><td>某县人民政府办公室</td><td>发布日期：</td><td>2021-02-03</td></tr></table>'
            '<div id="zoom"><p>某县2020年政府信息公开工作年度报告</p><p>一、总体情况。本年度新收政府信息公开申请数量为十二件，均在法定期限内答复，无行政复议和行政诉讼案件。</p></div>'
            '<div class="footer">版权所有：某县人民政府 主办单位：某县人民政府办公室 联系电话</div></body></html>')
    data = bom + page.format("gbk" if encoding == "gb18030" else "utf-8").encode(encoding)
    doc = read_html(data)
    assert doc.encoding == encoding
    assert doc.text == ("某县2020年政府信息公开工作年度报告\n"
                        "一、总体情况。本年度新收政府信息公开申请数量为十二件，均在法定期限内答复，无行政复议和行政诉讼案件。\n")
    assert doc.meta == {"published_on": "2021-02-03", "publisher": "某县人民政府办公室"}
