"""The polite HTTP client of the fetcher (stdlib `http.client`, no third-party dependency).

One `Client.get(url)` = one document: robots.txt consulted (urllib.robotparser, cached per
host, its Crawl-delay honoured), redirects followed on the same host only (another host, a
loop or more than `max_redirects` hops end with a recorded outcome), every request taken
through the per-host limiter (at most `per_host` at a time, `1/rate` seconds apart), the
body streamed with a size cap and an overall deadline, gzip decoded, 5xx / 429 / timeouts /
connection errors retried with exponential backoff (bounded). It never raises for a URL:
the Response says what happened (`outcome` None = a plain HTTP answer, see `status`).
"""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.robotparser
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

USER_AGENT = "ogi-warehouse-fetch/0.1 (archive of government information disclosure annual reports; robots.txt honoured)"
REDIRECTS = (301, 302, 303, 307, 308)
NOT_DOCUMENT_TYPES = ("image/", "audio/", "video/", "font/", "text/css", "text/javascript", "application/javascript",
                      "application/x-javascript", "application/x-shockwave-flash")
RETRY_OUTCOMES = ("timeout", "network_error")


@dataclass
class Settings:
    user_agent: str = USER_AGENT
    timeout: float = 20.0           # seconds per connect / read operation
    deadline: float = 120.0         # seconds for a whole response body
    retries: int = 3                # further attempts after a 5xx, 429, timeout or connection error
    backoff: float = 1.0            # first retry delay; doubles each attempt, capped by max_backoff
    max_backoff: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    rate: float = 1.0               # requests per second per host
    per_host: int = 1               # concurrent requests per host
    workers: int = 4                # sources fetched at the same time


@dataclass
class Response:
    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    outcome: str | None = None      # None (an HTTP answer) or disallowed, offsite_redirect, redirect_loop,
    error: str | None = None        # too_large, not_document, timeout, network_error
    attempts: int = 1

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";")[0].strip().lower() or None if value else None

    @property
    def charset(self) -> str | None:
        for part in (self.headers.get("content-type") or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip(" \"'"):
                return value.strip(" \"'").lower()
        return None


def normalize_url(url: str) -> str:
    """Fragment dropped, non-ASCII path/query characters percent-encoded, scheme/host lowercased."""
    p = urlsplit(url.strip())
    netloc = p.netloc.lower()
    path = quote(p.path or "/", safe="/%:@!$&'()*+,;=~-._")
    query = quote(p.query, safe="/%:@!$&'()*+,;=~-._?")
    return urlunsplit((p.scheme.lower(), netloc, path, query, ""))


def origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


class HostLimiter:
    """At most `per_host` requests at a time per host, and request starts `1/rate` s apart."""

    def __init__(self, rate: float, per_host: int) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next: dict[str, float] = {}
        self.delays: dict[str, float] = {}        # per-host interval overrides (robots Crawl-delay)

    @contextmanager
    def slot(self, host: str):
        with self._lock:
            sem = self._slots.setdefault(host, threading.Semaphore(self.per_host))
        with sem:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next.get(host, now))
                self._next[host] = start + max(self.interval, self.delays.get(host, 0.0))
            if start > now:
                time.sleep(start - now)
            yield


