"""The project's own accuracy scoring of extraction against hand-labelled gold answers.

Each gold line names a file, its report year, adcode, doc type, the core metric values it
must carry (`metrics`), the ones it may carry (`optional`) and the checks it must flag.
Scoring follows the shared rules: only core codes with requester 'total' and period 'year'
count; a value within 0.5 (counts) or 0.01% (money) is right; a null value is not extracted.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.process import process_file

CORE = frozenset("""
proactive.published proactive.normative_docs_published proactive.normative_docs_issued
proactive.via_gazette proactive.via_website proactive.via_weibo proactive.via_wechat
proactive.press_conferences proactive.interpretations proactive.public_concern_responses
rules.issued rules.repealed rules.in_force normative_docs.issued normative_docs.repealed normative_docs.in_force
licensing.decisions penalty.decisions coercion.decisions admin_fees.amount
requests.received requests.carried_in requests.carried_out requests.in_person requests.online
requests.letter requests.fax requests.completed
outcomes.total outcomes.granted outcomes.partial outcomes.denied outcomes.unable outcomes.not_processed
outcomes.other outcomes.already_public outcomes.not_this_agency outcomes.not_exist
reconsideration.total reconsideration.upheld reconsideration.corrected reconsideration.other reconsideration.pending
litigation.total litigation.upheld litigation.corrected litigation.other litigation.pending
complaints.total fees.collected capacity.staff capacity.staff_full_time capacity.staff_part_time
capacity.trainings capacity.trainees
""".split())


@dataclass
class Score:
    right: int = 0
    wrong: int = 0
    required: int = 0
    missed: int = 0
    year_bad: list = field(default_factory=list)
    adcode_bad: list = field(default_factory=list)
    doctype_bad: list = field(default_factory=list)
    flags_missed: list = field(default_factory=list)
    misses: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / (self.right + self.wrong) if self.right + self.wrong else 0.0

    @property
    def recall(self) -> float:
        return (self.required - self.missed) / self.required if self.required else 0.0


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) <= max(0.5, abs(float(b)) * 1e-4)


def score(corpus: Path, gold_files: list[Path]) -> Score:
    files = {p.name: p for p in corpus.rglob("*") if p.is_file()}
    s = Score()
    for gf in gold_files:
        for line in gf.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            g = json.loads(line)
            res = process_file(files[g["file"]])
            rep = res.report
            if rep["report_year"] != g.get("report_year"):
                s.year_bad.append((g["file"], rep["report_year"], g.get("report_year")))
            if g.get("adcode") and rep["adcode"] != g["adcode"]:
                s.adcode_bad.append((g["file"], rep["adcode"], g["adcode"]))
            if g.get("doc_type") and rep["doc_type"] != g["doc_type"]:
                s.doctype_bad.append((g["file"], rep["doc_type"], g["doc_type"]))
            flagged = {i["check_id"] for i in res.issues}
            s.flags_missed += [(g["file"], c) for c in g.get("must_flag", []) if c not in flagged]
            got = {}
            for m in res.metrics:
                if m["metric_code"] in CORE and m["requester"] == "total" and m["period"] == "year" and m["value"] is not None:
                    got.setdefault(m["metric_code"], m["value"])
            req, opt = g.get("metrics", {}), g.get("optional", {})
            s.required += len(req)
            for code, v in got.items():
                want = req.get(code, opt.get(code))
                if want is not None and _same(v, want):
                    s.right += 1
                else:
                    s.wrong += 1
                    s.misses.append((g["file"], code, v, want))
            for code, v in req.items():
                if code not in got or not _same(got[code], v):
                    s.missed += 1
                    if code not in got:
                        s.misses.append((g["file"], code, None, v))
    return s
