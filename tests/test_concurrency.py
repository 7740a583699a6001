"""Writers and readers at once: a second writer waits (told who holds the warehouse) or, with
`ogi ingest --no-wait`, stops at once with a clear message and exit status 3; extraction
steps over different shards may overlap, nothing overlaps a whole-table writer; a reader
holding the database open never blocks the writer that swaps in a new one, and keeps its
consistent old snapshot meanwhile."""
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from pipeline import txn, warehouse

PROJECT = Path(__file__).resolve().parents[1]


def test_a_second_writer_waits_for_the_first_and_is_told_who_it_is(tmp_path):
    released, messages = threading.Event(), []

    def hold():
        with txn.writer_lock(tmp_path, "the first writer"):
            time.sleep(1.0)
        released.set()

    first = threading.Thread(target=hold)
    first.start()
    time.sleep(0.3)
    with txn.writer_lock(tmp_path, "the second writer", on_wait=messages.append):
        assert released.is_set()
    first.join()
    assert len(messages) == 1 and "waiting" in messages[0]


def test_without_waiting_a_busy_warehouse_is_refused(tmp_path):
    with txn.writer_lock(tmp_path, "extracting shards 0..7", exclusive=False, shards=list("01234567")):
        with txn.writer_lock(tmp_path, "another shard", exclusive=False, shards=["8"], wait=False):
            pass  # other shards: fine
        for kwargs in ({"exclusive": False, "shards": ["3"]}, {"exclusive": True}):
            with pytest.raises(txn.WarehouseBusy):
                with txn.writer_lock(tmp_path, "intruder", wait=False, **kwargs):
                    pass


def test_ogi_ingest_no_wait_stops_with_a_clear_message(tmp_path, samples):
    env = os.environ | {"PYTHONPATH": str(PROJECT)}
    with txn.writer_lock(tmp_path / "wh", "the Dagster UI's run"):
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(samples[0]), "--warehouse",
                               str(tmp_path / "wh"), "--no-wait"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ogi ingest: the warehouse wh/ is being written by pid") and "the Dagster UI's run" in last
    assert "try again" in last


READER = """import sys
from pipeline import warehouse
con = warehouse.connect_read_only(sys.argv[1])
print(con.execute("SELECT count(*) FROM dim_metric").fetchall()[0][0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM dim_metric").fetchall()[0][0], flush=True)
"""


def test_a_reader_never_blocks_the_writer_and_keeps_its_snapshot(tmp_path):
    warehouse.write_table(tmp_path, "dim_metric", pl.DataFrame({"metric_code": ["a"]}))
    warehouse.load_duckdb(tmp_path)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=os.environ | {"PYTHONPATH": str(PROJECT)})
    try:
        assert reader.stdout.readline().strip() == "1"  # the reader has the database open
        warehouse.write_table(tmp_path, "dim_metric", pl.DataFrame({"metric_code": ["a", "b"]}))
        started = time.monotonic()
        warehouse.load_duckdb(tmp_path)
        assert time.monotonic() - started < 60
        out, _ = reader.communicate("go\n", timeout=60)
        assert out.strip() == "1"  # its snapshot did not change under it
        assert warehouse.query(tmp_path, "SELECT count(*) FROM dim_metric")[1] == [(2,)]
    finally:
        reader.kill()
        reader.wait()
