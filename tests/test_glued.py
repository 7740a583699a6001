"""Tests for pipeline.glued: decoding crawled table rows whose cells were glued together.
Examples from real rows, then property tests: for random cell tuples that satisfy a row's
identity, the glued string's decodings contain the truth, `unique` never contradicts it,
no decoding invents or drops a digit, and nothing raises on arbitrary input.
Hypothesis profile: OGI_HYPOTHESIS_PROFILE=ogi-ci (default) | ogi-thorough."""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.glued import (Decodings, agreed, decode_blocks, decode_plain, decode_rowsum, decode_year_cum,
                            decodings, split_trailing_index, unique)

settings.register_profile("ogi-ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ogi-thorough", max_examples=3000, deadline=None)
PROFILE = settings.get_profile(os.environ.get("OGI_HYPOTHESIS_PROFILE", "ogi-ci"))


def glue(cells, spaces=()) -> str:
    """Cells back to crawled text: concatenated, with a space after cell i for i in spaces."""
    return "".join(str(c) + (" " if i in spaces else "") for i, c in enumerate(cells)).strip()


def test_table3_row_unique():
    r = decode_rowsum("640020470")
    assert list(r) == [(64, 0, 0, 2, 0, 4, 70)] and unique(r) == (64, 0, 0, 2, 0, 4, 70)


def test_table3_row_ambiguous_but_total_agreed():
    r = decode_rowsum("270020130")
    assert set(r) == {(27, 0, 0, 2, 0, 1, 30), (2, 7, 0, 0, 20, 1, 30)}
    assert unique(r) is None and agreed(r)[-1] == 30 and agreed(r)[0] is None


def test_tokens_with_spaces():
    assert unique(decode_rowsum("500000 5")) == (5, 0, 0, 0, 0, 0, 5)
    assert unique(decode_rowsum(["500000", "5"])) == (5, 0, 0, 0, 0, 0, 5)
    assert unique(decode_rowsum("12 3 0 0 0 0 15")) == (12, 3, 0, 0, 0, 0, 15)
    assert decode_rowsum("1 2 3") == []                        # three one-digit tokens hold three cells, not 7


def test_table4_blocks():
    r = decode_blocks("10203120001200000")
    assert unique(r) == (1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0)
    assert unique(decode_blocks("0" * 15)) == (0,) * 15
    assert decode_blocks("0" * 14) == [] and decode_blocks("1" * 15) == []


def test_year_cum():
    r = decode_year_cum("457837")
    assert set(r) == {(4, 57837), (45, 7837), (457, 837)} and unique(r) is None
    assert unique(decode_year_cum("57")) == (5, 7) and decode_year_cum("75") == []
    assert unique(decode_year_cum("12 345")) == (12, 345)


def test_plain_rows():
    assert unique(decode_plain("000", 3)) == (0, 0, 0)
    r = decode_plain("693665", 3)
    assert len(r) == 10 and unique(r) is None and agreed(r) == [None, None, None]
    assert decode_plain("05", 1) == [] and unique(decode_plain("05", 2)) == (0, 5)
    assert decode_plain("12", 3) == []


def test_decimal_cells():
    assert decode_plain(["24252.311082"], 1) == []            # not allowed unless the caller says so
    assert unique(decode_plain(["24252.311082"], 1, allow_decimal=True)) == (24252.311082,)
    assert unique(decode_plain("0 24252.311082", 2, allow_decimal=True)) == (0, 24252.311082)
    assert decode_plain("0 24252.311082", 3, allow_decimal=True) == []  # never split at the point
    assert unique(decode_rowsum("1.5 2.5 4.0", 3, allow_decimal=True)) == (1.5, 2.5, 4.0)


def test_generic_decodings_with_check():
    r = decodings("270020130", 7, check=lambda c: c[-1] == sum(c[:-1]))
    assert set(r) == set(decode_rowsum("270020130"))
    assert decodings("abc", 2) == [] and decodings("", 1) == [] and decodings("12", 0) == []


def test_limit_truncates():
    r = decode_plain("1" * 30, 15, limit=50)
    assert isinstance(r, Decodings) and r.truncated and len(r) == 50
    assert unique(r) is None and agreed(r) == [None] * 15
    assert not decode_plain("693665", 3).truncated


def test_agreed_and_unique():
    assert agreed([]) == [] and agreed([], ncols=3) == [None, None, None]
    assert agreed([(1, 2, 3), (1, 5, 3)]) == [1, None, 3]
    assert unique([]) is None and unique([(1, 2)]) == (1, 2) and unique([(1, 2), (2, 1)]) is None


