"""Tests of the accounting checks (pipeline.checks, pipeline.checks_longitudinal): for each
identity a passing, a failing and a not-assessable case, attribution, severity, derived
values, and the real 2017 city report of the catalogue (channels 62 vs 52 received)."""
from __future__ import annotations

import pytest

from pipeline.checks import (
    REQUESTERS, check_longitudinal, check_percentages, check_report, derive, groups_for,
)

RID = "r1"


def m(code, value, requester="total", period="year", method="table", qualifier="exact", raw=None, **kw):
    row = {
        "report_id": kw.pop("report_id", RID), "metric_code": code, "requester": requester, "period": period,
        "value": None if value is None else float(value), "raw": raw if raw is not None else ("" if value is None else str(value)),
        "unit": "item", "qualifier": qualifier, "method": method, "evidence": "", "char_start": None,
        "char_end": None, "table_index": None, "row_index": None, "col_index": None,
    }
    row.update(kw)
    return row


def rep(era, **kw):
    return {"report_id": kw.pop("report_id", RID), "era": era, "report_year": kw.pop("report_year", 2020),
            "doc_type": "annual_report", **kw}


def only(rows, check_id):
    return [r for r in rows if r["check_id"] == check_id]


def one(rows, check_id):
    got = only(rows, check_id)
    assert len(got) == 1, rows
    return got[0]


F19, F21, S14, P14 = rep("fmt2019"), rep("fmt2021"), rep("stat2014", report_year=2017), rep("pre2014", report_year=2013)

# --------------------------------------------------------------------------- T3-FLOW


def flow(received=10, carried_in=2, total=11, carried_out=1, requester="total"):
    return [m("requests.received", received, requester), m("requests.carried_in", carried_in, requester),
            m("outcomes.total", total, requester), m("requests.carried_out", carried_out, requester)]


def test_t3_flow_pass():
    assert only(check_report(F19, flow() + flow(requester="natural_person")), "T3-FLOW") == []


def test_t3_flow_fail_per_requester_column():
    rows = check_report(F19, flow() + flow(total=9, requester="natural_person"))
    row = one(rows, "T3-FLOW")
    assert row["status"] == "failed" and "[natural_person]" in row["message"]
    assert (row["expected"], row["actual"]) == (12.0, 10.0)
    assert row["severity"] == "error" and row["attribution"] == "source"
    assert "received + carried_in 10+2 = 12" in row["message"]


def test_t3_flow_not_assessable_on_blank_cell():
    row = one(check_report(F19, flow(carried_in=None)), "T3-FLOW")
    assert row["status"] == "not_assessable" and row["severity"] == "warning"
    assert "requests.carried_in" in row["message"] and row["expected"] is None


def test_t3_flow_needs_two_operands_and_fmt2019():
    assert check_report(F19, [m("requests.received", 52, method="prose")]) == []
    assert only(check_report(S14, flow(total=99)), "T3-FLOW") == []


# --------------------------------------------------------------------------- T3-ROWSUM


def row_cols(code, values, total):
    return [m(code, v, r) for r, v in zip(REQUESTERS, values)] + [m(code, total)]


def test_t3_rowsum_pass_fail_not_assessable():
    assert only(check_report(F19, row_cols("requests.received", [5, 1, 0, 0, 2, 1], 9)), "T3-ROWSUM") == []
    row = one(check_report(F19, row_cols("requests.received", [5, 1, 0, 0, 2, 1], 10)), "T3-ROWSUM")
    assert row["status"] == "failed" and (row["expected"], row["actual"]) == (9.0, 10.0)
    assert row["metric_codes"] == "requests.received" and "5+1+0+0+2+1 = 9 ≠ total column 10" in row["message"]
    row = one(check_report(F19, row_cols("requests.received", [5, 1, None, 0, 2, 1], 9)), "T3-ROWSUM")
    assert row["status"] == "not_assessable" and "requests.received[research]" in row["message"]


