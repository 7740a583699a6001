"""The two files of `ogi.duckdb`: the live database readers open, and a standby copy the next
load writes, then swaps in.

A load never writes the file readers use. It brings the standby (`.ogi.duckdb.standby`, the
database as of the load before last) up to date in one transaction, checkpoints it, and swaps:
the live file gets a second name (a hard link), the standby is renamed over `ogi.duckdb`, and the
old live file becomes the next standby. A reader keeps the database it opened; one who opens
`ogi.duckdb` gets the old or the new database, whole. A reader still holding the old live
database when the next load starts (DuckDB locks a file a process has open) makes that load
take a fresh copy of the live file instead — the only time a load copies the whole database.
A crash leaves either the swap undone (the standby intact) or done without the new standby's
name, which `recover` gives back. The standby's own bookkeeping (`ogi_meta`, written in the same
transaction) says what it was loaded from, so it never matters how far behind it is.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

META = "ogi_meta"


def read_meta(con: duckdb.DuckDBPyConnection) -> dict | None:
    """{'format', 'files', 'views'} recorded by the last load of this database; None if none."""
    try:
        meta = dict(con.execute(f"SELECT key, value FROM {META}.info").fetchall())
    except duckdb.Error:  # an older database, or one without the bookkeeping
        return None
    if "format" not in meta or "files" not in meta:
        return None
    return {"format": meta["format"], "files": json.loads(meta["files"]), "views": meta.get("views")}


def write_meta(con: duckdb.DuckDBPyConnection, fmt: str, files: dict, views: str | None) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {META}")
    con.execute(f"CREATE OR REPLACE TABLE {META}.info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(f"INSERT INTO {META}.info VALUES ('format', ?), ('files', ?), ('views', ?)",
                [fmt, json.dumps(files, sort_keys=True), views])


class Standby:
    def __init__(self, target: Path, config: dict):
        self.target, self.config = Path(target), config
        self.path = self.target.with_name(f".{self.target.name}.standby")
        self.prev = self.target.with_name(f".{self.target.name}.prev")
        self.copy = self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp")

    def recover(self) -> None:
        """Finish a swap a crash cut short: the old live file's second name becomes the standby
        (when the standby was already moved), or goes (when the swap had not begun)."""
        if self.prev.exists():
            if self.path.exists():
                self.prev.unlink()
            else:
                os.replace(self.prev, self.path)

    def live_meta(self) -> dict | None:
        if not self.target.exists():
            return None
        try:
            with duckdb.connect(str(self.target), read_only=True) as con:
                return read_meta(con)
        except duckdb.Error:
            return None

    def live_counts(self, tables: tuple[str, ...]) -> dict[str, int]:
        with duckdb.connect(str(self.target), read_only=True) as con:
            return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def _discard(self) -> None:
        for path in (self.path, Path(f"{self.path}.wal")):
            path.unlink(missing_ok=True)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), config=self.config)

    def _held_here(self) -> bool:
        """Whether this process has the standby file open (a connection opened while it was
        live): DuckDB's lock keeps other processes out, not another connection of ours."""
        try:
            st = self.path.stat()
            fds = os.listdir("/proc/self/fd")
        except OSError:
            return False
        for fd in fds:
            try:
                other = os.stat(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                return True
        return False

    def open(self, fmt: str, fresh: bool) -> tuple[duckdb.DuckDBPyConnection, dict | None, str]:
        """A writable connection to the standby and its meta (None: an empty database, to be
        loaded in full), and how it was had: 'standby', 'copy of live' or 'new'."""
        if not fresh and self.path.exists() and not self._held_here():
            try:
                con = self._connect()
            except duckdb.Error:  # held by a reader (it was live when they opened it), or unreadable
                con = None
            if con is not None:
                meta = read_meta(con)
                if meta is not None and meta["format"] == fmt:
                    return con, meta, "standby"
                con.close()
        self._discard()
        live = None if fresh else self.live_meta()
        if live is not None and live["format"] == fmt:
            self.copy_live()
            con = self._connect()
            meta = read_meta(con)
            if meta is not None:
                return con, meta, "copy of live"
            con.close()
            self._discard()
        return self._connect(), None, "new"

    def copy_live(self) -> None:
        """The standby as a copy of the live database (written aside, then renamed)."""
        try:
            shutil.copyfile(self.target, self.copy)
            self._discard()
            os.replace(self.copy, self.path)
        finally:
            self.copy.unlink(missing_ok=True)

    def swap(self) -> bool:
        """The standby (checkpointed, closed) becomes the live database and the old live file the
        standby; False when there was no live file (then there is no standby afterwards)."""
        if Path(f"{self.path}.wal").exists():
            raise RuntimeError(f"{self.path.name} has a write-ahead log left: not swapped in")
        self.prev.unlink(missing_ok=True)
        linked = False
        if self.target.exists():
            try:
                os.link(self.target, self.prev)
                linked = True
            except OSError:  # no hard links here: the next load copies the live file
                pass
        os.replace(self.path, self.target)
        if linked:
            os.replace(self.prev, self.path)
        return linked
