"""The benchmark harness behind `make bench`: throughput, memory and latency of ogi-warehouse.

For each size in BENCH_SIZES (default 10000; e.g. BENCH_SIZES=10000,100000): write a synthetic
text/HTML corpus (`pipeline.synth_docs.write_corpus`), run `ogi ingest` on it end to end in a
child process (files → Parquet + DuckDB, the Dagster job), and record reports/s, MB/s and the
peak RSS of the whole process tree (sampled from /proc every 0.1 s, plus the largest child's
ru_maxrss) and the CPU seconds of the tree (user + system: on a shared machine, reports per CPU
second say what the run does with the cores to itself); rerun it unchanged (the fixed cost of a
run); then add 1% new reports and time the incremental rerun. Each run also records the wall
seconds of every step of the Dagster job. Also: BENCH_PDF PDFs
(default 200, needs LibreOffice) ingested the same way; the per-stage split and a cProfile of
process_file on a sample (bench/stages.py); the panel and coverage latency over a generated
warehouse of BENCH_PANEL_REPORTS reports (default 1M, bench/panel.py). Accuracy of the same
corpus against its truth (tests/scoring.py) on a sample. Results: bench/results/latest.json
and .md (profile: profile.txt). A run whose process tree passes BENCH_RSS_LIMIT_MB (default
12000) is stopped and recorded as such, so the machine is never exhausted.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
OGI = [str(ROOT / ".venv" / "bin" / "ogi")] if (ROOT / ".venv" / "bin" / "ogi").exists() else [sys.executable, "-m", "pipeline.cli"]
TARGETS = {"text_html_reports_per_s": 1000, "pdf_reports_per_s": 20, "peak_rss_mb": 2048,
           "incremental_share": 0.05, "panel_1m_s": 1.0}


def _tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of `pid` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, ()))
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total


def run_measured(cmd: list[str], env: dict | None = None, limit_mb: int = 12000, cwd: str | None = None) -> dict:
    """Run `cmd`; wall seconds, peak tree RSS (MB), exit code, and whether the RSS limit stopped it."""
    started, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    peak, stopped = [0], [False]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            if peak[0] > limit_mb * 1024:
                stopped[0] = True
                os.killpg(proc.pid, 9)
            time.sleep(0.1)
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    output = proc.communicate()[0]
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(cpu, 2),
            "peak_tree_rss_mb": round(peak[0] / 1024),
            "largest_child_maxrss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "exit_code": proc.returncode, "stopped_at_rss_limit": stopped[0], "tail": output[-1500:]}


def corpus_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def ingest_command(reports: Path, warehouse: Path, home: Path) -> tuple[list[str], dict, str | None]:
    """(argv, env, cwd) of `ogi ingest`; with BENCH_CODE=DIR, the code tree at DIR is ingested with
    (e.g. a `git archive HEAD` snapshot while the working tree is mid-change)."""
    env = dict(os.environ, DAGSTER_HOME=str(home))
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    code = os.environ.get("BENCH_CODE")
    if code:
        env["PYTHONPATH"] = code
        return [sys.executable, "-m", "pipeline.cli", "ingest", str(reports), "--warehouse", str(warehouse)], env, code
    return [*OGI, "ingest", str(reports), "--warehouse", str(warehouse)], env, None


def step_seconds(home: Path) -> dict[str, float]:
    """Wall seconds of each step of the last run in the Dagster instance at `home`."""
    try:
        import dagster as dg
        from dagster._core.instance.ref import InstanceRef
        with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
            run = instance.get_run_records(limit=1)[0].dagster_run
            return {s.step_key: round(s.end_time - s.start_time, 2) for s in instance.get_run_step_stats(run.run_id)
                    if s.end_time and s.start_time}
    except Exception as exc:  # the numbers are a help, not the benchmark
        return {"error": f"{type(exc).__name__}: {exc}"}


def ingest(reports: Path, warehouse: Path, home: Path, limit_mb: int) -> dict:
    cmd, env, cwd = ingest_command(reports, warehouse, home)
    result = run_measured(cmd, env, limit_mb, cwd)
    result["steps"] = step_seconds(home)
    return result


def bench_size(n: int, work: Path, limit_mb: int) -> dict:
    from pipeline.synth_docs import write_corpus

    out = work / f"corpus_{n}"
    a = time.perf_counter()
    write_corpus(out, n, seed=1, formats=("txt", "html"), errors=0.02, noise=0.3)
    gen = time.perf_counter() - a
    size = corpus_bytes(out / "reports")
    full = ingest(out / "reports", work / f"wh_{n}", work / "dagster_home", limit_mb)
    cores = os.cpu_count() or 1
    res = {"reports": n, "corpus_mb": round(size / 2**20, 1), "generate_s": round(gen, 1), "full": full,
           "reports_per_s": round(n / full["seconds"], 1), "mb_per_s": round(size / 2**20 / full["seconds"], 2),
           # what the run would do with every core to itself (the machine is often shared)
           "reports_per_cpu_core_s": round(n / max(full["cpu_seconds"], 1e-9), 1),
           "reports_per_s_if_quiet": round(n * cores / max(full["cpu_seconds"], 1e-9), 1)}
    if full["exit_code"] == 0:
        same = ingest(out / "reports", work / f"wh_{n}", work / "dagster_home", limit_mb)
        res.update(no_change=same)
        write_corpus(out, max(1, n // 100), seed=1, formats=("txt", "html"), errors=0.02, noise=0.3, start=n)
        inc = ingest(out / "reports", work / f"wh_{n}", work / "dagster_home", limit_mb)
        res.update(incremental=inc, incremental_share=round(inc["seconds"] / full["seconds"], 3),
                   incremental_cpu_share=round(inc["cpu_seconds"] / max(full["cpu_seconds"], 1e-9), 3))
    return res


def accuracy(corpus: Path, sample: int) -> dict:
    """Precision/recall of the synthetic corpus against its truth (tests/scoring.py) on a sample."""
    from tests.scoring import score

    lines = (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines()[:sample]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    s = score(corpus / "reports", [Path(f.name)])
    os.unlink(f.name)
    return {"reports": len(lines), "precision": round(s.precision, 5), "recall": round(s.recall, 5),
            "wrong_values": [m for m in s.misses if m[2] is not None][:20], "year_bad": len(s.year_bad),
            "adcode_bad": len(s.adcode_bad), "flags_missed": len(s.flags_missed)}


def save(result: dict) -> None:
    (RESULTS / os.environ.get("BENCH_OUT", "latest.json")).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


def main() -> int:
    sys.setrecursionlimit(10000)
    from bench import panel, stages
    from pipeline.synth_docs import pdf_available, write_corpus

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",") if s.strip() and int(s)]
    n_pdf = int(os.environ.get("BENCH_PDF", "200"))
    n_panel = int(os.environ.get("BENCH_PANEL_REPORTS", "1000000"))
    limit = int(os.environ.get("BENCH_RSS_LIMIT_MB", "12000"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    result: dict = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]}, "targets": TARGETS,
                    "code": os.environ.get("BENCH_CODE") or str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="ogi-bench-") as tmp:
        work = Path(tmp)
        result["sizes"] = []
        for n in sizes:
            print(f"[bench] {n} text/HTML reports …", flush=True)
            result["sizes"].append(bench_size(n, work, limit))
            save(result)
            print(json.dumps({k: v for k, v in result["sizes"][-1].items() if k not in ("full", "incremental", "no_change")}),
                  flush=True)
        first = work / f"corpus_{sizes[0]}" if sizes else work / "corpus_sample"
        if not sizes:
            write_corpus(first, 2000, seed=1, formats=("txt", "html"), errors=0.02, noise=0.3)
        files = sorted((first / "reports").rglob("*.*"))[:400]
        print("[bench] stages and profile …", flush=True)
        result["stages"] = stages.stage_times(files)
        result["process_file_ms_by_format"] = stages.by_format(files)
        (RESULTS / "profile.txt").write_text(stages.profile(files[:300]))
        save(result)
        result["accuracy"] = accuracy(first, int(os.environ.get("BENCH_ACCURACY_SAMPLE", "2000")))
        save(result)
        if n_pdf and not (why := pdf_available()):
            print(f"[bench] {n_pdf} PDF reports …", flush=True)
            out = work / "corpus_pdf"
            a = time.perf_counter()
            write_corpus(out, n_pdf, seed=2, formats=("pdf",))
            gen = time.perf_counter() - a
            run = ingest(out / "reports", work / "wh_pdf", work / "dagster_home", limit)
            result["pdf"] = {"reports": n_pdf, "generate_s": round(gen, 1), "full": run,
                             "reports_per_s": round(n_pdf / run["seconds"], 2),
                             "mb_per_s": round(corpus_bytes(out / "reports") / 2**20 / run["seconds"], 2),
                             "process_file_ms": stages.by_format(sorted((out / "reports").rglob("*.pdf"))[:40]),
                             "reports_per_s_if_quiet": round(n_pdf * (os.cpu_count() or 1) / max(run["cpu_seconds"], 1e-9), 2)}
            from bench import pdf
            result["pdf"]["cpu"] = pdf.measure(sorted((out / "reports").rglob("*.pdf")))
        elif n_pdf:
            result["pdf"] = {"skipped": why}
        save(result)
        if n_panel:
            print(f"[bench] panel/coverage over {n_panel} reports …", flush=True)
            root = work / "wh_panel"
            result["panel"] = {"build": panel.build(root, n_panel), **panel.latency(root, runs=3)}
    save(result)
    print(json.dumps(result, ensure_ascii=False, indent=1, default=str)[:6000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
