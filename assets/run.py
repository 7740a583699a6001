"""How `ogi ingest` runs the job `ogi_ingest`: in-process, over every shard, recorded in the
persistent Dagster instance ($DAGSTER_HOME), with what the run's outcome needs for the CLI's
summary (`run_ingest`). Earlier runs whose process died are released first.

A run writes ~200 events to Dagster's SQLite storage (one per step start and end, per output,
per check, and one planned event and one materialization per core asset and shard). Dagster
opens and closes a connection for every write; when the last connection to a SQLite database
in WAL mode closes, SQLite checkpoints the log into the database and deletes it, which costs
several fsyncs per event. So while the run lasts, `event_storage_kept_open` keeps one idle
connection (no transaction, no lock held against writers) to the run's event database, the
event index and the run database: the log is checkpointed when it grows and at the end, not
after every event. And `relaxed_sync` sets `PRAGMA synchronous = NORMAL` on the connections
this process opens to those SQLite files: with WAL, NORMAL stays consistent after any crash and
only a power cut can lose the last committed events (SQLite documents it as the usual WAL
setting). Neither changes what is recorded; a storage that is not SQLite is left alone.
"""
from __future__ import annotations

import os
import socket
import sqlite3
import sys
import uuid
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path

import dagster as dg
import sqlalchemy
from sqlalchemy import event

from assets.definitions import FULL_RANGE, JOB_NAME, build_defs
from pipeline import txn


def root_cause(error) -> str:
    """The innermost message of a Dagster SerializableErrorInfo chain."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message.strip()


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Earlier `ogi ingest` runs on this machine whose process died (kill -9, a crash) without
    ending their run: marked failed, and their concurrency slots freed — else the dead run would
    hold the `duckdb_writer` pool and every later run would wait for it forever."""
    released = []
    live = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=live, tags={"ogi/host": socket.gethostname()})):
        pid = int(run.tags.get("ogi/pid", "0"))
        if pid and pid != os.getpid() and not txn.alive(pid):
            instance.report_run_failed(run, f"the ogi ingest process (pid {pid}) died before the run ended")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            released.append(run.run_id)
    return released


def _sqlite_file(connection) -> str | None:
    """The database file of a SQLAlchemy connection to SQLite (not an in-memory database)."""
    url = connection.engine.url
    path = url.database if url.get_backend_name() == "sqlite" else None
    return path if path and os.path.isabs(path) and os.path.isfile(path) else None


def storage_files(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The SQLite files the run will write (its event database, created here as Dagster creates
    it; the event index; the run database); none when the storage is not SQLite."""
    events = instance.event_log_storage
    opens = [lambda: events.run_connection(run_id), events.index_connection, instance.run_storage.connect]
    files = set()
    for open_connection in opens:
        try:
            with open_connection() as connection:
                path = _sqlite_file(connection)
        except Exception:  # another kind of storage: nothing to keep open
            continue
        if path:
            files.add(os.path.realpath(path))
    return sorted(files)


@contextmanager
def event_storage_kept_open(files: list[str]):
    """One idle connection to each file while the block runs (see the module's docstring)."""
    with ExitStack() as stack:
        for path in files:
            held = stack.enter_context(closing(sqlite3.connect(path, timeout=30, isolation_level=None)))
            held.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the WAL index
        yield


def _normal_sync(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection) and _SYNC_FILES:
        name = dbapi_connection.execute("PRAGMA database_list").fetchone()[2]
        if name and os.path.realpath(name) in _SYNC_FILES:
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")


_SYNC_FILES: set[str] = set()


@contextmanager
def relaxed_sync(files: list[str]):
    """`PRAGMA synchronous = NORMAL` on this process's SQLAlchemy connections to `files`."""
    _SYNC_FILES.update(files)
    if not event.contains(sqlalchemy.engine.Engine, "connect", _normal_sync):
        event.listen(sqlalchemy.engine.Engine, "connect", _normal_sync)
    try:
        yield
    finally:
        _SYNC_FILES.difference_update(files)


def run_ingest(paths: list[Path], root: Path, full: bool = False, wait: bool = True) -> tuple[bool, dict]:
    """Execute `ogi_ingest` over every shard in-process; (success, stats of the extraction step)."""
    job = build_defs(str(root), [str(p) for p in paths], full, wait=wait).resolve_job_def(JOB_NAME)
    with dg.DagsterInstance.get() as instance:
        for run_id in release_dead_runs(instance):
            print(f"ogi ingest: run {run_id} had died; marked failed and its pool slots freed", file=sys.stderr)
        tags = {"ogi/warehouse": root.name, "ogi/pid": str(os.getpid()), "ogi/host": socket.gethostname(), **FULL_RANGE}
        run_id = str(uuid.uuid4())
        files = storage_files(instance, run_id)
        try:
            with relaxed_sync(files), event_storage_kept_open(files):
                result = job.execute_in_process(
                    instance=instance, raise_on_error=False, tags=tags, run_id=run_id,
                    run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                )
        finally:
            if instance.get_run_by_id(run_id) is None:   # the run was never created: no empty event log left
                for path in files:
                    if Path(path).name == f"{run_id}.db":
                        for leftover in (path, f"{path}-wal", f"{path}-shm"):
                            Path(leftover).unlink(missing_ok=True)
    return result.success and "out_warehouse_duckdb" in _materializations(result), outcome(result)


def _materializations(result: dg.ExecuteInProcessResult) -> dict:
    return {e.asset_key.to_user_string(): e.event_specific_data.materialization for e in result.get_asset_materialization_events()}


def outcome(result: dg.ExecuteInProcessResult) -> dict:
    """The run's counts for the summary: the extraction's numbers, the scan's, failed checks and steps."""
    mats = _materializations(result)
    stats = {k: v.value for k, v in mats["core_reports"].metadata.items()
             if isinstance(v.value, (int, float))} if "core_reports" in mats else {}
    if "raw_report_files" in mats:
        meta = mats["raw_report_files"].metadata
        stats |= {k: meta[k].value for k in ("files", "distinct_contents", "vanished") if k in meta}
    stats["failed_checks"] = [e.event_specific_data.check_name for e in result.all_events
                              if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed]
    stats["failed_steps"] = [f"{e.step_key}: {root_cause(e.event_specific_data.error)}"
                             for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return stats
