"""`ogi report`: the SVG charts, the page built from a small hand-made warehouse, the command,
and a real render in headless Chromium (skipped when /usr/bin/chromium is absent)."""
from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipeline import charts, cli_report
from pipeline.report_html import write_report
from tests.test_views import build_warehouse, report, values

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def wh(tmp_path) -> Path:
    reps, metrics = [], []
    for year, received in ((2012, 5), (2013, 8), (2015, 9), (2019, 20), (2021, 40)):
        r = report(f"lt{year}", year, "吉林市龙潭区人民政府", "220203")
        reps.append(r)
        metrics += values(r, {"requests.received": received, "outcomes.total": received, "outcomes.granted": received - 2,
                              "outcomes.denied": 1, "reconsideration.total": 2, "reconsideration.corrected": 1})
    for year in (2014, 2017):
        r = report(f"hz{year}", year, "洪泽县人民政府" if year < 2016 else "淮安市洪泽区人民政府", "320813")
        reps.append(r)
        metrics += values(r, {"requests.received": 3, "outcomes.total": 3, "outcomes.granted": 3})
    dept = report("dept", 2020, "吉林市龙潭区<b>教育局</b>", "220203", level="department")
    failed = report("bad", 2016, "吉林市龙潭区人民政府", "220203", status="failed", error="unreadable", doc_type=None)
    issues = [{"report_id": reps[0]["report_id"], "check_id": "CHANNELS", "status": "failed", "attribution": "source",
               "severity": "warning", "message": "62 != 52"},
              {"report_id": reps[1]["report_id"], "check_id": "T3-FLOW", "status": "not_assessable",
               "attribution": "unknown", "severity": "warning", "message": "blank"}]
    return build_warehouse(tmp_path / "wh", [*reps, dept, failed], metrics, issues)


def test_line_chart_breaks_at_missing_years_and_never_draws_zero_for_them():
    svg = charts.line_chart({"requests": {2011: 4, 2012: 6, 2013: None, 2014: 5}}, [2011, 2012, 2013, 2014], "t")
    assert svg.count('class="point"') == 3                  # no point for the blank year
    solid = re.findall(r'<line class="line"[^>]*?/>', svg)
    assert len(solid) == 2 and sum("stroke-dasharray" in s for s in solid) == 1  # 2012→2014 dashed
    assert "requests 2014: 5" in svg and "<title>t</title>" in svg
    assert charts.nice_max(0) == 1 and charts.nice_max(7) == 10 and charts.nice_max(120) == 200


def test_bars_and_heatmap():
    bars = charts.stacked_bars([("fmt2021", {"granted": 3, "refused": 1})], ["granted", "refused"], "mix")
    assert "fmt2021 · granted: 3 (75.0%)" in bars and bars.count('class="segment"') == 2
    grid = charts.heatmap([("a", "甲"), ("b", "乙")], [2019, 2020], {("a", 2019): ("ok", "甲 2019"),
                          ("b", 2020): ("missing", "no report")}, {"ok": ("#0a0", "report"), "missing": ("#ddd", "gap")}, "cov")
    assert grid.count('class="cell"') == 2 and "甲 2019" in grid
    assert charts.hbars([("CHANNELS", {"source": 2})], ["source"], "q").count('class="bar"') == 1


def test_report_page(wh, tmp_path):
    out = write_report(wh, tmp_path / "r.html")
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 2 * 2 + 3                 # two trend cards × 2, mix, coverage, quality
    assert "龙潭区 (220203)" in page and "洪泽区 (320813)" in page
    assert "missing: 2014, 2017, 2018, 2020" in page         # 2016 has a report, although it failed
    assert "&lt;b&gt;教育局&lt;/b&gt;" in page and "<b>教育局" not in page
    assert "CHANNELS" in page and "Quality issues by check and attribution" in page
    assert not re.search(r'(?:src|href)\s*=\s*"(?:https?:)?//', page) and "<link" not in page and "@import" not in page


def test_command(wh, tmp_path, capsys):
    assert cli_report.main(["--warehouse", str(wh), "--out", str(tmp_path / "x.html")]) == 0
    assert "report written" in capsys.readouterr().out and (tmp_path / "x.html").is_file()
    assert cli_report.main(["--warehouse", str(wh)]) == 0 and (wh / "report.html").is_file()
    parser = argparse.ArgumentParser(prog="ogi")
    cli_report.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", "--warehouse", str(wh)])
    assert args.func is cli_report.cmd_report
    assert cli_report.main(["--warehouse", str(tmp_path / "none")]) == 1
    assert "no warehouse" in capsys.readouterr().err
    bare = tmp_path / "bare"
    bare.mkdir()
    duckdb.connect(str(bare / "ogi.duckdb")).close()
    assert cli_report.main(["--warehouse", str(bare)]) == 1
    assert "no longitudinal views" in capsys.readouterr().err


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chrome-profile'}",
           "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def test_renders_in_headless_chromium(wh, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("browser test needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk)")
    from selectolax.lexbor import LexborHTMLParser
    page = write_report(wh, tmp_path / "report.html")
    done = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    console = [ln for ln in done.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == []                                     # no script error, no console output at all
    dom = LexborHTMLParser(done.stdout)
    assert len(dom.css("svg.chart")) == 7
    assert len(dom.css("svg.chart circle.point")) > 10 and dom.css("rect.cell") and dom.css("rect.segment")
    assert [c.attributes.get("hidden") for c in dom.css(".card")] == [None, None]
    filtered = chromium(tmp_path, "--dump-dom", page.as_uri() + "#q=320813")   # the filter box, run by the page
    assert [c.css_first("h3").text() for c in LexborHTMLParser(filtered.stdout).css(".card:not([hidden])")] == [
        "洪泽区 (320813)"]