@pytest.mark.parametrize("run,following,expected,result", [
    ("3460853762", "、政府公报公开数条", 2, ("346085376", "2")),
    ("3460853762", "、政府公报公开数条", None, ("346085376", "2")),
    ("00000002", ".其他法律行政法规禁止公开", None, ("0000000", "2")),
    ("00000002", "．其他", 2, ("0000000", "2")),
    ("123412", "、", 12, ("1234", "12")),
    ("123410", "、", None, ("1234", "10")),
    ("1234", ".5万", None, ("1234", None)),
    ("1234", "其他", None, ("1234", None)),
    ("1234", "", None, ("1234", None)),
    ("00", "、", None, ("00", None)),
])
def test_split_trailing_index(run, following, expected, result):
    assert split_trailing_index(run, following, expected) == result


@pytest.mark.parametrize("fn", [decode_rowsum, decode_blocks, lambda s: decode_plain(s, 7), decode_year_cum])
@pytest.mark.parametrize("run", ["123456789012345678901234567890", "9" * 30, "1" * 30, "0" * 30, "10" * 20])
def test_long_runs_do_not_explode(fn, run):
    t = time.perf_counter()
    fn(run)
    assert time.perf_counter() - t < 1.0


def test_typical_rows_are_fast():
    rows = [(decode_rowsum, "640020470"), (decode_rowsum, "270020130"), (decode_blocks, "10203120001200000"),
            (decode_rowsum, "1362000001381"), (decode_year_cum, "457837"), (decode_blocks, "000000000000000")]
    for fn, row in rows:
        fn(row)
        t = time.perf_counter()
        for _ in range(20):
            fn(row)
        assert (time.perf_counter() - t) / 20 < 0.005, row


# ---------------------------------------------------------------- properties

_cell = st.one_of(st.integers(0, 9), st.integers(0, 120), st.integers(0, 5000), st.integers(0, 10**6))


def _check_reglue(cands, text):
    """No digit invented or dropped, no leading zeros."""
    for c in cands:
        assert glue(c).replace(" ", "") == text.replace(" ", "")
        assert all(str(v) == "0" or not str(v).startswith("0") for v in c)


@PROFILE
@given(st.lists(_cell, min_size=6, max_size=6), st.sets(st.integers(0, 5)))
def test_rowsum_contains_truth(parts, spaces):
    truth = tuple(parts) + (sum(parts),)
    text = glue(truth, spaces)
    r = decode_rowsum(text)
    if not r.truncated:
        assert truth in r
        assert unique(r) in (None, truth)
        assert all(a is None or a == t for a, t in zip(agreed(r), truth))
        assert agreed(r)[-1] in (None, truth[-1])
    assert all(c[-1] == sum(c[:-1]) for c in r)
    _check_reglue(r, text)


@PROFILE
@given(st.lists(st.lists(_cell, min_size=4, max_size=4), min_size=3, max_size=3), st.sets(st.integers(0, 13)))
def test_blocks_contain_truth(blocks, spaces):
    truth = tuple(v for b in blocks for v in (*b, sum(b)))
    text = glue(truth, spaces)
    r = decode_blocks(text)
    if not r.truncated:
        assert truth in r and unique(r) in (None, truth)
    assert all(c[i + 4] == sum(c[i:i + 4]) for c in r for i in (0, 5, 10))
    _check_reglue(r, text)


@PROFILE
@given(_cell, _cell, st.integers(2, 8))
def test_year_cum_and_plain_contain_truth(a, b, ncols):
    year, cum = min(a, b), max(a, b)
    r = decode_year_cum(glue((year, cum)))
    assert (year, cum) in r and unique(r) in (None, (year, cum))
    cells = tuple(range(ncols))[::-1]
    assert cells in decode_plain(glue(cells), ncols)


@PROFILE
@given(st.lists(_cell, min_size=1, max_size=10), st.integers(1, 12), st.sets(st.integers(0, 9)))
def test_decodings_sound_and_complete_small(cells, ncols, spaces):
    text = glue(cells, spaces)
    r = decodings(text, len(cells), limit=100000)
    assert r.truncated or tuple(cells) in r
    _check_reglue(decodings(text, ncols, limit=200), text)


_junk = st.text(st.sampled_from(list("0123456789 .０１a、")), max_size=40)


@PROFILE
@given(st.one_of(_junk, st.text(max_size=30)), st.integers(-1, 16), st.integers(1, 50), st.booleans())
def test_no_exception_on_arbitrary_input(text, ncols, limit, allow_decimal):
    for r in (decodings(text, ncols, limit=limit, allow_decimal=allow_decimal), decode_rowsum(text, max(ncols, 2), limit),
              decode_blocks(text, limit=limit), decode_year_cum(text, limit), decode_plain(text, ncols, limit)):
        assert isinstance(r, Decodings) and len(r) <= limit
        agreed(r), unique(r)
    digits = "".join(c for c in text if c.isascii() and c.isdigit())
    rest, idx = split_trailing_index(digits, text, ncols)
    assert rest + (idx or "") == digits
