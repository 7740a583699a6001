"""Report year, document type and era from titles, statistics periods and bodies."""
from pipeline import metadata


def year(text: str, meta: dict | None = None) -> int | None:
    titles = metadata.title_candidates(text, meta or {})
    return metadata.report_year(text, titles, metadata.doc_type(text, titles), 2026)


def test_year_from_title():
    assert year("龙潭区人民政府2013年\n政府信息公开工作年度报告\n正文") == 2013
    assert year("正文", {"title": "平潭综合实验区2021年度政府信息公开工作年度报告"}) == 2021


def test_year_from_statistics_period_not_publication_date():
    text = "某某县政府信息公开工作年度报告\n发布日期：2020-01-20\n本报告所列数据的统计期限自2019年1月1日起至2019年12月31日止。"
    assert year(text) == 2019


def test_year_from_body_not_upload_date():
    text = "某区人民政府\n政务公开年度报告\n日期:2017-03-30\n2016年,本区政务公开工作稳步发展。2016年收到申请1件。按照2016年工作规划。"
    assert year(text) == 2016


def test_template_has_no_year():
    text = "2023年自治州信息公开管理报告范文\n现将州年度政府信息公开工作情况作如下报告"
    titles = metadata.title_candidates(text, {})
    assert metadata.doc_type(text, titles) == "template"
    assert year(text) is None


def test_interpretation_and_era():
    text = "信息名称  音频解读:《2019年罗庄区政府信息公开工作年度报告》  成文日期"
    titles = metadata.title_candidates(text, {})
    assert metadata.doc_type(text, titles) == "interpretation"
    assert metadata.era("本年新收政府信息公开申请数量", 2019) == "fmt2019"
    assert metadata.era("本年制发件数", 2021) == "fmt2021"
    assert metadata.era("", 2016) == "stat2014" and metadata.era("", 2011) == "pre2014"


def test_stated_fields():
    f = metadata.stated_fields("索 引 号: 035200000/2018-00032 发布机构: 大同市人民政府办公厅 发布日期: 2018-02-13 12:30", {})
    assert f["index_no"] == "035200000/2018-00032" and f["published_on"] == "2018-02-13"
    assert f["publisher"] == "大同市人民政府办公厅"


def test_a_letter_about_the_work_points_is_not_an_annual_report():
    text = "正文 根据《关于做好政府信息公开工作年度报告有关事项的通知》要求，现将我区2014年政府信息公开工作要点落实情况函告如下"
    titles = metadata.title_candidates(text, {"title": "关于2014年政府信息公开工作要点落实情况的函"})
    assert metadata.doc_type(text, titles) == "other"
