"""The `ogi` command as users run it (a subprocess, from another working directory): ingest
the samples into a tmp_path warehouse, every table and every sample file present, the run
recorded in the Dagster instance, a rerun that extracts nothing and changes nothing, bad
files that fail alone, and read-only `ogi query` in its three formats."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline import warehouse

PROJECT = Path(__file__).resolve().parents[1]
TABLES = ("reports", "metrics", "quality_issues", "dim_metric", "dim_jurisdiction", "report_sources")


def ogi(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(PROJECT)} | ({"DAGSTER_HOME": str(home)} if home else {})
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """One Dagster instance for the module's shared warehouse (runs accumulate there)."""
    return tmp_path_factory.mktemp("dagster_home")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, home) -> tuple[Path, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("cwd")
    shutil.copytree(PROJECT / "data" / "raw" / "samples", work / "samples")
    proc = ogi("ingest", "samples", "--warehouse", "wh", cwd=work, home=home)
    return work / "wh", proc


def test_ingest_builds_every_table_with_a_row_per_sample(ingested, samples):
    root, proc = ingested
    assert proc.returncode == 0, proc.stderr
    assert "warehouse:" in proc.stdout and "failures:" in proc.stdout
    assert (root / "ogi.duckdb").exists()
    tables = {r[0] for r in warehouse.query(root, "SELECT table_name FROM duckdb_tables()")[1]}
    assert set(TABLES) <= tables
    for table in TABLES:
        assert warehouse.table_files(root, table), table
    names = {p for (p,) in warehouse.query(root, "SELECT source_path FROM reports")[1]}
    assert names == {f"samples/{p.name}" for p in samples}  # named by the folder given, not by absolute paths


def test_the_run_is_recorded_in_the_dagster_instance(ingested, home):
    import dagster as dg
    assert (home / "dagster.yaml").exists()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
    assert runs and runs[0].job_name == "ogi_ingest"
    assert runs[0].tags["dagster/asset_partition_range_end"] == "f"  # every shard, in one run
    assert "default_limit: 1" in (home / "dagster.yaml").read_text()  # the duckdb_writer pool


def test_second_ingest_extracts_nothing_and_changes_nothing(ingested, home):
    root, first = ingested
    before = {t: warehouse.read_table(root, t) for t in ("reports", "metrics", "quality_issues", "report_sources")}
    # files whose extraction crashed are retried by design; with a healthy extractor there are none
    retried = warehouse.query(root, "SELECT count(*) FROM reports WHERE starts_with(error, 'extractor crashed')")[1][0][0]
    proc = ogi("ingest", "samples", "--warehouse", "wh", cwd=root.parent, home=home)
    assert proc.returncode == 0, proc.stderr
    assert f"extracted {retried}," in proc.stdout
    if retried == 0:
        for table, frame in before.items():
            assert warehouse.read_table(root, table).equals(frame), table


def test_bad_files_fail_alone(tmp_path, samples):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(samples[0], raw)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "garbage.pdf").write_bytes(os.urandom(2048))
    proc = ogi("ingest", str(raw), "--warehouse", str(tmp_path / "wh"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = dict(warehouse.query(tmp_path / "wh", "SELECT source_path, status FROM reports")[1])
    assert {Path(p).name for p in rows} == {samples[0].name, "empty.txt", "garbage.pdf"}
    assert rows["raw/empty.txt"] == "failed" and rows["raw/garbage.pdf"] == "failed"
    errors = warehouse.query(tmp_path / "wh", "SELECT error FROM reports WHERE status = 'failed'")[1]
    assert all(e for (e,) in errors)


def test_query_formats(ingested):
    root, _ = ingested
    sql = "SELECT status, count(*) AS n FROM reports GROUP BY status"
    as_json = ogi("query", sql, "--warehouse", str(root), "--format", "json", cwd=root)
    assert as_json.returncode == 0 and sum(r["n"] for r in json.loads(as_json.stdout)) == 5
    as_csv = ogi("query", sql, "--warehouse", str(root), "--format", "csv", cwd=root)
    assert as_csv.stdout.splitlines()[0] == "status,n"
    table = ogi("query", "SELECT count(*) AS n FROM metrics", "--warehouse", str(root), cwd=root)
    assert table.returncode == 0 and table.stdout.splitlines()[0].strip() == "n"


def test_query_is_read_only_and_errors_are_reported(ingested, tmp_path):
    root, _ = ingested
    proc = ogi("query", "DROP TABLE reports", "--warehouse", str(root), cwd=tmp_path)
    assert proc.returncode == 1 and "read-only" in proc.stderr.lower()
    assert ogi("query", "SELECT 1", "--warehouse", str(tmp_path / "none"), cwd=tmp_path).returncode == 1
    assert sum(pl.read_parquet(f).height for f in warehouse.table_files(root, "reports")) == 5


def test_a_missing_path_is_an_error(tmp_path):
    proc = ogi("ingest", "no/such/folder", "--warehouse", str(tmp_path / "wh"), cwd=tmp_path)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    assert not (tmp_path / "wh").exists()


def test_issues_and_review_commands(tmp_path):
    """`ogi issues` prints a sample's known source inconsistency; `ogi review` writes its page
    (run where the folder given to `ogi ingest` is, so the stored `seeds/…` path resolves)."""
    wh = tmp_path / "wh"
    run = [sys.executable, "-m", "pipeline.cli"]
    corpus = Path(__file__).parent / "fixtures" / "corpus"
    subprocess.run(run + ["ingest", str(corpus / "seeds"), "--warehouse", str(wh)], check=True, capture_output=True, timeout=300)
    out = subprocess.run(run + ["issues", "--check", "CHANNELS", "--warehouse", str(wh)],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    assert "003_7f4b8ba8faad5c4e.txt" in out and "62" in out and "52" in out
    page = subprocess.run(run + ["review", "003_7f4b8ba8faad5c4e.txt", "--warehouse", str(wh), "--out", str(tmp_path / "r.html")],
                          check=True, capture_output=True, text=True, timeout=120, cwd=corpus,
                          env=os.environ | {"PYTHONPATH": str(PROJECT)})
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "review written" in page.stdout and 'data-code="requests.received"' in html
