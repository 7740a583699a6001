"""HTML reader: a saved report web page → Document (article text, tables, page metadata).

Role: decode the page (BOM, then the declared charset, GB2312/GBK read as GB18030, else UTF-8,
else charset-normalizer), parse it with selectolax's Lexbor parser, pick the article's
content container (a known CMS container such as div.TRS_Editor or #zoom, else the element
that holds most of the page's Chinese text), strip page chrome (navigation, breadcrumbs,
share/print/close buttons, footers) and lay the body out as text with `TextBuilder`: block
elements become lines, each data table (a table with no table inside) becomes a grid with
its row/colspans expanded, layout tables (tables holding tables) flow as text. Metadata
comes from <meta> tags (ArticleTitle, PubDate, ContentSource, Author, Url) and from labelled
page text (索引号, 发布日期, 发布机构, 来源).
"""
from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Callable
from operator import itemgetter

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.model import Document, ReadError
from pipeline.read_text import CellKey, TextBuilder, FastCellKey, decode_bytes, normalize_date, normalize_ws

_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_CONTENT_SELECTORS = (".TRS_Editor", ".trs_editor", ".TRS_UEDITOR", "#zoom", "#Zoom", ".zoom", "#fontzoom",
                      "#zoomcon", "#UCAP-CONTENT", ".article-content", ".article_content", ".pages_content",
                      ".news_content", ".content_text", ".xxgk_content", ".bt_content", "#zw", ".zw",
                      "#content", "article", ".content")
_CHROME_TAGS = ("script, style, noscript, template, iframe, nav, header, footer, aside, select, "
                "button, input, textarea, object, embed, svg, canvas, map")
_CHROME_ATTR = re.compile(r"(?:^|[\s_-])(nav|navbar|menu|breadcrumbs?|crumbs?|share|bdshare|fenxiang|footer|"
                          r"foot|sidebar|copyright|toolbar|print|qrcode|ewm|weizhi|dqwz|position|location)"
                          r"(?:$|[\s_-])", re.I)
_CHROME_WORDS = re.compile(r"当前位置|您的位置|所在位置|分享到|版权所有|主办单位|承办单位|ICP备|网站标识码|公网安备|"
                           r"扫一扫在手机")
_CHROME_BUTTONS = re.compile(r"(\s*[【\[(（]?\s*(打印本页|打印|关闭本页|关闭窗口|关闭|返回顶部|返回|收藏|字号|"
                             r"字体|[大中小]|默认|分享|微信|微博|QQ空间|QQ好友|朋友圈)\s*[】\])）]?\s*[|｜:：]?)+$")

_LABEL = re.compile(r"日期|时间|索引|分类|文号|主题|名称|机构|来源")
_BLOCKS = ("p, div, br, li, ul, ol, dl, dt, dd, h1, h2, h3, h4, h5, h6, tr, td, th, table, section, article, "
           "blockquote, pre, center, hr, caption, main, address, figure, figcaption, form")
_DESCEND = {"div", "section", "article", "main", "table", "tbody", "tr", "td", "th", "center", "form", "font"}
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_PLACEHOLDER = re.compile(r"^\x02(\d+)\x03$")
_TAGS = r"(?:\s|&nbsp;|&#160;|<[^>]{0,300}>)*"
_META_TEXT = {
    "index_no": re.compile("索\\s*引\\s*号" + _TAGS + "[:：]?" + _TAGS + r"([A-Za-z0-9][\w\-/.]{3,60})"),
    "published_on": re.compile("(?:发布日期|发布时间|发文日期|成文日期|日\\s*期|时\\s*间)" + _TAGS + "[:：]?" + _TAGS +
                               r"((?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"),
    "publisher": re.compile("(?:发布机构|发文机关|发布单位)" + _TAGS + "[:：]?" + _TAGS + r"([^<\s&:：]{2,40})"),
    "source": re.compile("来\\s*源" + _TAGS + "[:：]" + _TAGS + r"([^<\s&:：]{2,40})"),
}
# each label regex's match holds one of these words, at most `back` characters after its start:
# the search starts `back` before the first of them (or is skipped), not at the top of the page
_META_ANCHORS = {"index_no": (("索",), 0), "published_on": (("期", "间"), 20),
                 "publisher": (("发布机构", "发文机关", "发布单位"), 0), "source": (("来",), 0)}


