"""The seller inbox on an IMAP server, through imapclient.

imapclient's idle_check can read a dead connection's EOF as "no news" and idle_done can hang on
a dead socket: every command runs under a socket timeout, IDLE is renewed every 25 seconds, and
after every wait a NOOP proves the connection is alive (else the watcher reconnects).

The configuration writes folder names with "/" between levels; the server is given them with its
own hierarchy delimiter, as LIST "" "" reports it: "Crisis Gateway/Archive" is
"Crisis Gateway.Archive" on a stock Dovecot (Maildir, "."), and stays as it is where it is "/".
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
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError
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
# TLS contexts by CA file (None: the system's CAs), made once and shared by every connection: each
# holds the CA certificates parsed, about a megabyte, which hundreds of mailboxes must not repeat.
_CONTEXTS: dict[str | None, ssl.SSLContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The shared client context that trusts `ca_file` (or the system's CAs); thread-safe to use."""
    with _CONTEXTS_LOCK:
        if ca_file not in _CONTEXTS:
            _CONTEXTS[ca_file] = ssl.create_default_context(cafile=ca_file)
        return _CONTEXTS[ca_file]


class FolderRefused(RuntimeError):
    """A folder of the configuration the server will not have (a name against its rules, a folder
    it does not open): it stays so until the configuration changes, so the watcher says it once
    and keeps it in the health. `problem` names the key, the folder and what the server said;
    `fix` says what to change."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; fix: {fix}")
        self.problem = problem
        self.fix = fix


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
        self.delimiter: str | None = "/"  # the server's, known once connected
        # the server's names of the watched folder and the archive, known once connected
        self.server_folder, self.server_archive = mailbox.folder, mailbox.archive_folder

    def _context(self) -> ssl.SSLContext | None:
        """None for a connection without TLS (imap_security = "none"): nothing to load."""
        if self.mailbox.imap_security == "none":
            return None
        return tls_context(str(self.mailbox.ca_file) if self.mailbox.ca_file else None)

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
        context = self._context()
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
            self.delimiter = _delimiter(client)
            self.server_folder = server_name(m.folder, self.delimiter)
            self.server_archive = server_name(m.archive_folder, self.delimiter)
            if self.sent:
                # read only: the team's Sent folder is theirs, not even \Recent is touched
                selected = client.select_folder(self._sent_folder(client), readonly=True)
            else:
                if not self.readonly:
                    self._make_archive(client)
                selected = self._select(client, readonly=self.readonly)
        except Exception:
            _close_quietly(client)
            raise
        self.client = client
        self._uidvalidity = int(selected[b"UIDVALIDITY"])
        self.idle = b"IDLE" in self._capabilities
        log.debug("%s: connected to %s:%s, capabilities %s", self.name, m.imap_host, m.imap_port,
                  b" ".join(sorted(self._capabilities)).decode())

    def _make_archive(self, client: IMAPClient) -> None:
        """The archive folder, created if missing; FolderRefused when the server will not have it."""
        if client.folder_exists(self.server_archive):
            return
        self._refuse_before_create(client)
        try:
            client.create_folder(self.server_archive)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            raise self._refused("archive_folder", f"the server refuses to create it: {_server_words(exc)}",
                                client) from None
        log.info("%s: created archive folder %s", self.name, self.server_archive)

    def _select(self, client: IMAPClient, *, readonly: bool) -> dict:
        try:
            return client.select_folder(self.server_folder, readonly=readonly)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            raise self._refused("folder", f"the server does not open it: {_server_words(exc)}", client) from None

    def check_archive(self) -> bool:
        """Whether the archive folder exists; FolderRefused when the server would refuse to create
        it. Only looks (LIST and STATUS, never CREATE): for check-config."""
        client = self.client
        if client.folder_exists(self.server_archive):
            return True
        self._refuse_before_create(client)
        try:
            client.folder_status(self.server_archive, ["MESSAGES"])
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            # RFC 5530: CANNOT is a name against the server's rules, NONEXISTENT (or no code) a missing folder.
            # Dovecot checks the name before it looks for the folder: STATUS tells what CREATE would.
            if "[CANNOT]" in str(exc).upper():
                raise self._refused("archive_folder", f"the server refuses the name: {_server_words(exc)}",
                                    client) from None
            return False
        return True

    def _refuse_before_create(self, client: IMAPClient) -> None:
        """What the delimiter and LIST tell without asking the server to create anything: an empty
        level, control characters, a parent folder that can have no folders under it."""
        name = self.mailbox.archive_folder
        if any(not level.strip() for level in name.split("/")):
            raise self._refused("archive_folder", 'it has an empty level (a "/" at the start, at the end or twice)',
                                client)
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise self._refused("archive_folder", "it has control characters", client)
        if "/" in name and self.delimiter:
            parent = server_name(name.rsplit("/", 1)[0], self.delimiter)
            for flags, _, _ in client.list_folders("", parent):
                if b"\\NOINFERIORS" in {f.upper() for f in flags}:
                    raise self._refused("archive_folder", f'the server allows no folder under "{parent}"', client)

    def _refused(self, key: str, problem: str, client: IMAPClient) -> FolderRefused:
        """A folder setting the server will not have, with the fix: the key to change, and where
        the server keeps personal folders when NAMESPACE says so."""
        name = getattr(self.mailbox, key)
        server = server_name(name, self.delimiter)
        named = f"{key} {shown(name, server)}"
        fix = f'change {key} to a name this server accepts, levels separated by "/"'
        if key == "folder":
            fix = "set folder to a folder that exists on the server (INBOX if left out)"
        elif b"NAMESPACE" in self._capabilities:
            prefix = _personal_prefix(client)
            if prefix and not server.startswith(prefix):
                fix += f'; this server keeps personal folders under "{prefix}": try {key} = ' \
                       f'"{prefix.replace(self.delimiter or "/", "/")}{name}"'
        return FolderRefused(f"{named}: {problem}", fix)

    def _sent_folder(self, client: IMAPClient) -> str:
        wanted = self.mailbox.sent_folder
        if wanted == "auto":
            found = client.find_special_folder(SENT)  # the \Sent attribute (RFC 6154), else a usual name
            if found is None:
                raise FolderMissing("the server names no Sent folder and none is called Sent; set sent_folder")
            log.info("%s: watching %s for the team's replies", self.name, found)
            return found
        folder = server_name(wanted, self.delimiter)
        if not client.folder_exists(folder):
            shown = repr(wanted) + (f" ({folder!r} on the server)" if folder != wanted else "")
            raise FolderMissing(f"sent_folder {shown} does not exist on the server")
        return folder

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
        response = self.client.append(self.server_folder, raw, flags=[f for f in flags if f != "\\Recent"], msg_time=internaldate)
        match = _APPENDUID.search(response if isinstance(response, bytes) else str(response).encode())
        if match and int(match.group(1)) == self._uidvalidity:
            return int(match.group(2))
        return None  # no UIDPLUS: the caller confirms with find_copy

    def uids_naming(self, uids: list[int], text: str) -> list[int]:
        """Those of `uids` whose header or body names `text` (an order id), as the server searches.
        The server is asked for the text within the span of `uids` (a range, a short command line
        however many they are: a list of a two-week backlog's UIDs passes some servers' line
        limits), and the answer is kept to `uids` here."""
        if not uids:
            return []
        wanted = set(uids)
        found = self.client.search(["UID", f"{min(wanted)}:{max(wanted)}", "TEXT", text])
        return sorted(uid for uid in found if uid in wanted)

    def find_copy(self, key: str, state: str | None = None) -> int | None:
        """The newest tagged copy of `key`; with `state`, the newest whose X-Crisis-State says it."""
        self.client.noop()  # let the server tell of the message just appended
        criteria = ["KEYWORD", TAGGED, "HEADER", "X-Crisis-Key", key_token(key)]
        if state is not None:
            criteria += ["HEADER", "X-Crisis-State", state]
        uids = self.client.search(criteria)
        return max(uids) if uids else None

    def archive(self, uid: int) -> None:
        if b"MOVE" in self._capabilities:
            self.client.move([uid], self.server_archive)
            return
        self.client.copy([uid], self.server_archive)
        self.client.add_flags([uid], ["\\Deleted"], silent=True)
        if b"UIDPLUS" in self._capabilities:
            self.client.uid_expunge([uid])
        # Without UIDPLUS a plain EXPUNGE would also remove what colleagues marked deleted: the
        # original stays marked \Deleted (clients hide or strike it) until someone expunges.

    def add_keywords(self, uid: int, keywords: list[str]) -> None:
        self.client.add_flags([uid], keywords, silent=True)

    def remove_keywords(self, uid: int, keywords: list[str]) -> None:
        if keywords:
            self.client.remove_flags([uid], keywords, silent=True)

    def change_labels(self, uid: int, add: list[str], remove: list[str]) -> bool:
        """Gmail labels (X-GM-EXT-1); False on a server without them."""
        if b"X-GM-EXT-1" not in self._capabilities:
            return False
        if remove:
            self.client.remove_gmail_labels([uid], remove, silent=True)
        if add:
            self.client.add_gmail_labels([uid], add, silent=True)
        return True

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


def server_name(name: str, delimiter: str | None) -> str:
    """The server's name of a folder the configuration writes with "/" between levels: the
    server's own hierarchy delimiter in its place ("Crisis Gateway.Archive" where it is ".").
    A server with no hierarchy (delimiter NIL) gets the name as written."""
    return name.replace("/", delimiter) if delimiter else name


def shown(name: str, server: str) -> str:
    """A folder's name for a person: as the configuration writes it, and the server's if it differs."""
    return f'"{name}"' + (f' (on the server "{server}")' if server != name else "")


def _delimiter(client: IMAPClient) -> str | None:
    """The hierarchy delimiter: LIST "" "" names it (RFC 3501 6.3.8), else the first personal
    NAMESPACE (RFC 2342); None for a server without levels."""
    for _, delimiter, _ in client.list_folders("", ""):
        return _text(delimiter) or None
    if client.has_capability("NAMESPACE"):
        for _, delimiter in client.namespace().personal or ():
            return _text(delimiter) or None
    return None


def _personal_prefix(client: IMAPClient) -> str:
    """Where the server keeps personal folders ("INBOX." on Courier and Cyrus), "" at the top."""
    try:
        personal = client.namespace().personal
    except IMAPClientError:
        return ""
    return _text(personal[0][0]) if personal else ""


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else value or ""


_COMMAND_FAILED = re.compile(r"^\w+ failed: ")
_DOVECOT_TIMING = re.compile(r"\s*\([\d.]+(?: \+ [\d.]+)* secs\)\.?$")


def _server_words(exc: Exception) -> str:
    """What the server answered, without imaplib's "create failed: " and Dovecot's timing."""
    return _DOVECOT_TIMING.sub("", _COMMAND_FAILED.sub("", str(exc)))


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may already be dead
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass
