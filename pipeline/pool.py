"""Running the extractor over many files: one file at a time, never letting one file stop the run.

- `extract_one`: (report row, metric rows, issue rows) of one file. Any failure — unreadable,
  not a regular file, too large, empty, changed since it was hashed, an extractor exception —
  is a failed report with the error. Absolute paths of the machine are replaced in every text
  value by the names the warehouse uses (`Job.hide`).
- `Extractor.run`: `extract_one` over the jobs of a stream of plans (one plan per bucket),
  yielding each plan with its results in order, so the caller can write bucket by bucket while
  the next ones are extracted (memory stays bounded by a few buckets). The first
  `pool_threshold` files run in-process; past that, a pool of `workers` spawned processes
  takes over. A worker that dies (a native library crashing on a file) breaks the pool: the
  pool is restarted, and the file being waited for is tried again alone, so only the file
  that kills a worker fails. A file that takes longer than `timeout` seconds (in the pool) is
  stopped and fails.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model import ReadError
from pipeline.read import check_size  # the readers' limit: OGI_MAX_FILE_MB, else 50 MB
from pipeline.scan import open_regular
from pipeline.version import EXTRACTOR_VERSION

Result = tuple[dict, list[dict], list[dict]]


@dataclass(frozen=True)
class Job:
    path: str                               # where to read the file (never stored)
    report_id: str                          # the sha256 the scan found
    source_path: str                        # the name the warehouse gives it
    hide: tuple[tuple[str, str], ...] = ()  # (absolute prefix, what to write instead)


def failed_report(source_path: str, report_id: str, size: int | None, error: str) -> dict:
    return {"report_id": report_id, "source_path": source_path, "bytes": size or 0, "status": "failed", "error": error,
            "format": Path(source_path).suffix.lower().lstrip(".") or None, "extractor_version": EXTRACTOR_VERSION}


def _scrub(rows: Iterable[dict], hide: tuple[tuple[str, str], ...]) -> None:
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and "/" in value:
                for prefix, instead in hide:
                    if prefix in value:
                        value = value.replace(prefix, instead)
                row[key] = value


def _read(job: Job, max_bytes: int | None) -> bytes | dict:
    try:
        with os.fdopen(open_regular(job.path), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            check_size(size, max_bytes)  # too large (or empty): refused before reading
            return handle.read()
    except ReadError as exc:
        return failed_report(job.source_path, job.report_id, size, str(exc))
    except OSError as exc:
        return failed_report(job.source_path, job.report_id, None, f"cannot read file: {exc.strerror or exc}")


def extract_one(job: Job, max_bytes: int | None = None) -> Result:
    """(report row, metric rows, issue rows) of one file; any failure becomes a failed report."""
    data = _read(job, max_bytes)
    if isinstance(data, dict):
        result: Result = (data, [], [])
    elif hashlib.sha256(data).hexdigest() != job.report_id:
        result = (failed_report(job.source_path, job.report_id, len(data), "file changed while being ingested; ingest again"), [], [])
    else:
        try:
            from pipeline.process import process_file  # imported here: a broken extractor fails files, not the run
            out = process_file(Path(job.path), data)
            report, metrics, issues = dict(out.report), [dict(m) for m in out.metrics], [dict(i) for i in out.issues]
            report.update(report_id=job.report_id, source_path=job.source_path, bytes=len(data), extractor_version=EXTRACTOR_VERSION)
            for row in (*metrics, *issues):
                row["report_id"] = job.report_id
            result = (report, metrics, issues)
        except Exception as exc:  # the extractor promises not to raise; a bug must not stop the run
            result = (failed_report(job.source_path, job.report_id, len(data), f"extractor crashed: {type(exc).__name__}: {exc}"), [], [])
    _scrub([result[0], *result[1], *result[2]], job.hide)
    return result


@dataclass
class _Item:
    job: Job
    future: Future | None = None
    result: Result | None = None


@dataclass
class Extractor:
    workers: int = 2
    pool_threshold: int = 50
    timeout: float = 600.0
    max_bytes: int | None = None          # None: the readers' limit (OGI_MAX_FILE_MB, else 50 MB)
    progress: Callable[[int, str], None] | None = None
    fn: Callable[[Job, int | None], Result] = extract_one   # what runs per file (a top-level function: it is pickled)
    done: int = 0
    _submitted: int = 0
    _pool: ProcessPoolExecutor | None = None
    _open: deque = field(default_factory=deque)

    def _new_pool(self, workers: int | None = None) -> ProcessPoolExecutor:
        # no max_tasks_per_child: with it, CPython 3.11's pool can stop replacing its workers and hang
        return ProcessPoolExecutor(max_workers=workers or self.workers, mp_context=multiprocessing.get_context("spawn"))

    @staticmethod
    def _kill(pool: ProcessPoolExecutor) -> None:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, job: Job) -> _Item:
        self._submitted += 1
        item = _Item(job)
        if self.workers <= 1 or (self._pool is None and self._submitted <= self.pool_threshold):
            item.result = self.fn(job, self.max_bytes)
            return item
        self._pool = self._pool or self._new_pool()
        item.future = self._pool.submit(self.fn, job, self.max_bytes)
        self._open.append(item)
        return item

    def _restart(self, but: _Item) -> None:
        """A new pool; every open item whose result was lost is submitted to it again."""
        self._kill(self._pool)
        self._pool = self._new_pool()
        for item in self._open:
            if item is not but and item.result is None:
                lost = not item.future.done() or item.future.cancelled() or item.future.exception() is not None
                if lost:
                    item.future = self._pool.submit(self.fn, item.job, self.max_bytes)

    def _alone(self, job: Job) -> Result:
        pool = self._new_pool(1)
        try:
            return pool.submit(self.fn, job, self.max_bytes).result(timeout=self.timeout)
        except FutureTimeout:
            return self._failed(job, f"extraction took longer than {self.timeout:.0f} s and was stopped")
        except BrokenProcessPool:
            return self._failed(job, "the extraction worker died on this file (a crash in a native library?)")
        finally:
            self._kill(pool)

    @staticmethod
    def _failed(job: Job, error: str) -> Result:
        return failed_report(job.source_path, job.report_id, None, error), [], []

    def _wait(self, item: _Item) -> Result:
        if item.result is None:
            try:
                item.result = item.future.result(timeout=self.timeout)
            except FutureTimeout:
                self._restart(but=item)
                item.result = self._failed(item.job, f"extraction took longer than {self.timeout:.0f} s and was stopped")
            except BrokenProcessPool:
                self._restart(but=item)
                item.result = self._alone(item.job)
            except Exception as exc:  # the result could not come back (e.g. it does not pickle)
                item.result = self._failed(item.job, f"extraction worker failed: {type(exc).__name__}: {exc}")
            while self._open and self._open[0].result is not None:
                self._open.popleft()
        self.done += 1
        if self.progress:
            self.progress(self.done, item.job.source_path)
        return item.result

    def run(self, plans: Iterable) -> Iterator[tuple[object, list[Result]]]:
        """(plan, its results in job order) for each plan (anything with a `jobs` list), in order."""
        queue: deque = deque()
        source = iter(plans)
        window = max(8, 4 * self.workers)

        def fill() -> None:
            while len(queue) < 2 or sum(len(items) for _, items in queue) < window:
                plan = next(source, None)
                if plan is None:
                    return
                queue.append((plan, [self._submit(job) for job in plan.jobs]))

        try:
            fill()
            while queue:
                plan, items = queue.popleft()
                results = [self._wait(item) for item in items]
                yield plan, results
                fill()
        finally:
            if self._pool is not None:
                self._kill(self._pool)
                self._pool = None
