"""Tests for pipeline.jurisdiction: who filed a report, its adcode, and dim_jurisdiction rows.
The snippets are short, made-up report openings in the shape of real ones."""
from __future__ import annotations

import time

import pytest

from pipeline.jurisdiction import current_code, dim_jurisdiction_rows, identify, jurisdiction_id
from pipeline import jurisdiction_data as data
from pipeline import jurisdiction_dim as dim

R = "政府信息公开工作年度报告"


def test_county_from_title():
    j = identify(f"龙潭区人民政府2013年{R}", "根据《条例》规定，现公布本区年报。")
    assert (j.adcode, j.admin_level, j.parent_adcode) == ("220203", "county", "220200")
    assert (j.name, j.division_name, j.province) == ("龙潭区人民政府", "龙潭区", "吉林省")


def test_special_zone_and_its_departments():
    j = identify(f"平潭综合实验区2021年度{R}", "")
    assert (j.adcode, j.admin_level, j.parent_adcode, j.province) == ("350128", "prefecture", "350000", "福建省")
    d = identify(f"平潭综合实验区市场监督管理局2017年度{R}", "")
    assert (d.adcode, d.admin_level, d.parent_adcode) == ("350128", "department", "350128")
    assert d.name == "平潭综合实验区市场监督管理局" and d.government_name.startswith("平潭综合实验区")
    assert identify(f"平潭综合实验区管委会2014年度{R}", "").admin_level == "prefecture"


@pytest.mark.parametrize("text, adcode", [
    ("荆州市沙市区人民政府\n政务公开年度报告\n\n沙市区政府政务公开工作年度报告\n2016年，我区……", "421002"),
    ("淮安市洪泽区人民政府\n2024 年政府信息公开工作年度报告\n本报告根据《条例》编制。", "320813"),
    ("龙潭区人民政府2013年\n政府信息公开工作年度报告\n(\n根据《条例》……", "220203"),
])
def test_title_in_first_lines(text, adcode):
    j = identify(None, text)
    assert (j.adcode, j.admin_level) == (adcode, "county")


def test_prefecture_and_metadata():
    text = f"发布机构: 大同市人民政府办公厅\n标题: 大同市人民政府2017年{R}\n\n本年度报告……"
    j = identify(None, text, {"publisher": "大同市人民政府办公厅"})
    assert (j.adcode, j.admin_level, j.parent_adcode) == ("140200", "prefecture", "140000")
    # the government's office as publisher stands for the government
    j = identify(None, "正文没有标题。", {"publisher": "大同市人民政府办公厅"})
    assert (j.adcode, j.admin_level, j.name) == ("140200", "prefecture", "大同市人民政府")
    j = identify("音频解读:《2019年罗庄区政府信息公开工作年度报告》", "罗庄人民政府办公室根据《条例》……",
                 {"publisher": "罗庄区政府办公室"})
    assert (j.adcode, j.admin_level) == ("371311", "county")


def test_short_form_before_government_word():
    j = identify(None, "正文。", {"publisher": "罗庄人民政府办公室"})
    assert (j.adcode, j.admin_level) == ("371311", "county")
    assert identify(f"延边州人民政府2019年{R}", "").adcode == "222400"


def test_department_of_a_county():
    j = identify(f"沭阳县发展和改革局2019年{R}", "")
    assert (j.adcode, j.admin_level, j.parent_adcode) == ("321322", "department", "321322")
    assert j.government_name == "沭阳县人民政府" and j.division_name == "沭阳县"
    office = identify(f"大同市人民政府办公厅2019年{R}", "")
    assert (office.adcode, office.admin_level) == ("140200", "department")


@pytest.mark.parametrize("title, level", [
    (None, "prefecture"), (f"××县人民政府2019年{R}", "county"), (f"XX市人民政府办公室2019年{R}", "department"),
])
def test_hidden_name(title, level):
    text = "分享\n2023年自治州信息公开管理报告范文.doc\n下载文档\n州政府高度重视……"
    j = identify(title, text)
    assert (j.adcode, j.admin_level) == (None, level)


def test_ambiguous_name_resolved_by_context():
    title = f"朝阳区人民政府2019年{R}"
    assert identify(title, "在长春市委、市政府领导下，朝阳区……").adcode == "220104"
    assert identify(title, "在北京市委、市政府领导下，朝阳区……").adcode == "110105"
    unknown = identify(title, "区政府高度重视……")
    assert (unknown.adcode, unknown.admin_level) == (None, "county")


