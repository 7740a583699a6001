"""Accounting checks of one report: the identities of metric catalogue §4, run on every
report right after extraction, plus the derived values (§3.3, §3.4) the identities need.

Pure Python over plain dicts (metric rows and a report row, as in `pipeline.process`), no
I/O, one dict lookup per operand: fast enough for thousands of reports a second.

Public API
- `check_report(report, metrics, text="") -> list[dict]` — `quality_issues` rows of one
  report. A passing identity yields no row.
- `derive(report, metrics) -> list[dict]` — new metric rows (`method = 'derived'`) for the
  fmt2019+ litigation totals and the table-3 group rows; never replaces a stated value.
- `check_percentages(report_id, mentions) -> list[dict]` — PERCENT rows for the extractor.
- `check_longitudinal(reports, metrics)` — CARRY / STOCK, see `pipeline.checks_longitudinal`.

Conventions of an issue row
- `status`: `failed` (both sides known and different) or `not_assessable` (an operand the
  identity needs is blank — value null — or missing while other operands are there). The
  not-assessable instances of one check in one report are summed up in a single row, so a
  blank requester column gives one T3-ROWSUM row, not thirty.
- An identity whose operands are (almost) all absent does not apply: fewer than two of its
  operands in the report → no row (a lone prose "收到申请52件" has nothing to add up).
- `actual` is the stated value of the identity's subject (the total); `expected` is what the
  other side computes (the sum of the parts). T3-FLOW: expected = received + carried_in,
  actual = outcomes.total + carried_out. CUMULATIVE: expected = the year value (a floor),
  actual = the cumulative value. PERCENT: expected = the ratio, actual = the stated percent.
- `attribution`, judged from the operands:
  `extraction` if any operand is an uncertain reading (qualifier not `exact`, `decoded: True`
  = a glued-cell decoding, or a `derived` value whose stated parts cannot be found in the
  report — a derived value whose parts can be found is judged by those parts);
  else `source` if every operand was stated (method `table`/`prose`) and, when `text` is
  given, its `raw` appears in `text[char_start:char_end]` (the report itself says these
  numbers); else `unknown`. A not-assessable instance with a missing operand is `unknown`.
- `severity`: `error` for a *failed* table identity of the national template (T3-FLOW,
  T3-ROWSUM, T3-OUTCOMES, T3-GROUPS, T4-SUMS) whose attribution is `source` or `extraction`;
  `warning` for everything else (pre-2019 prose identities, PERCENT, CUMULATIVE,
  longitudinal checks, not-assessable rows, failures of unknown cause).

Scope by era: T3-*/T4-SUMS for fmt2019/fmt2021; CHANNELS, REPLIES, APPEALS for
pre2014/stat2014; COMPLETED, STAFF, CUMULATIVE wherever their codes occur (also era None).
All identities except CUMULATIVE use period `year` only.

Choices the catalogue leaves open (documented here, tested in tests/test_checks.py)
- CHANNELS: channels absent from the report are "not stated", not zero; with at least two
  channel values given the listing is taken as complete and the sum must equal
  requests.received. A listed channel with a blank value makes it not assessable.
- REPLIES: the top-level reply categories given (at least two); a category carrying
  `nested_under` (e.g. 信息不存在 under 否决公开) is part of its parent and not added again.
  When outcomes.total is not stated, `requests.completed` (申请办结数) stands in as the total
  (stat2014 reports often give only "申请办结52件，其中…"); with neither: not assessable.
- APPEALS: total = upheld + corrected + other (+ pending when stated).
- PERCENT: ±0.1 point, widened to one unit of the stated precision when the snippet shows
  the percent with fewer decimals ("约80%" checks to ±1, which also allows truncation).
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

REQUESTERS = ("natural_person", "commercial", "research", "public_interest", "legal_service", "other_org")
FMT2019_PLUS = frozenset({"fmt2019", "fmt2021"})
PRE2019 = frozenset({"pre2014", "stat2014"})
TABLE_IDENTITIES = frozenset({"T3-FLOW", "T3-ROWSUM", "T3-OUTCOMES", "T3-GROUPS", "T4-SUMS"})
STATED = frozenset({"table", "prose"})
TOL = 1e-6

_D = "outcomes.denied."
GROUPS = {
    "outcomes.denied": tuple(_D + s for s in (
        "state_secret", "prohibited_by_law", "security_stability", "third_party",
        "internal_affairs", "process_info", "enforcement_file", "admin_query")),
    "outcomes.unable": ("outcomes.unable.not_held", "outcomes.unable.needs_creation", "outcomes.unable.unclear"),
    "outcomes.not_processed": tuple("outcomes.not_processed." + s for s in (
        "petition", "duplicate", "publication", "excessive", "confirmation")),
}
GROUPS_2021 = {"outcomes.other": ("outcomes.other.no_correction", "outcomes.other.no_fee", "outcomes.other.other")}
OUTCOME_ROWS = ("outcomes.granted", "outcomes.partial", "outcomes.denied", "outcomes.unable",
                "outcomes.not_processed", "outcomes.other")
RESULTS = ("upheld", "corrected", "other", "pending")
LITIGATION_PARTS = ("total",) + RESULTS
CHANNELS = ("requests.in_person", "requests.online", "requests.letter", "requests.fax", "requests.email",
            "requests.other_channel", "requests.letter_or_fax")
REPLY_CATEGORIES = ("outcomes.granted", "outcomes.partial", "outcomes.denied", "outcomes.already_public",
                    "outcomes.not_this_agency", "outcomes.not_exist", "outcomes.asked_to_clarify",
                    "outcomes.redirected", "outcomes.other_type")
_MAX_NA_IN_MESSAGE = 12


def groups_for(era: str | None) -> dict[str, tuple[str, ...]]:
    """The table-3 group rows of an era and their sub-rows (fmt2021 adds 其他处理)."""
    return {**GROUPS, **GROUPS_2021} if era == "fmt2021" else dict(GROUPS)


# --------------------------------------------------------------------------- helpers

def index(metrics: list[dict]) -> dict[tuple, dict]:
    """(metric_code, requester, period) -> metric row; the first row of a key wins."""
    ix: dict[tuple, dict] = {}
    for m in metrics:
        key = (m["metric_code"], m.get("requester") or "total", m.get("period") or "year")
        if key not in ix:
            ix[key] = m
    return ix


@lru_cache(maxsize=1 << 12, typed=True)
def num(v: float | None) -> str:
    """A number as people write it: 52, not 52.0. (Cached: the same small counts recur.)"""
    if v is None:
        return "null"
    return str(int(v)) if float(v).is_integer() else f"{v:.10g}"


def _value(m: dict | None) -> float | None:
    if m is None or m.get("value") is None:
        return None
    return float(m["value"])


def _stated(m: dict | None) -> bool:
    return m is not None and m.get("method") in STATED and m.get("value") is not None


def _verified(m: dict, text: str) -> bool:
    cs, ce = m.get("char_start"), m.get("char_end")
    if cs is None or ce is None:
        return False
    raw = (m.get("raw") or "").strip()
    span = text[cs:ce]
    return raw in span or re.sub(r"\s", "", raw) in re.sub(r"\s", "", span)


def combine(attrs) -> str:
    attrs = list(attrs)
    if "extraction" in attrs:
        return "extraction"
    if attrs and all(a == "source" for a in attrs):
        return "source"
    return "unknown"


def _derived_parts(m: dict, ix: dict) -> list[dict] | None:
    """The rows a derived value was summed from (its evidence is "code + code ...")."""
    codes = [c.strip() for c in (m.get("evidence") or "").split("+")]
    req, per = m.get("requester") or "total", m.get("period") or "year"
    parts = [ix.get((c, req, per)) for c in codes if c]
    if not parts or any(p is None or p is m for p in parts):
        return None
    return parts


def operand_attribution(m: dict | None, ix: dict, text: str = "", _depth: int = 0) -> str:
    """'source' | 'extraction' | 'unknown' for one operand (see the module docstring)."""
    if m is None:
        return "unknown"
    if m.get("decoded") or (m.get("qualifier") or "exact") != "exact":
        return "extraction"
    method = m.get("method")
    if method == "derived":
        parts = _derived_parts(m, ix) if _depth < 3 else None
        if parts is None:
            return "extraction"
        return combine(operand_attribution(p, ix, text, _depth + 1) for p in parts)
    if method in STATED:
        return "source" if not text or _verified(m, text) else "unknown"
    return "unknown"


def issue(report_id, check_id, status, message, codes, expected=None, actual=None,
          attribution="unknown") -> dict:
    """One quality_issues row; severity follows the rule of the module docstring."""
    error = status == "failed" and check_id in TABLE_IDENTITIES and attribution in ("source", "extraction")
    return {
        "report_id": report_id, "check_id": check_id, "severity": "error" if error else "warning",
        "status": status, "message": message, "metric_codes": ",".join(dict.fromkeys(codes)),
        "expected": expected, "actual": actual, "attribution": attribution,
    }


class _Run:
    """Collects the rows of one report: failures one per instance, not-assessable instances
    grouped per check."""

    def __init__(self, report_id, ix, text):
        self.rid, self.ix, self.text = report_id, ix, text
        self.rows: list[dict] = []
        self.na: dict[str, list] = defaultdict(list)

    def identity(self, check_id, subject, parts, *, req="total", subject_name=None, parts_name=None,
                 optional=(), min_present=2, order_by_text=False, detail=False, note=""):
        """Check sum(subject) == sum(parts) for requester `req` (period year).

        `optional` parts count only when present. Returns 'pass' | 'failed' | 'na' | None (n/a)."""
        ix = self.ix
        keys_s = [(c, req, "year") for c in subject]
        keys_p = [(c, req, "year") for c in parts if c not in optional or (c, req, "year") in ix]
        keys = keys_s + keys_p
        found = [ix.get(k) for k in keys]                  # (rows are dicts, never None)
        present = [m for m in found if m is not None]
        if len(present) < min_present:
            return None
        missing = [k[0] for k, m in zip(keys, found) if m is None] if len(present) < len(keys) else []
        null = [_blank_label(m) for m in present if m.get("value") is None]
        tag = "" if req == "total" else f" [{req}]"
        if missing or null:
            desc = f"{' + '.join(subject)} = {' + '.join(k[0] for k in keys_p)}{tag}"
            attr = "unknown" if missing else combine(
                operand_attribution(m, ix, self.text) for m in present if m.get("value") is None)
            self.na[check_id].append((desc, [k[0] for k in keys], null, missing, attr))
            return "na"
        ms_s, ms_p = found[:len(keys_s)], found[len(keys_s):]
        if order_by_text and all(m.get("char_start") is not None for m in ms_p):
            ms_p.sort(key=lambda m: m["char_start"])
        actual = sum(float(m["value"]) for m in ms_s)          # (no value is blank here: `_value`)
        expected = sum(float(m["value"]) for m in ms_p)
        if abs(actual - expected) <= TOL * max(1.0, abs(actual)):
            return "pass"
        attr = combine(operand_attribution(m, self.ix, self.text) for m in ms_s + ms_p)
        msg = f"{check_id}{tag}: {_side(ms_p, parts_name)} ≠ {_side(ms_s, subject_name)}"
        if detail:
            msg += f" ({', '.join(_short(m['metric_code']) + ' ' + num(_value(m)) for m in ms_p)})"
        msg += note
        codes = [m["metric_code"] for m in ms_s + ms_p]
        self.rows.append(issue(self.rid, check_id, "failed", msg, codes, expected, actual, attr))
        return "failed"

    def finish(self) -> list[dict]:
        for check_id, items in self.na.items():
            shown = [f"{d} (blank: {', '.join(n) or '-'}; missing: {', '.join(mi) or '-'})"
                     for d, _, n, mi, _ in items[:_MAX_NA_IN_MESSAGE]]
            more = f"; and {len(items) - _MAX_NA_IN_MESSAGE} more" if len(items) > _MAX_NA_IN_MESSAGE else ""
            msg = f"{check_id}: not assessable — {'; '.join(shown)}{more}"
            codes = [c for _, cs, _, _, _ in items for c in cs]
            self.rows.append(issue(self.rid, check_id, "not_assessable", msg, codes,
                                   attribution=combine(a for *_, a in items)))
        return self.rows


def _blank_label(m: dict) -> str:
    """A blank operand's name; a group left blank by a blank sub-row names those sub-rows."""
    code = m["metric_code"]
    if m.get("method") == "derived" and m.get("blank_parts"):
        blank = [c.strip() for c in (m.get("evidence") or "").split("+") if c.strip() in m.get("blank_parts", ())]
        return f"{code} (blank sub-rows: {', '.join(_short(c) for c in blank)})"
    return code


