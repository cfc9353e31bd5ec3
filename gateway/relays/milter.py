"""The inbound relay as a Postfix milter (smtpd_milters = inet:127.0.0.1:PORT).

Postfix's smtpd shows each mail to the milter while it receives it and applies the milter's
header edits itself: the mail is queued once, in Postfix's own queue, where an after-queue
content filter has Postfix queue it twice. Postfix answers its client only after the milter's
answer to the end of the mail, so "nothing answered 250 is lost" holds as for the content filter:
the gateway answers after its record is durable, and any trouble is a temporary failure that
Postfix passes to its client (451), which tries again.

The protocol is the Sendmail milter protocol, version 6, as Postfix 2.6 and later speak it: packets
of a 4-byte length, a command letter and its data. Postfix is asked not to wait for an answer to
anything but the end of the mail (one round trip a mail), to send header values with their
leading space (the mail's header section is rebuilt as it came), and to skip the steps the
gateway does not read (HELO, DATA, unknown commands).
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import struct
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from gateway.mail.rewrite import FieldEdit
from gateway.relays.common import Envelope
from gateway.relays.listener import RELAY_SESSIONS, RELAY_TEMPORARY, TEMPORARY, SmtpListener

log = logging.getLogger("gateway.relay")

VERSION = 6
# actions the gateway may take at the end of a mail
ADD_HEADERS, CHANGE_HEADERS = 0x01, 0x10
# protocol steps: skipped ...
NO_HELO, NO_UNKNOWN, NO_DATA = 0x02, 0x100, 0x200
# ... or sent without waiting for an answer (connect, HELO, MAIL, RCPT, DATA, unknown, end of
# headers, body chunks, each header)
NO_REPLY = {b"C": 0x1000, b"H": 0x2000, b"M": 0x4000, b"R": 0x8000, b"T": 0x10000, b"U": 0x20000, b"N": 0x40000,
            b"B": 0x80000, b"L": 0x80}
HEADER_LEADING_SPACE = 0x100000
WANTED = NO_HELO | NO_UNKNOWN | NO_DATA | HEADER_LEADING_SPACE | sum(NO_REPLY.values())
NEEDED = HEADER_LEADING_SPACE  # without it the header section cannot be rebuilt byte for byte

CONTINUE, ACCEPT = b"c", b"a"
QUICK_ACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only
MAX_PACKET = 1024 * 1024  # Postfix sends body chunks of 64 KB at most; anything far larger is not Postfix
GROUP_BYTES = 128 * 1024  # larger mails are judged by a worker of their own (see MilterListener)
SLOW_GROUP_SECONDS = 0.5  # a group judged longer gets another worker beside it


class ProtocolError(Exception):
    """The peer does not speak the milter protocol as Postfix does."""


def packet(command: bytes, data: bytes = b"") -> bytes:
    return struct.pack("!I", len(data) + 1) + command + data


def negotiation(offered: bytes) -> tuple[bytes, int]:
    """The answer to Postfix's option negotiation, and the protocol flags agreed on."""
    if len(offered) < 12:
        raise ProtocolError("option negotiation too short")
    version, actions, steps = struct.unpack("!III", offered[:12])
    if version < VERSION or not steps & NEEDED:
        raise ProtocolError(f"the MTA offers milter protocol {version} (flags {steps:#x}); the gateway needs "
                            f"version {VERSION} with leading spaces in header values: Postfix 2.6 or later")
    if actions & (ADD_HEADERS | CHANGE_HEADERS) != ADD_HEADERS | CHANGE_HEADERS:
        raise ProtocolError("the MTA does not allow a milter to add and change header fields")
    agreed = steps & WANTED
    return packet(b"O", struct.pack("!III", VERSION, ADD_HEADERS | CHANGE_HEADERS, agreed)), agreed


def _strings(data: bytes) -> list[bytes]:
    """NUL-terminated strings, as the protocol sends them."""
    parts = data.split(b"\0")
    return parts[:-1] if parts and parts[-1] == b"" else parts


def _address(text: bytes) -> str:
    text = text.strip()
    if text.startswith(b"<") and text.endswith(b">"):
        text = text[1:-1]
    return text.decode("utf-8", "surrogateescape")


def _value(value: bytes) -> bytes:
    """A field value as the protocol carries it: folded with LF alone (Postfix writes the mail's
    line endings itself: a CR sent along would double them). The gateway's fields are printable
    ASCII (encode_field); anything that would end a packet string or a header line is refused."""
    value = value.replace(b"\r\n", b"\n")
    if b"\0" in value or b"\r" in value or b"\n" in value.replace(b"\n ", b"").replace(b"\n\t", b""):
        raise ProtocolError("a header value with a NUL, a CR or a line break not followed by a space")
    return value


def _token(value: bytes) -> str:
    """A queue id from Postfix, reduced to the characters queue ids have (it goes into logs)."""
    return re.sub(r"[^A-Za-z0-9]", "", value.decode("ascii", "replace"))[:64]


def edit_packets(edits: list[FieldEdit]) -> list[bytes]:
    """FieldEdits as milter answers: insert at 0, change (an empty value deletes), add."""
    out = []
    for edit in edits:
        name = edit.name.encode("latin-1")
        if not re.fullmatch(rb"[!-9;-~\x80-\xff]+", name):
            raise ProtocolError(f"a header field name with a control character, a space or a colon: {edit.name!r}")
        if edit.kind == "insert":
            out.append(packet(b"i", struct.pack("!I", 0) + name + b"\0" + _value(edit.value) + b"\0"))
        elif edit.kind in ("change", "delete"):
            value = _value(edit.value) if edit.kind == "change" else b""
            out.append(packet(b"m", struct.pack("!I", edit.index) + name + b"\0" + value + b"\0"))
        elif edit.kind == "append":
            out.append(packet(b"h", name + b"\0" + _value(edit.value) + b"\0"))
        else:
            raise ValueError(f"unknown field edit {edit.kind!r}")
    return out


@dataclass(frozen=True)
class MilterAnswer:
    """What the milter answers at the end of a mail: edits and accept, or a temporary failure.
    `durable`, when given, makes what the gateway wrote about the mail durable: it runs (in a
    worker, with the other answers ready at the same time) before the answer is sent."""

    edits: list[FieldEdit]
    temporary: bool = False
    durable: Callable[[], None] | None = None

    @classmethod
    def tempfail(cls) -> "MilterAnswer":
        return cls([], temporary=True)


