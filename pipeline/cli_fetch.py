"""`ogi fetch`: bring annual reports from the web into a raw store that `ogi ingest` reads.

  ogi fetch [--source NAME ...] [--sources FILE] [--index URL ...] [--raw DIR] [--recheck]
            [--rate N] [--timeout S] [--retries N] [--max-pages N] [--list] [--quiet]

Without --source/--index every source of the registry is fetched (data/sources.yaml, or
--sources FILE); --source picks registry entries by name; --index fetches one index page URL
given directly (a source named after its host). --raw is the raw store (default
data/raw/fetched). Prints one line per URL (unless --quiet), the counts by outcome and the
report files written. Exit status: 0 when the run completed (URLs that failed are in the
record, not errors of the run), 1 when another run holds the store, 2 for bad arguments.
`register(subparsers)` adds the command to the `ogi` parser (pipeline/cli.py).
"""
from __future__ import annotations

import argparse
from dataclasses import replace
import sys
from pathlib import Path

from pipeline.fetch import DEFAULT_RAW, fetch_sources
from pipeline.fetch_http import Settings
from pipeline.fetch_registry import DEFAULT_REGISTRY, RegistryError, Source, adhoc_source, load_registry
from pipeline.fetch_store import StoreBusy


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("fetch", help="fetch annual reports from government sites into a raw store",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("--source", action="append", metavar="NAME", help="a registry source by name (repeatable)")
    p.add_argument("--sources", metavar="FILE", help="the registry file (default: data/sources.yaml)")
    p.add_argument("--index", action="append", metavar="URL", help="an index page URL given directly (repeatable)")
    p.add_argument("--raw", metavar="DIR", help="the raw store (default: data/raw/fetched)")
    p.add_argument("--recheck", action="store_true", help="ask again (conditionally) for reports already stored")
    p.add_argument("--rate", type=float, default=1.0, metavar="N", help="requests per second per host (default 1)")
    p.add_argument("--timeout", type=float, default=20.0, metavar="S", help="seconds per network operation (default 20)")
    p.add_argument("--retries", type=int, default=3, metavar="N", help="retries after 5xx/timeouts (default 3)")
    p.add_argument("--max-pages", type=int, metavar="N", help="index pages per index URL (overrides the registry)")
    p.add_argument("--list", action="store_true", help="list the registry's sources and exit")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=cmd_fetch)
    return p


def select_sources(args: argparse.Namespace) -> list[Source]:
    """The sources the arguments name; RegistryError with a plain message otherwise."""
    registry_file = Path(args.sources) if args.sources else DEFAULT_REGISTRY
    registry = load_registry(registry_file) if (args.source or not args.index or args.sources) else []
    chosen = list(registry)
    if args.source:
        by_name = {s.name: s for s in registry}
        unknown = [n for n in args.source if n not in by_name]
        if unknown:
            raise RegistryError(f"no source named {', '.join(unknown)} in {registry_file} "
                                f"(known: {', '.join(by_name) or 'none'})")
        chosen = [by_name[n] for n in args.source]
    elif args.index:
        chosen = []
    chosen += [adhoc_source(url) for url in args.index or []]
    if args.max_pages:
        chosen = [replace(s, pagination=replace(s.pagination, max_pages=args.max_pages)) for s in chosen]
    return chosen


def print_record(rec: dict) -> None:
    where = rec.get("path") or rec.get("note") or rec.get("error") or ""
    print(f"  {rec['outcome']:<16} {rec['kind']:<10} {rec['url']}  {where}"[:240], file=sys.stderr)


def cmd_fetch(args: argparse.Namespace) -> int:
    try:
        sources = select_sources(args)
    except RegistryError as exc:
        print(f"ogi fetch: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for s in sources:
            place = f"{s.jurisdiction_name} {s.adcode}" if s.adcode else (s.jurisdiction_name or "-")
            print(f"{s.name:<24} {place:<24} {', '.join(s.index)}")
        return 0
    if not sources:
        print("ogi fetch: no sources to fetch", file=sys.stderr)
        return 2
    raw = Path(args.raw).absolute() if args.raw else DEFAULT_RAW
    settings = Settings(rate=args.rate, timeout=args.timeout, retries=max(0, args.retries))
    print(f"fetching {len(sources)} source(s) into {raw}", file=sys.stderr)
    try:
        result = fetch_sources(sources, raw, settings, recheck=args.recheck, log=None if args.quiet else print_record)
    except StoreBusy as exc:
        print(f"ogi fetch: {exc}", file=sys.stderr)
        return 1
    print("outcomes: " + (", ".join(f"{k} {n}" for k, n in result.counts().items()) or "none"))
    print(f"report files written: {len(result.written)}")
    for path in result.written[:20]:
        print(f"  {path}")
    if len(result.written) > 20:
        print(f"  … {len(result.written) - 20} more")
    print(f"record: {raw / '.fetch' / 'records.jsonl'} (run {result.run_id})")
    print(f"next: ogi ingest {raw}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.cli_fetch …` — the command on its own, until it is wired into `ogi`."""
    parser = argparse.ArgumentParser(prog="ogi")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["fetch", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
