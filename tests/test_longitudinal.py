"""The whole-warehouse stages after extraction, columnar: CARRY/STOCK (`check_longitudinal`,
`check_frames`), jurisdiction ids per frame (`pipeline.jurisdiction_frames`), the dimension and
the name cache of `pipeline.whole`. Random cases are checked against a plain per-report
reading of the rules written here (the oracle), with `checks.operand_attribution` per report."""
from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from pipeline import checks, jurisdiction_dim as dim, jurisdiction_frames as jf, whole
from pipeline.checks_longitudinal import check_longitudinal
from schemas import to_frame

REQS = ("total", "natural_person", "commercial")


# --------------------------------------------------------------------------- the oracle


def _key(r):
    if r.get("admin_level"):
        jid = dim.report_jurisdiction_id(r)
        if jid:
            return ("id", jid)
    name = re.sub(r"[\s()（）,，、.。:：;；\-_/]", "", unicodedata.normalize("NFKC", r.get("jurisdiction_name") or ""))
    name = re.sub(r"(?:人民政府|政府)$", "", name)
    code = str(r.get("adcode") or "").strip()
    return (code, name) if code or name else None


def oracle(reports, metrics):
    """The rules of `pipeline.checks_longitudinal`'s docstring, report by report."""
    ix = {}
    for m in metrics:
        ix.setdefault(m["report_id"], []).append(m)
    ix = {rid: checks.index(ms) for rid, ms in ix.items()}
    groups = {}
    for r in sorted(reports, key=lambda r: r["report_id"]):
        if r.get("doc_type") == "annual_report" and r.get("status") == "ok" and r.get("report_year") is not None:
            key = _key(r)
            if key:
                groups.setdefault((key, r["report_year"]), []).append(r)
    attr = lambda m, i: checks.operand_attribution(m, i) if m is not None else "unknown"  # noqa: E731
    out = []
    for (key, year), now in sorted(groups.items()):
        prevs = groups.get((key, year - 1), [])
        for cur in now:
            cix = ix.get(cur["report_id"], {})
            checks_of = []
            if cur["era"] in ("fmt2019", "fmt2021"):
                for req in sorted({k[1] for k in cix if k[0] == "requests.carried_in" and k[2] == "year"}):
                    checks_of.append(("CARRY", req))
            if cur["era"] == "fmt2021":
                checks_of += [("STOCK", "rules"), ("STOCK", "normative_docs")]
            for check, arg in checks_of:
                results = []
                for p in prevs:
                    pix = ix.get(p["report_id"], {})
                    if check == "CARRY":
                        a, b = cix.get(("requests.carried_in", arg, "year")), pix.get(("requests.carried_out", arg, "year"))
                        if a is None or b is None:
                            continue
                        ops = [(a, cix), (b, pix)]
                        if a["value"] is None or b["value"] is None:
                            results.append(("not_assessable", p, None, None, ops))
                        else:
                            ok = abs(b["value"] - a["value"]) <= 1e-6 * max(1.0, abs(a["value"]))
                            results.append(("pass" if ok else "failed", p, float(b["value"]), float(a["value"]), ops))
                    else:
                        n, b = cix.get((f"{arg}.in_force", "total", "year")), pix.get((f"{arg}.in_force", "total", "year"))
                        if n is None or b is None:
                            continue
                        i, r = cix.get((f"{arg}.issued", "total", "year")), cix.get((f"{arg}.repealed", "total", "year"))
                        ops = [(n, cix), (b, pix), (i, cix), (r, cix)]
                        if any(m is None or m["value"] is None for m, _ in ops):
                            results.append(("not_assessable", p, None, None, ops))
                        else:
                            e = b["value"] + i["value"] - r["value"]
                            ok = abs(e - n["value"]) <= 1e-6 * max(1.0, abs(n["value"]))
                            results.append(("pass" if ok else "failed", p, e, float(n["value"]), ops))
                if not results or any(x[0] == "pass" for x in results):
                    continue
                status, p, expected, actual, ops = sorted(results, key=lambda x: x[0] != "failed")[0]
                out.append((cur["report_id"], check, status, p["report_id"], expected, actual,
                            checks.combine(attr(m, i) for m, i in ops)))
    return out


def brief(rows):
    return [(r["report_id"], r["check_id"], r["status"], re.search(r"report (\w+)\)", r["message"]).group(1),
             r["expected"], r["actual"], r["attribution"]) for r in rows]


JURISDICTIONS = [  # (name, level, adcode)
    ("龙潭区人民政府", "county", "220203"), ("吉林市龙潭区人民政府", "county", "220203"),
    ("龙潭区发展和改革局", "department", "220203"), ("洪泽县人民政府", "county", "320829"),
    ("淮安市洪泽区人民政府", "county", "320813"), ("某某县人民政府", None, "999999"), ("某某县 政府", None, "999999"),
]


