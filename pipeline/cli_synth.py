"""`ogi synth`: write a synthetic corpus of OGI annual reports with known values.

  ogi synth --count N --out DIR [--seed S] [--formats txt,html,docx,pdf]
            [--eras pre2014,stat2014,fmt2019,fmt2021] [--errors RATE] [--noise RATE] [--start I]

Reports go to DIR/reports/NNNN/rNNNNNNN.<fmt> (ingest them with `ogi ingest DIR/reports`) and
their answers to DIR/truth.jsonl, in the gold format that tests/scoring.py and
shared/eval/score.py read. The same seed gives the same reports; report i does not depend on
--count, so `--start` appends new reports to a corpus (as for an incremental run).
`register(subparsers)` adds the command to the `ogi` parser (pipeline/cli.py).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.synth import ERAS
from pipeline.synth_docs import FORMATS, write_corpus


def _choices(allowed: tuple[str, ...], what: str):
    def parse(value: str) -> list[str]:
        items = [v.strip() for v in value.split(",") if v.strip()]
        bad = [v for v in items if v not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(bad) or '(none)'}; choose from {','.join(allowed)}")
        return items
    return parse


def _rate(value: str) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return rate


def register(subparsers) -> argparse.ArgumentParser:
    """Add `synth` to an argparse subparsers object; returns its parser."""
    p = subparsers.add_parser("synth", help="write synthetic reports with their ground truth (truth.jsonl)")
    p.add_argument("--count", type=int, required=True, metavar="N", help="number of reports")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (reports/ and truth.jsonl)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--formats", type=_choices(FORMATS, "format"), default=list(FORMATS[:3]),
                   help="comma-separated, rotating by report number (default txt,html,docx; pdf needs LibreOffice)")
    p.add_argument("--eras", type=_choices(ERAS, "era"), default=list(ERAS), help="comma-separated (default all four)")
    p.add_argument("--errors", type=_rate, default=0.0, metavar="RATE",
                   help="share of reports with an injected source error (a broken identity, expected as a flag)")
    p.add_argument("--noise", type=_rate, default=0.0, metavar="RATE",
                   help="share of noisy reports (glued cells, page chrome, whitespace, full-width digits)")
    p.add_argument("--start", type=int, default=0, metavar="I", help="number of the first report (append to DIR)")
    p.set_defaults(func=cmd_synth)
    return p


def cmd_synth(args: argparse.Namespace) -> int:
    if args.count < 1:
        print("ogi synth: --count must be at least 1", file=sys.stderr)
        return 2
    out = Path(args.out).absolute()
    started = time.monotonic()
    step = max(1000, args.count // 20)

    def progress(done: int, total: int) -> None:
        if done % step == 0 and done < total:
            print(f"  {done}/{total} reports", file=sys.stderr)

    stats = write_corpus(out, args.count, args.seed, args.formats, args.eras, args.errors, args.noise,
                         start=args.start, progress=progress)
    if stats.get("skipped_pdf"):
        print(f"ogi synth: PDF skipped — {stats['skipped_pdf']}", file=sys.stderr)
    if not stats["written"]:
        print("ogi synth: nothing written", file=sys.stderr)
        return 1
    fmt = ", ".join(f"{k} {v}" for k, v in sorted(stats["by_format"].items()))
    era = ", ".join(f"{k} {v}" for k, v in sorted(stats["by_era"].items()))
    print(f"wrote {stats['written']} reports in {time.monotonic() - started:.1f}s ({fmt}; {era})\n"
          f"reports: {out / 'reports'}\ntruth:   {out / 'truth.jsonl'}\n"
          f"ingest:  ogi ingest {out / 'reports'} --warehouse WAREHOUSE")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run `synth` alone (for tests and `python -m pipeline.cli_synth`)."""
    parser = argparse.ArgumentParser(prog="ogi")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["synth", *(argv or [])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
