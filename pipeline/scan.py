"""Finding the raw files: where they are, what they are called in the warehouse, their hashes.

- `Roots`: the folders (or files) given to a run. A file is named in the warehouse by the
  folder given and its path inside it — `samples/000.txt` for `/home/me/data/samples/000.txt`
  given as `data/samples` — so no absolute path of the machine is ever stored. A file given
  on its own is named after its folder the same way. Two folders given with the same name get
  their parents' names in front until the names differ; a folder inside another given one is
  searched once.
- `walk`: every file under the roots, hidden files and folders skipped. Symlinked folders are
  not followed; a symlinked file is read only when its target lies inside the root, otherwise
  it is recorded with an error; FIFOs, devices and sockets are recorded with an error, never
  opened (`open_regular` refuses them even if one is swapped in later).
- `scan`: one row per file with the sha256 of its bytes. A file whose path, size, mtime and
  inode equal the previous scan's (its `cache`) keeps the earlier hash without being read.
"""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

SCAN_SCHEMA = {"source_path": pl.String, "root_key": pl.String, "report_id": pl.String, "bytes": pl.Int64,
               "mtime_ns": pl.Int64, "ino": pl.Int64, "read_error": pl.String}


@dataclass(frozen=True)
class Root:
    path: Path      # absolute folder (or file) given
    label: str      # its name in the warehouse (the first component(s) of source_path)
    is_dir: bool

    @cached_property
    def key(self) -> str:
        """A stable id of the absolute root that does not reveal it (the hash-cache key)."""
        return hashlib.sha256(str(self.path).encode()).hexdigest()[:16]

    @cached_property
    def real_folder(self) -> Path:
        """`folder` with every symlink resolved (what a symlink inside it must lead into)."""
        return self.folder.resolve()

    @property
    def folder(self) -> Path:
        """The folder the label stands for (a file given on its own: its folder)."""
        return self.path if self.is_dir else self.path.parent

    def source_path(self, file: Path) -> str:
        return f"{self.label}/{file.relative_to(self.folder).as_posix()}"

    def locate(self, source_path: str) -> Path:
        """The absolute path of one of this root's source paths."""
        return self.folder / source_path[len(self.label) + 1:]

    def covers(self) -> pl.Expr:
        """Whether a source_path lies in what this root scans."""
        prefix = self.label + "/"
        if self.is_dir:
            return pl.col("source_path").str.starts_with(prefix)
        return pl.col("source_path") == prefix + self.path.name


class Roots:
    """The roots of a run, labelled uniquely (see the module docstring)."""

    def __init__(self, paths: Iterable[Path | str]):
        given = sorted({Path(os.path.abspath(p)) for p in paths})
        dirs = [p for p in given if p.is_dir()]
        kept = [p for p in given if not any(d != p and d in p.parents for d in dirs)]
        self.roots = [Root(p, label, p.is_dir()) for p, label in zip(kept, _labels(kept))]

    def __iter__(self) -> Iterator[Root]:
        return iter(self.roots)

    def by_key(self) -> dict[str, Root]:
        return {r.key: r for r in self.roots}

    def covers(self) -> pl.Expr:
        """Whether a source_path lies in what this run scans."""
        expr = pl.lit(False)
        for root in self.roots:
            expr = expr | root.covers()
        return expr


def _labels(paths: list[Path]) -> list[str]:
    """Each root's folder name, with parent names in front only where two folders clash."""
    folders = [p if p.is_dir() else p.parent for p in paths]
    depth = [1] * len(folders)
    while True:
        labels = ["/".join(f.parts[1:][-d:]) or "root" for f, d in zip(folders, depth)]
        owners: dict[str, set[Path]] = {}
        for label, folder in zip(labels, folders):
            owners.setdefault(label, set()).add(folder)
        clashing = [i for i, label in enumerate(labels) if len(owners[label]) > 1 and depth[i] < len(folders[i].parts)]
        if not clashing:
            return labels
        for i in clashing:
            depth[i] += 1


