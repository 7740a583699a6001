"""Tests for pipeline.numbers: stated numbers (Arabic, Chinese, mixed, qualified, blank,
percent, money) and numbers found in running text. Property tests round-trip random
integers through Arabic and Chinese-numeral spellings and feed arbitrary text to the
parsers. Hypothesis profile: OGI_HYPOTHESIS_PROFILE=ogi-ci (default) | ogi-thorough."""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.numbers import find_numbers, parse_money_to_yuan, parse_number

settings.register_profile("ogi-ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ogi-thorough", max_examples=3000, deadline=None)
PROFILE = settings.get_profile(os.environ.get("OGI_HYPOTHESIS_PROFILE", "ogi-ci"))

DIG = "零一二三四五六七八九"


def _section(n: int) -> str:
    """0 < n < 10000 in Chinese numerals, with 零 for inner zeros (1050 → 一千零五十)."""
    out, zero = "", False
    for val, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // val % 10
        if d == 0:
            zero = zero or bool(out)
            continue
        out += ("零" if zero else "") + DIG[d] + unit
        zero = False
    return out


def to_chinese(n: int, liang: bool = False) -> str:
    """A small Chinese-numeral formatter for 0 <= n < 10**12 (十二, 一百零五, 两万, 一亿零五)."""
    if n == 0:
        return "零"
    yi, rest = divmod(n, 10**8)
    wan, low = divmod(rest, 10**4)
    s = to_chinese(yi) + "亿" if yi else ""
    if wan:
        s += ("零" if s and wan < 1000 else "") + _section(wan) + "万"
    if low:
        s += ("零" if s and low < 1000 else "") + _section(low)
    if s.startswith("一十"):
        s = s[1:]
    if liang:
        s = "".join("两" if c == "二" and s[i + 1:i + 2] in ("百", "千", "万", "亿") else c for i, c in enumerate(s))
    return s


def test_formatter_itself():
    assert [to_chinese(n) for n in (12, 20, 105, 3500, 20000, 12000, 1050, 100000005)] == [
        "十二", "二十", "一百零五", "三千五百", "二万", "一万二千", "一千零五十", "一亿零五"]


@pytest.mark.parametrize("raw,value,qualifier", [
    ("1345", 1345, "exact"), ("1,345", 1345, "exact"), ("1，345", 1345, "exact"), ("12,345,678", 12345678, "exact"),
    ("12.5", 12.5, "exact"), ("１２３", 123, "exact"), ("１，２３４", 1234, "exact"), ("0", 0, "exact"),
    ("一", 1, "exact"), ("两", 2, "exact"), ("十", 10, "exact"), ("十二", 12, "exact"), ("二十", 20, "exact"),
    ("一百零五", 105, "exact"), ("三千五百", 3500, "exact"), ("两万", 20000, "exact"), ("一万二千", 12000, "exact"),
    ("〇", 0, "exact"), ("零", 0, "exact"), ("一千零一十", 1010, "exact"), ("一亿二千万", 120000000, "exact"),
    ("两万五", 25000, "exact"), ("一百五", 150, "exact"),
    ("4.7万", 47000, "exact"), ("12万余", 120000, "at_least"), ("两万余", 20000, "at_least"),
    ("1.2亿", 120000000, "exact"), ("3千", 3000, "exact"), ("1万2千", 12000, "exact"), ("3000余万", 30000000, "at_least"),
    ("十余万", 100000, "at_least"),
    ("5000多", 5000, "at_least"), ("逾千", 1000, "at_least"), ("超过300", 300, "at_least"), ("超300", 300, "at_least"),
    ("突破5000", 5000, "at_least"), ("1200余", 1200, "at_least"), ("300以上", 300, "at_least"), ("过万", 10000, "at_least"),
    ("约300", 300, "about"), ("近百", 100, "about"), ("300左右", 300, "about"), ("大约50", 50, "about"),
    ("将近2000", 2000, "about"), (" 1345 ", 1345, "exact"), ("12件", 12, "exact"), ("300人以上", 300, "at_least"),
    ("1200余人次", 1200, "at_least"), ("-3", -3, "exact"), ("－3", -3, "exact"),
])
def test_parse_number(raw, value, qualifier):
    p = parse_number(raw)
    assert p is not None and not p.is_blank and not p.percent
    assert p.value == pytest.approx(value) and p.qualifier == qualifier