def test_t3_rowsum_not_assessable_rows_grouped_and_needs_all_six():
    ms = row_cols("requests.received", [None] * 6, 9) + row_cols("outcomes.granted", [None] * 6, 3)
    row = one(check_report(F19, ms), "T3-ROWSUM")          # one row for the blank columns
    assert set(row["metric_codes"].split(",")) == {"requests.received", "outcomes.granted"}
    five = [m("requests.received", 1, r) for r in REQUESTERS[:5]] + [m("requests.received", 99)]
    assert only(check_report(F19, five), "T3-ROWSUM") == []


# --------------------------------------------------------------------------- T3-OUTCOMES / T3-GROUPS


def outcomes_table(era="fmt2019", requester="total", denied_subs=(1, 0, 0, 0, 0, 0, 0, 0), total=None):
    ms = [m("outcomes.granted", 10, requester), m("outcomes.partial", 2, requester)]
    ms += [m(c, v, requester) for c, v in zip(groups_for(era)["outcomes.denied"], denied_subs)]
    ms += [m(c, 1, requester) for c in groups_for(era)["outcomes.unable"]]                    # 3
    ms += [m(c, 0, requester) for c in groups_for(era)["outcomes.not_processed"]]             # 0
    if era == "fmt2021":
        ms += [m(c, 1, requester) for c in groups_for(era)["outcomes.other"]]                 # 3
    else:
        ms.append(m("outcomes.other", 3, requester))
    s = sum(d for d in denied_subs if d is not None)
    ms.append(m("outcomes.total", total if total is not None else 10 + 2 + s + 3 + 0 + 3, requester))
    return ms


@pytest.mark.parametrize("era", ["fmt2019", "fmt2021"])
def test_t3_outcomes_pass_with_groups_derived(era):
    assert check_report(rep(era), outcomes_table(era)) == []


def test_t3_outcomes_fail_attributed_to_source_through_derived_groups():
    row = one(check_report(F21, outcomes_table("fmt2021", total=20)), "T3-OUTCOMES")
    assert row["status"] == "failed" and (row["expected"], row["actual"]) == (19.0, 20.0)
    assert row["attribution"] == "source"      # the derived groups' parts are all stated
    assert row["severity"] == "error"


def test_t3_outcomes_not_assessable_when_a_subrow_is_blank():
    rows = check_report(F19, outcomes_table(denied_subs=(1, None, 0, 0, 0, 0, 0, 0)))
    row = one(rows, "T3-OUTCOMES")
    assert row["status"] == "not_assessable" and "blank sub-rows: denied.prohibited_by_law" in row["message"]
    assert row["attribution"] == "source"       # the report's own cell is blank


def test_t3_groups_only_for_stated_group_values():
    ms = outcomes_table() + [m("outcomes.denied", 1, method="prose")]
    assert only(check_report(F19, ms), "T3-GROUPS") == []
    ms = outcomes_table() + [m("outcomes.denied", 4, method="prose")]
    row = one(check_report(F19, ms), "T3-GROUPS")
    assert row["status"] == "failed" and (row["expected"], row["actual"]) == (1.0, 4.0)
    assert "outcomes.denied" in row["metric_codes"] and "outcomes.denied.state_secret" in row["metric_codes"]
    ms = outcomes_table(denied_subs=(1, None, 0, 0, 0, 0, 0, 0)) + [m("outcomes.denied", 1)]
    assert one(check_report(F19, ms), "T3-GROUPS")["status"] == "not_assessable"
    # a derived group (passed in by the caller) is not checked against its own parts
    ms = outcomes_table() + [m("outcomes.denied", 7, method="derived")]
    assert only(check_report(F19, ms), "T3-GROUPS") == []


def test_t3_groups_fmt2021_other():
    ms = [m(c, 1) for c in groups_for("fmt2021")["outcomes.other"]] + [m("outcomes.other", 5)]
    row = one(check_report(F21, ms), "T3-GROUPS")
    assert (row["expected"], row["actual"]) == (3.0, 5.0)
    assert only(check_report(F19, ms), "T3-GROUPS") == []      # fmt2019: other is a plain cell


# --------------------------------------------------------------------------- T4-SUMS


