"""Plain data types passed between the pipeline stages.

A reader turns a raw file into a `Document`: the report's extracted text (every offset in
the warehouse points into it), the tables it found as cell grids (spans expanded, each cell
with its offsets into `text`) and the metadata a page or dump header states. The extractor
turns a Document into a `FileResult`: one `reports` row, `metrics` rows and
`quality_issues` rows, as plain dicts whose keys are the warehouse columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class ReadError(Exception):
    """A file that cannot be read as a report; the message is shown to users as is."""


@dataclass
class TableCell:
    text: str          # the cell's text as extracted (whitespace-normalised)
    start: int         # offset of the cell text in Document.text
    end: int


@dataclass
class Table:
    index: int                             # 0-based order of the table in the document
    rows: list[list[TableCell]]            # grid; a row/colspan repeats the same cell


@dataclass
class Document:
    text: str                              # the report's extracted text
    format: str                            # txt, html, pdf, docx, doc, md
    encoding: str | None = None            # for text formats: the decoded charset
    tables: list[Table] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)  # title, published_on, publisher, url, index_no


@dataclass
class FileResult:
    report: dict
    metrics: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
