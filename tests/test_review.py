"""Tests of the review page (pipeline/review.py): marks, overlaps, escaping, warehouse lookup,
and a real headless-Chromium render (skipped when /usr/bin/chromium is absent)."""
from __future__ import annotations

import hashlib
import html
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipeline.review import render_review, write_review

CHROMIUM = Path("/usr/bin/chromium")

TEXT = (
    "某某县人民政府2021年政府信息公开工作年度报告\n"
    "三、收到和处理政府信息公开申请情况\n"
    "本年新收政府信息公开申请 120 件。\n"
    "附注：<script>alert('x')</script> & 其他\n"
    "表格三：1203450\n"
    "四、政府信息公开行政复议、行政诉讼情况\n"
)


def span(needle: str, offset: int = 0, length: int | None = None) -> tuple[int, int]:
    start = TEXT.index(needle) + offset
    return start, start + (len(needle) - offset if length is None else length)


def metric(code, requester, start_end, value, method="table", raw=None):
    start, end = start_end if start_end else (None, None)
    return {"metric_code": code, "requester": requester, "period": "year", "value": value, "raw": raw,
            "qualifier": "exact", "method": method, "evidence": "表格三 <b>", "char_start": start, "char_end": end}


@pytest.fixture
def metrics() -> list[dict]:
    return [
        metric("applications.new", "total", span("120"), 120.0, method="prose", raw="120"),
        # the same span for another requester column: merged into the mark above
        metric("applications.new", "natural_person", span("120"), 120.0, raw="120"),
        # two overlapping cells inside one glued digit run "1203450": "1203" and "03450"
        metric("outcomes.granted", "total", span("1203450", 0, 4), 1203.0, raw="1203"),
        metric("outcomes.partly_granted", "total", span("1203450", 2, 5), 3450.0, raw="03450"),
        # derived: no offsets, listed only
        metric("outcomes.total_derived", "total", None, 4653.0, method="derived"),
    ]


REPORT = {"report_id": "ab" * 32, "title": "某某县 <script>报告</script>", "jurisdiction_name": "某某县",
          "adcode": "110101", "report_year": 2021, "era": "fmt2021", "doc_type": "annual_report",
          "status": "ok", "source_path": "/corpus/<x>.txt"}
ISSUES = [{"check_id": "sum.outcomes", "status": "failed", "attribution": "source",
           "message": "total <script> ≠ sum", "expected": "4653", "actual": "4600"}]


def marks(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<mark class="metric[^"]*"[^>]*data-code="([^"]*)"[^>]*>(.*?)</mark>', page)


def test_marks_overlaps_and_derived(metrics):
    page = render_review(TEXT, REPORT, metrics, ISSUES)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert marks(page) == [("applications.new", "120"), ("outcomes.granted outcomes.partly_granted", "1203450")]
    assert 'data-requester="natural_person total"' in page
    assert '<sup class="code">outcomes.granted outcomes.partly_granted</sup>' in page
    assert '<sup class="code">applications.new</sup>' in page
    assert 'title="outcomes.granted = 1203 [total/year]\noutcomes.partly_granted = 3450 [total/year]"' in page
    # derived metric: listed in the table, never marked
    assert "outcomes.total_derived" in page and "4653" in page
    assert "outcomes.total_derived" not in " ".join(code for code, _ in marks(page))
    assert page.count("<mark ") == 2
    # the text survives intact outside the marks (line breaks preserved, pre-wrap)
    stripped = re.sub(r"<sup class=\"code\">.*?</sup>", "", page.split('<pre class="text">')[1].split("</pre>")[0])
    assert html.unescape(re.sub(r"<[^>]+>", "", stripped)) == TEXT
    assert "white-space:pre-wrap" in page


def test_everything_is_escaped(metrics):
    page = render_review(TEXT, REPORT, metrics, ISSUES)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; 其他" in page
    assert "某某县 &lt;script&gt;报告&lt;/script&gt;" in page and "/corpus/&lt;x&gt;.txt" in page
    assert "total &lt;script&gt; ≠ sum" in page and "表格三 &lt;b&gt;" in page


def test_self_contained_and_metadata(metrics):
    page = render_review(TEXT, REPORT, metrics, ISSUES)
    assert not re.search(r"(src|href)=\"(https?:)?//", page) and "@import" not in page
    assert "Content-Security-Policy" in page
    for field in ("title", "jurisdiction_name", "adcode", "report_year", "era", "doc_type", "status", "source_path"):
        assert f"<dt>{field}</dt>" in page
    for col in ("check_id", "attribution", "expected", "actual", "qualifier", "evidence"):
        assert f"<th>{col}</th>" in page
    assert "fmt2021" in page and "110101" in page and "sum.outcomes" in page


def test_bad_offsets_and_determinism(metrics):
    bad = [metric("x.out_of_range", "total", (5, len(TEXT) + 10), 1.0), metric("x.empty", "total", (7, 7), 1.0)]
    page = render_review(TEXT, REPORT, metrics + bad, [])
    assert page.count("<mark ") == 2 and "x.out_of_range" in page and "No quality issues." in page
    assert render_review(TEXT, REPORT, list(reversed(metrics)), ISSUES) == render_review(TEXT, REPORT, metrics, ISSUES)
    assert "<mark" not in render_review(TEXT, REPORT, [], [])


def make_warehouse(tmp_path: Path, metrics: list[dict]) -> tuple[Path, Path, str]:
    source = tmp_path / "corpus" / "county-2021.txt"
    source.parent.mkdir()
    data = TEXT.encode("utf-8")
    source.write_bytes(data)
    from pipeline.read import read_document
    text = read_document(source, data).text
    shift = text.index("三、") - TEXT.index("三、")  # the reader may normalise the text a little
    report_id = hashlib.sha256(data).hexdigest()
    wh = tmp_path / "warehouse"
    wh.mkdir()
    con = duckdb.connect(str(wh / "ogi.duckdb"))
    con.execute("CREATE TABLE reports (report_id VARCHAR, source_path VARCHAR, title VARCHAR, jurisdiction_name VARCHAR,"
                " adcode VARCHAR, report_year BIGINT, era VARCHAR, doc_type VARCHAR, status VARCHAR, error VARCHAR)")
    con.execute("INSERT INTO reports VALUES (?, ?, '报告', '某某县', '110101', 2021, 'fmt2021', 'annual_report', 'ok', NULL)",
                [report_id, str(source)])
    con.execute("INSERT INTO reports VALUES (?, '/gone/other.txt', NULL, NULL, NULL, NULL, NULL, NULL, 'ok', NULL)",
                ["cd" * 32])
    con.execute("CREATE TABLE metrics (report_id VARCHAR, metric_code VARCHAR, requester VARCHAR, period VARCHAR,"
                " value DOUBLE, raw VARCHAR, qualifier VARCHAR, method VARCHAR, evidence VARCHAR,"
                " char_start BIGINT, char_end BIGINT)")
    for m in metrics:
        start = None if m["char_start"] is None else m["char_start"] + shift
        end = None if m["char_end"] is None else m["char_end"] + shift
        con.execute("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [report_id, *(m[k] for k in ("metric_code", "requester", "period", "value", "raw", "qualifier",
                                                 "method", "evidence")), start, end])
    con.execute("CREATE TABLE quality_issues (report_id VARCHAR, check_id VARCHAR, status VARCHAR, attribution VARCHAR,"
                " message VARCHAR, expected VARCHAR, actual VARCHAR)")
    con.execute("INSERT INTO quality_issues VALUES (?, 'sum.outcomes', 'failed', 'source', 'm', '1', '2')", [report_id])
    con.close()
    return wh, source, report_id


