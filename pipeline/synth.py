"""Synthetic OGI annual reports with known values: the truth model of `ogi synth`.

`make_report(seed, index, ...)` draws one report — era, year, a jurisdiction from the GB/T 2260
divisions in force (`pipeline.jurisdiction_data`), and every value the report will state —
deterministically from (seed, index), so report i is the same whatever the corpus size.
Values are internally consistent the way real reports are meant to be: table 3 rows sum to
their 总计 column, received + carried_in = outcomes.total + carried_out (T3-FLOW), each table-4
block ends with its total, pre-2019 channels sum to received, replies sum to the total.
An injected source error breaks one identity on purpose and is recorded as an expected flag.
`truth_line`: the values the rendered document states, in the gold format of tests/scoring.py.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline import jurisdiction_data as jd

ERAS = ("pre2014", "stat2014", "fmt2019", "fmt2021")
YEARS = {"pre2014": (2008, 2013), "stat2014": (2014, 2018), "fmt2019": (2019, 2020), "fmt2021": (2021, 2024)}
REQUESTERS = ("natural_person", "commercial", "research", "public_interest", "legal_service", "other_org")
DENIED = ("state_secret", "prohibited_by_law", "security_stability", "third_party", "internal_affairs",
          "process_info", "enforcement_file", "admin_query")
UNABLE = ("not_held", "needs_creation", "unclear")
NOT_PROCESSED = ("petition", "duplicate", "publication", "excessive", "confirmation")
OTHER_2021 = ("no_correction", "no_fee", "other")
RESULTS = ("upheld", "corrected", "other", "pending")
CHANNELS = ("in_person", "online", "letter", "fax", "email", "other_channel")
REPLIES = ("already_public", "granted", "partial", "denied", "not_this_agency", "not_exist",
           "asked_to_clarify", "redirected")
_MUNICIPALITIES = ("11", "12", "31", "50")
CUMULATIVE_CODES = ("proactive.published", "proactive.via_website", "proactive.via_gazette", "requests.received",
                    *(f"requests.{c}" for c in CHANNELS), "outcomes.total", "outcomes.granted", "outcomes.partial",
                    "outcomes.denied", "reconsideration.total", "litigation.total", "complaints.total")
# the core codes the scorers count (shared/eval/score.py, tests/scoring.py: requester total, period year)
CORE = frozenset("""
proactive.published proactive.normative_docs_published proactive.normative_docs_issued proactive.via_gazette
proactive.via_website proactive.via_weibo proactive.via_wechat proactive.press_conferences proactive.interpretations
proactive.public_concern_responses rules.issued rules.repealed rules.in_force normative_docs.issued
normative_docs.repealed normative_docs.in_force licensing.decisions penalty.decisions coercion.decisions
admin_fees.amount requests.received requests.carried_in requests.carried_out requests.in_person requests.online
requests.letter requests.fax requests.completed outcomes.total outcomes.granted outcomes.partial outcomes.denied
outcomes.unable outcomes.not_processed outcomes.other outcomes.already_public outcomes.not_this_agency
outcomes.not_exist reconsideration.total reconsideration.upheld reconsideration.corrected reconsideration.other
reconsideration.pending litigation.total litigation.upheld litigation.corrected litigation.other litigation.pending
complaints.total fees.collected capacity.staff capacity.staff_full_time capacity.staff_part_time capacity.trainings
capacity.trainees""".split())


@dataclass
class Report:
    index: int                     # report number i of the corpus
    era: str                       # pre2014, stat2014, fmt2019, fmt2021
    year: int
    adcode: str                    # GB/T 2260 code of the government (in force now)
    level: str                     # province, prefecture, county
    gov: str                       # the government as written: 吉林市龙潭区人民政府
    place: str                     # 区 / 县 / 市 / 省 …, for 全区 / 我县
    published: str                 # yyyy-mm-dd
    values: dict = field(default_factory=dict)     # (code, requester, period) -> number or None
    variant: dict = field(default_factory=dict)    # rendering choices drawn with the values
    flags: list = field(default_factory=list)      # checks the report must fail (injected errors)
    notes: list = field(default_factory=list)
    stated: set = field(default_factory=set)       # the keys the rendered document states

    def v(self, code: str, requester: str = "total", period: str = "year"):
        return self.values[(code, requester, period)]

    def put(self, code: str, value, requester: str = "total", period: str = "year") -> None:
        self.values[(code, requester, period)] = value

    @property
    def title(self) -> str:
        return f"{self.gov}{self.year}年{'度' if self.variant.get('du') else ''}政府信息公开工作年度报告"


@lru_cache(maxsize=1)
def jurisdictions() -> tuple[tuple[str, str, str, str], ...]:
    """(adcode, level, government name as written, place word) of every division in force."""
    cur, out = jd.current(), []
    for code in sorted(cur):
        name, level, parent = cur[code], jd.level_of(code), jd.parent_of(code) or ""
        # a county is written under its prefecture (吉林市龙潭区), a municipality's district under it
        named = level == "county" and (not parent.endswith("0000") or code[:2] in _MUNICIPALITIES)
        prefix = cur.get(parent, "") if named else ""
        place = next((w for w in ("区", "县", "旗", "州", "省") if name.endswith(w)), "市").replace("旗", "县")
        out.append((code, level, f"{prefix}{name}人民政府", place))
    return tuple(out)


def _count(rng: random.Random, scale: int, zero: float = 0.3) -> int:
    """A count of a few units to `scale` (heavy-tailed), zero with probability `zero`."""
    return 0 if rng.random() < zero else int(rng.paretovariate(1.3) * scale / 6) % (scale * 3) + rng.randint(0, 3)


def _split(rng: random.Random, total: int, parts: int, skew: float = 1.0) -> list[int]:
    """`total` cut into `parts` non-negative integers (the first ones larger when skew > 1)."""
    weights = [rng.random() ** skew * (skew ** (parts - i)) for i in range(parts)]
    cuts = [int(total * w / sum(weights)) for w in weights]
    cuts[0] += total - sum(cuts)
    return cuts


def _fmt_values(r: Report, rng: random.Random, scale: int) -> None:
    """fmt2019/fmt2021: tables 2, 3, 4 plus the prose figures of section 一 and 六."""
    rows = {"granted": None, "partial": None, **{f"denied.{d}": None for d in DENIED},
            **{f"unable.{u}": None for u in UNABLE}, **{f"not_processed.{n}": None for n in NOT_PROCESSED}}
    rows.update({f"other.{o}": None for o in OTHER_2021} if r.era == "fmt2021" else {"other": None})
    cols: dict[str, list[int]] = {}
    for key in rows:
        heavy = key in ("granted", "partial", "unable.not_held")
        cols[key] = [_count(rng, scale if heavy else max(2, scale // 8), 0.15 if heavy else 0.7)
                     if i == 0 else (_count(rng, max(1, scale // 10), 0.85) if i in (1, 5) else
                                     (1 if rng.random() < 0.04 else 0)) for i in range(6)]
    total = [sum(c[i] for c in cols.values()) for i in range(6)]
    out_ = [_count(rng, max(1, scale // 10), 0.7) if i == 0 else 0 for i in range(6)]
    in_ = [min(_count(rng, max(1, scale // 10), 0.6), t + o) if i == 0 else 0 for i, (t, o) in enumerate(zip(total, out_))]
    received = [t + o - c for t, o, c in zip(total, out_, in_)]
    table3 = {"requests.received": received, "requests.carried_in": in_,
              **{f"outcomes.{k}": v for k, v in cols.items()}, "outcomes.total": total, "requests.carried_out": out_}
    groups = {"denied": DENIED, "unable": UNABLE, "not_processed": NOT_PROCESSED}
    if r.era == "fmt2021":
        groups["other"] = OTHER_2021
    for g, subs in groups.items():
        table3[f"outcomes.{g}"] = [sum(cols[f"{g}.{s}"][i] for s in subs) for i in range(6)]
    for code, six in table3.items():
        for req, val in zip(REQUESTERS + ("total",), six + [sum(six)]):
            r.put(code, val, req)
    r.variant["t3"] = [k for k in table3 if not (k[9:] in groups and k.startswith("outcomes."))]
    for head in ("reconsideration", "litigation.direct", "litigation.after_review"):
        parts = [_count(rng, max(1, scale // 20), 0.6) for _ in RESULTS]
        for res, val in zip(RESULTS + ("total",), parts + [sum(parts)]):
            r.put(f"{head}.{res}", val)
    for res in RESULTS + ("total",):
        r.put(f"litigation.{res}", r.v(f"litigation.direct.{res}") + r.v(f"litigation.after_review.{res}"))
    if r.era == "fmt2021":
        for doc in ("rules", "normative_docs"):
            issued, repealed = _count(rng, 12, 0.4), _count(rng, 6, 0.6)
            r.put(f"{doc}.issued", issued), r.put(f"{doc}.repealed", repealed)
            r.put(f"{doc}.in_force", issued + _count(rng, 60, 0.2))
        r.put("admin_fees.amount", rng.randint(0, 900_000) * 100.0 if rng.random() < 0.7 else 0.0)
    else:
        for doc in ("rules", "normative_docs"):
            made = _count(rng, 12, 0.4)
            r.put(f"{doc}.made", made), r.put(f"{doc}.published", made), r.put(f"{doc}.public_total", made + _count(rng, 60))
        for item in ("licensing", "other_services", "penalty", "coercion", "admin_fees"):
            r.put(f"{item}.items_prev", _count(rng, 300, 0.2))
            r.put(f"{item}.items_change", rng.choice((0, 0, 0, 2, 5, -3)))
        r.put("procurement.projects", _count(rng, 100, 0.3))
        r.put("procurement.amount", float(rng.randint(0, 900_000_000)))
    for item in ("licensing", "penalty", "coercion") + (("other_services",) if r.era == "fmt2019" else ()):
        r.put(f"{item}.decisions", _count(rng, 3000, 0.1))
    r.put("proactive.published", _count(rng, 5000, 0.0) + 10)
    r.put("proactive.interpretations", _count(rng, 80, 0.2))
    r.put("requests.completed", r.v("outcomes.total"))
    r.put("fees.collected", 0.0 if rng.random() < 0.8 else float(rng.randint(1, 300)))


def _pre2019_values(r: Report, rng: random.Random, scale: int) -> None:
    """pre2014/stat2014: proactive figures, channels, replies, appeals, fees, capacity."""
    pub = _count(rng, 8000, 0.0) + 20
    r.put("proactive.published", pub)
    r.put("proactive.via_website", pub - rng.randint(0, pub // 5))
    r.put("proactive.via_gazette", rng.randint(0, pub // 20))
    received = _count(rng, scale, 0.15)
    r.put("requests.received", received)
    channels = CHANNELS[:4] if r.era == "stat2014" else CHANNELS
    for ch, n in zip(channels, _split(rng, received, len(channels), 1.6)):
        r.put(f"requests.{ch}", n)
    r.put("outcomes.total", received)
    replies = REPLIES if r.era == "stat2014" else ("granted", "partial", "denied")
    for rep, n in zip(replies, _split(rng, received, len(replies), 1.3)):
        r.put(f"outcomes.{rep}", n)
    for head in ("reconsideration", "litigation"):
        parts = [_count(rng, max(1, scale // 20), 0.6) for _ in RESULTS[:3]]
        for res, val in zip(("upheld", "corrected", "other", "total"), parts + [sum(parts)]):
            r.put(f"{head}.{res}", val)
    r.put("complaints.total", _count(rng, 10, 0.5))
    r.put("fees.collected", 0.0 if rng.random() < 0.8 else float(rng.randint(1, 50) * 100))
    full, part = rng.randint(1, 40), rng.randint(0, 80)
    for code, val in (("staff_full_time", full), ("staff_part_time", part), ("staff", full + part),
                      ("trainings", rng.randint(1, 20)), ("trainees", rng.randint(20, 900))):
        r.put(f"capacity.{code}", val)
    if r.era == "stat2014":
        for code, s in (("normative_docs_published", 60), ("normative_docs_issued", 60), ("via_weibo", 2000),
                        ("via_wechat", 2000), ("via_other", 300), ("public_concern_responses", 300),
                        ("press_conferences", 20), ("online_interviews", 30), ("interpretations", 200)):
            r.put(f"proactive.{code}", _count(rng, s, 0.1))
        on_time = received - rng.randint(0, received // 10)
        r.put("requests.completed", received), r.put("requests.completed_on_time", on_time)
        r.put("requests.completed_extended", received - on_time)
        secret = rng.randint(0, r.v("outcomes.denied"))
        r.put("outcomes.denied.state_secret", secret)
        r.put("outcomes.denied.commercial_secret", rng.randint(0, r.v("outcomes.denied") - secret))
        for code, val in (("offices", rng.randint(1, 30)), ("reading_points", rng.randint(1, 60)),
                          ("meetings", rng.randint(0, 20)), ("budget", rng.randint(0, 500) * 1000.0)):
            r.put(f"capacity.{code}", val)


def _cumulative(r: Report, rng: random.Random) -> None:
    """The 历年累计 column of a provincial table: never below the year's value."""
    for (code, req, period), val in list(r.values.items()):
        if period == "year" and code in r.variant["cum_codes"]:
            r.put(code, val + rng.randint(0, 3 * val + 5) * (val > 0 or rng.random() < 0.5), period="cumulative")