def t4(head, total, upheld=1, corrected=0, other=1, pending=0):
    return [m(f"{head}.total", total), m(f"{head}.upheld", upheld), m(f"{head}.corrected", corrected),
            m(f"{head}.other", other), m(f"{head}.pending", pending)]


def test_t4_sums():
    ok = t4("reconsideration", 2) + t4("litigation.direct", 2) + t4("litigation.after_review", 2)
    assert check_report(F19, ok) == []
    row = one(check_report(F19, t4("litigation.after_review", 5)), "T4-SUMS")
    assert row["status"] == "failed" and (row["expected"], row["actual"]) == (2.0, 5.0)
    row = one(check_report(F19, t4("reconsideration", 2, pending=None)), "T4-SUMS")
    assert row["status"] == "not_assessable" and "reconsideration.pending" in row["message"]


# --------------------------------------------------------------------------- the real 2017 city report

DATONG = (
    "2017年,全市各级行政机关共收到信息公开申请52件,其中当面申请18件,占申请总数的34.61%;传真申请0件,"
    "占申请总数的0.00%;网络申请6件,占申请总数的11.53%;信函申请38件,占申请总数的73.07%。\n\n"
    "申请办结52件,其中按时办结48件,延期办结4件。其中属于已主动公开的42件,同意公开的32件,同意部分公开的0件,"
    "不予公开的0件,不属于本行政机关公开的20件,申请信息不存在的6件,告知做出补充更改的5件,告知通过其他途径办理的8件。"
)


def prose(code, value, anchor, text=DATONG, after=0):
    """A prose metric whose evidence span is `anchor` (the label and number) in `text`."""
    start = text.index(anchor, after)
    return m(code, value, method="prose", raw=str(value), evidence=anchor, char_start=start, char_end=start + len(anchor))


def datong_metrics():
    return [
        prose("requests.received", 52, "收到信息公开申请52件"),
        prose("requests.in_person", 18, "当面申请18件"),
        prose("requests.fax", 0, "传真申请0件"),
        prose("requests.online", 6, "网络申请6件"),
        prose("requests.letter", 38, "信函申请38件"),
        prose("requests.completed", 52, "申请办结52件"),
        prose("requests.completed_on_time", 48, "按时办结48件"),
        prose("requests.completed_extended", 4, "延期办结4件"),
        prose("outcomes.already_public", 42, "已主动公开的42件"),
        prose("outcomes.granted", 32, "同意公开的32件"),
        prose("outcomes.partial", 0, "同意部分公开的0件"),
        prose("outcomes.denied", 0, "不予公开的0件"),
        prose("outcomes.not_this_agency", 20, "不属于本行政机关公开的20件"),
        prose("outcomes.not_exist", 6, "申请信息不存在的6件"),
        prose("outcomes.asked_to_clarify", 5, "告知做出补充更改的5件"),
        prose("outcomes.redirected", 8, "告知通过其他途径办理的8件"),
    ]


def test_real_2017_city_report_channels_and_replies():
    rows = check_report(S14, datong_metrics(), DATONG)
    ch = one(rows, "CHANNELS")
    assert ch["status"] == "failed" and ch["attribution"] == "source" and ch["severity"] == "warning"
    assert ch["message"].startswith("CHANNELS: channels 18+0+6+38 = 62 ≠ requests.received 52")
    assert (ch["expected"], ch["actual"]) == (62.0, 52.0)
    assert set(ch["metric_codes"].split(",")) == {
        "requests.received", "requests.in_person", "requests.fax", "requests.online", "requests.letter"}
    rp = one(rows, "REPLIES")     # outcomes.total not stated: the 52 completed requests stand in
    assert rp["status"] == "failed" and rp["attribution"] == "source"
    assert (rp["expected"], rp["actual"]) == (113.0, 52.0)
    assert "42+32+0+0+20+6+5+8 = 113 ≠ requests.completed 52" in rp["message"]
    assert "outcomes.total not stated" in rp["message"]
    assert only(rows, "COMPLETED") == []       # 52 = 48 + 4
    assert {r["check_id"] for r in rows} == {"CHANNELS", "REPLIES"}


def test_real_report_percentages_pass():
    mentions = [(34.61, 18, 52, "当面申请18件,占申请总数的34.61%"), (0.0, 0, 52, "传真申请0件,占申请总数的0.00%"),
                (11.53, 6, 52, "网络申请6件,占申请总数的11.53%"), (73.07, 38, 52, "信函申请38件,占申请总数的73.07%")]
    assert check_percentages(RID, mentions) == []


# --------------------------------------------------------------------------- CHANNELS / REPLIES


def test_channels_pass_and_not_assessable_and_skip():
    # Longtan 2013: 网上258 + 当面1083 + 其他4 = 1345
    ok = [m("requests.received", 1345), m("requests.online", 258), m("requests.in_person", 1083),
          m("requests.other_channel", 4)]
    assert check_report(P14, ok) == []
    row = one(check_report(P14, ok + [m("requests.letter", None, raw="/")]), "CHANNELS")
    assert row["status"] == "not_assessable" and row["attribution"] == "source"   # the report left it blank
    one_channel = [m("requests.received", 1345), m("requests.online", 258)]
    assert check_report(P14, one_channel) == []
    assert check_report(P14, ok[1:]) == []                         # no received: nothing to compare
    assert check_report(F19, ok + [m("requests.letter", 9)]) == []  # pre-2019 identity only
    assert one(check_report(rep(None), ok + [m("requests.letter", 9)]), "CHANNELS")["status"] == "failed"


def test_replies_with_nested_not_exist_passes():
    # Longtan 2013 table: 同意公开1073 + 部分4 + 否决公开268 (其中 信息不存在142, 内容不明0) = 1345
    ms = [m("outcomes.total", 1345), m("outcomes.granted", 1073), m("outcomes.partial", 4), m("outcomes.denied", 268),
          m("outcomes.not_exist", 142, nested_under="outcomes.denied"),
          m("outcomes.asked_to_clarify", 0, nested_under="outcomes.denied")]
    assert check_report(P14, ms) == []
    flat = [dict(x, nested_under=None) for x in ms]
    row = one(check_report(P14, flat), "REPLIES")
    assert row["status"] == "failed" and row["actual"] == 1345.0 and row["expected"] == 1487.0


def test_replies_not_assessable_without_total():
    ms = [m("outcomes.granted", 1073), m("outcomes.partial", 4)]
    row = one(check_report(P14, ms), "REPLIES")
    assert row["status"] == "not_assessable" and "outcomes.total" in row["message"]
    row = one(check_report(P14, ms + [m("outcomes.total", None)]), "REPLIES")
    assert row["status"] == "not_assessable"


# --------------------------------------------------------------------------- COMPLETED / STAFF / APPEALS


@pytest.mark.parametrize("check_id,total,parts", [
    ("COMPLETED", "requests.completed", ["requests.completed_on_time", "requests.completed_extended"]),
    ("STAFF", "capacity.staff", ["capacity.staff_full_time", "capacity.staff_part_time"]),
])
def test_simple_sums(check_id, total, parts):
    assert check_report(S14, [m(total, 52), m(parts[0], 48), m(parts[1], 4)]) == []
    row = one(check_report(S14, [m(total, 50), m(parts[0], 48), m(parts[1], 4)]), check_id)
    assert row["status"] == "failed" and (row["expected"], row["actual"]) == (52.0, 50.0)
    assert row["severity"] == "warning"
    row = one(check_report(S14, [m(total, 52), m(parts[0], 48), m(parts[1], None)]), check_id)
    assert row["status"] == "not_assessable"
    row = one(check_report(S14, [m(total, 52), m(parts[0], 48)]), check_id)     # a part missing
    assert row["status"] == "not_assessable" and row["attribution"] == "unknown"