@pytest.mark.parametrize("raw,multiplier", [("4.7万", 10000), ("1.2亿", 10**8), ("3千", 1000), ("1345", 1), ("两万余", 10000)])
def test_multiplier(raw, multiplier):
    assert parse_number(raw).multiplier == multiplier


@pytest.mark.parametrize("raw", ["", "/", "／", "—", "-", "–", "——", "无", "空", "  ", " / "])
def test_blank_cells_are_null_not_zero(raw):
    p = parse_number(raw)
    assert p is not None and p.is_blank and p.value is None


@pytest.mark.parametrize("raw", ["abc", "一是", "二〇一九", "一二", "1.2.3", "十百", "万一", "一万一万", "%", "约", "1,34"])
def test_not_numbers(raw):
    assert parse_number(raw) is None


def test_percent():
    p = parse_number("34.61%")
    assert p.percent and p.value == pytest.approx(34.61)
    assert parse_number("34.61％").percent and parse_number("百分之三十").value == 30


def test_money():
    assert parse_money_to_yuan("24252.311082", "万元") == 242523110.82
    assert parse_money_to_yuan("1.5", "亿元") == 150000000
    assert parse_money_to_yuan("350", "元") == 350
    assert parse_money_to_yuan("4.7万元", "万元") == 47000       # the raw's own unit wins
    assert parse_money_to_yuan("两万余", "元") == 20000
    assert parse_money_to_yuan("/", "万元") is None and parse_money_to_yuan("无", "元") is None
    with pytest.raises(ValueError):
        parse_money_to_yuan("1", "美元")


def _found(text):
    return [(m.raw, m.parsed.value, m.parsed.qualifier, m.unit) for m in find_numbers(text)]


def test_find_numbers_examples():
    text = "全年主动公开政府信息两万余条，召开新闻发布会三场，收到申请1,345件，办结率34.61%。"
    assert _found(text) == [("两万余", 20000, "at_least", "条"), ("三", 3, "exact", "场"),
                            ("1,345", 1345, "exact", "件"), ("34.61%", 34.61, "exact", "%")]
    m = find_numbers(text)[0]
    assert text[m.start:m.end] == "两万余条"


def test_find_numbers_qualifiers_and_money():
    got = _found("受理超过300件，约50万元，近百人，十余万人次，逾千条，300人以上，5000多篇，1.2亿元，12万余份")
    assert got == [("超过300", 300, "at_least", "件"), ("约50", 50, "about", "万元"), ("近百", 100, "about", "人"),
                   ("十余万", 100000, "at_least", "人次"), ("逾千", 1000, "at_least", "条"),
                   ("300", 300, "at_least", "人"), ("5000多", 5000, "at_least", "篇"),
                   ("1.2", 1.2, "exact", "亿元"), ("12万余", 120000, "at_least", "份")]
    m = find_numbers("专项经费24252.311082万元")[0]
    assert (m.raw, m.unit) == ("24252.311082", "万元") and parse_money_to_yuan(m.raw, m.unit) == 242523110.82
    m = find_numbers("节约4.7万元")[0]
    assert parse_money_to_yuan(m.raw, m.unit) == 47000


@pytest.mark.parametrize("text", [
    "一是加强领导，统一部署，一站式服务", "第三次会议", "第1次", "二〇一九年度", "十四五期间", "一次性告知",
    "千家万户", "老百姓", "十九大", "两会", "近年来", "通过网站", "唯一一条",
])
def test_find_numbers_skips_words(text):
    assert find_numbers(text) == []


def test_find_numbers_fullwidth_comma():
    assert _found("收到申请1，345件") == [("1，345", 1345, "exact", "件")]
    assert _found("收到申请１，３４５件") == [("１，３４５", 1345, "exact", "件")]
    assert _found("申请12，办结345件") == [("12", 12, "exact", None), ("345", 345, "exact", "件")]


