"""Checks that compare two statements of the same report: a percentage with the counts it is
the ratio of (PERCENT), and a number stated in the prose with the table cell for the same
metric (TEXT-TABLE).

A percentage is tied to its counts only where the text makes the tie plain: `其中当面申请18件，
占申请总数的34.61%` — the numerator is the count just before it, which must be one of the
report's extracted values, and the denominator is the first count of the sentence.
"""
from __future__ import annotations

import re

from pipeline import checks
from pipeline.numbers import find_numbers

_SENT_END = re.compile(r"[。；;！？!?\n]")
_COUNT_UNITS = {"条", "件", "篇", "份", "个", "项", "人", "名", "人次", "次", "场", "期", "件次", "场次", "起", "宗"}
_SHARE = re.compile(r"占[^，。；0-9]{0,16}$")


def percent_mentions(text: str, values: list[dict], numbers: list | None = None) -> list[tuple[float, float, float, str]]:
    """(percent, numerator, denominator, snippet) for each percentage tied to extracted counts;
    `numbers` are the text's numbers if the caller already found them."""
    extracted = {v["char_start"]: v for v in values if v.get("method") == "prose" and v.get("char_start") is not None}
    mentions = []
    numbers = find_numbers(text) if numbers is None else numbers
    for num in numbers:                     # a mention is a percentage: none, nothing to tie
        if num.parsed is not None and num.parsed.percent:
            break
    else:
        return mentions
    sentence_first: dict[int, object] = {}
    last_count = None
    sent_start = 0
    scanned = 0
    rtext, n = text[::-1], len(text)
    for num in numbers:
        # the end of the last sentence break in text[max(sent_start, scanned):num.start] (each char
        # looked at once), found as the first break of the reversed text (breaks are one character)
        lo = sent_start if sent_start > scanned else scanned
        m = _SENT_END.search(rtext, n - num.start, n - lo) if lo < num.start else None
        cut = n - m.start() if m else None
        scanned = max(scanned, num.start)
        if cut is not None:
            sent_start, last_count = cut, None
        if num.parsed is None or num.parsed.value is None:
            continue
        if num.parsed.percent:
            first = sentence_first.get(sent_start)
            if (last_count is not None and first is not None and first is not last_count
                    and _SHARE.search(text[last_count.end:num.start]) and last_count.start in extracted):
                snippet = " ".join(text[first.start:num.end].split())[-120:]
                mentions.append((num.parsed.value, last_count.parsed.value, first.parsed.value, snippet))
            continue
        if num.unit in _COUNT_UNITS:
            sentence_first.setdefault(sent_start, num)
            last_count = num
    return mentions


def text_table(report_id: str, era: str | None, table_values: list[dict], prose_values: list[dict]) -> list[dict]:
    """TEXT-TABLE rows: a prose number that differs from the table cell of the same metric."""
    if era not in ("fmt2019", "fmt2021"):
        return []
    codes = {p["metric_code"] for p in prose_values}     # only the cells a prose value can be compared with
    cells = {(v["metric_code"], v["requester"], v["period"]): v for v in table_values
             if v["metric_code"] in codes and v["value"] is not None}
    rows = []
    for p in prose_values:
        t = cells.get((p["metric_code"], p["requester"], p["period"]))
        if t is None or p["value"] is None or p["qualifier"] != "exact" or abs(t["value"] - p["value"]) < 0.5:
            continue
        msg = (f"TEXT-TABLE: {p['metric_code']} is {checks.num(p['value'])} in the text "
               f"('{p.get('raw')}') but {checks.num(t['value'])} in the table")
        rows.append(checks.issue(report_id, "TEXT-TABLE", "failed", msg, [p["metric_code"]],
                                 t["value"], p["value"], "source"))
    return rows