def random_case(seed: int):
    rnd = random.Random(seed)
    reports, metrics = [], []
    for i in range(rnd.randint(5, 40)):
        name, level, code = rnd.choice(JURISDICTIONS)
        rid = f"r{rnd.randrange(10**6):06d}{i:02d}"
        year = rnd.randint(2019, 2023)
        era = rnd.choice(("fmt2019", "fmt2021", "fmt2021", "stat2014"))
        reports.append({"report_id": rid, "report_year": year, "era": era, "jurisdiction_name": name,
                        "admin_level": level, "adcode": code, "doc_type": rnd.choice(["annual_report"] * 9 + ["other"]),
                        "status": rnd.choice(["ok"] * 9 + ["failed"])})
        value = lambda: rnd.choice([None, 0, 1, 2, 3, 5])  # noqa: E731  small: copies often agree
        extra = lambda: {"decoded": rnd.random() < 0.1, "qualifier": rnd.choice(["exact"] * 9 + ["approx"]),  # noqa: E731
                         "method": rnd.choice(["table"] * 6 + ["prose", "derived", "other"])}
        for req in REQS:
            for code_ in ("requests.carried_in", "requests.carried_out"):
                if rnd.random() < 0.7:
                    row = {"report_id": rid, "metric_code": code_, "requester": req, "period": "year",
                           "value": value(), **extra()}
                    if row["method"] == "derived":
                        parts = rnd.choice(["a.x + a.y", "a.x", "", code_, "a.x + missing"])
                        row["evidence"] = parts
                        for part in ("a.x", "a.y"):
                            if rnd.random() < 0.8:
                                metrics.append({"report_id": rid, "metric_code": part, "requester": req, "period": "year",
                                                "value": 1, **extra(), "evidence": "a.y"})
                    metrics.append(row)
        for head in ("rules", "normative_docs"):
            for part in ("in_force", "issued", "repealed"):
                if rnd.random() < 0.8:
                    metrics.append({"report_id": rid, "metric_code": f"{head}.{part}", "value": value(), **extra(),
                                    "requester": rnd.choice(["total", None, ""]), "period": rnd.choice(["year", None])})
        if rnd.random() < 0.2 and metrics:  # a copy of a row: the first one counts
            metrics.append(dict(rnd.choice(metrics), value=99))
    return reports, metrics


@pytest.mark.parametrize("seed", range(60))
def test_check_longitudinal_agrees_with_the_rules_read_report_by_report(seed):
    reports, metrics = random_case(seed)
    assert brief(check_longitudinal(reports, metrics)) == oracle(reports, metrics)


def test_the_oracle_sees_something():
    """The random cases exercise every outcome (else the test above would prove little)."""
    seen = set()
    for seed in range(60):
        seen |= {(r[1], r[2], r[6]) for r in oracle(*random_case(seed))}
    assert {("CARRY", "failed", "source"), ("CARRY", "not_assessable", "unknown"), ("STOCK", "failed", "source"),
            ("STOCK", "not_assessable", "unknown"), ("CARRY", "failed", "extraction")} <= seen


# --------------------------------------------------------------------------- rules, one by one


def rep(rid, year, era="fmt2021", **kw):
    return {"report_id": rid, "report_year": year, "era": era, "jurisdiction_name": "龙潭区人民政府",
            "admin_level": "county", "adcode": "220203", "status": "ok", "doc_type": "annual_report", **kw}


def val(rid, code, value, **kw):
    return {"report_id": rid, "metric_code": code, "requester": "total", "period": "year", "value": value,
            "method": "table", "qualifier": "exact", **kw}


def test_copies_of_last_year_the_first_disagreeing_by_report_id_is_named():
    reports = [rep("b1", 2020, "fmt2019"), rep("a2", 2020, "fmt2019"), rep("c", 2021)]
    ms = [val("b1", "requests.carried_out", 4), val("a2", "requests.carried_out", 6), val("c", "requests.carried_in", 5)]
    (row,) = check_longitudinal(reports, ms)
    assert row["report_id"] == "c" and "(report a2)" in row["message"] and row["expected"] == 6.0
    # one copy blank, the other disagreeing: the disagreement is reported, not the blank
    ms[1] = val("a2", "requests.carried_out", None)
    (row,) = check_longitudinal(reports, ms)
    assert row["status"] == "failed" and "(report b1)" in row["message"]


