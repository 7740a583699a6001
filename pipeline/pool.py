"""Running the extractor over many files, never letting one file stop the run.

`Extractor.run` takes a stream of plans (one per bucket, each with its `jobs`), groups
consecutive plans into batches of about `batch_size` files (or `batch_mb` of input), and has a
pool of `workers` spawned processes extract each batch and return it as contract-checked
frames (`pipeline.batch.extract_batch`): the parent only merges and writes, so the CPU-heavy
work is spread over all cores and little crosses the process boundary. It yields each plan
with its part of the batch, in order, so the caller writes bucket by bucket while the next
batches are extracted: memory stays bounded by a few batches, whatever the corpus size.
Small runs (up to `pool_threshold` files) are extracted in-process.

A batch that fails as a whole — a worker killed by a native library crashing on a file, a
file hanging past the batch's time limit (`timeout` + 2 s per file) — is extracted again one
file at a time (`extract_one`, see pipeline.extract_file): a worker that dies breaks the pool,
the pool is restarted and the file being waited for is tried again alone, so only the file
that kills a worker fails; a file that takes longer than `timeout` seconds is stopped and fails.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace

from pipeline.batch import Batch, extract_batch, frames_of
from pipeline.extract_file import Job, Result, extract_one, failed_report

__all__ = ["Batch", "Extractor", "Job", "Result", "extract_one", "failed_report"]
PER_FILE_SECONDS = 2.0   # added to `timeout` per file of a batch before the batch is given up


@dataclass
class _Item:
    job: Job
    future: Future | None = None
    result: Result | None = None


@dataclass
class _Batch:
    plans: list
    jobs: list[Job]
    future: Future | None = None
    batch: Batch | None = None


@dataclass
class Extractor:
    workers: int = 2
    pool_threshold: int = 50
    timeout: float = 600.0
    batch_size: int = 256                 # files per batch (a batch closes at whole plans)
    batch_mb: float = 32.0                # ... or at this much input
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

    def _start(self, handle: _Batch, now: dt.datetime) -> None:
        if not handle.jobs:
            handle.batch = Batch.empty()
            return
        self._submitted += len(handle.jobs)
        if self.workers <= 1 or (self._pool is None and self._submitted <= self.pool_threshold):
            handle.batch = extract_batch(handle.jobs, self.max_bytes, now, self.fn)
            return
        self._pool = self._pool or self._new_pool()
        handle.future = self._pool.submit(extract_batch, handle.jobs, self.max_bytes, now, self.fn)

    def _resubmit(self, but: _Batch, queue: Iterable[_Batch], now: dt.datetime) -> None:
        """A new pool; every batch in flight whose result was lost is submitted to it again."""
        self._kill(self._pool)
        self._pool = self._new_pool()
        for handle in queue:
            if handle is not but and handle.batch is None and handle.future is not None:
                lost = not handle.future.done() or handle.future.cancelled() or handle.future.exception() is not None
                if lost:
                    handle.future = self._pool.submit(extract_batch, handle.jobs, self.max_bytes, now, self.fn)

    def _one_by_one(self, jobs: list[Job], now: dt.datetime) -> Batch:
        items = [self._submit(job) for job in jobs]
        return frames_of(jobs, [self._wait(item) for item in items], now)

    def _finish(self, handle: _Batch, queue: deque, now: dt.datetime) -> Batch:
        if handle.batch is not None:
            self.done += len(handle.jobs)
            if self.progress and handle.jobs:
                self.progress(self.done, handle.jobs[-1].source_path)
            return handle.batch
        try:
            handle.batch = handle.future.result(timeout=self.timeout + PER_FILE_SECONDS * len(handle.jobs))
            self.done += len(handle.jobs)
            if self.progress:
                self.progress(self.done, handle.jobs[-1].source_path)
        except Exception as exc:  # a worker died, a file hangs, or the result could not come back
            if isinstance(exc, (FutureTimeout, BrokenProcessPool)):
                self._resubmit(handle, queue, now)
            handle.batch = self._one_by_one(handle.jobs, now)   # counts its files itself
        return handle.batch

    def run(self, plans: Iterable, now: dt.datetime | None = None) -> Iterator[tuple[object, Batch]]:
        """(plan, the checked frames of its jobs) for each plan (anything with a `jobs` list), in order."""
        now = now or dt.datetime.now(dt.timezone.utc)
        queue: deque[_Batch] = deque()
        source = iter(plans)

        def take() -> _Batch | None:
            group, jobs, size = [], [], 0
            for plan in source:
                group.append(plan)
                jobs += plan.jobs
                size += sum(job.size for job in plan.jobs)
                if len(jobs) >= self.batch_size or size >= self.batch_mb * 1048576:
                    break
            return _Batch(group, jobs) if group else None

        def fill() -> None:
            while len(queue) < self.workers + 1:
                handle = take()
                if handle is None:
                    return
                queue.append(handle)
                self._start(handle, now)

        try:
            fill()
            while queue:
                handle = queue[0]
                batch = self._finish(handle, queue, now)
                queue.popleft()
                parts = batch.split([{job.report_id for job in plan.jobs} for plan in handle.plans])
                for plan, part in zip(handle.plans, parts):
                    yield plan, part
                fill()
        finally:
            if self._pool is not None:
                self._kill(self._pool)
                self._pool = None
