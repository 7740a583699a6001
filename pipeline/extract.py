"""Extraction of one read document: metadata, table values, prose values, derived values and
the report's own quality checks, as warehouse rows.

Order of evidence: a table cell beats a prose sentence for the same metric (the prose often
covers a narrower scope); a stated value is never replaced by a derived one.
"""
from __future__ import annotations

import datetime as dt
import re
from operator import attrgetter

from pipeline import checks, crosscheck, metadata, prose
from pipeline.model import Document
from pipeline.numbers import Spans, find_numbers
from pipeline.rows import document_rows
from pipeline.settle import settle
from pipeline.table_walk import walk

_SNIPPET = 40
_START, _END = attrgetter("start"), attrgetter("end")


def _evidence(text: str, start: int | None, end: int | None) -> str | None:
    if start is None or end is None:
        return None
    a, b = max(0, start - _SNIPPET), min(len(text), end + _SNIPPET // 2)
    return " ".join(text[a:b].split())


_ODD_WS = re.compile(r"[^\S \n]")     # whitespace other than ' ' and '\n'


def _add_evidence(rows: list[dict], text: str, report_id: str) -> None:
    """`report_id` and `evidence` (`_evidence`) of every (table or prose) row. When the only whitespace of the
    text is ' ' and '\n', a snippet without two whitespace characters in a row is the window
    with '\n' read as ' ', stripped: no split and join needed."""
    flat = text.replace("\n", " ") if _ODD_WS.search(text) is None else None
    for v in rows:
        v["report_id"] = report_id
        start, end = v["char_start"], v["char_end"]
        if start is None or end is None:
            v["evidence"] = None
            continue
        a, b = (start - _SNIPPET if start > _SNIPPET else 0), end + _SNIPPET // 2
        if flat is not None and "  " not in (w := flat[a:b]):
            v["evidence"] = w.strip()
        else:
            v["evidence"] = " ".join(text[a:b].split())


def _skip_spans(doc: Document, rows) -> list[tuple[int, int]]:
    """The ranges prose is not read in: the tables a reader found, else the values of the rows
    found in running text. (The rows of a reader's tables lie inside those tables, and the
    numbers inside a table — each table a block of lines of its own — are read neither as prose
    nor for a percentage's counts, so their cells need not be listed.)"""
    spans = []
    for t in doc.tables:
        cells = [c for r in t.rows for c in r]
        if cells:
            spans.append((min(map(_START, cells)), max(map(_END, cells))))
    if not doc.tables:
        for r in rows:
            for tok in r.tokens:
                spans.append((tok.start, tok.end))
    return spans


def extract(doc: Document, report_id: str) -> tuple[dict, list[dict], list[dict]]:
    """(report fields, metric rows, quality issue rows) of one document."""
    text = doc.text
    titles = metadata.title_candidates(text, doc.meta)
    doc_type = metadata.doc_type(text, titles)
    year = metadata.report_year(text, titles, doc_type, dt.date.today().year)
    era = metadata.era(text, year)
    rows = document_rows(doc)
    table_values, pendings, issues = walk(text, rows)
    skip = Spans(_skip_spans(doc, rows))
    numbers = find_numbers(text, skip)
    prose_values = prose.extract(text, year, era, skip, numbers, outside=not skip.nested)
    settled, more = settle(pendings, table_values, prose_values)
    issues += more
    metrics: dict[tuple, dict] = {}
    for v in table_values + settled + prose_values:
        key = (v["metric_code"], v["requester"], v["period"])
        if (had := metrics.get(key)) is None or (had["value"] is None and v["value"] is not None):
            metrics[key] = v        # a blank cell gives way to a number stated elsewhere
    out = list(metrics.values())
    _add_evidence(out, text, report_id)
    fields = {"doc_type": doc_type, "report_year": year, "era": era,
              "title": next((t for t in titles if t), None), **metadata.stated_fields(text, doc.meta)}
    report = {"report_id": report_id, **fields}
    # `metrics` is `checks.index(out)` (every row has its requester and period) and stays so
    for d in checks.derive(report, out, ix=metrics):
        d["report_id"] = report_id
        key = (d["metric_code"], d["requester"], d["period"])
        if key not in metrics:
            metrics[key] = d
            out.append(d)
    for i in issues:
        i["report_id"] = report_id
    issues += checks.check_report(report, out, text, ix=metrics)
    issues += checks.check_percentages(report_id, crosscheck.percent_mentions(text, prose_values, numbers))
    issues += crosscheck.text_table(report_id, era, table_values + settled, prose_values)
    if year is None:
        issues.append({
            "report_id": report_id, "check_id": "YEAR-UNKNOWN", "severity": "warning", "status": "failed",
            "message": "the year the report covers is stated nowhere (title, statistics period, body)",
            "metric_codes": None, "expected": None, "actual": None, "attribution": "source",
        })
    return fields, out, issues
