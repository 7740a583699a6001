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

from pipeline.model import FileResult
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


def process_file(path: Path, data: bytes | None = None) -> FileResult:
    """STUB (being replaced by the real extractor): reads nothing, extracts nothing."""
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    return FileResult(report=empty_report(path, data))
