"""Prose extraction on short sentences written for the tests: label variants, numerals,
qualifiers, topics, and the numbers that must not be taken."""
from pipeline.prose import extract


def vals(text: str, year: int | None = 2017, era: str | None = "stat2014", period: str = "year") -> dict:
    return {m["metric_code"]: m for m in extract(text, year, era) if m["period"] == period}


def test_requests_and_outcomes_enumeration():
    v = vals("2019年全区共收到政府信息公开申请95件。其中予以公开36件、部分公开12件、不予公开17件、无法提供26件、不予处理3件、结转处理1件。", 2019, "fmt2019")
    assert {k: m["value"] for k, m in v.items()} == {
        "requests.received": 95, "outcomes.granted": 36, "outcomes.partial": 12, "outcomes.denied": 17,
        "outcomes.unable": 26, "outcomes.not_processed": 3, "requests.carried_out": 1}


def test_number_before_its_noun():
    v = vals("本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。", 2021, "fmt2021")
    assert v["requests.received"]["value"] == 70
    assert v["requests.completed"]["value"] == 69
    assert v["requests.carried_out"]["value"] == 1


def test_review_and_litigation_outcomes_follow_their_topic():
    v = vals("全区共收到因政府信息公开提起的行政复议23件，其中维持具体行政行为10件，被依法纠错10件，其他情形1件，尚未审结2件。"
             "受理8件因政府信息公开申请提起的行政诉讼，其中维持具体行政行为或者驳回原告诉讼请求的6件，其他情形2件。", 2019, "fmt2019")
    assert v["reconsideration.total"]["value"] == 23 and v["reconsideration.upheld"]["value"] == 10
    assert v["reconsideration.pending"]["value"] == 2
    assert v["litigation.total"]["value"] == 8 and v["litigation.upheld"]["value"] == 6 and v["litigation.other"]["value"] == 2


def test_approximations_and_chinese_numerals():
    v = vals("区政府网站发布信息5000多篇。全州有专兼职政府信息公开工作人员1200余名，其中专职人员530名。召开新闻发布会三场。", None, "pre2014")
    assert v["proactive.via_website"]["value"] == 5000 and v["proactive.via_website"]["qualifier"] == "at_least"
    assert v["capacity.staff"]["value"] == 1200 and v["capacity.staff"]["qualifier"] == "at_least"
    assert v["capacity.staff_full_time"]["value"] == 530
    assert v["proactive.press_conferences"]["value"] == 3


def test_wan_and_about():
    v = vals("全年主动公开政府信息约4.7万条。", 2015)
    assert v["proactive.published"]["value"] == 47000 and v["proactive.published"]["qualifier"] == "about"


def test_other_year_sub_units_and_cumulative_are_not_the_years_figures():
    v = vals("2016年，全市因政府信息公开申请引起行政复议11件。", 2017)
    assert "reconsideration.total" not in v
    assert "proactive.published" not in vals("我市卫计部门在政务中心平台主动公开政府信息3000余项。", 2017)
    cum = vals("截至2016年底，区政府共被申请行政复议案件共6件。", 2016, period="cumulative")
    assert cum["reconsideration.total"]["value"] == 6
    assert "reconsideration.total" not in vals("截至2016年底，区政府共被申请行政复议案件共6件。", 2016)


def test_consultations_and_counter_services_are_not_requests():
    v = vals("行政服务中心共受理申请121510件，接受政府信息公开咨询300人次。", 2014)
    assert "requests.received" not in v


def test_zero_statements():
    v = vals("2017年度我局政府信息公开没有收费及减免。全年未发生因政府信息公开申请行政复议和提起行政诉讼的情况。", 2017)
    assert v["fees.collected"]["value"] == 0
    assert v["reconsideration.total"]["value"] == 0 and v["litigation.total"]["value"] == 0


def test_table_header_words_are_not_zero_statements():
    v = vals("行政诉讼 未经复议直接起诉 复议后起诉", 2020, "fmt2019")
    assert "litigation.total" not in v


def test_a_category_of_proactive_information_is_not_the_total():
    v = vals("其他应主动公开政府信息494条。主动公开政府信息514条。", 2019, "fmt2019")
    assert v["proactive.published"]["value"] == 514


def test_evidence_offsets_point_at_the_number():
    text = "2017年，全市主动公开政府信息72521条。"
    m = vals(text)["proactive.published"]
    assert "72521" in text[m["char_start"]:m["char_end"]]


def test_money_is_stored_in_yuan():
    v = vals("全年收取政府信息公开信息处理费约0.5万元。", 2022, "fmt2021")
    assert v["fees.collected"]["value"] == 5000 and v["fees.collected"]["qualifier"] == "about"


def test_pre2014_summary_paragraph():
    text = ("2010年，我县共主动公开政府信息3256条，其中，通过政府网站公开2890条，通过政府公报公开120条，"
            "通过公开栏、电子屏等其他方式公开246条。已答复25件，其中同意公开18件。"
            "全县共有政府信息公开工作人员68人，其中专职12人，兼职56人。举办培训班5期，培训信息公开工作人员260人次。")
    v = {k: m["value"] for k, m in vals(text, 2010, "pre2014").items()}
    assert v == {"proactive.published": 3256, "proactive.via_website": 2890, "proactive.via_gazette": 120,
                 "proactive.via_other": 246, "outcomes.total": 25, "outcomes.granted": 18, "capacity.staff": 68,
                 "capacity.staff_full_time": 12, "capacity.staff_part_time": 56, "capacity.trainings": 5,
                 "capacity.trainees": 260}


def test_fmt2019_summary_paragraph():
    text = ("2020年，共收到政府信息公开申请136件，上年结转3件。已办结135件，其中予以公开52件，部分公开18件，"
            "不予公开9件，无法提供41件，不予处理8件，其他处理7件；结转下年度继续办理4件。"
            "因政府信息公开被申请行政复议2件、提起行政诉讼1件。")
    v = {k: m["value"] for k, m in vals(text, 2020, "fmt2019").items()}
    assert v["requests.carried_in"] == 3 and v["requests.completed"] == 135 and v["requests.carried_out"] == 4
    assert v["outcomes.other"] == 7 and v["reconsideration.total"] == 2 and v["litigation.total"] == 1


def test_approvals_completed_are_not_requests_completed():
    v = vals("今年我局共受理审批事项117件，办结171件，办结率100%。", 2013, "pre2014")
    assert "requests.completed" not in v and "requests.received" not in v


def test_service_hall_applications_are_not_ogi_requests():
    v = vals("建立窗口服务大厅，区县已入驻审批服务部门和单位13个，开设窗口24个，共受理申请136437件。", 2015)
    assert "requests.received" not in v


def test_refused_is_not_granted():
    v = vals("其中同意公开的12件，不同意公开的3件。", 2015)
    assert v["outcomes.granted"]["value"] == 12 and v["outcomes.denied"]["value"] == 3
