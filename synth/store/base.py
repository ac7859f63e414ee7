"""Opening the SQLite file safely: checks, WAL, busy timeout, migrations under a write lock, and transactions."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import StoreError
from .migrations import migrations

BUSY_TIMEOUT_MS = 60_000  # a writer waits this long for another process's write transaction before failing
SQLITE_MAGIC = b"SQLite format 3\x00"


def now() -> str:
    """UTC timestamp in ISO format, as stored in every *_at column."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_path(path: Path) -> None:
    """One-line errors for paths that cannot hold a synth database (before SQLite gives a vaguer one)."""
    if path.is_dir():
        raise StoreError(f"cannot open database {path}: it is a directory (give a file path with --db)")
    if path.exists():
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise StoreError(f"cannot open database {path}: {exc.strerror or exc}") from exc
        if head and head != SQLITE_MAGIC:
            raise StoreError(f"cannot open database {path}: not an SQLite database file")
        if not os.access(path, os.W_OK):
            raise StoreError(f"cannot open database {path}: the file is read-only")
        return
    parent = path.parent
    blocker = next((a for a in [parent, *parent.parents] if a.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise StoreError(f"cannot create database {path}: {blocker} is a file, not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the database folder {parent}: {exc.strerror or exc}") from exc
    if not parent.is_dir():
        raise StoreError(f"cannot create database {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK):
        raise StoreError(f"cannot create database {path}: the folder {parent} is read-only")


class StoreBase:
    """The connection: opened, checked and migrated on construction; a context manager that closes it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        memory = str(self.path) == ":memory:"
        if not memory:
            _check_path(self.path)
        try:
            self.db = Database(self.path)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        try:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not memory:
                self._retry_locked(self.db.enable_wal)
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        except StoreError:
            self.db.close()
            raise

    def _retry_locked(self, fn: Callable[[], Any], seconds: float = BUSY_TIMEOUT_MS / 1000) -> Any:
        """Call `fn`, retrying while another process holds a lock it cannot wait on (journal-mode switch)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        """Apply pending migrations under the write lock, so two processes opening a new file do not race."""
        known = {m.name for m in migrations._migrations}
        applied = {m.name for m in migrations.applied(self.db)}
        newer = sorted(applied - known)
        if newer:
            raise StoreError(
                f"database {self.path} was written by a newer synth (unknown schema migrations: {', '.join(newer)}); "
                "upgrade synth to open it"
            )
        if not migrations.pending(self.db):
            return
        with self.transaction():
            migrations.apply(self.db)  # inside our transaction each migration runs in a savepoint

    def close(self) -> None:
        """Close the connection (idempotent)."""
        try:
            self.db.close()
        except sqlite3.ProgrammingError:
            pass

    def __enter__(self) -> "StoreBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One logical write: `BEGIN IMMEDIATE` (takes the write lock up front, so a concurrent writer waits on the
        busy timeout instead of failing mid-transaction), commit on success, roll back on any exception.
        Nested calls become savepoints of the outer transaction."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        try:  # BEGIN inside: a signal that lands just after it must still roll back, or the next write joins it
            conn.execute("BEGIN IMMEDIATE")
            yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    @contextmanager
    def batch(self, seconds: float) -> Iterator[Callable[[], None]]:
        """Group many small logical writes into one transaction per `seconds` (a commit costs an fsync).

        Yields `tick()`; call it between logical writes (each of which may use `transaction()`, a savepoint here).
        Work done so far is committed when the block ends, also on an exception or Ctrl-C; a kill loses at most
        the last `seconds` of work, never half of a logical write. The write lock is held for about `seconds`.
        """
        conn = self.db.conn
        started = time.monotonic()
        conn.execute("BEGIN IMMEDIATE")

        def tick() -> None:
            nonlocal started
            if seconds <= 0 or time.monotonic() - started >= seconds:
                conn.execute("COMMIT")
                conn.execute("BEGIN IMMEDIATE")
                started = time.monotonic()

        try:
            yield tick
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def integrity(self) -> list[str]:
        """`PRAGMA integrity_check` rows (["ok"] for a sound file)."""
        return [r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall()]