def _short(code: str) -> str:
    return code.split(".", 1)[1] if "." in code else code


def _side(ms: list[dict], name: str | None) -> str:
    vals = [_value(m) for m in ms]
    if len(ms) == 1 and name is None:
        return f"{ms[0]['metric_code']} {num(vals[0])}"
    name = name or " + ".join(m["metric_code"] for m in ms)
    return f"{name} {'+'.join(num(v) for v in vals)} = {num(sum(vals))}"


# --------------------------------------------------------------------------- derived values

def _derived(report_id, code, req, period, parts: list[dict], evidence: str) -> dict:
    quals = {p.get("qualifier") or "exact" for p in parts}
    qualifier = "exact" if quals == {"exact"} else ("about" if "about" in quals else "at_least")
    values = [float(p["value"]) for p in parts]          # (`_value`: the parts are stated)
    return {
        "report_id": report_id, "metric_code": code, "requester": req, "period": period,
        "value": float(sum(values)), "raw": "+".join(map(num, values)),
        "unit": parts[0].get("unit") or "item", "qualifier": qualifier, "method": "derived",
        "evidence": evidence, "char_start": None, "char_end": None,
        "table_index": None, "row_index": None, "col_index": None,
    }


def _outcome_slots(ix: dict) -> list[tuple[str, str]]:
    return sorted({(req, per) for code, req, per in ix if code[:9] == "outcomes."})


