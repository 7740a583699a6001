"""Who filed a report: `identify()` finds the reporting body (government, department, township)
in a report's title, first lines, metadata or body and resolves its GB/T 2260 adcode with its
parents. Stable ids across code changes and the `dim_jurisdiction` rows live in
`pipeline.jurisdiction_dim` (`jurisdiction_id()` and `dim_jurisdiction_rows()` are re-exported
here); the division data and `current_code()` in `pipeline.jurisdiction_data`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline import jurisdiction_data as data
from pipeline.jurisdiction_data import current_code  # noqa: F401  (part of this module's API)

SPECIAL = data.SPECIAL

_YEAR = re.compile(r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年度?")
_REPORT = re.compile(r"(?:政府信息公开|政务公开|信息公开)[\u4e00-\u9fff]{0,6}?(?:报告|年报)")
_DELIM = re.compile(r"[\s《》<>“”\"'「」【】\[\]:：,，、|/。;；!！?？_=]")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_LEAD = re.compile(r"^(?:关于|印发|公布|发布|音频解读|图解|解读|当前位置|标题|信息名称)+")
_TRAIL = re.compile(r"(?:关于|的|对|印发|公布|发布)+$")
_GOV = re.compile(r"人民政府|政府|管委会|管理委员会|行政公署|行署")
_OFFICE = re.compile(r"^(?:办公室|办公厅|办)$")
_TOWNSHIP = re.compile(r"^[\u4e00-\u9fff]{1,10}?(?:乡|镇|街道|苏木)(?:人民政府|政府|办事处)?$")
_HIDDEN = re.compile(r"[Xx×Ｘ＊*□○]{2,}|某|隐去")
_NAME_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}(?:人民政府|政府|管委会|管理委员会)$")
_NATIONAL_DEPT = re.compile(r"^(?:国家|中国|中华人民共和国|国务院)|(?:部|总局|总署|委员会|银行)$")
_SUFFIX_LEVEL = [x.split(":") for x in "自治区:province 省:province 自治州:prefecture 地区:prefecture 州:prefecture "
                 "盟:prefecture 县:county 旗:county 街道:township 乡:township 镇:township 区:county 市:prefecture".split()]


@dataclass(frozen=True)
class Jurisdiction:
    name: str | None                 # as written: 龙潭区人民政府, 平潭综合实验区市场监督管理局
    admin_level: str | None          # national, province, prefecture, county, township, department
    adcode: str | None               # of the government (a department's or township's: its own government)
    parent_adcode: str | None        # one level up: 龙潭区 → 220200; a department or township → its government
    province: str | None
    government_name: str | None      # for a department: the government it belongs to
    division_name: str | None        # the GB/T 2260 name of `adcode` (龙潭区)

    def report_fields(self) -> dict:
        """The `reports` columns this fills."""
        return {"jurisdiction_name": self.name, "admin_level": self.admin_level, "adcode": self.adcode,
                "parent_adcode": self.parent_adcode, "province": self.province}


def _token_at(s: str, i: int) -> tuple[int, str, tuple] | None:
    """The longest division name (or special body) starting at s[i]: (length, key, entries).
    A short form (罗庄) counts only before another name, a government word or the end."""
    for alias in SPECIAL:
        if s.startswith(alias, i):
            return len(alias), alias, ()
    index = data.name_index()
    for n in range(min(data.max_name_len(), len(s) - i), 1, -1):
        entries = index.get(s[i:i + n])
        if not entries:
            continue
        full = tuple(e for e in entries if not e.short)
        if full:
            return n, s[i:i + n], full
        j = i + n
        if j == len(s) or _GOV.match(s, j) or _token_at(s, j):
            return n, s[i:i + n], entries
    return None


def _pick(entries: tuple, parents: set[str], context: str, key: str = "") -> str | None:
    """One code for a name: parents written before it first, then parent names in the context."""
    codes = {e.code for e in entries}
    above = {c for c in codes if any(data.is_ancestor(p, c) for p in parents)}
    codes = above or codes
    if len(codes) == 1:
        return next(iter(codes))
    names = data.names()

    def score(code: str) -> int:
        total = 0
        # a parent named like the name being resolved (淮安市 › 淮安市) tells nothing
        for name in {names.get(a) for a in (data.parent_of(code), code[:2] + "0000") if a != code} - {None, key}:
            total += 2 * context.count(name) + context.count(data.stem(name) or name)
        return total

    (best, code), (second, _) = sorted(((score(c), c) for c in codes), reverse=True)[:2]
    if best > second:
        return code
    now = {e.code for e in entries if e.current and e.code in codes}
    return next(iter(now)) if len(now) == 1 else None


def _suffix_level(name: str) -> str | None:
    return next((lvl for suf, lvl in _SUFFIX_LEVEL if _GOV.sub("", name).endswith(suf)), None)


def _counties_in(text: str) -> str | None:
    """The county-level division named most often in a text (for a township with no parent)."""
    seen: Counter = Counter()
    for i in range(len(text)):
        hit = _token_at(text, i)
        if hit and hit[2] and all(not e.short for e in hit[2]):
            codes = {e.code for e in hit[2] if data.level_of(e.code) == "county"}
            if len(codes) == 1:
                seen[codes.pop()] += 1
    top = seen.most_common(2)
    return top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else None


def _government(code: str | None, level: str | None, name: str, gov: str, division: str | None) -> Jurisdiction:
    special, parent = data.SPECIAL_BY_CODE.get(code or ""), data.parent_of(code)
    if special and level in ("county", special[1]):
        level, parent = special[1], special[2]
    if level in ("department", "township"):
        parent = code
    return Jurisdiction(name, level, code, parent, data.province_of(code), gov,
                        data.names().get(code) if code else division)


def _codes(token: tuple) -> set[str]:
    return {SPECIAL[token[1]][0]} if token[1] in SPECIAL else {e.code for e in token[2]}


def _chain(s: str) -> tuple[int, int, set[str], tuple] | None:
    """The run of division names in s: (start, end, codes of the parents, last token)."""
    start = next((i for i in range(len(s)) if _token_at(s, i)), None)
    if start is None:
        return None
    i, parents, last = start, set(), None
    while (tok := _token_at(s, i)) is not None:
        if last is not None:  # a name that is not under the one before it starts the unit's name
            above = _codes(last)
            if not any(data.is_ancestor(p, c) for p in above for c in _codes(tok)):
                break
            parents |= above
        last, i = tok, i + tok[0]
    return start, i, parents, last


def _parse(name: str, kind: str, context: str) -> Jurisdiction | None:
    """Resolve one candidate name; None when it names no recognisable body."""
    s = _BRACKETS.sub("", name)
    found = _chain(s)
    if found is None:
        gov = _GOV.search(s)
        if re.fullmatch(r"国务院(?:办公厅)?", s):
            return Jurisdiction(name, "national", None, None, None, "国务院", None)
        if _HIDDEN.search(s) or _GOV.sub("", s) in {suf for suf, _ in _SUFFIX_LEVEL}:
            level = "department" if gov and s[gov.end():] else _suffix_level(s)
            return Jurisdiction(name, level, None, None, None, s[:gov.end()] if gov else name, None)
        if _TOWNSHIP.match(s):
            return _government(_counties_in(context[:3000]), "township", name, name, None)
        if kind != "body" and _NATIONAL_DEPT.search(s):
            return Jurisdiction(name, "department", None, None, None, "国务院", None)
        return None
    start, i, parents, (_, key, entries) = found
    written = s[start:] if start else name
    code = SPECIAL[key][0] if key in SPECIAL else _pick(entries, parents, context, key)
    gov = _GOV.match(s, i)
    rest = s[gov.end() if gov else i:].strip()
    government = s[start:gov.end()] if gov else s[start:i] + ("管委会" if key in SPECIAL else "人民政府")
    level = SPECIAL[key][1] if key in SPECIAL else data.level_of(code) if code else _suffix_level(key)
    if not rest or kind == "publisher" and _OFFICE.match(rest):
        return _government(code, level, government if rest else written, government, key)
    return _government(code, "township" if _TOWNSHIP.match(rest) else "department", written, government, key)


def _candidates(title: str | None, text: str, meta: dict):
    """(kind, name) pairs, lazily, in order of trust: titles, first lines, publisher, body."""

    def names_in(kind: str, s: str, limit: int = 2):
        s = _YEAR.sub("", s)
        for m in list(_REPORT.finditer(s))[:limit]:
            chunk = _LEAD.sub("", _TRAIL.sub("", _DELIM.split(s[max(0, m.start() - 60): m.start()])[-1]))
            if chunk.endswith("人民"):
                chunk += "政府"
            if chunk:
                yield kind, chunk

    for t in (title, meta.get("title")):
        if t:
            yield from names_in("title", t)
    lines = [ln.strip() for ln in text[:3000].splitlines() if ln.strip()][:15]
    for k, line in enumerate(lines):  # a title may be split over two lines
        yield from names_in("head", line if _REPORT.search(line) else line + "".join(lines[k + 1:k + 2]))
    if meta.get("publisher"):
        yield "publisher", _DELIM.sub("", meta["publisher"])
    yield from (("head", line) for line in lines if _NAME_LINE.match(line))
    yield from names_in("body", text[:5000], limit=5)


# a run of spaces between CJK characters or digits; it starts with the space (not the look-behind)
# so the regex engine skips ahead to the next space instead of trying every position
_GAP = re.compile(r"[ \t\u3000](?<=[\u4e00-\u9fff\d].)[ \t\u3000]*(?=[\u4e00-\u9fff\d])")


def _unspace(s: str | None) -> str | None:
    """Text layers put spaces between characters and digits (安吉县人民政府 2022 年): drop them."""
    return _GAP.sub("", s) if s else s


def identify(title: str | None, text: str, meta: dict | None = None) -> Jurisdiction:
    """The body that filed a report, with its adcode resolved through parents and context."""
    meta = {k: _unspace(v) if isinstance(v, str) else v for k, v in (meta or {}).items()}
    title, text = _unspace(title), _unspace(text or "")
    context = "\n".join(filter(None, (title, meta.get("title"), meta.get("publisher"), text)))
    for kind, name in _candidates(title, text, meta):
        found = _parse(name, kind, context)
        if found is not None:
            return found
    return Jurisdiction(*(None,) * 7)


def division_written(name: str | None) -> str | None:
    """The division a body's name ends its parent chain with, as written: 洪泽县 in
    洪泽县发展和改革局, 平潭综合实验区 in 平潭综合实验区管委会."""
    found = _chain(re.sub(r"\s+", "", _BRACKETS.sub("", name or "")))
    return found[3][1] if found else None


def unit_name(name: str | None) -> str:
    """A department's or township's own name, without its government: 市场监督管理局."""
    s = re.sub(r"\s+", "", _BRACKETS.sub("", name or ""))
    found = _chain(s)
    if found:
        gov = _GOV.match(s, found[1])
        s = s[gov.end() if gov else found[1]:] or s
    return re.sub(r"(?<=.)(?:人民政府|政府|办事处)$", "", s)


def jurisdiction_id(name: str | None, admin_level: str | None, adcode: str | None, year: int | None = None) -> str:
    """Stable id of a jurisdiction across code changes (see `pipeline.jurisdiction_dim`)."""
    from pipeline.jurisdiction_dim import jurisdiction_id as stable_id
    return stable_id(name, admin_level, adcode, year)


def dim_jurisdiction_rows(reports: list[dict]) -> list[dict]:
    """Rows of `dim_jurisdiction` for report rows (see `pipeline.jurisdiction_dim`)."""
    from pipeline.jurisdiction_dim import dim_jurisdiction_rows as rows
    return rows(reports)