def _chrome_line(line: str) -> bool:
    """A line of page chrome: a chrome word anywhere, or nothing but buttons (one regex, as
    `A|^B`, would try B at every position; apart, the words are searched by their first
    characters and the buttons only at the start)."""
    return bool(_CHROME_WORDS.search(line) or _CHROME_BUTTONS.match(line))


def _cjk(node: LexborNode) -> int:
    """Weight of a node's text: its count of non-ASCII (mostly CJK: 3 UTF-8 bytes) characters."""
    text = node.text_lexbor()                   # (= .text(deep=True, separator="", strip=False), faster)
    return (len(text.encode("utf-8", "replace")) - len(text)) // 2


def _is_leaf_table(node: LexborNode) -> bool:
    return len(node.css("table")) == 1      # Lexbor's css() matches the node itself too


def _children(node: LexborNode) -> list[LexborNode]:
    return [c for c in node.iter(include_text=False) if c.tag and not c.tag.startswith("-")]


def prober(data: bytes, text: str, encoding: str) -> Callable[[str], bool]:
    """`has(word)`: whether the page mentions `word`, looked up in its bytes (10× faster than
    in a str holding CJK; an encoded word cannot be missing from the bytes it was decoded from)."""
    try:
        "".encode(encoding)
    except LookupError:
        return text.__contains__
    return lambda word: word.encode(encoding, "ignore") in data


def choose_container(tree: LexborHTMLParser, has: Callable[[str], bool] | None = None) -> tuple[LexborNode, bool]:
    """(element holding the article, whether it is a known CMS container). Known containers
    come first; else page chrome is dropped and we descend from <body> into the child holding
    most of the Chinese text while it holds ≥ 60% of it. `has` (see `prober`) lets selectors
    whose name the page never mentions be skipped."""
    body = tree.body or tree.root
    total = _cjk(body)
    for sel in _CONTENT_SELECTORS:
        if has and not has(sel.lstrip(".#")):
            continue
        found = [(w, n) for n in tree.css(sel) if (w := _cjk(n)) >= max(50, total * 0.2)]
        if found:
            return max(found, key=lambda wn: wn[0])[1], True
    for n in body.css(_CHROME_TAGS):
        n.remove()
    node, weight = body, _cjk(body)
    while True:
        kids = [(_cjk(c), c) for c in _children(node) if c.tag in _DESCEND]
        if not kids:
            return node, False
        w, best = max(kids, key=lambda wc: wc[0])
        if w < 0.6 * weight or w < 30 or (best.tag == "table" and _is_leaf_table(best)):
            return node, False
        node, weight = best, w


def _span(attrs: dict, name: str, cap: int) -> int:
    value = attrs.get(name)
    if not value:
        return 1
    digits = "".join(ch for ch in value if ch.isdigit())[:6]
    return max(1, min(cap, int(digits))) if digits else 1


_TEXT_OF, _TD_TH = itemgetter(0), frozenset(LexborHTMLParser("<table><tr><td></td><th></th></tr></table>")
                                             .css_first(t).tag_id for t in ("td", "th"))


def table_grid(table: LexborNode, spanned: set[int] | None = None) -> list[list[CellKey]]:
    """Rows of a (leaf) table with rowspan/colspan expanded by repeating the same CellKey.
    `spanned`: the mem_ids of (at least) the table's elements with a rowspan or colspan."""
    if spanned is None:
        spanned = {n.mem_id for n in table.css("[rowspan], [colspan]")}
    grid: list[list[CellKey]] = []
    pending: dict[int, list] = {}           # column → [CellKey, rows still covered]

    def fill(row: list[CellKey]) -> None:   # cells continuing from rows above
        while len(row) in pending:
            slot = pending[len(row)]
            row.append(slot[0])
            slot[1] -= 1
            if not slot[1]:
                del pending[len(row) - 1]

    is_cell, norm = _TD_TH.__contains__, normalize_ws
    for tr in table.css("tr"):
        row: list[CellKey] = []
        add = row.append
        for td in tr.iter(include_text=False):
            if not is_cell(td.tag_id):
                continue
            if pending and len(row) in pending:
                fill(row)
            text = td.text_lexbor().strip()   # (= .text(): deep, no separator, not stripped; `normalize_ws`:)
            key = FastCellKey((text if text.isprintable() and " " not in text else norm(text),))
            if spanned and td.mem_id in spanned:
                attrs = td.attributes
                rs, cs = _span(attrs, "rowspan", 1000), _span(attrs, "colspan", 200)
                for _ in range(cs):
                    if rs > 1:
                        pending[len(row)] = [key, rs - 1]
                    add(key)
            else:
                add(key)
        while pending and max(pending) >= len(row):
            if len(row) in pending:
                fill(row)
            else:
                add(FastCellKey(("",)))
        if any(map(_TEXT_OF, row)):
            grid.append(row)
    return grid


