"""The interface of a mail store: one folder of one mailbox. It has an IMAP and a Maildir
implementation (imap.py, maildir.py), so the same watcher (and its tests) runs against a server
or a folder on disk."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

TAGGED = "$CrisisTagged"        # keyword on every copy the gateway appended: never processed again
QUARANTINED = "$CrisisQuarantined"


class FolderMissing(RuntimeError):
    """A folder to read (the Sent folder) is not there: nothing to watch, said once."""


@dataclass(frozen=True)
class StoredMail:
    uid: int
    raw: bytes
    flags: tuple[str, ...]
    internaldate: datetime | None


class MailStore(Protocol):
    """One folder of one mailbox, with its archive folder."""

    name: str

    def connect(self) -> None: ...

    def close(self) -> None: ...

    def uidvalidity(self) -> int: ...

    def list_uids(self, after_uid: int, since: date | None) -> list[int]: ...

    def highest_uid(self) -> int: ...

    def fetch(self, uid: int) -> StoredMail | None: ...

    def append_copy(self, raw: bytes, flags: tuple[str, ...], internaldate: datetime | None) -> int | None: ...

    def find_copy(self, key: str, state: str | None = None) -> int | None: ...

    def uids_naming(self, uids: list[int], text: str) -> list[int]:
        """Those of `uids` that name `text` (an order id), in UID order; searched by the text,
        kept to `uids` by the store, so the request does not grow with them."""
        ...

    def archive(self, uid: int) -> None: ...

    def add_keywords(self, uid: int, keywords: list[str]) -> None: ...

    def remove_keywords(self, uid: int, keywords: list[str]) -> None: ...

    def change_labels(self, uid: int, add: list[str], remove: list[str]) -> bool: ...

    def wait_for_news(self, timeout: float, stop: threading.Event) -> None: ...

    def check_alive(self) -> None: ...


def wait_steps(timeout: float, stop: threading.Event, step: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while not stop.is_set() and time.monotonic() < deadline:
        stop.wait(min(step, max(0.0, deadline - time.monotonic())))