class MilterSession(asyncio.Protocol):
    """One connection from Postfix (one for each of its SMTP sessions). The mail is gathered as
    its parts arrive; at its end the listener has it judged (see MilterListener)."""

    def __init__(self, listener: "MilterListener") -> None:
        self.listener = listener
        self.transport: asyncio.Transport | None = None
        self.socket: Any = None
        self.buffer = bytearray()
        self.steps = 0
        self.peer = "?"
        self.closing = False
        self.judging = False
        self.mails = 0  # counts the ends of mails: an answer is sent only for the mail still current
        self._reset()

    @property
    def peer_name(self) -> str:
        return self.peer

    def _reset(self) -> None:
        self.mail_from = ""
        self.mail_options: tuple[str, ...] = ()
        self.recipients: list[str] = []
        self.headers: list[bytes] = []
        self.body: list[bytes] = []
        self.size = 0
        self.too_big = False
        self.queue_id = ""
        self.in_data = False  # between MAIL and the answer to the end of the mail

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.socket = transport.get_extra_info("socket")
        RELAY_SESSIONS.labels(self.listener.name).inc()
        self.listener.sessions.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self.listener.sessions.discard(self)
        self.transport = None

    def goodbye(self) -> None:
        """Close between two mails: Postfix then answers its client as the milter's default_action says
        (tempfail: the client tries again later)."""
        if self.transport is not None and not self.closing:
            self.closing = True
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if QUICK_ACK is not None and self.socket is not None:
            # Postfix sends the parts of a mail without waiting for answers, in small writes that
            # Nagle holds back until the last is acknowledged; a delayed acknowledgement here
            # (40 ms on Linux) would then stall every mail. Linux leaves quick-ack mode by itself:
            # it is asked for again at each read.
            self.socket.setsockopt(socket.IPPROTO_TCP, QUICK_ACK, 1)
        self.buffer += data
        while len(self.buffer) >= 4:
            length = int.from_bytes(self.buffer[:4], "big")
            if not 1 <= length <= MAX_PACKET:
                self._fail(f"a packet of {length} bytes")
                return
            if len(self.buffer) < 4 + length:
                return
            command, payload = bytes(self.buffer[4:5]), bytes(self.buffer[5:4 + length])
            del self.buffer[:4 + length]
            try:
                self._command(command, payload)
            except ProtocolError as exc:
                self._fail(str(exc))
                return

    def _fail(self, why: str) -> None:
        log.error("relay %s milter: %s; connection closed (Postfix answers as the milter's default_action says)",
                  self.listener.name, why)
        if self.transport is not None:
            self.transport.close()

    def _send(self, *packets: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(packets))

    def _command(self, command: bytes, data: bytes) -> None:
        if self.judging and command not in (b"A", b"Q"):
            raise ProtocolError(f"command {command!r} before the answer to the end of the mail")
        if command == b"O":
            answer, self.steps = negotiation(data)
            self._send(answer)
            return
        if command == b"D":
            self._macros(data)
            return
        if command == b"C":
            self._connect(data)
        elif command == b"M":
            self._reset()
            if self.listener.draining:
                self.goodbye()  # a new mail would not be finished before the stop
                return
            words = _strings(data)
            self.mail_from = _address(words[0]) if words else ""
            self.mail_options = tuple(w.decode("ascii", "replace") for w in words[1:])
            self.in_data = True
        elif command == b"R":
            words = _strings(data)
            if words:
                self.recipients.append(_address(words[0]))
        elif command == b"L":
            self._header(data)
        elif command == b"B":
            self._body(data)
        elif command == b"E":
            if data:
                self._body(data)
            self._end_of_mail()
            return
        elif command == b"A":
            if self.judging:  # Postfix gave up on the mail before the answer: that answer is not sent
                self.mails += 1
                self.judging = False
            self._reset()
            return  # abort: never answered
        elif command == b"K":
            self._reset()  # quit, a new SMTP session follows on this connection
            return
        elif command == b"Q":
            if self.transport is not None:
                self.transport.close()
            return
        if not self.steps & NO_REPLY.get(command, 0):
            self._send(packet(CONTINUE))

    def _macros(self, data: bytes) -> None:
        # only the queue id is read: it ties the gateway's log lines to Postfix's
        words = _strings(data[1:])
        for name, value in zip(words[::2], words[1::2]):
            if name in (b"i", b"{i}"):
                self.queue_id = _token(value)

    def _connect(self, data: bytes) -> None:
        host, _, rest = data.partition(b"\0")
        family = rest[:1]
        address = rest[3:].rstrip(b"\0") if family in (b"4", b"6") else b""
        self.peer = (address or host).decode("ascii", "replace")

    def _header(self, data: bytes) -> None:
        name, _, value = data.partition(b"\0")
        if value.endswith(b"\0"):
            value = value[:-1]
        self._count(len(name) + len(value) + 3)
        if not self.too_big:
            self.headers.append(name + b":" + value.replace(b"\n", b"\r\n") + b"\r\n")

    def _body(self, data: bytes) -> None:
        self._count(len(data))
        if not self.too_big:
            self.body.append(data)

    def _count(self, size: int) -> None:
        self.size += size
        if self.size > self.listener.max_message_bytes and not self.too_big:
            self.too_big = True
            self.headers, self.body = [], []  # not kept: the answer is a refusal

    def _end_of_mail(self) -> None:
        if self.too_big:
            log.warning("relay %s milter: %s from %s is over %d bytes; answered 552", self.listener.name,
                        self.queue_id or "a mail", self.peer, self.listener.max_message_bytes)
            self._send(packet(b"y", b"552 5.3.4 Message too big for the gateway\0"))
            self._reset()
            return
        raw = b"".join((*self.headers, b"\r\n", *self.body))
        mail = Envelope(self.peer, self.mail_from, tuple(self.recipients), raw, self.mail_options)
        self.judging = True
        self.mails += 1
        arrived = datetime.now(timezone.utc).replace(microsecond=0)  # as a Received stamp has it
        self.listener.judge_later(Job(self, mail, self.queue_id, arrived, self.mails))

    def answer(self, answer: MilterAnswer, number: int) -> None:
        """The answer to the end of mail `number`, unless Postfix aborted that mail meanwhile."""
        if number != self.mails:
            log.warning("relay %s milter: a mail from %s was aborted by Postfix before its answer", self.listener.name,
                        self.peer)
            return
        self.judging = False
        if answer.temporary:
            RELAY_TEMPORARY.labels(self.listener.name).inc()
            self._send(packet(b"y", TEMPORARY.encode("ascii") + b"\0"))
        else:
            try:
                self._send(*edit_packets(answer.edits), packet(ACCEPT))
            except Exception as exc:  # noqa: BLE001 - a bug: the edits are the gateway's own
                log.error("relay %s milter: %s: %s; answered 451", self.listener.name, self.queue_id, exc)
                self._send(packet(b"y", TEMPORARY.encode("ascii") + b"\0"))
        self._reset()