def test_find_numbers_arabic_without_unit_and_codes():
    assert _found("2019年") == [("2019", 2019, "exact", None)]
    assert _found("GB2260标准，5G网络") == []
    assert _found("通过12345热线") == [("12345", 12345, "exact", None)]


@pytest.mark.parametrize("text", ["1," * 5000, "一" * 20000, "超过" * 5000, "9" * 10000 + "万", "1." * 5000,
                                  "一万" * 5000, "十百千万亿" * 2000, "约近" * 5000, "二十" * 5000 + "条", "逾千" * 5000])
def test_no_catastrophic_backtracking(text):
    t = time.perf_counter()
    find_numbers(text)
    parse_number(text)
    assert time.perf_counter() - t < 3.0


# ---------------------------------------------------------------- properties

@PROFILE
@given(st.integers(0, 10**12), st.sampled_from(["plain", "comma", "fwcomma", "fullwidth"]))
def test_roundtrip_arabic(n, style):
    raw = {"plain": str(n), "comma": f"{n:,}", "fwcomma": f"{n:,}".replace(",", "，"),
           "fullwidth": str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))}[style]
    p = parse_number(raw)
    assert p is not None and p.value == n and p.qualifier == "exact"


@PROFILE
@given(st.integers(0, 10**12 - 1), st.booleans())
def test_roundtrip_chinese(n, liang):
    raw = to_chinese(n, liang)
    p = parse_number(raw)
    assert p is not None and p.value == n, raw


@PROFILE
@given(st.integers(1, 9999), st.sampled_from(["万", "亿", "千"]),
       st.sampled_from([("", "", "exact"), ("超过", "", "at_least"), ("", "余", "at_least"), ("约", "", "about"),
                        ("", "左右", "about"), ("逾", "", "at_least"), ("", "多", "at_least"), ("近", "", "about")]),
       st.booleans())
def test_roundtrip_mixed_with_qualifiers(n, mag, qual, decimal):
    pre, post, kind = qual
    number = f"{n / 10:.1f}" if decimal else str(n)
    factor = {"万": 10**4, "亿": 10**8, "千": 1000}[mag]
    p = parse_number(pre + number + mag + post)
    assert p is not None and p.qualifier == kind
    assert p.value == pytest.approx((n / 10 if decimal else n) * factor)


@PROFILE
@given(st.integers(0, 10**9), st.booleans(), st.sampled_from(["条", "件", "篇", "份", "个", "项", "人", "名", "人次", "次", "场", "期", "元", "万元"]))
def test_find_numbers_roundtrip_in_text(n, chinese, unit):
    raw = to_chinese(n) if chinese else str(n)
    text = f"本年度共{raw}{unit}，同比增长。"
    ms = find_numbers(text)
    assert len(ms) == 1, (text, ms)
    m = ms[0]
    if unit in ("元", "万元"):
        assert parse_money_to_yuan(m.raw, m.unit) == n * (10**4 if unit == "万元" else 1)
    else:
        assert m.parsed.value == n and m.unit == unit and text[m.start:m.end] == raw + unit


_ALPHABET = st.sampled_from(list("0123456789０１２３.,，．%％/—-–零〇一二两三四五六七八九十百千万亿余多逾超过约近左右以上条件人次场元第是统 \n"))


@PROFILE
@given(st.one_of(st.text(max_size=60), st.text(_ALPHABET, max_size=60)))
def test_no_exception_on_arbitrary_text(text):
    p = parse_number(text)
    assert p is None or p.is_blank or isinstance(p.value, float)
    last = 0
    for m in find_numbers(text):
        assert last <= m.start < m.end <= len(text)
        assert text[m.start:m.end].startswith(m.raw) and m.raw
        assert parse_number(m.raw) is not None
        last = m.end


def test_a_unit_after_a_space_belongs_to_the_number():
    """PDF text layers space numbers out ('2428 条'); a spaced '%' is not taken."""
    [m] = find_numbers("主动发布各类政府信息 2428 条，")
    assert (m.raw, m.unit) == ("2428", "条")
    assert [n.unit for n in find_numbers("增长 12 %")] == [None]
