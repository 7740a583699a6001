"""`ogi report`: one static HTML page about the warehouse that works offline — trends per
jurisdiction, the outcome mix by era, a coverage heatmap and a quality summary — read from the
longitudinal views (`pipeline/views.sql`) and drawn as inline SVG (`pipeline.charts`). Nothing
is fetched: styles, charts and the one small script (a filter box) are in the file.
"""
from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from pipeline import charts
from pipeline import warehouse

MAX_TRENDS = 30        # jurisdictions drawn in "Trends" (most years first)
MAX_HEATMAP_ROWS = 150
COUNT_SERIES = {"requests_received": "requests", "granted": "granted", "partially_granted": "partly granted",
                "refused": "refused", "unable_to_provide": "unable to provide"}
RATE_SERIES = {"grant_rate": "grant rate", "refusal_rate": "refusal rate",
               "review_correction_rate": "reviews corrected", "lawsuit_correction_rate": "lawsuits corrected"}
MIX = {"granted": "granted", "partially_granted": "partly granted", "refused": "refused",
       "unable_to_provide": "unable to provide", "not_processed_or_other": "not processed / other"}
ERAS = ("pre2014", "stat2014", "fmt2019", "fmt2021")
STATES = {"ok": ("#009E73", "annual report"), "other": ("#56B4E9", "other document only"),
          "failed": ("#D55E00", "report failed to extract"), "missing": ("#dddddd", "no report (gap)")}
ATTRIBUTIONS = ["source", "extraction", "unknown"]

CSS = """
body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:0 auto;max-width:1180px;padding:0 20px 40px;color:#222}
h1{font-size:22px;margin:20px 0 4px} h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
nav a{margin-right:14px} .meta{color:#666;font-size:13px} .note{color:#555;font-size:13px;max-width:900px}
.stats{display:flex;gap:24px;flex-wrap:wrap;margin:12px 0} .stat b{display:block;font-size:20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(470px,1fr));gap:14px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 10px} .card h3{font-size:14px;margin:2px 0 4px}
.card p{font-size:12px;color:#555;margin:2px 0} .scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:12px} td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f6f6} td.n{text-align:right} #filter{font-size:14px;padding:4px 8px;width:260px;margin:4px 0 10px}
"""
SCRIPT = """(function () {
  'use strict';
  var box = document.getElementById('filter');
  if (!box) { return; }
  function apply() {
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll('.card').forEach(function (card) {
      card.hidden = q !== '' && card.getAttribute('data-search').indexOf(q) < 0;
    });
  }
  box.addEventListener('input', apply);
  var m = /[#&]q=([^&]*)/.exec(window.location.hash);  // report.html#q=洪泽 opens filtered
  if (m) { box.value = decodeURIComponent(m[1]); apply(); }
})();"""


