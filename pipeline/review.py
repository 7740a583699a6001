"""The review view: one report as a self-contained HTML page for people auditing the data.

Role: `render_review(text, report, metrics, issues)` builds the page — the report's metadata,
its extracted metrics, its quality issues, and its full text with every extracted value
highlighted in place (`<mark class="metric" data-code=…>` plus a `<sup class="code">` label).
Overlapping spans (several cells inside one glued digit run, one span shared by several
requester columns) are merged into one mark whose data-* attributes list every code, space
separated, in (char_start, metric_code, requester, period) order, so the output is
deterministic. Metrics without usable offsets (method 'derived') are listed, never marked.
`write_review(warehouse_dir, report, out)` reads one report from `ogi.duckdb` (read only),
re-reads its source file with `pipeline.read.read_document` and writes the page. Everything
is escaped, and the page loads nothing from outside (inline CSS, a CSP that forbids the rest).
"""
from __future__ import annotations

import hashlib
import os
import html
import sys
from pathlib import Path

REPORT_FIELDS = ("title", "jurisdiction_name", "adcode", "report_year", "era", "doc_type", "status", "source_path")
METRIC_COLUMNS = ("metric_code", "requester", "period", "value", "raw", "qualifier", "method", "evidence")
ISSUE_COLUMNS = ("check_id", "status", "attribution", "message", "expected", "actual")

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 margin:1.5em auto;max-width:80em;padding:0 1em;color:#222;background:#fff;line-height:1.5}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;border-bottom:1px solid #ccc;margin-top:1.6em}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.5em 0}
dl.meta dt{font-weight:bold;color:#555}dl.meta dd{margin:0;word-break:break-all}
table{border-collapse:collapse;font-size:.85em;width:100%}
th,td{border:1px solid #ccc;padding:.2em .4em;vertical-align:top;text-align:left}
th{background:#f0f0f0;position:sticky;top:0}td.num{text-align:right;white-space:nowrap}
tr.unmarked td{background:#fafafa;color:#666}td.ev{max-width:30em;word-break:break-all}
.status-failed{color:#b00;font-weight:bold}.status-ok{color:#070;font-weight:bold}
pre.text{white-space:pre-wrap;word-break:break-all;font-family:inherit;font-size:.95em;
 border:1px solid #ddd;padding:1em;background:#fcfcf8}
mark.metric{background:#ffe066;padding:0 1px;border-radius:2px}
mark.metric.multi{background:#ffb3b3}
sup.code{font-size:.65em;color:#0645ad;margin:0 2px;font-family:monospace;white-space:nowrap}
.none{color:#888;font-style:italic}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(value) -> str:
    """Escaped text for any cell value; None becomes the empty string."""
    return "" if value is None else html.escape(_fmt(value), quote=True)


def _fmt(value) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _offsets(metric: dict, n: int) -> tuple[int, int] | None:
    """(start, end) if the metric has a non-empty span inside a text of length n."""
    start, end = metric.get("char_start"), metric.get("char_end")
    if start is None or end is None:
        return None
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        return None
    return (start, end) if 0 <= start < end <= n else None


def _sort_key(metric: dict):
    return (str(metric.get("metric_code") or ""), str(metric.get("requester") or ""), str(metric.get("period") or ""))


def _spans(text: str, metrics: list[dict]) -> list[tuple[int, int, list[dict]]]:
    """Merged highlight spans: (start, end, metrics), overlapping spans joined, in text order."""
    located = sorted(((*_offsets(m, len(text)), m) for m in metrics if _offsets(m, len(text))),
                     key=lambda t: (t[0], t[1], _sort_key(t[2])))
    merged: list[tuple[int, int, list[dict]]] = []
    for start, end, metric in located:
        if merged and start < merged[-1][1]:
            s, e, group = merged[-1]
            merged[-1] = (s, max(e, end), group + [metric])
        else:
            merged.append((start, end, [metric]))
    return merged


def _unique(values) -> str:
    return " ".join(dict.fromkeys(_fmt(v) for v in values if v is not None))


def _mark(text: str, start: int, end: int, group: list[dict], number: int) -> str:
    codes = _unique(m.get("metric_code") for m in group)
    tip = "\n".join(f"{m.get('metric_code')} = {_fmt(m.get('value'))}"
                    + (f" [{m.get('requester')}/{m.get('period')}]" if len(group) > 1 else "") for m in group)
    attrs = {
        "class": "metric multi" if len(group) > 1 else "metric",
        "id": f"m{number}",
        "data-code": codes,
        "data-requester": _unique(m.get("requester") for m in group),
        "data-period": _unique(m.get("period") for m in group),
        "title": tip,
    }
    rendered = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
    return f"<mark {rendered}>{html.escape(text[start:end])}</mark><sup class=\"code\">{html.escape(codes)}</sup>"


def _highlighted(text: str, spans) -> str:
    parts, pos = [], 0
    for number, (start, end, group) in enumerate(spans, 1):
        parts.append(html.escape(text[pos:start]))
        parts.append(_mark(text, start, end, group, number))
        pos = end
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


def _table(columns, rows: list[list[str]], row_classes: list[str], empty: str) -> str:
    if not rows:
        return f'<p class="none">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(f'<tr class="{cls}">' + "".join(cells) + "</tr>" for cells, cls in zip(rows, row_classes))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_review(text: str, report: dict, metrics: list[dict], issues: list[dict]) -> str:
    """The complete, self-contained HTML review page of one report."""
    spans = _spans(text, metrics)
    anchor = {id(m): f"m{n}" for n, (_, _, group) in enumerate(spans, 1) for m in group}
    title = report.get("title") or report.get("source_path") or report.get("report_id") or "report"
    meta = "".join(f"<dt>{f}</dt><dd class=\"{'status-' + _e(report.get(f)) if f == 'status' else ''}\">"
                   f"{_e(report.get(f))}</dd>" for f in ("report_id", *REPORT_FIELDS, "error")
                   if f in REPORT_FIELDS or report.get(f) is not None)
    ordered = sorted(metrics, key=lambda m: (id(m) not in anchor, _offsets(m, len(text)) or (0, 0), _sort_key(m)))
    metric_rows, metric_classes = [], []
    for m in ordered:
        cells = []
        for col in METRIC_COLUMNS:
            cls = ' class="num"' if col == "value" else ' class="ev"' if col == "evidence" else ""
            cell = _e(m.get(col))
            if col == "metric_code" and id(m) in anchor:
                cell = f'<a href="#{anchor[id(m)]}">{cell}</a>'
            cells.append(f"<td{cls}>{cell}</td>")
        metric_rows.append(cells)
        metric_classes.append("marked" if id(m) in anchor else "unmarked")
    issue_rows = [[f"<td>{_e(i.get(c))}</td>" for c in ISSUE_COLUMNS] for i in issues]
    marked = sum(1 for m in metrics if id(m) in anchor)
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Review: {_e(title)}</title><style>{CSS}</style></head><body>\n",
        f"<header><h1>{_e(title)}</h1><dl class=\"meta\">{meta}</dl></header>\n",
        f"<section id=\"metrics\"><h2>Metrics ({len(metrics)}; {marked} marked in the text)</h2>",
        _table(METRIC_COLUMNS, metric_rows, metric_classes, "No metrics extracted."), "</section>\n",
        f"<section id=\"issues\"><h2>Quality issues ({len(issues)})</h2>",
        _table(ISSUE_COLUMNS, issue_rows, ["issue"] * len(issue_rows), "No quality issues."), "</section>\n",
        f"<section id=\"text\"><h2>Text ({len(text)} characters)</h2>",
        f"<pre class=\"text\">{_highlighted(text, spans)}</pre></section>\n</body></html>\n",
    ])


def _rows(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _find_report(con, key: str) -> dict:
    """The one report whose source_path (or its basename) is `key`, else whose report_id starts with it."""
    key = key.strip()
    name = Path(key).name
    rows = [r for r in _rows(con, "SELECT * FROM reports ORDER BY report_id", [])
            if key and (r["source_path"] == key or Path(r["source_path"] or "").name == name)]
    if not rows and key:
        rows = _rows(con, "SELECT * FROM reports WHERE starts_with(report_id, lower(?)) ORDER BY report_id", [key])
    if not rows:
        raise ValueError(f"report not found: {key!r} matches no report_id prefix and no source_path basename")
    if len(rows) > 1:
        found = ", ".join(f"{r['report_id'][:12]} ({r['source_path']})" for r in rows[:5])
        raise ValueError(f"ambiguous report {key!r}: {len(rows)} reports match: {found}")
    return rows[0]


RAW_ROOTS = [str(Path(__file__).resolve().parents[1] / "data" / "raw"), "data/raw", "."]


def _source_bytes(con, report: dict) -> tuple[Path, bytes]:
    """The report's bytes from its source_path or any other path it was found under."""
    paths = [report["source_path"]]
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'report_sources'").fetchone()[0]:
        paths += [r["source_path"] for r in _rows(
            con, "SELECT source_path FROM report_sources WHERE report_id = ? ORDER BY 1", [report["report_id"]])]
    from pipeline.scan import locate    # source paths are stored relative to the raw folder given

    raw = [r for r in os.environ.get("OGI_RAW_PATHS", "").split(os.pathsep) if r] + RAW_ROOTS
    changed = []
    candidates = [c for p in dict.fromkeys(p for p in paths if p) for c in (locate(p, raw) or [Path(p)])]
    for path in dict.fromkeys(candidates):
        p = str(path)
        if path.is_file():
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() == report["report_id"]:
                return path, data
            changed.append(p)
    if changed:
        raise ValueError(f"source file changed since ingest (its offsets would be wrong): {', '.join(changed)}")
    raise ValueError(f"source file of report {report['report_id'][:12]} is gone: {', '.join(dict.fromkeys(paths))}")


def write_review(warehouse_dir: Path, report_id_or_path: str, out: Path) -> Path:
    """Write the review page of one report (by report_id prefix or source_path basename) to `out`.

    `out` is the HTML file to write, or an existing directory to write `<report_id[:12]>.html` in.
    """
    import duckdb

    db = Path(warehouse_dir) / "ogi.duckdb"
    if not db.is_file():
        raise ValueError(f"no warehouse database at {db}")
    with duckdb.connect(str(db), read_only=True) as con:
        report = _find_report(con, report_id_or_path)
        path, data = _source_bytes(con, report)
        metrics = _rows(con, "SELECT * FROM metrics WHERE report_id = ? ORDER BY metric_code, requester, period",
                        [report["report_id"]])
        issues = _rows(con, "SELECT * FROM quality_issues WHERE report_id = ? ORDER BY check_id, message",
                       [report["report_id"]])
    from pipeline.model import ReadError
    from pipeline.read import read_document
    try:
        doc = read_document(path, data)
    except ReadError as exc:
        raise ValueError(f"cannot re-read {path}: {exc}") from exc
    out = Path(out)
    if out.is_dir():
        out = out / f"{report['report_id'][:12]}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_review(doc.text, report, metrics, issues), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.review WAREHOUSE_DIR REPORT OUT.html`"""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m pipeline.review WAREHOUSE_DIR REPORT_ID_PREFIX|BASENAME OUT.html", file=sys.stderr)
        return 2
    try:
        print(write_review(Path(args[0]), args[1], Path(args[2])))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
