"""Synthetic reports as documents: the wording of each era, and the text and HTML writers.

`blocks(report)` lays a `pipeline.synth.Report` out as the national forms do — headings,
prose sentences worded like real reports, and tables as grids of `Cell`s with row/colspans
(table 2 第二十条, table 3 申请人情况 × 办理结果, table 4 行政复议/行政诉讼 of the 2019 and 2021
formats; the 2014 statistics form 统计指标/单位/统计数; a provincial 本年度/历年累计 table) —
and records in `report.stated` every value it writes, so the truth is what the document says.
`to_text` writes a clean text file (pipe tables) or a crawl dump (标题:/发布时间:/发布机构:
header, body run together, table cells glued); `to_html` a CMS-like page with real tables.
Noise (chrome, odd whitespace, full-width digits, glued cells) is drawn from the report's seed.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass

from pipeline.synth import DENIED, NOT_PROCESSED, OTHER_2021, REQUESTERS, RESULTS, UNABLE, Report

_FW = str.maketrans("0123456789", "０１２３４５６７８９")
# noise features of a noisy report and how often each is drawn: cells glued by a crawler (text),
# page chrome, odd whitespace, a few values in full-width digits
NOISE = {"glued": 0.8, "chrome": 0.7, "spaces": 0.5, "fullwidth": 0.4}
T3_LABELS = {
    "requests.received": "一、本年新收政府信息公开申请数量", "requests.carried_in": "二、上年结转政府信息公开申请数量",
    "outcomes.granted": "（一）予以公开", "outcomes.partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "outcomes.other": "（六）其他处理", "outcomes.total": "（七）总计", "requests.carried_out": "四、结转下年度继续办理"}
T3_GROUPS = {"denied": ("（三）不予公开", DENIED, "属于国家秘密 其他法律行政法规禁止公开 危及“三安全一稳定” 保护第三方合法权益 "
                        "属于三类内部事务信息 属于四类过程性信息 属于行政执法案卷 属于行政查询事项"),
             "unable": ("（四）无法提供", UNABLE, "本机关不掌握相关政府信息 没有现成信息需要另行制作 补正后申请内容仍不明确"),
             "not_processed": ("（五）不予处理", NOT_PROCESSED, "信访举报投诉类申请 重复申请 要求提供公开出版物 无正当理由大量反复申请 "
                               "要求行政机关确认或重新出具已获取信息"),
             "other": ("（六）其他处理", OTHER_2021, "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 "
                       "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 其他")}


@dataclass
class Cell:
    text: str
    rs: int = 1
    cs: int = 1
    value: bool = False


class _Doc:
    """Builds the blocks of one report; `n()` writes a value and records it as stated."""

    def __init__(self, r: Report, noise: float):
        self.r, self.out = r, []
        self.rng = random.Random(r.variant["seed"])
        if "noise" not in r.variant:       # drawn once; a caller may set it to force features
            noisy = self.rng.random() < noise
            r.variant["noise"] = {f: noisy and self.rng.random() < p for f, p in NOISE.items()}
        self.noise = r.variant["noise"]
        r.stated = set()

    def n(self, code: str, req: str = "total", period: str = "year", scale: float = 1.0, nd: int = 0) -> str:
        self.r.stated.add((code, req, period))
        v = self.r.values[(code, req, period)] / scale
        s = f"{v:.{nd}f}" if nd else str(int(v))
        return s.translate(_FW) if self.noise["fullwidth"] and self.rng.random() < 0.05 else s

    def c(self, code: str, req: str = "total", period: str = "year", cs: int = 1, **kw) -> Cell:
        return Cell(self.n(code, req, period, **kw), 1, cs, True)

    def h(self, s: str) -> None:
        self.out.append(("h", s))

    def p(self, s: str) -> None:
        self.out.append(("p", s))

    def table(self, rows: list[list[Cell]]) -> None:
        self.out.append(("table", rows))


def _intro(d: _Doc, basis: str) -> None:
    r, y = d.r, d.r.year
    d.out.append(("title", r.title))
    d.p(f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）{basis}要求，由{r.gov}办公室编制。"
        f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。本报告的电子版可在{r.gov}门户网站下载。"
        f"如对本报告有任何疑问，请与{r.gov}办公室联系。")


def _fmt(d: _Doc) -> None:
    r, y, we = d.r, d.r.year, "我" + d.r.place
    f21 = r.era == "fmt2021"
    _intro(d, "和《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔" + ("2021〕30号）" if f21 else "2019〕60号）"))
    d.h("一、总体情况")
    d.p(f"{y}年，{we}深入贯彻落实《条例》，扎实推进政务公开各项工作。（一）主动公开。全年主动公开政府信息"
        f"{d.n('proactive.published')}条，发布政策解读稿件{d.n('proactive.interpretations')}篇。（二）依申请公开。"
        f"全年共收到政府信息公开申请{d.n('requests.received')}件，办结{d.n('requests.completed')}件。")
    d.h("二、主动公开政府信息情况")
    if f21:
        head = [Cell("信息内容"), Cell("本年制发件数"), Cell("本年废止件数"), Cell("现行有效件数")]
        rows = [[Cell("第二十条第（一）项", cs=4)], head]
        rows += [[Cell(lbl)] + [d.c(f"{doc}.{k}") for k in ("issued", "repealed", "in_force")]
                 for lbl, doc in (("规章", "rules"), ("行政规范性文件", "normative_docs"))]
        for item, labels in (("五", ("行政许可",)), ("六", ("行政处罚", "行政强制"))):
            rows += [[Cell(f"第二十条第（{item}）项", cs=4)], [Cell("信息内容"), Cell("本年处理决定数量", cs=3)]]
            codes = {"行政许可": "licensing", "行政处罚": "penalty", "行政强制": "coercion"}
            rows += [[Cell(lbl), d.c(f"{codes[lbl]}.decisions", cs=3)] for lbl in labels]
        rows += [[Cell("第二十条第（八）项", cs=4)], [Cell("信息内容"), Cell("本年收费金额（单位：万元）", cs=3)],
                 [Cell("行政事业性收费"), d.c("admin_fees.amount", cs=3, scale=10000, nd=2)]]
    else:
        rows = [[Cell("第二十条第（一）项", cs=4)],
                [Cell("信息内容"), Cell("本年新制作数量"), Cell("本年新公开数量"), Cell("对外公开总数量")]]
        rows += [[Cell(lbl)] + [d.c(f"{doc}.{k}") for k in ("made", "published", "public_total")]
                 for lbl, doc in (("规章", "rules"), ("规范性文件", "normative_docs"))]
        head = [Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减"), Cell("处理决定数量")]
        for item, pairs in (("五", (("行政许可", "licensing"), ("其他对外管理服务事项", "other_services"))),
                            ("六", (("行政处罚", "penalty"), ("行政强制", "coercion")))):
            rows += [[Cell(f"第二十条第（{item}）项", cs=4)], head]
            rows += [[Cell(lbl)] + [d.c(f"{code}.{k}") for k in ("items_prev", "items_change", "decisions")]
                     for lbl, code in pairs]
        rows += [[Cell("第二十条第（八）项", cs=4)], [Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减", cs=2)],
                 [Cell("行政事业性收费"), d.c("admin_fees.items_prev"), d.c("admin_fees.items_change", cs=2)],
                 [Cell("第二十条第（九）项", cs=4)], [Cell("信息内容"), Cell("采购项目数量"), Cell("采购总金额", cs=2)],
                 [Cell("政府集中采购"), d.c("procurement.projects"), d.c("procurement.amount", cs=2)]]
    d.table(rows)
    d.h("三、收到和处理政府信息公开申请情况")
    d.table(_table3(d))
    d.h("四、政府信息公开行政复议、行政诉讼情况")
    words = [Cell(w, rs=1) for w in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")]
    heads = ("reconsideration", "litigation.direct", "litigation.after_review")
    d.table([[Cell("行政复议", cs=5), Cell("行政诉讼", cs=10)],
             [Cell(w.text, rs=2) for w in words] + [Cell("未经复议直接起诉", cs=5), Cell("复议后起诉", cs=5)],
             words + [Cell(w.text) for w in words], [d.c(f"{h}.{k}") for h in heads for k in RESULTS + ("total",)]])
    r.stated.update((f"litigation.{k}", "total", "year") for k in RESULTS + ("total",))
    d.h("五、存在的主要问题及改进情况")
    d.p(f"{y}年，{we}政府信息公开工作取得了一定成效，但仍存在一些不足：政策解读的形式还不够丰富，基层政务公开标准化规范化水平有待提升。"
        f"下一步，{we}将进一步完善工作机制，加强业务培训，持续提升政务公开质量。")
    d.h("六、其他需要报告的事项")
    fee = r.values[("fees.collected", "total", "year")]
    r.stated.add(("fees.collected", "total", "year"))
    d.p(f"{y}年，{we}未收取信息处理费。" if not fee else f"{y}年，{we}共收取信息处理费{int(fee)}元。")


def _table3(d: _Doc) -> list[list[Cell]]:
    r = d.r
    vals = lambda code: [d.c(code, req) for req in REQUESTERS + ("total",)]  # noqa: E731
    rows = [[Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rs=3, cs=3), Cell("申请人情况", cs=7)],
            [Cell("自然人", rs=2), Cell("法人或其他组织", cs=5), Cell("总计", rs=2)],
            [Cell(w) for w in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")]]
    groups = dict(T3_GROUPS)
    if r.era == "fmt2019":
        groups.pop("other")
    n_result = 4 + sum(len(g[1]) for g in groups.values()) - (0 if r.era == "fmt2019" else 1)
    for code in r.variant["t3"]:
        key = code.split(".", 1)[1]
        if code in T3_LABELS and not (code == "outcomes.other" and r.era == "fmt2021"):
            if code == "outcomes.granted":
                rows.append([Cell("三、本年度办理结果", rs=n_result), Cell(T3_LABELS[code], cs=2)] + vals(code))
            else:
                rows.append([Cell(T3_LABELS[code], cs=3 if code.startswith("requests.") else 2)] + vals(code))
            continue
        group, sub = key.split(".")
        label, subs, words = groups[group]
        i = subs.index(sub)
        first = [Cell(label, rs=len(subs))] if i == 0 else []
        rows.append(first + [Cell(f"{i + 1}.{words.split()[i]}")] + vals(code))
        if i == len(subs) - 1:
            r.stated.update((f"outcomes.{group}", req, "year") for req in REQUESTERS + ("total",))
    return rows


def _pre2019(d: _Doc) -> None:
    from pipeline.synth_forms import pre2019_body
    pre2019_body(d)


def blocks(r: Report, noise: float = 0.0) -> tuple[list[tuple], dict]:
    """The report as (kind, content) blocks (kind: title, h, p, table) and its noise features."""
    d = _Doc(r, noise)
    (_fmt if r.era.startswith("fmt") else _pre2019)(d)
    return d.out, d.noise


CHROME_TOP = ("当前位置：首页 > 政务公开 > 政府信息公开 > 政府信息公开年报", "【字体：大 中 小】 【打印本页】 【关闭窗口】")
CHROME_END = ("扫一扫在手机上查看当前页面", "相关链接：政府信息公开指南 | 政府信息公开制度")


def to_text(r: Report, items: list[tuple], noise: dict) -> str:
    """A text file: a crawl dump (header block; glued: body run together, cells and rows glued
    as crawlers leave them) or a clean text with one line per paragraph, ' | ' between cells."""
    rng = random.Random(r.variant["seed"] + 1)
    glued = noise["glued"]
    parts = []
    for kind, content in items:
        if kind != "table":
            parts.append(content)
            continue
        rows = []
        for row in content:
            cells = [c.text for c in row]
            if noise["spaces"]:
                cells = [c + " " * rng.choice((0, 0, 1, 3)) for c in cells]
            rows.append(("" if glued else " | ").join(cells))
        parts.append(("" if glued else "\n").join(rows))
    body = (" " if glued else "\n").join(parts)
    if noise["chrome"]:
        body = "\n".join(CHROME_TOP) + f"\n{r.title}\n来源：{r.gov}办公室 时间：{r.published}\n{body}\n" + "\n".join(CHROME_END)
    if not (r.variant["dump"] or glued):
        return body + "\n"
    head = [f"标题: {r.title}", f"发布时间: {r.published} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}", "文号: ",
            f"发布机构: {r.gov}办公室", "栏目: 政府信息公开年报", "=" * 20 + " 正文 " + "=" * 20]
    return "\n".join(head) + "\n" + body + "\n"


def to_html(r: Report, items: list[tuple], noise: dict) -> str:
    """A CMS-like page: meta tags, navigation chrome, the article in div.TRS_Editor, real tables."""
    rng = random.Random(r.variant["seed"] + 2)
    e = html.escape
    pad = (lambda s: f"&nbsp;{s}\n " if noise["spaces"] and rng.random() < 0.2 else s)  # noqa: E731
    body = []
    for kind, content in items:
        if kind == "title":
            continue
        if kind == "table":
            rows = "".join("<tr>" + "".join(
                f'<td{f" rowspan={c.rs}" if c.rs > 1 else ""}{f" colspan={c.cs}" if c.cs > 1 else ""}>'
                f"<p><span>{pad(e(c.text))}</span></p></td>" for c in row) + "</tr>\n" for row in content)
            body.append(f'<table border="1" cellspacing="0"><tbody>\n{rows}</tbody></table>')
        else:
            body.append(f"<p><strong>{e(content)}</strong></p>" if kind == "h" else f"<p>{e(content)}</p>")
    chrome = f'<div class="position">{e(CHROME_TOP[0])}</div>' if noise["chrome"] else ""
    foot = f'<div class="footer">主办单位：{e(r.gov)}办公室 版权所有 网站标识码：{rng.randint(10**9, 10**10 - 1)}</div>' if noise["chrome"] else ""
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{e(r.title)}</title>\n'
            f'<meta name="ArticleTitle" content="{e(r.title)}"><meta name="PubDate" content="{r.published} 09:30">'
            f'<meta name="ContentSource" content="{e(r.gov)}办公室"></head>\n<body>{chrome}\n'
            f'<div class="article"><h1>{e(r.title)}</h1><div class="info">发布时间：{r.published} 来源：{e(r.gov)}办公室</div>\n'
            f'<div class="TRS_Editor">\n' + "\n".join(body) + f"\n</div></div>\n{foot}</body></html>\n")
