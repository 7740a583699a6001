"""Walk a document's table rows in order and give each row its layout.

Keeps the state a reader of the table keeps: which table it is in (table 2, 3, 4 of the
2019/2021 formats, or a pre-2019 statistics table), the column order a statistics header
named (本年 / 累计), and the topic (行政复议 / 行政诉讼) that 维持 / 纠错 rows belong to.
"""
from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter

from pipeline import catalogue, regex_facts
from pipeline.rows import Row
from pipeline.tables import _UNIT_TAIL, Pending, _code, _label, decode, emit, table_era

NESTABLE = ("outcomes.not_exist", "outcomes.asked_to_clarify", "outcomes.not_this_agency")
_SUB_MARK = re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩]|^\s*其中")
T3_CODES = ("requests.received", "requests.carried_in", "requests.carried_out", "outcomes.")


@lru_cache(maxsize=1 << 14)
def _plan(label: str, t2_era: str | None, has_t3: bool) -> tuple[str, str | None, str | None]:
    """What a row's label alone decides: (normalised label, its table-2 row key, its code)."""
    norm = _label(label)
    t2_key = _t2_key(norm, t2_era) if t2_era else None
    code = (catalogue.load()["layouts"]["table3"]["labels"].get(norm) if has_t3 else None) or _code(label)
    return norm, t2_key, code


_RAW = attrgetter("raw")


@lru_cache(maxsize=1 << 13)
def _t2_key(norm: str, era: str) -> str | None:
    for key in _t2_keys(era):
        if norm.endswith(key):
            return key
    return None


@lru_cache(maxsize=4)
def _t2_keys(era: str) -> tuple[str, ...]:
    return tuple(sorted(catalogue.load()["layouts"]["table2"]["rows"][era], key=len, reverse=True))


@lru_cache(maxsize=1)
def _header_words() -> tuple[re.Pattern, re.Pattern]:
    st = catalogue.load()["layouts"]["stat"]
    return re.compile("|".join(st["year_words"])), re.compile("|".join(st["cumulative_words"]))


def _last(pattern: re.Pattern, text: str) -> int:
    pos = -1
    for m in pattern.finditer(text):
        pos = m.start()
    return pos


def _stat_layout(label: str) -> list[str] | None:
    year_re, cum_re = _header_words()
    cum = _last(cum_re, label)
    if cum < 0 and "指标" not in label.replace(" ", "") and "计量单位" not in label.replace(" ", ""):
        return None                 # (whatever the year words say)
    yr = _last(year_re, label)
    if cum >= 0 and yr >= 0:
        return ["year", "cumulative"] if yr < cum else ["cumulative", "year"]
    if yr >= 0 and ("指标" in label.replace(" ", "") or "计量单位" in label.replace(" ", "")):
        return ["year"]
    return None


@lru_cache(maxsize=1)
def _layout_chars() -> frozenset[str] | None:
    """Characters a context holds when `_stat_layout` can name a layout from it: the first ones
    of the cumulative words, 指 (指标) and 计 (计量单位) — whitespace and '|' removed, a word still
    starts with a character of the context. None: not known, always look."""
    firsts = regex_facts.first_chars(_header_words()[1].pattern)
    return None if firsts is None else firsts | {"指", "计"}


def _context_facts(context: str) -> tuple[list[str] | None, str | None]:
    """(the column order a statistics header in `context` names, the topic it names last)."""
    chars = _layout_chars()
    if chars is not None and not any(c in context for c in chars):
        layout = None
    else:
        layout = _stat_layout("".join(context.split()).replace("|", ""))     # no whitespace, no '|'
    found = [(context.rfind(w), t) for w, t in catalogue.load()["layouts"]["stat"]["topics"].items() if w in context]
    return layout, (max(found)[1] if found else None)


_label_facts = lru_cache(maxsize=1 << 14)(_context_facts)    # a grid row's context is its label


@lru_cache(maxsize=1 << 14)
def _topical_part(label: str) -> str | None:
    return _topical(_label(label)) or _topical(_label(_UNIT_TAIL.sub("", label.strip(" |\t\n")).strip(" |\t\n")))


