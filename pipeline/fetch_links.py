"""Link discovery of the fetcher: what an index page or a report page points to.

- `anchors(data, url, charset)`: every <a href> of a page as (absolute URL, text) — the page
  decoded like the readers do (`pipeline.read_text.decode_bytes`: BOM, the declared charset
  from the HTTP header or a <meta>, UTF-8, else GB18030, so GBK pages without a declared
  charset read correctly), relative links resolved against <base href> or the page URL; the
  text is the longer of the link text and its `title` attribute (lists often truncate).
- `report_links`: the anchors whose text is a report title for the source (patterns, year).
- `attachment_links`: the anchors of a report page pointing to .pdf/.doc/.docx/.wps.
- `pagination`: the next index pages (a URL template such as index_{n}.htm, bounded by the
  page count a TRS page states, and 下一页 anchors).
- `sniff_document` / `is_stub_page` / `file_name`: what the bytes are, whether a report page
  only points to its attachment, and the readable name a stored report gets.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from pipeline.fetch_http import normalize_url
from pipeline.fetch_registry import Source, year_of
from pipeline.model import ReadError
from pipeline.read_text import decode_bytes, normalize_ws

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_PAGE_COUNT = re.compile(r"createPageHTML\(\s*['\"]?(\d+)|\bcountPage\s*=\s*['\"]?(\d+)")
_NEXT_TEXT = {"下一页", "下页", "后一页", "next", "next>", "next»", ">", "»", "›"}
_UNSAFE = re.compile(r"[\\/:*?\"<>|\s\x00-\x1f]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MARKUP = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title|div|table|p|a)[\s>/]", re.I)
STUB_CJK_CHARS = 300          # a report page with an attachment and less article text is a stub


def declared_charset(data: bytes, header_charset: str | None) -> str | None:
    """The charset the server or the page declares (header first, then <meta>), lowercased."""
    if header_charset:
        return header_charset.lower()
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "ignore").lower() if m else None


def decode_page(data: bytes, header_charset: str | None = None) -> str:
    """The page's text; '' when it is not text at all."""
    try:
        return decode_bytes(data, declared_charset(data, header_charset))[0]
    except ReadError:
        return ""


def anchors(data: bytes, url: str, header_charset: str | None = None) -> list[tuple[str, str]]:
    """(absolute URL, text) of every followable <a href>, in page order, first occurrence kept."""
    text = decode_page(data, header_charset)
    if not text:
        return []
    tree = LexborHTMLParser(text)
    base = url
    if (node := tree.css_first("base[href]")) is not None:
        base = urljoin(url, (node.attributes.get("href") or "").strip())
    found: dict[str, str] = {}
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        target = normalize_url(urljoin(base, href))
        if urlsplit(target).scheme not in ("http", "https"):
            continue
        label = normalize_ws(a.text(deep=True, separator="", strip=False) or "")
        title = normalize_ws(a.attributes.get("title") or "")
        best = title if len(title) > len(label) else label
        if len(best) > len(found.get(target, "")):
            found[target] = best
    return list(found.items())


def report_links(source: Source, links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The links of an index page that are reports of the source (on its hosts)."""
    return [(u, t) for u, t in links if source.is_report_title(t) and source.allowed_host(u)]


def attachment_links(source: Source, links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The links of a report page to document attachments (on the source's hosts)."""
    return [(u, t) for u, t in links if source.is_attachment(u) and source.allowed_host(u)]


def page_count(text: str) -> int | None:
    """The number of index pages a TRS-style list states (createPageHTML(N, …) / countPage = N)."""
    m = _PAGE_COUNT.search(text)
    return int(m.group(1) or m.group(2)) if m else None


def pagination(source: Source, index_url: str, page_text: str, links: list[tuple[str, str]]) -> list[str]:
    """Further index pages to visit after the first page of `index_url`, in order."""
    p = source.pagination
    pages: list[str] = []
    if p.template:
        count = page_count(page_text)
        last = p.first + p.max_pages - 2
        if count is not None:                   # pages are index, index_1 … index_{count-1}
            last = min(last, p.first + count - 2)
        pages += [normalize_url(urljoin(index_url, p.template.format(n=n))) for n in range(p.first, last + 1)]
    return pages


def next_links(source: Source, links: list[tuple[str, str]], page_url: str) -> list[str]:
    """The 下一页 / next anchors of an index page, on the page's host."""
    if not source.pagination.next_link:
        return []
    host = urlsplit(page_url).hostname
    return [u for u, t in links if t.strip().lower() in _NEXT_TEXT and urlsplit(u).hostname == host and u != page_url]


def sniff_document(data: bytes, url: str, content_type: str | None = None) -> str | None:
    """pdf, docx, doc, wps or html by content (an HTML content type vouches for markup-less
    text); None for anything else (an image, a zip, junk)."""
    head = data[:4096]
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data else None
    if head.startswith(_OLE2):
        return "wps" if Path(urlsplit(url).path).suffix.lower() == ".wps" else "doc"
    if _MARKUP.search(head) or content_type in ("text/html", "application/xhtml+xml"):
        return "html"
    return None


def is_stub_page(data: bytes) -> bool:
    """A report page whose article holds little text: the report is its attachment."""
    from pipeline.read_html import read_html
    try:
        doc = read_html(data)
    except ReadError:
        return True
    return len(_CJK.findall(doc.text)) < STUB_CJK_CHARS


def file_name(title: str, url: str, ext: str) -> str:
    """`<title>__<last URL segment>.<ext>`: readable, and distinct for two URLs with one title."""
    stem = Path(unquote(urlsplit(url).path.rstrip("/"))).stem or "index"
    stem = _UNSAFE.sub("_", stem)[:40]
    title = _UNSAFE.sub("_", normalize_ws(title or "")).strip("._")[:80]
    if not title:
        year = year_of(stem)
        title = str(year) if year else "report"
    return f"{title}__{stem}.{ext}" if stem not in title else f"{title}.{ext}"