def _blank_groups(era: str | None, rid: str | None, ix: dict, slots: list | None = None) -> list[dict]:
    """Internal placeholders (never emitted): a group row that could not be derived because
    a sub-row is blank is itself blank, so T3-OUTCOMES is not assessable for that reason."""
    if era not in FMT2019_PLUS:
        return []
    out = []
    slots = _outcome_slots(ix) if slots is None else slots
    for group, subs in groups_for(era).items():
        for req, per in slots:
            if (group, req, per) in ix:
                continue
            parts = [ix.get((s, req, per)) for s in subs]
            if any(p is None for p in parts):
                continue
            out.append({"report_id": rid, "metric_code": group, "requester": req,
                        "period": per, "value": None, "raw": "", "qualifier": "exact", "method": "derived",
                        "evidence": " + ".join(subs), "char_start": None, "char_end": None,
                        "blank_parts": tuple(s for s, p in zip(subs, parts) if p.get("value") is None)})
    return out


def derive(report: dict, metrics: list[dict], *, ix: dict | None = None) -> list[dict]:
    """Derived metric rows of a fmt2019+ report (none for other eras).

    - table-3 groups (outcomes.denied / unable / not_processed, fmt2021 outcomes.other) per
      requester column and period, when the group's key is absent and every sub-row is stated;
    - litigation.{total,upheld,corrected,other,pending} = direct + after_review, when both are
      stated and the key is absent.
    A key already present (stated, blank, or derived before) is never replaced.
    `ix`: `index(metrics)` if the caller has it."""
    return _derive_ix(report.get("era"), report.get("report_id"), index(metrics) if ix is None else ix)


