"""Commits made durable together: one fsync of the write-ahead log for every thread waiting on one.

Under synchronous=FULL each COMMIT fsyncs the WAL itself, one after another, with the write lock
held: on this disk 3 ms each, the bound of a relay that commits twice per mail. Inside
`State.synced_together()` and `State.unsynced()` commits are written to the WAL
(synchronous=NORMAL: consistent after a power cut, only the last commits may be missing) and made
durable before the caller answers for them (on leaving the first, by the Unsynced's `sync()` of
the second). A thread whose commits an fsync already covers does not fsync again, so threads
that wait at the same time share one: a group commit.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Iterator

import sqlite_utils


class WalSync:
    """fsync of one database's WAL file, shared by the threads of this process."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.wal = database.with_name(database.name + "-wal")
        self._syncing = threading.Lock()  # one fsync at a time; who waits for it may be covered by it
        self.writers = threading.Lock()   # the transactions of synced_together, one at a time
        self._counting = threading.Lock()
        self._asked = 0   # syncs asked for, each after its caller's commits were written
        self._done = 0    # every sync asked for up to this number is durable
        self._inode: int | None = None
        self._failed: str | None = None  # an fsync that failed: no later one can be trusted

    def ticket(self) -> int:
        """A claim on a sync that covers every commit this thread finished before the call."""
        with self._counting:
            self._asked += 1
            return self._asked

    def sync(self, ticket: int | None = None) -> None:
        """Every commit this thread finished before the call (or before `ticket` was taken) is on
        disk when it returns."""
        if ticket is None:
            ticket = self.ticket()
        with self._syncing:
            if self._failed is not None:
                # Linux reports a write-back error to one fsync and marks the pages clean: a later
                # fsync succeeds without the lost writes on disk. Nothing after it counts as durable.
                raise OSError(f"an fsync of {self.wal.name} failed before ({self._failed}); nothing written since "
                              "counts as durable until the daemon restarts")
            if self._done >= ticket:
                return  # an fsync begun after those commits covered them
            with self._counting:
                covered = self._asked
            try:
                self._fsync()
            except OSError as exc:
                self._failed = f"{type(exc).__name__}: {exc}"
                raise
            self._done = covered

    def _fsync(self) -> None:
        try:
            fd = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:  # no WAL (checkpointed and removed): the commits are in the database
            fd = os.open(self.database, os.O_RDONLY)
        try:
            os.fsync(fd)
            inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        if inode != self._inode:  # a WAL file new since the last sync: its name must last too
            sync_folder(self.database.parent)
            self._inode = inode


def sync_folder(folder: Path) -> None:
    """fsync of a folder: the names made or renamed in it last through a power cut (POSIX asks
    for it; ext4 happens to commit them with the next fsync of anything, other filesystems do not)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


_SYNCS: dict[Path, WalSync] = {}
_SYNCS_LOCK = threading.Lock()


def wal_sync(database: Path) -> WalSync:
    """The one WalSync of a database file in this process."""
    database = database.resolve()
    with _SYNCS_LOCK:
        return _SYNCS.setdefault(database, WalSync(database))


class Unsynced:
    """The commits of a `State.unsynced()` block, written to the WAL and not synced: `sync()`
    makes them durable, from any thread. Its ticket is taken as the block ends, so the Unsynced of
    blocks that ended before one fsync are all covered by it."""

    def __init__(self, wal: WalSync) -> None:
        self.wal = wal
        self.ticket: int | None = None

    def sync(self) -> None:
        self.wal.sync(self.ticket)


class GroupSync:
    """Part of State (before Connection, whose transactions it wraps): commits durable together
    instead of one by one."""

    db: sqlite_utils.Database
    directory: Path
    _grouped = False
    _wal: WalSync | None = None

    @property
    def wal(self) -> WalSync:
        """Looked up once per connection (the lookup resolves the path, a few system calls)."""
        if self._wal is None:
            self._wal = wal_sync(self.directory / "state.db")
        return self._wal

    @contextlib.contextmanager
    def synced_together(self) -> Iterator[None]:
        """Commits inside are not synced one by one; leaving the block makes them durable, however
        it is left (with other threads' commits, in one fsync)."""
        written: Unsynced | None = None
        try:
            with self.unsynced() as written:
                yield
        finally:
            if written is not None:
                written.sync()  # after synchronous=FULL is back

    @contextlib.contextmanager
    def unsynced(self) -> Iterator[Unsynced]:
        """Commits inside are written, not synced: the caller makes them durable with the
        Unsynced's sync() (in any thread, with others' at once) before it answers for them. A mail
        kept in the database is in those commits; a raw mail file stored inside is synced at once
        all the same, before the commit that names it: a record must never outlast its mail."""
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._grouped = True
        written = Unsynced(self.wal)
        try:
            yield written
        finally:
            written.ticket = self.wal.ticket()
            self._grouped = False
            if not self.db.conn.in_transaction:  # transaction() never leaves one open; the pragma needs none
                self.db.execute("PRAGMA synchronous=FULL")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Inside synced_together, this process's writers take turns on a lock of their own before
        SQLite's: SQLite's busy handler sleeps in steps of up to 100 ms when the write lock is taken,
        a thread waiting here starts the moment the last one commits (which, unsynced, is quick)."""
        if not self._grouped or self.db.conn.in_transaction:
            with super().transaction():  # type: ignore[misc]
                yield
            return
        with self.wal.writers, super().transaction():  # type: ignore[misc]
            yield
