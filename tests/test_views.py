"""The longitudinal views (pipeline/views.sql): on small hand-built warehouses (one DuckDB file
with the tables the views read, no pipeline run) for each rule, and on the 平潭 series of the dev
corpus plus two made-up 洪泽县/洪泽区 reports, ingested with `ogi ingest`."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.jurisdiction import dim_jurisdiction_rows
from pipeline.views import create_views
from schemas import to_frame

PROJECT = Path(__file__).resolve().parents[1]
DEV = PROJECT / "tests" / "fixtures" / "corpus" / "dev"
ERA = {**{y: "pre2014" for y in range(2008, 2014)}, **{y: "stat2014" for y in range(2014, 2019)},
       2019: "fmt2019", 2020: "fmt2019"}


def report(key: str, year: int, name: str, adcode: str | None, level: str = "county", **extra) -> dict:
    row = {"report_id": hashlib.sha256(key.encode()).hexdigest(), "source_path": f"/in/{key}.txt", "bytes": 10,
           "format": "txt", "status": "ok", "doc_type": "annual_report", "era": ERA.get(year, "fmt2021"),
           "report_year": year, "jurisdiction_name": name, "admin_level": level, "adcode": adcode,
           "extractor_version": "test", "ingested_at": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}
    return row | extra


def values(rep: dict, stated: dict[str, float | None], **extra) -> list[dict]:
    return [{"report_id": rep["report_id"], "metric_code": code, "requester": "total", "period": "year",
             "value": v, "raw": "/" if v is None else str(v), "unit": "item", "qualifier": "exact",
             "method": "table", **extra} for code, v in stated.items()]


def build_warehouse(root: Path, reports: list[dict], metrics: list[dict], issues: list[dict] = ()) -> Path:
    """A warehouse directory whose ogi.duckdb holds the given rows and the views."""
    root.mkdir(parents=True, exist_ok=True)
    tables = {"reports": reports, "metrics": metrics, "quality_issues": list(issues),
              "dim_jurisdiction": dim_jurisdiction_rows(reports)}
    with duckdb.connect(str(root / "ogi.duckdb")) as con:
        for name, rows in tables.items():
            frame, bad = to_frame(name, rows)
            assert not bad, bad
            con.register("frame", frame.to_arrow())
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
        create_views(con)
    return root


def rows(con, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@pytest.fixture
def hongze(tmp_path) -> duckdb.DuckDBPyConnection:
    """洪泽: a 2013 report filed under the old county code, 2017 and 2020 under the district's."""
    r13 = report("hz13", 2013, "洪泽县人民政府", "320829")
    r17 = report("hz17", 2017, "淮安市洪泽区人民政府", "320813")
    r20 = report("hz20", 2020, "淮安市洪泽区人民政府", "320813")
    dept = report("hz-fgj", 2013, "洪泽县发展和改革局", "320829", level="department")
    laiwu = report("lw15", 2015, "莱芜市人民政府", "370100", level="prefecture")       # merged into 济南 in 2019
    jinan = report("jn15", 2015, "济南市人民政府", "370100", level="prefecture")
    metrics = (values(r13, {"requests.received": 10, "outcomes.total": 10, "outcomes.granted": 4,
                            "outcomes.already_public": 2, "outcomes.denied": 3, "outcomes.not_exist": 1})
               + values(r17, {"requests.received": 20, "outcomes.total": 20, "outcomes.granted": 12})
               + values(r20, {"requests.received": 30, "requests.carried_in": 2, "outcomes.total": 32,
                              "outcomes.granted": 16, "outcomes.denied": 4, "reconsideration.total": 4,
                              "reconsideration.corrected": 1})
               + values(laiwu, {"requests.received": 7}) + values(jinan, {"requests.received": 70}))
    root = build_warehouse(tmp_path / "wh", [r13, r17, r20, dept, laiwu, jinan], metrics)
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        yield con