class Client:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.limiter = HostLimiter(self.settings.rate, self.settings.per_host)
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser | None, str | None]] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.robots_log: list[Response] = []      # the robots.txt fetches, for the fetch record

    # -- robots.txt ------------------------------------------------------------------------
    def allowed(self, url: str) -> tuple[bool, str | None]:
        """(allowed, reason). 4xx robots.txt = no rules; 5xx or unreachable = stay away this run."""
        site = origin(url)
        with self._lock:
            site_lock = self._robots_locks.setdefault(site, threading.Lock())
        with site_lock:                           # one robots.txt fetch per site, other sites unblocked
            if site not in self._robots:
                self._robots[site] = self._load_robots(site)
            parser, problem = self._robots[site]
        if parser is None:
            return False, problem
        if not parser.can_fetch(self.settings.user_agent, url):
            return False, f"robots.txt of {site} disallows this path"
        return True, None

    def _load_robots(self, site: str):
        resp = self.get(site + "/robots.txt", check_robots=False)
        if resp.outcome == "offsite_redirect":    # RFC 9309: robots.txt redirects are followed
            resp = self.get(resp.final_url, check_robots=False)
            resp.url = site + "/robots.txt"
        self.robots_log.append(resp)
        parser = urllib.robotparser.RobotFileParser(site + "/robots.txt")
        if resp.outcome is None and resp.status == 200 and resp.body is not None:
            parser.parse(resp.body.decode("utf-8", errors="replace").splitlines())
            delay = parser.crawl_delay(self.settings.user_agent)
            if delay:
                self.limiter.delays[urlsplit(site).netloc] = min(float(delay), 60.0)
            return parser, None
        if resp.outcome is None and resp.status is not None and 400 <= resp.status < 500:
            parser.parse([])                     # no robots.txt: everything is allowed
            return parser, None
        return None, f"robots.txt of {site} could not be read ({resp.error or resp.status}): not fetching from it"

    # -- fetching --------------------------------------------------------------------------
    def get(self, url: str, headers: dict[str, str] | None = None, check_robots: bool = True) -> Response:
        """One document with retries; never raises."""
        attempt = 1
        while True:
            resp = self._follow(url, headers or {}, check_robots)
            retry = resp.outcome in RETRY_OUTCOMES or (resp.outcome is None and resp.status is not None
                                                       and (resp.status >= 500 or resp.status == 429))
            if not retry or attempt > self.settings.retries:
                resp.attempts = attempt
                return resp
            time.sleep(self._delay(attempt, resp))
            attempt += 1

    def _delay(self, attempt: int, resp: Response) -> float:
        s = self.settings
        delay = s.backoff * 2 ** (attempt - 1)
        after = resp.headers.get("retry-after", "")
        if after.isdigit():
            delay = max(delay, float(after))
        return min(delay, s.max_backoff)

    def _follow(self, url: str, headers: dict[str, str], check_robots: bool = True) -> Response:
        current, seen = normalize_url(url), set()
        for _ in range(self.settings.max_redirects + 1):
            seen.add(current)
            if check_robots:
                ok, reason = self.allowed(current)
                if not ok:
                    return Response(url, current, outcome="disallowed", error=reason)
            resp = self._once(current, headers)
            resp.url = url
            location = resp.headers.get("location")
            if resp.outcome or resp.status not in REDIRECTS or not location:
                return resp
            target = normalize_url(urljoin(current, location))
            if urlsplit(target).hostname != urlsplit(current).hostname:
                return Response(url, target, resp.status, resp.headers, outcome="offsite_redirect",
                                error=f"redirected to another host ({urlsplit(target).hostname}): not followed")
            if target in seen:
                return Response(url, target, resp.status, resp.headers, outcome="redirect_loop",
                                error=f"redirect loop: {target} was already visited")
            current = target
        return Response(url, current, outcome="redirect_loop",
                        error=f"more than {self.settings.max_redirects} redirects")

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        s, p = self.settings, urlsplit(url)
        conn_class = http.client.HTTPSConnection if p.scheme == "https" else http.client.HTTPConnection
        path = (p.path or "/") + (f"?{p.query}" if p.query else "")
        sent = {"User-Agent": s.user_agent, "Accept": "*/*", "Accept-Encoding": "gzip",
                "Accept-Language": "zh-CN,zh;q=0.9", "Connection": "close", **headers}
        with self.limiter.slot(p.netloc):
            conn = conn_class(p.hostname, p.port, timeout=s.timeout)
            try:
                conn.request("GET", path, headers=sent)
                raw = conn.getresponse()
                resp = Response(url, url, raw.status, {k.lower(): v for k, v in raw.getheaders()})
                if raw.status == 200:
                    self._read_body(raw, resp)
                return resp
            except (socket.timeout, TimeoutError):
                return Response(url, url, outcome="timeout", error=f"no answer within {s.timeout:g}s")
            except (OSError, http.client.HTTPException, ssl.SSLError, ValueError, zlib.error) as exc:
                return Response(url, url, outcome="network_error", error=f"{type(exc).__name__}: {exc}"[:300])
            finally:
                conn.close()

    def _read_body(self, raw: http.client.HTTPResponse, resp: Response) -> None:
        s = self.settings
        if any((resp.content_type or "").startswith(t) for t in NOT_DOCUMENT_TYPES):
            resp.outcome, resp.error = "not_document", f"content type {resp.content_type} is not a document"
            return
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > s.max_bytes:
            resp.outcome, resp.error = "too_large", f"{int(length)} bytes announced (limit {s.max_bytes})"
            return
        gzipped = resp.headers.get("content-encoding", "").lower() in ("gzip", "x-gzip", "deflate")
        inflate = zlib.decompressobj(47) if gzipped else None
        chunks, size, started = [], 0, time.monotonic()
        while chunk := raw.read(65536):
            if inflate is not None:
                chunk = inflate.decompress(chunk, s.max_bytes + 1 - size)
            chunks.append(chunk)
            size += len(chunk)
            if size > s.max_bytes:
                resp.outcome, resp.error = "too_large", f"more than {s.max_bytes} bytes: download stopped"
                return
            if time.monotonic() - started > s.deadline:
                resp.outcome, resp.error = "timeout", f"body not complete after {s.deadline:g}s"
                return
        if inflate is not None:
            chunks.append(inflate.flush())
        resp.body = b"".join(chunks)
