"""Ingestion orchestration: find the raw files, hash them, extract what is new, and assemble
the core tables (reports, metrics, quality_issues, report_sources, rejects).

- `scan`: every file under the given paths (recursively, hidden files and folders skipped)
  with the sha256 of its bytes; an unreadable file still gets a row.
- `build_core`: one report per distinct content. A content already in the warehouse with the
  same extractor version is reused from the previous Parquet, not re-extracted (unless its
  extraction crashed: that is retried); the rest goes through `pipeline.process.process_file` (in a 2-process pool when there are many).
  Each path points at its latest content; reports no path points at any more are dropped.
  Every table is held to the contract (`schemas.enforce`); offending rows go to `rejects`
  and are reported as `SCHEMA-<table>` quality issues. Never raises for a bad file.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline import warehouse
from pipeline.version import EXTRACTOR_VERSION
from schemas import conform, empty, enforce, issues_from_rejects, to_frame

CORE_TABLES = ("reports", "metrics", "quality_issues", "report_sources", "rejects")
SCAN_SCHEMA = {"source_path": pl.String, "report_id": pl.String, "bytes": pl.Int64, "read_error": pl.String}
Progress = Callable[[int, int, str], None]
CONTRACT_ERROR = "report row broke the warehouse contract (see rejects)"
# failures of ours, not of the file: such results are extracted again on the next run
RETRY_ERRORS = ("extractor crashed", "extraction worker failed", "file changed while being ingested", CONTRACT_ERROR)


def discover(paths: Iterable[Path | str]) -> list[Path]:
    """Files under `paths` (files or folders, searched recursively), hidden ones skipped, sorted."""
    found: set[Path] = set()
    for given in paths:
        root = Path(given).absolute()
        if root.is_file():
            found.add(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.update(Path(folder) / f for f in files if not f.startswith("."))
    return sorted(found)


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def scan(paths: Iterable[Path | str]) -> pl.DataFrame:
    """One row per file: source_path, report_id (sha256 of its bytes), bytes, read_error."""
    rows = []
    for path in discover(paths):
        try:
            report_id, size = sha256_file(path)
            rows.append((str(path), report_id, size, None))
        except OSError as exc:  # unreadable: an id from the path, so it still gets a report row
            rows.append((str(path), hashlib.sha256(f"unreadable:{path}".encode()).hexdigest(), None,
                         f"cannot read file: {exc.strerror or exc}"))
    return pl.DataFrame(rows, schema=SCAN_SCHEMA, orient="row")


def failed_report(path: str, report_id: str, size: int | None, error: str) -> dict:
    return {"report_id": report_id, "source_path": path, "bytes": size or 0, "status": "failed", "error": error,
            "format": Path(path).suffix.lower().lstrip(".") or None, "extractor_version": EXTRACTOR_VERSION}


def extract_one(path: str, report_id: str) -> tuple[dict, list[dict], list[dict]]:
    """(report row, metric rows, issue rows) of one file; any failure becomes a failed report."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return failed_report(path, report_id, None, f"cannot read file: {exc.strerror or exc}"), [], []
    if not data:
        return failed_report(path, report_id, 0, "empty file (0 bytes)"), [], []
    if hashlib.sha256(data).hexdigest() != report_id:
        return failed_report(path, report_id, len(data), "file changed while being ingested; ingest again"), [], []
    try:
        from pipeline.process import process_file  # imported here: a broken extractor fails files, not the run
        result = process_file(Path(path), data)
        report, metrics, issues = dict(result.report), [dict(m) for m in result.metrics], [dict(i) for i in result.issues]
    except Exception as exc:  # the extractor promises not to raise; a bug must not stop the run
        return failed_report(path, report_id, len(data), f"extractor crashed: {type(exc).__name__}: {exc}"), [], []
    report.update(report_id=report_id, source_path=path, bytes=len(data), extractor_version=EXTRACTOR_VERSION)
    for row in (*metrics, *issues):
        row["report_id"] = report_id
    return report, metrics, issues


