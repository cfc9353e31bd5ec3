"""The state's connection to SQLite and its files: the database opened (WAL, busy timeout, the
schema), transactions, the raw mails, the owner of what is written, backups.

WAL with synchronous=FULL: a recorded message survives a power cut. A recorded mail's bytes up to
RAW_IN_DATABASE_MAX are kept in the database, in the transaction that records it, so one fsync of
the log makes mail and record durable together; a larger mail is a file beside the database,
content-addressed, fsynced with its name in its folder before the row that points to it.

Hundreds of threads may open the state and write at once: every step that takes a lock (opening,
the schema, BEGIN IMMEDIATE) waits BUSY_TIMEOUT_MS in SQLite's busy handler, and when SQLite still
says "database is locked" it is tried again after a growing pause, LOCKED_TRIES times in all,
before the error is raised to the caller.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Self, TypeVar

import sqlite_utils

from gateway.state import schema
from gateway.state.durability import sync_folder

log = logging.getLogger("gateway.state")
T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
LOCKED_TRIES = 6          # about 10 s of SQLite's own waiting each, and pauses of 0.1 s up to 3.2 s between
LOCKED_PAUSE = 0.1
# SQLite reads and writes blobs below about 100 KB faster than separate files at its default page
# size (sqlite.org/intern-v-extern-blob.html); a file costs a create, an fsync and a rename more
# than the log's one fsync, which is what bounded the inbound relay. Amazon's mails are mostly a
# few KB; a mail with attachments goes to a file.
RAW_IN_DATABASE_MAX = 100 * 1024


def is_locked(exc: sqlite3.OperationalError) -> bool:
    """SQLite's words for a lock held by another connection longer than the busy timeout."""
    words = str(exc).lower()
    return "database is locked" in words or "database table is locked" in words or "database is busy" in words


def when_unlocked(step: Callable[[], T], what: str) -> T:
    """`step()`, tried again with a growing, jittered pause while SQLite says the database is
    locked; after LOCKED_TRIES the last error is raised. Any other error is raised at once."""
    tries, pause = LOCKED_TRIES, LOCKED_PAUSE
    for attempt in range(1, tries + 1):
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if not is_locked(exc) or attempt == tries:
                raise
            wait = pause * 2 ** (attempt - 1) * random.uniform(1.0, 1.5)
            log.warning("state: %s: %s (try %d of %d); trying again in %.1fs", what, exc, attempt, tries, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


def schema_is_current(directory: Path) -> bool:
    """Whether the state in `directory` has this release's schema, read without changing it (a
    State() made on an older one upgrades it)."""
    connection = sqlite3.connect(f"file:{Path(directory) / 'state.db'}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return schema.is_current(sqlite_utils.Database(connection))
    finally:
        connection.close()


# The mail folders whose own names this process has fsynced in the folder above: once is enough.
_NAMED_FOLDERS: set[Path] = set()


class BackupFailed(Exception):
    """SQLite could not copy the database (it cannot open the destination, the copy is corrupt)."""


class Connection:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.mail_dir = self.directory / "mail"
        # A State is used by one thread at a time, but not always the one that opened it: the
        # relay's workers take one from a pool, and it is closed from the thread that stops them.
        self.db = when_unlocked(self._open, "opening the state")
        if not when_unlocked(lambda: schema.is_current(self.db), "reading the schema version"):
            with self.transaction():
                schema.create(self.db)
        # A command run by hand as root must not leave the service's files to root (the service
        # could no longer write its own state, nor read the mails it keeps): what it writes in the
        # state folder goes to the folder's owner.
        folder = self.directory.stat()
        self.owner = (folder.st_uid, folder.st_gid) if os.geteuid() == 0 and folder.st_uid != 0 else None
        self.give_to_owner(*(self.directory / name for name in ("state.db", "state.db-wal", "state.db-shm")))

    def _open(self) -> sqlite_utils.Database:
        connection = sqlite3.connect(self.directory / "state.db", check_same_thread=False,
                                     timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode=WAL")  # takes a lock the first time, on a new database
            connection.execute("PRAGMA synchronous=FULL")
        except BaseException:
            connection.close()
            raise
        return sqlite_utils.Database(connection)

    def give_to_owner(self, *paths: Path) -> None:
        """Hand files or folders just written in the state folder to its owner (only when run as root)."""
        if self.owner is None:
            return
        for path in paths:
            if path.exists() and path.stat().st_uid != self.owner[0]:
                os.chown(path, *self.owner)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE: the write lock is taken at once, so a check and the insert it guards
        (an acknowledgement already sent?) cannot interleave with another writer. Taking it waits
        for other writers (busy timeout, then tries again with backoff, bounded); once taken, the
        COMMIT in WAL mode does not wait for anyone."""
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        when_unlocked(lambda: self.db.execute("BEGIN IMMEDIATE"), "taking the write lock")
        try:
            yield
            when_unlocked(lambda: self.db.execute("COMMIT"), "committing")  # a COMMIT that waited stays open: tried again
        except BaseException:
            # also after a COMMIT that failed for good: left open, every later transaction() of
            # this connection would be a savepoint inside it, never committed, the lock kept
            if self.db.conn.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def store_raw(self, raw: bytes, sha256: str) -> Path:
        """The mail as a file under mail/, on disk (its bytes and its name) when this returns."""
        path = self.mail_dir / sha256[:2] / f"{sha256}.eml"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".tmp.{os.getpid()}.{threading.get_ident()}")
            with open(temporary, "wb") as handle:
                handle.write(raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        # also when the file was there: another thread may have renamed it a moment ago and not
        # yet synced its name, nor those of the folders it made
        sync_folder(path.parent)
        for folder in (path.parent, self.mail_dir):
            if folder not in _NAMED_FOLDERS:
                sync_folder(folder.parent)
                _NAMED_FOLDERS.add(folder)
        self.give_to_owner(self.mail_dir, path.parent, path)
        return path

    def raw(self, message: dict[str, Any]) -> bytes:
        """The bytes of a recorded mail (a row of messages): its file, or the database's copy."""
        if message.get("raw_path"):
            return (self.directory / message["raw_path"]).read_bytes()
        row = self.db.execute("SELECT raw FROM raw_mails WHERE sha256 = ?", [message["sha256"]]).fetchone()
        if row is None:
            raise FileNotFoundError(f"the mail {message['sha256']} is neither a file nor in the state's raw_mails")
        return bytes(row[0])

    def backup(self, destination: Path) -> int:
        """A consistent copy of the database while the daemon writes to it (SQLite's online
        backup), written beside `destination` and renamed into place; returns its size. OSError
        when the place cannot be written, BackupFailed when SQLite cannot make the copy."""
        # The README's backup copies mail/ next (rsync): most mails are in the database, and a
        # folder missing until the first large mail or reply would fail that copy every night.
        self.mail_dir.mkdir(exist_ok=True)
        self.give_to_owner(self.mail_dir)
        temporary = destination.with_name(destination.name + ".part")
        temporary.unlink(missing_ok=True)
        try:
            target = sqlite3.connect(temporary)
            try:
                # In one step: it reads one snapshot, and under WAL the daemon's writers go on meanwhile.
                # In small steps, every write by another connection would start the copy over.
                self.db.conn.backup(target, pages=-1)
                if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("the copy fails its integrity check")
            finally:
                target.close()
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, destination)
        except BaseException as exc:
            temporary.unlink(missing_ok=True)  # no half copy left beside the backups
            if isinstance(exc, sqlite3.DatabaseError):
                raise BackupFailed(str(exc)) from exc
            raise
        return destination.stat().st_size
