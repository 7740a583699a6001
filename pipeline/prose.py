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
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from pipeline import catalogue, regex_facts
from pipeline.numbers import Spans, find_numbers, parse_money_to_yuan

_CLAUSE_END = re.compile(r"[，,；;。：:！？!?]|其中|分别为")
# _CLAUSE_END as one character class (the regex engine skips ahead by a class alone, not by an
# alternation), forwards and backwards: a hit on 其/分 (中/为 backwards) counts only with the rest
# of its word (其中, 分别为); no two breaks overlap, so the first one backwards is the last one
_BREAK = re.compile(r"[，,；;。：:！？!?其分]")
_BREAK_REV = re.compile(r"[，,；;。：:！？!?中为]")
_WORDS = {"其": "中", "分": "别为"}
_WORDS_REV = {"中": "其", "为": "别分"}


def _break(s: str, a: int, b: int, class_: re.Pattern, words: dict) -> int:
    """Start of the first `_CLAUSE_END` match in s[a:b] (`_BREAK`, `_WORDS`), or of the first
    reversed one (`_BREAK_REV`, `_WORDS_REV`); -1 if none."""
    while (m := class_.search(s, a, b)) is not None:
        q = m.start()
        rest = words.get(s[q])
        if rest is None or (s.startswith(rest, q + 1) and q + 1 + len(rest) <= b):
            return q
        a = q + 1
    return -1
_SENT_END = re.compile(r"[。；;！？!?\n]")      # one character: also finds the last one read backwards
_WS = re.compile(r"\s+")
_YEAR = re.compile(r"((?:19|20)\d{2})(?<!\d\d{4})\s*年")   # (?<!\d) before the year, checked after it
_CUMULATIVE = re.compile(r"截至|截止|累计|以来|历年|至今|至目前|成立以来|上线以来")
_SUBUNIT = re.compile(r"部门(?:在|共|通过|于|全年|今年)|专线|(?<![我本该])(?:局|委员会|中心)(?:在|共|通过|于|全年|今年)")
_TOPIC = re.compile(r"行政复议|复议|行政诉讼|诉讼|起诉")
UNIT_KIND = {"条": "item", "件": "item", "篇": "item", "份": "item", "个": "item", "项": "item", "宗": "item",
             "起": "item", "人": "person", "名": "person", "人次": "person", "次": "times", "场": "times",
             "期": "times", "场次": "times", "件次": "item", "元": "yuan", "万元": "yuan", "亿元": "yuan"}


class _Rule(NamedTuple):
    code: str
    eras: tuple | None
    units: tuple | None
    left: re.Pattern
    right: re.Pattern | None
    prev: re.Pattern | None
    not_: re.Pattern | None
    not_sentence: re.Pattern | None


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[_Rule, ...], dict[str, tuple], dict[str, tuple], tuple[_Rule, ...]]:
    """The prose rules in catalogue order, and which of them can match a clause by how it ends:
    (all, by its last two characters, by its last one, for any clause). A rule's `left` pattern
    can often only end with certain strings (`regex_facts.tails`): it is listed under those."""
    rules, ends = [], []
    for r in catalogue.load()["prose"]:
        opt = {k: re.compile(r[k]) if r.get(k) else None for k in ("right", "prev", "not", "not_sentence")}
        rules.append(_Rule(r["code"], tuple(r["eras"]) if r.get("eras") else None,
                           tuple(r["units"]) if r.get("units") else None, re.compile(r.get("left", "$")),
                           opt["right"], opt["prev"], opt["not"], opt["not_sentence"]))
        ends.append(regex_facts.tails(r.get("left", "$"), 2))
    anywhere = [e is None or "" in e for e in ends]
    always = tuple(r for r, a in zip(rules, anywhere) if a)
    ones = {t for e in ends if e for t in e if len(t) == 1}
    twos = {t for e in ends if e for t in e if len(t) == 2}
    by1 = {c: tuple(r for r, e, a in zip(rules, ends, anywhere) if a or c in e) for c in ones}
    by2 = {s: tuple(r for r, e, a in zip(rules, ends, anywhere) if a or s in e or s[-1] in e) for s in twos}
    return tuple(rules), by2, by1, always


def _candidates(left: str) -> tuple[_Rule, ...]:
    """The rules that can match a clause ending like `left` (the others cannot), in order."""
    _, by2, by1, always = _rules()
    if len(left) >= 2:
        found = by2.get(left[-2:])
        return found if found is not None else by1.get(left[-1], always)
    return by1.get(left, always) if left else always


def _clause_start(text: str, pos: int, floor: int, rtext: str | None = None) -> int:
    """End of the last clause break in text[max(floor, pos - 80):pos] (or that start if none).
    `rtext` is text[::-1]: the first break found in it backwards is the last one."""
    lo = max(floor, pos - 80)
    if rtext is None:
        rtext = text[::-1]
    n = len(text)
    q = _break(rtext, n - pos, n - lo, _BREAK_REV, _WORDS_REV)
    return n - q if q >= 0 else lo


def _sentence_start(text: str, pos: int, rtext: str | None = None) -> int:
    lo = max(0, pos - 300)
    if rtext is None:
        rtext = text[::-1]
    n = len(text)
    m = _SENT_END.search(rtext, n - pos, n - lo)
    return n - m.start() if m else lo


