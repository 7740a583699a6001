"""The wording of synthetic pre-2019 reports (eras pre2014 and stat2014), for synth_render.

Prose sections worded as real reports word them ("全年共收到政府信息公开申请52件，其中当面申请
18件，占申请总数的34.62%…"), the national statistics form of 国办发〔2014〕32号 (统计指标 |
单位 | 统计数) and a provincial table with 本年度 / 历年累计 columns (Fujian style). Every number
goes through `d.n()` so the truth records exactly what the document states.
"""
from __future__ import annotations

from pipeline.synth_render import Cell

_CHANNEL_WORDS = {"in_person": "当面申请", "online": "网上申请", "letter": "信函申请", "fax": "传真申请",
                  "email": "电子邮件申请", "other_channel": "其他形式申请"}
_REPLY_WORDS = {"already_public": "属于已主动公开范围的", "granted": "同意公开的", "partial": "同意部分公开的",
                "denied": "不予公开的", "not_this_agency": "不属于本行政机关公开的", "not_exist": "申请信息不存在的",
                "asked_to_clarify": "告知作出更改补充的", "redirected": "告知通过其他途径办理的"}
# the 2014 national statistics form: (label, unit, code or None for a heading row, scale)
NATIONAL = [
    ("一、主动公开情况", "", None), ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条", "proactive.published"),
    ("其中：主动公开规范性文件数", "条", "proactive.normative_docs_published"), ("制发规范性文件总数", "件", "proactive.normative_docs_issued"),
    ("（二）通过不同渠道和方式公开政府信息的情况", "", None), ("1.政府公报公开政府信息数", "条", "proactive.via_gazette"),
    ("2.政府网站公开政府信息数", "条", "proactive.via_website"), ("3.政务微博公开政府信息数", "条", "proactive.via_weibo"),
    ("4.政务微信公开政府信息数", "条", "proactive.via_wechat"), ("5.其他方式公开政府信息数", "条", "proactive.via_other"),
    ("二、回应解读情况", "", None), ("（一）回应公众关注热点或重大舆情数（不同方式回应同一热点或舆情计1次）", "次", "proactive.public_concern_responses"),
    ("（二）通过不同渠道和方式回应解读的情况", "", None), ("1.参加或举办新闻发布会总次数", "次", "proactive.press_conferences"),
    ("2.政府网站在线访谈次数", "次", "proactive.online_interviews"), ("3.政策解读稿件发布数", "篇", "proactive.interpretations"),
    ("三、依申请公开情况", "", None), ("（一）收到申请数", "件", "requests.received"), ("1.当面申请数", "件", "requests.in_person"),
    ("2.传真申请数", "件", "requests.fax"), ("3.网络申请数", "件", "requests.online"), ("4.信函申请数", "件", "requests.letter"),
    ("（二）申请办结数", "件", "requests.completed"), ("1.按时办结数", "件", "requests.completed_on_time"),
    ("2.延期办结数", "件", "requests.completed_extended"), ("（三）申请答复数", "件", "outcomes.total"),
    ("1.属于已主动公开范围数", "件", "outcomes.already_public"), ("2.同意公开答复数", "件", "outcomes.granted"),
    ("3.同意部分公开答复数", "件", "outcomes.partial"), ("4.不同意公开答复数", "件", "outcomes.denied"),
    ("其中：涉及国家秘密", "件", "outcomes.denied.state_secret"), ("涉及商业秘密", "件", "outcomes.denied.commercial_secret"),
    ("5.不属于本行政机关公开数", "件", "outcomes.not_this_agency"), ("6.申请信息不存在数", "件", "outcomes.not_exist"),
    ("7.告知作出更改补充数", "件", "outcomes.asked_to_clarify"), ("8.告知通过其他途径办理数", "件", "outcomes.redirected"),
    ("四、行政复议数量", "件", "reconsideration.total"), ("（一）维持具体行政行为数", "件", "reconsideration.upheld"),
    ("（二）被依法纠错数", "件", "reconsideration.corrected"), ("（三）其他情形数", "件", "reconsideration.other"),
    ("五、行政诉讼数量", "件", "litigation.total"), ("（一）维持具体行政行为或者驳回原告诉讼请求数", "件", "litigation.upheld"),
    ("（二）被依法纠错数", "件", "litigation.corrected"), ("（三）其他情形数", "件", "litigation.other"),
    ("六、举报投诉数量", "件", "complaints.total"), ("七、依申请公开信息收取的费用", "万元", "fees.collected"),
    ("八、机构建设和保障经费情况", "", None), ("（一）政府信息公开工作专门机构数", "个", "capacity.offices"),
    ("（二）设置政府信息公开查阅点数", "个", "capacity.reading_points"), ("（三）从事政府信息公开工作人员数", "人", "capacity.staff"),
    ("1.专职人员数", "人", "capacity.staff_full_time"), ("2.兼职人员数", "人", "capacity.staff_part_time"),
    ("（四）政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）", "万元", "capacity.budget"),
    ("九、政府信息公开会议和培训情况", "", None), ("（一）召开政府信息公开工作会议或专题会议数", "次", "capacity.meetings"),
    ("（二）举办各类培训班数", "次", "capacity.trainings"), ("（三）接受培训人员数", "人次", "capacity.trainees")]
