"""Decode table rows whose cells a web crawler glued together.

Role: crawled copies of a report often lose the cell borders of a statistics table, so a
row such as `一、本年新收政府信息公开申请数量640020470` arrives as one digit run. This module
lists every way to cut such a run (or several whitespace-separated tokens — a space is a
certain cell boundary) back into a known number of cells, and narrows the list with the
row's own arithmetic: fmt2019+ table 3 rows end with their sum (64|0|0|2|0|4|70), table 4
rows are three blocks of five ending with their sums, Fujian rows are 本年度 ≤ 历年累计.
Rules: a cell never has a leading zero unless it is exactly '0'; no digit is invented or
dropped; a token with a decimal point is one cell (only with `allow_decimal`). Callers use
`unique` / `agreed` to keep only what every decoding agrees on. Searches are bounded: past
`limit` results (or a work budget) the answer comes back with `truncated = True`.
"""
from __future__ import annotations

import re
from decimal import Decimal
from math import comb
from typing import Callable, Sequence

MAX_WORK = 200_000                       # search steps before giving up (result is truncated)
_FW = str.maketrans("０１２３４５６７８９．", "0123456789.")
_DECIMAL = re.compile(r"\d{1,30}\.\d{1,15}")


class Decodings(list):
    """Candidate cell tuples; `truncated`: the search stopped early, the list is incomplete."""

    def __init__(self, items=(), truncated: bool = False):
        super().__init__(items)
        self.truncated = truncated


class _Stop(Exception):
    """Raised inside a search when it passes its limit or work budget."""


class _Row:
    """The tokens concatenated, with where each token starts/ends and which are decimals."""

    def __init__(self, toks: list[str]):
        self.s, self.n = "".join(toks), sum(map(len, toks))
        starts = [sum(map(len, toks[:i])) for i in range(len(toks))]
        spans = [(i, a, a + len(t), "." in t) for i, (t, a) in enumerate(zip(toks, starts)) for _ in t]
        self.tok_of, self.tok_start, self.tok_end, self.dec = (list(x) for x in zip(*spans))
        self.has_decimal = any(self.dec)
        self.maxc = [0] * (self.n + 1)      # most cells the suffix from pos can hold
        for p in range(self.n - 1, -1, -1):
            self.maxc[p] = self.maxc[p + 1] + (not self.dec[p] or self.tok_start[p] == p)

    def fits(self, lo: int, hi: int, k: int) -> bool:
        """Can [lo, hi) hold exactly k cells (each token ≥ 1 cell, each digit ≤ 1 cell)?"""
        if lo >= hi:
            return lo == hi and k == 0
        return self.tok_of[hi - 1] - self.tok_of[lo] + 1 <= k <= self.maxc[lo] - self.maxc[hi]

    def cells(self, pos: int, hi: int):
        """(end, value) of every cell that can start at pos and end by hi, shortest first."""
        if pos < hi and self.dec[pos]:
            if self.tok_start[pos] == pos and self.tok_end[pos] <= hi:
                yield self.tok_end[pos], Decimal(self.s[pos:self.tok_end[pos]])
        elif pos < hi and self.s[pos] == "0":
            yield pos + 1, 0
        elif pos < hi:
            v = 0
            for e in range(pos + 1, min(self.tok_end[pos], hi) + 1):
                v = v * 10 + ord(self.s[e - 1]) - 48
                yield e, v

    def cell(self, lo: int, hi: int):
        """The value of [lo, hi) as one cell, or None if that is not a valid cell."""
        if lo >= hi or self.tok_end[lo] < hi:
            return None
        if self.dec[lo]:
            return Decimal(self.s[lo:hi]) if self.tok_start[lo] == lo and self.tok_end[lo] == hi else None
        return None if self.s[lo] == "0" and hi - lo > 1 else int(self.s[lo:hi])


def _prepare(tokens: Sequence[str] | str, allow_decimal: bool) -> _Row | None:
    toks = tokens.split() if isinstance(tokens, str) else [t for tok in tokens for t in str(tok).split()]
    toks = [t.translate(_FW) for t in toks]
    ok = all((t.isascii() and t.isdigit()) or (allow_decimal and _DECIMAL.fullmatch(t)) for t in toks)
    return _Row(toks) if toks and ok and sum(map(len, toks)) <= 400 else None


def _out(cands: list, truncated: bool, limit: int) -> Decodings:
    conv = [tuple(float(v) if isinstance(v, Decimal) else v for v in c) for c in cands[:limit]]
    return Decodings(conv, truncated or len(cands) > limit)