def test_write_review_from_warehouse(tmp_path, metrics):
    wh, source, report_id = make_warehouse(tmp_path, metrics)
    by_name = write_review(wh, "county-2021.txt", tmp_path / "out" / "a.html")
    by_id = write_review(wh, report_id[:10].upper(), tmp_path / "out")
    assert by_id == tmp_path / "out" / f"{report_id[:12]}.html"
    page = by_name.read_text(encoding="utf-8")
    assert page == by_id.read_text(encoding="utf-8")
    assert marks(page) == [("applications.new", "120"), ("outcomes.granted outcomes.partly_granted", "1203450")]
    assert "sum.outcomes" in page and "outcomes.total_derived" in page
    with pytest.raises(ValueError, match="not found"):
        write_review(wh, "nope.txt", tmp_path / "x.html")
    with pytest.raises(ValueError, match="gone"):
        write_review(wh, "other.txt", tmp_path / "x.html")
    source.write_text("changed", encoding="utf-8")
    with pytest.raises(ValueError, match="changed since ingest"):
        write_review(wh, report_id[:8], tmp_path / "x.html")
    source.unlink()
    with pytest.raises(ValueError, match="gone"):
        write_review(wh, report_id[:8], tmp_path / "x.html")
    with pytest.raises(ValueError, match="no warehouse"):
        write_review(tmp_path / "missing", report_id[:8], tmp_path / "x.html")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chrome-profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def test_renders_in_headless_chromium(tmp_path, metrics):
    if not CHROMIUM.exists():
        pytest.skip("browser test needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
    page = tmp_path / "review.html"
    page.write_text(render_review(TEXT, REPORT, metrics, ISSUES), encoding="utf-8")
    dumped = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    from selectolax.lexbor import LexborHTMLParser
    dom = LexborHTMLParser(dumped.stdout)
    found = [(m.attributes.get("data-code"), m.text()) for m in dom.css("mark.metric")]
    assert found == [("applications.new", "120"), ("outcomes.granted outcomes.partly_granted", "1203450")]
    assert [s.text() for s in dom.css("sup.code")] == ["applications.new", "outcomes.granted outcomes.partly_granted"]
    assert not dom.css("script")  # the report's '<script>' text stayed text
    assert "<script>alert('x')</script>" in dom.css_first("pre.text").text()
    shot = tmp_path / "review.png"
    shoot = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1400", "--hide-scrollbars", page.as_uri())
    assert shoot.returncode == 0, shoot.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 1000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