def page_meta(tree: LexborHTMLParser, source: str, has: Callable[[str], bool] | None = None) -> dict[str, str]:
    """title, published_on, publisher, source, url, index_no from <meta> tags and labels."""
    tags = {}
    for m in tree.css("meta"):             # (= "meta[name], meta[property]", at half the cost)
        if "name" not in (attrs := m.attributes) and "property" not in attrs:
            continue
        name = (attrs.get("name") or attrs.get("property") or "").strip().lower()
        content = (attrs.get("content") or "").strip()
        if name and content and name not in tags:
            tags[name] = content
    meta: dict[str, str] = {}
    title = tags.get("articletitle") or tags.get("og:title")
    if not title and (t := tree.css_first("title")):
        parts = [p.strip() for p in re.split(r"[_|｜]| - | — ", t.text()) if _CJK_CHAR.search(p)]
        title = parts[0] if parts else t.text().strip()
    if title:
        meta["title"] = normalize_ws(title)
    date = normalize_date(tags.get("pubdate") or tags.get("publishdate") or tags.get("firstpublishedtime") or "")
    for key, rx in _META_TEXT.items():
        words, back = _META_ANCHORS[key]
        first = min((i for w in words if (has is None or has(w)) and (i := source.find(w)) >= 0), default=-1)
        m = rx.search(source, max(0, first - back)) if first >= 0 else None
        if m and not (key in ("publisher", "source") and _LABEL.search(m.group(1))):
            meta[key] = htmlmod.unescape(m.group(1)).strip()
    if date or "published_on" in meta:
        meta["published_on"] = date or normalize_date(meta["published_on"]) or ""
    publisher = tags.get("contentsource") or meta.get("publisher") or tags.get("author") or meta.get("source")
    if publisher:
        meta["publisher"] = publisher
    url = tags.get("url") or tags.get("og:url")
    if not url and (link := tree.css_first('link[rel="canonical"]')):
        url = link.attributes.get("href")
    if url:
        meta["url"] = url
    return {k: v for k, v in meta.items() if v}


def read_html(data: bytes) -> Document:
    m = _CHARSET.search(data[:4096])
    text, encoding = decode_bytes(data, m.group(1).decode("ascii", "ignore") if m else None, gb_fallback=False)
    # Lexbor parses UTF-8: valid UTF-8 bytes go in as they are, saving it re-encoding the text
    valid_utf8 = encoding == "utf-8" and "\ufffd" not in text
    tree = LexborHTMLParser((data[3:] if data[:3] == b"\xef\xbb\xbf" else data) if valid_utf8 else text)
    if tree.body is None:
        raise ReadError("no text")
    has = prober(data, text, encoding)
    meta = page_meta(tree, text, has)
    node, known = choose_container(tree, has)
    for n in node.css("script, style" if known else _CHROME_TAGS):   # CMS containers hold little chrome
        if n.mem_id != node.mem_id:
            n.remove()
    for n in () if known else node.css("[class], [id]"):
        attrs = n.attributes
        if n.mem_id != node.mem_id and _CHROME_ATTR.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            n.remove()
    grids = []
    tables = node.css("table")
    spanned = {n.mem_id for n in node.css("[rowspan], [colspan]")} if tables else set()   # one query, not one a table
    for t in tables:
        if _is_leaf_table(t):
            grids.append(table_grid(t, spanned))
            t.replace_with(f"\x01\x02{len(grids) - 1}\x03\x01")
    for n in node.css(_BLOCKS):
        n.insert_after("\x01")
    out = TextBuilder()
    body = node.text_lexbor().split("\x01")                # (= .text(deep=True, separator="", strip=False))
    head = normalize_ws(" ".join(body[:40]))[:300]
    if meta.get("title") and normalize_ws(meta["title"]) not in head:
        out.line(meta["title"])
    for chunk in body:
        chunk = chunk.strip()
        if (pm := _PLACEHOLDER.match(chunk)) is not None:
            out.table(grids[int(pm.group(1))], normalized=True)
        elif chunk:
            line = normalize_ws(chunk)
            if line and not (len(line) < 80 and _chrome_line(line)):
                out.line(line)
    return Document(text=out.text(), format="html", encoding=encoding, tables=out.tables, meta=meta)