def _derive_ix(era: str | None, rid: str | None, ix: dict, slots: list | None = None) -> list[dict]:
    if era not in FMT2019_PLUS:
        return []
    out: list[dict] = []
    slots = _outcome_slots(ix) if slots is None else slots
    for group, subs in groups_for(era).items():
        for req, per in slots:
            if (group, req, per) in ix:
                continue
            parts = [ix.get((s, req, per)) for s in subs]
            for p in parts:                                 # every part `_stated`
                if p is None or p.get("method") not in STATED or p.get("value") is None:
                    break
            else:
                out.append(_derived(rid, group, req, per, parts, " + ".join(subs)))
    for part in LITIGATION_PARTS:
        code = f"litigation.{part}"
        if (code, "total", "year") in ix:
            continue
        a = ix.get((f"litigation.direct.{part}", "total", "year"))
        b = ix.get((f"litigation.after_review.{part}", "total", "year"))
        if _stated(a) and _stated(b):
            out.append(_derived(rid, code, "total", "year", [a, b],
                                f"litigation.direct.{part} + litigation.after_review.{part}"))
    return out


# --------------------------------------------------------------------------- the checks

def check_report(report: dict, metrics: list[dict], text: str = "", *, ix: dict | None = None) -> list[dict]:
    """quality_issues rows of one report (failed and not-assessable identities only).
    `ix`: `index(metrics)` of metrics that already hold their `derive` rows (as the extractor
    passes them): deriving again would add nothing, derived rows being no one's parts."""
    rid = report.get("report_id")
    era = report.get("era")
    derived = ix is not None
    stated_ix = index(metrics) if ix is None else ix
    reqs_of: dict[str, set] = defaultdict(set)            # one pass over the keys for what the checks need
    slots, cumulative = set(), []
    for key in stated_ix:
        code, req, per = key
        if per == "year":
            reqs_of[code].add(req)
        elif per == "cumulative":
            cumulative.append(key)
        if code[:9] == "outcomes.":
            slots.add((req, per))
    slots = sorted(slots)                                 # (`_outcome_slots`; derived rows add none)
    ix = dict(stated_ix)                                  # stated rows win over derived ones
    for extra in (_blank_groups,) if derived else (_derive_ix, _blank_groups):
        for d in extra(era, rid, ix, slots):
            ix.setdefault((d["metric_code"], d["requester"], d["period"]), d)
    run = _Run(rid, ix, text)

    if era in FMT2019_PLUS:
        _fmt2019_checks(run, era, stated_ix, reqs_of)
    if era in PRE2019 or era is None:
        _channels(run)
    if era in PRE2019:
        _replies(run)
        for head in ("reconsideration", "litigation"):
            run.identity("APPEALS", [f"{head}.total"], [f"{head}.{r}" for r in RESULTS],
                         optional=(f"{head}.pending",), parts_name="upheld+corrected+other(+pending)")
    run.identity("COMPLETED", ["requests.completed"],
                 ["requests.completed_on_time", "requests.completed_extended"], parts_name="on_time+extended")
    run.identity("STAFF", ["capacity.staff"], ["capacity.staff_full_time", "capacity.staff_part_time"],
                 parts_name="full_time+part_time")
    _cumulative(run, stated_ix, cumulative)
    return run.finish()


