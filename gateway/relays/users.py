"""Who may send through the outbound relay: a users file of `name:scrypt$...` lines.

Only hashes are stored (scrypt, a salt per user), so the file leaks no password. It is read
again when it changes: adding a user needs no restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
from pathlib import Path

log = logging.getLogger("gateway.relay")

# scrypt cost: about 50 ms and 16 MiB per check on a small server; a guessed password costs the same.
_N, _R, _P = 2**14, 8, 1


class UsersFileError(ValueError):
    """The users file cannot be used; the message names the file and the line."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def check_password(stored: str, password: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8", "surrogateescape"), salt=base64.b64decode(salt),
                                n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=128 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def parse_users(path: Path) -> dict[str, str]:
    """name -> stored hash; blank lines and # comments are allowed."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsersFileError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, stored = line.partition(":")
        if not name or not stored.startswith("scrypt$") or stored.count("$") != 5:
            raise UsersFileError(f"{path} line {number}: expected name:scrypt$..., as written by "
                                 "`crisis-gateway relay-user`")
        users[name] = stored
    return users


def set_user(path: Path, name: str, password: str) -> bool:
    """Add or replace a user; True when the user was new. Written atomically, mode 0600."""
    if not name or any(c in name for c in ":\r\n") or name != name.strip():
        raise UsersFileError(f"user name {name!r} must not be empty or contain ':' or line breaks")
    users = parse_users(path) if path.exists() else {}
    new = name not in users
    users[name] = hash_password(password)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("".join(f"{user}:{stored}\n" for user, stored in users.items()))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return new


class UsersFile:
    """The users, read again when the file changes; a broken new version keeps the old users."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._users: dict[str, str] = {}
        self._refresh()

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except OSError as exc:
            if self._stamp is None:
                raise UsersFileError(f"{self.path}: cannot read: {exc.strerror}") from None
            log.error("users file %s: %s; keeping the users read before", self.path, exc.strerror)
            return
        # the inode changes with every rewrite (set_user replaces the file), ctime with any edit
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        try:
            users = parse_users(self.path)
        except UsersFileError as exc:
            if self._stamp is None:
                raise
            log.error("%s; keeping the users read before", exc)
            return
        self._users, self._stamp = users, stamp
        log.info("users file %s: %d user(s)", self.path, len(users))

    def check(self, name: str, password: str) -> bool:
        with self._lock:
            self._refresh()
            stored = self._users.get(name)
        if stored is None:
            # the same work as for a known user: the answer time tells nothing
            check_password(_DUMMY, password)
            return False
        return check_password(stored, password)


_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
