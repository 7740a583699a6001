"""The longitudinal tables at national scale: load and materialisation cost, and query latency,
over a generated warehouse of N reports (default 1M). Imported by bench/run.py; on its own:

    .venv/bin/python -m bench.panel            # BENCH_PANEL_SIZES (default 1000000), results in
                                               # bench/results/panel_1m.json (BENCH_PANEL_OUT)

The warehouse: N `reports` over the 3,213 divisions in force × 17 years (several reports per
jurisdiction and year), sha256-like report ids, and 12 harmonized input codes per report in
`metrics`, in the contract's shape, written straight to Parquet with polars (no extraction) in
the bucket layout of `ogi ingest` (one file per table and bucket of report_id).
`build` loads it the way `ogi ingest` does (`warehouse.load_duckdb`, which runs `create_views`,
in a child process so that its peak RSS is its own), times `create_views` once more on a copy
with its per-step cost (wall and CPU seconds: the machine may be shared, CPU time is the
steadier number), then twice adds 1% more reports as appended bucket parts (as an incremental
run writes them) and times the load by difference (the second time the standby copy the load
writes is a load behind, as it is run after run), and a load with nothing changed.
`latency` times the queries users run, with the result fetched as Python rows (`fetchall`) and
as Arrow.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
# harmonized inputs (metric catalogue §5): every report carries these codes
CODES = ("requests.received", "outcomes.granted", "outcomes.partial", "outcomes.denied", "outcomes.unable",
         "outcomes.not_processed", "outcomes.other", "outcomes.already_public", "outcomes.not_exist",
         "reconsideration.total", "litigation.total", "outcomes.total")
QUERIES = {
    "panel": "SELECT * FROM panel",
    "coverage": "SELECT * FROM coverage",
    "coverage_summary": "SELECT * FROM coverage_summary",
    "rates": "SELECT * FROM rates",
    "yoy": "SELECT * FROM yoy",
    "series_chosen": "SELECT * FROM series WHERE chosen",
    "series_one_jurisdiction": "SELECT * FROM series WHERE jurisdiction_id = '350128'",
}
LOAD = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from pipeline import warehouse
a, c = time.perf_counter(), time.process_time()
how = {}
counts = warehouse.load_duckdb(sys.argv[1], how=how)
with open("/proc/self/status") as f:   # VmHWM: this process's own peak (ru_maxrss would count the parent's pages at fork)
    peak_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(json.dumps({"counts": counts, "how": how, "wall_s": time.perf_counter() - a, "cpu_s": time.process_time() - c,
                  "peak_rss_mb": peak_kb / 1024}))
"""


