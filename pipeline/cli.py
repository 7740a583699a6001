"""The `ogi` command line.

  ogi ingest [PATH ...] [--warehouse DIR] [--full] [--no-wait]
      run the Dagster job `ogi_ingest` over every shard in-process (the asset graph the UI
      shows), recorded in the persistent instance at $DAGSTER_HOME (default
      data/dagster_home); print a summary. Another writer on the warehouse is waited for,
      or with --no-wait the command stops at once with exit status 3
  ogi query "SQL" [--warehouse DIR] [--format table|csv|json]
      read-only SQL over the warehouse's DuckDB database
  ogi review REPORT [--out PATH] [--warehouse DIR]
      an HTML page of one report's text with every extracted value highlighted
  ogi issues [--report ID] [--check ID] [--warehouse DIR]
      the quality issues, by report
  ogi report [--warehouse DIR] [--out FILE]      offline HTML report (pipeline/cli_report.py)
  ogi synth --count N --out DIR [...]             synthetic reports with their truth (pipeline/cli_synth.py)
  ogi fetch [--source NAME] [--sources FILE] [--index URL] [--raw DIR]
      fetch reports from the web into a raw store (pipeline/cli_fetch.py)

Relative paths are taken from the current directory; the defaults (the bundled samples,
data/warehouse) from the project. This is the only pipeline module that imports Dagster,
and only when ingesting.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import unicodedata
from pathlib import Path

from pipeline import warehouse

DAGSTER_HOME = warehouse.PROJECT_ROOT / "data" / "dagster_home"
# the instance `ogi ingest` creates: no telemetry; one op of the pool `duckdb_writer` (the only
# pool) at a time across all runs
DAGSTER_YAML = "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\nrun_monitoring:\n  enabled: true\n"
BUSY = 3  # exit status when the warehouse is being written and --no-wait was given
SUMMARY_SQL = {
    "reports by status": "SELECT status, count(*) FROM reports GROUP BY ALL ORDER BY 1",
    "reports by era": "SELECT coalesce(era, '(unknown)'), count(*) FROM reports WHERE status = 'ok' GROUP BY ALL ORDER BY 1",
    "metrics": "SELECT 'values', count(*) FROM metrics UNION ALL SELECT 'reports with values', count(DISTINCT report_id) FROM metrics",
    "quality issues": "SELECT check_id, count(*) FROM quality_issues GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT 8",
}


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME (default data/dagster_home), created with a dagster.yaml if missing."""
    home = Path(os.environ.get("DAGSTER_HOME") or DAGSTER_HOME).absolute()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() == "telemetry:\n  enabled: false\n":  # ours, from before pools
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run_ingest(paths: list[Path], root: Path, full: bool = False, wait: bool = True) -> tuple[bool, dict]:
    """Execute the `ogi_ingest` job over every shard in-process; (success, stats of the extraction
    step). The Dagster side lives in assets/run.py, imported only here: the other commands never
    load Dagster."""
    from assets.run import run_ingest as run

    return run(paths, root, full, wait)


def summary(root: Path, stats: dict, seconds: float) -> str:
    with warehouse.connect_read_only(root) as con:   # one connection for every count
        return _summary(root, stats, seconds, lambda sql: con.execute(sql).fetchall())


def _summary(root: Path, stats: dict, seconds: float, q) -> str:
    lines = [f"files: {stats.get('files', '?')} ({stats.get('distinct_contents', '?')} distinct contents); "
             f"extracted {stats.get('extracted', '?')}, reused {stats.get('reused', '?')} in {seconds:.1f}s"]
    for label, sql in SUMMARY_SQL.items():
        lines.append(f"{label}: " + (", ".join(f"{k} {n}" for k, n in q(sql)) or "none"))
    failures = q("SELECT source_path, error FROM reports WHERE status = 'failed' ORDER BY 1")
    lines.append(f"failures: {len(failures)}")
    if failures and not q("SELECT count(*) FROM reports WHERE status = 'ok'")[0][0]:
        lines.append("  warning: no file could be extracted; is the extractor working?")
    lines += [f"  {Path(p).name}: {(e or '')[:100]}" for p, e in failures[:8]]
    if len(failures) > 8:
        lines.append(f"  … {len(failures) - 8} more: ogi query \"SELECT source_path, error FROM reports WHERE status = 'failed'\"")
    gone = q("SELECT count(*) FROM reports WHERE source_missing")[0][0]
    if gone:
        lines.append(f"kept, source files gone: {gone} reports (reports.source_missing, report_sources.missing_since)")
    rejected = q("SELECT count(*) FROM rejects")[0][0]
    if rejected or stats.get("failed_checks"):
        lines.append(f"contract: {rejected} rows moved to rejects; failed checks: {', '.join(stats['failed_checks']) or 'none'}")
    lines.append(f"warehouse: {root} (ogi.duckdb + parquet/)")
    return "\n".join(lines)


