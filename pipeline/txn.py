"""Writers of one warehouse: who may write when, and Parquet changes that land whole or not at all.

- `writer_lock`: a file lock (`.writer.lock`, flock) taken by every step that writes. Steps
  that write whole tables (the scan, the dimensions, the DuckDB load) take it exclusively;
  extraction steps share it and lock each shard they write (`.locks/shard-<k>.lock`), so
  extraction runs over different shards may overlap but nothing overlaps a whole-table
  writer. A busy lock is waited for (the waiter is told who holds it) or, with `wait=False`,
  refused with `WarehouseBusy`. The kernel releases a lock when its holder dies.
- `commit`: writes a set of Parquet files (and removals) as one unit through a journal in
  `parquet/.journal/<name>/`: the new files first, then `COMMIT.json`, then the renames. A
  writer killed before COMMIT.json leaves the old files untouched; one killed after it is
  rolled forward by `recover`, which every writer runs under the lock before writing.
- `crash_point`: a named point where tests kill the process (`OGI_CRASH_AT=<name>`; the env
  var is never set outside tests).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import polars as pl

LOCK_NAME = ".writer.lock"
JOURNAL = ".journal"


class WarehouseBusy(RuntimeError):
    """Another writer holds the warehouse and the caller chose not to wait."""


def crash_point(name: str) -> None:
    """Kill this process right here when the tests ask for it (OGI_CRASH_AT=name)."""
    if os.environ.get("OGI_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holders(root: Path | str) -> list[str]:
    """Who holds locks on the warehouse now (live processes only), e.g. 'pid 42: ingest since 10:01:02'."""
    folder = Path(root) / ".locks"
    out = []
    for f in sorted(folder.glob("*.holder")) if folder.is_dir() else []:
        try:
            info = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if info.get("pid") != os.getpid() and alive(int(info.get("pid", 0))):
            out.append(f"pid {info['pid']}: {info.get('what', '?')} since {info.get('since', '?')}")
    return sorted(set(out))


@contextmanager
def _flock(path: Path, mode: int, wait: bool, on_wait: Callable[[str], None] | None, root: Path, what: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            who = "; ".join(holders(root)) or "another process"
            message = f"the warehouse {root.name}/ is being written by {who}"
            if not wait:
                raise WarehouseBusy(f"{message}; try again when it has finished") from None
            if on_wait:
                on_wait(f"{message}; waiting for it to finish ({what})")
            fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def writer_lock(root: Path | str, what: str, *, exclusive: bool = True, shards: list[str] = (), wait: bool = True,
                on_wait: Callable[[str], None] | None = None):
    """Hold the warehouse for writing (see the module docstring); runs `recover` once held."""
    root = Path(root)
    (root / ".locks").mkdir(parents=True, exist_ok=True)
    holder = root / ".locks" / f"{os.getpid()}-{time.monotonic_ns()}.holder"
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    with _flock(root / LOCK_NAME, mode, wait, on_wait, root, what):
        held = []
        try:
            for shard in sorted(shards):
                lock = _flock(root / ".locks" / f"shard-{shard}.lock", fcntl.LOCK_EX, wait, on_wait, root, what)
                lock.__enter__()
                held.append(lock)
            holder.write_text(json.dumps({"pid": os.getpid(), "what": what, "since": time.strftime("%H:%M:%S")}))
            recover(root, None if exclusive else [f"bucket-{s}" for s in shards])
            yield
        finally:
            holder.unlink(missing_ok=True)
            for lock in reversed(held):
                lock.__exit__(None, None, None)


def _journal(root: Path) -> Path:
    return Path(root) / "parquet" / JOURNAL


def _apply(root: Path, jdir: Path) -> None:
    manifest = json.loads((jdir / "COMMIT.json").read_text())
    for i, (rel, tmp) in enumerate(manifest.items()):
        target = Path(root) / "parquet" / rel
        if tmp is None:
            target.unlink(missing_ok=True)
        elif (jdir / tmp).exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(jdir / tmp, target)
        if i == 0:
            crash_point("commit-applying")
    shutil.rmtree(jdir)


def recover(root: Path | str, prefixes: list[str] | None = None) -> list[str]:
    """Finish committed journals and drop unfinished ones (all, or those named with a prefix)."""
    done = []
    journal = _journal(Path(root))
    for jdir in sorted(journal.iterdir()) if journal.is_dir() else []:
        if prefixes is not None and not any(jdir.name.startswith(p) for p in prefixes):
            continue
        if (jdir / "COMMIT.json").exists():
            _apply(Path(root), jdir)
            done.append(f"{jdir.name}: rolled forward")
        else:
            shutil.rmtree(jdir, ignore_errors=True)
            done.append(f"{jdir.name}: discarded")
    return done


def commit(root: Path | str, name: str, files: dict[str, pl.DataFrame | None]) -> None:
    """Replace `parquet/<rel>` for every rel in `files` at once; None or an empty frame removes it."""
    root = Path(root)
    jdir = _journal(root) / name
    if jdir.exists():
        recover(root, [name])
    jdir.mkdir(parents=True)
    manifest = {}
    for i, (rel, frame) in enumerate(sorted(files.items())):
        if frame is None or frame.height == 0:
            manifest[rel] = None
        else:
            frame.write_parquet(jdir / f"{i}.parquet", compression="zstd", statistics=True)
            manifest[rel] = f"{i}.parquet"
    crash_point("commit-written")
    tmp = jdir / ".COMMIT.json.tmp"
    tmp.write_text(json.dumps(manifest))
    os.replace(tmp, jdir / "COMMIT.json")
    _apply(root, jdir)
