"""The fetcher: goes to each registry source's annual-report column and brings the reports
into the raw store (pipeline.fetch_store), which `ogi ingest DIR` then reads like any folder.

Per source: the index pages (the first, then its pagination) are fetched and their report
links collected; each report page is fetched, then its attachments (.pdf/.doc/.docx/.wps)
as the source's page policy says (default: the attachments of a stub page that only points
to them; a page holding the report text is the report); an index link straight to an
attachment is fetched as one. Index pages are always
asked again, conditionally (If-None-Match / If-Modified-Since from the last record: a 304
costs no download, the stored copy is read instead). Reports and attachments already in the
store are not asked again (`known`) unless `recheck` is set, when they are asked
conditionally too. Every URL gets one record line; any failure is a record, never a crash.
Sources run in parallel (`Settings.workers`); per-host politeness is the client's.
"""
from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.fetch_http import Client, Settings
from pipeline.fetch_links import (
    anchors, attachment_links, declared_charset, file_name, is_stub_page, next_links, pagination, report_links,
    sniff_document,
)
from pipeline.fetch_registry import Source
from pipeline.fetch_store import RECORD_SCHEMA, RawStore

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = PROJECT_ROOT / "data" / "raw" / "fetched"
ERROR_OUTCOMES = ("http_error", "disallowed", "offsite_redirect", "redirect_loop", "too_large", "not_document",
                  "timeout", "network_error", "error")


