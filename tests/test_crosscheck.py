"""PERCENT and TEXT-TABLE: statements of one report checked against each other."""
from pipeline.extract import extract
from pipeline.model import Document


def issues(text: str) -> list[dict]:
    return extract(Document(text=text, format="txt"), "r")[2]


def test_percentage_tied_to_its_counts():
    ok = "2017年全市共收到信息公开申请52件，其中当面申请18件，占申请总数的34.61%；网络申请6件，占申请总数的11.53%。"
    assert [i for i in issues(ok) if i["check_id"] == "PERCENT"] == []
    bad = "2017年全市共收到信息公开申请52件，其中当面申请18件，占申请总数的43.61%。"
    [p] = [i for i in issues(bad) if i["check_id"] == "PERCENT"]
    assert p["status"] == "failed" and p["actual"] == 43.61 and abs(p["expected"] - 34.615) < 0.01


def test_percentage_without_a_plain_tie_is_not_checked():
    text = "2017年全市共收到信息公开申请52件，答复满意率达98%。"
    assert [i for i in issues(text) if i["check_id"] == "PERCENT"] == []


def test_prose_number_differing_from_the_table_cell():
    text = ("某区2021年度政府信息公开工作年度报告。本年度共收到申请17件。"
            "三、收到和处理政府信息公开申请情况 申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n"
            "一、本年新收政府信息公开申请数量 | 95 | 0 | 0 | 0 | 0 | 0 | 95\n")
    [t] = [i for i in issues(text) if i["check_id"] == "TEXT-TABLE"]
    assert t["expected"] == 95 and t["actual"] == 17 and t["attribution"] == "source"
