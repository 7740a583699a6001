"""Has anything changed in the raw folders since the last look? (what the Dagster sensor asks)

The answer never depends on the wall clock, only on the files. The cursor is small JSON:
  mtime_ns  the highest file mtime seen
  at_mtime  sha256 over the (path, content hash) of the files that have that mtime
  listing   sha256 over the sorted (path, size) of every file
  files     how many files there were
A tick stats every file and hashes only those with an mtime at or above the cursor's (reusing
the warehouse's last scan for files it already hashed). A change is: a file newer than the
cursor whose content is new (a file only touched, same bytes as the warehouse's last scan, is
no change), or a different listing (a file added with an old mtime, renamed, resized or
removed). The run key is a hash of the listing and the new contents, so the same change
always asks for the same run (Dagster runs a run key once).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import polars as pl

from pipeline.scan import Roots, sha256_file, walk


@dataclass
class Change:
    changed: bool
    cursor: str          # the new cursor (JSON)
    run_key: str | None
    summary: str


def _digest(lines) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def look(roots: Roots, cursor: str | None, last_scan: pl.DataFrame | None = None) -> Change:
    """Compare the raw folders with `cursor` (None: never looked) and the warehouse's last scan."""
    before = json.loads(cursor) if cursor else {}
    since = int(before.get("mtime_ns", -1))
    known: dict[tuple, str] = {}
    if last_scan is not None and last_scan.height:
        rows = last_scan.filter(pl.col("read_error").is_null() & (pl.col("state") == "present"))
        known = {(p, b, m): rid for p, rid, b, m in rows.select("source_path", "report_id", "bytes", "mtime_ns").iter_rows()}
    listing, newer = [], []
    for found in walk(roots):
        size = found.stat.st_size if found.stat else -1
        mtime = found.stat.st_mtime_ns if found.stat else 0
        listing.append(f"{found.source_path}\t{size}")
        if mtime >= since:
            newer.append((found, size, mtime))
    top = max((m for _, _, m in newer), default=since)
    hashed = []
    for found, size, mtime in newer:
        digest = known.get((found.source_path, size, mtime))
        if digest is None:
            try:
                digest = sha256_file(found.path)[0] if found.stat else "unreadable"
            except OSError:
                digest = "unreadable"
        hashed.append((found.source_path, mtime, digest))
    at_since = _digest(f"{p}\t{d}" for p, m, d in hashed if m == since)
    last_contents = {p: rid for (p, _, _), rid in known.items()}
    fresh = [f"{p}\t{d}" for p, m, d in hashed
             if (m > since or at_since != before.get("at_mtime")) and last_contents.get(p) != d]
    state = {"mtime_ns": top, "at_mtime": _digest(f"{p}\t{d}" for p, m, d in hashed if m == top),
             "listing": _digest(listing), "files": len(listing)}
    relisted = state["listing"] != before.get("listing")
    new_cursor = json.dumps(state, sort_keys=True)
    if not fresh and not relisted:
        return Change(False, new_cursor, None, f"no change in {len(listing)} files")
    run_key = "raw-" + _digest([state["listing"], *fresh])[:32]
    return Change(True, new_cursor, run_key, f"{len(fresh)} new or changed contents; listing "
                                             f"{'changed' if relisted else 'unchanged'} ({len(listing)} files)")
