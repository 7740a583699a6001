"""Stable jurisdiction identity across code changes, and the `dim_jurisdiction` rows.

A government keeps one `jurisdiction_id` from 2008 to today although its GB/T 2260 code may
change: the id is the code its *lineage* ends in. A lineage follows a code forward through the
yearly code lists while the division goes on — the same code, or a recoding into a new code
that no other division joins (洪泽县 320829 → 洪泽区 320813, 县→区; 新津县 → 新津区). It stops at a
merger — a code absorbed by one that already existed (莱芜市 371200 → 济南市 370100, 2019) or
joined with others into a new code (伊春区 + 美溪区 → 伊美区) — and at an abolition: the merged
division keeps its last code as its id, so its years never pile onto its successor's
(`current_adcode` tells where its territory is now). See docs/jurisdictions.md.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from pipeline import jurisdiction_data as data
from pipeline.jurisdiction import division_written, unit_name

_GOVERNMENT_LEVELS = ("province", "prefecture", "county")


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


def _revision_at(code: str, year: int | None) -> int | None:
    """Index of the revision to read `code` in: the one in force at the end of `year` when it
    holds the code, else the latest that does."""
    revs = data.revisions()
    order = list(range(len(revs) - 1, -1, -1))
    if year is not None:
        at = [i for i in order if revs[i][0] <= year] or [0]
        order = [at[0], *[i for i in order if i != at[0]]]
    return next((i for i in order if code in revs[i][1]), None)


def stable_code(adcode: str | None, year: int | None = None) -> str | None:
    """The code a division's lineage is known by: its current code through recodings
    (320829 → 320813), or the last code it had when it was merged or abolished (371200)."""
    if not adcode:
        return None
    code = _norm(adcode)
    if code in data.current() and (year is None or year > data.revisions()[-1][0]):
        return code
    i = _revision_at(code, year)
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


def government_id(name: str | None, adcode: str | None, year: int | None = None) -> str | None:
    """Stable code of the government a report names: filed under `adcode` (often already the
    current code) and written as `name`. A former name that merged into `adcode`
    (莱芜市人民政府 filed as 370100) gives the former division's own lineage (371200)."""
    if not adcode:
        return None
    code = stable_code(adcode, year)
    written = division_written(name)
    if not written or written in data.SPECIAL or _forms(written) & _forms(data.names().get(code)):
        return code
    now = data.current_code(adcode, year) or code
    hits = {stable_code(c, _spans()[c][2]) for c in _into().get(now, ()) if _forms(written) & _forms(_spans()[c][0])}
    return hits.pop() if len(hits) == 1 else code


@lru_cache(maxsize=65536)
def jurisdiction_id(name: str | None, admin_level: str | None, adcode: str | None, year: int | None = None) -> str:
    """Stable id: the government's stable code, `code:unit` for a department or township
    (350128:市场监督管理局), `name:…` when there is no adcode, `national` for the State Council."""
    if admin_level == "national":
        return "national"
    gov = government_id(name, adcode, year)
    if not gov:
        return "name:" + re.sub(r"\s+", "", name or "")
    return f"{gov}:{unit_name(name)}" if admin_level in ("department", "township") else gov


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


def _government_row(code: str, level: str | None = None) -> dict:
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
    name; departments and townships the name as written in their latest report."""
    rows: dict[str, dict] = {}
    ordered = sorted(reports, key=lambda r: (-(r.get("report_year") or 0), str(r.get("jurisdiction_name") or "")))
    for r in ordered:
        name, level = r.get("jurisdiction_name"), r.get("admin_level")
        jid = report_jurisdiction_id(r)
        if jid is None or jid in rows:
            continue
        gov = jid.split(":")[0] if not jid.startswith("name:") and jid != "national" else None
        if gov and level not in ("department", "township"):
            rows[jid] = _government_row(gov, level if level in _GOVERNMENT_LEVELS else None)
        else:  # a department or township hangs under its government; no adcode, no parent
            rows[jid] = {"jurisdiction_id": jid, "adcode": gov, "name": name, "admin_level": level,
                         "parent_adcode": gov, "parent_jurisdiction_id": gov,
                         "province": r.get("province") or data.province_of(gov)}
    for row in list(rows.values()):  # the governments above, up to the province
        code = row["parent_jurisdiction_id"]
        while code and code not in rows:
            rows[code] = _government_row(code)
            code = rows[code]["parent_jurisdiction_id"]
    return sorted(rows.values(), key=lambda x: x["jurisdiction_id"])
