"""The stored longitudinal results (pipeline/views_refresh.sql keeps them in `stored_*` tables,
set-based): checked against a plain-Python reading of the catalogue's §5 rules on a random
warehouse with every odd case (blank cells, absent operands, tier 2, rows nested under 否决公开,
reports written in the other layout, several reports per jurisdiction-year), refreshed when the
warehouse changes, and — refreshed by difference after loads that add, change and remove
reports, edit the dimension and rewrite quality_issues' parts — equal to a full rebuild."""
from __future__ import annotations

import random
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import load, views, warehouse
from pipeline.jurisdiction import dim_jurisdiction_rows
from pipeline.views import SQL_FILES, create_views
from schemas import to_frame
from schemas.tables import METHODS
from tests.test_views import build_warehouse, report, rows, values

PLACES = [("洪泽县人民政府", "county", "320829"), ("淮安市洪泽区人民政府", "county", "320813"),
          ("平潭综合实验区市场监督管理局", "department", "350128"), ("吉林市龙潭区人民政府", "county", "220203")]
OLD_ONLY = ("outcomes.already_public", "outcomes.not_exist", "outcomes.not_this_agency", "outcomes.asked_to_clarify")
NEW_ONLY = ("outcomes.unable", "outcomes.not_processed", "requests.carried_in")


def random_rows(seed: int, n: int, start: int = 0) -> tuple[list[dict], list[dict]]:
    """`reports` and `metrics` rows of n random reports (numbered from `start`)."""
    rnd = random.Random(seed * 1000 + start)
    with duckdb.connect() as con:
        con.execute(SQL_FILES[0].read_text(encoding="utf-8").split("-- Tables for views.sql")[0])
        codes = sorted({c for (c,) in con.execute("SELECT metric_code FROM series_definitions").fetchall()})
    reports, metrics = [], []
    for i in range(start, start + n):
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
    return reports, metrics


def random_warehouse(root, seed: int = 7, n: int = 160) -> Path:
    return build_warehouse(root, *random_rows(seed, n))


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


def _write(root: Path, table: str, rows_: list[dict], part: str) -> None:
    frame, bad = to_frame(table, rows_)
    assert not bad, bad
    warehouse.write_table(root, table, frame, part)


def _write_buckets(root: Path, table: str, rows_: list[dict], seq: int = 0) -> None:
    """The rows as bucket files (seq 0) or appended parts (seq 1, 2, …), as pipeline.bucket writes them."""
    by: dict[str, list[dict]] = {}
    for row in rows_:
        by.setdefault(row["report_id"][:2], []).append(row)
    for bucket, found in by.items():
        _write(root, table, found, warehouse.bucket_file(table, bucket, seq).split("/")[1].removesuffix(".parquet"))


def _issues(rnd: random.Random, reports: list[dict], k: int, check: str) -> list[dict]:
    picked = rnd.choices(reports, k=k)
    return [{"report_id": r["report_id"], "check_id": check, "severity": "warning", "status": "failed",
             "message": f"{check} of {r['report_year']}", "attribution": "source"} for r in picked]


