"""What the two relays share: the envelope as handed to a worker, the answers, the pool of
per-thread resources, and passing a mail on to the next hop once per recipient."""

from __future__ import annotations

import contextlib
import logging
import queue
import re
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, Protocol, TypeVar

from gateway.mail.text import one_line
from gateway.outgoing.transport import Refused
from gateway.relays.listener import TEMPORARY
from gateway.state import State

log = logging.getLogger("gateway.relay")
T = TypeVar("T")


def peer_address(session: Any) -> str:
    """The client's IP address as text."""
    return session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)


@dataclass(frozen=True)
class Envelope:
    """A snapshot of what the SMTP session received, safe to hand to another thread."""

    peer: str
    mail_from: str
    recipients: tuple[str, ...]
    content: bytes
    mail_options: tuple[str, ...]
    login: str | None = None

    @classmethod
    def of(cls, session: Any, envelope: Any) -> "Envelope":
        peer = peer_address(session)
        login = session.auth_data if isinstance(session.auth_data, str) else None  # set by our authenticator
        return cls(peer, envelope.mail_from or "", tuple(envelope.rcpt_tos), crlf(envelope.original_content or b""),
                   tuple(envelope.mail_options or ()), login)

    def passed_options(self) -> tuple[str, ...]:
        """The MAIL parameters the next hop must see: SMTPUTF8 and BODY=. SIZE is computed anew
        (the tagged copy is longer); nothing else is passed blindly."""
        return tuple(o for o in self.mail_options if o.upper() == "SMTPUTF8" or o.upper().startswith("BODY="))


_BARE_LF = re.compile(rb"(?<!\r)\n")


def crlf(data: bytes) -> bytes:
    """Lines as SMTP wants them: a client that sent bare LFs does not get them passed on to a
    server that may refuse them (or read them differently: SMTP smuggling)."""
    return _BARE_LF.sub(b"\r\n", data) if _BARE_LF.search(data) else data  # no copy when there is none


class Transport(Protocol):
    def deliver(self, sender: str, recipients: list[str], data: bytes, mail_options: tuple[str, ...] = ()) -> Refused: ...


class Pool(Generic[T]):
    """Resources a worker thread needs for one mail (a SQLite connection...), made when first
    needed, each used by one thread at a time."""

    def __init__(self, make: Callable[[], T], close: Callable[[T], None]) -> None:
        self._make, self._close = make, close
        self._idle: queue.SimpleQueue[T] = queue.SimpleQueue()
        self._all: list[T] = []

    @contextlib.contextmanager
    def borrow(self) -> Iterator[T]:
        try:
            item = self._idle.get_nowait()
        except queue.Empty:
            item = self._make()
            self._all.append(item)
        try:
            yield item
        finally:
            self._idle.put(item)

    def items(self) -> list[T]:
        """Every one made so far, in use or not."""
        return list(self._all)

    def close(self) -> None:
        for item in self._all:
            self._close(item)
        self._all.clear()


def pending_recipients(state: State, direction: str, key: str, recipients: tuple[str, ...]) -> list[str]:
    """Those a mail has not reached yet: after a lost 250 or a partial refusal, only these get it."""
    done = state.relayed_to(direction, key)
    return [r for r in dict.fromkeys(recipients) if r not in done]


@dataclass(frozen=True)
class Passed:
    """What passing a mail on to the next hop came to."""

    before: bool                # every recipient had it already (the 250 was lost): nothing sent now
    accepted: list[str]
    refused: Refused


def pass_on(state: State, direction: str, key: str, mail: Envelope, data: bytes, transport: Transport) -> Passed:
    """Deliver `data` once per recipient: only to those `key` has not reached yet (after a lost
    250 or a partial refusal). The transport's errors go to the caller, which answers for them;
    recording whom it reached is the caller's too, with what it records about the mail."""
    pending = pending_recipients(state, direction, key, mail.recipients)
    if not pending:
        return Passed(True, [], {})
    refused = transport.deliver(mail.mail_from, pending, data, mail.passed_options())
    return Passed(False, [r for r in pending if r not in refused], refused)


def refused_text(refused: Refused) -> str:
    return "; ".join(f"{rcpt}: {code} {one_line(text.decode('utf-8', 'replace') if isinstance(text, bytes) else str(text))}"
                     for rcpt, (code, text) in refused.items())


class RelayHandler:
    """aiosmtpd handler: DATA is handed to `relay` in a worker thread; whatever goes wrong
    inside becomes a 451, never aiosmtpd's default 500 with the exception text."""

    name = "relay"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        try:
            return await server.listener.run_blocking(self.relay, Envelope.of(session, envelope))
        except Exception:  # noqa: BLE001 - the client keeps the mail and retries
            log.exception("relay %s: handling a mail failed; answered 451", self.name)
            return TEMPORARY

    async def handle_exception(self, error: Exception) -> str:
        log.error("relay %s: %s in the SMTP session; answered 451", self.name, type(error).__name__,
                  exc_info=(type(error), error, error.__traceback__))
        return TEMPORARY

    def relay(self, mail: Envelope) -> str:
        raise NotImplementedError