def test_a_report_filed_under_an_old_code_joins_its_jurisdiction(hongze):
    panel = rows(hongze, "SELECT jurisdiction_id, adcode, adcode_of_year, year, requests_received FROM panel "
                         "WHERE jurisdiction_id = '320813' ORDER BY year")
    assert [(r["year"], r["adcode"], r["adcode_of_year"], r["requests_received"]) for r in panel] == [
        (2013, "320813", "320829", 10), (2017, "320813", "320813", 20), (2020, "320813", "320813", 30)]
    cov = rows(hongze, "SELECT year, has_report FROM coverage WHERE jurisdiction_id = '320813' ORDER BY year")
    assert [r["year"] for r in cov] == list(range(2013, 2021))
    assert [r["year"] for r in cov if not r["has_report"]] == [2014, 2015, 2016, 2018, 2019]
    summary = rows(hongze, "SELECT * FROM coverage_summary WHERE jurisdiction_id = '320813'")[0]
    assert summary["missing_years"] == [2014, 2015, 2016, 2018, 2019] and summary["years_with_report"] == 3
    codes = rows(hongze, "SELECT adcode, name, last_year FROM jurisdiction_codes WHERE jurisdiction_id = '320813'")
    assert {"adcode": "320829", "name": "洪泽县", "last_year": 2015} in codes
    dim = rows(hongze, "SELECT * FROM dim_jurisdiction WHERE jurisdiction_id IN ('320813', '320813:发展和改革局')")
    gov, dept = sorted(dim, key=lambda r: r["jurisdiction_id"])
    assert gov["name"] == "洪泽区" and "320829" in gov["former_adcodes"].split(",")
    assert dept["parent_jurisdiction_id"] == "320813" and dept["admin_level"] == "department"


def test_a_merged_jurisdiction_keeps_its_own_history(hongze):
    panel = rows(hongze, "SELECT jurisdiction_id, name, requests_received FROM panel WHERE year = 2015 ORDER BY 1")
    assert [(r["jurisdiction_id"], r["name"], r["requests_received"]) for r in panel] == [
        ("370100", "济南市", 70), ("371200", "莱芜市", 7)]
    laiwu = rows(hongze, "SELECT current_adcode, valid_until FROM dim_jurisdiction WHERE jurisdiction_id = '371200'")[0]
    assert laiwu == {"current_adcode": "370100", "valid_until": 2019}


def test_series_follow_each_era_and_say_so(hongze):
    s = {(r["year"], r["series"]): r for r in rows(hongze, "SELECT * FROM series WHERE jurisdiction_id = '320813'")}
    assert s[(2013, "granted")]["value"] == 6          # 同意公开 + 已主动公开 before 2019
    assert s[(2020, "granted")]["value"] == 16
    assert "already public" in s[(2013, "granted")]["caveat"]
    assert "本年新收" in s[(2020, "requests_received")]["caveat"]
    assert s[(2013, "refused")]["value"] == 3          # not nested here: nothing subtracted
    assert s[(2013, "unable_to_provide")]["value"] == 1
    assert s[(2017, "refused")]["value"] is None       # not in the report: unknown, not zero
    assert "Not in the report: outcomes.already_public" in s[(2017, "granted")]["caveat"]
    panel = rows(hongze, "SELECT * FROM panel WHERE jurisdiction_id = '320813' AND year = 2020")[0]
    assert panel["layout"] == "fmt2019+" and panel["granted_caveat"] == s[(2020, "granted")]["caveat"]


def test_rates_and_year_over_year(hongze):
    rate = rows(hongze, "SELECT * FROM rates WHERE jurisdiction_id = '320813' AND year = 2020")[0]
    assert rate["grant_rate"] == pytest.approx(16 / 32, abs=1e-4) and rate["refusal_rate"] == pytest.approx(4 / 32, abs=1e-4)
    assert rate["review_correction_rate"] == pytest.approx(0.25) and rate["reply_base_source"] == "replies_total"
    yoy = {r["year"]: r for r in rows(hongze, "SELECT * FROM yoy WHERE jurisdiction_id = '320813' "
                                              "AND series = 'requests_received'")}
    assert yoy[2017]["prev_year"] == 2013 and yoy[2017]["change"] == 10 and not yoy[2017]["consecutive"]
    assert yoy[2020]["pct_change"] == pytest.approx(0.5) and yoy[2020]["same_layout"] is False
    assert "2019 format change" in yoy[2020]["caveat"]