@pytest.mark.parametrize("title, adcode, level, parent", [
    (f"吉林市龙潭区人民政府2013年{R}", "220203", "county", "220200"),
    (f"临沂市罗庄区人民政府2019年{R}", "371311", "county", "371300"),
    (f"吉林省吉林市人民政府2019年{R}", "220200", "prefecture", "220000"),
    (f"北京市朝阳区人民政府2019年{R}", "110105", "county", "110000"),
    (f"长春市朝阳区人民政府2019年{R}", "220104", "county", "220100"),
    (f"江苏省人民政府2019年{R}", "320000", "province", None),
    (f"广西壮族自治区人民政府2019年{R}", "450000", "province", None),
    (f"上海市人民政府2019年{R}", "310000", "province", None),
])
def test_parent_chain_in_name(title, adcode, level, parent):
    j = identify(title, "")
    assert (j.adcode, j.admin_level, j.parent_adcode) == (adcode, level, parent)


@pytest.mark.parametrize("title, adcode, level", [
    (f"南京市城区管理局2019年{R}", "320100", "department"),      # 城区 is not under 南京市: a unit name
    (f"福建省平潭综合实验区2019年{R}", "350128", "prefecture"),
    (f"大同市城区人民政府2015年{R}", "140202", "county"),        # former code kept: no successor by name
    (f"某市人民政府2019年{R}", None, "prefecture"),
])
def test_chain_edges(title, adcode, level):
    j = identify(title, "")
    assert (j.adcode, j.admin_level) == (adcode, level)


def test_national():
    assert identify(f"国务院2019年{R}", "").admin_level == "national"
    assert identify(f"国务院办公厅2019年{R}", "").admin_level == "national"
    j = identify(f"教育部2019年{R}", "")
    assert (j.admin_level, j.adcode, j.government_name) == ("department", None, "国务院")


def test_township():
    j = identify(f"北京市朝阳区建外街道办事处2019年{R}", "")
    assert (j.admin_level, j.adcode, j.parent_adcode) == ("township", "110105", "110105")
    j = identify(f"城关镇人民政府2019年{R}", "我镇在沭阳县委、县政府的领导下，……沭阳县……")
    assert (j.admin_level, j.adcode) == ("township", "321322")


@pytest.mark.parametrize("title, adcode", [
    (f"洪泽县人民政府2013年{R}", "320813"),   # 2016 县 → 区
    (f"新津县人民政府2019年度{R}", "510118"),  # 2020, after gb2260's last revision
    (f"芜湖县人民政府2019年{R}", "340210"),    # 2020, renamed 湾沚区
])
def test_former_names_resolve_to_current_code(title, adcode):
    assert identify(title, "").adcode == adcode


def test_current_code():
    assert current_code("320829") == "320813"
    assert current_code("320829", 2013) == "320813"
    assert current_code("510132", 2019) == "510118"
    assert current_code("230702") == "230717"           # 伊春区 → 伊美区 (2019)
    assert current_code("510232", 1992) == "500120"     # 璧山县, Sichuan → Chongqing
    assert current_code("220203") == "220203" and current_code("220203000000") == "220203"
    assert current_code("999999") is None and current_code(None) is None


def test_every_late_change_has_a_current_successor():
    latest = data.revisions()[-1][1]
    now = data.current()
    for code in latest:
        succ = current_code(code)
        assert succ in now, (code, latest[code], succ)


def test_data_helpers():
    assert data.stem("延边朝鲜族自治州") == "延边" and data.stem("新疆维吾尔自治区") == "新疆"
    assert data.stem("清水县") == "清水" and data.stem("城区") is None
    assert data.parent_of("429004") == "420000" and data.parent_of("110105") == "110000"
    assert "500157" not in data.current() and "500105" in data.current()


def test_dim_jurisdiction_rows():
    reports = [identify(t, "").report_fields() for t in (
        f"龙潭区人民政府2013年{R}", f"吉林市龙潭区人民政府2014年{R}",
        f"平潭综合实验区市场监督管理局2017年度{R}", f"平潭综合实验区管委会市场监督管理局2018年度{R}")]
    reports.append({"jurisdiction_name": "自治州（名称被隐去）", "admin_level": "prefecture", "adcode": None})
    rows = {r["jurisdiction_id"]: r for r in dim_jurisdiction_rows(reports)}
    assert set(rows) == {"220203", "220200", "220000", "350128:市场监督管理局", "350128", "350000",
                         "name:自治州（名称被隐去）"}
    assert rows["220203"]["name"] == "龙潭区" and rows["220203"]["parent_jurisdiction_id"] == "220200"
    assert rows["220200"]["admin_level"] == "prefecture" and rows["220000"]["parent_adcode"] is None
    assert rows["350128"]["admin_level"] == "prefecture" and rows["350128"]["name"] == "平潭综合实验区"
    assert rows["350128"]["parent_adcode"] == "350000"
    assert rows["350128:市场监督管理局"]["parent_jurisdiction_id"] == "350128"
    assert jurisdiction_id("龙潭区人民政府", "county", "220203") == "220203"
    again = dim_jurisdiction_rows(list(reversed(reports)))
    assert [r["jurisdiction_id"] for r in again] == sorted(rows)


