"""Stable jurisdiction identity across code changes, and the `dim_jurisdiction` rows.

A government keeps one `jurisdiction_id` from 2008 to today although its GB/T 2260 code may
change: the id is the code its *lineage* ends in. A lineage follows a code forward through the
yearly code lists while the division goes on — the same code, or a recoding into a new code
that no other division joins (洪泽县 320829 → 洪泽区 320813, 县→区; 新津县 → 新津区). It stops at a
merger — a code absorbed by one that already existed (莱芜市 371200 → 济南市 370100, 2019) or
joined with others into a new code (伊春区 + 美溪区 → 伊美区) — and at an abolition: the merged
division keeps its last code as its id, so its years never pile onto its successor's
(`current_adcode` tells where its territory is now). See docs/jurisdictions.md.

An id depends on the name only through `name_parts` (the division it is written under, the
unit's own name) and on the year only through the code lists: both are cached, so computing
ids costs a name parse per distinct name and a code walk per distinct (division, code, year).
`pipeline.jurisdiction_frames` maps whole `reports` frames this way.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import polars as pl

from pipeline import jurisdiction_data as data
from pipeline.jurisdiction import division_written, unit_name

GOVERNMENT_LEVELS = ("province", "prefecture", "county")


@lru_cache(maxsize=1)
def _continuing() -> tuple[frozenset[str], ...]:
    """Per step of `data.steps()`, the codes whose division goes on in the next list: kept, or
    recoded alone into a code that did not exist before."""
    lists = [rev for _, rev in data.revisions()] + [data.current()]
    out = []
    for i, step in enumerate(data.steps()):
        into = Counter(s for s in step.values() if s)
        out.append(frozenset(c for c, s in step.items()
                             if s and (s == c or (s not in lists[i] and into[s] == 1))))
    return tuple(out)


def _norm(adcode: str) -> str:
    return str(adcode).strip()[:6].ljust(6, "0")


def stable_code(adcode: str | None, year: int | None = None) -> str | None:
    """The code a division's lineage is known by: its current code through recodings
    (320829 → 320813), or the last code it had when it was merged or abolished (371200)."""
    return _stable_code(_norm(adcode), year) if adcode else None


@lru_cache(maxsize=None)
def _stable_code(code: str, year: int | None) -> str:
    if code in data.current() and (year is None or year > data.revisions()[-1][0]):
        return code
    i = data.revision_at(code, year)
    if i is None:
        return code  # not a known code (or a body outside GB/T 2260): kept as filed
    for j in range(i, len(data.steps())):
        if code not in _continuing()[j]:
            return code
        code = data.steps()[j][code]
    return code


@lru_cache(maxsize=1)
def _spans() -> dict[str, tuple[str, int | None, int | None]]:
    """Every code → (its latest name, first year in the code lists, last year or None while in
    force). First year None: it appeared after gb2260's last revision (2019-04)."""
    spans: dict[str, list] = {}
    for year, rev in data.revisions():
        for code, name in rev.items():
            span = spans.setdefault(code, [name, year, year])
            span[0], span[2] = name, year
    for code, name in data.current().items():
        spans.setdefault(code, [name, None, None])[0] = name
        spans[code][2] = None
    return {c: tuple(s) for c, s in spans.items()}


@lru_cache(maxsize=1)
def _lineages() -> dict[str, tuple[str, ...]]:
    """Stable code → every code of its lineage, oldest first."""
    out: dict[str, list[str]] = {}
    for code, (_, first, last) in _spans().items():
        out.setdefault(stable_code(code, last), []).append(code)
    return {k: tuple(sorted(v, key=lambda c: (_spans()[c][1] or 9999, c))) for k, v in out.items()}


@lru_cache(maxsize=1)
def _into() -> dict[str, tuple[str, ...]]:
    """Current code → the former codes whose divisions now lie in it (by `current_code`)."""
    out: dict[str, list[str]] = {}
    for code, (_, _, last) in _spans().items():
        if last is not None:
            now = data.current_code(code, last)
            if now and now != code:
                out.setdefault(now, []).append(code)
    return {k: tuple(v) for k, v in out.items()}


def _forms(name: str | None) -> set[str]:
    return {name, data.stem(name)} - {None} if name else set()


def parse_name(name: str | None) -> tuple[str | None, str, str]:
    """(division written, the unit's own name, the name without spaces) of a body's name, as
    `jurisdiction.division_written` and `unit_name` parse it (~0.05 ms)."""
    return division_written(name), unit_name(name), re.sub(r"\s+", "", name or "")


