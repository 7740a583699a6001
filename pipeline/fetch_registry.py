"""The source registry (`data/sources.yaml`): which annual-report columns (政府信息公开年报栏目)
`ogi fetch` visits, and how it tells a report link from the other links on them.

A source is a name, its index page(s), the title patterns that make a link a report
(`…年度报告`), the patterns that rule a link out (the notice about *writing* the report, its
解读), whether a year must appear in the title, the attachment extensions, the pagination,
the jurisdiction it belongs to when known (name + adcode), the other hosts its reports may
live on, and the page policy (keep a report page that only points to an attachment or not).
Every field but `name` and `index` falls back to the file's `defaults:`, then to DEFAULTS.
`adhoc_source(url)` makes a source of one index URL (`ogi fetch --index URL`). A malformed
registry raises RegistryError naming the source and the field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

DEFAULT_REGISTRY = Path(__file__).resolve().parents[1] / "data" / "sources.yaml"
DEFAULTS: dict = {
    "title_patterns": [r"(政府|政务)信息公开.{0,12}(年度报告|年报)", r"政务公开.{0,8}年度报告",
                       r"信息公开工作年度报告"],
    "exclude_patterns": [r"通知|关于(做好|印发|编制|报送|开展)|工作要点|工作方案|实施意见|解读|征求意见|统计表$"],
    "require_year": True,
    "attachment_extensions": [".pdf", ".doc", ".docx", ".wps"],
    "pagination": {"template": None, "first": 1, "next_link": True, "max_pages": 10},
    "hosts": [],
    "page_policy": "auto",   # a report page with attachments: see PAGE_POLICIES
}
# auto: the page when it holds the report text (its attachments not fetched: no second copy of
# one report), else (a stub saying 详见附件) its attachments; both: the page and its attachments;
# attachments: only the attachments. A page without attachments is always kept.
PAGE_POLICIES = ("auto", "both", "attachments")
_YEAR = re.compile(r"(?:19|20)\d\d|二[〇○零Ｏ0][一二三四五六七八九〇○零Ｏ0]{2}")
_NAME = re.compile(r"^[A-Za-z0-9][\w.\-]{0,63}$")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message names the source and the field."""


@dataclass(frozen=True)
class Pagination:
    template: str | None = None     # e.g. "index_{n}.htm", resolved against the first index URL
    first: int = 1                  # n of the second page (TRS sites: index.htm, index_1.htm, …)
    next_link: bool = True          # also follow 下一页 / next anchors on the same host
    max_pages: int = 10             # index pages per index URL, the first included


@dataclass(frozen=True)
class Source:
    name: str
    index: tuple[str, ...]
    title_patterns: tuple[re.Pattern, ...]
    exclude_patterns: tuple[re.Pattern, ...]
    require_year: bool = True
    attachment_extensions: tuple[str, ...] = (".pdf", ".doc", ".docx", ".wps")
    pagination: Pagination = Pagination()
    hosts: frozenset[str] = frozenset()
    jurisdiction_name: str | None = None
    adcode: str | None = None
    label: str | None = None
    page_policy: str = "auto"

    def allowed_host(self, url: str) -> bool:
        """Report links are followed on the index pages' hosts and the listed `hosts` only."""
        host = (urlsplit(url).hostname or "").lower()
        return host in self.hosts or any(host == (urlsplit(i).hostname or "").lower() for i in self.index)

    def is_report_title(self, title: str) -> bool:
        title = re.sub(r"\s+", "", title or "")
        return (any(p.search(title) for p in self.title_patterns)
                and not any(p.search(title) for p in self.exclude_patterns)
                and (not self.require_year or year_of(title) is not None))

    def is_attachment(self, url: str) -> bool:
        return Path(urlsplit(url).path).suffix.lower() in self.attachment_extensions


def year_of(title: str) -> int | None:
    """The first year a title states (2021 or 二〇二一), or None."""
    m = _YEAR.search(title or "")
    if not m:
        return None
    digits = m.group(0).translate(str.maketrans("〇○零Ｏ一二三四五六七八九", "000012345678" + "9"))
    return int(digits) if digits.isdigit() else None


def _patterns(values, where: str) -> tuple[re.Pattern, ...]:
    if isinstance(values, str):
        values = [values]
    try:
        return tuple(re.compile(v) for v in values)
    except (re.error, TypeError) as exc:
        raise RegistryError(f"{where}: not a list of regular expressions: {exc}") from None


def make_source(entry: dict, defaults: dict | None = None) -> Source:
    """A Source from one registry entry, the missing fields taken from `defaults`/DEFAULTS."""
    if not isinstance(entry, dict):
        raise RegistryError(f"a source must be a mapping, not {entry!r}")
    name = str(entry.get("name") or "")
    if not _NAME.match(name):
        raise RegistryError(f"source {name or '?'}: `name` must be a short ASCII name (letters, digits, . _ -)")
    merged = {**DEFAULTS, **(defaults or {}), **entry}
    index = merged.get("index")
    index = [index] if isinstance(index, str) else list(index or [])
    if not index or not all(isinstance(u, str) and urlsplit(u).scheme in ("http", "https") for u in index):
        raise RegistryError(f"source {name}: `index` must be one or more http(s) URLs")
    pages = {**DEFAULTS["pagination"], **((defaults or {}).get("pagination") or {}), **(entry.get("pagination") or {})}
    try:
        pagination = Pagination(template=pages.get("template"), first=int(pages["first"]),
                                next_link=bool(pages["next_link"]), max_pages=max(1, int(pages["max_pages"])))
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"source {name}: `pagination`: {exc}") from None
    if pagination.template and "{n}" not in pagination.template:
        raise RegistryError(f"source {name}: `pagination.template` must contain {{n}}")
    jurisdiction = merged.get("jurisdiction") or {}
    adcode = str(jurisdiction.get("adcode") or "") or None
    if adcode and not re.fullmatch(r"\d{6}", adcode):
        raise RegistryError(f"source {name}: `jurisdiction.adcode` must be 6 digits (quote it in YAML)")
    if merged["page_policy"] not in PAGE_POLICIES:
        raise RegistryError(f"source {name}: `page_policy` must be one of {', '.join(PAGE_POLICIES)}")
    exts = tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in merged["attachment_extensions"])
    return Source(
        name=name, index=tuple(index), label=merged.get("label"),
        title_patterns=_patterns(merged["title_patterns"], f"source {name}: `title_patterns`"),
        exclude_patterns=_patterns(merged["exclude_patterns"] or [], f"source {name}: `exclude_patterns`"),
        require_year=bool(merged["require_year"]), attachment_extensions=exts, pagination=pagination,
        hosts=frozenset(h.lower() for h in merged["hosts"] or []), page_policy=merged["page_policy"],
        jurisdiction_name=jurisdiction.get("name"), adcode=adcode,
    )


def load_registry(path: Path | str = DEFAULT_REGISTRY) -> list[Source]:
    """Every source of a registry file, in file order; RegistryError when it is malformed."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise RegistryError(f"cannot read the registry {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise RegistryError(f"{path}: expected a mapping with a `sources:` list")
    sources = [make_source(entry, data.get("defaults") or {}) for entry in data["sources"]]
    names = [s.name for s in sources]
    if dup := sorted({n for n in names if names.count(n) > 1}):
        raise RegistryError(f"{path}: source names must be unique: {', '.join(dup)}")
    return sources


def adhoc_source(url: str, defaults: dict | None = None) -> Source:
    """A source of one index URL given directly, named after its host (dots kept)."""
    host = (urlsplit(url).hostname or "").lower()
    return make_source({"name": host or "index", "index": [url]}, defaults)