def test_one_report_per_jurisdiction_year_chosen_deterministically(tmp_path):
    name, code = "临沂市罗庄区人民政府", "371311"
    stats = report("stats", 2016, name, code, doc_type="statistics", published_on="2017-05-01")
    old = report("old", 2016, name, code, published_on="2017-01-10")
    new = report("new", 2016, name, code, published_on="2017-02-10")
    twin_a, twin_b = report("twin-a", 2017, name, code), report("twin-b", 2017, name, code)
    metrics = (values(stats, {"requests.received": 1}) + values(old, {"requests.received": 2})
               + values(new, {"requests.received": 3}) + values(twin_a, {"requests.received": 4})
               + values(twin_b, {"requests.received": 5, "outcomes.total": 5}))
    with duckdb.connect(str(build_warehouse(tmp_path / "wh", [stats, old, new, twin_a, twin_b], metrics) / "ogi.duckdb")) as con:
        panel = {r["year"]: r for r in rows(con, "SELECT year, report_id, requests_received, n_reports FROM panel")}
        assert panel[2016]["requests_received"] == 3 and panel[2016]["n_reports"] == 3   # annual, latest published
        assert panel[2017]["report_id"] == twin_b["report_id"]                           # same date: more values
        cov = rows(con, "SELECT report_ids FROM coverage WHERE year = 2016")[0]
        assert cov["report_ids"] == [new["report_id"], old["report_id"], stats["report_id"]]


def test_only_total_year_values_and_blank_is_null(tmp_path):
    rep = report("jl", 2012, "吉林市龙潭区人民政府", "220203")
    metrics = (values(rep, {"requests.received": None, "outcomes.total": 9, "outcomes.denied": 5, "outcomes.granted": 4})
               + values(rep, {"outcomes.not_exist": 2}, nested_under="outcomes.denied")
               + [m | {"period": "cumulative", "value": 999.0} for m in values(rep, {"outcomes.granted": 0})]
               + [m | {"requester": "natural_person"} for m in values(rep, {"requests.carried_in": 3})])
    with duckdb.connect(str(build_warehouse(tmp_path / "wh", [rep], metrics) / "ogi.duckdb")) as con:
        panel = rows(con, "SELECT * FROM panel")[0]
        assert panel["requests_received"] is None      # a blank cell stays unknown
        assert panel["granted"] == 4                   # the cumulative 999 is not this year's value
        assert panel["refused"] == 3                   # 否决公开 5 minus 信息不存在 2 nested under it
        assert panel["unable_to_provide"] == 2


def test_a_group_summed_from_its_sub_rows(tmp_path):
    rep = report("fmt", 2021, "吉林市龙潭区人民政府", "220203")
    metrics = values(rep, {"outcomes.denied.state_secret": 1, "outcomes.denied.third_party": 2, "outcomes.total": 10})
    with duckdb.connect(str(build_warehouse(tmp_path / "wh", [rep], metrics) / "ogi.duckdb")) as con:
        refused = rows(con, "SELECT value, tier, caveat FROM series WHERE series = 'refused'")[0]
        assert refused["value"] == 3 and refused["tier"] == 2 and "summed from its sub-rows" in refused["caveat"]


def test_every_query_of_the_analysis_guide_runs(hongze):
    doc = (PROJECT / "docs" / "analysis.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", doc, re.S)
    assert len(queries) >= 5
    results = [hongze.execute(sql).fetchall() for sql in queries]
    old_codes = next(r for q, r in zip(queries, results) if "no longer in force" in doc.split(q)[0][-400:])
    assert [(row[0], row[2], row[4]) for row in old_codes] == [(2013, "320829", "320813"),
                                                              (2013, "320829", "320813:发展和改革局")]


