"""Where the time goes per report: the stages of `pipeline.process.process_file` timed one by
one on a sample of files (read → extract → jurisdiction), the write stage (rows → contract-checked
frames → Parquet → DuckDB) timed on the sample's results, and a cProfile of the same batch
naming the functions that cost most. Imported by bench/run.py; runs in one process.
"""
from __future__ import annotations

import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path


def stage_times(files: list[Path]) -> dict:
    """Seconds per report in each stage, over `files` (warm: one file is processed first)."""
    from pipeline import process, warehouse
    from pipeline.extract import extract
    from pipeline.jurisdiction import dim_jurisdiction_rows
    from pipeline.process import empty_report
    from pipeline.read import read_document
    from schemas import enforce, to_frame

    process.process_file(files[0])                     # imports, catalogue and division data loaded
    t = {"read_bytes": 0.0, "read_document": 0.0, "extract": 0.0, "jurisdiction": 0.0}
    results, failed = [], 0
    for path in files:
        a = time.perf_counter()
        data = path.read_bytes()
        b = time.perf_counter()
        doc = read_document(path, data)
        c = time.perf_counter()
        report = empty_report(path, data)
        try:
            fields, metrics, issues = extract(doc, report["report_id"])
        except Exception:           # a known extractor defect on this file (see docs/benchmarks.md)
            failed += 1
            continue
        d = time.perf_counter()
        report.update(fields, format=doc.format, encoding=doc.encoding)
        report.update(process._jurisdiction(fields.get("title"), doc))
        e = time.perf_counter()
        for k, dt in zip(t, (b - a, c - b, d - c, e - d)):
            t[k] += dt
        results.append((report, metrics, issues))
    a = time.perf_counter()
    frames = {"reports": [r for r, _, _ in results], "metrics": [m for _, ms, _ in results for m in ms],
              "quality_issues": [i for _, _, iss in results for i in iss]}
    checked = {}
    for table, rows in frames.items():
        frame, untyped = to_frame(table, rows)
        checked[table] = enforce(table, frame, untyped).frame
    b = time.perf_counter()
    view_error = None
    with tempfile.TemporaryDirectory() as root:
        for table, frame in checked.items():
            warehouse.write_table(root, table, frame)
        dim = dim_jurisdiction_rows(frames["reports"])
        warehouse.write_table(root, "dim_jurisdiction", to_frame("dim_jurisdiction", dim)[0])
        c = time.perf_counter()
        try:
            warehouse.load_duckdb(root)
        except Exception as exc:      # the views are work in progress elsewhere; the load is still timed
            view_error = f"{type(exc).__name__}: {exc}"[:300]
        d = time.perf_counter()
    n = len(results)
    out = {k: v / n * 1000 for k, v in t.items()}
    out.update(frames_and_contract=(b - a) / n * 1000, parquet_write=(c - b) / n * 1000, duckdb_load=(d - c) / n * 1000)
    out = {f"{k}_ms_per_report": round(v, 3) for k, v in out.items()}
    out["metric_rows_per_report"] = round(len(frames["metrics"]) / n, 1)
    out["sample_reports"], out["extraction_crashes"], out["duckdb_load_error"] = n, failed, view_error
    return out


def profile(files: list[Path], top: int = 25) -> str:
    """cProfile of process_file over `files`: the top functions by own time and by cumulative time."""
    from pipeline.process import process_file

    process_file(files[0])
    prof = cProfile.Profile()
    prof.enable()
    for path in files:
        process_file(path)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    buf.write(f"== {len(files)} reports, sorted by own time (tottime) ==\n")
    stats.sort_stats("tottime").print_stats(top)
    buf.write("== sorted by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def by_format(files: list[Path]) -> dict:
    """process_file milliseconds per report, by file format."""
    from pipeline.process import process_file

    process_file(files[0])
    out: dict = {}
    for path in files:
        a = time.perf_counter()
        process_file(path)
        ms = (time.perf_counter() - a) * 1000
        entry = out.setdefault(path.suffix.lstrip("."), [0, 0.0])
        entry[0] += 1
        entry[1] += ms
    return {fmt: round(total / n, 2) for fmt, (n, total) in sorted(out.items())}
