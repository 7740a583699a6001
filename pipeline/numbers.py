"""Parse numbers the way OGI annual reports state them.

Role: the one place that turns the text of a number — a table cell or a figure inside
running prose — into a value plus how the source qualifies it. Handles Arabic digits
(thousands separators, decimals, full-width digits), Chinese numerals (一百零五, 两万,
一万二千), mixed forms (4.7万, 12万余), qualifiers (余/多/逾/超/超过/突破/以上/过 → at_least;
约/近/左右/大约/将近 → about), percentages and blank cells ('/', '—', '无', …), which are
null and never 0. Values are computed with Decimal and returned as float. Pure functions,
no I/O; every regex is bounded so no input can make it backtrack catastrophically.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

BLANKS = frozenset({"", "/", "／", "—", "-", "–", "——", "无", "空", "--", "---", "—-", "//", "\\"})
_AT_LEAST_PRE = ("超过", "突破", "逾", "超", "过")
_ABOUT_PRE = ("大约", "将近", "约", "近")
_PREFIXES = sorted(_AT_LEAST_PRE + _ABOUT_PRE, key=len, reverse=True)
_SUFFIXES = (("以上", "at_least"), ("左右", "about"), ("余", "at_least"), ("多", "at_least"))
UNITS = ("人次", "场次", "件次", "万元", "亿元", "条", "件", "篇", "份", "个", "项", "宗", "起", "人", "名", "次", "场",
         "期", "元", "%")
_STRIP_UNITS = tuple(u for u in UNITS if u not in ("万元", "亿元", "%"))
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNIT_VALUES = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10**4, "亿": 10**8}
_CN_CHARS = "零〇一二两三四五六七八九十百千万亿拾佰仟"
# length-preserving (offsets stay valid); the full-width comma is mapped only for cells
_FW_TEXT = str.maketrans("０１２３４５６７８９．％－", "0123456789.%-")
_TOKEN = re.compile(r"(\d{1,3}(?:,\d{3}){1,8}(?!\d)|\d{1,30})(?:\.(\d{1,15}))?"
                    r"|([零〇一二两三四五六七八九])|([十百千拾佰仟])|([万亿])")
_INNER_QUAL = re.compile(r"(?<=[\d十百千])[余多](?=[万亿])")


@dataclass(frozen=True)
class Parsed:
    value: float | None        # the number as stated (percent: 34.61 for '34.61%'); None if blank
    qualifier: str = "exact"   # 'exact' | 'at_least' | 'about'
    multiplier: int = 1        # place value of trailing magnitude characters (4.7万 → 10000), else 1
    is_blank: bool = False
    percent: bool = False


class Match(NamedTuple):       # (a NamedTuple: immutable, and three times faster to make than a frozen dataclass)
    start: int                 # text[start:end] is the whole expression incl. unit ('两万余条')
    end: int
    raw: str                   # the number with its qualifiers, without the unit ('两万余'); keeps '%'
    parsed: Parsed
    unit: str | None           # one of UNITS, or None


@lru_cache(maxsize=1 << 15)
def _parse_core(s: str) -> tuple[Decimal, int] | None:
    """A bare numeral (no qualifier/unit) → (value, multiplier), or None if it is not one.
    Cached: the same few thousand numerals recur in every report."""
    if not s or len(s) > 60:
        return None
    if s in _UNIT_VALUES:                                   # 百 / 千 / 万 alone (近百, 逾千)
        return Decimal(_UNIT_VALUES[s]), _UNIT_VALUES[s]
    total = section = Decimal(0)
    number: Decimal | None = None
    last_small, last_unit, last_big, trail, pos = 10**9, 0, 0, 1, 0
    prev = ""                                               # kind of the previous token
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if m is None:
            return None
        pos, trail_before = m.end(), trail
        if m.group(1):
            if number is not None or prev == "cn":
                return None
            number = Decimal(m.group(1).replace(",", "") + ("." + m.group(2) if m.group(2) else ""))
            prev, trail = "arabic", 1
        elif m.group(3):
            d = _CN_DIGITS[m.group(3)]
            if prev == "arabic" or (number is not None and prev != "zero"):
                return None
            number, prev, trail = Decimal(d), ("zero" if d == 0 else "cn"), 1
        elif m.group(4):
            u = _UNIT_VALUES[m.group(4)]
            if u >= last_small or number == 0 or (number is None and u != 10):
                return None
            section += (number if number is not None else 1) * u
            number, last_small, last_unit, prev, trail = None, u, u, "unit", trail_before * u
        else:
            u = _UNIT_VALUES[m.group(5)]
            if number is not None:
                section, number = section + number, None
            if u == last_big or (section == 0 and not (prev == "unit" and last_unit < u and total > 0)):
                return None
            total = (total + section) * u if u > last_big else total + section * u
            section, last_small, last_unit, prev, trail = Decimal(0), 10**9, u, "unit", trail_before * u
            last_big = max(last_big, u)
    if number is not None and prev == "cn" and last_unit >= 100 and s[-2:-1] in _UNIT_VALUES:
        number, trail, prev = number * (last_unit // 10), last_unit // 10, "unit"   # 一万二 = 12000
    return total + section + (number or 0), (trail if prev == "unit" else 1)


def _parse(raw: str) -> tuple[Decimal | None, Parsed] | None:
    s = re.sub(r"\s+", "", str(raw)).translate(_FW_TEXT).replace("，", ",")
    if s in BLANKS:
        return None, Parsed(None, "exact", 1, True, False)
    quals: set[str] = set()
    percent = False
    for p in _PREFIXES:
        if s.startswith(p) and len(s) > len(p):
            quals.add("at_least" if p in _AT_LEAST_PRE else "about")
            s = s[len(p):]
            break
    if s.startswith("百分之") and len(s) > 3:
        percent, s = True, s[3:]
    for _ in range(4):
        before = s
        if s.endswith("%") and len(s) > 1:
            percent, s = True, s[:-1]
        for suffix, kind in _SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix):
                quals.add(kind)
                s = s[: -len(suffix)]
        for unit in _STRIP_UNITS:
            if s.endswith(unit) and len(s) > len(unit):
                s = s[: -len(unit)]
                break
        if s == before:
            break
    if _INNER_QUAL.search(s):
        quals.add("at_least")
        s = _INNER_QUAL.sub("", s, count=1)
    sign = 1
    if s[:1] in ("-", "+", "−") and len(s) > 1 and s[1].isdigit():
        sign, s = (-1 if s[0] != "+" else 1), s[1:]
    core = _parse_core(s)
    if core is None:
        return None
    qualifier = "at_least" if "at_least" in quals else ("about" if quals else "exact")
    value = core[0] * sign
    return value, Parsed(float(value), qualifier, core[1], False, percent)


@lru_cache(maxsize=1 << 15)
def parse_number(raw: str) -> Parsed | None:
    """Parse one stated number; None when the text is not a number (blank cells parse to
    Parsed(value=None, is_blank=True)). A trailing count unit (条/件/人次/元 …) is ignored.
    Cached (Parsed is immutable)."""
    if raw.isascii() and raw.isdigit() and len(raw) < 20:
        return Parsed(float(raw))                                 # the common case, fast
    try:
        res = _parse(raw)
    except (ValueError, ArithmeticError):
        return None
    return None if res is None else res[1]


_MONEY = {"元": 1, "万元": 10**4, "亿元": 10**8}


def parse_money_to_yuan(raw: str, unit_hint: str = "元") -> float | None:
    """Money in yuan: the stated number times the column/sentence unit (元, 万元, 亿元).
    If `raw` carries its own 元 unit ('4.7万元') that wins over the hint. None if blank."""
    if unit_hint not in _MONEY:
        raise ValueError(f"unknown money unit {unit_hint!r}")
    res = _parse(raw)
    if res is None or res[0] is None or res[1].percent:
        return None
    factor = 1 if re.sub(r"\s+", "", str(raw)).endswith("元") else _MONEY[unit_hint]
    return float(res[0] * factor)


# in prose '，' separates clauses; it is a thousands separator only in '1，345件' (groups of 3, then a unit)
_FW_THOUSANDS = re.compile(r"(?<![\d,，.])\d{1,3}(?:，\d{3}){1,6}(?=[条件篇份个项宗起人名次场期元万亿%])")
_FW_ANY = re.compile("[０１２３４５６７８９．％－]")          # a character _FW_TEXT changes
_FW_THOUSANDS_ANY = re.compile(r"，(?<=\d，)\d")          # (cheap: starts with a literal) whether _FW_THOUSANDS can match
_START = re.compile(r"[0-9零〇一二两三四五六七八九十百千万亿]|超过|突破|大约|将近|[约近逾超过]")
# _START as one character class (the regex engine then skips ahead by that class alone); a hit on
# the first character of a two-character qualifier counts only with its second (`_PAIR`)
_START_CHAR = re.compile(r"[0-9零〇一二两三四五六七八九十百千万亿约近逾超过突大将]")
_PAIR = {"突": "破", "大": "约", "将": "近"}
_QUAL_PRE = re.compile(r"超过|突破|大约|将近|约|近|逾|超|过")
_RUN = re.compile(r"[0-9.,零〇一二两三四五六七八九十百千万亿]{1,24}")
_POST = re.compile(r"余|多|以上|左右")
_UNIT_RE = re.compile(r"人次|场次|件次|万元|亿元|次(?!性)|[条件篇份个项宗起人名场期元%]")
_UNIT_GAP = re.compile(r"[ \t\u3000]{1,2}")
_AFTER_UNIT_QUAL = re.compile(r"以上|左右")
_NOT_QUAL_AFTER = {"约": "节预制签合邀简公违履特契集大", "近": "最附临靠将亲贴", "超": "高赶"}  # 节约, 最近: words
_WORD_BEFORE_ONE = set("统唯逐之同单划专其合不归万")       # 统一, 唯一 … are words, not 1


@lru_cache(maxsize=1 << 15)
def _trim(run: str) -> str:
    """The longest prefix of a run of numeral characters that is a numeral ('' if none)."""
    core = run
    while core and _parse_core(core) is None:
        core = core[:-1]
    return core


@lru_cache(maxsize=1 << 15)
def _kind(core: str) -> tuple[bool, bool, bool]:
    """(has Arabic digits, bare magnitude word such as 百/千万, carries a magnitude) of a numeral."""
    has_arabic = _DIGIT.search(core) is not None
    bare = not has_arabic and not any(c in _CN_DIGITS for c in core) and core[0] != "十"
    return has_arabic, bare, any(c in "百千万亿" for c in core) and not bare


_DIGIT = re.compile(r"\d")
# A lone Chinese digit (no qualifier can start with one) is a number only when the next
# character continues the numeral (_RUN), or starts a qualifier (_POST) or a unit (_UNIT_RE).
_CN_DIGIT_CHARS = frozenset(_CN_DIGITS)
_MAY_FOLLOW_DIGIT = frozenset("0123456789.," + _CN_CHARS + "余多以左" + "人场件万亿次条篇份个项宗起名期元%")


def _match_at(t: str, i: int) -> tuple[int, int, int, str | None, str | None] | None:
    """Try to read a number expression starting at t[i] → (start, raw_end, end, unit, post-unit qualifier)."""
    j, pre = i, _QUAL_PRE.match(t, i)
    prev = t[i - 1] if i > 0 else ""
    if pre:
        if prev and prev in _NOT_QUAL_AFTER.get(pre.group(), ""):
            return None
        j = pre.end()
    run = _RUN.match(t, j)
    if run is None or prev == "第":
        return None                                         # ordinal, or the tail of a longer numeral
    run = run.group()
    if run[0].isdigit():
        if prev.isascii() and (prev.isalnum() or prev == "."):
            return None                                     # part of a code (GB2260, v1.2), not a count
    elif prev in _CN_CHARS:
        return None
    core = _trim(run)
    if not core:
        return None
    if core[-1] in "万亿" and t.startswith("元", j + len(core)) and _parse_core(core[:-1]):
        core = core[:-1]                                    # '4.7万元' → raw '4.7', unit 万元
    ce = j + len(core)
    has_arabic, bare, magnitude = _kind(core)
    if pre and pre.group() == "过" and not bare:
        return None
    nxt = t[ce:ce + 1]
    if has_arabic:
        if nxt.isascii() and nxt.isalpha():
            return None
    elif prev in _CN_CHARS or (core == "一" and (prev in _WORD_BEFORE_ONE or nxt == "起")):
        return None
    q_end, mag2 = ce, False
    post = _POST.match(t, ce)
    if post:
        q_end = post.end()
        if post.group() in "余多" and t[q_end:q_end + 1] in ("万", "亿") and t[q_end + 1:q_end + 2] != "元":
            q_end, mag2 = q_end + 1, True
    unit, after_qual, end, raw_end = None, None, q_end, q_end
    u = _UNIT_RE.match(t, q_end)
    if u is None and has_arabic and (gap := _UNIT_GAP.match(t, q_end)):
        spaced = _UNIT_RE.match(t, gap.end())           # text layers space numbers out: '2428 条'
        u = spaced if spaced and spaced.group() != "%" else None
    if u:
        unit, end = u.group(), u.end()
        raw_end = end if unit == "%" else q_end             # a percent sign stays in raw
        aq = None if post else _AFTER_UNIT_QUAL.match(t, end)
        if aq:
            after_qual, end = ("at_least" if aq.group() == "以上" else "about"), aq.end()
    if not has_arabic:
        if bare and not (pre and unit):
            return None
        if not (unit or magnitude or mag2):
            return None
    return i, raw_end, end, unit, after_qual


class Spans:
    """Ranges (start, end) of a text sorted once, for the callers that each ask of them:
    `find_numbers` (`spans`, `starts`) and `inside` (whether an offset lies in one of them)."""
    __slots__ = ("spans", "starts", "_ends")

    def __init__(self, ranges: Sequence[tuple[int, int]] = ()) -> None:
        self.spans = sorted(ranges)
        self.starts = [a for a, _ in self.spans]
        self._ends: list[int] | None = None

    def inside(self, pos: int) -> bool:
        """Whether `pos` lies in one of the ranges (a binary search)."""
        if self._ends is None:
            self._ends = list(accumulate((b for _, b in self.spans), max))
        i = bisect_right(self.starts, pos) - 1
        return i >= 0 and self._ends[i] > pos

    @property
    def nested(self) -> bool:
        """Whether a range reaches past the end of a later-starting one. When none does, `inside`
        asks exactly what `find_numbers` asks of the range starting last before a position, so
        no number it found with these ranges lies inside one."""
        if self._ends is None:
            self._ends = list(accumulate((b for _, b in self.spans), max))
        return any(e != b for e, (_, b) in zip(self._ends, self.spans))


def find_numbers(text: str, skip: Sequence[tuple[int, int]] | Spans = ()) -> list[Match]:
    """Every number stated in running text, in order. Chinese numerals count only when they
    carry a unit or a magnitude (召开新闻发布会三场, 两万余条) so 一是/统一/一站式 are skipped;
    ordinals (第三次) are skipped; '，' is a thousands separator only before a unit (1，345件).
    Numbers starting inside one of the `skip` ranges (start, end), e.g. tables, are passed over."""
    text = str(text)
    t = text.translate(_FW_TEXT) if _FW_ANY.search(text) else text      # (no full-width: unchanged)
    if _FW_THOUSANDS_ANY.search(t):
        t = _FW_THOUSANDS.sub(_ascii_commas, t)
    sk = skip if isinstance(skip, Spans) else Spans(skip)
    spans, starts = sk.spans, sk.starts
    out: list[Match] = []
    pos = 0
    search, match_at = _START_CHAR.search, _match_at
    while (m := search(t, pos)) is not None:
        p = m.start()
        if (c := t[p]) in _PAIR and t[p + 1:p + 2] != _PAIR[c]:
            pos = p + 1                 # not a _START hit
            continue
        i = bisect_right(starts, p) - 1
        if i >= 0 and spans[i][1] > p:
            pos = spans[i][1]
            continue
        if t[p] in _CN_DIGIT_CHARS and t[p + 1:p + 2] not in _MAY_FOLLOW_DIGIT:
            pos = p + 1                 # 一、 / 一是 / 二十条: what `_match_at` rejects, told cheaply
            continue
        found = match_at(t, p)
        if found is None:
            pos = p + 1
            continue
        start, raw_end, end, unit, after_qual = found
        raw = text[start:raw_end]
        parsed = parse_number(raw)
        if parsed is None:
            pos = p + 1
            continue
        if after_qual:
            parsed = replace(parsed, qualifier=after_qual)
        out.append(Match(start, end, raw, parsed, unit))
        pos = end
    return out


def _ascii_commas(m: re.Match) -> str:
    return m.group().replace("，", ",")