@dataclass
class FetchResult:
    run_id: str
    raw: Path
    records: list[dict] = field(default_factory=list)
    written: list[str] = field(default_factory=list)     # readable report files written this run (relative)

    def counts(self) -> dict[str, int]:
        return dict(Counter(r["outcome"] for r in self.records).most_common())

    def errors(self) -> list[dict]:
        return [r for r in self.records if r["outcome"] in ERROR_OUTCOMES]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Run:
    """One fetch run over a raw store: the shared client, the state read from the record."""

    def __init__(self, store: RawStore, client: Client, recheck: bool, log: Callable[[dict], None] | None) -> None:
        self.store, self.client, self.recheck, self.log = store, client, recheck, log
        self.state = store.state()
        self.result = FetchResult(f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}", store.root)
        self._done: set[str] = set()
        self._lock = threading.Lock()

    def record(self, rec: dict) -> None:
        rec = {k: rec.get(k) for k in RECORD_SCHEMA}
        self.store.append(rec)
        with self._lock:
            self.result.records.append(rec)
        if self.log:
            self.log(rec)

    def first_visit(self, url: str) -> bool:
        with self._lock:
            if url in self._done:
                return False
            self._done.add(url)
            return True

    # -- one URL ----------------------------------------------------------------------------
    def fetch(self, source: Source, url: str, kind: str, referrer: str | None, title: str | None) -> tuple[dict, bytes | None]:
        """The record (not yet written) and the bytes (fetched, or the stored copy) of one URL."""
        prev = self.state.get(url)
        rec = {"run_id": self.result.run_id, "source": source.name, "kind": kind, "url": url, "final_url": url,
               "referrer": referrer, "title": title, "fetched_at": now(),
               "jurisdiction_name": source.jurisdiction_name, "adcode": source.adcode}
        carried = ("sha256", "bytes", "content_type", "charset", "etag", "last_modified", "final_url")
        if prev and kind != "index" and not self.recheck:
            rec.update({k: prev[k] for k in carried}, outcome="known", attempts=0)
            return rec, self.store.get(prev["sha256"])
        headers = {}
        if prev and prev.get("etag"):
            headers["If-None-Match"] = prev["etag"]
        if prev and prev.get("last_modified"):
            headers["If-Modified-Since"] = prev["last_modified"]
        started = time.monotonic()
        resp = self.client.get(url, headers)
        rec.update(final_url=resp.final_url, http_status=resp.status, content_type=resp.content_type,
                   charset=resp.charset, etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"),
                   attempts=resp.attempts, seconds=round(time.monotonic() - started, 3))
        if resp.outcome:
            rec.update(outcome=resp.outcome, error=resp.error)
            return rec, None
        if resp.status == 304 and prev:
            rec.update({k: rec[k] or prev[k] for k in ("etag", "last_modified", "content_type")},
                       sha256=prev["sha256"], bytes=prev["bytes"], charset=prev["charset"], outcome="not_modified")
            return rec, self.store.get(prev["sha256"])
        if resp.status != 200 or resp.body is None:
            rec.update(outcome="http_error", error=f"HTTP {resp.status}" + (" (no earlier copy to keep)" if resp.status == 304 else ""))
            return rec, None
        data, fmt = resp.body, sniff_document(resp.body, resp.final_url, resp.content_type)
        if fmt is None or (kind == "index" and fmt != "html") or (kind == "attachment" and fmt == "html"):
            wanted = {"index": "an HTML page", "attachment": "a PDF/DOC/DOCX/WPS document"}.get(kind, "a page or document")
            rec.update(outcome="not_document", bytes=len(data), error=f"expected {wanted}, got "
                       f"{fmt or 'something else'} ({resp.content_type or 'no content type'})")
            return rec, None
        sha = self.store.put(data)
        rec.update(sha256=sha, bytes=len(data), charset=declared_charset(data, resp.charset) if fmt == "html" else resp.charset,
                   outcome="new" if not prev else "unchanged" if prev["sha256"] == sha else "changed")
        return rec, data

    def keep(self, source: Source, rec: dict, data: bytes, title: str | None) -> None:
        """Make the report readable under RAW/<source>/ (and note it when written now)."""
        fmt = sniff_document(data, rec["final_url"], rec.get("content_type")) or "bin"
        relative = f"{source.name}/{file_name(title or '', rec['final_url'], fmt)}"
        rec["path"] = relative
        if self.store.link(rec["sha256"], relative):
            with self._lock:
                self.result.written.append(relative)

    def guarded(self, source: Source, url: str, kind: str, referrer: str | None, title: str | None, work) -> None:
        """Run `work` for one URL; an unexpected exception becomes an `error` record."""
        try:
            work()
        except Exception as exc:  # a defect of ours on one URL must not stop the run
            self.record({"run_id": self.result.run_id, "source": source.name, "kind": kind, "url": url,
                         "final_url": url, "referrer": referrer, "title": title, "fetched_at": now(),
                         "outcome": "error", "error": f"{type(exc).__name__}: {exc}"[:300]})

    # -- one source -------------------------------------------------------------------------
    def source(self, source: Source) -> None:
        reports: dict[str, tuple[str, str]] = {}
        for index_url in source.index:
            self.guarded(source, index_url, "index", None, None, lambda: self.index(source, index_url, reports))
        for url, (title, referrer) in reports.items():
            if not self.first_visit(url):
                continue
            kind = "attachment" if source.is_attachment(url) else "page"
            self.guarded(source, url, kind, referrer, title, lambda: self.report(source, url, kind, title, referrer))

    def index(self, source: Source, index_url: str, reports: dict) -> None:
        queue, visited, template = [index_url], set(), set()
        while queue and len(visited) < source.pagination.max_pages:
            url = queue.pop(0)
            if url in visited:
                continue
            visited.add(url)
            rec, data = self.fetch(source, url, "index", None if url == index_url else index_url, None)
            if data is None:
                self.record(rec)
                if url in template:             # the first missing page ends the template pages
                    queue = [u for u in queue if u not in template]
                continue
            try:
                links = anchors(data, rec["final_url"], rec["charset"])
                found = report_links(source, links)
                rec["note"] = f"{len(found)} report links"
            finally:
                self.record(rec)
            for link, title in found:
                reports.setdefault(link, (title, url))
            if url == index_url:
                pages = pagination(source, index_url, data.decode("latin-1"), links)
                template.update(pages)
                queue += pages
            queue += [u for u in next_links(source, links, url) if u not in visited]

    def report(self, source: Source, url: str, kind: str, title: str, referrer: str | None) -> None:
        rec, data = self.fetch(source, url, kind, referrer, title)
        if data is None:
            self.record(rec)
            return
        attachments = []
        if sniff_document(data, rec["final_url"], rec.get("content_type")) == "html":
            attachments = attachment_links(source, anchors(data, rec["final_url"], rec["charset"]))
        policy = source.page_policy
        stub = bool(attachments) and policy == "auto" and is_stub_page(data)
        keep_page = not attachments or policy == "both" or (policy == "auto" and not stub)
        if keep_page:
            self.keep(source, rec, data, title)
        if attachments and not keep_page:
            rec["note"] = f"the report is in its {len(attachments)} attachment(s): the page is not kept"
        elif attachments and policy == "auto":
            rec["note"] = f"the page holds the report text: its {len(attachments)} attachment(s) not fetched"
            attachments = []
        self.record(rec)
        for att_url, att_text in attachments:
            if not self.first_visit(att_url):
                continue
            att_title = att_text if source.is_report_title(att_text) else title
            self.guarded(source, att_url, "attachment", url, att_title,
                         lambda: self.attachment(source, att_url, att_title, url))

    def attachment(self, source: Source, url: str, title: str, referrer: str) -> None:
        rec, data = self.fetch(source, url, "attachment", referrer, title)
        if data is not None:
            self.keep(source, rec, data, title)
        self.record(rec)


def fetch_sources(sources: Iterable[Source], raw: Path | str = DEFAULT_RAW, settings: Settings | None = None,
                  recheck: bool = False, log: Callable[[dict], None] | None = None) -> FetchResult:
    """Fetch every source into the raw store `raw`; StoreBusy if another run holds it."""
    settings = settings or Settings()
    store = RawStore(raw)
    with store.lock():
        run = Run(store, Client(settings), recheck, log)
        sources = list(sources)
        with ThreadPoolExecutor(max_workers=max(1, min(settings.workers, len(sources) or 1))) as pool:
            for future in [pool.submit(run.source, s) for s in sources]:
                future.result()
        for resp in run.client.robots_log:
            run.record({"run_id": run.result.run_id, "kind": "robots", "url": resp.url, "final_url": resp.final_url,
                        "fetched_at": now(), "http_status": resp.status, "content_type": resp.content_type,
                        "outcome": resp.outcome or {2: "fetched", 4: "absent"}.get((resp.status or 0) // 100, "http_error"),
                        "attempts": resp.attempts, "error": resp.error,
                        "note": "no robots.txt: no rules" if (resp.status or 0) // 100 == 4 else None})
    return run.result