def open_regular(path: Path | str) -> int:
    """A read-only fd on a regular file; never follows a final symlink, never blocks on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"not a regular file: {Path(path).name}")
    return fd


def sha256_file(path: Path | str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with os.fdopen(open_regular(path), "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass
class Found:
    root: Root
    path: Path                 # where to read it (a symlink inside the root: its target)
    source_path: str
    stat: os.stat_result | None
    error: str | None = None


def resolve(root: Root, path: Path, name: str | None = None) -> Found:
    """One directory entry as the scan sees it (see the module docstring for the rules);
    `name`: its source_path, when the caller knows it."""
    name = name or root.source_path(path)
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            target = Path(os.path.realpath(path))
            inside = root.real_folder
            if target != inside and inside not in target.parents:
                return Found(root, path, name, None, "symlink leading outside the raw folder: not followed")
            path, st = target, os.stat(target)
        if not stat.S_ISREG(st.st_mode):
            return Found(root, path, name, None, "not a regular file (a FIFO, device or socket): not read")
        return Found(root, path, name, st)
    except OSError as exc:
        return Found(root, path, name, None, f"cannot read file: {exc.strerror or exc}")


def walk(roots: Roots) -> Iterator[Found]:
    """Every file under the roots (hidden ones skipped), in sorted order per root."""
    for root in roots:
        if not root.is_dir:
            yield resolve(root, root.path)
            continue
        base = str(root.path)
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel = os.path.relpath(folder, base)      # source paths by string: no Path per file
            prefix = f"{root.label}/" if rel == "." else f"{root.label}/{rel.replace(os.sep, '/')}/"
            parent = Path(folder)
            for name in sorted(files):
                if not name.startswith("."):
                    yield resolve(root, parent / name, prefix + name)


def unreadable_id(source_path: str) -> str:
    """The report_id of a file that could not be hashed: from its name, so it still gets a row."""
    return hashlib.sha256(f"unreadable:{source_path}".encode()).hexdigest()


def scan(roots: Roots, cache: pl.DataFrame | None = None) -> tuple[pl.DataFrame, dict]:
    """(one row per file: SCAN_SCHEMA columns, counts). `cache` is an earlier scan."""
    known: dict[tuple, str] = {}
    if cache is not None and cache.height:
        ok = cache.filter(pl.col("read_error").is_null())
        known = {(p, k, b, m, i): rid for p, k, rid, b, m, i in
                 ok.select("source_path", "root_key", "report_id", "bytes", "mtime_ns", "ino").iter_rows()}
    rows, hashed = [], 0
    for found in walk(roots):
        key = found.root.key
        if found.error:
            rows.append((found.source_path, key, unreadable_id(found.source_path), None, None, None, found.error))
            continue
        st = found.stat
        rid = known.get((found.source_path, key, st.st_size, st.st_mtime_ns, st.st_ino))
        size = st.st_size
        if rid is None:
            try:
                rid, size = sha256_file(found.path)
                hashed += 1
            except OSError as exc:
                rows.append((found.source_path, key, unreadable_id(found.source_path), None, None, None,
                             f"cannot read file: {exc.strerror or exc}"))
                continue
        rows.append((found.source_path, key, rid, size, st.st_mtime_ns, st.st_ino, None))
    frame = pl.DataFrame(rows, schema=SCAN_SCHEMA, orient="row").unique("source_path", keep="first", maintain_order=True)
    return frame, {"files": frame.height, "hashed": hashed, "hash_reused": frame.height - hashed}


def locate(source_path: str, raw_paths: Iterable[Path | str]) -> list[Path]:
    """Where a stored `source_path` may be on this machine, most likely first: under the raw
    folders given (named the way `Roots` names them), then from the current directory. For
    tools that read a report's file again (`ogi review`); only existing files are returned."""
    found = [root.locate(source_path) for root in Roots([p for p in raw_paths if Path(p).exists()])
             if source_path.startswith(root.label + "/")]
    return [p for p in dict.fromkeys([*found, Path(source_path)]) if p.is_file()]
