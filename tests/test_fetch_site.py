"""The fetcher's HTTP client against a small web site the tests run on 127.0.0.1 (`Site`, also
used by test_fetch_run): retries of a 500, no retry of a 404, timeouts, redirects (same host
followed, another host and loops not), robots.txt, size limits, non-document content
types, gzip, conditional requests and the per-host rate limit. Nothing leaves the machine."""
from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from pipeline.fetch_http import Client, Settings

FAST = dict(rate=200.0, timeout=0.5, deadline=5.0, retries=2, backoff=0.01, max_backoff=0.05)


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0               # seconds before answering
    etag: str | None = None          # answer 304 to a matching If-None-Match
    fail_first: int = 0              # answer 500 this many times first
    gzip: bool = False
    length: bool = True              # send Content-Length


class Site:
    """A web site on 127.0.0.1, a free port: routes by (unquoted) path, every request logged."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = unquote(self.path)
                site.hits.append((path, {k.lower(): v for k, v in self.headers.items()}))
                route = site.routes.get(path)
                if route is None:
                    route = Route(b"not found", 404)
                if route.delay:
                    time.sleep(route.delay)
                if route.fail_first:
                    route.fail_first -= 1
                    route = Route(b"busy", 500)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    route = Route(status=304, content_type=None, headers={"ETag": route.etag})
                body = gzip.compress(route.body) if route.gzip else route.body
                try:
                    self.send_response(route.status)
                    if route.content_type:
                        self.send_header("Content-Type", route.content_type)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    if route.gzip:
                        self.send_header("Content-Encoding", "gzip")
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    if route.length:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if route.status != 304:
                        self.wfile.write(body)
                except OSError:          # the client gave up (a timeout test)
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request, client_address) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def add(self, path: str, body: bytes | str = b"", **kw) -> Route:
        route = Route(body.encode() if isinstance(body, str) else body, **kw)
        self.routes[path] = route
        return route

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.hits if p == path)


@pytest.fixture
def site():
    s = Site()
    s.thread.start()
    try:
        yield s
    finally:
        s.server.shutdown()
        s.server.server_close()


def client(**kw) -> Client:
    return Client(Settings(**{**FAST, **kw}))


def test_a_500_is_retried_until_it_succeeds_and_a_404_is_not_retried(site):
    site.add("/flaky.htm", "<p>ok</p>", fail_first=2)
    resp = client().get(site.url("/flaky.htm"))
    assert (resp.status, resp.body, resp.attempts) == (200, b"<p>ok</p>", 3)
    site.add("/down.htm", "x", fail_first=99)
    resp = client(retries=1).get(site.url("/down.htm"))
    assert (resp.status, resp.outcome, resp.attempts, site.count("/down.htm")) == (500, None, 2, 2)
    resp = client().get(site.url("/gone.htm"))
    assert (resp.status, resp.attempts, site.count("/gone.htm")) == (404, 1, 1)


def test_a_slow_answer_is_a_timeout_after_bounded_retries(site):
    site.add("/slow.htm", "late", delay=1.2)
    started = time.monotonic()
    resp = client(timeout=0.3, retries=1).get(site.url("/slow.htm"))
    assert resp.outcome == "timeout" and resp.attempts == 2 and "0.3s" in resp.error
    assert time.monotonic() - started < 1.5


def test_redirects_on_the_same_host_are_followed_others_and_loops_are_not(site):
    site.add("/old.htm", status=302, headers={"Location": "/new.htm"})
    site.add("/new.htm", "<p>moved</p>")
    resp = client().get(site.url("/old.htm"))
    assert (resp.status, resp.final_url, resp.body) == (200, site.url("/new.htm"), b"<p>moved</p>")
    site.add("/away.htm", status=301, headers={"Location": site.url("/there.htm", host="localhost")})
    resp = client().get(site.url("/away.htm"))
    assert resp.outcome == "offsite_redirect" and "localhost" in resp.error
    assert resp.final_url == site.url("/there.htm", host="localhost") and site.count("/there.htm") == 0
    site.add("/a.htm", status=302, headers={"Location": "/b.htm"})
    site.add("/b.htm", status=302, headers={"Location": "/a.htm"})
    resp = client().get(site.url("/a.htm"))
    assert resp.outcome == "redirect_loop" and site.count("/a.htm") == 1 and site.count("/b.htm") == 1
    for n in range(10):
        site.add(f"/hop{n}", status=307, headers={"Location": f"/hop{n + 1}"})
    resp = client(max_redirects=3).get(site.url("/hop0"))
    assert resp.outcome == "redirect_loop" and "more than 3" in resp.error and site.count("/hop4") == 0


def test_robots_txt_is_honoured_and_an_unreadable_one_keeps_the_fetcher_away(site):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.add("/private/r.htm", "secret")
    site.add("/public/r.htm", "<p>fine</p>")
    c = client()
    assert c.get(site.url("/private/r.htm")).outcome == "disallowed"
    assert c.get(site.url("/public/r.htm")).status == 200
    assert site.count("/private/r.htm") == 0 and site.count("/robots.txt") == 1
    site.routes["/robots.txt"] = Route(b"", 503)
    resp = client(retries=1).get(site.url("/public/r.htm"))
    assert resp.outcome == "disallowed" and "could not be read" in resp.error
    site.routes["/robots.txt"] = Route(status=301, headers={"Location": site.url("/robots2.txt", host="localhost")})
    site.add("/robots2.txt", "User-agent: *\nDisallow: /public/\n", content_type="text/plain")
    assert client().get(site.url("/public/r.htm")).outcome == "disallowed"     # a moved robots.txt still counts


def test_oversized_and_non_document_answers_are_stopped(site):
    site.add("/big.pdf", b"%PDF-" + b"0" * 50_000, content_type="application/pdf")
    site.add("/stream.pdf", b"%PDF-" + b"0" * 50_000, content_type="application/pdf", length=False)
    site.add("/photo.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    c = client(max_bytes=10_000)
    assert c.get(site.url("/big.pdf")).outcome == "too_large"
    resp = c.get(site.url("/stream.pdf"))
    assert resp.outcome == "too_large" and resp.body is None and "stopped" in resp.error
    resp = c.get(site.url("/photo.jpg"))
    assert resp.outcome == "not_document" and "image/jpeg" in resp.error


def test_gzip_is_decoded_and_a_conditional_request_gets_304(site):
    site.add("/z.htm", "<p>压缩的页面</p>".encode(), gzip=True, content_type="text/html; charset=UTF-8", etag='"v1"')
    c = client()
    resp = c.get(site.url("/z.htm"))
    assert resp.body.decode() == "<p>压缩的页面</p>" and resp.charset == "utf-8" and resp.headers["etag"] == '"v1"'
    resp = c.get(site.url("/z.htm"), {"If-None-Match": '"v1"'})
    assert resp.status == 304 and resp.body is None and site.hits[-1][1]["if-none-match"] == '"v1"'


def test_requests_to_one_host_are_spaced_by_the_rate_limit(site):
    site.add("/p.htm", "<p>x</p>")
    c = client(rate=10.0)
    c.get(site.url("/p.htm"))                     # robots.txt and the first request
    started = time.monotonic()
    for _ in range(3):
        c.get(site.url("/p.htm"))
    assert time.monotonic() - started >= 0.28     # 3 requests at most 10 per second


def test_a_robots_crawl_delay_longer_than_the_rate_limit_is_honoured(site):
    site.add("/robots.txt", "User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    site.add("/p.htm", "<p>x</p>")
    c = client(rate=200.0)
    c.get(site.url("/p.htm"))
    started = time.monotonic()
    c.get(site.url("/p.htm"))
    assert time.monotonic() - started >= 0.95
