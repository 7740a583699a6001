"""Table extraction on short snippets: glued crawler rows, spaced rows, pipe tables, layouts."""
from pathlib import Path
from pipeline.extract import extract
from pipeline.model import Document
from pipeline.rows import text_rows


def values(text: str, requester: str = "total", period: str = "year") -> dict:
    _, metrics, _ = extract(Document(text=text, format="txt"), "r")
    return {m["metric_code"]: m["value"] for m in metrics if m["requester"] == requester and m["period"] == period}


T3 = ("三、收到和处理政府信息公开申请情况 申请人情况自然人法人或其他组织总计 商业企业科研机构社会公益组织法律服务机构其他"
      "一、本年新收政府信息公开申请数量640020470二、上年结转政府信息公开申请数量0000000"
      "三、本年度办理结果（一）予以公开270020130（二）部分公开500000 5（三）不予公开1.属于国家秘密0000000"
      "2.其他法律行政法规禁止公开0000000（七）总计630020469四、结转下年度继续办理1000001 ")


def test_glued_table3_row_is_decoded_by_its_row_sum():
    v = values(T3)
    assert v["requests.received"] == 70
    assert values(T3, "natural_person")["requests.received"] == 64
    assert values(T3, "other_org")["requests.received"] == 4
    assert v["requests.carried_in"] == 0
    assert v["requests.carried_out"] == 1
    assert v["outcomes.total"] == 69


def test_ambiguous_cells_are_left_out_but_agreed_total_kept():
    # 270020130 splits as 27|0|0|2|0|1|30 or 2|7|0|0|20|1|30: only the total is certain
    assert values(T3)["outcomes.granted"] == 30
    assert "outcomes.granted" not in values(T3, "natural_person")


def test_space_is_a_certain_cell_boundary():
    assert values(T3)["outcomes.partial"] == 5
    assert values(T3, "natural_person")["outcomes.partial"] == 5


def test_table4_fifteen_glued_cells():
    text = ("未经复议直接起诉 复议后起诉 行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
            "结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计10203120001200000五、存在的主要问题")
    v = values(text)
    assert (v["reconsideration.upheld"], v["reconsideration.other"], v["reconsideration.total"]) == (1, 2, 3)
    assert v["litigation.direct.total"] == 12 and v["litigation.after_review.total"] == 0
    assert v["litigation.total"] == 12      # derived: direct + after review


def test_fmt2021_table2_and_money_in_wan():
    text = ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章 000行政规范性文件693665"
            "第二十条第（五）项信息内容本年处理决定数量行政许可2293 第二十条第（八）项信息内容 本年收费金额（单位：万元）"
            "行政事业性收费24252.311082三、收到")
    v = values(text)
    assert (v["rules.issued"], v["rules.repealed"], v["rules.in_force"]) == (0, 0, 0)
    assert "normative_docs.issued" not in v           # 693665 has many splits
    assert v["licensing.decisions"] == 2293
    assert abs(v["admin_fees.amount"] - 242523110.82) < 0.01


def test_next_row_number_glued_to_a_run_is_not_a_digit_of_it():
    text = ("统计表 指标名称计量单位2016年度历年累计主动公开文件数条3460853762、政府公报公开数条00"
            "受理依申请公开信息总数条00。2016年全区主动公开政府信息3460条。")
    rows = text_rows(text)
    assert [t.raw for t in rows[0].tokens] == ["346085376"]
    v = values(text)
    assert v["proactive.published"] == 3460          # settled by the prose sentence
    assert values(text, period="cumulative")["proactive.published"] == 85376
    assert v["proactive.via_gazette"] == 0 and v["requests.received"] == 0


def test_pipe_table_with_cumulative_column_first_and_blank_cell():
    text = "指 标 |\n累计数 |\n13年发生数 | |\n1.从事信息公开工作人员数 |\n- |\n97 |\n其中:⑴专职人员数 |\n- |\n14 | |\n2.举办培训次数 |\n94 |\n34 |\n"
    v = values(text)
    assert v["capacity.staff"] == 97 and v["capacity.staff_full_time"] == 14 and v["capacity.trainings"] == 34
    cum = values(text, period="cumulative")
    assert cum["capacity.staff"] is None           # '-' is a blank cell, not 0
    assert cum["capacity.trainings"] == 94


def test_two_values_without_a_header_are_not_guessed():
    assert "requests.received" not in values("受理依申请公开信息总数 条 5 7 其他")


def test_prose_numbers_are_not_table_rows():
    assert text_rows("全年收到申请52件，办结50件。") == []


def test_national_2014_statistics_form_with_notes_units_and_topics():
    text = (Path(__file__).parent / "fixtures" / "stat2014_form.txt").read_text(encoding="utf-8")
    v = values(text)
    assert v["proactive.published"] == 4521          # label carries a (…计1条) note
    assert v["proactive.press_conferences"] == 5     # not the 主要负责同志 sub-row
    assert v["proactive.online_interviews"] == 3
    assert (v["reconsideration.upheld"], v["reconsideration.corrected"]) == (1, 1)
    assert (v["litigation.total"], v["litigation.upheld"]) == (1, 1)
    assert v["fees.collected"] == 500                 # 0.05 万元
    assert v["capacity.budget"] == 35000
    assert v["outcomes.denied.commercial_secret"] == 1


def test_negative_change_column_is_a_cell_boundary_and_sign():
    text = ("第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费35-15第二十条第（九）项"
            "第二十条第（六）项信息内容上一年项目数量本年增/减处理决定数量行政处罚2648-18538行政强制 "
            "第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量")
    v = values(text)
    assert (v["admin_fees.items_prev"], v["admin_fees.items_change"]) == (35, -15)
    assert "penalty.decisions" not in v      # -18538 is -18|538 or -1|8538 or …: left out


def test_year_column_named_by_a_bare_year_and_blank_cells_give_way_to_prose():
    text = ("2017年度，本局没有收到依申请公开信息的申请要求。七、附表 指标名称 单位 2017年 历年累计 "
            "主动公开文件数 条 4 31 其中：1.政府网站公开数 条 4 25 2.政府公报公开数 条 / / "
            "受理政府信息公开申请总数 条 / / 行政复议数 件 / / ")
    v = values(text)
    assert v["proactive.published"] == 4 and v["proactive.via_website"] == 4
    assert values(text, period="cumulative")["proactive.published"] == 31
    assert v["proactive.via_gazette"] is None          # '/' is a blank cell, never 0
    assert v["requests.received"] == 0                  # the blank cell gives way to the prose statement


def test_full_width_digits_and_spaced_small_cells():
    t3 = ("申请人情况自然人商业企业科研机构社会公益组织法律服务机构其他总计"
          "一、本年新收政府信息公开申请数量50４220260二、上年结转政府信息公开申请数量0000000")
    assert values(t3)["requests.received"] == 60
    t2 = "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章 22 0 93行政规范性文件0 0 0第二十条"
    v = values(t2)
    assert (v["rules.issued"], v["rules.repealed"], v["rules.in_force"]) == (22, 0, 93)