def test_appeals():
    # the Datong report: 行政复议11 = 维持7 + 纠错1 + 其他3; 行政诉讼35 = 29 + 0 + 6
    ok = [m("reconsideration.total", 11), m("reconsideration.upheld", 7), m("reconsideration.corrected", 1),
          m("reconsideration.other", 3), m("litigation.total", 35), m("litigation.upheld", 29),
          m("litigation.corrected", 0), m("litigation.other", 6)]
    assert check_report(S14, ok) == []
    assert check_report(S14, ok + [m("reconsideration.pending", 0)]) == []
    row = one(check_report(S14, ok + [m("reconsideration.pending", 2)]), "APPEALS")
    assert row["status"] == "failed" and (row["expected"], row["actual"]) == (13.0, 11.0)
    row = one(check_report(S14, ok[:3] + ok[4:]), "APPEALS")           # reconsideration.other missing
    assert row["status"] == "not_assessable"


# --------------------------------------------------------------------------- PERCENT / CUMULATIVE


def test_percent():
    assert check_percentages(RID, [(19.18, 258, 1345, "占申请总数的比例为19.18%")]) == []
    assert check_percentages(RID, [(0.3, 1, 268, "占否决公开答复数的比例为0.3%")]) == []   # 0.37 → ±0.1
    assert check_percentages(RID, [(80.0, 1083, 1345, "约占80%")]) == []                 # 80.52 vs "80%"
    rows = check_percentages(RID, [(25.0, 18, 52, "当面申请18件,占申请总数的25.0%")])
    assert len(rows) == 1 and rows[0]["status"] == "failed" and rows[0]["check_id"] == "PERCENT"
    assert rows[0]["actual"] == 25.0 and rows[0]["expected"] == pytest.approx(34.6154)
    rows = check_percentages(RID, [(10.0, 0, 0, "占0%")])
    assert rows[0]["status"] == "not_assessable"


def test_cumulative():
    ok = [m("requests.received", 1345), m("requests.received", 3955, period="cumulative")]
    assert check_report(P14, ok) == []
    row = one(check_report(P14, [m("requests.received", 1345), m("requests.received", 259, period="cumulative")]),
              "CUMULATIVE")
    assert row["status"] == "failed" and (row["expected"], row["actual"]) == (1345.0, 259.0)
    row = one(check_report(P14, [m("requests.received", 1345), m("requests.received", None, period="cumulative")]),
              "CUMULATIVE")
    assert row["status"] == "not_assessable"


# --------------------------------------------------------------------------- attribution


def staff(**kw):
    return [m("capacity.staff", 10, **kw), m("capacity.staff_full_time", 3), m("capacity.staff_part_time", 5)]


def test_attribution_extraction_for_uncertain_readings():
    assert one(check_report(S14, staff(qualifier="about")), "STAFF")["attribution"] == "extraction"
    assert one(check_report(S14, staff(decoded=True)), "STAFF")["attribution"] == "extraction"
    # a derived value whose parts are not in the report
    ms = outcomes_table() + [m("outcomes.unable", 7, method="derived", evidence="outcomes.unable.x + outcomes.unable.y")]
    row = one(check_report(F19, ms), "T3-OUTCOMES")
    assert row["attribution"] == "extraction" and row["severity"] == "error"


def test_attribution_source_verified_against_text_or_unknown():
    text = "从事政府信息公开工作人员10人,其中专职3人,兼职5人。"
    ms = [prose("capacity.staff", 10, "工作人员10人", text), prose("capacity.staff_full_time", 3, "专职3人", text),
          prose("capacity.staff_part_time", 5, "兼职5人", text)]
    assert one(check_report(S14, ms, text), "STAFF")["attribution"] == "source"
    assert one(check_report(S14, ms), "STAFF")["attribution"] == "source"          # no text: trust the method
    moved = [dict(ms[0], char_start=0, char_end=4)] + ms[1:]                         # raw not at its offsets
    assert one(check_report(S14, moved, text), "STAFF")["attribution"] == "unknown"
    odd = [dict(x, method=None) for x in ms]
    assert one(check_report(S14, odd), "STAFF")["attribution"] == "unknown"


def test_failed_table_identity_of_unknown_cause_is_a_warning():
    row = one(check_report(F19, [dict(x, method=None) for x in t4("reconsideration", 5)]), "T4-SUMS")
    assert row["attribution"] == "unknown" and row["severity"] == "warning"