_FUJIAN_CHANNELS = {"pre2014": ("in_person", "fax", "email", "online", "letter", "other_channel"),
                    "stat2014": ("in_person", "online", "letter", "fax")}
_FUJIAN_CHANNEL_LABELS = {"in_person": "当面申请数", "fax": "传真申请数", "email": "电子邮件申请数", "online": "网上申请数",
                          "letter": "信函申请数", "other_channel": "其它形式申请数"}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}"


def pre2019_body(d) -> None:
    r, y = d.r, d.r.year
    we, area, v = "我" + r.place, "全" + r.place, r.values
    stat = r.era == "stat2014"
    has = lambda code: (code, "total", "year") in v  # noqa: E731
    from pipeline.synth_render import _intro
    _intro(d, "和国务院办公厅有关通知" if not stat else "和《国务院办公厅关于印发当前政府信息公开重点工作安排的通知》")
    d.h("一、概述")
    d.p(f"{y}年，{we}认真贯彻落实《条例》，不断完善工作机制，拓宽公开渠道。{we}现有从事政府信息公开工作人员"
        f"{d.n('capacity.staff')}人，其中专职人员{d.n('capacity.staff_full_time')}人、兼职人员{d.n('capacity.staff_part_time')}人。"
        f"全年组织政府信息公开培训班{d.n('capacity.trainings')}期，培训人员数量{d.n('capacity.trainees')}人次。")
    d.h("二、主动公开政府信息情况")
    if stat:
        d.p(f"{y}年，{area}各级行政机关主动公开政府信息{d.n('proactive.published')}条，其中主动公开规范性文件"
            f"{d.n('proactive.normative_docs_published')}条，制发规范性文件{d.n('proactive.normative_docs_issued')}件。"
            f"通过政府公报公开政府信息{d.n('proactive.via_gazette')}条；通过政府网站发布政府信息{d.n('proactive.via_website')}条；"
            f"通过微博主动公开政府信息{d.n('proactive.via_weibo')}条，微信主动公开政府信息{d.n('proactive.via_wechat')}条；"
            f"通过其他方式主动公开政府信息{d.n('proactive.via_other')}条。回应公众关注热点或重大舆情"
            f"{d.n('proactive.public_concern_responses')}次。举办新闻发布会{d.n('proactive.press_conferences')}次，"
            f"发布政策解读稿件{d.n('proactive.interpretations')}篇。")
    else:
        d.p(f"{y}年，{area}主动公开政府信息{d.n('proactive.published')}条，其中通过政府网站公开政府信息"
            f"{d.n('proactive.via_website')}条，通过政府公报公开政府信息{d.n('proactive.via_gazette')}条。")
    d.h("三、依申请公开政府信息情况")
    received = v[("requests.received", "total", "year")]
    if received == 0 and not r.flags:
        d.n("requests.received")
        d.p(f"{y}年，{area}未收到政府信息公开申请。")
    else:
        channels = [c for c in _CHANNEL_WORDS if has(f"requests.{c}")]
        parts = []
        for c in channels:
            pct = f"，占申请总数的{_pct(v[(f'requests.{c}', 'total', 'year')], received)}%" if stat and received else ""
            parts.append(f"{_CHANNEL_WORDS[c]}{d.n(f'requests.{c}')}件{pct}")
        text = f"{y}年，{area}共收到政府信息公开申请{d.n('requests.received')}件，其中" + ("；" if stat else "，").join(parts) + "。"
        if stat:
            text += (f"申请办结{d.n('requests.completed')}件，其中按时办结{d.n('requests.completed_on_time')}件，"
                     f"延期办结{d.n('requests.completed_extended')}件。")
        replies = [c for c in _REPLY_WORDS if has(f"outcomes.{c}")]
        words = dict(_REPLY_WORDS, denied=r.variant.get("denied_word", _REPLY_WORDS["denied"]))
        text += f"对申请的答复总数{d.n('outcomes.total')}件，其中" + "，".join(
            f"{words[c]}{d.n(f'outcomes.{c}')}件" for c in replies) + "。"
        d.p(text)
    d.h("四、政府信息公开的收费及减免情况")
    fee = v[("fees.collected", "total", "year")]
    r.stated.add(("fees.collected", "total", "year"))
    d.p(f"{y}年，{we}依申请提供政府信息未收取任何费用。" if not fee else
        f"{y}年，{we}依申请提供政府信息共收取检索、复制、邮寄等费用{int(fee)}元。")
    d.h("五、因政府信息公开申请行政复议、提起行政诉讼的情况")
    rt, lt = v[("reconsideration.total", "total", "year")], v[("litigation.total", "total", "year")]
    if rt == 0 and lt == 0:
        d.n("reconsideration.total"), d.n("litigation.total")
        text = f"{y}年，{we}未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"
    else:
        text = (f"{y}年，{we}因政府信息公开被申请行政复议{d.n('reconsideration.total')}件，其中维持具体行政行为"
                f"{d.n('reconsideration.upheld')}件，被依法纠错{d.n('reconsideration.corrected')}件，其他情形"
                f"{d.n('reconsideration.other')}件；被提起行政诉讼{d.n('litigation.total')}件，其中维持具体行政行为或者驳回原告诉讼请求"
                f"{d.n('litigation.upheld')}件，被依法纠错{d.n('litigation.corrected')}件，其他情形{d.n('litigation.other')}件。")
    d.p(text + f"全年办理政府信息公开投诉举报案件{d.n('complaints.total')}件。")
    d.h("六、存在的主要问题及改进情况")
    d.p(f"{we}政府信息公开工作还存在一些不足，主要是部分单位公开意识有待增强，公开内容不够全面。下一步，{we}将进一步健全工作制度，"
        "加强监督检查，推动政府信息公开工作深入开展。")
    table = r.variant.get("table")
    if table == "national":
        d.h(f"附表：政府信息公开情况统计表（{y}年度）")
        rows = [[Cell("统 计 指 标"), Cell("单位"), Cell("统计数")]]
        for label, unit, code in NATIONAL:
            wan = unit == "万元"
            rows.append([Cell(label), Cell(unit), d.c(code, scale=10000 if wan else 1, nd=2 if wan else 0) if code else Cell("")])
        d.table(rows)
    elif table == "fujian":
        d.h(f"附件：{r.gov}{y}年政府信息公开情况统计表")
        rows = [[Cell("指标名称"), Cell("计量单位"), Cell(f"{y}年度"), Cell("历年累计")]]

        def row(label: str, code: str, unit: str = "条") -> None:
            rows.append([Cell(label), Cell(unit), d.c(code), d.c(code, period="cumulative")])
        row("主动公开信息数", "proactive.published")
        row("其中：1.网站公开", "proactive.via_website")
        row("2.政府公报公开", "proactive.via_gazette")
        row("受理依申请公开信息总数", "requests.received")
        for i, c in enumerate(_FUJIAN_CHANNELS[r.era], 1):
            row(f"{'其中：' if i == 1 else ''}{i}.{_FUJIAN_CHANNEL_LABELS[c]}", f"requests.{c}")
        row("对申请的答复数", "outcomes.total")
        for i, (c, w) in enumerate((("granted", "同意公开答复数"), ("partial", "同意部分公开答复数"), ("denied", "否决公开答复数")), 1):
            row(f"{'其中：' if i == 1 else ''}{i}.{w}", f"outcomes.{c}")
        row("行政复议数", "reconsideration.total", "件")
        row("行政诉讼数", "litigation.total", "件")
        row("行政申诉数", "complaints.total", "件")
        d.table(rows)
