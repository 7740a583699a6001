"""One file in the pool's terms: a `Job` (where to read it, its report_id, the name the
warehouse gives it) and `extract_one`, which turns it into (report row, metric rows, issue
rows). Any failure — unreadable, not a regular file, too large, empty, changed since it was
hashed, an extractor exception — is a failed report with the error. Absolute paths of the
machine are replaced in every text value by the names the warehouse uses (`Job.hide`; a batch
worker does it column by column instead: pipeline.batch).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.model import ReadError
from pipeline.read import check_size  # the readers' limit: OGI_MAX_FILE_MB, else 50 MB
from pipeline.scan import open_regular
from pipeline.version import EXTRACTOR_VERSION

Result = tuple[dict, list[dict], list[dict]]


@dataclass(frozen=True)
class Job:
    path: str                               # where to read the file (never stored)
    report_id: str                          # the sha256 the scan found
    source_path: str                        # the name the warehouse gives it
    hide: tuple[tuple[str, str], ...] = ()  # (absolute prefix, what to write instead)
    size: int = 0                           # bytes, as scanned (batches are cut by size too)


def failed_report(source_path: str, report_id: str, size: int | None, error: str) -> dict:
    return {"report_id": report_id, "source_path": source_path, "bytes": size or 0, "status": "failed", "error": error,
            "format": Path(source_path).suffix.lower().lstrip(".") or None, "extractor_version": EXTRACTOR_VERSION}


def _scrub(rows: Iterable[dict], hide: tuple[tuple[str, str], ...]) -> None:
    if not hide:
        return
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and "/" in value:
                for prefix, instead in hide:
                    if prefix in value:
                        value = value.replace(prefix, instead)
                row[key] = value


def _read(job: Job, max_bytes: int | None) -> bytes | dict:
    try:
        with os.fdopen(open_regular(job.path), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            check_size(size, max_bytes)  # too large (or empty): refused before reading
            return handle.read()
    except ReadError as exc:
        return failed_report(job.source_path, job.report_id, size, str(exc))
    except OSError as exc:
        return failed_report(job.source_path, job.report_id, None, f"cannot read file: {exc.strerror or exc}")


def extract_one(job: Job, max_bytes: int | None = None) -> Result:
    """(report row, metric rows, issue rows) of one file; any failure becomes a failed report."""
    data = _read(job, max_bytes)
    if isinstance(data, dict):
        result: Result = (data, [], [])
    elif hashlib.sha256(data).hexdigest() != job.report_id:
        result = (failed_report(job.source_path, job.report_id, len(data), "file changed while being ingested; ingest again"), [], [])
    else:
        try:
            from pipeline.process import process_file  # imported here: a broken extractor fails files, not the run
            out = process_file(Path(job.path), data)          # (fresh rows, no one else holds them)
            report, metrics, issues = out.report, out.metrics, out.issues
            report.update(report_id=job.report_id, source_path=job.source_path, bytes=len(data), extractor_version=EXTRACTOR_VERSION)
            for row in (*metrics, *issues):
                row["report_id"] = job.report_id
            result = (report, metrics, issues)
        except Exception as exc:  # the extractor promises not to raise; a bug must not stop the run
            result = (failed_report(job.source_path, job.report_id, len(data), f"extractor crashed: {type(exc).__name__}: {exc}"), [], [])
    _scrub([result[0], *result[1], *result[2]], job.hide)
    return result