def _topic(text: str, sent_start: int, pos: int, rtext: str | None = None) -> str | None:
    found = _TOPIC.findall(text, sent_start, pos)
    if not found:
        prev = _sentence_start(text, max(0, sent_start - 1), rtext)
        found = _TOPIC.findall(text, prev, sent_start)
    if not found:
        return None
    return "reconsideration" if "复议" in found[-1] else "litigation"


def _skipper(skip) -> Callable[[int], bool]:
    """Whether an offset falls in one of the (start, end) ranges: a binary search."""
    return (skip if isinstance(skip, Spans) else Spans(skip)).inside


def _nows(s: str) -> str:
    return _WS.sub("", s) if _WS.search(s) else s


def extract(text: str, report_year: int | None, era: str | None, skip: list[tuple[int, int]] | Spans = (),
            numbers: list | None = None, *, outside: bool = False) -> list[dict]:
    """Metric values stated in the prose of `text` (ranges in `skip`, e.g. tables, are left out);
    `numbers` are the text's numbers if the caller already found them; `outside`: none of them
    starts in a `skip` range (they were found with these ranges: `Spans.nested`)."""
    values: dict[tuple[str, str], dict] = {}
    prev_end = 0
    skipped = _skipper(skip)
    ask = not (outside and numbers is not None)
    rtext, n, codes = text[::-1], len(text), catalogue.codes()
    for num in find_numbers(text) if numbers is None else numbers:
        start, parsed, unit = num.start, num.parsed, num.unit or ""
        if ask and skipped(start):
            continue
        if unit in ("%", "％") or parsed is None or parsed.value is None or parsed.percent:
            prev_end = num.end
            continue
        kind = UNIT_KIND.get(unit)
        if kind is None:
            prev_end = num.end
            continue
        cstart = _clause_start(text, start, prev_end, rtext)
        left = _nows(text[cstart:start])
        prev_end = num.end
        rules = _candidates(left)
        if not rules:
            continue
        ctx = _Context(text, rtext, num.end, cstart, num.start)
        code = _match(rules, left, ctx, kind, era)
        if code is None or code not in codes:
            continue
        prefix = ctx.prefix
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
    _zeros(text, values, report_year, skipped, rtext)
    return list(values.values())


class _Context:
    """The text around one number, each piece computed when a rule first asks for it: the
    clause after it (`right`), the clause before its own (`prev_clause`), its sentence so far
    (`prefix`, from `sstart`)."""

    def __init__(self, text: str, rtext: str, end: int, cstart: int, pos: int) -> None:
        self.text, self.rtext, self.end, self.cstart, self.pos = text, rtext, end, cstart, pos
        self._right = self._prev = self._sstart = None

    @property
    def right(self) -> str:
        if self._right is None:
            text, end = self.text, self.end
            stop = min(len(text), end + 40)
            q = _break(text, end, stop, _BREAK, _WORDS)          # (`_CLAUSE_END.search`)
            self._right = _nows(text[end:q if q >= 0 else stop])
        return self._right

    @property
    def prev_clause(self) -> str:
        if self._prev is None:
            cstart = self.cstart
            self._prev = self.text[_clause_start(self.text, max(cstart - 1, 0), 0, self.rtext):cstart]
        return self._prev

    @property
    def sstart(self) -> int:
        if self._sstart is None:
            self._sstart = _sentence_start(self.text, self.pos, self.rtext)
        return self._sstart

    @property
    def prefix(self) -> str:
        return self.text[self.sstart:self.pos]


def _match(rules, left: str, ctx: _Context, kind: str, era: str | None) -> str | None:
    """The code of the first rule (in catalogue order) that names the number."""
    for r in rules:
        if r.eras and era not in r.eras:
            continue
        if r.units and kind not in r.units:
            continue
        if not r.left.search(left):
            continue
        if r.right and not r.right.search(ctx.right):
            continue
        if r.prev and not r.prev.search(ctx.prev_clause):
            continue
        if r.not_ and r.not_.search(left):
            continue
        if r.not_sentence and r.not_sentence.search(ctx.prefix):
            continue
        code = r.code
        if "{topic}" in code:
            topic = _topic(ctx.text, ctx.sstart, ctx.pos, ctx.rtext)
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


def _zeros(text: str, values: dict, report_year: int | None, skipped: Callable[[int], bool],
           rtext: str | None = None) -> None:
    for code, pattern, hint in _zero_rules():
        if (code, "year") in values:
            continue
        for m in regex_facts.finditer(pattern, text, hint):
            if skipped(m.start()):
                continue
            prefix = text[_sentence_start(text, m.start(), rtext):m.start()]
            if _CUMULATIVE.search(prefix) or _other_year(prefix, report_year):
                continue
            values[(code, "year")] = {
                "metric_code": code, "requester": "total", "period": "year", "value": 0.0, "raw": m.group(),
                "unit": catalogue.unit_of(code), "qualifier": "exact", "method": "prose",
                "char_start": m.start(), "char_end": m.end(), "table_index": None, "row_index": None, "col_index": None,
            }
            break


@lru_cache(maxsize=1)
def _zero_rules() -> tuple[tuple[str, re.Pattern, tuple | None], ...]:
    return tuple((r["code"], re.compile(r["pattern"]), regex_facts.anchor(r["pattern"]))
                 for r in catalogue.load().get("prose_zero", []))