def _inject(r: Report, rng: random.Random) -> None:
    """Break one identity the way real reports do; the truth keeps the stated (broken) values."""
    k = rng.randint(1, 5)
    if r.era.startswith("fmt"):       # a carried-out count off by k in its row (the row still adds up)
        for req in ("natural_person", "total"):
            r.put("requests.carried_out", r.v("requests.carried_out", req) + k, req)
        r.flags.append("T3-FLOW")
    else:                             # channels that add up to more than received (like a real 2017 report)
        r.put("requests.in_person", r.v("requests.in_person") + k)
        r.flags.append("CHANNELS")
    r.notes.append(f"source error: {r.flags[-1]} broken by {k}")


def make_report(seed: int, index: int, eras=ERAS, errors: float = 0.0) -> Report:
    """Report number `index` of the corpus drawn with `seed`."""
    rng = random.Random(f"ogi-synth:{seed}:{index}")
    era = rng.choice(list(eras))
    year = rng.randint(*YEARS[era])
    code, level, gov, place = rng.choice(jurisdictions())
    published = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    r = Report(index, era, year, code, level, gov, place, published)
    scale = {"county": 40, "prefecture": 300, "province": 1500}[level]
    r.variant.update(du=rng.random() < 0.4, dump=rng.random() < 0.6, seed=rng.randrange(1 << 30),
                     denied_word=rng.choice(("不予公开的", "不同意公开的")))
    (_fmt_values if era.startswith("fmt") else _pre2019_values)(r, rng, scale)
    if errors and rng.random() < errors:
        _inject(r, rng)               # before the 累计 column, which stays ≥ the (stated) year value
    if not era.startswith("fmt"):
        tables = ("national", "national", "fujian", "prose_only", "prose_only") if era == "stat2014" else ("fujian", "prose_only")
        if r.variant.setdefault("table", rng.choice(tables)) == "fujian":
            r.variant["cum_codes"] = CUMULATIVE_CODES
            _cumulative(r, rng)
    return r


def truth_line(r: Report, file: str) -> dict:
    """The report's answer in the gold format of tests/scoring.py (plus `detail`: every value)."""
    said = {k: v for k, v in sorted(r.values.items()) if k in r.stated}
    metrics = {c: v for (c, req, per), v in said.items() if req == "total" and per == "year" and c in CORE}
    return {"file": file, "jurisdiction": r.gov, "report_year": r.year, "adcode": r.adcode,
            "admin_level": r.level, "doc_type": "annual_report", "era": r.era, "metrics": metrics, "optional": {},
            "must_flag": list(r.flags), "notes": "; ".join(r.notes) or "synthetic",
            "detail": {f"{c}|{req}|{per}": v for (c, req, per), v in said.items()}}