def contents(db: Path) -> dict[str, list]:
    """Every table and view of the database (the bookkeeping schema included), rows sorted."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
                            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        return {f"{s}.{n}": con.execute(f'SELECT * FROM {s}."{n}" ORDER BY ALL').fetchall() for s, n in names}


def _equals_a_full_rebuild(root: Path, tmp: Path) -> None:
    reference = tmp / "reference" / "ogi.duckdb"
    reference.parent.mkdir(exist_ok=True)
    load.build(root, reference, warehouse.ALL_TABLES, warehouse.table_files, full=True)
    got, want = contents(root / "ogi.duckdb"), contents(reference)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], name


@pytest.mark.parametrize("collide", [False, True], ids=["hash", "colliding"])
def test_a_load_by_difference_refreshes_only_what_changed_and_equals_a_full_rebuild(tmp_path, monkeypatch, collide):
    root, rnd = tmp_path / "wh", random.Random(3)
    reports, metrics = random_rows(5, 120)
    more, more_metrics = random_rows(5, 40, start=120)
    if collide:  # two reports whose rids collide, then a third one: numbered apart, then all again in full
        same = ", ".join(f"'{r['report_id']}'" for r in (reports[0], reports[1], more[2]))
        monkeypatch.setattr(views, "RID_SQL", f"CASE WHEN id IN ({same}) THEN 7 ELSE {views.RID_SQL} END")
    _write_buckets(root, "reports", reports)
    _write_buckets(root, "metrics", metrics)
    _write_buckets(root, "quality_issues", _issues(rnd, reports, 40, "T3-FLOW"))
    longitudinal = _issues(rnd, reports, 30, "CARRY") * 2     # identical rows, twice
    _write(root, "quality_issues", longitudinal, "longitudinal")
    _write(root, "dim_jurisdiction", dim_jurisdiction_rows(reports), "data")
    how: dict = {}
    warehouse.load_duckdb(root, how=how)
    assert how["stored views"] == "in full" and how["database"] == "new"
    modes = []

    def step() -> None:
        how.clear()
        warehouse.load_duckdb(root, how=how)
        modes.append(how["stored views"])
        _equals_a_full_rebuild(root, tmp_path)

    # 1. new reports appended as parts: new jurisdiction-years, new ranks in old ones, one without a year
    more[0] |= {"report_year": None, "status": "failed"}
    more[1] |= {"jurisdiction_name": "某某公司", "adcode": None}
    _write_buckets(root, "reports", more, seq=1)
    _write_buckets(root, "metrics", more_metrics, seq=1)
    _write_buckets(root, "quality_issues", _issues(rnd, more, 10, "T3-FLOW"), seq=1)
    longitudinal = longitudinal[5:] + _issues(rnd, more, 12, "STOCK") + longitudinal[:1]   # lost some copies, gained rows
    _write(root, "quality_issues", longitudinal, "longitudinal")
    _write(root, "dim_jurisdiction", dim_jurisdiction_rows(reports + more), "data")
    step()
    assert how["reports"] == how["metrics"] == how["quality_issues"] == "by difference" and how["database"] == "standby"
    # 2. a bucket rewritten whole (its parts folded in): a report gone, one edited, the others as they were
    everything = reports + more
    spare = {r["report_id"][:2] for r in everything} - {r["report_id"][:2] for r in (reports[0], reports[1], more[2])}
    bucket = max(sorted(spare), key=lambda b: sum(r["report_id"][:2] == b for r in everything))
    mine = [r for r in everything if r["report_id"][:2] == bucket]
    kept = [r for r in mine[1:]]
    kept[0] = kept[0] | {"doc_type": "statistics", "published_on": "2024-01-01"}
    kept_ids = {r["report_id"] for r in kept}
    mine_metrics = [m | {"value": 99.0} if m["report_id"] == kept[0]["report_id"] else m
                    for m in metrics + more_metrics if m["report_id"] in kept_ids]
    for table in ("reports", "metrics", "quality_issues"):
        for path in warehouse.bucket_parts(root, table, bucket):
            path.unlink()
    _write_buckets(root, "reports", kept)
    _write_buckets(root, "metrics", mine_metrics)
    step()
    assert how["reports"] == "by difference" and how["quality_issues"] == "in full"
    # 3. the dimension edited: a jurisdiction renamed and moved
    dim = pl.read_parquet(root / "parquet" / "dim_jurisdiction" / "data.parquet")
    first = dim["jurisdiction_id"][0]
    dim = dim.with_columns(pl.when(pl.col("jurisdiction_id") == first).then(pl.lit("改了名")).otherwise(pl.col("name")).alias("name"),
                           pl.when(pl.col("jurisdiction_id") == first).then(pl.lit("别省")).otherwise(pl.col("province")).alias("province"))
    warehouse.write_table(root, "dim_jurisdiction", dim)
    step()
    assert how["dim_jurisdiction"] == "in full"   # (the standby, a load behind, also catches up with step 2)
    # 4. nothing changed: nothing is done
    live = (root / "ogi.duckdb").stat()
    how.clear()
    warehouse.load_duckdb(root, how=how)
    assert how["database"] == "live" and (root / "ogi.duckdb").stat().st_mtime_ns == live.st_mtime_ns
    # colliding: steps 1 and 2 bring the third colliding report (the standby is a load behind), step 3 does not
    assert modes == (["in full", "in full", "by difference"] if collide else ["by difference"] * 3)
    rids = [rid for (rid,) in warehouse.query(root, "SELECT rid FROM stored_report_choice")[1]]
    assert sorted(r for r in rids if r < 0) == ([-3, -2, -1] if collide else [])


def test_the_methods_of_the_contract_have_fixed_bits(tmp_path):
    with duckdb.connect(str(random_warehouse(tmp_path / "wh", 9, 20) / "ogi.duckdb")) as con:
        assert sorted(m for (m,) in con.execute("SELECT method FROM method_bits WHERE NOT extra").fetchall()) == sorted(METHODS)
