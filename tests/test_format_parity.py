"""Same report, same numbers: one fmt2021 report as a web page (parity_2022.html, written for
these tests), and as the DOCX, PDF and Word 97 .doc LibreOffice makes of it, must give the same
metrics through `pipeline.process.process_file` — and exactly the values written in the report.

The DOCX/PDF/.doc are committed (regenerate with tests/fixtures/readers/make_fixtures.py), so
the comparison runs without LibreOffice; where it is installed, a fresh conversion is checked too.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import read_doc
from pipeline.model import ReadError
from pipeline.process import process_file
from pipeline.read import read_document
from tests.doc_helpers import FIXTURES, assert_offsets

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
FORMATS = ["html", "docx", "pdf",
           pytest.param("doc", marks=pytest.mark.skipif(not SOFFICE, reason="antiword drops this .doc's table 3: "
                                                                             "needs LibreOffice"))]
COLUMNS = ("natural_person", "commercial", "research", "public_interest", "legal_service", "other_org", "total")

# table 3 as written: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
TABLE3 = {
    "requests.received": (146, 12, 1, 2, 3, 4, 168),
    "requests.carried_in": (5, 1, 0, 0, 0, 0, 6),
    "outcomes.granted": (58, 4, 1, 0, 1, 1, 65),
    "outcomes.partial": (11, 2, 0, 0, 0, 0, 13),
    "outcomes.denied.state_secret": (1, 0, 0, 0, 0, 0, 1),
    "outcomes.denied.prohibited_by_law": (0, 0, 0, 0, 0, 0, 0),
    "outcomes.denied.security_stability": (2, 0, 0, 0, 0, 0, 2),
    "outcomes.denied.third_party": (3, 1, 0, 0, 0, 0, 4),
    "outcomes.denied.internal_affairs": (1, 0, 0, 0, 0, 0, 1),
    "outcomes.denied.process_info": (4, 0, 0, 0, 1, 0, 5),
    "outcomes.denied.enforcement_file": (2, 0, 0, 0, 0, 0, 2),
    "outcomes.denied.admin_query": (0, 0, 0, 0, 0, 0, 0),
    "outcomes.unable.not_held": (37, 3, 0, 1, 1, 2, 44),
    "outcomes.unable.needs_creation": (6, 0, 0, 0, 0, 0, 6),
    "outcomes.unable.unclear": (3, 0, 0, 0, 0, 0, 3),
    "outcomes.not_processed.petition": (9, 0, 0, 0, 0, 0, 9),
    "outcomes.not_processed.duplicate": (4, 1, 0, 0, 0, 0, 5),
    "outcomes.not_processed.publication": (1, 0, 0, 0, 0, 0, 1),
    "outcomes.not_processed.excessive": (0, 0, 0, 0, 0, 0, 0),
    "outcomes.not_processed.confirmation": (2, 0, 0, 0, 0, 0, 2),
    "outcomes.other.no_correction": (3, 0, 0, 0, 0, 0, 3),
    "outcomes.other.no_fee": (0, 0, 0, 0, 0, 0, 0),
    "outcomes.other.other": (1, 1, 0, 0, 0, 0, 2),
    "outcomes.total": (148, 12, 1, 1, 3, 3, 168),
    "requests.carried_out": (3, 1, 0, 1, 0, 1, 6),
}
# the group rows (三)(四)(五)(六) have no cells: their value is the sum of the sub-rows
GROUPS = {"outcomes.denied": (13, 1, 0, 0, 1, 0, 15), "outcomes.unable": (46, 3, 0, 1, 1, 2, 53),
          "outcomes.not_processed": (16, 1, 0, 0, 0, 0, 17), "outcomes.other": (4, 1, 0, 0, 0, 0, 5)}
SINGLE = {   # tables 2 and 4, and the numbers the prose states
    "rules.issued": 2, "rules.repealed": 1, "rules.in_force": 15,
    "normative_docs.issued": 12, "normative_docs.repealed": 3, "normative_docs.in_force": 86,
    "licensing.decisions": 4521, "penalty.decisions": 1307, "coercion.decisions": 56,
    "admin_fees.amount": 1_285_000,                       # 128.5 万元
    "reconsideration.upheld": 3, "reconsideration.corrected": 1, "reconsideration.other": 0,
    "reconsideration.pending": 1, "reconsideration.total": 5,
    "litigation.direct.upheld": 2, "litigation.direct.corrected": 0, "litigation.direct.other": 1,
    "litigation.direct.pending": 0, "litigation.direct.total": 3,
    "litigation.after_review.upheld": 1, "litigation.after_review.corrected": 0, "litigation.after_review.other": 0,
    "litigation.after_review.pending": 1, "litigation.after_review.total": 2,
    # derived: direct + after review
    "litigation.upheld": 3, "litigation.corrected": 0, "litigation.other": 1, "litigation.pending": 1,
    "litigation.total": 5,
    # prose: 主动公开政府信息3856条，发布政策解读42篇，召开新闻发布会14场 … 开展业务培训3期 … 未收取…信息处理费
    "proactive.via_website": 3856, "proactive.interpretations": 42, "proactive.press_conferences": 14,
    "capacity.trainings": 3, "fees.collected": 0,
}
REPORT = {"status": "ok", "doc_type": "annual_report", "era": "fmt2021", "report_year": 2022,
          "jurisdiction_name": "安吉县人民政府", "adcode": "330523", "admin_level": "county",
          "title": "安吉县人民政府2022年政府信息公开工作年度报告"}


def expected() -> dict[tuple[str, str, str], float]:
    out = {(code, "total", "year"): float(v) for code, v in SINGLE.items()}
    for code, values in {**TABLE3, **GROUPS}.items():
        assert sum(values[:6]) == values[6], code            # the report adds up
        out.update({(code, col, "year"): float(v) for col, v in zip(COLUMNS, values)})
    return out


def metrics(path: Path) -> dict[tuple[str, str, str], float | None]:
    result = process_file(path)
    assert result.report["status"] == "ok", result.report["error"]
    keyed = {(m["metric_code"], m["requester"], m["period"]): m["value"] for m in result.metrics}
    assert len(keyed) == len(result.metrics), "a metric key was emitted twice"
    return keyed


@pytest.fixture(scope="module")
def html_metrics() -> dict:
    return metrics(FIXTURES / "parity_2022.html")


def test_the_web_page_gives_exactly_the_values_written(html_metrics):
    want = expected()
    assert {k: v for k, v in html_metrics.items() if k not in want} == {}, "values the report does not state"
    assert {k: v for k, v in want.items() if html_metrics.get(k) != v} == {}, "values missed or misread"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_metrics(fmt, html_metrics):
    got = metrics(FIXTURES / f"parity_2022.{fmt}")
    missing = {k: v for k, v in html_metrics.items() if got.get(k, "absent") != v}
    extra = {k: v for k, v in got.items() if k not in html_metrics}
    assert (missing, extra) == ({}, {})


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_report_fields(fmt):
    report = process_file(FIXTURES / f"parity_2022.{fmt}").report
    assert {k: report[k] for k in REPORT} == REPORT
    assert report["format"] == fmt


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_every_format_lays_out_the_table_rows_alike(fmt):
    """The readers, not only the extractor, agree: table 3's rows read the same in every format."""
    doc = read_document(FIXTURES / f"parity_2022.{fmt}")
    assert_offsets(doc)
    assert [len(t.rows) for t in doc.tables] == [14, 28, 4]
    assert "三、本年度办理结果 | （一）予以公开 | 58 | 4 | 1 | 0 | 1 | 1 | 65\n" in doc.text
    assert "（六）其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 | 3 | 0 |" in doc.text
    assert "统计期限自2022年1月1日起至2022年12月31日止" in doc.text
    assert doc.text.startswith("安吉县人民政府2022年政府信息公开工作年度报告\n")


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword not installed")
def test_doc_that_antiword_cannot_render_fully_is_not_read_partially(monkeypatch):
    """antiword silently drops this .doc's table 3; without LibreOffice that is an error, not a
    report with half its numbers."""
    real = shutil.which
    monkeypatch.setattr(read_doc.shutil, "which", lambda name: None if name in ("soffice", "libreoffice") else real(name))
    with pytest.raises(ReadError, match=r"^cannot read legacy \.doc completely: antiword dropped \d+ of its \d+ numbers "
                                        r"\(a complex table\?\); install LibreOffice \(make system-deps\)$"):
        read_document(FIXTURES / "parity_2022.doc")
    text = read_doc.word97_text((FIXTURES / "parity_2022.doc").read_bytes())
    assert "一、本年新收政府信息公开申请数量\x07146\x0712\x071\x072\x073\x074\x07168\x07" in text


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice not installed (make system-deps)")
def test_fresh_libreoffice_conversions_give_the_same_metrics(tmp_path, html_metrics):
    from tests.fixtures.readers.make_fixtures import parity_documents

    for fmt, path in parity_documents(tmp_path).items():
        assert metrics(path) == html_metrics, fmt


def test_a_docx_without_a_title_property_gets_the_same_title(tmp_path):
    import docx

    document = docx.Document(str(FIXTURES / "parity_2022.docx"))
    document.core_properties.title = ""
    document.save(str(tmp_path / "untitled.docx"))
    assert read_document(tmp_path / "untitled.docx").meta == {}
    assert process_file(tmp_path / "untitled.docx").report["title"] == REPORT["title"]
