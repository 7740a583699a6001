"""How `ogi ingest` runs its job (assets/run.py): the run is recorded in the instance as usual,
its SQLite files are kept open while it lasts (so SQLite does not checkpoint and delete the
write-ahead log after every event) and written with `synchronous = NORMAL`, only those files,
only during the run; the instance is left as Dagster leaves it."""
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy
from sqlalchemy.pool import NullPool

from assets import run as ingest_run


def wal_db(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as con:           # closed now, not when collected
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("CREATE TABLE t (x)")
        con.commit()
    return path


def write_once(path: Path) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}", poolclass=NullPool)   # as Dagster does, per event
    with engine.begin() as con:
        con.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()


def test_kept_open_the_log_survives_each_writer_and_is_checkpointed_at_the_end(tmp_path):
    db = wal_db(tmp_path / "events.db")
    wal = Path(f"{db}-wal")
    write_once(db)
    assert not wal.exists()                       # the last connection to close checkpointed and deleted it
    with ingest_run.event_storage_kept_open([str(db)]):
        write_once(db)
        write_once(db)
        assert wal.exists()                       # no checkpoint per write while the run lasts
    assert not wal.exists()
    with closing(sqlite3.connect(db)) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (3,)


def synchronous(path: Path) -> int:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with engine.connect() as con:
        value = con.exec_driver_sql("PRAGMA synchronous").scalar()
    engine.dispose()
    return value


def test_relaxed_sync_applies_to_the_run_files_only_and_only_during_the_run(tmp_path):
    ours, other = wal_db(tmp_path / "run.db"), wal_db(tmp_path / "other.db")
    with ingest_run.relaxed_sync([str(ours)]):
        assert synchronous(ours) == 1 and synchronous(other) == 2       # NORMAL / FULL
    assert synchronous(ours) == 2


def test_storage_files_are_the_run_event_log_the_index_and_the_runs_db(tmp_path):
    run_id = str(uuid.uuid4())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        files = ingest_run.storage_files(instance, run_id)
    assert {Path(f).name for f in files} == {f"{run_id}.db", "index.db", "runs.db"}
    assert all(Path(f).is_relative_to(tmp_path.resolve()) for f in files)
    with dg.DagsterInstance.ephemeral() as instance:
        assert ingest_run.storage_files(instance, run_id) == []           # nothing on disk to keep open


def test_the_run_is_recorded_whole_and_the_instance_left_checkpointed(tmp_path, dagster_home, fake_extractor, samples):
    ok, stats = ingest_run.run_ingest(samples[:2], tmp_path / "wh")
    assert ok and stats["extracted"] == 2 and stats["failed_steps"] == []
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        events = instance.all_logs(run.run_id)
    assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/asset_partition_range_end"] == "f"
    kinds = [e.dagster_event.event_type_value for e in events if e.dagster_event]
    assert kinds.count("ASSET_MATERIALIZATION") == 4 * 16 + 6 and kinds.count("ASSET_CHECK_EVALUATION") == 15
    assert not list(dagster_home.rglob("*.db-wal"))                    # every log folded into its database


def test_a_run_that_never_starts_leaves_no_event_log_behind(tmp_path, dagster_home, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the run could not be created")

    monkeypatch.setattr(dg.JobDefinition, "execute_in_process", refuse)
    with pytest.raises(RuntimeError):
        ingest_run.run_ingest([tmp_path], tmp_path / "wh")
    assert {p.name for p in dagster_home.rglob("*.db*")} <= {"index.db", "runs.db", "schedules.db"}
