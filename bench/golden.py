"""Golden outputs of the extractor, and its CPU cost per report: the guard of speed work.

Speed never buys a wrong number, so every change to the extractor's hot paths is checked
against a dump of what `pipeline.process.process_file` returned before it: the report row,
the metric rows and the issue rows of every file of a fixed set, kept in their order
(internal keys such as `decoded` included). The set:
- every file under tests/fixtures/corpus and tests/fixtures/readers (seeds, dev, readers);
- a fixed sample of a synthetic corpus (default /tmp/syn10k/reports: the first 1,000 files
  in path order, then every 10th);
- a noisy synthetic corpus (default /tmp/syn_noisy/reports, made by
  `ogi synth --count 300 --out /tmp/syn_noisy --seed 7 --noise 1.0 --errors 0.1 --formats txt,html`).
Missing corpora are skipped with a note (the dump records which files it holds).

    python bench/golden.py dump FILE        # write the golden dump
    python bench/golden.py compare FILE     # extract again, report every difference (exit 1 if any)
    python bench/golden.py time [--n 1000] [--repeat 3] [--profile OUT]
                                            # CPU ms per report (time.process_time) on the first
                                            # n files of the synthetic corpus, best of `repeat`
    python bench/golden.py frames [--n 1024] [--batch 256] [--repeat 3] [--profile OUT]
                                            # CPU ms per report of `pipeline.batch.frames_of` (typed,
                                            # paths hidden, contract-checked frames) on batches of the
                                            # extracted results of the first n synthetic files
Environment: GOLDEN_SYN (default /tmp/syn10k/reports), GOLDEN_NOISY (default /tmp/syn_noisy/reports).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def golden_files() -> list[tuple[str, Path]]:
    """(name stored in the dump, path) of every file of the golden set, in a fixed order."""
    out: list[tuple[str, Path]] = []
    for sub in ("corpus", "readers"):
        for p in _files(ROOT / "tests" / "fixtures" / sub):
            if p.suffix not in (".jsonl", ".py"):
                out.append((str(p.relative_to(ROOT)), p))
    for env, default, pick in (("GOLDEN_SYN", "/tmp/syn10k/reports", lambda i: i < 1000 or i % 10 == 0),
                               ("GOLDEN_NOISY", "/tmp/syn_noisy/reports", lambda i: True)):
        folder = Path(os.environ.get(env, default))
        if not folder.is_dir():
            print(f"note: {folder} not found, skipped", file=sys.stderr)
            continue
        out.extend((f"{folder.parent.name}/{p.relative_to(folder)}", p)
                   for i, p in enumerate(_files(folder)) if pick(i))
    return out


def _record(name: str, path: Path) -> dict:
    from pipeline.process import process_file
    res = process_file(path)
    report = dict(res.report, source_path=name)
    return {"file": name, "report": report, "metrics": res.metrics, "issues": res.issues}


def dump(out: Path) -> None:
    t0 = time.process_time()
    files = golden_files()
    with open(out, "w", encoding="utf-8") as f:
        for name, path in files:
            f.write(json.dumps(_record(name, path), ensure_ascii=False, sort_keys=True, default=str) + "\n")
    print(f"{len(files)} files dumped to {out} ({time.process_time() - t0:.1f} s CPU)")


def _key(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)


def compare(base: Path, limit: int = 20) -> int:
    """Extract the golden set again and list what differs from `base`; the number of files that differ."""
    old = {}
    with open(base, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            old[rec["file"]] = rec
    files = golden_files()
    differ, order_only, shown = 0, 0, 0
    t0 = time.process_time()
    for name, path in files:
        new = json.loads(_key(_record(name, path)))
        was = old.pop(name, None)
        if was == new:
            continue
        if was is not None and all(sorted(map(_key, was[k])) == sorted(map(_key, new[k]))
                                   for k in ("metrics", "issues")) and was["report"] == new["report"]:
            order_only += 1
            continue
        differ += 1
        if shown < limit:
            shown += 1
            print(f"--- {name}")
            if was is None:
                print("  not in the golden dump")
                continue
            if was["report"] != new["report"]:
                for k in sorted(set(was["report"]) | set(new["report"])):
                    if was["report"].get(k) != new["report"].get(k):
                        print(f"  report.{k}: {was['report'].get(k)!r} -> {new['report'].get(k)!r}")
            for k in ("metrics", "issues"):
                a, b = set(map(_key, was[k])), set(map(_key, new[k]))
                for row in sorted(a - b)[:10]:
                    print(f"  - {k}: {row}")
                for row in sorted(b - a)[:10]:
                    print(f"  + {k}: {row}")
    for name in old:
        differ += 1
        print(f"--- {name}: in the golden dump, not extracted now")
    print(f"{len(files)} files compared ({time.process_time() - t0:.1f} s CPU): {differ} differ, "
          f"{order_only} differ only in row order")
    return differ


def cpu_per_report(n: int, repeat: int, profile: str | None) -> None:
    """CPU ms per report of `process_file` on the first n synthetic files (bytes read beforehand)."""
    from pipeline.process import process_file
    folder = Path(os.environ.get("GOLDEN_SYN", "/tmp/syn10k/reports"))
    files = _files(folder)[:n]
    data = [(p, p.read_bytes()) for p in files]
    process_file(*data[0])                                  # imports and catalogue loaded
    best = []
    for _ in range(repeat):
        t0 = time.process_time()
        for p, b in data:
            process_file(p, b)
        best.append(time.process_time() - t0)
    print(f"{len(files)} files of {folder}: CPU ms/report per run " +
          ", ".join(f"{1000 * s / len(files):.2f}" for s in best) + f"; best {1000 * min(best) / len(files):.2f}")
    if profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        for p, b in data:
            process_file(p, b)
        prof.disable()
        with open(profile, "w") as f:
            pstats.Stats(prof, stream=f).sort_stats("tottime").print_stats(45)
        print(f"profile in {profile}")


def frames_per_report(n: int, batch: int, repeat: int, profile: str | None) -> None:
    """CPU ms per report of `frames_of` over batches of `batch` results, as a pool worker makes them."""
    import datetime as dt
    from dataclasses import replace

    from pipeline.batch import frames_of
    from pipeline.extract_file import Job, extract_one
    folder = Path(os.environ.get("GOLDEN_SYN", "/tmp/syn10k/reports"))
    files = _files(folder)[:n]
    import hashlib
    hide = ((str(folder.parent), "syn"), (str(folder.parent.resolve()), "syn"), (str(Path.home()), "~"))
    jobs = [Job(str(p), hashlib.sha256(p.read_bytes()).hexdigest(), f"syn/{p.relative_to(folder)}", hide, p.stat().st_size)
            for p in files]
    results = [extract_one(replace(j, hide=())) for j in jobs]
    chunks = [(jobs[i:i + batch], results[i:i + batch]) for i in range(0, len(jobs), batch)]
    now = dt.datetime.now(dt.timezone.utc)

    def run() -> None:
        for js, rs in chunks:   # frames_of may change the row dicts (paths hidden): give it copies
            frames_of(js, [(dict(r), [dict(m) for m in ms], [dict(i) for i in iss]) for r, ms, iss in rs], now)

    def copies() -> float:
        t0 = time.process_time()
        for _, rs in chunks:
            [(dict(r), [dict(m) for m in ms], [dict(i) for i in iss]) for r, ms, iss in rs]
        return time.process_time() - t0

    run()                                                   # imports, Pandera schemas built
    best = []
    for _ in range(repeat):
        t0 = time.process_time()
        run()
        best.append(time.process_time() - t0 - copies())
    print(f"{len(files)} files of {folder} in batches of {batch}: frames_of CPU ms/report per run " +
          ", ".join(f"{1000 * s / len(files):.2f}" for s in best) + f"; best {1000 * min(best) / len(files):.2f}")
    if profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        run()
        prof.disable()
        with open(profile, "w") as f:
            pstats.Stats(prof, stream=f).sort_stats("cumulative").print_stats(60)
        print(f"profile in {profile}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("dump").add_argument("file", type=Path)
    sub.add_parser("compare").add_argument("file", type=Path)
    t = sub.add_parser("time")
    t.add_argument("--n", type=int, default=1000)
    t.add_argument("--repeat", type=int, default=3)
    t.add_argument("--profile")
    f = sub.add_parser("frames")
    f.add_argument("--n", type=int, default=1024)
    f.add_argument("--batch", type=int, default=256)
    f.add_argument("--repeat", type=int, default=3)
    f.add_argument("--profile")
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.file)
        return 0
    if args.cmd == "compare":
        return 1 if compare(args.file) else 0
    if args.cmd == "frames":
        frames_per_report(args.n, args.batch, args.repeat, args.profile)
        return 0
    cpu_per_report(args.n, args.repeat, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