def test_only_year_period_for_identities():
    ms = [dict(x, period="cumulative") for x in staff()]
    assert check_report(S14, ms) == []


# --------------------------------------------------------------------------- derived values


def litigation(total_d=12, total_r=0):
    return [m("litigation.direct.total", total_d, raw=str(total_d)), m("litigation.direct.upheld", 5),
            m("litigation.after_review.total", total_r, raw=str(total_r)), m("litigation.after_review.upheld", 0)]


def test_derive_litigation_totals():
    out = {d["metric_code"]: d for d in derive(F19, litigation())}
    assert set(out) == {"litigation.total", "litigation.upheld"}
    d = out["litigation.total"]
    assert d["value"] == 12.0 and d["method"] == "derived" and d["raw"] == "12+0"
    assert d["evidence"] == "litigation.direct.total + litigation.after_review.total"
    assert d["char_start"] is None and d["char_end"] is None and d["requester"] == "total" and d["period"] == "year"
    assert derive(S14, litigation()) == []


def test_derive_never_replaces_a_stated_or_blank_value():
    ms = litigation() + [m("litigation.total", 13, method="prose")]
    assert "litigation.total" not in {d["metric_code"] for d in derive(F19, ms)}
    ms = outcomes_table() + [m("outcomes.denied", None)]
    assert "outcomes.denied" not in {d["metric_code"] for d in derive(F19, ms)}
    # and the stated value is what the checks use
    ms = outcomes_table() + [m("outcomes.denied", 1)]
    assert check_report(F19, ms) == []


def test_derive_groups_per_requester():
    ms = outcomes_table() + outcomes_table(requester="natural_person", denied_subs=(0, 0, 0, 0, 0, 0, 2, 0))
    out = {(d["metric_code"], d["requester"]): d for d in derive(F19, ms)}
    assert out[("outcomes.denied", "total")]["value"] == 1.0
    assert out[("outcomes.denied", "natural_person")]["value"] == 2.0
    assert out[("outcomes.denied", "total")]["raw"] == "1+0+0+0+0+0+0+0"
    assert out[("outcomes.unable", "total")]["value"] == 3.0
    assert ("outcomes.other", "total") not in out                                   # fmt2019: not a group
    out21 = {(d["metric_code"], d["requester"]): d for d in derive(F21, outcomes_table("fmt2021"))}
    assert out21[("outcomes.other", "total")]["value"] == 3.0
    incomplete = outcomes_table(denied_subs=(1, None, 0, 0, 0, 0, 0, 0))
    assert ("outcomes.denied", "total") not in {(d["metric_code"], d["requester"]) for d in derive(F19, incomplete)}


def test_derive_needs_stated_parts():
    ms = [m("litigation.direct.total", 1), m("litigation.after_review.total", 2, method="derived")]
    assert derive(F19, ms) == []


# --------------------------------------------------------------------------- longitudinal


def lrep(rid, year, era="fmt2021", name="龙潭区人民政府", adcode="220203", **kw):
    return {"report_id": rid, "report_year": year, "era": era, "jurisdiction_name": name, "adcode": adcode,
            "status": "ok", "doc_type": "annual_report", **kw}


def lm(rid, code, value, **kw):
    return m(code, value, report_id=rid, **kw)


def test_carry_pass_and_fail():
    reports = [lrep("a", 2020, "fmt2019"), lrep("b", 2021, name="龙潭区 政府")]
    ms = [lm("a", "requests.carried_out", 3), lm("b", "requests.carried_in", 3)]
    assert check_longitudinal(reports, ms) == []
    ms = [lm("a", "requests.carried_out", 3), lm("b", "requests.carried_in", 5),
          lm("a", "requests.carried_out", 1, requester="natural_person"),
          lm("b", "requests.carried_in", 1, requester="natural_person")]
    rows = check_longitudinal(reports, ms)
    assert len(rows) == 1
    row = rows[0]
    assert row["check_id"] == "CARRY" and row["status"] == "failed" and row["report_id"] == "b"
    assert (row["expected"], row["actual"]) == (3.0, 5.0) and row["severity"] == "warning"
    assert row["attribution"] == "source" and "report a" in row["message"]


