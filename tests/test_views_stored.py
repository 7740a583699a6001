"""The stored longitudinal results (pipeline/views.sql computes them once into `stored_*` tables,
set-based): checked against a plain-Python reading of the catalogue's §5 rules on a random
warehouse with every odd case (blank cells, absent operands, tier 2, rows nested under 否决公开,
reports written in the other layout, several reports per jurisdiction-year), and refreshed when
the warehouse changes."""
from __future__ import annotations

import random

import duckdb
import pytest

from pipeline.views import SQL_FILES, create_views
from tests.test_views import build_warehouse, report, rows, values

PLACES = [("洪泽县人民政府", "county", "320829"), ("淮安市洪泽区人民政府", "county", "320813"),
          ("平潭综合实验区市场监督管理局", "department", "350128"), ("吉林市龙潭区人民政府", "county", "220203")]
OLD_ONLY = ("outcomes.already_public", "outcomes.not_exist", "outcomes.not_this_agency", "outcomes.asked_to_clarify")
NEW_ONLY = ("outcomes.unable", "outcomes.not_processed", "requests.carried_in")


def random_warehouse(root, seed: int = 7, n: int = 160) -> duckdb.DuckDBPyConnection:
    rnd = random.Random(seed)
    with duckdb.connect() as con:
        con.execute(SQL_FILES[0].read_text(encoding="utf-8").split("-- Tables for views.sql")[0])
        codes = sorted({c for (c,) in con.execute("SELECT metric_code FROM series_definitions").fetchall()})
    reports, metrics = [], []
    for i in range(n):
        name, level, code = rnd.choice(PLACES)
        rep = report(f"r{seed}-{i}", rnd.choice([2008, 2012, 2016, 2019, 2020, 2022]), name, code, level=level,
                     doc_type=rnd.choice(["annual_report", "annual_report", "statistics"]),
                     published_on=rnd.choice([None, "2020-01-05", "2021-03-04"]))
        if rnd.random() < 0.2:      # written in the other layout than its era says
            rep["era"] = rnd.choice(["pre2014", "fmt2021"])
        pool = [c for c in codes if c not in (OLD_ONLY if rnd.random() < 0.5 else NEW_ONLY)]
        for c in rnd.sample(pool, rnd.choice([0, 2, 5, 10, 20])):
            metrics += values(rep, {c: rnd.choice([None, 0.0, 2.0, 7.0, 30.0])}, method=rnd.choice(["table", "prose", "derived"]),
                              nested_under=rnd.choice([None, "outcomes.denied"]))
        reports.append(rep)
    return build_warehouse(root, reports, metrics)


def expected_series(con) -> dict[tuple[str, str], dict]:
    """Every (report, series) by the rules, read plainly: the operands of the report's layout
    (a nested_only one only when the row is nested under 否决公开), tier 1 unless only tier 2
    states a positive operand, the sum of the stated operands of that tier."""
    defs = rows(con, "SELECT * FROM series_definitions")
    layouts = dict(con.execute("SELECT report_id, layout FROM report_layout").fetchall())
    stated: dict[str, dict] = {}
    for r in rows(con, "SELECT * FROM metric_values"):
        stated.setdefault(r["report_id"], {})[r["metric_code"]] = r
    out = {}
    for rid, layout in layouts.items():
        mine = stated.get(rid, {})
        for series in sorted({d["series"] for d in defs if d["layout"] == layout}):
            ops = [(d, mine.get(d["metric_code"])) for d in defs if d["series"] == series and d["layout"] == layout]
            ops = [(d, v) for d, v in ops if not d["nested_only"] or (v and v["nested_under"] == "outcomes.denied")]
            tier = min((d["tier"] for d, v in ops if d["sign"] > 0 and v and v["value"] is not None), default=1)
            at = [(d, v) for d, v in ops if d["tier"] == tier]
            positive = [(d, v) for d, v in at if d["sign"] > 0]
            n_stated = sum(1 for _, v in positive if v and v["value"] is not None)
            out[(rid, series)] = {
                "tier": tier, "parts": len(positive), "parts_stated": n_stated,
                "value": sum(d["sign"] * v["value"] for d, v in at if v and v["value"] is not None) if n_stated else None,
                "metric_codes": ",".join(sorted(d["metric_code"] for d, v in at if v and v["value"] is not None)) or None,
                "methods": ",".join(sorted({v["method"] for _, v in at if v})) or None,
                "absent": ", ".join(sorted(d["metric_code"] for d, v in positive if v is None)),
                "blank": ", ".join(sorted(d["metric_code"] for d, v in positive if v and v["value"] is None))}
    return out