@dataclass(frozen=True)
class Job:
    """A mail to judge, and where its answer goes."""

    session: MilterSession
    mail: Envelope
    queue_id: str
    arrived: datetime   # the arrival here: Postfix shows a milter no Received stamp of its own
    number: int         # of the session's mails: the answer is sent only if it is still the current one


class MilterListener(SmtpListener):
    """The SMTP listener's thread, workers and graceful stop, with milter sessions.

    Mails are judged in groups: the mails whose ends arrive while a worker judges go to it
    together when it is done, and the group is made durable with one fsync of the state's log
    before its answers go. Handing each mail to a worker and back costs, under the interpreter
    lock, about as much as judging it (bench/README.md); judging on the event loop would hold up
    every session while one mail waits (a DNS lookup, the database's write lock). One group at a
    time; when a group takes longer than SLOW_GROUP_SECONDS, another worker takes what waits, up
    to `workers`. A mail over GROUP_BYTES gets a worker of its own, so its parse delays no group."""

    def __init__(self, name: str, handler: Any, host: str, port: int, *, workers: int, drain_seconds: float,
                 max_message_bytes: int, on_stop: Callable[[], None] | None = None) -> None:
        super().__init__(name, handler, host, port, workers=workers, drain_seconds=drain_seconds, on_stop=on_stop)
        self.max_message_bytes = max_message_bytes
        self._waiting: list[Job] = []
        self._judging: dict[int, float] = {}  # the groups being judged: their start, by number
        self._groups = 0

    def _session(self) -> MilterSession:  # type: ignore[override]
        return MilterSession(self)

    def judge_later(self, job: Job) -> None:
        """Judge the job's mail and send its answer, once its record is durable."""
        if len(job.mail.content) > GROUP_BYTES:
            asyncio.ensure_future(self._judge([job]))
            return
        self._waiting.append(job)
        self._help_if_slow()

    def _help_if_slow(self) -> None:
        """Another worker for what waits: when none is judging, or all are slow and one is free."""
        if not self._waiting:
            return
        now = self.loop.time()
        if not self._judging or (len(self._judging) < self.workers
                                 and all(now - started > SLOW_GROUP_SECONDS for started in self._judging.values())):
            self._groups += 1
            self._judging[self._groups] = now  # counted at once: the mails until it runs need no other
            asyncio.ensure_future(self._judge_waiting(self._groups))

    async def _judge_waiting(self, number: int) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                self._judging[number] = self.loop.time()
                check = self.loop.call_later(SLOW_GROUP_SECONDS, self._help_if_slow)
                try:
                    await self._judge(group)
                finally:
                    check.cancel()
        finally:
            self._judging.pop(number, None)
            self._help_if_slow()  # after a failure, what still waits gets a worker

    async def _judge(self, group: list[Job]) -> None:
        try:
            answers = await self.run_blocking(self._judged, group)
        except Exception:  # noqa: BLE001 - no worker to take it (the stop): the clients try again
            log.exception("relay %s milter: %d mail(s) could not be judged; answered 451", self.name, len(group))
            answers = [MilterAnswer.tempfail() for _ in group]
        for job, answer in zip(group, answers):
            try:
                job.session.answer(answer, job.number)
            except Exception:  # noqa: BLE001 - the others of the group are answered all the same
                log.exception("relay %s milter: answering %s failed", self.name, job.queue_id or "a mail")

    def _judged(self, group: list[Job]) -> list[MilterAnswer]:
        """In a worker: each mail judged, then every record made durable (one fsync of the log for
        the group: each Unsynced's ticket was taken before it). A temporary failure for any error."""
        answers = []
        for job in group:
            try:
                answers.append(self.handler.judge(job.mail, job.queue_id, job.arrived))
            except Exception:  # noqa: BLE001 - Postfix's client keeps the mail and retries
                log.exception("relay %s milter: handling %s failed; answered 451", self.name, job.queue_id or "a mail")
                answers.append(MilterAnswer.tempfail())
        for at, answer in enumerate(answers):
            if answer.durable is None:
                continue
            try:
                answer.durable()
            except Exception:  # noqa: BLE001 - the mail is not accepted; Postfix's client tries again
                log.exception("relay %s milter: making the record of %s durable failed; answered 451", self.name,
                              group[at].queue_id or "a mail")
                answers[at] = MilterAnswer.tempfail()
        return answers