def decodings(tokens: Sequence[str] | str, ncols: int, check: Callable[[tuple], bool] | None = None,
              limit: int = 10000, *, allow_decimal: bool = False, max_work: int = MAX_WORK) -> Decodings:
    """All splits of the tokens into exactly ncols cells that satisfy `check` (brute force with
    feasibility pruning; the structured decoders below are far faster for rows with an identity)."""
    row = _prepare(tokens, allow_decimal)
    if row is None or ncols < 1 or not row.fits(0, row.n, ncols):
        return Decodings()
    if (ncols <= 3 and not row.has_decimal and row.tok_of[-1] == 0 and comb(row.n - 1, ncols - 1) <= limit
            and (row.n + 1) ** ncols <= max_work):
        # one digit run into at most three cells: the same splits in the same order, written out
        # (the search below would stop at neither bound)
        return _out([c for c in _splits(row.s, 0, ncols) if check is None or check(c)], False, limit)
    found, stack, work = [], [], [0]

    def rec(pos: int, k: int) -> None:
        work[0] += 1
        if k == 0 and (check is None or check(tuple(stack))):
            found.append(tuple(stack))
        if len(found) > limit or work[0] > max_work:
            raise _Stop
        for end, v in row.cells(pos, row.n) if k else ():
            if row.fits(end, row.n, k - 1):
                stack.append(float(v) if isinstance(v, Decimal) else v)
                rec(end, k - 1)
                stack.pop()
    try:
        rec(0, ncols)
    except _Stop:
        work[0] = -1
    return _out(found, work[0] < 0, limit)


def _splits(s: str, pos: int, k: int):
    """The splits of the digits s[pos:] into k cells (no leading zero but a lone 0), first cell
    shortest first: the order of `decodings`' search."""
    n = len(s)
    if k == 1:
        if s[pos] != "0" or pos + 1 == n:
            yield (int(s[pos:]),)
        return
    stop = n - k + 1 if s[pos] != "0" else min(n - k + 1, pos + 1)    # leave a digit per cell
    for e in range(pos + 1, stop + 1):
        head = int(s[pos:e])
        for tail in _splits(s, e, k - 1):
            yield (head,) + tail