def _fmt2019_checks(run: _Run, era: str, stated_ix: dict, reqs_of: dict) -> None:
    flow = ("requests.received", "requests.carried_in", "outcomes.total", "requests.carried_out")
    for req in sorted(set().union(*(reqs_of[c] for c in flow))):
        run.identity("T3-FLOW", ["outcomes.total", "requests.carried_out"],
                     ["requests.received", "requests.carried_in"], req=req,
                     subject_name="outcomes.total + carried_out", parts_name="received + carried_in")
    # T3-ROWSUM on stated rows only (a derived row adds up by construction)
    for code in sorted(reqs_of):
        if reqs_of[code].issuperset(REQUESTERS):
            _rowsum(run, stated_ix, code)
    outcome_reqs = set().union(*(reqs_of[c] for c in ("outcomes.total",) + OUTCOME_ROWS),
                               *(reqs_of[s] for subs in groups_for(era).values() for s in subs))
    for req in sorted(outcome_reqs):
        run.identity("T3-OUTCOMES", ["outcomes.total"], list(OUTCOME_ROWS), req=req,
                     parts_name="granted+partial+denied+unable+not_processed+other")
    for group, subs in groups_for(era).items():
        for req in sorted(reqs_of[group]):
            if stated_ix[(group, req, "year")].get("method") in STATED:
                run.identity("T3-GROUPS", [group], list(subs), req=req, parts_name="sub-rows", detail=True)
    for head in ("reconsideration", "litigation.direct", "litigation.after_review"):
        run.identity("T4-SUMS", [f"{head}.total"], [f"{head}.{r}" for r in RESULTS],
                     parts_name="upheld+corrected+other+pending")


def _rowsum(run: _Run, stated_ix: dict, code: str) -> None:
    """T3-ROWSUM for one row: total column = the six requester columns."""
    parts = [stated_ix[(code, r, "year")] for r in REQUESTERS]
    total = stated_ix.get((code, "total", "year"))
    for m in parts:
        if m.get("method") == "derived":
            return
    if total is not None and total.get("method") == "derived":
        return
    null = [f"{code}[{r}]" for r, m in zip(REQUESTERS, parts) if m.get("value") is None]
    if total is None or total.get("value") is None or null:
        if total is not None and total.get("value") is None:
            null.insert(0, f"{code}[total]")
        missing = [f"{code}[total]"] if total is None else []
        blanks = [m for m in parts + ([total] if total else []) if m.get("value") is None]
        attr = "unknown" if missing else combine(operand_attribution(m, stated_ix, run.text) for m in blanks)
        run.na["T3-ROWSUM"].append((f"{code}: total = sum of six requester columns", [code], null, missing, attr))
        return
    expected = sum(float(m["value"]) for m in parts)      # (no value is blank here: `_value`)
    actual = float(total["value"])
    if abs(actual - expected) > TOL * max(1.0, abs(actual)):
        attr = combine(operand_attribution(m, stated_ix, run.text) for m in parts + [total])
        msg = (f"T3-ROWSUM: {code} requester columns {'+'.join(num(_value(m)) for m in parts)} = "
               f"{num(expected)} ≠ total column {num(actual)}")
        run.rows.append(issue(run.rid, "T3-ROWSUM", "failed", msg, [code], expected, actual, attr))


