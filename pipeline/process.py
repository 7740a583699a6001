"""One file in, one FileResult out: read the file, extract its metadata and metrics, run the
report's own accounting checks. Never raises for a bad file: a failure becomes a `reports`
row with status 'failed' and an error a person understands.

Row shapes (dict keys = warehouse columns):
- report: report_id, source_path, bytes, format, encoding, status, error, doc_type, era,
  report_year, title, jurisdiction_name, admin_level, adcode, parent_adcode, province,
  publisher, published_on, index_no, extractor_version
- metric: report_id, metric_code, requester, period, value, raw, unit, qualifier, method,
  evidence, char_start, char_end, table_index, row_index, col_index
- issue: report_id, check_id, severity, status, message, metric_codes, expected, actual,
  attribution
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.extract import extract
from pipeline.model import FileResult, ReadError
from pipeline.read import read_document
from pipeline.version import EXTRACTOR_VERSION

REPORT_COLUMNS = (
    "report_id", "source_path", "bytes", "format", "encoding", "status", "error", "doc_type", "era",
    "report_year", "title", "jurisdiction_name", "admin_level", "adcode", "parent_adcode", "province",
    "publisher", "published_on", "index_no", "extractor_version",
)


def empty_report(path: Path, data: bytes) -> dict:
    row = dict.fromkeys(REPORT_COLUMNS)
    row.update(
        report_id=hashlib.sha256(data).hexdigest(), source_path=str(path), bytes=len(data),
        format=path.suffix.lower().lstrip(".") or "txt", status="ok", extractor_version=EXTRACTOR_VERSION,
    )
    return row


def _jurisdiction(title: str | None, doc) -> dict:
    from pipeline.jurisdiction import identify
    j = identify(title, doc.text, doc.meta)
    return {"jurisdiction_name": j.name, "admin_level": j.admin_level, "adcode": j.adcode,
            "parent_adcode": j.parent_adcode, "province": j.province}


def process_file(path: Path, data: bytes | None = None) -> FileResult:
    """Read, extract and check one file; a failure is a report row with status 'failed'."""
    path = Path(path)
    try:
        if data is None:
            data = path.read_bytes()
    except OSError as e:
        row = empty_report(path, b"")
        row.update(report_id=hashlib.sha256(str(path).encode()).hexdigest(), status="failed",
                   error=f"cannot read file: {e.strerror or e}")
        return FileResult(report=row)
    report = empty_report(path, data)
    try:
        doc = read_document(path, data)
    except ReadError as e:
        report.update(status="failed", error=str(e))
        return FileResult(report=report)
    report.update(format=doc.format, encoding=doc.encoding)
    try:
        fields, metrics, issues = extract(doc, report["report_id"])
        report.update(fields)
        report.update(_jurisdiction(fields.get("title"), doc))
    except Exception as e:  # a defect of ours on this file must not stop the run
        report.update(status="failed", error=f"extraction failed: {type(e).__name__}: {e}")
        return FileResult(report=report)
    return FileResult(report=report, metrics=metrics, issues=issues)
