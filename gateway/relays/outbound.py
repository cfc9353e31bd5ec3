"""The outbound relay: the team's mail client submits here, the mail leaves through the [smtp]
smarthost without the gateway's tags and X-Crisis-* fields, and a reply stops the clock of the
claim or buyer message it answers.

Who may send: with a users file, only authenticated clients (AUTH PLAIN/LOGIN, after STARTTLS
when a certificate is configured); without one, only clients from local_networks (loopback by
default). Never an open relay.

The smarthost's answer is the client's answer: accepted, then 250 and the reply is recorded;
unreachable or 4xx, then 451 and nothing is recorded (the client keeps the mail); 5xx, then the
smarthost's refusal is passed on.
"""

from __future__ import annotations

import collections
import hashlib
import ipaddress
import logging
import ssl
import time
from datetime import datetime, timezone
from typing import Any, Callable

from aiosmtpd.smtp import AuthResult, LoginPassword

from gateway.config import Config, OutboundRelayConfig
from gateway.intake.replies import (
    Judgement,
    clean_for_outside,
    is_amazon_address,
    judge,
    own_words,
    problems_named,
    record_reply,
)
from gateway.judging.classify import Classifier
from gateway.mail.parse import MailError, ParsedMail, parse_mail
from gateway.mail.text import one_line
from gateway.outgoing.transport import PermanentError, TransientError
from gateway.relays.common import (
    TEMPORARY,
    Envelope,
    Pool,
    RelayHandler,
    Transport,
    pass_on,
    peer_address,
    refused_text,
)
from gateway.relays.users import UsersFile
from gateway.state import State

log = logging.getLogger("gateway.relay")
OUTBOUND = "outbound"
RELAY_DENIED = "554 5.7.1 Relay access denied: this client may not send through the gateway"
CANNOT_SEND = "554 5.3.0 The gateway cannot send through its smarthost; its log says why"