def test_a_derived_operand_is_judged_by_its_parts():
    reports = [rep("a", 2020, "fmt2019"), rep("b", 2021)]
    base = [val("a", "requests.carried_out", 3), val("b", "x.one", 2), val("b", "x.two", 3)]
    derived = val("b", "requests.carried_in", 5, method="derived", evidence="x.one + x.two")
    (row,) = check_longitudinal(reports, base + [derived])
    assert row["attribution"] == "source"
    base[1] = val("b", "x.one", 2, decoded=True)
    assert check_longitudinal(reports, base + [derived])[0]["attribution"] == "extraction"
    assert check_longitudinal(reports, base[:1] + [derived])[0]["attribution"] == "extraction"  # parts missing


def test_rows_come_in_the_order_of_key_year_report_then_check():
    reports = [rep("a", 2020), rep("b", 2021), rep("c", 2022)]
    ms = []
    for rid, v in (("a", 1), ("b", 2), ("c", 3)):
        ms += [val(rid, "requests.carried_in", v), val(rid, "requests.carried_out", v + 10),
               val(rid, "requests.carried_in", v, requester="commercial"),
               val(rid, "requests.carried_out", v, requester="commercial")]
        ms += [val(rid, f"{h}.in_force", v * 7) for h in ("rules", "normative_docs")]
    order = [(r["report_id"], r["check_id"], r["metric_codes"].split(".")[0], r["message"][:16])
             for r in check_longitudinal(reports, ms)]
    assert order == [("b", "CARRY", "requests", "CARRY [commercia"), ("b", "CARRY", "requests", "CARRY: 2021 requ"),
                     ("b", "STOCK", "rules", "STOCK: not asses"), ("b", "STOCK", "normative_docs", "STOCK: not asses"),
                     ("c", "CARRY", "requests", "CARRY [commercia"), ("c", "CARRY", "requests", "CARRY: 2022 requ"),
                     ("c", "STOCK", "rules", "STOCK: not asses"), ("c", "STOCK", "normative_docs", "STOCK: not asses")]


# --------------------------------------------------------------------------- ids per frame


def test_frame_ids_equal_the_ids_report_by_report():
    rnd = random.Random(7)
    names = [n for n, _, _ in JURISDICTIONS] + ["莱芜市人民政府", "国务院办公厅", "平潭综合实验区管委会", None, "  "]
    rows = [{"report_id": f"r{i}", "jurisdiction_name": rnd.choice(names),
             "admin_level": rnd.choice(["county", "department", "township", "national", None, ""]),
             "adcode": rnd.choice(["220203", "320829", "370100", "350128", None, ""]),
             "report_year": rnd.choice([2010, 2015, 2020, None])} for i in range(300)]
    frame = jf.report_jurisdiction_frame(pl.DataFrame(rows))
    expected = []
    for r in rows:
        jid = dim.report_jurisdiction_id(r)
        if jid is not None:
            gov = jid.split(":")[0] if jid[:1].isdigit() else None
            expected.append({"report_id": r["report_id"], "jurisdiction_id": jid, "government_id": gov,
                             "adcode_of_year": dim.code_of_year(gov, r["report_year"]) if gov else r["adcode"]})
    assert frame.to_dicts() == expected
    assert {"320813", "371200", "national", "220203:发展和改革局"} <= set(frame["jurisdiction_id"])


def test_names_are_parsed_once_per_distinct_name(monkeypatch):
    calls = []
    parse = dim.parse_name
    monkeypatch.setattr(dim, "parse_name", lambda n: calls.append(n) or parse(n))
    monkeypatch.setattr(jf, "_PARTS", [pl.DataFrame(schema=jf.PARTS_SCHEMA)])
    frame = pl.DataFrame({"jurisdiction_name": [f"{n}{i % 3}局" for i in range(3000) for n in ("洪泽县",)],
                          "admin_level": "department", "adcode": "320829", "report_year": [2010 + i % 12 for i in range(3000)]})
    ids = jf.jurisdiction_key_frame(frame)
    assert sorted(calls) == ["洪泽县0局", "洪泽县1局", "洪泽县2局"] and ids.height == 12
    jf.jurisdiction_key_frame(frame)
    assert len(calls) == 3


# --------------------------------------------------------------------------- whole.py on a warehouse


def write_warehouse(root: Path, reports: list[dict], metrics: list[dict]) -> Path:
    for table, rows in (("reports", reports), ("metrics", metrics)):
        frame, bad = to_frame(table, rows)
        assert not bad, bad
        folder = root / "parquet" / table
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(folder / "bucket-00.parquet")
    return root


def wrep(key, year, name, level, adcode, era="fmt2019"):
    rid = f"{key:0>64}"
    return {"report_id": rid, "source_path": f"in/{key}.txt", "bytes": 1, "format": "txt", "status": "ok",
            "doc_type": "annual_report", "era": era, "report_year": year, "jurisdiction_name": name,
            "admin_level": level, "adcode": adcode, "extractor_version": "t"}


