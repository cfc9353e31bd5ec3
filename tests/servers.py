"""Real servers for tests, on 127.0.0.1 only: an aiosmtpd sink that can misbehave on purpose,
throwaway Postfix and Dovecot instances, and a webhook receiver. Under CI (CI=true) a missing
server fails the test; on a developer's machine it skips it. The fixtures that start them are in
conftest.py."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """aiosmtpd cannot bind port 0 and report it back; ask the kernel for a free one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float = 30.0, step: float = 0.1):
    """The condition's first true value within `timeout` seconds, else its last (false) one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def listening(port: int, timeout: float = 20.0, alive=lambda: True) -> bool:
    """Whether something accepts connections on 127.0.0.1:port within `timeout` seconds, asking
    every 0.1 s; gives up early when `alive()` says the server's process has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    if under_ci():
        pytest.fail(f"{what} is required under CI")
    pytest.skip(f"{what} not available")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    options: list[str] = field(default_factory=list)
    peer: tuple = ()  # the client's (address, port): one port, one connection
    at: float = field(default_factory=time.monotonic)  # when the sink took it (time.monotonic)


@dataclass
class SinkHandler:
    """Accepts mail, or misbehaves as told: `script` is a list of answers for the next DATA
    commands ("250", "451", "421", "550", "drop", "slow:SECONDS", or a whole answer of its own
    such as "421 4.7.0 Too many messages"); then it answers 250."""

    received: list[Received] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    refuse_rcpt: str = ""
    refuse_only: tuple[str, ...] = ()  # with refuse_rcpt: refuse only these recipients
    lock: threading.Lock = field(default_factory=threading.Lock)
    sessions: list = field(default_factory=list)  # aiosmtpd's session objects that sent DATA, to hang up on
    quits: int = 0  # QUIT commands received

    async def handle_QUIT(self, server, session, envelope):
        with self.lock:
            self.quits += 1
        return "221 Bye"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt and (not self.refuse_only or address in self.refuse_only):
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            step = self.script.pop(0) if self.script else "250"
            if server not in self.sessions:
                self.sessions.append(server)
        if step.startswith("slow:"):
            await asyncio.sleep(float(step[5:]))
            step = "250"
        if step == "drop":
            # The mail arrived, but the client never hears so: the ambiguous case.
            with self.lock:
                self.received.append(self._received(session, envelope))
            server.transport.close()
            return "250 never heard"
        if step == "250":
            with self.lock:
                self.received.append(self._received(session, envelope))
            return "250 OK queued"
        canned = {"451": "451 4.3.0 try again later", "421": "421 4.3.2 shutting down", "550": "550 5.7.1 rejected"}
        return canned.get(step, step)

    @staticmethod
    def _received(session, envelope) -> Received:
        return Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, list(envelope.mail_options),
                        session.peer)


class Sink:
    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def __enter__(self) -> "Sink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def connections(self) -> int:
        """How many connections the mails received so far came over."""
        return len({r.peer for r in self.received})

    def hang_up(self) -> None:
        """Close every connection that sent mail, as a server does at its idle timeout."""
        for session in list(self.handler.sessions):
            if session.transport is not None:
                self.controller.loop.call_soon_threadsafe(session.transport.close)
        self.handler.sessions.clear()
        time.sleep(0.2)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.05)
        return self.received


POSTFIX_ROOT = Path("/tmp/crisis-gateway-postfix")
POSTFIX_SLOTS = 8


def postfix_slots(worker: str | None, workers: str | None) -> Iterator[int]:
    """The Postfix slots this test process takes in turn: all of them, or under pytest-xdist
    (worker "gw1" of "2") a share of its own, so that two workers never use one slot at once."""
    count = int(workers or 1)
    share = POSTFIX_SLOTS // count
    if share < 2:
        raise pytest.UsageError(f"{count} pytest-xdist workers: at most {POSTFIX_SLOTS // 2}, as a test may start "
                                f"two Postfix instances and there are {POSTFIX_SLOTS} slots (POSTFIX_SLOTS in servers.py)")
    first = int(worker.removeprefix("gw")) * share if worker else 0
    return (first + n % share for n in itertools.count())


def postfix_available() -> bool:
    return shutil.which("postfix") is not None and os.geteuid() == 0


def _register_slots() -> None:
    """Postfix starts with `-c DIR` only for directories listed in the default main.cf."""
    main_cf = Path("/etc/postfix/main.cf")
    if not main_cf.exists():
        main_cf.write_text("compatibility_level = 3.6\n")
    current = subprocess.run(["postconf", "-h", "alternate_config_directories"], capture_output=True, text=True).stdout.split()
    wanted = [str(POSTFIX_ROOT / str(n)) for n in range(POSTFIX_SLOTS)]
    if not all(w in current for w in wanted):
        value = " ".join(dict.fromkeys(current + wanted))
        subprocess.run(["postconf", "-e", f"alternate_config_directories = {value}"], check=True)


class Postfix:
    """A Postfix instance of its own: listening on 127.0.0.1:port, relaying to relayhost."""

    def __init__(self, slot: int, extra_main: str = "", extra_master: str = "") -> None:
        self.base = POSTFIX_ROOT / str(slot)
        self.port = free_port()
        self.extra_main = extra_main
        self.extra_master = extra_master

    def start(self) -> "Postfix":
        _register_slots()
        subprocess.run(["postfix", "-c", str(self.base), "stop"], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
        (self.base / "queue").mkdir(parents=True)
        (self.base / "data").mkdir()
        shutil.chown(self.base / "data", "postfix")
        b = self.base
        (b / "main.cf").write_text(f"""
compatibility_level = 3.6
queue_directory = {b}/queue
data_directory = {b}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix-{self.port}.test
mydomain = test
myorigin = test
mydestination =
local_recipient_maps =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
maillog_file = {b}/maillog
maillog_file_prefixes = {b}
alias_maps =
alias_database =
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_dns_support_level = disabled
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
{self.extra_main}
""")
        master = Path("/etc/postfix/master.cf.proto").read_text()
        master = master.replace("\nsmtp      inet", f"\n127.0.0.1:{self.port} inet", 1)
        (b / "master.cf").write_text(master + self.extra_master)
        started = subprocess.run(["postfix", "-c", str(b), "start"], capture_output=True, text=True)
        if started.returncode != 0:
            raise RuntimeError(f"postfix did not start: {started.stderr or started.stdout}")
        if not listening(self.port):
            raise RuntimeError(f"postfix on port {self.port} did not listen; log: {self.log()[-2000:]}")
        return self

    def stop(self) -> None:
        subprocess.run(["postfix", "-c", str(self.base), "stop"], capture_output=True)

    def flush(self) -> None:
        subprocess.run(["postqueue", "-c", str(self.base), "-f"], capture_output=True)

    def queue(self) -> str:
        return subprocess.run(["postqueue", "-c", str(self.base), "-p"], capture_output=True, text=True).stdout

    def log(self) -> str:
        path = self.base / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""


DOVECOT_ROOT = Path("/tmp/crisis-gateway-dovecot")
INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")


def room_for_idle(instances: int) -> None:
    """Raise the kernel's inotify instances per user to at least `instances` (as root). Every
    Dovecot of the tests runs as one user; a crowd of IDLE connections would take the whole
    allowance (128 by default), and a Dovecot with stock settings started beside it (another
    test worker) would then hear of new mail only every 30 s, not at once."""
    try:
        if int(INOTIFY_INSTANCES.read_text()) < instances:
            INOTIFY_INSTANCES.write_text(f"{instances}\n")
    except (OSError, ValueError):
        pass  # not root, or no such setting: the crowd's own Dovecot looks every second anyway


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and os.geteuid() == 0


class Dovecot:
    """A Dovecot instance of its own: IMAP (and LMTP) on 127.0.0.1, one user, Maildir storage.

    With `separator` None its namespace is left at Dovecot's defaults, as a stock install has it:
    the hierarchy delimiter of Maildir is then ".". `separator="/"` sets that one instead. The
    tests name folders with "/" between levels, as a configuration does; `folder` gives the
    server's name."""

    user = "support"
    password = "s3cret-imap-pass"

    def __init__(self, name: str, separator: str | None = None, users: int = 0) -> None:
        # not below pytest's tmp_path: that is private to root, and Dovecot's users must reach it
        self.base = DOVECOT_ROOT / name
        self.separator = separator
        # `users` more (box0001, box0002...: see `users`), and limits raised for two connections each
        self.extra_users = users
        self.delimiter = separator or "."  # Dovecot's default for Maildir
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        self.conf = self.base / "dovecot.conf"

    def start(self) -> "Dovecot":
        b = self.base
        if not self.conf.exists():
            shutil.rmtree(b, ignore_errors=True)
            for sub in ("run", "state", "mail", "home"):
                (b / sub).mkdir(parents=True)
            DOVECOT_ROOT.chmod(0o755)
            b.chmod(0o755)
            for sub in ("mail", "home"):
                shutil.chown(b / sub, "dovecot", "dovecot")
            # a second user, "orders", for mail delivered beside the watched INBOX
            (b / "passwd").write_text("".join(f"{user}:{{PLAIN}}{self.password}::::::\n"
                                              for user in (self.user, "orders", *self.users)))
            (b / "passwd").chmod(0o644)
            separator = f"  separator = {self.separator}" if self.separator else "  # separator: Dovecot's default"
            self.conf.write_text(f"""
base_dir = {b}/run
state_dir = {b}/state
log_path = {b}/dovecot.log
info_log_path = {b}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
protocols = imap lmtp
listen = 127.0.0.1
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{b}/mail/%u
# LMTP is given support@shop.example; IMAP logs in as support: one user
auth_username_format = %Ln
namespace inbox {{
  inbox = yes
{separator}
  # a Sent folder known by its attribute (RFC 6154), under a name no client guesses
  mailbox Gesendet {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
passdb {{
  driver = passwd-file
  args = {b}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={b}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
""" + (self._crowd_limits() if self.extra_users else ""))
        if self.extra_users:
            room_for_idle(2 * (self.extra_users + 2) + 256)
        # The daemon keeps the descriptors it was given: no pipes, or run() waits for ever.
        with open(self.base / "start.log", "w") as output:
            started = subprocess.run(["dovecot", "-c", str(self.conf)], stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        if started.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {(self.base / 'start.log').read_text()}")
        self._wait_listening()
        return self

    @property
    def users(self) -> list[str]:
        """The extra users' names, all with the same password."""
        return [f"box{n:04d}" for n in range(1, self.extra_users + 1)]

    def _crowd_limits(self) -> str:
        """Dovecot's defaults stop at 100 processes per service (default_process_limit) and 1000
        clients: room for two connections (inbox, Sent) per user and a margin. Logins are served
        by a few long-lived imap-login processes (high-performance mode) instead of one each.
        Dovecot learns of new mail for IDLE through inotify, one instance per imap process, and
        the kernel allows a user 128 (fs.inotify.max_user_instances; every Dovecot here runs as
        "dovecot"): past that it looks at the folder every mailbox_idle_check_interval, 30 s by
        default, 1 s here. A real server with hundreds of IDLE connections raises the sysctl."""
        connections = 2 * (self.extra_users + 2) + 64
        return f"""
mailbox_idle_check_interval = 1 s
default_client_limit = {connections + 1000}
default_vsz_limit = 512M
service imap {{
  process_limit = {connections}
}}
service imap-login {{
  service_count = 0
  process_min_avail = 2
  client_limit = {connections}
}}
service anvil {{
  client_limit = {connections + 1000}
}}
"""

    def _wait_listening(self) -> None:
        if not listening(self.imap_port):
            raise RuntimeError(f"dovecot did not listen: {self.log()[-2000:]}")

    def stop(self) -> None:
        """SIGTERM to the master, as `doveadm stop` sends it, then back as soon as its pid file
        is gone: `doveadm stop` itself took 3 s, the master's own shutdown about 1."""
        pid_file = self.base / "run" / "master.pid"
        try:
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
        except (OSError, ValueError, IndexError):  # no pid file, or not a number: ask doveadm
            subprocess.run(["doveadm", "-c", str(self.conf), "stop"], capture_output=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and pid_file.exists():
            time.sleep(0.02)

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(["doveadm", "-c", str(self.conf), *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)}: {done.stderr}")
        return done.stdout

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self, user: str | None = None):
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=30)
        client.login(user or self.user, self.password)
        return client

    def folder(self, name: str) -> str:
        """The server's name of a folder written with "/" between levels."""
        return name.replace("/", self.delimiter)

    def append(self, raw: bytes, folder: str = "INBOX", user: str | None = None) -> None:
        with self.client(user) as client:
            client.append(self.folder(folder), raw)

    def messages(self, folder: str = "INBOX", user: str | None = None) -> list[tuple[int, tuple, bytes]]:
        """(uid, flags, raw) of every mail in the folder (written with "/" between levels)."""
        folder = self.folder(folder)
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
            # a mail expunged between the SEARCH and the FETCH (the gateway archived its original)
            # comes back with its flags and a NIL body: it is no longer in the folder
            return [(uid, data[uid][b"FLAGS"], data[uid][b"BODY[]"]) for uid in sorted(data)
                    if data[uid].get(b"BODY[]") is not None]


class OpenDkim:
    """OpenDKIM as a verifying milter on 127.0.0.1, writing Authentication-Results as
    `authserv_id`; the key records it looks up are `records` (name: TXT), never DNS."""

    def __init__(self, folder: Path, authserv_id: str, records: dict[str, str]) -> None:
        self.folder, self.port = folder, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "keys").write_text("".join(f"{name} {record}\n" for name, record in records.items()))
        (folder / "opendkim.conf").write_text(f"""Mode v
Socket inet:{self.port}@127.0.0.1
AuthservID {authserv_id}
AlwaysAddARHeader yes
TestDNSData file:{folder / 'keys'}
PidFile {folder / 'opendkim.pid'}
Syslog no
UserID root
""")
        self.process: subprocess.Popen | None = None

    def start(self) -> "OpenDkim":
        log = open(self.folder / "opendkim.log", "w")
        self.process = subprocess.Popen(["opendkim", "-f", "-x", str(self.folder / "opendkim.conf")],
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if not listening(self.port, alive=lambda: self.process.poll() is None):
            raise RuntimeError(f"opendkim did not listen: {(self.folder / 'opendkim.log').read_text()[-2000:]}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Webhook:
    """An HTTP server on 127.0.0.1 that keeps the JSON body of every POST in `bodies` and answers
    with the next status of `answers`, 200 once none is left."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(hook.answers.pop(0) if hook.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> "Webhook":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()


class ScriptedImap:
    """A scripted IMAP server on 127.0.0.1 that says it is Gmail (X-GM-EXT-1): one INBOX in memory,
    just the commands the gateway's store sends, every command line kept in `commands`. No Gmail
    is reachable from tests; this shows what the gateway asks of one. Labels set by STORE are kept
    per UID in `labels`. Use as a context manager; it stops by itself at the end."""

    CAPABILITIES = "IMAP4rev1 IDLE UIDPLUS MOVE X-GM-EXT-1"

    def __init__(self) -> None:
        self.user, self.password = "support", "scripted-secret"
        self.messages: dict[int, tuple[set[str], bytes]] = {}  # uid -> (flags, raw) in INBOX
        self.folders = {"INBOX"}
        self.labels: dict[int, set[str]] = {}
        self.commands: list[str] = []
        self.next_uid = 1
        self.server = socket.create_server(("127.0.0.1", 0))
        self.imap_port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "ScriptedImap":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()

    def append(self, raw: bytes, flags: set[str] | None = None) -> int:
        uid, self.next_uid = self.next_uid, self.next_uid + 1
        self.messages[uid] = (set(flags or ()), raw)
        return uid

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        stream = connection.makefile("rwb")
        say = lambda line: (stream.write(line if isinstance(line, bytes) else line.encode() + b"\r\n"), stream.flush())
        say(f"* OK [CAPABILITY {self.CAPABILITIES}] scripted Gmail ready")
        with connection, stream:
            while line := stream.readline():
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                literal = re.search(r"\{(\d+)\}$", text)
                data = b""
                if literal:
                    say("+ go ahead")
                    data = stream.read(int(literal.group(1)))
                    text += stream.readline().decode().rstrip("\r\n")
                self.commands.append(text)
                tag, _, rest = text.partition(" ")
                command, _, arguments = rest.partition(" ")
                if command.upper() == "UID":
                    command, _, arguments = arguments.partition(" ")
                for reply in self._answer(command.upper(), arguments, data):
                    say(reply)
                say(f"{tag} OK done")
                if command.upper() == "LOGOUT":
                    return

    def _answer(self, command: str, arguments: str, data: bytes) -> list:
        if command == "CAPABILITY":
            return [f"* CAPABILITY {self.CAPABILITIES}"]
        if command == "LIST":
            name = arguments.split(" ", 1)[1].strip('"')
            if name == "":
                return ['* LIST (\\Noselect) "/" ""']
            return [f'* LIST () "/" "{name}"'] if name in self.folders else []
        if command == "CREATE":
            self.folders.add(arguments.strip('"'))
        if command in ("SELECT", "EXAMINE"):
            return [f"* {len(self.messages)} EXISTS", "* OK [UIDVALIDITY 7] ok", f"* OK [UIDNEXT {self.next_uid}] ok"]
        if command == "SEARCH":
            return ["* SEARCH " + " ".join(map(str, self._search(arguments)))]
        if command == "FETCH":
            uid = int(arguments.split(" ", 1)[0])
            if uid not in self.messages:
                return []
            flags, raw = self.messages[uid]
            return [f'* {uid} FETCH (UID {uid} FLAGS ({" ".join(sorted(flags))}) INTERNALDATE "22-Nov-2026 11:00:03 +0000" '
                    f"BODY[] {{{len(raw)}}}".encode() + b"\r\n" + raw + b")\r\n"]
        if command == "APPEND":
            flags = set(re.search(r"\(([^)]*)\)", arguments).group(1).split())
            return [f"* OK [APPENDUID 7 {self.append(data, flags)}] appended"]
        if command == "STORE":
            uid_text, item, values = arguments.split(" ", 2)
            uid = int(uid_text)
            words = {quoted or bare for quoted, bare in re.findall(r'"([^"]*)"|([^\s()]+)', values)}
            target = self.labels.setdefault(uid, set()) if "X-GM-LABELS" in item.upper() else self.messages[uid][0]
            (target.update if item.startswith("+") else target.difference_update)(words)
        if command == "MOVE":
            self.messages.pop(int(arguments.split(" ", 1)[0]), None)
        return []

    def _search(self, arguments: str) -> list[int]:
        words = arguments.split()
        if words[:2] == ["UID", "*"]:
            return [max(self.messages, default=0)] if self.messages else []
        found = sorted(self.messages)
        if "UNKEYWORD" in words:
            found = [u for u in found if words[words.index("UNKEYWORD") + 1] not in self.messages[u][0]]
        if "HEADER" in words:
            token = words[words.index("HEADER") + 2]
            found = [u for u in found if f"X-Crisis-Key: {token}".encode() in self.messages[u][1]]
        return found
