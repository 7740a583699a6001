"""Longitudinal accounting checks: identities that link a report to the same jurisdiction's
report of the year before (metric catalogue §4).

- CARRY (fmt2019+): this year's requests.carried_in = last year's requests.carried_out, per
  requester column both reports give.
- STOCK (fmt2021): this year's rules.in_force = last year's rules.in_force + this year's
  rules.issued − rules.repealed; the same for normative_docs.

Pure Python over plain dicts, like `pipeline.checks` (whose row conventions it shares: one
row per failed check, not-assessable when a needed value is blank; `actual` = this year's
stated value, `expected` = what last year's report implies). Only `annual_report` documents
with status `ok` and a report_year take part. A jurisdiction is adcode + its normalised name
(NFKC, no spaces or punctuation, without a trailing 人民政府/政府), so a government and one of
its departments sharing an adcode stay apart. When a jurisdiction has several reports for a
year (copies of the same report), a check passes if any of last year's reports agrees.
Severity is always `warning`: a report may revise last year's figures on purpose. The row
belongs to this year's report; its message names last year's report_id.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from pipeline.checks import FMT2019_PLUS, TOL, combine, index, issue, num, operand_attribution

_PUNCT = re.compile(r"[\s\u3000()（）\[\]【】《》“”\"'·,，、.。:：;；\-—_/]")
_SUFFIX = re.compile(r"(?:人民政府|政府)$")


def jurisdiction_key(report: dict) -> tuple[str, str] | None:
    """The report's stable jurisdiction id (one across code changes such as 洪泽县 → 洪泽区),
    else (adcode, normalised name); None when the report names no jurisdiction at all."""
    stable = None
    if report.get("admin_level"):   # the id tells a government from its departments by level
        try:
            from pipeline.jurisdiction_dim import report_jurisdiction_id
            stable = report_jurisdiction_id(report)
        except Exception:  # the division data cannot be read: fall back to the stated code
            stable = None
    if stable:
        return "id", stable
    adcode = str(report.get("adcode") or "").strip()
    name = unicodedata.normalize("NFKC", report.get("jurisdiction_name") or "")
    name = _SUFFIX.sub("", _PUNCT.sub("", name))
    if not adcode and not name:
        return None
    return adcode, name


def check_longitudinal(reports: list[dict], metrics: list[dict]) -> list[dict]:
    """CARRY and STOCK rows over a set of reports and all their metrics."""
    by_report: dict[str, list[dict]] = defaultdict(list)
    for m in metrics:
        by_report[m["report_id"]].append(m)
    by_key_year: dict[tuple, list[dict]] = defaultdict(list)
    for r in sorted(reports, key=lambda r: str(r.get("report_id"))):
        if r.get("doc_type") != "annual_report" or r.get("status") != "ok" or r.get("report_year") is None:
            continue
        key = jurisdiction_key(r)
        if key is not None:
            by_key_year[(key, int(r["report_year"]))].append(r)
    ixs = {rid: index(ms) for rid, ms in by_report.items()}

    rows: list[dict] = []
    for (key, year), this_reports in sorted(by_key_year.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        prev_reports = by_key_year.get((key, year - 1))
        if not prev_reports:
            continue
        for cur in this_reports:
            cur_ix = ixs.get(cur["report_id"], {})
            if cur.get("era") in FMT2019_PLUS:
                reqs = sorted({k[1] for k in cur_ix if k[0] == "requests.carried_in" and k[2] == "year"})
                for req in reqs:
                    rows += _best(cur, prev_reports, lambda p, req=req: _carry(cur, cur_ix, p, ixs.get(p["report_id"], {}), req))
            if cur.get("era") == "fmt2021":
                for head in ("rules", "normative_docs"):
                    rows += _best(cur, prev_reports, lambda p, head=head: _stock(cur, cur_ix, p, ixs.get(p["report_id"], {}), head))
    return rows


def _best(cur: dict, prevs: list[dict], check) -> list[dict]:
    """Run `check` against each of last year's reports: nothing if any passes (or none
    applies), else the first failure, else the first not-assessable row."""
    results = [check(p) for p in prevs]
    if any(r == "pass" for r in results):
        return []
    rows = [r for r in results if isinstance(r, dict)]
    rows.sort(key=lambda r: r["status"] != "failed")
    return rows[:1]


def _carry(cur, cur_ix, prev, prev_ix, req):
    cin = cur_ix.get(("requests.carried_in", req, "year"))
    cout = prev_ix.get(("requests.carried_out", req, "year"))
    if cin is None or cout is None:
        return None
    tag = "" if req == "total" else f" [{req}]"
    codes = ["requests.carried_in", "requests.carried_out"]
    attr = combine([operand_attribution(cin, cur_ix), operand_attribution(cout, prev_ix)])
    if cin.get("value") is None or cout.get("value") is None:
        msg = (f"CARRY{tag}: not assessable — carried_in {num(cin.get('value'))} ({cur['report_year']}) vs "
               f"carried_out {num(cout.get('value'))} ({prev['report_year']}, report {prev['report_id']})")
        return issue(cur["report_id"], "CARRY", "not_assessable", msg, codes, attribution=attr)
    expected, actual = float(cout["value"]), float(cin["value"])
    if abs(expected - actual) <= TOL * max(1.0, abs(actual)):
        return "pass"
    msg = (f"CARRY{tag}: {cur['report_year']} requests.carried_in {num(actual)} ≠ {prev['report_year']} "
           f"requests.carried_out {num(expected)} (report {prev['report_id']})")
    return issue(cur["report_id"], "CARRY", "failed", msg, codes, expected, actual, attr)


def _stock(cur, cur_ix, prev, prev_ix, head):
    now = cur_ix.get((f"{head}.in_force", "total", "year"))
    before = prev_ix.get((f"{head}.in_force", "total", "year"))
    if now is None or before is None:
        return None
    issued = cur_ix.get((f"{head}.issued", "total", "year"))
    repealed = cur_ix.get((f"{head}.repealed", "total", "year"))
    codes = [f"{head}.in_force", f"{head}.issued", f"{head}.repealed"]
    ops = [now, before, issued, repealed]
    attr = combine([operand_attribution(now, cur_ix), operand_attribution(before, prev_ix),
                    operand_attribution(issued, cur_ix), operand_attribution(repealed, cur_ix)])
    if any(m is None or m.get("value") is None for m in ops):
        blank = [n for n, m in zip(("in_force", f"{prev['report_year']} in_force", "issued", "repealed"), ops)
                 if m is None or m.get("value") is None]
        msg = f"STOCK: not assessable — {head}: blank or missing {', '.join(blank)} (last year: report {prev['report_id']})"
        return issue(cur["report_id"], "STOCK", "not_assessable", msg, codes, attribution=attr)
    b, i, r, n = (float(m["value"]) for m in (before, issued, repealed, now))
    expected = b + i - r
    if abs(expected - n) <= TOL * max(1.0, abs(n)):
        return "pass"
    msg = (f"STOCK: {head}.in_force {prev['report_year']} {num(b)} + issued {num(i)} − repealed {num(r)} = "
           f"{num(expected)} ≠ {cur['report_year']} {head}.in_force {num(n)} (last year: report {prev['report_id']})")
    return issue(cur["report_id"], "STOCK", "failed", msg, codes, expected, n, attr)
