"""CPU per PDF report: `read_pdf` and `process_file` timed with time.process_time (CPU of this
process, so other load on a shared machine does not count) on a fixed set of PDFs, through the
fast PDFium path ('auto') and through pdfplumber alone (the reader before issue 8), with a
check that both give the same Document (text, table grids with their offsets and merged cells,
title) and a count of the files the fast path hands to pdfplumber. Optionally scores the
extraction against the set's truth.jsonl (tests/scoring.py). Importable (`measure`) by
bench/run.py; on its own:

    .venv/bin/python bench/pdf.py [DIR_OR_PDF ...] [--limit N] [--repeat R] [--score] [--out FILE]

The default set is $BENCH_PDF_DIR or /tmp/synpdf (made by
`ogi synth --count 200 --out /tmp/synpdf --formats pdf --seed 3`).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _doc_key(doc) -> tuple:
    """Everything a Document carries, merged cells as shared indices: equal keys, equal output."""
    tables = []
    for t in doc.tables:
        ids: dict[int, int] = {}
        tables.append([[(c.text, c.start, c.end, ids.setdefault(id(c), len(ids))) for c in row] for row in t.rows])
    return doc.text, tables, sorted(doc.meta.items())


def _cpu(fn, files: list[Path], repeat: int) -> tuple[float, list]:
    """Best-of-`repeat` CPU milliseconds per file of fn(path), and the last run's results."""
    best, out = float("inf"), []
    for _ in range(repeat):
        out = []
        start = time.process_time()
        for path in files:
            out.append(fn(path))
        best = min(best, time.process_time() - start)
    return best / len(files) * 1000, out


def measure(files: list[Path], repeat: int = 1, compare: bool = True) -> dict:
    """CPU ms per PDF of read_pdf and process_file per engine, identical outputs, fallbacks."""
    from pipeline.model import ReadError
    from pipeline.process import process_file
    from pipeline.read_pdf import read_pdf
    from pipeline.read_pdf_pdfium import Unsupported, read_pages

    def reader(engine: str):
        def run(path: Path):
            try:
                return _doc_key(read_pdf(path.read_bytes(), engine=engine))
            except ReadError as e:
                return ("ReadError", str(e))
        return run

    def processor(engine: str):
        def run(path: Path):
            os.environ["OGI_PDF_ENGINE"] = engine
            return process_file(path).report["status"]
        return run

    fallbacks: dict[str, int] = {}
    for path in files:
        try:
            read_pages(path.read_bytes(), lambda page: None)
        except Unsupported as e:
            fallbacks[str(e)] = fallbacks.get(str(e), 0) + 1
    process_file(files[0])                           # imports and catalogues loaded before timing
    out: dict = {"files": len(files), "repeat": repeat, "fast_path_declined": fallbacks, "engines": {}}
    docs = {}
    saved = os.environ.get("OGI_PDF_ENGINE")
    try:
        for engine in ("auto", "pdfplumber") if compare else ("auto",):
            read_ms, docs[engine] = _cpu(reader(engine), files, repeat)
            proc_ms, statuses = _cpu(processor(engine), files, repeat)
            out["engines"][engine] = {
                "read_pdf_cpu_ms": round(read_ms, 1), "process_file_cpu_ms": round(proc_ms, 1),
                "reports_per_cpu_second": round(1000 / proc_ms, 1),
                "failed": sum(s != "ok" for s in statuses)}
    finally:
        if saved is None:
            os.environ.pop("OGI_PDF_ENGINE", None)
        else:
            os.environ["OGI_PDF_ENGINE"] = saved
    if compare:
        same = [a == b for a, b in zip(docs["auto"], docs["pdfplumber"])]
        out["identical_documents"] = sum(same)
        out["different"] = [str(p) for p, s in zip(files, same) if not s][:20]
        e = out["engines"]
        out["speedup_read_pdf"] = round(e["pdfplumber"]["read_pdf_cpu_ms"] / e["auto"]["read_pdf_cpu_ms"], 2)
        out["speedup_process_file"] = round(e["pdfplumber"]["process_file_cpu_ms"] / e["auto"]["process_file_cpu_ms"], 2)
    return out


def score(folder: Path) -> dict:
    """Precision and recall of the extraction on a synthetic set (its truth.jsonl)."""
    sys.path.insert(0, str(ROOT))
    from tests.scoring import score as run_score

    s = run_score(folder, [folder / "truth.jsonl"])
    return {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "right": s.right, "wrong": s.wrong,
            "missed": s.missed, "year_bad": len(s.year_bad), "adcode_bad": len(s.adcode_bad),
            "flags_missed": len(s.flags_missed)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="only the first N PDFs")
    ap.add_argument("--repeat", type=int, default=1, help="best of R timed passes")
    ap.add_argument("--fast-only", action="store_true", help="skip the pdfplumber engine and the comparison")
    ap.add_argument("--score", action="store_true", help="score against truth.jsonl of the (single) folder")
    ap.add_argument("--out", type=Path, help="write the JSON result here too")
    args = ap.parse_args()
    paths = args.paths or [Path(os.environ.get("BENCH_PDF_DIR", "/tmp/synpdf"))]
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.pdf")))
    if args.limit:
        files = files[:args.limit]
    if not files:
        print(f"no PDFs under {' '.join(map(str, paths))}: make them with "
              "`ogi synth --count 200 --out /tmp/synpdf --formats pdf --seed 3`", file=sys.stderr)
        return 2
    result = measure(files, repeat=args.repeat, compare=not args.fast_only)
    if args.score and len(paths) == 1 and (paths[0] / "truth.jsonl").exists():
        result["accuracy"] = score(paths[0])
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
