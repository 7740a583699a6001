"""Report metadata: the year a report covers, its document type, its era, and the publisher,
date and index number it states.

The year comes from the title, then the statistics period (统计期限 … 2019年1月1日 … 12月31日),
then the body — never from a document site's upload date or the publication date. A template
(范文) whose year was blanked gets no year.
"""
from __future__ import annotations

import re

_CN_DIGIT = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
             "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:度)?[^。\n]{0,40}?(?:报告|年报)")
_CN_YEAR = re.compile(r"([〇零○一二][〇零○一二三四五六七八九]{3})\s*年")
_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*0?1\s*月\s*0?1\s*日[^。]{0,12}?(?:至|到|—|-|－)\s*((?:19|20)\d{2})\s*年\s*12\s*月\s*31\s*日")
_PERIOD_SHORT = re.compile(r"统计期限[^。\d]{0,12}((?:19|20)\d{2})\s*年")
_BODY_YEAR = re.compile(r"(?<![\d\-/年])((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")
_TEMPLATE = re.compile(r"范文|模板|范本|样本|示例")
_INTERPRET = re.compile(r"解读|图解|一图读懂|问答")
_REPORT = re.compile(r"年度?报告|年报|工作报告|年度工作报告")
_STATS = re.compile(r"统计表|统计数据|情况统计")
_OTHER_TITLE = re.compile(r"的函$|函$|通知$|意见$|要点|方案$|总结|计划$|批复$|公告$|决定$")


def _cn_year(s: str) -> str:
    return "".join(_CN_DIGIT.get(c, c) for c in s)


def title_candidates(text: str, meta: dict) -> list[str]:
    out = [meta[k] for k in ("title",) if meta.get(k)]
    for m in re.finditer(r"(?:信息名称|标\s*题|文件名称)\s*[:：]?\s*([^\n]{4,80}?)(?:\s{2,}|\n|$)", text[:3000]):
        out.append(m.group(1))
    head = [ln.strip() for ln in text[:1500].splitlines() if ln.strip()][:4]
    if head:   # a title split over two lines is joined; a whole title on the first line stands alone
        out.append(head[0] if _REPORT.search(head[0]) and len(head[0]) <= 60 else " ".join(head[:2]))
    return out


def report_year(text: str, titles: list[str], doc_type: str, max_year: int) -> int | None:
    if doc_type == "template":
        return None
    for t in titles:
        for m in _YEAR_IN_TITLE.finditer(t):
            y = int(m.group(1))
            if 2007 <= y <= max_year:
                return y
        for m in _CN_YEAR.finditer(t):
            y = int(_cn_year(m.group(1)))
            if 2007 <= y <= max_year and re.search("报告|年报", t[m.end():]):
                return y
    m = _PERIOD.search(text)
    if m and m.group(1) == m.group(2):
        return int(m.group(1))
    m = _PERIOD_SHORT.search(text)
    if m:
        return int(m.group(1))
    counts: dict[int, int] = {}
    for m in _BODY_YEAR.finditer(text):
        y = int(m.group(1))
        if 2008 <= y <= max_year:
            counts[y] = counts.get(y, 0) + 1
    if counts:
        best = max(counts.values())
        return min(y for y, c in counts.items() if c == best)
    return None


def doc_type(text: str, titles: list[str]) -> str:
    head = " ".join(titles) + text[:400]
    if _TEMPLATE.search(head):
        return "template"
    for t in titles:
        if _INTERPRET.search(t) and _REPORT.search(t):
            return "interpretation"
    if titles and not _REPORT.search(titles[0]) and _OTHER_TITLE.search(titles[0]):
        return "other"          # a letter, notice or work plan that mentions the annual report
    if any(_REPORT.search(t) for t in titles):
        return "annual_report"
    if any(_STATS.search(t) for t in titles):
        return "statistics"
    return "annual_report" if _REPORT.search(text[:3000]) else "other"


def era(text: str, year: int | None) -> str | None:
    if any(w in text for w in ("本年制发件数", "现行有效件数", "逾期不补正")):
        return "fmt2021"
    if any(w in text for w in ("本年新收政府信息公开申请数量", "本年新制作数量", "上一年项目数量", "未经复议直接起诉")):
        return "fmt2021" if year and year >= 2021 else "fmt2019"
    if year is not None:
        return "fmt2021" if year >= 2021 else "fmt2019" if year >= 2019 else "stat2014" if year >= 2014 else "pre2014"
    if any(w in text for w in ("回应公众关注热点", "政务微博", "在线访谈", "政策解读稿件")):
        return "stat2014"
    return "pre2014"


def stated_fields(text: str, meta: dict) -> dict:
    out = {"publisher": meta.get("publisher") or None, "published_on": meta.get("published_on") or None,
           "index_no": meta.get("index_no") or None}
    head = text[:4000]
    if not out["index_no"] and (m := re.search(r"索\s*引\s*号\s*[:：]?\s*([0-9A-Za-z\-/_.]{6,60})", head)):
        out["index_no"] = m.group(1)
    if not out["publisher"] and (m := re.search(r"(?:发布机构|来\s*源)\s*[:：]\s*([\u4e00-\u9fff]{2,30})", head)):
        out["publisher"] = m.group(1)
    if not out["published_on"] and (m := re.search(
            r"(?:发布日期|发布时间|公开日期|日期)\s*[:：]?\s*((?:19|20)\d{2})[-年/.](\d{1,2})[-月/.](\d{1,2})", head)):
        out["published_on"] = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return out
