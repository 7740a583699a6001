"""Crash safety: an ingest killed with SIGKILL at any point (the scan handed over, a bucket's
files written but not committed, a commit half applied, a bucket committed, the new DuckDB
built but not swapped in) leaves the previous warehouse readable and unchanged for `ogi
query`, every Parquet file readable, and the next run ends equal to an uninterrupted run.
The kill comes from the process itself at a named point (OGI_CRASH_AT, pipeline.txn)."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pipeline import warehouse

PROJECT = Path(__file__).resolve().parents[1]
CORPUS = sorted((PROJECT / "tests" / "fixtures" / "corpus" / "dev").glob("*.txt"))
POINTS = ["scan-written", "commit-written", "commit-applying", "bucket-committed", "duckdb-built"]
INGEST = ("import sys; from pipeline import ingest, warehouse; "
          "ingest.ingest_paths(sys.argv[1], sys.argv[2:]); warehouse.load_duckdb(sys.argv[1])")
TIMESTAMPS = ("ingested_at", "missing_since")


def ingest(wh: Path, raw: Path, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "OGI_CRASH_AT"} | {"PYTHONPATH": str(PROJECT)}
    env |= {"OGI_CRASH_AT": crash} if crash else {}
    return subprocess.run([sys.executable, "-c", INGEST, str(wh), str(raw)], env=env, capture_output=True, text=True,
                          timeout=300)


def snapshot(wh: Path, drop: tuple = ()) -> dict[str, list]:
    out = {}
    for (table,) in warehouse.query(wh, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1")[1]:
        cols = [c for (c,) in warehouse.query(wh, "SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = ? ORDER BY ordinal_position", [table])[1] if c not in drop]
        out[table] = warehouse.query(wh, f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL")[1]
    return out


def leftovers(wh: Path) -> list[str]:
    journal = wh / "parquet" / ".journal"
    return [p.name for p in wh.rglob("*.tmp*")] + ([p.name for p in journal.iterdir()] if journal.exists() else [])


def test_killed_at_any_point_the_warehouse_stays_readable_and_the_next_run_catches_up(tmp_path):
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    for f in CORPUS[:2]:
        shutil.copy(f, raw)
    assert ingest(wh, raw).returncode == 0
    for i, point in enumerate(POINTS):
        shutil.copy(CORPUS[2 + i], raw)  # every run has a new file to extract and commit
        if point == "commit-applying":
            (raw / CORPUS[0].name).unlink()  # and one run a file that disappears
        before = snapshot(wh)
        proc = ingest(wh, raw, crash=point)
        assert proc.returncode == -signal.SIGKILL, (point, proc.stderr[-2000:])
        assert snapshot(wh) == before, point  # what `ogi query` sees is the previous warehouse
        for path in (wh / "parquet").rglob("*.parquet"):
            if ".journal" not in path.parts:
                pl.read_parquet(path)  # every table file is whole
    assert ingest(wh, raw).returncode == 0
    assert leftovers(wh) == []
    reference, ref_raw = tmp_path / "reference", tmp_path / "ref" / "raw"  # the same history, never killed
    ref_raw.mkdir(parents=True)
    for f in CORPUS[:2]:
        shutil.copy(f, ref_raw)
    assert ingest(reference, ref_raw).returncode == 0
    shutil.rmtree(ref_raw)
    shutil.copytree(raw, ref_raw)
    assert ingest(reference, ref_raw).returncode == 0
    assert snapshot(wh, TIMESTAMPS) == snapshot(reference, TIMESTAMPS)
    assert warehouse.query(wh, "SELECT count(*) FROM reports WHERE source_missing")[1] == [(1,)]


@pytest.mark.slow
def test_ogi_ingest_killed_midway_then_rerun_equals_an_uninterrupted_run(tmp_path):
    """The real command, with its process pool (60 files), killed (the whole process group) at
    several moments of a run; each next run picks up, the last one ends equal to a clean run."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(60):
        source = CORPUS[i % len(CORPUS)]
        (raw / f"{i:02d}_{source.name}").write_bytes(source.read_bytes() + f"\n{i}\n".encode())
    env = os.environ | {"PYTHONPATH": str(PROJECT), "DAGSTER_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "pipeline.cli", "ingest", str(raw), "--warehouse"]
    for delay in (8, 20, 35):
        proc = subprocess.Popen([*command, str(tmp_path / "wh")], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        if (tmp_path / "wh" / "ogi.duckdb").exists():
            warehouse.query(tmp_path / "wh", "SELECT count(*) FROM reports")  # still readable
    for target in ("wh", "reference"):
        done = subprocess.run([*command, str(tmp_path / target)], env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
    assert leftovers(tmp_path / "wh") == []
    assert snapshot(tmp_path / "wh", TIMESTAMPS) == snapshot(tmp_path / "reference", TIMESTAMPS)


@pytest.mark.slow
def test_a_killed_ogi_ingest_does_not_keep_the_duckdb_pool_from_the_next_run(tmp_path, samples):
    """Killed while loading DuckDB, `ogi ingest` held the `duckdb_writer` pool slot in the Dagster
    instance; with no daemon to notice, the next run marks it failed and frees the slot
    instead of waiting for it forever."""
    import dagster as dg

    raw = tmp_path / "raw"
    raw.mkdir()
    for sample in samples[:2]:
        shutil.copy(sample, raw)
    env = {k: v for k, v in os.environ.items() if k != "OGI_CRASH_AT"} | {"PYTHONPATH": str(PROJECT),
                                                                        "DAGSTER_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "pipeline.cli", "ingest", str(raw), "--warehouse", str(tmp_path / "wh")]
    killed = subprocess.run(command, env=env | {"OGI_CRASH_AT": "duckdb-built"}, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "had died; marked failed" in done.stderr
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        statuses = sorted(r.status.value for r in instance.get_runs())
    assert statuses == ["FAILURE", "SUCCESS"]
