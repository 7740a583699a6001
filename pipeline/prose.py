"""Prose extraction: numbers stated in running text → metric values, by the catalogue's rules.

For every number with a unit (pipeline.numbers.find_numbers) the clause before it is matched
against the `prose` rules of catalogue.yaml; the first rule that fits names the metric. The
first mention of a metric wins. A number is skipped when its sentence speaks of another year,
and recorded as `cumulative` when it speaks of a running total (截至, 累计, 以来 …). Numbers
about sub-units (a bureau, a department, a hotline) are not the jurisdiction's figures.
Explicit zero statements (没有收费, 未发生行政复议 …) give 0 when no number was found.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate

from pipeline import catalogue
from pipeline.numbers import find_numbers, parse_money_to_yuan

_CLAUSE_END = re.compile(r"[，,；;。：:！？!?]|其中|分别为")
_SENT_END = re.compile(r"[。；;！？!?\n]")
_YEAR = re.compile(r"(?<![\d])((?:19|20)\d{2})\s*年")
_CUMULATIVE = re.compile(r"截至|截止|累计|以来|历年|至今|至目前|成立以来|上线以来")
_SUBUNIT = re.compile(r"部门(?:在|共|通过|于|全年|今年)|专线|(?<![我本该])(?:局|委员会|中心)(?:在|共|通过|于|全年|今年)")
_TOPIC = re.compile(r"行政复议|复议|行政诉讼|诉讼|起诉")
UNIT_KIND = {"条": "item", "件": "item", "篇": "item", "份": "item", "个": "item", "项": "item", "宗": "item",
             "起": "item", "人": "person", "名": "person", "人次": "person", "次": "times", "场": "times",
             "期": "times", "场次": "times", "件次": "item", "元": "yuan", "万元": "yuan", "亿元": "yuan"}


@lru_cache(maxsize=1)
def _rules() -> list[dict]:
    out = []
    for r in catalogue.load()["prose"]:
        out.append({**r, "_left": re.compile(r.get("left", "$")), "_right": re.compile(r["right"]) if r.get("right") else None,
                    "_prev": re.compile(r["prev"]) if r.get("prev") else None,
                    "_not": re.compile(r["not"]) if r.get("not") else None,
                    "_not_sentence": re.compile(r["not_sentence"]) if r.get("not_sentence") else None})
    return out


def _clause_start(text: str, pos: int, floor: int) -> int:
    lo = max(floor, pos - 80)
    last = lo
    for m in _CLAUSE_END.finditer(text, lo, pos):
        last = m.end()
    return last


def _sentence_start(text: str, pos: int) -> int:
    lo = max(0, pos - 300)
    last = lo
    for m in _SENT_END.finditer(text, lo, pos):
        last = m.end()
    return last


def _topic(text: str, sent_start: int, pos: int) -> str | None:
    found = _TOPIC.findall(text, sent_start, pos)
    if not found:
        prev = _sentence_start(text, max(0, sent_start - 1))
        found = _TOPIC.findall(text, prev, sent_start)
    if not found:
        return None
    return "reconsideration" if "复议" in found[-1] else "litigation"


def _skipper(skip) -> Callable[[int], bool]:
    """Whether an offset falls in one of the (start, end) ranges: a binary search."""
    spans = sorted(skip)
    starts = [a for a, _ in spans]
    ends = list(accumulate((b for _, b in spans), max))

    def inside(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i >= 0 and ends[i] > pos
    return inside


def extract(text: str, report_year: int | None, era: str | None, skip: list[tuple[int, int]] = (),
            numbers: list | None = None) -> list[dict]:
    """Metric values stated in the prose of `text` (ranges in `skip`, e.g. tables, are left out);
    `numbers` are the text's numbers if the caller already found them."""
    values: dict[tuple[str, str], dict] = {}
    prev_end = 0
    skipped = _skipper(skip)
    for num in find_numbers(text) if numbers is None else numbers:
        if skipped(num.start):
            continue
        unit = num.unit or ""
        if unit in ("%", "％") or num.parsed is None or num.parsed.value is None or num.parsed.percent:
            prev_end = num.end
            continue
        kind = UNIT_KIND.get(unit)
        if kind is None:
            prev_end = num.end
            continue
        cstart = _clause_start(text, num.start, prev_end)
        left = re.sub(r"\s+", "", text[cstart:num.start])
        right_end = _CLAUSE_END.search(text, num.end, min(len(text), num.end + 40))
        right = re.sub(r"\s+", "", text[num.end:right_end.start() if right_end else min(len(text), num.end + 40)])
        sstart = _sentence_start(text, num.start)
        prefix = text[sstart:num.start]
        prev_clause = text[_clause_start(text, max(cstart - 1, 0), 0):cstart]
        prev_end = num.end
        code = _match(left, right, prev_clause, kind, era, text, sstart, num.start, prefix)
        if code is None or code not in catalogue.codes():
            continue
        if _other_year(prefix, report_year) or _SUBUNIT.search(left):
            continue
        period = "cumulative" if _CUMULATIVE.search(prefix.rsplit("其中", 1)[-1]) else "year"
        if (code, period) in values:
            continue
        value = num.parsed.value
        if unit in ("元", "万元", "亿元"):
            value = parse_money_to_yuan(num.raw, unit)   # money is stored in yuan
            if value is None:
                continue
        values[(code, period)] = {
            "metric_code": code, "requester": "total", "period": period, "value": value,
            "raw": num.raw, "unit": catalogue.unit_of(code), "qualifier": num.parsed.qualifier,
            "method": "prose", "char_start": num.start, "char_end": num.end,
            "table_index": None, "row_index": None, "col_index": None,
        }
    _zeros(text, values, report_year, skipped)
    return list(values.values())


def _match(left, right, prev_clause, kind, era, text, sstart, pos, prefix) -> str | None:
    for r in _rules():
        if r.get("eras") and era not in r["eras"]:
            continue
        if r.get("units") and kind not in r["units"]:
            continue
        if not r["_left"].search(left):
            continue
        if r["_right"] and not r["_right"].search(right):
            continue
        if r["_prev"] and not r["_prev"].search(prev_clause):
            continue
        if r["_not"] and r["_not"].search(left):
            continue
        if r["_not_sentence"] and r["_not_sentence"].search(prefix):
            continue
        code = r["code"]
        if "{topic}" in code:
            topic = _topic(text, sstart, pos)
            if topic is None:
                continue
            code = code.replace("{topic}", topic)
        return code
    return None


def _other_year(prefix: str, year: int | None) -> bool:
    if year is None:
        return False
    for m in _YEAR.finditer(prefix):
        before = prefix[max(0, m.start() - 2):m.start()]
        if "至" in before or "到" in before:
            continue
        if int(m.group(1)) != year:
            return True
    return False


def _zeros(text: str, values: dict, report_year: int | None, skipped: Callable[[int], bool]) -> None:
    for rule in catalogue.load().get("prose_zero", []):
        code = rule["code"]
        if (code, "year") in values:
            continue
        for m in re.finditer(rule["pattern"], text):
            if skipped(m.start()):
                continue
            prefix = text[_sentence_start(text, m.start()):m.start()]
            if _CUMULATIVE.search(prefix) or _other_year(prefix, report_year):
                continue
            values[(code, "year")] = {
                "metric_code": code, "requester": "total", "period": "year", "value": 0.0, "raw": m.group(),
                "unit": catalogue.unit_of(code), "qualifier": "exact", "method": "prose",
                "char_start": m.start(), "char_end": m.end(), "table_index": None, "row_index": None, "col_index": None,
            }
            break
