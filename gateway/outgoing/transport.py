"""Getting outgoing mail and notifications out: the smarthost, a capture Maildir, webhooks.

Every failure is sorted into TransientError (try again: connection refused, timeouts, 4xx,
a connection lost after DATA) or PermanentError (5xx, bad credentials, a 4xx-free refusal):
the outbox retries only the first kind. A 4xx that asks the client to slow down (a provider's
submission limit) is a TransientError of its own kind, Throttled: the outbox waits it out.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import shlex
import smtplib
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from gateway.config import SmtpConfig, secrets_filter
from gateway.mail import maildir
from gateway.mail.text import one_line

log = logging.getLogger("gateway.transport")


class DeliveryError(Exception):
    """Why a message did not go out; `code` is the server's SMTP reply code when it gave one."""

    def __init__(self, text: str, code: int | None = None) -> None:
        super().__init__(text)
        self.code = code


class TransientError(DeliveryError):
    """Worth another try later."""


class PermanentError(DeliveryError):
    """Another try would fail the same way."""


class Throttled(TransientError):
    """The server takes no more mail from us for a while (a submission rate limit): nothing is
    wrong with this mail, it goes once the server takes mail again."""


# The words of a 4xx that asks for less mail, not of a problem with this mail or the server:
# Microsoft 365 "4.4.2 Message submission rate for this client has exceeded the configured
# limit", "too many messages", "rate limit"; Gmail "4.7.0 ... temporarily rate limited";
# Postfix's anvil "4.7.1 Error: too much mail from ..."; "452 4.5.3 Too many recipients".
_SLOW_DOWN = re.compile(r"too many|too much mail|\brate\b|rate.?limit|limit exceeded|throttl|slow down"
                        r"|\b4\.4\.2\b|\b4\.5\.3\b", re.I)
# "Try again later" alone is what many servers say for any passing problem ("451 4.3.0 ... try
# again later"); with a policy status (4.7.x: Gmail's "421 4.7.0 Try again later") it is a limit.
_POLICY_LATER = re.compile(r"\b4\.7\.\d{1,3}\b.*\btry again later\b", re.I | re.S)


def slows_down(code: int, text: str) -> bool:
    """Whether an SMTP answer asks the client to send less for a while."""
    return 400 <= code < 500 and bool(_SLOW_DOWN.search(text) or _POLICY_LATER.search(text))


Refused = dict[str, tuple[int, bytes]]  # recipient -> (code, server text), as smtplib reports them


@functools.cache
def helo_name() -> str:
    """Looked up once: smtplib would resolve the host name again for every connection."""
    return socket.getfqdn()


def _answer(code: int, words: bytes | str) -> str:
    return f"{code} {one_line(words.decode('utf-8', 'replace') if isinstance(words, bytes) else str(words))}"


def _classify_smtp(exc: BaseException) -> Exception:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = _answer(exc.smtp_code, exc.smtp_error)
        if slows_down(exc.smtp_code, text):
            return Throttled(text, exc.smtp_code)
        return (TransientError if 400 <= exc.smtp_code < 500 else PermanentError)(text, exc.smtp_code)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = {rcpt: _answer(code, words) for rcpt, (code, words) in exc.recipients.items()}
        if all(slows_down(code, answers[rcpt]) for rcpt, (code, _) in exc.recipients.items()):
            # the server's words are kept: they say for how long, and `outbox list` shows them
            return Throttled("; ".join(f"{rcpt}: {answer}" for rcpt, answer in answers.items()))
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(f"{rcpt}: {code}" for rcpt, (code, _) in exc.recipients.items())
        return TransientError(text) if all(400 <= c < 500 for c in codes) else PermanentError(text)
    if isinstance(exc, (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError)):
        return PermanentError(f"{type(exc).__name__}: {one_line(str(exc))}")
    if isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, TimeoutError, OSError)):
        return TransientError(f"{type(exc).__name__}: {one_line(str(exc)) or 'connection lost'}")
    return PermanentError(f"{type(exc).__name__}: {one_line(str(exc))}")


class SmtpTransport:
    """One message per connection: simple, and nothing half-sent lingers in a pooled session."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._token: str | None = None

    def _password(self) -> str:
        assert self.config.password_file is not None
        try:
            return secrets_filter.register(self.config.password_file.read_text("utf-8").strip())
        except OSError as exc:
            raise PermanentError(f"cannot read [smtp] password_file {self.config.password_file}: {exc.strerror}") from None

    def _oauth2_token(self, refresh: bool = False) -> str:
        if self._token and not refresh:
            return self._token
        command = self.config.oauth2_token_command or ""
        try:
            done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TransientError(f"oauth2_token_command failed: {type(exc).__name__}") from None
        token = done.stdout.strip()
        if done.returncode != 0 or not token:
            # stderr may hold a refresh token or a secret: only its exit code is told
            raise TransientError(f"oauth2_token_command exited {done.returncode} without a token")
        self._token = secrets_filter.register(token)
        return token

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext:
        """Made once: loading the system's CA certificates costs about 20 ms."""
        return ssl.create_default_context(cafile=str(self.config.ca_file) if self.config.ca_file else None)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self._tls, local_hostname=helo_name())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout, local_hostname=helo_name())
        smtp.ehlo()
        if c.security == "starttls":
            smtp.starttls(context=self._tls)
            smtp.ehlo()
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        c = self.config
        if c.password_file:
            smtp.login(c.user or "", self._password())
        elif c.oauth2_token_command:
            for refresh in (False, True):
                token = self._oauth2_token(refresh)
                try:
                    smtp.auth("XOAUTH2", _xoauth2(c.user or "", token), initial_response_ok=True)
                    return
                except smtplib.SMTPAuthenticationError:
                    if refresh:
                        raise
                    log.info("smarthost refused the access token; fetching a new one")

    def greet(self) -> str:
        """Connect, STARTTLS and log in as for a mail, then QUIT without sending: what worked."""
        c = self.config
        smtp = self._connect()
        try:
            self._login(smtp)
            done = [f"greeted {c.host}:{c.port}", {"tls": "TLS", "starttls": "STARTTLS", "none": "no TLS"}[c.security]]
            if c.user:
                done.append(f"logged in as {c.user}")
            return ", ".join(done)
        finally:
            try:
                smtp.quit()
            except smtplib.SMTPException:
                pass

    def send(self, sender: str, recipients: list[str], data: bytes) -> str:
        """Every recipient accepted, or an error."""
        refused = self.deliver(sender, recipients, data)
        if refused and len(refused) < len(set(recipients)):
            # some have it: a pause of all mail would bring it to them again and again; the row is
            # retried (and dead-lettered) like any refusal of its own
            error = _classify_smtp(smtplib.SMTPRecipientsRefused(refused))
            raise (PermanentError if isinstance(error, PermanentError) else TransientError)(str(error))
        if refused:
            raise _classify_smtp(smtplib.SMTPRecipientsRefused(refused))
        return f"{self.config.host}:{self.config.port} accepted"

    def deliver(self, sender: str, recipients: list[str], data: bytes, mail_options: tuple[str, ...] = ()) -> Refused:
        """The recipients the server refused (empty when it took them all); an error when it took
        the message for nobody for another reason (connection, MAIL or DATA refused)."""
        smtp = self._open()
        try:
            return _send(smtp, sender, recipients, data, mail_options)
        finally:
            _quit(smtp)

    def _open(self) -> smtplib.SMTP:
        """Connected and logged in; every failure sorted into transient or permanent."""
        try:
            smtp = self._connect()
        except Exception as exc:  # noqa: BLE001 - sorted into transient or permanent
            raise _classify_smtp(exc) from None
        try:
            self._login(smtp)
        except Exception as exc:  # noqa: BLE001
            _quit(smtp)
            raise exc if isinstance(exc, DeliveryError) else _classify_smtp(exc) from None
        return smtp


def _send(smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes, mail_options: tuple[str, ...]) -> Refused:
    """One message on an open connection: the recipients refused, or an error sorted into
    transient or permanent. After a refusal of some or all recipients the session is reset
    (smtplib sends RSET) and the connection can carry another message."""
    try:
        try:
            return smtp.sendmail(sender, recipients, data, mail_options=list(mail_options))
        except smtplib.SMTPRecipientsRefused as exc:
            return exc.recipients
    except Exception as exc:  # noqa: BLE001
        raise _classify_smtp(exc) from None


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except Exception:  # noqa: BLE001 - the connection may be gone already
        smtp.close()