def _channels(run: _Run) -> None:
    """CHANNELS: received = the channel counts given (at least two; absent = not stated)."""
    given = [c for c in CHANNELS if (c, "total", "year") in run.ix]
    if ("requests.received", "total", "year") not in run.ix or len(given) < 2:
        return
    run.identity("CHANNELS", ["requests.received"], given, parts_name="channels", order_by_text=True,
                 detail=True)


def _replies(run: _Run) -> None:
    """REPLIES: total = top-level reply categories given (nested ones are inside their parent)."""
    given = [c for c in REPLY_CATEGORIES
             if (c, "total", "year") in run.ix and not run.ix[(c, "total", "year")].get("nested_under")]
    if len(given) < 2:
        return
    note = ""
    if ("outcomes.total", "total", "year") in run.ix:
        subject = "outcomes.total"
    elif ("requests.completed", "total", "year") in run.ix:
        subject = "requests.completed"      # 申请办结数 stands in for the reply total
        note = "; outcomes.total not stated, requests.completed used as the total"
    else:
        run.na["REPLIES"].append(("outcomes.total = reply categories", ["outcomes.total"] + given,
                                  [], ["outcomes.total"], "unknown"))
        return
    run.identity("REPLIES", [subject], given, parts_name="replies", order_by_text=True, detail=True,
                 note=note)


def _cumulative(run: _Run, stated_ix: dict, keys: list[tuple]) -> None:
    """CUMULATIVE: a cumulative value is never below the year value of the same code/requester.
    `keys`: the cumulative keys of `stated_ix`, in its order."""
    for code, req, per in keys:
        cum = stated_ix[(code, req, per)]
        if code.endswith("items_change"):
            continue
        year = stated_ix.get((code, req, "year"))
        if year is None:
            continue
        tag = "" if req == "total" else f" [{req}]"
        cv, yv = _value(cum), _value(year)
        if cv is None or yv is None:
            blanks = [m for m in (cum, year) if m.get("value") is None]
            run.na["CUMULATIVE"].append((f"{code}{tag}: cumulative ≥ year", [code],
                                         [f"{code}[{m.get('period')}]" for m in blanks], [],
                                         combine(operand_attribution(m, stated_ix, run.text) for m in blanks)))
        elif cv < yv - TOL:
            attr = combine(operand_attribution(m, stated_ix, run.text) for m in (cum, year))
            msg = f"CUMULATIVE{tag}: {code} cumulative {num(cv)} < year {num(yv)}"
            run.rows.append(issue(run.rid, "CUMULATIVE", "failed", msg, [code], yv, cv, attr))


_PCT = re.compile(r"(\d+(?:\.(\d+))?)\s*[%％]")


def check_percentages(report_id: str, mentions: list[tuple[float, float, float, str]],
                      attribution: str = "source") -> list[dict]:
    """PERCENT rows for stated percentages: each mention is (percent, numerator, denominator,
    snippet); the percent must be within ±0.1 point of numerator/denominator×100 (or within
    one unit of its stated precision, when the snippet writes it with fewer decimals).
    `attribution` is what the caller knows of the numbers (default: read verbatim → source)."""
    rows = []
    for pct, a, b, snippet in mentions:
        if pct is None or a is None or not b:
            why = "denominator is 0" if b == 0 else "a number is blank"
            rows.append(issue(report_id, "PERCENT", "not_assessable",
                              f"PERCENT: not assessable ({why}) — {snippet}", [], None, pct, attribution))
            continue
        ratio = 100.0 * a / b
        if abs(ratio - pct) <= _pct_tolerance(pct, snippet) + 1e-9:
            continue
        msg = f"PERCENT: stated {num(pct)}% ≠ {num(a)}/{num(b)} = {ratio:.2f}% — {snippet}"
        rows.append(issue(report_id, "PERCENT", "failed", msg, [], round(ratio, 4), pct, attribution))
    return rows


def _pct_tolerance(pct: float, snippet: str) -> float:
    for m in _PCT.finditer(snippet or ""):
        if abs(float(m.group(1)) - pct) < 1e-9:
            decimals = len(m.group(2) or "")
            return max(0.1, 10.0 ** -decimals)
    return 0.1


def check_longitudinal(reports: list[dict], metrics: list[dict]) -> list[dict]:
    """CARRY and STOCK across consecutive years (see pipeline.checks_longitudinal)."""
    from pipeline.checks_longitudinal import check_longitudinal as run
    return run(reports, metrics)
