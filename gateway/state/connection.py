"""The state's connection to SQLite and its files: the database opened (WAL, busy timeout, the
schema), transactions, the raw mails, the owner of what is written, backups.

WAL with synchronous=FULL: a recorded message survives a power cut. Raw mail is kept beside the
database, content-addressed, written and fsynced before the row that points to it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Self

import sqlite_utils

from gateway.state import schema


class BackupFailed(Exception):
    """SQLite could not copy the database (it cannot open the destination, the copy is corrupt)."""


class Connection:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.mail_dir = self.directory / "mail"
        # A State is used by one thread at a time, but not always the one that opened it: the
        # relay's workers take one from a pool, and it is closed from the thread that stops them.
        self.db = sqlite_utils.Database(sqlite3.connect(self.directory / "state.db", check_same_thread=False))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        if not schema.is_current(self.db):
            with self.transaction():
                schema.create(self.db)
        # A command run by hand as root must not leave the service's files to root (the service
        # could no longer write its own state, nor read the mails it keeps): what it writes in the
        # state folder goes to the folder's owner.
        folder = self.directory.stat()
        self.owner = (folder.st_uid, folder.st_gid) if os.geteuid() == 0 and folder.st_uid != 0 else None
        self.give_to_owner(*(self.directory / name for name in ("state.db", "state.db-wal", "state.db-shm")))

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
        (an acknowledgement already sent?) cannot interleave with another writer."""
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def store_raw(self, raw: bytes, sha256: str) -> Path:
        path = self.mail_dir / sha256[:2] / f"{sha256}.eml"
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".tmp.{os.getpid()}.{threading.get_ident()}")
        with open(temporary, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        self.give_to_owner(self.mail_dir, path.parent, path)
        return path

    def raw(self, message: dict[str, Any]) -> bytes:
        return (self.directory / message["raw_path"]).read_bytes()

    def backup(self, destination: Path) -> int:
        """A consistent copy of the database while the daemon writes to it (SQLite's online
        backup), written beside `destination` and renamed into place; returns its size. OSError
        when the place cannot be written, BackupFailed when SQLite cannot make the copy."""
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
