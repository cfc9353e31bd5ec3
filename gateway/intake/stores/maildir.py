"""A local Maildir as a mail store: the demo's mailbox, and the tests' folder on disk."""

from __future__ import annotations

import os
import re
import threading
from datetime import date, datetime, timezone
from pathlib import Path

from gateway.intake.stores.base import TAGGED, FolderMissing, StoredMail
from gateway.judging.tagging import key_token
from gateway.mail import maildir

_INFO = re.compile(r":2,([A-Za-z]*)$")
_MAILDIR_FLAGS = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged", "T": "\\Deleted", "D": "\\Draft"}


def _head(path: Path, size: int = 20000) -> bytes:
    """The first bytes of a mail, where the gateway's own fields stand; not a whole attachment."""
    with open(path, "rb") as handle:
        return handle.read(size)


class MaildirStore:
    """A local Maildir. Numbers its mails itself (a ".crisis-uids" file maps file names to UIDs,
    like Dovecot's dovecot-uidlist), keeps keywords in ".crisis-keywords", and archives into a
    sibling Maildir. Without an archive it is only read (the Sent folder), and must exist.

    With `readonly` nothing at all is written (a preview): it must exist, mail not numbered yet
    is numbered in memory as a first start would number it, nothing is moved or marked."""

    def __init__(self, name: str, path: Path, archive: Path | None, poll_seconds: float = 2.0, *,
                 readonly: bool = False) -> None:
        self.name = name
        self.path = Path(path)
        self.archive_path = Path(archive) if archive is not None else None
        self.poll_seconds = poll_seconds
        self.readonly = readonly
        self._uids: dict[str, int] = {}       # unique file name -> UID
        self._names: dict[int, str] = {}      # UID -> unique file name
        self._paths: dict[str, Path] = {}     # unique file name -> path, as last listed
        self._last_uid = 0
        self._keywords: dict[str, set[str]] = {}

    # UIDs and keywords, persisted beside the mail
    def _load(self) -> None:
        self._uids, self._names, self._paths, self._keywords = {}, {}, {}, {}
        uid_file = self.path / ".crisis-uids"
        if uid_file.exists():
            for line in uid_file.read_text().splitlines():
                uid, _, name = line.partition(" ")
                self._uids[name] = int(uid)
                self._names[int(uid)] = name
        self._last_uid = max(self._names, default=0)
        keyword_file = self.path / ".crisis-keywords"
        if keyword_file.exists():
            for line in keyword_file.read_text().splitlines():
                name, _, words = line.partition(" ")
                self._keywords[name] = set(words.split())

    def _save(self) -> None:
        for file_name, lines in ((".crisis-uids", [f"{u} {n}" for n, u in sorted(self._uids.items(), key=lambda i: i[1])]),
                                 (".crisis-keywords", [f"{n} {' '.join(sorted(w))}" for n, w in self._keywords.items() if w])):
            temporary = self.path / (file_name + ".tmp")
            temporary.write_text("\n".join(lines) + "\n")
            os.replace(temporary, self.path / file_name)

    def _writable(self) -> None:
        """Refuses every change to a read-only Maildir, as an IMAP server refuses one to an EXAMINEd folder."""
        if self.readonly:
            raise PermissionError(f"{self.name}: the Maildir {self.path} is opened read-only")

    @staticmethod
    def _unique(file_name: str) -> str:
        return file_name.split(":", 1)[0]

    def _files(self) -> dict[str, Path]:
        self._paths = {self._unique(p.name): p for p in maildir.mail_files(self.path)}
        return self._paths

    def _number(self, unique: str) -> int:
        self._last_uid += 1
        self._uids[unique], self._names[self._last_uid] = self._last_uid, unique
        return self._last_uid

    def connect(self) -> None:
        if self.archive_path is None or self.readonly:
            if not (self.path / "cur").is_dir():
                raise FolderMissing(f"Maildir {self.path} does not exist")
        else:
            maildir.ensure(self.path)
            maildir.ensure(self.archive_path)
        self._load()

    def close(self) -> None:
        pass

    def uidvalidity(self) -> int:
        return 1

    def list_uids(self, after_uid: int, since: date | None) -> list[int]:
        files = self._files()
        changed = False
        for unique in sorted(files, key=lambda n: (files[n].stat().st_mtime, n)):
            if unique not in self._uids:
                self._number(unique)
                changed = True
        if changed and not self.readonly:
            self._save()
        return sorted(uid for uid, unique in self._names.items() if unique in files and uid > after_uid and
                      (since is None or datetime.fromtimestamp(files[unique].stat().st_mtime, timezone.utc).date() >= since))

    def highest_uid(self) -> int:
        self.list_uids(0, None)  # numbers new files
        return self._last_uid

    def _path(self, uid: int) -> Path | None:
        """From the last listing; listed again only when the file moved (a client set a flag)."""
        unique = self._names.get(uid)
        if unique is None:
            return None
        path = self._paths.get(unique)
        if path is None or not path.exists():
            path = self._files().get(unique)
        return path

    def fetch(self, uid: int) -> StoredMail | None:
        path = self._path(uid)
        if path is None:
            return None
        match = _INFO.search(path.name)
        flags = tuple(_MAILDIR_FLAGS[c] for c in (match.group(1) if match else "") if c in _MAILDIR_FLAGS)
        flags += tuple(sorted(self._keywords.get(self._unique(path.name), ())))
        return StoredMail(uid, path.read_bytes(), flags, datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))

    def append_copy(self, raw: bytes, flags: tuple[str, ...], internaldate: datetime | None) -> int | None:
        self._writable()
        letters = "".join(sorted(c for c, f in _MAILDIR_FLAGS.items() if f in flags))
        written = maildir.deliver(self.path, raw)
        final = written.parent.parent / "cur" / f"{written.name}:2,{letters}"
        os.replace(written, final)
        if internaldate is not None:
            stamp = internaldate.timestamp()
            os.utime(final, (stamp, stamp))
        unique = self._unique(final.name)
        uid = self._number(unique)
        self._paths[unique] = final
        self._keywords[unique] = {f for f in flags if not f.startswith("\\")}
        self._save()
        return uid

    def uids_naming(self, uids: list[int], text: str) -> list[int]:
        """Those of `uids` whose bytes name `text` (an order id; not found inside an encoded body),
        in UID order: each file is read, as a server without an index reads each message."""
        wanted = text.encode()
        return [uid for uid in sorted(set(uids)) if (path := self._path(uid)) is not None and wanted in path.read_bytes()]

    def find_copy(self, key: str, state: str | None = None) -> int | None:
        """The newest tagged copy of `key`; with `state`, the newest whose X-Crisis-State says it."""
        found = []
        for unique, path in self._files().items():
            head = _head(path) if TAGGED in self._keywords.get(unique, ()) else b""
            if f"X-Crisis-Key: {key_token(key)}".encode() in head and (
                    state is None or f"X-Crisis-State: {state}".encode() in head):
                found.append(self._uids.get(unique) or 0)
        return max(found) if found else None

    def archive(self, uid: int) -> None:
        self._writable()
        path = self._path(uid)
        if path is not None and self.archive_path is not None:
            os.replace(path, self.archive_path / "cur" / path.name)
            self._paths.pop(self._unique(path.name), None)

    def add_keywords(self, uid: int, keywords: list[str]) -> None:
        self._change_keywords(uid, keywords, add=True)

    def remove_keywords(self, uid: int, keywords: list[str]) -> None:
        self._change_keywords(uid, keywords, add=False)

    def _change_keywords(self, uid: int, keywords: list[str], *, add: bool) -> None:
        self._writable()
        path = self._path(uid)
        if path is not None:
            kept = self._keywords.setdefault(self._unique(path.name), set())
            (kept.update if add else kept.difference_update)(keywords)
            self._save()

    def change_labels(self, uid: int, add: list[str], remove: list[str]) -> bool:
        return False  # a Maildir has no labels

    def wait_for_news(self, timeout: float, stop: threading.Event) -> None:
        stop.wait(min(timeout, self.poll_seconds))

    def check_alive(self) -> None:
        if not self.path.is_dir():
            raise OSError(f"Maildir {self.path} is gone")
