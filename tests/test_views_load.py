"""The DuckDB load around its readers (pipeline/standby.py, pipeline/load.py): a reader holding
the database keeps it through loads, which go around it; a database most of which changed is
built again compact; a swap cut short by a crash is finished by the next load. (Loads by
difference equal to full rebuilds: test_warehouse.py and test_views_stored.py.)"""
import os
import subprocess
import sys

import duckdb

from pipeline import load, standby, warehouse
from tests.test_views_stored import _equals_a_full_rebuild
from tests.test_warehouse import run


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM reports").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM reports").fetchone()[0], flush=True)
"""


def test_a_reader_keeps_its_database_and_the_loads_go_around_it(tmp_path, fake_extractor):
    """A reader holding `ogi.duckdb` open through two loads: the first swaps a new database in
    (the reader's becomes the standby); the second finds the standby held and copies the live
    database instead; the reader sees its snapshot throughout, `ogi query` the latest."""
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()

    def add(start: int, n: int) -> dict:
        for i in range(start, start + n):
            (raw / f"r{i:02d}.txt").write_text(f"one {i}")
        run(wh, [raw])
        how: dict = {}
        warehouse.load_duckdb(wh, how=how)
        return how

    add(0, 10)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(wh / "ogi.duckdb")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "10"
        assert add(10, 2)["database"] == "standby"
        assert add(12, 2)["database"] == "copy of live"
        assert warehouse.query(wh, "SELECT count(*) FROM reports")[1] == [(14,)]
        out, _ = reader.communicate("go\n", timeout=60)
        assert out.strip() == "10"
    finally:
        reader.kill()
        reader.wait()
    assert add(14, 1)["database"] == "standby"
    _equals_a_full_rebuild(wh, tmp_path)


def test_a_database_mostly_changed_is_built_again_compact(tmp_path, fake_extractor, monkeypatch):
    """When most of a (big) database changed, deleting and inserting it all in one transaction
    would leave a file twice its size: it is built from scratch instead, and copied to the standby."""
    monkeypatch.setattr(load, "REBUILD_ABOVE_BYTES", 0)   # "big": every database here
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    (raw / "r00.txt").write_text("one 0")
    run(wh, [raw])
    warehouse.load_duckdb(wh)
    for i in range(1, 30):
        (raw / f"r{i:02d}.txt").write_text(f"one {i}")
    run(wh, [raw])
    how: dict = {}
    warehouse.load_duckdb(wh, how=how)
    assert how["database"] == "new" and how["reports"] == "in full"
    assert (wh / ".ogi.duckdb.standby").stat().st_size == (wh / "ogi.duckdb").stat().st_size
    assert (wh / ".ogi.duckdb.standby").stat().st_ino != (wh / "ogi.duckdb").stat().st_ino
    assert warehouse.query(wh, "SELECT count(*) FROM reports")[1] == [(30,)]


def test_a_swap_cut_short_is_finished_by_the_next_load(tmp_path):
    target = tmp_path / "ogi.duckdb"
    db = standby.Standby(target, {})
    for name in ("ogi.duckdb", ".ogi.duckdb.standby"):
        duckdb.connect(str(tmp_path / name)).close()
    os.link(target, db.prev)               # killed after linking the live file: the standby is intact
    db.recover()
    assert not db.prev.exists() and db.path.exists() and target.exists()
    os.replace(db.path, db.prev)           # killed after the rename: the old live file is the standby
    db.recover()
    assert db.path.exists() and not db.prev.exists()
