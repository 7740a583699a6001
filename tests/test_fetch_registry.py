"""The source registry and link recognition: the project's data/sources.yaml loads, report
titles are told from notices, 解读 and column links, relative links on a TRS-style list page
resolve, GBK pages without a declared charset decode, pagination is bounded, stored files get
readable distinct names, and a malformed registry fails with a message naming the field."""
from __future__ import annotations

import re

import pytest

from pipeline.fetch_links import anchors, file_name, is_stub_page, next_links, pagination, report_links
from pipeline.fetch_registry import DEFAULT_REGISTRY, RegistryError, load_registry, make_source, year_of

BASE = "https://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def source(**kw):
    return make_source({"name": "demo", "index": BASE, **kw})


def test_the_project_registry_loads_with_its_pingtan_column():
    sources = {s.name: s for s in load_registry(DEFAULT_REGISTRY)}
    pingtan = sources["pingtan"]
    assert pingtan.index == ("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",)
    assert (pingtan.jurisdiction_name, pingtan.adcode) == ("平潭综合实验区", "350128")
    assert pingtan.pagination.template == "index_{n}.htm" and ".wps" in pingtan.attachment_extensions


@pytest.mark.parametrize("title", [
    "平潭综合实验区2021年度政府信息公开工作年度报告",
    "平潭综合实验区市场监督管理局2017年度政府信息公开工作年度报告",
    "某县人民政府 2019 年政府信息公开年报",
    "某市二〇二一年政务公开工作年度报告",
])
def test_report_titles_are_recognised(title):
    assert source().is_report_title(title)


@pytest.mark.parametrize("title", [
    "政府信息公开年报",                                                    # the column itself: no year
    "关于做好2021年政府信息公开工作年度报告编制发布工作的通知",
    "《平潭综合实验区2021年度政府信息公开工作年度报告》解读",
    "平潭综合实验区2022年工作总结及2023年工作计划",
    "2021年政府信息公开情况统计表",
])
def test_notices_interpretations_and_column_links_are_not_reports(title):
    assert not source().is_report_title(title)


def test_year_of_reads_arabic_and_chinese_years():
    assert (year_of("2020年度报告"), year_of("二〇二一年度"), year_of("二0一九年"), year_of("年度报告")) == (2020, 2021, 2019, None)


def test_report_links_of_a_gbk_list_page_resolve_and_keep_the_full_title():
    html = ('<html><head><title>政府信息公开年报</title></head><body><base href="/zwgk/zfxxgk/zfxxgknb/">'
            '<a href="./202202/t20220208_80613.htm" title="平潭综合实验区2021年度政府信息公开工作年度报告">'
            '平潭综合实验区2021年度政府信息公开…</a>'
            '<a href="https://other.gov.cn/2021年报.htm">另一网站2021年政府信息公开工作年度报告</a>'
            '<a href="javascript:void(0)">2020年政府信息公开工作年度报告</a>'
            '<a href="../zfxxgknb/">政府信息公开年报</a></body></html>').encode("gbk")
    links = anchors(html, BASE + "index.htm")
    assert report_links(source(), links) == [
        (BASE + "202202/t20220208_80613.htm", "平潭综合实验区2021年度政府信息公开工作年度报告")]
    assert report_links(source(hosts=["other.gov.cn"]), links)[1][0] == \
        "https://other.gov.cn/2021%E5%B9%B4%E6%8A%A5.htm"


def test_template_pagination_is_bounded_by_max_pages_and_the_stated_page_count():
    s = source(pagination={"template": "index_{n}.htm", "max_pages": 4})
    assert pagination(s, BASE, "", []) == [BASE + "index_1.htm", BASE + "index_2.htm", BASE + "index_3.htm"]
    assert pagination(s, BASE, 'createPageHTML(2, 0, "index", "htm");', []) == [BASE + "index_1.htm"]
    assert pagination(source(), BASE, "", []) == []
    links = [(BASE + "index_1.htm", "下一页"), ("https://elsewhere.cn/p2", "下一页"), (BASE + "a.htm", "2021年报")]
    assert next_links(s, links, BASE) == [BASE + "index_1.htm"]


def test_stored_names_are_readable_safe_and_distinct_per_url():
    title = "某县2021年度政府信息公开工作年度报告"
    a = file_name(title, "https://x.gov.cn/nb/202202/t20220208_1.htm", "html")
    b = file_name(title, "https://x.gov.cn/nb/202202/t20220208_2.htm", "html")
    assert a == f"{title}__t20220208_1.html" and a != b
    assert file_name("附件: a/b *2021*", "https://x.gov.cn/f/%E5%B9%B4%E6%8A%A5.pdf", "pdf") == "附件_a_b_2021__年报.pdf"
    assert file_name("", "https://x.gov.cn/2021/", "pdf") == "2021.pdf"


def test_a_page_with_little_article_text_is_a_stub():
    stub = "<html><body><div class='TRS_Editor'><p>详见附件。</p></div></body></html>".encode()
    full = f"<html><body><div class='TRS_Editor'><p>{'政府信息公开工作情况' * 40}</p></div></body></html>".encode()
    assert is_stub_page(stub) and not is_stub_page(full)


@pytest.mark.parametrize("entry, message", [
    ({"name": "x"}, "`index`"),
    ({"name": "x y", "index": BASE}, "`name`"),
    ({"name": "x", "index": "ftp://a/"}, "`index`"),
    ({"name": "x", "index": BASE, "jurisdiction": {"adcode": "35012"}}, "adcode"),
    ({"name": "x", "index": BASE, "title_patterns": ["年度报告("]}, "title_patterns"),
    ({"name": "x", "index": BASE, "pagination": {"template": "index.htm"}}, "{n}"),
    ({"name": "x", "index": BASE, "page_policy": "sometimes"}, "page_policy"),
])
def test_a_malformed_entry_names_the_field(entry, message):
    with pytest.raises(RegistryError, match=re.escape(message)):
        make_source(entry)


def test_a_registry_with_duplicate_names_or_no_sources_list_is_refused(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - {{name: a, index: '{BASE}'}}\n  - {{name: a, index: '{BASE}'}}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="unique: a"):
        load_registry(path)
    path.write_text("defaults: {}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="sources"):
        load_registry(path)
