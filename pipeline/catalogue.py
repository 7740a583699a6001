"""The metric catalogue: loads `catalogue.yaml` (the one place metric codes, units and labels
live) and answers questions about it — which code a table label names, a code's unit, the
rows of `dim_metric`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")

# numbering and punctuation that differ between copies of the same label
_NOISE = re.compile(
    r"[\s\u3000|:：,，、.．。;；()（）\[\]【】“”\"'‘’《》〈〉<>/\\\-—_·⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽]"
    r"|^(?:其中)|(?<![\u4e00-\u9fff])[0-9]+(?=[\u4e00-\u9fff])|^[一二三四五六七八九十]+(?=[\u4e00-\u9fff])"
)


_PAREN_NUMBER = re.compile(r"[（(][一二三四五六七八九十\d]+[）)]")
_LEADING_NUMBER = re.compile(r"^\s*[一二三四五六七八九十]+[、.．]")
_LIST_NUMBER = re.compile(r"(?:^|(?<=[^\d]))\d{1,2}[、.．](?=\D)")


def normalize_label(text: str) -> str:
    """Strip numbering, spaces and punctuation so label variants compare equal."""
    s = _PAREN_NUMBER.sub("", text)
    s = _LEADING_NUMBER.sub("", s)
    s = _LIST_NUMBER.sub("", s)
    s = _NOISE.sub("", s)
    return s.replace("其中", "")


@dataclass(frozen=True)
class Metric:
    code: str
    section: str
    unit: str
    eras: tuple[str, ...]
    labels: tuple[str, ...]
    description: str
    parent: str | None = None
    group: bool = False
    signed: bool = False


@lru_cache(maxsize=1)
def load() -> dict:
    with open(CATALOGUE_PATH, encoding="utf-8") as f:       # libyaml's safe loader when built (0.1 s -> 0.01 s)
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def metrics() -> dict[str, Metric]:
    out = {}
    for m in load()["metrics"]:
        out[m["code"]] = Metric(
            code=m["code"], section=m["section"], unit=m["unit"], eras=tuple(m.get("eras", ())),
            labels=tuple(m.get("labels", ())), description=m.get("description", ""),
            parent=m.get("parent"), group=bool(m.get("group", False)), signed=bool(m.get("signed", False)),
        )
    return out


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    return frozenset(metrics())


@lru_cache(maxsize=1)
def units() -> dict[str, str]:
    """code → unit (do not modify)."""
    return {code: m.unit for code, m in metrics().items()}


def unit_of(code: str) -> str:
    return units()[code]


@lru_cache(maxsize=1)
def _label_index() -> dict[str, str]:
    """normalised label → code (a label listed under two codes keeps the first)."""
    index: dict[str, str] = {}
    for m in metrics().values():
        for lbl in m.labels:
            if (norm := normalize_label(lbl)):
                index.setdefault(norm, m.code)
    return index


@lru_cache(maxsize=1)
def _longest_label() -> int:
    return max(map(len, _label_index()), default=0)


@lru_cache(maxsize=4096)
def code_for_label(label: str, exact: bool = False) -> str | None:
    """The code whose catalogue label the (table row) label is, or ends with (the longest
    such label wins, so the most specific one)."""
    norm = normalize_label(label)
    if not norm:
        return None
    index = _label_index()
    if exact:
        return index.get(norm)
    for i in range(max(0, len(norm) - _longest_label()), len(norm)):   # suffixes, longest first
        if (code := index.get(norm[i:])):                              # (none longer than a label)
            return code
    return None


def dim_metric_rows() -> list[dict]:
    return [
        {
            "metric_code": m.code, "section": m.section, "unit": m.unit,
            "labels": " / ".join(m.labels), "eras": ",".join(m.eras), "description": m.description,
            "parent_code": m.parent, "is_group": m.group,
        }
        for m in metrics().values()
    ]
