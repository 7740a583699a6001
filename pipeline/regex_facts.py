"""Facts read off a regular expression's parse tree, used to skip work that cannot match.

The extractor tries dozens of catalogue patterns against every clause; most cannot match
because the clause ends with the wrong character, or the text holds none of the characters
every match needs. These functions read that from the pattern itself (the stdlib's own
parser), so no list has to be kept in step with catalogue.yaml. Every answer is
conservative: `None` means "unknown, try the pattern", never "cannot match".
"""
from __future__ import annotations

import re
import re._parser as sre_parse  # noqa: PLC2701  (the parser of the stdlib's own regex engine)
from collections.abc import Iterator
from typing import NamedTuple

_UNSAFE_FLAGS = re.IGNORECASE | re.MULTILINE


def tails(pattern: str, k: int = 2) -> frozenset[str] | None:
    """The last `k` characters every match of `pattern` can end with (a shorter string: a whole
    match that short), when every match ends at the end of the string (the pattern ends with
    `$`); None when that is not known. A superset: a string ending with none of them cannot
    match."""
    seq = _parse(pattern)
    if seq is None:
        return None
    items = list(seq)
    if not items or items[-1] != (sre_parse.AT, sre_parse.AT_END):
        return None
    out = _tails(items[:-1], k)
    return None if out is None else frozenset(out)


def _tails(items, k: int) -> set[str] | None:
    out = {""}
    for op, av in reversed(list(items)):
        if op in (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            continue                                              # zero width
        x = _item_tails(op, av, k)
        if x is None or len(x) > 4096:
            return None
        out = {r if len(r) >= k else (t + r)[-k:] for r in out for t in x}
        if all(len(r) >= k for r in out):
            break
    return out


def _item_tails(op, av, k: int) -> set[str] | None:
    if op is sre_parse.LITERAL:
        return {chr(av)}
    if op is sre_parse.IN and all(o is sre_parse.LITERAL or (o is sre_parse.RANGE and a[1] - a[0] < 256)
                                  for o, a in av):
        return {chr(c) for o, a in av for c in ((a,) if o is sre_parse.LITERAL else range(a[0], a[1] + 1))}
    if op is sre_parse.BRANCH:
        parts = [_tails(b, k) for b in av[1]]
        return None if any(p is None for p in parts) else set().union(*parts)
    if op is sre_parse.SUBPATTERN and not av[1] and not av[2]:
        return _tails(av[3], k)
    if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
        lo, hi, inner = av
        one = _tails(inner, k)
        if one is None:
            return None
        # the last k characters of j repetitions are those of at most k of them (or of j = lo)
        counts = range(0, min(hi, k) + 1) if "" in one else range(min(lo, k), min(hi, k) + 1)
        out, cur = set(), {""}
        for j in range(0, max(counts) + 1):
            if j in counts:
                out |= cur
            cur = {r if len(r) >= k else (t + r)[-k:] for r in cur for t in one}
            if len(cur) > 4096:
                return None
        return out
    return None


def _parse(pattern: str):
    try:
        seq = sre_parse.parse(pattern)
    except re.error:
        return None
    return None if seq.state.flags & _UNSAFE_FLAGS else seq


class Hint(NamedTuple):
    """What `finditer` needs to look only where a match can be."""
    char: str                        # a character every match contains
    longest: int                     # the longest a match can be
    first: re.Pattern | None         # the characters a match can start with, as a class (None: any)


def anchor(pattern: str) -> Hint | None:
    """A `Hint` for `pattern`, or None when no character is required, a match can be empty
    or has no bound."""
    seq = _parse(pattern)
    if seq is None:
        return None
    lo, hi = seq.getwidth()
    req = _required(list(seq))
    if lo == 0 or hi >= sre_parse.MAXREPEAT or not req:
        return None
    first, nullable = _first_of(list(seq))
    first_re = re.compile("[" + "".join(sorted(map(re.escape, first))) + "]") if first and not nullable else None
    return Hint(req[-1], hi, first_re)


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters every match of `pattern` starts with; None when unknown or when a match
    can be empty. A text holding none of them holds no match."""
    seq = _parse(pattern)
    if seq is None:
        return None
    first, nullable = _first_of(list(seq))
    return None if first is None or nullable else frozenset(first)


def _first_of(items) -> tuple[set | None, bool]:
    """(possible first characters or None = any, whether the sequence can match empty)."""
    out: set = set()
    for op, av in items:
        if op in (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            continue                                              # zero width
        if op is sre_parse.LITERAL:
            chars, nullable = {chr(av)}, False
        elif op is sre_parse.IN and all(o is sre_parse.LITERAL or (o is sre_parse.RANGE and a[1] - a[0] < 256)
                                        for o, a in av):
            chars = {chr(c) for o, a in av for c in ((a,) if o is sre_parse.LITERAL else range(a[0], a[1] + 1))}
            nullable = False
        elif op is sre_parse.BRANCH:
            parts = [_first_of(b) for b in av[1]]
            chars = None if any(c is None for c, _ in parts) else set().union(*(c for c, _ in parts))
            nullable = any(n for _, n in parts)
        elif op is sre_parse.SUBPATTERN and not av[1] and not av[2]:
            chars, nullable = _first_of(av[3])
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and av[1] > 0:
            chars, nullable = _first_of(av[2])
            nullable = nullable or av[0] == 0
        else:
            return None, True
        if chars is None:
            return None, True
        out |= chars
        if not nullable:
            return out, False
    return out, True


def _required(items) -> list[str]:
    """Characters every match of the sequence contains (in pattern order)."""
    out: dict[str, None] = {}
    for op, av in items:
        if op is sre_parse.LITERAL:
            out[chr(av)] = None
        elif op is sre_parse.SUBPATTERN and not av[1] and not av[2]:
            out.update(dict.fromkeys(_required(av[3])))
        elif op is sre_parse.BRANCH:
            sets = [_required(b) for b in av[1]]
            out.update(dict.fromkeys(c for c in sets[0] if all(c in s for s in sets[1:])))
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and av[0] >= 1:
            out.update(dict.fromkeys(_required(av[2])))
    return list(out)


def finditer(pattern: re.Pattern, text: str, hint: Hint | None) -> Iterator[re.Match]:
    """`pattern.finditer(text)`, the same matches, but trying the pattern only where a match can
    start: a match holds `hint.char`, so none starts more than `hint.longest - 1` before the
    first such character at or after the current position, nor after it unless it holds a later
    one; and it starts with one of `hint.first`."""
    if hint is None:
        yield from pattern.finditer(text)
        return
    char, longest, first = hint
    match, pos = pattern.match, 0
    while (q := text.find(char, pos)) >= 0:
        s, found = max(pos, q - longest + 1), None
        while s <= q:
            if first is not None:
                c = first.search(text, s, q + 1)
                if c is None:
                    break
                s = c.start()
            if (found := match(text, s)) is not None:
                break
            s += 1
        if found is None:
            pos = q + 1
        else:
            yield found
            pos = found.end()
