"""Fuzzing: hostile and random input to the number parser, the glued-row decoder, the text and
HTML readers and the whole per-file extractor. The only exception allowed to escape is the
documented per-file error (`pipeline.model.ReadError`, from the readers); every result keeps
its promises (offsets inside the text, cells that point at their own text, decodings that
use exactly the digits given). About 10,500 cases in CI (well under a minute on an idle
machine); OGI_FUZZ_SCALE=10 runs ten times as many."""
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import glued, numbers
from pipeline.model import ReadError
from pipeline.process import process_file
from pipeline.read import read_document

SCALE = float(os.environ.get("OGI_FUZZ_SCALE", "1"))


def cases(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


DIGITS = "0123456789０１２３４５６７８９"
NUMERALS = "零一二三四五六七八九十百千万亿两余多约近超过逾不足左右第"
UNITS = ["件", "条", "人次", "次", "个", "元", "万元", "亿元", "%", "％", "项", "场"]
PUNCT = ".．,，、。；;:：/—-－–～~()（）【】 \u3000\t\n"
WORDS = ["本年新收政府信息公开申请数量", "上年结转", "予以公开", "其中", "占", "总计", "年度报告", "|", "合计", "无"]
snippets = st.one_of(st.text(alphabet=DIGITS + NUMERALS + PUNCT, max_size=12), st.sampled_from(UNITS),
                     st.sampled_from(WORDS), st.text(max_size=6))
report_text = st.lists(snippets, max_size=40).map("".join)
digit_runs = st.text(alphabet="0123456789", min_size=0, max_size=28)
glued_tokens = st.one_of(digit_runs, st.lists(st.text(alphabet="0123456789.０１２", max_size=9), max_size=8),
                         st.text(alphabet="0123456789 .-、，", max_size=30))


@cases(3000)
@given(report_text)
def test_find_numbers_never_raises_and_every_match_lies_inside_the_text(text):
    for match in numbers.find_numbers(text):
        assert 0 <= match.start < match.end <= len(text)
        assert match.parsed is not None


@cases(1500)
@given(st.one_of(st.text(alphabet=DIGITS + NUMERALS + PUNCT + "%余万亿", max_size=16), st.text(max_size=16)),
       st.sampled_from(["元", "万元", "亿元"]))
def test_parse_number_and_money_never_raise(raw, unit):
    parsed = numbers.parse_number(raw)
    assert parsed is None or parsed.value is None or parsed.value == parsed.value  # not NaN
    numbers.parse_money_to_yuan(raw, unit)


@cases(2500)
@given(glued_tokens, st.integers(min_value=0, max_value=9), st.integers(min_value=0, max_value=4))
def test_glued_decoders_never_raise_and_never_invent_digits(tokens, ncols, blocks):
    digits = sorted(c for c in ("".join(tokens) if isinstance(tokens, list) else tokens) if c.isdigit())
    results = [glued.decode_rowsum(tokens, ncols=ncols or 1, limit=200, max_work=20_000),
               glued.decode_blocks(tokens, nblocks=blocks, block=max(2, ncols), limit=200, max_work=20_000),
               glued.decode_plain(tokens, ncols or 1, limit=200), glued.decode_year_cum(tokens, limit=200)]
    for found in results:
        glued.agreed(found)
        glued.unique(found)
        for cells in found:
            if all(isinstance(c, int) for c in cells) and isinstance(tokens, str) and tokens.isdigit():
                assert sorted("".join(str(c) for c in cells)) == digits
    glued.split_trailing_index(tokens if isinstance(tokens, str) else "".join(tokens), "、政府", expected_next=ncols)


def _check(doc) -> None:
    for table in doc.tables:
        for row in table.rows:
            for cell in row:
                assert doc.text[cell.start:cell.end] == cell.text


ENCODINGS = st.sampled_from(["utf-8", "gb18030", "utf-16", "big5"])


@cases(1500)
@given(st.one_of(st.binary(max_size=400), st.tuples(report_text, ENCODINGS).map(
    lambda t: t[0].encode(t[1], errors="replace"))), st.sampled_from(["r.txt", "r.md", "r", "r.TXT"]))
def test_the_text_reader_fails_only_with_read_error(data, name):
    try:
        _check(read_document(Path(name), data))
    except ReadError:
        pass


ATTRS = st.sampled_from(["", ' colspan="2"', ' rowspan="3"', ' colspan="-1"', ' rowspan="999999"', ' colspan="x"',
                         ' colspan="0"', ' style="display:none"', ' charset="gbk"'])
TAGS = st.sampled_from(["table", "tr", "td", "th", "p", "div", "span", "br", "script", "style", "tbody", "font",
                        "meta", "title", "body", "html", "head", "noscript", "iframe"])
element = st.tuples(TAGS, ATTRS, report_text, st.booleans()).map(
    lambda t: f"<{t[0]}{t[1]}>{t[2]}" + (f"</{t[0]}>" if t[3] else ""))
html_doc = st.lists(element, max_size=30).map(lambda parts: "<html><body>" + "".join(parts) + "</body></html>")


@cases(1500)
@given(st.one_of(html_doc.map(str.encode), st.tuples(html_doc, ENCODINGS).map(lambda t: t[0].encode(t[1], "replace")),
                 st.binary(max_size=300).map(lambda b: b"<html><table><tr><td>" + b)))
def test_the_html_reader_fails_only_with_read_error(data):
    try:
        _check(read_document(Path("r.html"), data))
    except ReadError:
        pass


@cases(300)
@given(st.one_of(report_text, html_doc), st.sampled_from(["r.txt", "r.html"]))
def test_the_extractor_turns_any_input_into_a_report_row(text, name):
    result = process_file(Path(name), text.encode("utf-8"))
    assert result.report["status"] in ("ok", "failed")
    assert result.report["status"] == "ok" or result.report["error"]