def walk(text: str, rows: list[Row]) -> tuple[list[dict], list[Pending], list[dict]]:
    lay = catalogue.load()["layouts"]
    t2_era = table_era(text)
    has_t3 = any(w in text for w in lay["table3"]["header_words"][:1]) or all(w in text for w in lay["table3"]["header_words"][1:])
    has_t4 = all(w in text for w in lay["table4"]["header_words"])
    values: list[dict] = []
    pendings: list[Pending] = []
    issues: list[dict] = []
    stat_cols: list[str] | None = None
    topic: str | None = None
    last_table = None
    prev_end = 0
    denied_open = False
    for row in rows:
        if row.table_index != last_table:
            stat_cols, topic, last_table = None, None, row.table_index
        label = row.label
        norm, t2_key, code = _plan(label, t2_era, has_t3)
        if row.table_index is None:
            layout, found = _context_facts(text[max(prev_end, row.label_start - 200):row.label_end])
        else:
            layout, found = _label_facts(label)
        tokens = row.tokens
        prev_end = tokens[-1].end if tokens else row.label_end
        if layout:
            stat_cols = list(layout)
        if found:
            topic = found
        if not tokens:
            continue
        # table 4: fifteen cells under the 行政复议 / 行政诉讼 header
        if has_t4 and ("复议后起诉" in label or (not norm and len(tokens) >= 15) or len(tokens) == 15):
            cols = lay["table4"]["columns"]
            cands = decode(row, "blocks", 15)
            _emit(row, cols, ["year"] * 15, ["total"] * 15, cands, 1.0, values, issues, "T4")
            continue
        if t2_key:
            codes = lay["table2"]["rows"][t2_era][t2_key]
            scale = 10000.0 if codes[-1] in lay["table2"]["money_in_wan"] else 1.0
            cands = decode(row, "plain", len(codes))
            out, disputed = emit(row, codes, ["year"] * len(codes), ["total"] * len(codes), cands, scale, len(row.tokens) == len(codes))
            values.extend(out)
            if disputed and cands and not getattr(cands, "truncated", False):
                pendings.append(Pending(row, list(codes), ["year"] * len(codes), list(cands), scale))
            elif disputed:
                _emit(row, codes, ["year"] * len(codes), ["total"] * len(codes), cands, scale, [], issues, "T2")
            continue
        if code is None and topic and (part := _topical_part(label)):
            code = f"{topic}.{part}"
        if code is None:
            continue
        if has_t3 and code.startswith(T3_CODES) and sum(map(len, map(_RAW, tokens))) >= 7:
            cols = lay["table3"]["columns"]
            cands = decode(row, "rowsum", 7)
            _emit(row, [code] * 7, ["year"] * 7, cols, cands, 1.0, values, issues, "T3")
            continue
        periods = stat_cols or ["year"]
        if len(periods) == 2 and len(row.tokens) == 1 and len(row.tokens[0].raw) == 1:
            periods = ["year"]      # a single digit cannot hold two cells
        if len(periods) != 2 and len(row.tokens) == 2:
            continue                # two values but no header saying which is which
        scale = 10000.0 if "万元" in row.label else 1.0
        kind = "year_cum" if periods == ["year", "cumulative"] else "plain"
        cands = decode(row, kind, len(periods))
        if kind == "plain" and len(periods) == 2:
            cands = [c for c in cands if c[0] is None or c[1] is None or c[0] >= c[1]]
        out, disputed = emit(row, [code] * len(periods), periods, ["total"] * len(periods), cands, scale, True)
        if code == "outcomes.denied":
            denied_open = True
        elif code.startswith("outcomes.") and not code.startswith("outcomes.denied."):
            if denied_open and code in NESTABLE and _SUB_MARK.search(row.label):
                for v in out:
                    v["nested_under"] = "outcomes.denied"     # 否决公开 › 信息不存在 (Jilin tables)
            else:
                denied_open = False
        values.extend(_mark_decoded(out, row))
        if disputed and cands:
            pendings.append(Pending(row, [code] * len(periods), periods, cands, scale))
    return values, pendings, issues


@lru_cache(maxsize=1)
def _topical_labels() -> list[tuple[str, str]]:
    pairs = catalogue.load()["layouts"]["stat"]["topical_labels"].items()
    return sorted(((catalogue.normalize_label(lbl), part) for lbl, part in pairs), key=lambda p: -len(p[0]))


@lru_cache(maxsize=1 << 14)
def _topical(norm: str) -> str | None:
    for lbl, part in _topical_labels():
        if norm.endswith(lbl):
            return part
    return None


def _mark_decoded(out: list[dict], row: Row) -> list[dict]:
    decoded = len(row.tokens) < 2 and len(row.tokens[0].raw) > 1 and len(out) > 1
    for v in out:
        v["decoded"] = decoded
    return out


def _emit(row, codes, periods, requesters, cands, scale, values, issues, table) -> None:
    direct = len(row.tokens) == len(codes)
    out, disputed = emit(row, codes, periods, requesters, cands, scale, direct)
    values.extend(out)
    if disputed:
        what = "no decoding satisfies the table's identities" if not cands else f"{len(cands)} decodings"
        issues.append({
            "check_id": "GLUED-AMBIGUOUS", "severity": "warning", "status": "not_assessable",
            "message": f"{table} row '{row.label[-30:]}' cells {''.join(t.raw for t in row.tokens)}: {what}; "
                       f"{len(disputed)} cell(s) left out",
            "metric_codes": ",".join(sorted({c for i, c in enumerate(codes) if i in disputed and c})),
            "expected": None, "actual": None, "attribution": "extraction",
        })

