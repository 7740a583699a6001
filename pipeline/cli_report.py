"""`ogi report [--warehouse DIR] [--out FILE]`: write the static HTML report of a warehouse
(`pipeline.report_html`). `register(subparsers)` adds the subcommand to the `ogi` parser;
`main(argv)` runs it on its own (`python -m pipeline.cli_report --warehouse DIR`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import warehouse


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.report_html import write_report
    root = Path(args.warehouse or warehouse.DEFAULT_WAREHOUSE).absolute()
    try:
        out = write_report(root, Path(args.out).absolute() if args.out else None)
    except (FileNotFoundError, ValueError) as exc:
        print(f"ogi report: {exc}", file=sys.stderr)
        return 1
    print(f"report written: {out}")
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add `report` to an argparse subparsers object."""
    parser = subparsers.add_parser("report", help="write a static HTML report: trends, outcome mix, coverage, quality")
    parser.add_argument("--warehouse", metavar="DIR", help="warehouse directory (default: data/warehouse)")
    parser.add_argument("--out", metavar="FILE", help="HTML file to write (default: DIR/report.html)")
    parser.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ogi", description="write the warehouse's HTML report")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["report", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