def generate(root: Path, n_reports: int, start: int = 0, seq: int = 0) -> dict:
    """Write the generated `reports` and `metrics` (reports start .. start + n_reports - 1) as
    bucket files (seq 0) or appended bucket parts (seq 1, …), and `dim_jurisdiction`."""
    from pipeline import warehouse
    from pipeline.jurisdiction import dim_jurisdiction_rows
    from pipeline.synth import jurisdictions
    from schemas import conform

    places = pl.DataFrame([(i, c, lvl, gov) for i, (c, lvl, gov, _) in enumerate(jurisdictions())],
                          schema=["k", "adcode", "admin_level", "jurisdiction_name"], orient="row")
    ids = pl.Series("report_id", [hashlib.sha256(b"bench-%d" % i).hexdigest() for i in range(start, start + n_reports)])
    reports = (
        pl.DataFrame({"i": pl.int_range(start, start + n_reports, eager=True)}).with_columns(ids)
        .with_columns(k=pl.col("i") % places.height, report_year=(2008 + (pl.col("i") // places.height) % 17).cast(pl.Int64))
        .join(places, on="k", how="left")
        .with_columns(status=pl.lit("ok"), doc_type=pl.lit("annual_report"), format=pl.lit("txt"),
                      bytes=pl.lit(20000), extractor_version=pl.lit("bench"),
                      source_path=pl.format("corpus/{}.txt", pl.col("i")),
                      era=pl.when(pl.col("report_year") < 2014).then(pl.lit("pre2014"))
                      .when(pl.col("report_year") < 2019).then(pl.lit("stat2014"))
                      .when(pl.col("report_year") < 2021).then(pl.lit("fmt2019")).otherwise(pl.lit("fmt2021")))
        .drop("i", "k"))
    metrics = (reports.select("report_id").join(pl.DataFrame({"metric_code": list(CODES)}), how="cross")
               .with_columns(requester=pl.lit("total"), period=pl.lit("year"), method=pl.lit("table"),
                             unit=pl.lit("item"), qualifier=pl.lit("exact"),
                             value=(pl.concat_str("report_id", "metric_code").hash(7) % 500).cast(pl.Float64)))
    for table, frame in (("reports", conform("reports", reports)), ("metrics", conform("metrics", metrics))):
        for (bucket,), part in frame.with_columns(_b=pl.col("report_id").str.slice(0, 2)).partition_by("_b", as_dict=True).items():
            name = warehouse.bucket_file(table, bucket, seq).split("/")[1].removesuffix(".parquet")
            warehouse.write_table(root, table, part.drop("_b"), name)
    if start == 0:  # the same divisions every time
        dim = dim_jurisdiction_rows(reports.unique("adcode", keep="first").to_dicts())  # as the pipeline builds it
        warehouse.write_table(root, "dim_jurisdiction", pl.DataFrame(dim, infer_schema_length=None))
    return {"reports": reports.height, "metric_rows": metrics.height}


def _load(root: Path) -> dict:
    """`warehouse.load_duckdb` in a child process: seconds, peak RSS, how each table was loaded."""
    done = subprocess.run([sys.executable, "-c", LOAD, str(root), str(ROOT)], capture_output=True, text=True)
    if done.returncode:
        return {"load_error": done.stderr[-2000:]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": round(out["wall_s"], 2), "cpu_s": round(out["cpu_s"], 2), "peak_rss_mb": round(out["peak_rss_mb"]),
            "how": out["how"], "counts": out["counts"]}


def materialise(db: Path) -> dict:
    """`create_views` on a copy of the loaded database (a refresh: the same work as at load), with
    the cost of each step, and the database's size."""
    from pipeline import load
    from pipeline.views import create_views
    copy = db.with_name("materialise.duckdb")
    shutil.copy(db, copy)
    steps: dict[str, dict] = {}
    try:
        with duckdb.connect(str(copy), config={"memory_limit": getattr(load, "MEMORY_LIMIT", "1GB")}) as con:
            a, c = time.perf_counter(), time.process_time()
            create_views(con, timer=lambda step, wall, cpu: steps.setdefault(step, {"wall_s": round(wall, 2),
                                                                                     "cpu_s": round(cpu, 2)}))
            con.execute("CHECKPOINT")
            total = {"wall_s": round(time.perf_counter() - a, 2), "cpu_s": round(time.process_time() - c, 2)}
    finally:
        copy.unlink(missing_ok=True)
    return {**total, "steps": {k: v for k, v in steps.items() if v["wall_s"] >= 0.05},
            "database_mb": round(db.stat().st_size / 2**20, 1)}


def build(root: Path, n_reports: int = 1_000_000) -> dict:
    """Generate the warehouse under `root`, load `ogi.duckdb` as `ogi ingest` does, time a
    refresh of the stored results, then a load by difference after 1% more reports and a load
    with nothing changed; returns sizes, seconds and peak RSS."""
    started = time.perf_counter()
    sizes = generate(root, n_reports)
    written = time.perf_counter()
    load = _load(root)
    if "load_error" in load:
        return {**sizes, "generate_write_s": round(written - started, 2), **load}
    counts = load.pop("counts")
    out = {**sizes, "generate_write_s": round(written - started, 2), "load": load,
           "loaded_rows": {t: counts.get(t) for t in ("reports", "metrics")},
           "materialise": materialise(root / "ogi.duckdb")}
    step = max(1, n_reports // 100)
    for seq, name in ((1, "plus_1pct"), (2, "plus_1pct_again")):  # the second: the standby is a load behind
        more = generate(root, step, start=n_reports + (seq - 1) * step, seq=seq)
        out[name] = {**more, **_load(root)}
        out[name].pop("counts", None)
    out["unchanged"] = _load(root)
    out["unchanged"].pop("counts", None)
    out["database_mb"] = round((root / "ogi.duckdb").stat().st_size / 2**20, 1)
    return out


def _time(con: duckdb.DuckDBPyConnection, sql: str, runs: int, arrow: bool) -> dict:
    walls, cpus, rows = [], [], 0
    for _ in range(runs):
        a, c = time.perf_counter(), time.process_time()
        rows = con.sql(sql).to_arrow_table().num_rows if arrow else len(con.execute(sql).fetchall())
        walls.append(time.perf_counter() - a)
        cpus.append(time.process_time() - c)
    return {"median_s": round(statistics.median(walls), 3), "min_s": round(min(walls), 3),
            "min_cpu_s": round(min(cpus), 3), "rows": rows}


def latency(root: Path, runs: int = 5) -> dict:
    """Latency of the queries users run, with the whole result fetched: as Python rows
    (`fetchall`) and as an Arrow table."""
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        return {name: {"fetchall": _time(con, sql, runs, False), "arrow": _time(con, sql, runs, True)}
                for name, sql in QUERIES.items()}


def main() -> int:
    import tempfile
    sizes = [int(s) for s in os.environ.get("BENCH_PANEL_SIZES", "1000000").split(",") if s.strip()]
    out = ROOT / "bench" / "results" / os.environ.get("BENCH_PANEL_OUT", "panel_1m.json")
    result: dict = {"machine": {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()}, "sizes": []}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="ogi-panel-") as tmp:
            print(f"[bench] panel over {n} reports …", flush=True)
            entry = {"build": build(Path(tmp), n)}
            if "load_error" not in entry["build"]:
                entry.update(latency(Path(tmp), runs=3))
            entry["load_average_at_end"] = os.getloadavg()
            result["sizes"].append(entry)
            out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
            print(json.dumps(entry, ensure_ascii=False)[:1500], flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