HONGZE_2014 = """洪泽县人民政府2014年政府信息公开工作年度报告
本报告所列数据的统计期限自2014年1月1日起至2014年12月31日止。
附表：政府信息公开情况统计表（2014年度）
统 计 指 标 | 单位 | 统计数
三、依申请公开情况 | |
（一）收到申请数 | 件 | 40
（三）申请答复数 | 件 | 38
1.属于已主动公开范围数 | 件 | 6
2.同意公开答复数 | 件 | 20
3.同意部分公开答复数 | 件 | 4
4.不同意公开答复数 | 件 | 3
5.不属于本行政机关公开数 | 件 | 2
6.申请信息不存在数 | 件 | 2
7.告知作出更改补充数 | 件 | 1
四、行政复议数量 | 件 | 2
（一）维持具体行政行为数 | 件 | 1
（二）被依法纠错数 | 件 | 1
五、行政诉讼数量 | 件 | 1
"""


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    """The dev corpus (平潭 2011–2025, two of its departments, 洪泽区 2024) and made-up 洪泽县 2014 and
    淮安市洪泽区 2017 reports, through `ogi ingest`."""
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(DEV, raw / "dev")
    (raw / "hongze_2014.txt").write_text(HONGZE_2014, encoding="utf-8")
    later = HONGZE_2014.replace("洪泽县人民政府2014年", "淮安市洪泽区人民政府2017年").replace("2014年", "2017年")
    (raw / "hongze_2017.txt").write_text(later.replace("| 40", "| 52"), encoding="utf-8")
    root = tmp_path_factory.mktemp("warehouse")
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(raw), "--warehouse", str(root)],
                          cwd=PROJECT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "DAGSTER_HOME": str(home)})
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def test_pingtan_series_over_fifteen_years(ingested):
    with duckdb.connect(str(ingested / "ogi.duckdb"), read_only=True) as con:
        panel = {r["year"]: r for r in rows(con, "SELECT * FROM panel WHERE jurisdiction_id = '350128'")}
        assert sorted(panel) == [2011, 2012, 2014, 2016, 2018, 2019, 2021, 2023, 2025]
        assert panel[2016]["requests_received"] == 0 and panel[2016]["layout"] == "pre2019"   # 未收到申请
        assert panel[2025]["requests_received"] == 154 and panel[2025]["granted"] == 33
        assert panel[2019]["n_reports"] == 2                  # the web page and the text dump of 2019
        assert panel[2019]["requests_received"] == 23
        assert panel[2011]["requests_received_caveat"] != panel[2025]["requests_received_caveat"]
        missing = rows(con, "SELECT missing_years FROM coverage_summary WHERE jurisdiction_id = '350128'")[0]
        assert missing["missing_years"] == [2013, 2015, 2017, 2020, 2022, 2024]
        depts = rows(con, "SELECT jurisdiction_id, year FROM panel WHERE jurisdiction_id LIKE '350128:%' ORDER BY 1")
        assert [(r["jurisdiction_id"], r["year"]) for r in depts] == [
            ("350128:市场监督管理局", 2017), ("350128:旅游与文化体育局", 2019)]
        dim = rows(con, "SELECT parent_jurisdiction_id FROM dim_jurisdiction WHERE jurisdiction_id LIKE '350128:%'")
        assert {r["parent_jurisdiction_id"] for r in dim} == {"350128"}


def test_renamed_county_is_one_jurisdiction_after_ingest(ingested):
    with duckdb.connect(str(ingested / "ogi.duckdb"), read_only=True) as con:
        hz = rows(con, "SELECT year, adcode, adcode_of_year, requests_received, era FROM panel "
                       "WHERE jurisdiction_id = '320813' ORDER BY year")
        assert [(r["year"], r["adcode"], r["adcode_of_year"]) for r in hz] == [
            (2014, "320813", "320829"), (2017, "320813", "320813"), (2024, "320813", "320813")]
        assert [r["requests_received"] for r in hz][:2] == [40, 52]
        cov = rows(con, "SELECT count(*) FILTER (WHERE missing) AS gaps, min(year) AS a, max(year) AS b "
                        "FROM coverage WHERE jurisdiction_id = '320813'")[0]
        assert cov == {"gaps": 8, "a": 2014, "b": 2024}