def test_whole_follows_a_government_across_its_new_code_and_name(tmp_path):
    old = wrep("a1", 2015, "洪泽县人民政府", "county", "320829")
    new = wrep("b2", 2016, "淮安市洪泽区人民政府", "county", "320813")
    dept_old = wrep("c3", 2013, "洪泽县发展和改革局", "department", "320829")
    dept_new = wrep("d4", 2020, "淮安市洪泽区发展和改革局", "department", "320813")
    ms = [val(old["report_id"], "requests.carried_out", 3), val(new["report_id"], "requests.carried_in", 5)]
    root = write_warehouse(tmp_path / "wh", [old, new, dept_old, dept_new], ms)
    rows, note = whole.longitudinal_issues(root)
    assert [(r["check_id"], r["report_id"], r["expected"], r["actual"]) for r in rows] == \
        [("CARRY", new["report_id"], 3.0, 5.0)], note
    dim_rows, _ = whole.jurisdiction_rows(root)
    by_id = {r["jurisdiction_id"]: r for r in dim_rows}
    assert by_id["320813:发展和改革局"]["name"] == "淮安市洪泽区发展和改革局"  # as its latest report writes it
    assert {"320813", "320800", "320000"} <= set(by_id)


def test_whole_keeps_the_name_parses_for_the_next_run(tmp_path, monkeypatch):
    reports = [wrep("a1", 2020, "龙潭区人民政府", "county", "220203"), wrep("b2", 2021, "龙潭区民政局", "department", "220203")]
    root = write_warehouse(tmp_path / "wh", reports, [])
    monkeypatch.setattr(jf, "_PARTS", [pl.DataFrame(schema=jf.PARTS_SCHEMA)])
    first, _ = whole.jurisdiction_rows(root)
    assert len(list((root / "cache").glob("jurisdiction_names-*.parquet"))) == 1
    monkeypatch.setattr(jf, "_PARTS", [pl.DataFrame(schema=jf.PARTS_SCHEMA)])   # a new process
    (root / "cache" / "dim_jurisdiction.json").unlink()        # (else the rows themselves are remembered)
    monkeypatch.setattr(dim, "parse_name", lambda n: pytest.fail(f"parsed {n} again"))
    again, _ = whole.jurisdiction_rows(root)
    assert again == first and "220203:民政局" in {r["jurisdiction_id"] for r in again}
    monkeypatch.setattr(whole, "_parse_version", lambda: "changed")   # new parsing code: parse again
    monkeypatch.setattr(jf, "_PARTS", [pl.DataFrame(schema=jf.PARTS_SCHEMA)])
    with pytest.raises(pytest.fail.Exception):
        whole.known_names(root, pl.LazyFrame({"jurisdiction_name": ["龙潭区民政局"]}))


def test_an_unchanged_warehouse_gets_the_last_runs_rows_and_a_changed_one_is_computed_again(tmp_path, monkeypatch):
    """The dimension and the checks are remembered with the bucket files and code they came from:
    the same inputs give the same rows without computing them; a rewritten bucket file (or new
    code) computes them again."""
    old = wrep("a1", 2015, "洪泽县人民政府", "county", "320829")
    new = wrep("b2", 2016, "淮安市洪泽区人民政府", "county", "320813")
    ms = [val(old["report_id"], "requests.carried_out", 3), val(new["report_id"], "requests.carried_in", 5)]
    root = write_warehouse(tmp_path / "wh", [old, new], ms)
    issues, _ = whole.longitudinal_issues(root)
    dims, _ = whole.jurisdiction_rows(root)
    assert [r["check_id"] for r in issues] == ["CARRY"] and dims

    import pipeline.checks_longitudinal as cl
    monkeypatch.setattr(cl, "check_frames", lambda *a, **k: pytest.fail("computed again"))
    monkeypatch.setattr(jf, "dim_jurisdiction_frame_rows", lambda *a, **k: pytest.fail("computed again"))
    assert whole.longitudinal_issues(root) == (issues, "pipeline.checks_longitudinal.check_frames")
    assert whole.jurisdiction_rows(root)[0] == dims

    ms[1]["value"] = 3.0                                       # the metrics' bucket rewritten
    write_warehouse(root, [old, new], ms)
    calls = []
    monkeypatch.setattr(cl, "check_frames", lambda *a, **k: calls.append(1) or [])
    assert whole.longitudinal_issues(root)[0] == [] and calls == [1]
    with pytest.raises(pytest.fail.Exception):                 # reports rewritten too: the dimension again
        whole.jurisdiction_rows(root)