class FailureThrottle:
    """At most `limit` failed logins per client address in `window` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, collections.deque[float]] = {}

    def _recent(self, peer: str) -> collections.deque[float]:
        failures = self._failures.setdefault(peer, collections.deque())
        while failures and failures[0] < self.clock() - self.window:
            failures.popleft()
        if not failures:
            del self._failures[peer]  # nothing kept for clients that behave
        return failures

    def blocked(self, peer: str) -> bool:
        return len(self._recent(peer)) >= self.limit

    def failed(self, peer: str) -> None:
        self._failures.setdefault(peer, collections.deque()).append(self.clock())


def tls_context(relay: OutboundRelayConfig) -> ssl.SSLContext | None:
    if not relay.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(relay.tls_cert), str(relay.tls_key))
    return context


class OutboundRelay(RelayHandler):
    name = OUTBOUND

    def __init__(self, config: Config, states: Pool[State], classifier: Classifier, upstream: Transport,
                 users: UsersFile | None = None) -> None:
        relay = config.outbound_relay
        assert relay is not None
        self.states = states
        self.classifier = classifier  # its tag pattern follows a rules reload
        self.upstream = upstream
        self.users = users
        self.networks = [ipaddress.ip_network(n, strict=False) for n in relay.local_networks]
        self.throttle = FailureThrottle()

    # -- who may send -------------------------------------------------------------------------
    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        """aiosmtpd's authenticator for AUTH PLAIN and LOGIN. aiosmtpd calls it in the event loop;
        a password check costs some 40 ms of scrypt, so a client failing too often is refused
        without one for a while: guessing is slowed, and the other sessions are not held up."""
        if self.users is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        peer = peer_address(session)
        login = auth_data.login.decode("utf-8", "replace")
        if self.throttle.blocked(peer):
            log.warning("relay outbound: %s failed to authenticate too often; refused without checking", peer)
            return AuthResult(success=False, handled=False)
        ok = self.users.check(login, auth_data.password.decode("utf-8", "surrogateescape"))
        if not ok:
            self.throttle.failed(peer)
            log.warning("relay outbound: authentication failed for %r from %s", one_line(login)[:64], peer)
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def may_send(self, session: Any) -> bool:
        if self.users is not None:
            return bool(session.authenticated)
        try:
            peer = ipaddress.ip_address(session.peer[0])
        except (ValueError, TypeError, IndexError):
            return False
        if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped:
            peer = peer.ipv4_mapped
        return any(peer in network for network in self.networks)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:
        if not self.may_send(session):
            log.warning("relay outbound: refused a client from %s that may not send", session.peer)
            return RELAY_DENIED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if not self.may_send(session):
            return RELAY_DENIED
        envelope.rcpt_tos.append(address)
        return "250 OK"

    # -- one mail -----------------------------------------------------------------------------
    def relay(self, mail: Envelope) -> str:
        try:
            parsed: ParsedMail | None = parse_mail(mail.content)
        except MailError as exc:
            log.warning("relay outbound: mail from %s cannot be read (%s); sent on without matching it", mail.peer, exc)
            parsed = None
        data = clean_for_outside(mail.content, parsed, self.classifier.tag_pattern)
        key = "sha256:" + hashlib.sha256(mail.mail_from.encode("utf-8", "surrogateescape") + b"\0" + data).hexdigest()
        with self.states.borrow() as state:
            try:
                passed = pass_on(state, OUTBOUND, key, mail, data, self.upstream)
            except TransientError as exc:
                log.warning("relay outbound: smarthost did not take the mail: %s; answered 451", exc)
                return TEMPORARY
            except PermanentError as exc:
                log.warning("relay outbound: smarthost refused the mail: %s", exc)
                # the smarthost's own words are passed on; the gateway's (a path, a certificate) are not
                return _refusal(exc.code, str(exc)) if exc.code else CANNOT_SEND
            if passed.before:
                log.info("relay outbound: %s was sent before (the 250 was lost); answered 250 again", key)
                return "250 2.0.0 Ok: sent before"
            accepted, refused = passed.accepted, passed.refused
            if accepted:
                self._record(state, key, mail, parsed, accepted, data)
        if not refused:
            return "250 2.0.0 Ok: sent"
        log.warning("relay outbound: smarthost refused %s", refused_text(refused))
        if any(400 <= code < 500 for code, _ in refused.values()):
            return TEMPORARY  # the retry goes to those only: the others are recorded as reached
        # Refused for good: said to the client, which would otherwise never know. Sending again is
        # harmless: the recipients reached are recorded and skipped.
        code, text = next(iter(refused.values()))
        who = ", ".join(refused)[:200]
        reached = f"; {len(accepted)} other recipient(s) have it" if accepted else ""
        return _refusal(code, f"for {who}: {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}{reached}")

    def _record(self, state: State, key: str, mail: Envelope, parsed: ParsedMail | None, accepted: list[str],
                data: bytes) -> None:
        """The mail has left: it must be recorded as sent even if matching it fails, or a client
        sending it again would send it twice."""
        detail: dict[str, Any] = {"to": accepted, "from": mail.mail_from, "login": mail.login}
        try:
            # kept like every mail received: the reply belongs in the claim's evidence pack
            detail["raw"] = str(state.store_raw(data, key.removeprefix("sha256:")).relative_to(state.directory))
        except OSError:
            log.exception("relay outbound: keeping a copy of %s failed", key)
        try:
            if parsed is not None:
                self._record_reply(state, key, parsed, accepted, detail)
                return
        except Exception:  # noqa: BLE001 - the mail is out; only the matching is lost, and said so
            log.exception("relay outbound: matching %s to what it answers failed; recorded as sent only", key)
        state.record_relayed(OUTBOUND, key, accepted, "sent", detail)

    def _record_reply(self, state: State, key: str, parsed: ParsedMail, accepted: list[str], detail: dict[str, Any]) -> None:
        judgement = judge(state, parsed, accepted)
        stopped = record_reply(state, parsed, judgement, direction=OUTBOUND, key=key, recipients=accepted, detail=detail,
                               tag_pattern=self.classifier.tag_pattern)
        self._one_case_one_problem(state, key, parsed, accepted, judgement, detail)
        found = judgement.found
        log.info("relay outbound: %s to %s%s%s", parsed.message_id or key, ", ".join(accepted),
                 f" answers order {found.order_id} ({found.matched_by})" if found.order_id else "",
                 "; clock stopped" if stopped else "")

    def _one_case_one_problem(self, state: State, key: str, parsed: ParsedMail, accepted: list[str],
                              judgement: Judgement, detail: dict[str, Any]) -> None:
        """A case mail to Amazon that raises several problems: its sender is told, through the
        outbox, that Amazon handles one problem per case."""
        case_id = judgement.case_id
        message = judgement.found.message or {}
        to_amazon = any(is_amazon_address(r) for r in accepted)
        sender = detail.get("from") or ""
        signs = problems_named(own_words(parsed.text)) if case_id and to_amazon and sender else []
        if not signs:
            return
        now = datetime.now(timezone.utc)
        with state.transaction():
            state.enqueue(f"{key}|warn", "warn", sender, {"case_id": case_id, "signs": signs, "subject": detail["subject"]},
                          message_key=message.get("key"), order_id=None, now=now,
                          id_domain=self.classifier.config.message_id_domain)
            state.audit("warned", {"case_id": case_id, "to": sender, "signs": signs}, case_id=case_id, at=now)
        log.info("relay outbound: case %s mail raises several problems (%s); %s is told", case_id, "; ".join(signs), sender)


def _refusal(code: int | None, text: str) -> str:
    """The smarthost's own refusal, on one printable line; a 4xx here would be a lie."""
    code = code if code and 500 <= code < 600 else 554
    words = one_line(text).encode("ascii", "replace").decode("ascii")
    if words[:3].isdigit():
        words = words[3:].lstrip()
    return f"{code} 5.0.0 Refused by the smarthost: {words[:200]}"