def extract_many(jobs: list[tuple[str, str]], workers: int = 2, pool_threshold: int = 50,
                 progress: Progress | None = None) -> list[tuple[dict, list[dict], list[dict]]]:
    """`extract_one` over (path, report_id) jobs, in a process pool when there are many."""
    results: list = [None] * len(jobs)
    if len(jobs) <= pool_threshold or workers <= 1:
        for i, (path, rid) in enumerate(jobs):
            results[i] = extract_one(path, rid)
            if progress:
                progress(i + 1, len(jobs), path)
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(extract_one, path, rid): i for i, (path, rid) in enumerate(jobs)}
        for done, future in enumerate(as_completed(futures), 1):
            i = futures[future]
            path, rid = jobs[i]
            try:
                results[i] = future.result()
            except Exception as exc:  # a worker died (e.g. a native library crashed on this file)
                results[i] = (failed_report(path, rid, None, f"extraction worker failed: {type(exc).__name__}: {exc}"), [], [])
            if progress:
                progress(done, len(jobs), path)
    return results


def previous_tables(root: Path | str) -> dict[str, pl.DataFrame]:
    """The core tables of an earlier run, in the current contract's shape; {} if unusable."""
    out = {}
    try:
        for table in CORE_TABLES:
            frame = warehouse.read_table(root, table, part="data")
            if frame is None:
                return {}
            out[table] = conform(table, frame)
    except Exception:  # unreadable or from an incompatible contract: extract everything again
        return {}
    return out


@dataclass
class CoreTables:
    reports: pl.DataFrame
    metrics: pl.DataFrame
    quality_issues: pl.DataFrame
    report_sources: pl.DataFrame
    rejects: pl.DataFrame
    stats: dict = field(default_factory=dict)


def _only(frame: pl.DataFrame, ids: set[str]) -> pl.DataFrame:
    return frame.filter(pl.col("report_id").is_in(sorted(ids)))


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("report_id", maintain_order=True, nulls_last=True)


def build_core(scanned: pl.DataFrame, previous: dict[str, pl.DataFrame], *, workers: int = 2,
               pool_threshold: int = 50, progress: Progress | None = None, full: bool = False) -> CoreTables:
    """Assemble the core tables from a `scan` and the previous run's tables (may be {});
    `full` extracts every scanned file again."""
    started, now = time.monotonic(), dt.datetime.now(dt.timezone.utc)
    prev = previous or {t: empty(t) for t in CORE_TABLES}
    seen_paths = set(scanned["source_path"].to_list())
    # each path points at its latest content; paths not scanned now keep what they had
    sources = pl.concat([
        prev["report_sources"].filter(~pl.col("source_path").is_in(sorted(seen_paths))).select("report_id", "source_path"),
        scanned.select("report_id", "source_path"),
    ]).unique().sort("report_id", "source_path")
    live = set(sources["report_id"].to_list())
    contents = scanned.sort("source_path").group_by("report_id", maintain_order=True).first()
    scanned_ids = set(contents["report_id"].to_list())
    current = [] if full else prev["reports"].filter(
        (pl.col("extractor_version") == EXTRACTOR_VERSION)
        & ~pl.any_horizontal([pl.col("error").fill_null("").str.starts_with(e) for e in RETRY_ERRORS])
    )["report_id"].to_list()
    reuse = set(current) & scanned_ids
    carried = (set(prev["reports"]["report_id"].to_list()) & live) - scanned_ids
    keep = reuse | carried
    todo = contents.filter(~pl.col("report_id").is_in(sorted(keep)))

    jobs = [(r["source_path"], r["report_id"]) for r in todo.iter_rows(named=True) if not r["read_error"]]
    results = extract_many(jobs, workers, pool_threshold, progress)
    reports = [failed_report(r["source_path"], r["report_id"], r["bytes"], r["read_error"])
               for r in todo.iter_rows(named=True) if r["read_error"]] + [res[0] for res in results]
    for row in reports:
        row["ingested_at"] = now

    checked, rejects = {}, [_only(prev["rejects"], keep)]
    new_frames = {
        "reports": to_frame("reports", reports),
        "metrics": to_frame("metrics", [m for res in results for m in res[1]]),
        "quality_issues": to_frame("quality_issues", [i for res in results for i in res[2]]),
    }
    old_issues = _only(prev["quality_issues"], keep).filter(~pl.col("check_id").str.starts_with("SCHEMA-"))
    old = {"reports": _only(prev["reports"], keep), "metrics": _only(prev["metrics"], keep), "quality_issues": old_issues}
    for table, (frame, untyped) in new_frames.items():
        result = enforce(table, pl.concat([old[table], frame], how="diagonal_relaxed"), untyped)
        checked[table], rejects = result.frame, rejects + [result.rejects]
    src = enforce("report_sources", sources)
    rejects.append(src.rejects)

    # every live content keeps a reports row: a rejected one is replaced by a failed stand-in
    first_path = src.frame.group_by("report_id").agg(pl.col("source_path").min())
    missing = live - set(checked["reports"]["report_id"].to_list())
    size = dict(zip(scanned["report_id"].to_list(), scanned["bytes"].to_list()))
    stand_ins = [failed_report(p, rid, size.get(rid), CONTRACT_ERROR)
                 | {"ingested_at": now} for rid, p in first_path.iter_rows() if rid in missing]
    reports_frame = pl.concat([checked["reports"], to_frame("reports", stand_ins)[0]], how="diagonal_relaxed")
    reports_frame = reports_frame.drop("source_path").join(first_path, on="report_id", how="left")
    reports_frame = reports_frame.select(checked["reports"].columns)

    all_rejects = pl.concat(rejects, how="diagonal_relaxed")
    issues = pl.concat([checked["quality_issues"], issues_from_rejects(all_rejects)], how="diagonal_relaxed")
    stats = {"files": scanned.height, "distinct_contents": len(contents), "extracted": len(jobs), "reused": len(reuse),
             "carried_over": len(carried), "unreadable": todo.height - len(jobs), "rejected_rows": all_rejects.height,
             "seconds": round(time.monotonic() - started, 2)}
    return CoreTables(_sorted(reports_frame), _sorted(checked["metrics"]), _sorted(issues),
                      src.frame, _sorted(all_rejects), stats)


def jurisdiction_rows(reports: list[dict]) -> tuple[list[dict], str]:
    """(dim_jurisdiction rows, where they came from): `pipeline.jurisdiction` when it provides
    them, else the distinct jurisdictions the ok reports name."""
    try:
        from pipeline.jurisdiction import dim_jurisdiction_rows
        return list(dim_jurisdiction_rows(reports)), "pipeline.jurisdiction.dim_jurisdiction_rows"
    except Exception as exc:  # not written yet, or broken: the warehouse still gets the table
        note = f"distinct jurisdictions of the ok reports ({type(exc).__name__}: {exc})"
    rows: dict[str, dict] = {}
    for r in reports:
        if r.get("status") == "ok" and (r.get("adcode") or r.get("jurisdiction_name")):
            jid = f"{r.get('adcode') or ''}:{r.get('jurisdiction_name') or ''}"
            rows.setdefault(jid, {"jurisdiction_id": jid, "adcode": r.get("adcode"), "name": r.get("jurisdiction_name"),
                                  "admin_level": r.get("admin_level"), "parent_adcode": r.get("parent_adcode"),
                                  "province": r.get("province")})
    return [rows[k] for k in sorted(rows)], note


def longitudinal_issues(reports: list[dict], metrics: list[dict]) -> tuple[list[dict], str]:
    """(issue rows, note) of the checks that link a report to last year's (CARRY, STOCK)."""
    try:
        from pipeline.checks_longitudinal import check_longitudinal
    except ImportError as exc:
        return [], f"not available ({exc})"
    try:
        return list(check_longitudinal(reports, metrics)), "pipeline.checks_longitudinal.check_longitudinal"
    except Exception as exc:  # a defect there must not stop the run; the note says what happened
        return [], f"failed: {type(exc).__name__}: {exc}"