def _bounds_ok(d: int, k: int, rem: int) -> bool:
    """Can k cells made of d digits add up to rem? (magnitude bounds, no leading zeros)"""
    if d > k * len(str(rem)):
        return False                        # some cell would be longer than rem
    longest = -(-d // k)                    # some cell has at least this many digits
    return (longest < 2 or rem >= 10 ** (longest - 1)) and rem <= 10 ** (d - k + 1) - 1 + 9 * (k - 1)


class _SumSolver:
    """Memoised search for runs of cells with a known sum (the identity prunes hard)."""

    def __init__(self, row: _Row, limit: int, max_work: int):
        self.row, self.limit, self.max_work, self.work, self.memo = row, limit, max_work, 0, {}

    def split(self, lo: int, hi: int, k: int, target) -> tuple:
        """Every way to cut [lo, hi) into k cells adding up to target."""
        key = ("split", lo, hi, k, target)
        if key in self.memo:
            return self.memo[key]
        self.work += 1
        if self.work > self.max_work:
            raise _Stop
        row, res = self.row, []
        if k == 1 and row.cell(lo, hi) == target:
            res = [(row.cell(lo, hi),)]
        for end, v in row.cells(lo, hi) if k >= 2 else ():
            if v > target:
                break                                      # longer cells are only bigger
            if k == 2:                                     # the second cell is forced
                w = row.cell(end, hi)
                if w is not None and v + w == target:
                    res.append((v, w))
            elif row.fits(end, hi, k - 1) and (row.has_decimal or _bounds_ok(hi - end, k - 1, target - v)):
                res.extend((v,) + tail for tail in self.split(end, hi, k - 1, target - v))
            if len(res) > self.limit:
                raise _Stop
        self.memo[key] = tuple(res)
        return self.memo[key]

    def rowsum(self, lo: int, hi: int, k: int) -> tuple:
        """Every way to cut [lo, hi) into k cells whose last is the sum of the others."""
        key = ("rowsum", lo, hi, k)
        if key not in self.memo:
            row, res = self.row, []
            if k >= 2 and row.fits(lo, hi, k):
                for p in range(hi - 1, max(lo, row.tok_start[hi - 1]) - 1, -1):
                    total = row.cell(p, hi)
                    if total is None or not row.fits(lo, p, k - 1):
                        continue
                    if row.has_decimal or _bounds_ok(p - lo, k - 1, total):
                        res.extend(head + (total,) for head in self.split(lo, p, k - 1, total))
                    if len(res) > self.limit:
                        raise _Stop
            self.memo[key] = tuple(res)
        return self.memo[key]

    def blocks(self, pos: int, left: int, block: int) -> tuple:
        """[pos, n) as `left` blocks: each end q of the first block solved as a rowsum, then the rest."""
        row, key = self.row, ("blocks", pos, left)
        if left == 1 or key in self.memo:
            return self.rowsum(pos, row.n, block) if left == 1 else self.memo[key]
        res = []
        for q in range(pos + 1, row.n):
            if row.fits(pos, q, block) and row.fits(q, row.n, (left - 1) * block):
                heads = self.rowsum(pos, q, block)
                res.extend(h + t for t in (self.blocks(q, left - 1, block) if heads else ()) for h in heads)
                if len(res) > self.limit:
                    raise _Stop
        self.memo[key] = tuple(res)
        return self.memo[key]


def _solve(tokens, allow_decimal: bool, limit: int, max_work: int, fn) -> Decodings:
    row = _prepare(tokens, allow_decimal)
    if row is None:
        return Decodings()
    try:
        return _out(list(fn(row, _SumSolver(row, limit, max_work))), False, limit)
    except _Stop:
        return Decodings([], True)


def decode_rowsum(tokens: Sequence[str] | str, ncols: int = 7, limit: int = 10000, *,
                  allow_decimal: bool = False, max_work: int = MAX_WORK) -> Decodings:
    """Rows whose last cell is the sum of the others (fmt2019+ table 3: six requesters + 总计)."""
    return _solve(tokens, allow_decimal, limit, max_work, lambda row, sv: sv.rowsum(0, row.n, ncols))


def decode_blocks(tokens: Sequence[str] | str, nblocks: int = 3, block: int = 5, limit: int = 10000, *,
                  allow_decimal: bool = False, max_work: int = MAX_WORK) -> Decodings:
    """Rows of `nblocks` blocks of `block` cells, each block ending with the sum of the rest
    (table 4: 维持, 纠正, 其他, 尚未审结, 总计 × 复议 / 直接起诉 / 复议后起诉). Block by block:
    each possible end of the first block is solved as a rowsum, then the rest recursively."""
    fn = (lambda row, sv: sv.blocks(0, nblocks, block)) if nblocks >= 1 else (lambda row, sv: [])
    return _solve(tokens, allow_decimal, limit, max_work, fn)


def decode_year_cum(tokens: Sequence[str] | str, limit: int = 10000) -> Decodings:
    """Two cells 本年度 | 历年累计 with cumulative ≥ year (Fujian-style tables)."""
    return decodings(tokens, 2, lambda c: c[1] >= c[0], limit)


def decode_plain(tokens: Sequence[str] | str, ncols: int, limit: int = 10000, *,
                 allow_decimal: bool = False) -> Decodings:
    """Rows with no identity between their cells: only the digit rules constrain the split."""
    return decodings(tokens, ncols, None, limit, allow_decimal=allow_decimal)


def agreed(cands: Sequence[tuple], ncols: int | None = None) -> list:
    """Per column, the value every candidate agrees on, else None (all None if none/truncated)."""
    width = ncols if ncols is not None else (len(cands[0]) if cands else 0)
    if not cands or getattr(cands, "truncated", False):
        return [None] * width
    return [c[0] if all(x == c[0] for x in c) else None for c in zip(*cands)]


def unique(cands: Sequence[tuple]) -> tuple | None:
    """The single candidate, or None when there are none, several, or the search was truncated."""
    return cands[0] if len(cands) == 1 and not getattr(cands, "truncated", False) else None


def split_trailing_index(run: str, following: str, expected_next: int | None = None) -> tuple[str, str | None]:
    """Strip the list number of the NEXT row glued onto a digit run: in `…公开数条3460853762、
    政府公报…` the final '2' numbers the next row. Strips only when `following` starts with
    '、' or with '.'/'．' plus a non-digit; prefers str(expected_next), else one digit (two
    when the last is 0, since no list item is numbered 0: '…10、')."""
    f = following.lstrip(" \t\u3000")
    numbered = f[:1] == "、" or (f[:1] in (".", "．") and len(f) > 1 and not f[1].isdigit())
    if not run or not (run.isascii() and run.isdigit()) or not numbered:
        return run, None
    exp = str(expected_next) if expected_next is not None and expected_next > 0 else None
    idx = exp if exp and run.endswith(exp) else run[-1] if run[-1] != "0" else run[-2:] if run[-2:-1] not in ("", "0") else None
    return (run, None) if idx is None else (run[: len(run) - len(idx)], idx)