def test_carry_not_assessable_and_scope():
    reports = [lrep("a", 2020, "fmt2019"), lrep("b", 2021)]
    rows = check_longitudinal(reports, [lm("a", "requests.carried_out", None), lm("b", "requests.carried_in", 5)])
    assert [r["status"] for r in rows] == ["not_assessable"]
    ms = [lm("a", "requests.carried_out", 3), lm("b", "requests.carried_in", 5)]
    for changed in (dict(doc_type="interpretation"), dict(status="failed"), dict(adcode="220204"),
                    dict(name="龙潭区发展和改革局"), dict(report_year=2019)):
        year = changed.pop("report_year", 2020)
        assert check_longitudinal([lrep("a", year, "fmt2019", **changed), lrep("b", 2021)], ms) == [], changed
    # a second copy of last year's report that agrees is enough
    reports = [lrep("a", 2020, "fmt2019"), lrep("a2", 2020, "fmt2019"), lrep("b", 2021)]
    assert check_longitudinal(reports, ms + [lm("a2", "requests.carried_out", 5)]) == []


def stock(rid, in_force, issued=None, repealed=None, head="rules"):
    out = [lm(rid, f"{head}.in_force", in_force)]
    if issued is not None:
        out += [lm(rid, f"{head}.issued", issued), lm(rid, f"{head}.repealed", repealed)]
    return out


def test_stock_pass_fail_not_assessable():
    reports = [lrep("a", 2021), lrep("b", 2022)]
    assert check_longitudinal(reports, stock("a", 40) + stock("b", 42, 5, 3)) == []
    rows = check_longitudinal(reports, stock("a", 40, head="normative_docs") + stock("b", 50, 5, 3, head="normative_docs"))
    assert len(rows) == 1 and rows[0]["check_id"] == "STOCK" and rows[0]["status"] == "failed"
    assert (rows[0]["expected"], rows[0]["actual"]) == (42.0, 50.0)
    assert "normative_docs.in_force 2021 40 + issued 5 − repealed 3 = 42 ≠ 2022" in rows[0]["message"]
    rows = check_longitudinal(reports, stock("a", 40) + stock("b", 42, 5, None))
    assert [r["status"] for r in rows] == ["not_assessable"]
    # fmt2019 this year: no STOCK
    assert check_longitudinal([lrep("a", 2021), lrep("b", 2022, "fmt2019")], stock("a", 40) + stock("b", 50, 5, 3)) == []


# --------------------------------------------------------------------------- speed


def test_fast_enough():
    import time
    ms = datong_metrics()
    big = outcomes_table("fmt2021") + flow() + t4("reconsideration", 2) + row_cols("requests.received", [1] * 6, 6)
    t = time.perf_counter()
    for _ in range(500):
        check_report(S14, ms, DATONG)
        check_report(F21, big)
    assert (time.perf_counter() - t) / 1000 < 0.002       # well under 2 ms a report


def test_carry_follows_a_jurisdiction_across_a_code_change():
    """洪泽县 (320829) became 洪泽区 (320813): last year's carried-out meets this year's carried-in."""
    a = {"report_id": "a", "report_year": 2015, "era": "fmt2019", "doc_type": "annual_report", "status": "ok",
         "jurisdiction_name": "洪泽县人民政府", "admin_level": "county", "adcode": "320829"}
    b = {"report_id": "b", "report_year": 2016, "era": "fmt2019", "doc_type": "annual_report", "status": "ok",
         "jurisdiction_name": "淮安市洪泽区人民政府", "admin_level": "county", "adcode": "320813"}
    ms = [lm("a", "requests.carried_out", 3), lm("b", "requests.carried_in", 5)]
    rows = check_longitudinal([a, b], ms)
    assert [(r["check_id"], r["status"], r["report_id"]) for r in rows] == [("CARRY", "failed", "b")]
