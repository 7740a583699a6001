"""The raw store the fetcher writes and `ogi ingest DIR` reads.

Layout under RAW (default data/raw/fetched):
  <source>/<title>__<url stem>.<ext>   each report, readable; what `ogi ingest RAW` finds
  .objects/ab/<sha256>                 every body kept, content-addressed (index pages too)
  .fetch/records.jsonl                 the fetch record: one JSON line per URL per run
  .fetch/lock                          one fetch run at a time per store
The dot folders are skipped by `ogi ingest` (hidden), so each report is ingested once, from
its readable path; a readable file is a hard link to its object (a copy where links are not
possible). The record is append-only; `state()` reads it back: per URL, the last good fetch
(sha256, path, ETag, Last-Modified) that the next run's conditional requests start from.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import polars as pl

RECORD_SCHEMA = {
    "run_id": pl.String, "source": pl.String, "kind": pl.String, "url": pl.String, "final_url": pl.String,
    "referrer": pl.String, "title": pl.String, "fetched_at": pl.String, "outcome": pl.String,
    "http_status": pl.Int64, "content_type": pl.String, "charset": pl.String, "etag": pl.String,
    "last_modified": pl.String, "sha256": pl.String, "bytes": pl.Int64, "path": pl.String,
    "attempts": pl.Int64, "seconds": pl.Float64, "error": pl.String, "note": pl.String, "jurisdiction_name": pl.String,
    "adcode": pl.String,
}
GOOD = ("new", "changed", "unchanged", "not_modified", "known")   # outcomes that leave the content in store


class StoreBusy(RuntimeError):
    """Another fetch run holds the store's lock."""


class RawStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()
        self.meta = self.root / ".fetch"
        self.objects = self.root / ".objects"
        self.records_file = self.meta / "records.jsonl"
        self._write = threading.Lock()

    @contextmanager
    def lock(self):
        """Hold the store for one run; StoreBusy if another run holds it."""
        self.meta.mkdir(parents=True, exist_ok=True)
        with open(self.meta / "lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreBusy(f"another fetch run is writing to {self.root}") from None
            try:
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- content-addressed objects ----------------------------------------------------------
    def object_path(self, sha: str) -> Path:
        return self.objects / sha[:2] / sha[2:]

    def put(self, data: bytes) -> str:
        """Store bytes under their sha256 (once); return the sha256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.object_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self._atomic_write(path, data)
        return sha

    def get(self, sha: str | None) -> bytes | None:
        try:
            return self.object_path(sha).read_bytes() if sha else None
        except OSError:
            return None

    def link(self, sha: str, relative: str) -> bool:
        """Make RAW/<relative> hold the object's bytes; False when it already did."""
        target, source = self.root / relative, self.object_path(sha)
        if target.exists() and _same_file(target, source, sha):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.unlink(missing_ok=True)
            os.link(source, tmp)
        except OSError:                         # another file system, or links not allowed: copy
            self._atomic_write(tmp, source.read_bytes())
        os.replace(tmp, target)
        return True

    @staticmethod
    def _atomic_write(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- the fetch record ---------------------------------------------------------------------
    def append(self, record: dict) -> None:
        """Add one record line (thread-safe, flushed at once so a crash loses nothing)."""
        row = {k: record.get(k) for k in RECORD_SCHEMA}
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._write:
            self.meta.mkdir(parents=True, exist_ok=True)
            with open(self.records_file, "a", encoding="utf-8") as handle:
                handle.write(line)

    def records(self) -> pl.DataFrame:
        """The whole record as a frame (RECORD_SCHEMA); unreadable lines are skipped."""
        rows = []
        if self.records_file.exists():
            for line in self.records_file.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:        # a line cut short by a crash
                    continue
                if isinstance(row, dict):
                    rows.append({k: row.get(k) for k in RECORD_SCHEMA})
        return pl.DataFrame(rows, schema=RECORD_SCHEMA)

    def state(self) -> dict[str, dict]:
        """Per URL, its last good record whose bytes are still in the store."""
        last: dict[str, dict] = {}
        frame = self.records()
        for row in frame.filter(pl.col("outcome").is_in(GOOD) & pl.col("sha256").is_not_null()).iter_rows(named=True):
            last[row["url"]] = row
        return {url: row for url, row in last.items() if self.object_path(row["sha256"]).exists()}

    def readable_files(self) -> list[Path]:
        """The report files `ogi ingest` will see (dot files and folders skipped)."""
        found = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [Path(folder) / f for f in files if not f.startswith(".")]
        return sorted(found)


def _same_file(a: Path, b: Path, sha: str) -> bool:
    try:
        if os.path.samefile(a, b):
            return True
        return a.stat().st_size == b.stat().st_size and hashlib.sha256(a.read_bytes()).hexdigest() == sha
    except OSError:
        return False