class KeptSmtpTransport(SmtpTransport):
    """One connection kept open from one message to the next, for a next hop on loopback that
    takes mail all day (Postfix's re-injection smtpd): there a connection per message costs more
    than the message (a new smtpd session, its log lines, EHLO and QUIT).

    A kept connection must answer RSET before it carries a message: one the server closed
    meanwhile (its timeout) is replaced then, which is safe since no mail was begun on it. Any
    error during a message closes the connection, so the next message starts on a fresh one. A
    connection is renewed after MAX_AGE_SECONDS, and `close_idle` (called every few seconds)
    closes it with QUIT after IDLE_SECONDS without mail, before the server would time it out
    and log it. Used by one thread at a time; a lock keeps `close_idle` off a connection in use."""

    IDLE_SECONDS = 10.0
    MAX_AGE_SECONDS = 300.0

    def __init__(self, config: SmtpConfig, clock: Any = time.monotonic) -> None:
        super().__init__(config)
        self._clock = clock
        self._lock = threading.Lock()
        self._smtp: smtplib.SMTP | None = None
        self._opened = self._used = 0.0

    def deliver(self, sender: str, recipients: list[str], data: bytes, mail_options: tuple[str, ...] = ()) -> Refused:
        with self._lock:
            smtp = self._ready()
            try:
                refused = _send(smtp, sender, recipients, data, mail_options)
            except BaseException:  # a DeliveryError, or the process stopping mid-DATA: never reused half-way
                self._drop()
                raise
            self._used = self._clock()
            return refused

    def _ready(self) -> smtplib.SMTP:
        now = self._clock()
        if self._smtp is not None:
            if now - self._used < self.IDLE_SECONDS and now - self._opened < self.MAX_AGE_SECONDS:
                try:
                    if self._smtp.rset()[0] == 250:
                        return self._smtp
                except Exception:  # noqa: BLE001 - gone meanwhile: a new one below
                    log.debug("%s:%s: the kept connection did not answer RSET; opening a new one",
                              self.config.host, self.config.port)
            self._drop()
        self._smtp, self._opened = self._open(), now
        return self._smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            _quit(smtp)

    def close_idle(self) -> None:
        """QUIT a connection unused for IDLE_SECONDS; one in use is left alone."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._smtp is not None and self._clock() - self._used >= self.IDLE_SECONDS:
                self._drop()
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            self._drop()


def _xoauth2(user: str, token: str):
    def answer(challenge: bytes | None = None) -> str:
        # After a failure the server sends a JSON challenge; the client must answer empty.
        return "" if challenge else f"user={user}\x01auth=Bearer {token}\x01\x01"

    return answer


class CaptureTransport:
    """Keeps outgoing mail in a Maildir instead of sending it (demo, tests, dry runs)."""

    def __init__(self, directory) -> None:
        self.directory = maildir.ensure(directory)

    def deliver(self, sender: str, recipients: list[str], data: bytes, mail_options: tuple[str, ...] = ()) -> Refused:
        self.send(sender, recipients, data)
        return {}

    def send(self, sender: str, recipients: list[str], data: bytes) -> str:
        """Named after the Message-ID: a repeat after a crash replaces the file, as a receiver
        that dedupes by Message-ID would."""
        envelope = f"X-Captured-Envelope: from=<{one_line(sender)}> to=<{'>,<'.join(one_line(r) for r in recipients)}>\r\n"
        match = re.search(rb"^Message-ID: (<[^>\r\n]+>)", data, re.M | re.I)
        name = hashlib.sha256(match.group(1)).hexdigest()[:32] if match else None
        path = maildir.deliver(self.directory, envelope.encode("ascii", "replace") + data, name=name)
        return f"captured in {path}"


def mail_transport(config: SmtpConfig):
    return CaptureTransport(config.capture_dir) if config.capture_dir else SmtpTransport(config)


def post_webhook(url: str, payload: dict[str, Any], timeout: float = 15.0) -> str:
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "crisis-gateway"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        text = f"HTTP {exc.code}"
        raise (TransientError(text) if exc.code >= 500 or exc.code in (408, 429) else PermanentError(text)) from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise TransientError(f"{type(exc).__name__}: {one_line(str(getattr(exc, 'reason', exc)))}") from None