def test_stable_code_follows_recodings_and_stops_at_mergers():
    assert dim.stable_code("320829", 2013) == "320813"     # 洪泽县 → 洪泽区 (2016), a recoding
    assert dim.stable_code("510132", 2019) == "510118"     # 新津县 → 新津区 (2020, after gb2260)
    assert dim.stable_code("320813") == "320813"
    assert dim.stable_code("371200", 2015) == "371200"     # 莱芜市, absorbed by 济南市 (2019)
    assert dim.stable_code("230708", 2018) == "230708"     # 美溪区, merged with 伊春区 into 伊美区
    assert dim.stable_code("140227", 2015) == "140227"     # 大同县, abolished (now 云州区, no name link)
    assert dim.stable_code("999999") == "999999" and dim.stable_code(None) is None


@pytest.mark.parametrize("title, year, jid", [
    (f"洪泽县人民政府2013年{R}", 2013, "320813"),
    (f"淮安市洪泽区人民政府2017年{R}", 2017, "320813"),
    (f"洪泽县发展和改革局2013年{R}", 2013, "320813:发展和改革局"),
    (f"淮安市洪泽区发展和改革局2020年{R}", 2020, "320813:发展和改革局"),
    (f"莱芜市人民政府2015年{R}", 2015, "371200"),            # identify gives 370100 (济南), its successor
    (f"济南市人民政府2015年{R}", 2015, "370100"),
    (f"济南市莱芜区人民政府2020年{R}", 2020, "370116"),
    (f"伊春市美溪区人民政府2018年{R}", 2018, "230708"),
    (f"伊春市伊美区人民政府2020年{R}", 2020, "230717"),
    (f"平潭县人民政府2010年{R}", 2010, "350128"),
])
def test_jurisdiction_id_is_stable_across_code_changes(title, year, jid):
    report = identify(title, "").report_fields() | {"report_year": year}
    assert dim.report_jurisdiction_id(report) == jid


def test_a_report_filed_under_its_old_code():
    report = {"jurisdiction_name": "洪泽县人民政府", "admin_level": "county", "adcode": "320829", "report_year": 2013}
    assert dim.report_jurisdiction_id(report) == "320813"
    assert dim.code_of_year("320813", 2013) == "320829" and dim.code_of_year("320813", 2020) == "320813"
    codes = {r["adcode"]: r for r in dim.code_rows("320813")}
    assert codes["320829"]["name"] == "洪泽县" and codes["320829"]["last_year"] == 2015
    assert codes["320813"]["in_force"] and codes["320813"]["first_year"] == 2016
    assert dim.report_jurisdiction_id({"jurisdiction_name": None, "adcode": None}) is None


def test_dim_rows_record_history_and_successors():
    reports = [identify(t, "").report_fields() | {"report_year": y} for t, y in (
        (f"洪泽县人民政府2013年{R}", 2013), (f"莱芜市人民政府2015年{R}", 2015), (f"洪泽县发展和改革局2013年{R}", 2013))]
    rows = {r["jurisdiction_id"]: r for r in dim_jurisdiction_rows(reports)}
    assert set(rows) == {"320813", "320800", "320000", "320813:发展和改革局", "371200", "370000"}
    assert "320829" in rows["320813"]["former_adcodes"].split(",") and rows["320813"]["valid_until"] is None
    assert rows["371200"]["name"] == "莱芜市" and rows["371200"]["current_adcode"] == "370100"
    assert rows["371200"]["valid_until"] == 2019 and rows["371200"]["parent_jurisdiction_id"] == "370000"
    assert rows["320813:发展和改革局"]["parent_jurisdiction_id"] == "320813"


def test_fast_after_first_load():
    texts = [f"{n}人民政府\n2019年{R}\n正文……" for n in ("吉林市龙潭区", "荆州市沙市区", "临沂市罗庄区")]
    identify(None, texts[0])
    start = time.perf_counter()
    for i in range(3000):
        identify(None, texts[i % 3])
    assert time.perf_counter() - start < 1.5


def test_spaces_a_text_layer_puts_between_characters_and_digits():
    title = "安吉县人民政府 2022 年政府信息公开工作年度报告"
    text = title + "\n本报告根据《国务院办公厅政府信息与政务公开办公室关于印发〈年度报告格式〉的通知》编制"
    assert identify(title, text, {}).adcode == "330523"
