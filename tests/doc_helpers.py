"""Helpers shared by the reader tests: the offsets invariant and the fixture folders."""
from __future__ import annotations

from pathlib import Path

from pipeline.model import Document

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
CORPUS_DEV = Path(__file__).parent / "fixtures" / "corpus" / "dev"   # real reports (h01.html, 002.pdf)


def fixture(name: str) -> Path:
    """A reader fixture made for the tests, or a real report of the dev corpus."""
    made = FIXTURES / name
    return made if made.exists() else CORPUS_DEV / name


def assert_offsets(doc: Document) -> None:
    """Every table cell's text stands at its offsets in the document text."""
    for table in doc.tables:
        for row in table.rows:
            for cell in row:
                assert doc.text[cell.start:cell.end] == cell.text


def texts(row) -> list[str]:
    return [c.text for c in row]