name_parts = lru_cache(maxsize=1 << 16)(parse_name)  # per report: most names come again


def government_id(name: str | None, adcode: str | None, year: int | None = None) -> str | None:
    """Stable code of the government a report names: filed under `adcode` (often already the
    current code) and written as `name`. A former name that merged into `adcode`
    (莱芜市人民政府 filed as 370100) gives the former division's own lineage (371200)."""
    return written_government_id(name_parts(name)[0], adcode, year) if adcode else None


@lru_cache(maxsize=None)
def written_government_id(written: str | None, adcode: str, year: int | None) -> str:
    """`government_id` from the division as written (`name_parts(name)[0]`)."""
    code = stable_code(adcode, year)
    if not written or written in data.SPECIAL or _forms(written) & _forms(data.names().get(code)):
        return code
    now = data.current_code(adcode, year) or code
    hits = {stable_code(c, _spans()[c][2]) for c in _into().get(now, ()) if _forms(written) & _forms(_spans()[c][0])}
    return hits.pop() if len(hits) == 1 else code


def jurisdiction_id(name: str | None, admin_level: str | None, adcode: str | None, year: int | None = None) -> str:
    """Stable id: the government's stable code, `code:unit` for a department or township
    (350128:市场监督管理局), `name:…` when there is no adcode, `national` for the State Council."""
    if admin_level == "national":
        return "national"
    gov = government_id(name, adcode, year)
    if not gov:
        return "name:" + name_parts(name)[2]
    return f"{gov}:{name_parts(name)[1]}" if admin_level in ("department", "township") else gov


def report_jurisdiction_id(report: dict) -> str | None:
    """The jurisdiction_id of a `reports` row; None when it names no jurisdiction."""
    name, level, code = report.get("jurisdiction_name"), report.get("admin_level"), report.get("adcode")
    if not (name or code):
        return None
    year = report.get("report_year")
    return jurisdiction_id(name, level, code, int(year) if year is not None else None)


def code_of_year(gov: str | None, year: int | None) -> str | None:
    """The code of a lineage in force in `year` (320829 for 洪泽 in 2013), else its stable code."""
    if not gov or year is None:
        return gov
    live = [c for c in _lineages().get(gov, ()) if (_spans()[c][1] or 2019) <= year <= (_spans()[c][2] or 9999)]
    return live[-1] if live else gov


def code_rows(gov: str) -> list[dict]:
    """`jurisdiction_codes` rows of one government: every code of its lineage with its name and
    the years it was in the code lists (last_year None: in force now)."""
    rows = []
    for code in _lineages().get(gov, (gov,)):
        name, first, last = _spans().get(code, (data.government(code)[0], None, None))
        rows.append({"jurisdiction_id": gov, "adcode": code, "name": name, "first_year": first,
                     "last_year": last, "in_force": last is None and code in data.current()})
    return rows


def government_row(code: str, level: str | None = None) -> dict:
    """The `dim_jurisdiction` row of a government (its canonical name, parent, successor, history)."""
    name, lvl, parent = data.government(code)
    last = _spans().get(code, (None, None, None))[2]
    parent = stable_code(parent, last) if parent else None
    return {"jurisdiction_id": code, "adcode": code, "name": name, "admin_level": level or lvl,
            "parent_adcode": parent, "parent_jurisdiction_id": parent, "province": data.province_of(code),
            "current_adcode": code if code in data.current() else data.current_code(code, last),
            "former_adcodes": ",".join(c for c in _lineages().get(code, ()) if c != code) or None,
            "valid_until": last if code not in data.current() else None}


def dim_jurisdiction_rows(reports: list[dict]) -> list[dict]:
    """One row per jurisdiction seen in report rows, plus the governments above them (a
    department's government, its prefecture, its province). Governments carry their canonical
    name; departments and townships the name as written in their latest report (then the first
    in name order; the rows' order breaks ties). See `jurisdiction_frames.dim_jurisdiction_frame_rows`."""
    from pipeline.jurisdiction_frames import DIM_SCHEMA, dim_jurisdiction_frame_rows
    return dim_jurisdiction_frame_rows(pl.from_dicts(reports, schema=DIM_SCHEMA) if reports else pl.DataFrame(schema=DIM_SCHEMA))
