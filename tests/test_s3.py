"""The Parquet files mirrored to object storage: against a local S3 server (moto, on 127.0.0.1,
stopped by the test), a run with OGI_PARQUET_MIRROR=s3://… leaves in the bucket the same
tables as the local warehouse; a run with no change uploads nothing; a bucket file that goes
away locally goes away in S3."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import polars as pl
import pyarrow.fs as pafs
import pytest

from assets.definitions import FULL_RANGE, JOB_NAME, build_defs
from pipeline import mirror, warehouse

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def s3(monkeypatch, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=open(tmp_path / "moto.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "moto.log").read_text()
                time.sleep(0.5)
        for key, value in {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}.items():
            monkeypatch.setenv(key, value)
        pafs.S3FileSystem(endpoint_override=f"http://127.0.0.1:{port}", scheme="http", region="us-east-1",
                          allow_bucket_creation=True).create_dir("ogi")  # the bucket
        yield mirror.filesystem("s3://ogi")[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def remote_table(fs, table: str) -> pl.DataFrame:
    files = [f.path for f in fs.get_file_info(pafs.FileSelector(f"ogi/wh/{table}")) if f.path.endswith(".parquet")]
    frames = []
    for path in sorted(files):
        with fs.open_input_file(path) as handle:
            frames.append(pl.read_parquet(handle.read()))
    return pl.concat(frames, how="diagonal_relaxed")


def test_a_run_mirrors_every_table_to_s3_and_keeps_it_in_step(s3, tmp_path, fake_extractor):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(6):
        (raw / f"r{i}.txt").write_text(f"report {i}")
    wh = tmp_path / "wh"

    def run():
        job = build_defs(str(wh), [str(raw)], parquet_mirror="s3://ogi/wh").resolve_job_def(JOB_NAME)
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(instance=instance, tags=FULL_RANGE)
        assert result.success
        return {e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
                for e in result.get_asset_materialization_events()}["out_parquet_mirror"]

    first = run()
    assert first["uploaded"].value == first["files"].value > 0
    for table in ("reports", "metrics", "report_sources", "dim_metric"):
        local = warehouse.read_table(wh, table)
        assert remote_table(s3, table).sort(local.columns[:2]).equals(local.sort(local.columns[:2])), table
    assert run()["uploaded"].value == 0  # nothing changed, nothing sent
    (raw / "r0.txt").write_text("report 0, edited")  # its old content's bucket may empty out
    third = run()
    assert third["uploaded"].value > 0
    assert sorted(remote_table(s3, "report_sources")["source_path"].to_list()) == sorted(
        warehouse.read_table(wh, "report_sources")["source_path"].to_list())