def cmd_ingest(args: argparse.Namespace) -> int:
    paths = [Path(p).absolute() for p in (args.paths or [warehouse.DEFAULT_RAW])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"ogi ingest: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    root = Path(args.warehouse or warehouse.DEFAULT_WAREHOUSE).absolute()
    started = time.monotonic()
    ensure_dagster_home()
    print(f"ingesting {', '.join(map(str, paths))} into {root}", file=sys.stderr)
    try:
        ok, stats = run_ingest(paths, root, args.full, wait=not args.no_wait)
    except Exception as exc:  # the run itself could not complete (e.g. the warehouse is not writable)
        print(f"ogi ingest: the run could not complete: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if not ok:
        busy = [s for s in stats["failed_steps"] if "WarehouseBusy: " in s]
        if busy:
            print(f"ogi ingest: {busy[0].split('WarehouseBusy: ', 1)[1]}", file=sys.stderr)
            return BUSY
        print("ogi ingest: the run did not complete (details above, and in the run in `make ui`)", file=sys.stderr)
        for step in stats["failed_steps"] or [f"blocked by failed checks: {', '.join(stats['failed_checks'])}"]:
            print(f"  {step[:300]}", file=sys.stderr)
        return 1
    print(summary(root, stats, time.monotonic() - started))
    return 0


def display_width(text: str) -> int:
    """Terminal columns of `text` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cmd_query(args: argparse.Namespace) -> int:
    root = Path(args.warehouse or warehouse.DEFAULT_WAREHOUSE).absolute()
    try:
        columns, rows = warehouse.query(root, args.sql)
    except Exception as exc:
        print(f"ogi query: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1, default=str))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        cells = [columns] + [["" if v is None else str(v).replace("\n", " ") for v in r] for r in rows]
        widths = [max(display_width(row[i]) for row in cells) for i in range(len(columns))]
        for n, row in enumerate(cells):
            print("  ".join(v + " " * (w - display_width(v)) for v, w in zip(row, widths)).rstrip())
            if n == 0:
                print("  ".join("-" * w for w in widths))
        print(f"({len(rows)} rows)")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from pipeline.review import write_review

    root = Path(args.warehouse or warehouse.DEFAULT_WAREHOUSE).absolute()
    if args.raw:
        os.environ["OGI_RAW_PATHS"] = os.pathsep.join([*args.raw, os.environ.get("OGI_RAW_PATHS", "")])
    try:
        out = write_review(root, args.report, Path(args.out or "review"))
    except ValueError as exc:
        print(f"ogi review: {exc}", file=sys.stderr)
        return 1
    print(f"review written: {out}")
    return 0


ISSUES_SQL = """
SELECT r.source_path, q.report_id, q.check_id, q.status, q.attribution, q.severity, q.message
FROM quality_issues q LEFT JOIN reports r USING (report_id)
WHERE (? IS NULL OR q.report_id LIKE ? || '%' OR r.source_path LIKE '%' || ? || '%') AND (? IS NULL OR q.check_id = ?)
ORDER BY r.source_path, q.check_id
"""


def cmd_issues(args: argparse.Namespace) -> int:
    root = Path(args.warehouse or warehouse.DEFAULT_WAREHOUSE).absolute()
    try:
        _, rows = warehouse.query(root, ISSUES_SQL, [args.report, args.report, args.report, args.check, args.check])
    except Exception as exc:
        print(f"ogi issues: {exc}", file=sys.stderr)
        return 1
    current = None
    for path, rid, check, status, attribution, severity, message in rows:
        if path != current:
            current = path
            print(f"\n{path or rid}  [{rid[:12]}]")
        print(f"  {check:<16} {status:<15} {attribution or '-':<10} {severity or '-':<8} {message}")
    print(f"\n({len(rows)} quality issues)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ogi", description="OGI annual report warehouse (政府信息公开工作年度报告)")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="ingest raw report files into the warehouse")
    ingest.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the bundled samples)")
    ingest.add_argument("--warehouse", metavar="DIR", help="warehouse directory (default: data/warehouse)")
    ingest.add_argument("--full", action="store_true", help="extract every file again, even if already ingested")
    ingest.add_argument("--no-wait", action="store_true",
                        help="if another ingest or the UI is writing the warehouse, stop (exit status 3) instead of waiting")
    ingest.set_defaults(func=cmd_ingest)
    query = sub.add_parser("query", help="read-only SQL over the warehouse")
    query.add_argument("sql")
    query.add_argument("--warehouse", metavar="DIR", help="warehouse directory (default: data/warehouse)")
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
    query.set_defaults(func=cmd_query)
    review = sub.add_parser("review", help="write an HTML page showing a report's text with every extracted value")
    review.add_argument("report", help="report_id (or a prefix of it) or the file's name")
    review.add_argument("--out", metavar="PATH", help="HTML file or folder (default: ./review/)")
    review.add_argument("--warehouse", metavar="DIR", help="warehouse directory (default: data/warehouse)")
    review.add_argument("--raw", metavar="DIR", action="append", default=[],
                        help="a folder given to `ogi ingest` (source paths are stored relative to it)")
    review.set_defaults(func=cmd_review)
    issues = sub.add_parser("issues", help="print the quality issues readably")
    issues.add_argument("--report", metavar="ID", help="a report_id prefix or a file name")
    issues.add_argument("--check", metavar="ID", help="one check, e.g. CHANNELS or T3-FLOW")
    issues.add_argument("--warehouse", metavar="DIR", help="warehouse directory (default: data/warehouse)")
    issues.set_defaults(func=cmd_issues)
    from pipeline import cli_fetch, cli_report, cli_synth   # commands kept in their own modules

    for command in (cli_report, cli_synth, cli_fetch):
        command.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