def _dicts(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def gather(root: Path | str) -> dict:
    """Everything the page shows, read from the warehouse (read-only)."""
    with warehouse.connect_read_only(root) as con:
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        if not {"panel", "coverage", "rates"} <= views:
            raise ValueError(f"the warehouse at {root} has no longitudinal views: rebuild it with `ogi ingest`")
        return {
            "summary": _dicts(con, """SELECT (SELECT count(*) FROM reports) AS reports,
                (SELECT count(*) FROM reports WHERE status = 'failed') AS failed,
                (SELECT count(*) FROM metrics) AS metric_values,
                (SELECT count(DISTINCT jurisdiction_id) FROM panel) AS jurisdictions,
                (SELECT min(year) FROM panel) AS first_year, (SELECT max(year) FROM panel) AS last_year,
                (SELECT count(*) FROM panel) AS panel_rows, (SELECT count(*) FROM quality_issues) AS issues""")[0],
            "panel": _dicts(con, """SELECT p.*, r.grant_rate, r.refusal_rate, r.review_correction_rate,
                r.lawsuit_correction_rate FROM panel p JOIN rates r USING (jurisdiction_id, year)
                ORDER BY jurisdiction_id, year"""),
            "coverage": _dicts(con, """SELECT c.*, s.years_missing, s.missing_years FROM coverage c
                JOIN coverage_summary s USING (jurisdiction_id) ORDER BY jurisdiction_id, year"""),
            "issues": _dicts(con, """SELECT check_id, attribution, status, count(*) AS n FROM quality_issues
                GROUP BY ALL ORDER BY check_id"""),
            "caveats": _dicts(con, "SELECT series, basis, caveat FROM series_caveats ORDER BY series, basis"),
        }


def _label(row: dict) -> str:
    return f"{row.get('name') or row['jurisdiction_id']} ({row['jurisdiction_id']})"


def _short(row: dict, n: int = 16) -> str:
    name = row.get("name") or row["jurisdiction_id"]
    return (name if len(name) <= n else name[:n - 1] + "…") + f" {row.get('adcode') or ''}".rstrip()


def _single_year_table(rows: list[dict]) -> str:
    if not rows:
        return ""
    keys = [*COUNT_SERIES, *RATE_SERIES]
    head = "".join(f"<th>{escape({**COUNT_SERIES, **RATE_SERIES}[k])}</th>" for k in keys)
    body = "".join(
        f"<tr><td>{escape(_label(r))}</td><td>{r['year']}</td>"
        + "".join(f"<td class=n>{charts.fmt(r[k], k in RATE_SERIES)}</td>" for k in keys) + "</tr>" for r in rows)
    return (f'<h3>Jurisdictions with one report year</h3><div class="scroll"><table><tr><th>jurisdiction</th>'
            f'<th>year</th>{head}</tr>{body}</table></div>')


def trends_section(panel: list[dict], coverage: list[dict]) -> str:
    by_j: dict[str, list[dict]] = {}
    for row in panel:
        by_j.setdefault(row["jurisdiction_id"], []).append(row)
    missing = {r["jurisdiction_id"]: r["missing_years"] or [] for r in coverage}
    order = sorted((j for j in by_j if len(by_j[j]) > 1), key=lambda j: (-len(by_j[j]), j))
    single = [by_j[j][0] for j in sorted(by_j) if len(by_j[j]) == 1]
    cards = []
    for jid in order[:MAX_TRENDS]:
        rows = by_j[jid]
        years = list(range(rows[0]["year"], rows[-1]["year"] + 1))
        counts = {label: {r["year"]: r[key] for r in rows} for key, label in COUNT_SERIES.items()}
        rates = {label: {r["year"]: r[key] for r in rows} for key, label in RATE_SERIES.items()}
        gaps = ", ".join(map(str, missing.get(jid, []))) or "none"
        cards.append(
            f'<div class="card" data-search="{escape((_label(rows[0]) + " " + (rows[0].get("province") or "")).lower())}">'
            f'<h3>{escape(_label(rows[0]))}</h3>'
            f'<p>{escape(rows[0].get("admin_level") or "")} · {escape(rows[0].get("province") or "")} · '
            f'{len(rows)} report years {years[0]}–{years[-1]} · missing: {escape(gaps)}</p>'
            f'{charts.line_chart(counts, years, "Requests and replies (count)")}'
            f'{charts.line_chart(rates, years, "Rates", percent=True)}</div>')
    more = f'<p class="note">{len(order) - MAX_TRENDS} more jurisdictions are in the panel view.</p>' if len(order) > MAX_TRENDS else ""
    return (f'<input id="filter" type="search" placeholder="filter by name, code or province" aria-label="filter">'
            f'<div class="cards">{"".join(cards) or "<p>No jurisdiction has reports for two years or more.</p>"}</div>'
            f'{more}{_single_year_table(single)}')


def mix_section(panel: list[dict]) -> str:
    rows, table = [], []
    for era in ERAS:
        sel = [r for r in panel if r["era"] == era]
        parts = {label: sum(r[k] or 0 for r in sel) for k, label in MIX.items()}
        rows.append((f"{era} ({len(sel)})", parts))
        table.append(f"<tr><td>{era}</td><td class=n>{len(sel)}</td>" +
                     "".join(f"<td class=n>{charts.fmt(v)}</td>" for v in parts.values()) + "</tr>")
    head = "".join(f"<th>{escape(v)}</th>" for v in MIX.values())
    return (charts.stacked_bars(rows, list(MIX.values()), "Share of replies by outcome, per era (jurisdiction-years)")
            + f'<table><tr><th>era</th><th>jurisdiction-years</th>{head}</tr>{"".join(table)}</table>')


def coverage_section(coverage: list[dict]) -> str:
    if not coverage:
        return "<p>No reports with a jurisdiction and a year.</p>"
    spans: dict[str, dict] = {}
    for r in coverage:
        spans.setdefault(r["jurisdiction_id"], r)
    keys = sorted(spans, key=lambda j: (-(spans[j]["last_year"] - spans[j]["first_year"]), j))[:MAX_HEATMAP_ROWS]
    years = list(range(min(r["year"] for r in coverage), max(r["year"] for r in coverage) + 1))
    cells = {}
    for r in coverage:
        state = ("missing" if r["missing"] else "failed" if r["status"] == "failed"
                 else "ok" if r["doc_type"] == "annual_report" else "other")
        tip = f"{r.get('name') or r['jurisdiction_id']} {r['year']}: " + (
            "no report" if r["missing"] else f"{r['n_reports']} report(s), chosen {r['report_id'][:12]} "
                                             f"({r['doc_type']}, {r['era']}, {r['n_values']} values)")
        cells[(r["jurisdiction_id"], r["year"])] = (state, tip)
    rows = [(k, _short(spans[k])) for k in keys]
    note = f'<p class="note">First {MAX_HEATMAP_ROWS} of {len(spans)} jurisdictions.</p>' if len(spans) > MAX_HEATMAP_ROWS else ""
    return f'<div class="scroll">{charts.heatmap(rows, years, cells, STATES, "Reports per jurisdiction and year")}</div>{note}'


def quality_section(issues: list[dict]) -> str:
    if not issues:
        return "<p>No quality issues recorded.</p>"
    by_check: dict[str, dict[str, float]] = {}
    for r in issues:
        by_check.setdefault(r["check_id"], {}).setdefault(r["attribution"], 0)
        by_check[r["check_id"]][r["attribution"]] += r["n"]
    items = sorted(by_check.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    rows = "".join(f"<tr><td>{escape(r['check_id'])}</td><td>{escape(r['status'])}</td><td>{escape(r['attribution'])}</td>"
                   f"<td class=n>{r['n']}</td></tr>" for r in issues)
    return (charts.hbars(items, ATTRIBUTIONS, "Quality issues by check and attribution")
            + f"<table><tr><th>check</th><th>status</th><th>attribution</th><th>issues</th></tr>{rows}</table>")


def render(data: dict, root: str = "") -> str:
    s = data["summary"]
    stats = "".join(f'<div class="stat"><b>{escape(str(v if v is not None else "—"))}</b>{escape(k)}</div>' for k, v in (
        ("reports", s["reports"]), ("failed", s["failed"]), ("metric values", s["metric_values"]),
        ("jurisdictions", s["jurisdictions"]), ("jurisdiction-years", s["panel_rows"]),
        ("years", f"{s['first_year']}–{s['last_year']}" if s["first_year"] else None), ("quality issues", s["issues"])))
    caveats = "".join(f"<tr><td>{escape(r['series'])}</td><td>{escape(r['basis'])}</td><td>{escape(r['caveat'])}</td></tr>"
                      for r in data["caveats"])
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>OGI warehouse: longitudinal report</title><style>{CSS}</style></head><body>
<h1>OGI annual reports: longitudinal report</h1>
<p class="meta">政府信息公开工作年度报告 · warehouse {escape(str(root))} · generated {now}</p>
<nav><a href="#trends">Trends</a><a href="#mix">Outcome mix</a><a href="#coverage">Coverage</a><a href="#quality">Quality</a><a href="#definitions">Definitions</a></nav>
<div class="stats">{stats}</div>
<p class="note">Values are the harmonized series of the <code>panel</code> view: one report per jurisdiction and year,
requester total, period year. The series change meaning at the 2019 format change (shaded bands mark the eras);
see Definitions. A year without a report is a gap in the line, not a zero.</p>
<h2 id="trends">Trends per jurisdiction</h2>{trends_section(data["panel"], data["coverage"])}
<h2 id="mix">Outcome mix by era</h2>{mix_section(data["panel"])}
<h2 id="coverage">Coverage</h2>{coverage_section(data["coverage"])}
<h2 id="quality">Quality summary</h2>{quality_section(data["issues"])}
<h2 id="definitions">Definitions: what each series means in each era</h2>
<table><tr><th>series</th><th>era / layout</th><th>caveat</th></tr>{caveats}</table>
<script>{SCRIPT}</script>
</body></html>
"""


def write_report(root: Path | str, out: Path | str | None = None) -> Path:
    """Write the report of the warehouse at `root` to `out` (default: root/report.html)."""
    root = Path(root)
    out = Path(out) if out else root / "report.html"
    html = render(gather(root), str(root))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out
