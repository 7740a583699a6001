"""A whole fetch of a report column on the local test site (tests/test_fetch_site.Site): index
pages with pagination (a URL template bounded by the page count, and 下一页), a GBK index and
report page without a declared charset, a stub page whose report is its PDF and DOC
attachments, a 500 then success, a 404, a redirect loop, a redirect to another host, a slow
page, an oversized file, an image, a path robots.txt disallows. Then a second run (304s, known
reports not asked again), a recheck that picks up a changed page, and `ogi ingest` of the store:
each report once, from its readable path."""
from __future__ import annotations

import json

import pytest

from pipeline.fetch import fetch_sources
from pipeline.fetch_http import Settings
from pipeline.fetch_registry import make_source
from pipeline.fetch_store import RawStore
from tests.test_fetch_site import FAST, Site, site  # noqa: F401  (the fixture)

SETTINGS = Settings(**{**FAST, "timeout": 0.4, "retries": 1, "max_bytes": 20_000})
T = "测试县{}年度政府信息公开工作年度报告"
TEXT = "本报告根据《中华人民共和国政府信息公开条例》编制。" * 20


def page(*links: tuple[str, str], extra: str = "", charset: str | None = None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return f"<html><head>{meta}<title>年报</title></head><body><ul>{anchors}</ul>{extra}</body></html>"


def build(site: Site) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    first = page(("./2023/t1.htm", T.format(2022)), ("./2022/t2.htm", T.format(2021)),
                 ("./notice.htm", "关于做好2022年政府信息公开工作年度报告编制工作的通知"), ("/nb/", "政府信息公开年报"),
                 ("/private/2019.htm", T.format(2019)), extra='<script>createPageHTML(3, 0, "index", "htm");</script>')
    site.add("/nb/", first.encode("gbk"), etag='"i0"')                       # GBK, no charset anywhere
    site.add("/nb/index_1.htm", page(("./2021/t3.htm", T.format(2020)), ("/nb/missing.htm", T.format(2018)),
                                     ("index_2.htm", "下一页")), etag='"i1"')
    site.add("/nb/index_2.htm", page(("flaky.htm", T.format(2017)), ("moved.htm", T.format(2016)),
                                     ("loop.htm", T.format(2015)), ("slow.htm", T.format(2014)),
                                     ("big.pdf", T.format(2013)), ("photo.htm", T.format(2012))), etag='"i2"')
    site.add("/nb/index_3.htm", page(("t9.htm", T.format(2009))))            # beyond the stated page count
    site.add("/nb/2023/t1.htm", page(("/files/t1.pdf", "PDF版"), extra=f"<h1>{T.format(2022)}</h1><p>{TEXT}</p>",
                                     charset="utf-8"), etag='"p1"')
    site.add("/files/t1.pdf", b"%PDF-1.4 2022 report", content_type="application/pdf")
    site.add("/nb/2022/t2.htm", f"<html><body><h1>{T.format(2021)}</h1><p>{TEXT}</p></body></html>".encode("gbk"),
             etag='"p2"')
    site.add("/nb/2021/t3.htm", page(("/files/2020年报.pdf", "附件1"), ("/files/t3.doc", "附件2"),
                                     extra="<p>详见附件。</p>"), etag='"p3"')
    site.add("/files/2020年报.pdf", b"%PDF-1.4 2020 report", content_type="application/pdf")
    site.add("/files/t3.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 2020 report", content_type="application/msword")
    site.add("/nb/flaky.htm", page(extra=f"<p>2017 {TEXT}</p>"), fail_first=1)
    site.add("/nb/moved.htm", status=302, headers={"Location": site.url("/elsewhere.htm", host="localhost")})
    site.add("/nb/loop.htm", status=302, headers={"Location": "/nb/loop2.htm"})
    site.add("/nb/loop2.htm", status=302, headers={"Location": "/nb/loop.htm"})
    site.add("/nb/slow.htm", page(extra="<p>late</p>"), delay=1.0)
    site.add("/nb/big.pdf", b"%PDF-" + b"0" * 30_000, content_type="application/pdf")
    site.add("/nb/photo.htm", b"\xff\xd8\xff\xe0" + b"0" * 50, content_type="image/jpeg")


@pytest.fixture
def column(site, tmp_path):
    build(site)
    source = make_source({"name": "demo", "index": site.url("/nb/"), "pagination": {"template": "index_{n}.htm"},
                          "jurisdiction": {"name": "测试县", "adcode": "110101"}})
    return site, source, tmp_path / "raw"


def by_url(result, site: Site) -> dict[str, dict]:
    return {r["url"].replace(site.url(""), ""): r for r in result.records}


def test_a_column_is_fetched_with_a_clear_record_for_every_url(column):
    site, source, raw = column
    result = fetch_sources([source], raw, SETTINGS)
    recs = by_url(result, site)
    outcomes = {url: r["outcome"] for url, r in recs.items()}
    assert outcomes == {
        "/nb/": "new", "/nb/index_1.htm": "new", "/nb/index_2.htm": "new",
        "/nb/2023/t1.htm": "new", "/nb/2022/t2.htm": "new", "/nb/2021/t3.htm": "new",
        "/files/2020%E5%B9%B4%E6%8A%A5.pdf": "new", "/files/t3.doc": "new", "/nb/flaky.htm": "new",
        "/private/2019.htm": "disallowed", "/nb/missing.htm": "http_error", "/nb/moved.htm": "offsite_redirect",
        "/nb/loop.htm": "redirect_loop", "/nb/slow.htm": "timeout", "/nb/big.pdf": "too_large",
        "/nb/photo.htm": "not_document", "/robots.txt": "fetched",
    }
    assert site.count("/nb/index_3.htm") == 0 and site.count("/elsewhere.htm") == 0 and site.count("/nb/notice.htm") == 0
    assert recs["/nb/flaky.htm"]["attempts"] == 2 and recs["/nb/missing.htm"]["http_status"] == 404
    assert recs["/nb/2023/t1.htm"]["charset"] == "utf-8" and recs["/nb/2022/t2.htm"]["charset"] is None
    assert recs["/nb/2021/t3.htm"]["path"] is None and "page is not kept" in recs["/nb/2021/t3.htm"]["note"]
    assert "not fetched" in recs["/nb/2023/t1.htm"]["note"] and site.count("/files/t1.pdf") == 0
    assert recs["/files/t3.doc"]["referrer"] == site.url("/nb/2021/t3.htm")
    assert {r["adcode"] for r in result.records if r["kind"] != "robots"} == {"110101"}
    assert sorted(result.written) == sorted([
        f"demo/{T.format(2022)}__t1.html", f"demo/{T.format(2021)}__t2.html", f"demo/{T.format(2020)}__2020年报.pdf",
        f"demo/{T.format(2020)}__t3.doc", f"demo/{T.format(2017)}__flaky.html"])
    store = RawStore(raw)
    gbk = (raw / f"demo/{T.format(2021)}__t2.html").read_bytes()
    assert gbk == site.routes["/nb/2022/t2.htm"].body                # the bytes as served (GBK), not re-encoded
    assert store.get(recs["/nb/2022/t2.htm"]["sha256"]) == gbk
    assert [p.relative_to(raw).as_posix() for p in store.readable_files()] == sorted(result.written)
    lines = (raw / ".fetch" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(result.records) and json.loads(lines[0])["run_id"] == result.run_id


def test_a_second_run_asks_conditionally_and_a_recheck_picks_up_a_changed_page(column):
    site, source, raw = column
    fetch_sources([source], raw, SETTINGS)
    site.hits.clear()
    again = by_url(fetch_sources([source], raw, SETTINGS), site)
    assert again["/nb/"]["outcome"] == "not_modified" and again["/nb/"]["http_status"] == 304
    assert dict(site.hits)["/nb/"]["if-none-match"] == '"i0"'
    assert again["/nb/2023/t1.htm"]["outcome"] == "known" and site.count("/nb/2023/t1.htm") == 0
    assert again["/files/t3.doc"]["outcome"] == "known"                  # found again through the stored page
    assert again["/nb/missing.htm"]["outcome"] == "http_error"           # failures are tried again
    site.routes["/nb/2022/t2.htm"].body = "<html><body><p>更正后的报告</p></body></html>".encode("gbk")
    site.routes["/nb/2022/t2.htm"].etag = '"p2b"'
    third = fetch_sources([source], raw, SETTINGS, recheck=True)
    recs = by_url(third, site)
    assert recs["/nb/2023/t1.htm"]["outcome"] == "not_modified" and recs["/nb/2022/t2.htm"]["outcome"] == "changed"
    assert third.written == [f"demo/{T.format(2021)}__t2.html"]
    assert (raw / third.written[0]).read_bytes() == site.routes["/nb/2022/t2.htm"].body


@pytest.mark.parametrize("policy, kept", [
    ("both", ["t1.html", "t1.pdf", "t3.html", "2020年报.pdf", "t3.doc"]),
    ("attachments", ["t1.pdf", "2020年报.pdf", "t3.doc"]),
])
def test_the_page_policy_decides_between_a_page_and_its_attachments(site, tmp_path, policy, kept):
    build(site)
    site.add("/solo/", page(("/nb/2023/t1.htm", T.format(2022)), ("/nb/2021/t3.htm", T.format(2020))))
    source = make_source({"name": "solo", "index": site.url("/solo/"), "page_policy": policy})
    result = fetch_sources([source], tmp_path / "raw", SETTINGS)
    assert sorted(p.split("__")[1] for p in result.written) == sorted(kept)


def test_ogi_ingest_takes_each_fetched_report_once_from_its_readable_path(column, fake_extractor, tmp_path):
    from pipeline import warehouse
    from pipeline.cli import run_ingest

    site, source, raw = column
    result = fetch_sources([source], raw, SETTINGS)
    (raw / "demo" / "copy.pdf").write_bytes((raw / result.written[0]).read_bytes())   # the same bytes twice
    ok, _ = run_ingest([raw], tmp_path / "wh")
    assert ok
    reports = warehouse.query(tmp_path / "wh", "SELECT count(*), count(DISTINCT report_id) FROM reports")[1][0]
    paths = [p for (p,) in warehouse.query(tmp_path / "wh", "SELECT source_path FROM report_sources")[1]]
    assert reports == (len(result.written), len(result.written))
    assert len(paths) == len(result.written) + 1 and all("/demo/" in p and "/." not in p for p in paths)