@pytest.mark.parametrize("seed", [7, 8])
def test_series_follow_the_rules_on_a_random_warehouse(tmp_path, seed):
    with duckdb.connect(str(random_warehouse(tmp_path / "wh", seed) / "ogi.duckdb")) as con:
        want = expected_series(con)
        got = {(r["report_id"], r["series"]): r for r in rows(con, "SELECT * FROM series")}
        assert got.keys() == want.keys()
        for key, w in want.items():
            g = got[key]
            assert {k: g[k] for k in ("tier", "parts", "parts_stated", "value", "metric_codes", "methods")} == \
                {k: w[k] for k in ("tier", "parts", "parts_stated", "value", "metric_codes", "methods")}, key
            assert ("Not in the report: " + w["absent"] + "." in g["caveat"]) == bool(w["value"] is not None and w["absent"])
            assert ("Left blank, not counted: " + w["blank"] + "." in g["caveat"]) == bool(w["value"] is not None and w["blank"])
        assert {t for (_, _), w in want.items() for t in [w["tier"]]} == {1, 2}      # the sample has both tiers
        chosen = {r["report_id"]: r for r in rows(con, "SELECT * FROM panel")}
        for (rid, series), g in got.items():
            if g["chosen"]:
                assert chosen[rid][series] == g["value"] and chosen[rid][series + "_caveat"] == g["caveat"]


def test_stored_results_follow_a_change_of_the_warehouse(tmp_path):
    rep = report("a", 2020, "吉林市龙潭区人民政府", "220203")
    root = build_warehouse(tmp_path / "wh", [rep], values(rep, {"requests.received": 5}))
    with duckdb.connect(str(root / "ogi.duckdb")) as con:
        assert con.execute("SELECT requests_received FROM panel").fetchall() == [(5,)]
        later = report("b", 2021, "吉林市龙潭区人民政府", "220203")
        con.execute("UPDATE metrics SET value = 6")
        con.execute("INSERT INTO reports (report_id, source_path, bytes, format, status, doc_type, era, report_year, "
                    "jurisdiction_name, admin_level, adcode, extractor_version, ingested_at) "
                    "SELECT ?, 'b.txt', 1, 'txt', 'ok', 'annual_report', 'fmt2021', 2021, ?, 'county', '220203', 't', now()",
                    [later["report_id"], later["jurisdiction_name"]])
        create_views(con)
        assert con.execute("SELECT year, requests_received FROM panel ORDER BY year").fetchall() == [(2020, 6), (2021, None)]
        assert con.execute("SELECT last_year, years_with_report FROM coverage_summary").fetchall() == [(2021, 2)]


def test_a_database_of_the_previous_version_is_upgraded(tmp_path):
    rep = report("a", 2020, "吉林市龙潭区人民政府", "220203")
    root = build_warehouse(tmp_path / "wh", [rep], values(rep, {"requests.received": 5}))
    with duckdb.connect(str(root / "ogi.duckdb")) as con:   # report_jurisdiction was a table, panel a view of views
        con.execute("DROP VIEW report_jurisdiction")
        con.execute("CREATE TABLE report_jurisdiction AS SELECT 'x' AS report_id")
        create_views(con)
        assert con.execute("SELECT jurisdiction_id FROM report_jurisdiction").fetchall() == [("220203",)]
        kinds = dict(con.execute("SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal").fetchall())
        assert {"panel", "coverage", "series", "rates", "report_jurisdiction"} <= kinds.keys()
