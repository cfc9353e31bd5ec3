"""The seller inbox on an IMAP server, through imapclient.

imapclient's idle_check can read a dead connection's EOF as "no news" and idle_done can hang on
a dead socket: every command runs under a socket timeout, IDLE is renewed every 25 seconds, and
after every wait a NOOP proves the connection is alive (else the watcher reconnects).
"""

from __future__ import annotations

import logging
import re
import shlex
import ssl
import subprocess
import threading
import time
from datetime import date, datetime

from imapclient import IMAPClient
from imapclient.imapclient import SENT

from gateway.config import Mailbox, secrets_filter
from gateway.intake.stores.base import TAGGED, FolderMissing, StoredMail, wait_steps
from gateway.judging.tagging import key_token

log = logging.getLogger("gateway.imap")
# IDLE is renewed, and the folder looked at, this often. A mail landing in the milliseconds
# between our last look and the start of IDLE is, in Dovecot, announced only at the server's own
# periodic check (mailbox_idle_check_interval, 30 s by default); this bounds that case too.
# RFC 2177 only asks for at least every 29 minutes.
IDLE_RENEW_SECONDS = 25
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.I)


class ImapStore:
    """The watched folder and its archive; or, with `sent`, the Sent folder, only read; or, with
    `readonly`, the watched folder only read (EXAMINE: not even \\Recent changes) and no archive."""

    def __init__(self, mailbox: Mailbox, *, sent: bool = False, readonly: bool = False) -> None:
        self.mailbox = mailbox
        self.sent = sent
        self.readonly = readonly or sent
        self.name = f"{mailbox.name} (sent)" if sent else mailbox.name
        self.client: IMAPClient | None = None
        self.idle = False
        self._uidvalidity = 0
        self._highest_seen = 0
        self._capabilities: set[bytes] = set()

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.mailbox.ca_file) if self.mailbox.ca_file else None)

    def _secret(self) -> tuple[str, str]:
        m = self.mailbox
        if m.password_file:
            try:
                return "password", secrets_filter.register(m.password_file.read_text("utf-8").strip())
            except OSError as exc:
                raise PermissionError(f"cannot read password_file {m.password_file}: {exc.strerror}") from None
        try:
            done = subprocess.run(shlex.split(m.oauth2_token_command or ""), capture_output=True, text=True, timeout=60)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            # the command line may carry a secret: only the kind of failure is told
            raise PermissionError(f"oauth2_token_command failed: {type(exc).__name__}") from None
        if done.returncode != 0 or not done.stdout.strip():
            raise PermissionError(f"oauth2_token_command exited {done.returncode} without a token")
        return "oauth2", secrets_filter.register(done.stdout.strip())

    def connect(self) -> None:
        m = self.mailbox
        context = self._context()  # made once: it reads the CA certificates
        client = IMAPClient(m.imap_host, port=m.imap_port, ssl=m.imap_security == "tls",
                            ssl_context=context, timeout=m.timeout)
        try:
            client.normalise_times = False  # keep INTERNALDATE's own timezone for the copy
            if m.imap_security == "starttls":
                client.starttls(context)
            kind, secret = self._secret()
            if kind == "password":
                client.login(m.imap_user, secret)
            else:
                client.oauth2_login(m.imap_user, secret)
            self._capabilities = set(client.capabilities())
            if self.sent:
                # read only: the team's Sent folder is theirs, not even \Recent is touched
                selected = client.select_folder(self._sent_folder(client), readonly=True)
            elif self.readonly:
                selected = client.select_folder(m.folder, readonly=True)
            else:
                if not client.folder_exists(m.archive_folder):
                    client.create_folder(m.archive_folder)
                    log.info("%s: created archive folder %s", self.name, m.archive_folder)
                selected = client.select_folder(m.folder)
        except Exception:
            _close_quietly(client)
            raise
        self.client = client
        self._uidvalidity = int(selected[b"UIDVALIDITY"])
        self.idle = b"IDLE" in self._capabilities
        log.debug("%s: connected to %s:%s, capabilities %s", self.name, m.imap_host, m.imap_port,
                  b" ".join(sorted(self._capabilities)).decode())

    def _sent_folder(self, client: IMAPClient) -> str:
        wanted = self.mailbox.sent_folder
        if wanted == "auto":
            found = client.find_special_folder(SENT)  # the \Sent attribute (RFC 6154), else a usual name
            if found is None:
                raise FolderMissing("the server names no Sent folder and none is called Sent; set sent_folder")
            log.info("%s: watching %s for the team's replies", self.name, found)
            return found
        if not client.folder_exists(wanted):
            raise FolderMissing(f"sent_folder {wanted!r} does not exist on the server")
        return wanted

    def close(self) -> None:
        if self.client is not None:
            _close_quietly(self.client)
            self.client = None

    def uidvalidity(self) -> int:
        return self._uidvalidity

    def list_uids(self, after_uid: int, since: date | None) -> list[int]:
        criteria: list = ["UID", f"{after_uid + 1}:*"] if after_uid else ["ALL"]
        if since is not None:
            criteria += ["SINCE", since]
        if not self.sent:
            # the gateway's own tagged copies are never read again: after a backlog of 2,000 mails
            # the next scan would otherwise fetch 2,000 copies only to skip them
            criteria += ["UNKEYWORD", TAGGED]
        found = self.client.search(criteria)
        self._highest_seen = max([self._highest_seen, after_uid, *found])
        # "n:*" always names the last message, even when its UID is below n
        return sorted(uid for uid in found if uid > after_uid)

    def highest_uid(self) -> int:
        found = self.client.search(["UID", "*"])  # "*" is the last message, whatever its UID
        self._highest_seen = max([self._highest_seen, *found])
        return max(found, default=0)

    def fetch(self, uid: int) -> StoredMail | None:
        data = self.client.fetch([uid], ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]).get(uid)
        if not data or b"BODY[]" not in data:
            return None
        flags = tuple(f.decode() if isinstance(f, bytes) else str(f) for f in data.get(b"FLAGS", ()))
        return StoredMail(uid, data[b"BODY[]"], flags, data.get(b"INTERNALDATE"))

    def append_copy(self, raw: bytes, flags: tuple[str, ...], internaldate: datetime | None) -> int | None:
        response = self.client.append(self.mailbox.folder, raw, flags=[f for f in flags if f != "\\Recent"], msg_time=internaldate)
        match = _APPENDUID.search(response if isinstance(response, bytes) else str(response).encode())
        if match and int(match.group(1)) == self._uidvalidity:
            return int(match.group(2))
        return None  # no UIDPLUS: the caller confirms with find_copy

    def find_copy(self, key: str) -> int | None:
        self.client.noop()  # let the server tell of the message just appended
        uids = self.client.search(["KEYWORD", TAGGED, "HEADER", "X-Crisis-Key", key_token(key)])
        return max(uids) if uids else None

    def archive(self, uid: int) -> None:
        if b"MOVE" in self._capabilities:
            self.client.move([uid], self.mailbox.archive_folder)
            return
        self.client.copy([uid], self.mailbox.archive_folder)
        self.client.add_flags([uid], ["\\Deleted"], silent=True)
        if b"UIDPLUS" in self._capabilities:
            self.client.uid_expunge([uid])
        # Without UIDPLUS a plain EXPUNGE would also remove what colleagues marked deleted: the
        # original stays marked \Deleted (clients hide or strike it) until someone expunges.

    def add_keywords(self, uid: int, keywords: list[str]) -> None:
        self.client.add_flags([uid], keywords, silent=True)

    def wait_for_news(self, timeout: float, stop: threading.Event) -> None:
        """Returns on news, on `stop`, or after `timeout` (at most the IDLE renewal time)."""
        # the search first, then what it (or anything before it) announced: either means news
        if self._announced_meanwhile() | self._kept_by_imaplib():
            return
        if not self.idle:
            wait_steps(min(timeout, self.mailbox.poll_seconds), stop)
            return
        deadline = time.monotonic() + min(timeout, IDLE_RENEW_SECONDS)
        self.client.idle()
        closed = False
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                wait = min(1.0, max(0.05, deadline - time.monotonic()))
                started = time.monotonic()
                responses = self.client.idle_check(timeout=wait)
                if any(r and r[0] == b"BYE" for r in responses):
                    closed = True
                    raise ConnectionError(f"server said BYE during IDLE: {responses}")
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses) or self._kept_by_imaplib():
                    return
                if not responses and time.monotonic() - started < wait / 2:
                    # readable yet nothing to read: imapclient's way of reporting EOF
                    closed = True
                    raise ConnectionError("connection closed by the server during IDLE")
        finally:
            if not closed:
                self.client.idle_done()

    def _announced_meanwhile(self) -> bool:
        """Whether mail came in since the folder was last listed. It was announced (EXISTS) in the
        answers to our own FETCH, APPEND or MOVE, which imapclient reads and drops, and IDLE only
        tells of what comes after it starts: so the folder is searched above the highest UID seen
        (a server names a message in SEARCH only once it has announced it). Mail arriving after
        this search is announced during IDLE. STATUS would not do: on the selected folder it may
        bring the session up to date without telling it, and IDLE then stays silent."""
        return bool(self.list_uids(self._highest_seen, None))

    def _kept_by_imaplib(self) -> bool:
        """An EXISTS sent while IDLE was being entered is read by imaplib, not by idle_check, and
        kept in its untagged_responses."""
        pending = self.client._imap.untagged_responses
        return bool(pending.pop("EXISTS", None)) | bool(pending.pop("RECENT", None))

    def check_alive(self) -> None:
        self.client.noop()


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may already be dead
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass
