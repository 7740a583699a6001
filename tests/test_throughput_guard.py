"""Throughput guard: a 2,000-report synthetic text/HTML corpus goes through `ogi ingest` (files →
Parquet + DuckDB, end to end) at no less than half the target of 1,000 reports/s on this 2-core
machine. Heavy, so skipped unless OGI_BENCH_GUARD=1 (`make bench` sets it). BENCH_CODE=DIR
ingests with the code tree at DIR instead of this one (see bench/run.py)."""
from __future__ import annotations

import os
import subprocess

import pytest

from bench.run import ingest_command
from pipeline.synth_docs import write_corpus

TARGET = 1000          # text/HTML reports per second, end to end
REPORTS = 2000

pytestmark = pytest.mark.skipif(os.environ.get("OGI_BENCH_GUARD") != "1",
                                reason="heavy throughput guard: set OGI_BENCH_GUARD=1 (make bench does)")


def test_ingest_keeps_half_the_throughput_target(tmp_path):
    import time

    write_corpus(tmp_path / "corpus", REPORTS, seed=7, formats=("txt", "html"), errors=0.02, noise=0.3)
    cmd, env, cwd = ingest_command(tmp_path / "corpus" / "reports", tmp_path / "wh", tmp_path / "home")
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rate = REPORTS / seconds
    assert rate >= TARGET / 2, f"{rate:.0f} reports/s ({seconds:.1f}s for {REPORTS}); the floor is {TARGET // 2}/s"
