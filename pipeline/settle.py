"""Settle glued table rows that their own identities left ambiguous, with other evidence.

A pre-2019 row `主动公开文件数条346085376` (本年度 | 历年累计) has seven valid splits; the prose
sentence `2016年全区主动公开政府信息3460条` keeps one. A part can't exceed its whole in either
column (网站公开 ≤ 主动公开, a channel ≤ 申请总数), which settles rows whose parent is known.
A row is settled only when exactly one decoding survives; otherwise it yields no values and a
quality issue says so. Digits are never split or merged by guesswork.
"""
from __future__ import annotations

from pipeline.tables import Pending, emit

# part → whole: a part's cell is at most the whole's cell of the same column
PARENT = {
    "proactive.via_website": "proactive.published", "proactive.via_gazette": "proactive.published",
    "proactive.via_weibo": "proactive.published", "proactive.via_wechat": "proactive.published",
    "proactive.via_other": "proactive.published", "proactive.normative_docs_published": "proactive.published",
    "requests.in_person": "requests.received", "requests.online": "requests.received",
    "requests.letter": "requests.received", "requests.fax": "requests.received", "requests.email": "requests.received",
    "requests.letter_or_fax": "requests.received", "requests.other_channel": "requests.received",
    "outcomes.granted": "outcomes.total", "outcomes.partial": "outcomes.total", "outcomes.denied": "outcomes.total",
    "outcomes.already_public": "outcomes.total", "outcomes.not_this_agency": "outcomes.total",
    "outcomes.not_exist": "outcomes.total", "outcomes.other_type": "outcomes.total",
    "reconsideration.upheld": "reconsideration.total", "litigation.upheld": "litigation.total",
}


def _known(values: list[dict]) -> dict[tuple[str, str], float]:
    return {(v["metric_code"], v["period"]): v["value"] for v in values
            if v["requester"] == "total" and v["value"] is not None}


def settle(pendings: list[Pending], table_values: list[dict], prose_values: list[dict]) -> tuple[list[dict], list[dict]]:
    """Values of the rows that other evidence settles; issues for those it does not."""
    settled: list[dict] = []
    prose = _known(prose_values)
    todo = list(pendings)
    progress = True
    while todo and progress:
        progress = False
        known = _known(table_values + settled)
        for p in list(todo):
            cands = p.candidates
            for i, (code, period) in enumerate(zip(p.codes, p.periods)):
                if (code, period) in prose and any(c[i] == prose[(code, period)] for c in cands):
                    cands = [c for c in cands if c[i] == prose[(code, period)]]
                parent = PARENT.get(code)
                if parent and (parent, period) in known:
                    cands = [c for c in cands if c[i] is None or c[i] <= known[(parent, period)]]
            if cands and len(cands) < len(p.candidates):
                # the cells every remaining reading agrees on are settled (all of them if one is left)
                out, disputed = emit(p.row, p.codes, p.periods, ["total"] * len(p.codes), cands, p.scale, False)
                for v in out:
                    v["decoded"] = True
                settled.extend(out)
                progress = True
                if not disputed:
                    todo.remove(p)
            p.candidates = cands or p.candidates
    issues = [{
        "check_id": "GLUED-AMBIGUOUS", "severity": "warning", "status": "not_assessable",
        "message": f"row '{p.row.label[-30:]}' cells {''.join(t.raw for t in p.row.tokens)}: "
                   f"{len(p.candidates)} decodings fit; the disputed cells are left out",
        "metric_codes": ",".join(sorted(set(p.codes))), "expected": None, "actual": None, "attribution": "extraction",
    } for p in todo]
    return settled, issues
