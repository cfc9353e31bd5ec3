"""An aiosmtpd listener in a thread of its own, and its graceful stop.

On stop the listening socket closes first. A session in the middle of DATA (the mail being
received, handled or passed on) may finish within `drain_seconds` and gets its real answer;
every other session is told "421 shutting down" and closed. A session still busy at the
deadline is cut off without an answer: its client keeps the mail and tries again, as it would
after any 4xx. So nothing answered 250 is ever dropped, and nothing is answered 250 unfinished.

The work of a mail (parsing, SQLite, the next SMTP hop) is blocking: it runs in a pool of
worker threads, so the event loop keeps serving the other sessions meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import ssl
import threading
import warnings
from typing import Any, Callable, TypeVar

from aiosmtpd.smtp import SMTP, syntax
from prometheus_client import Counter

from gateway.outgoing.transport import helo_name

log = logging.getLogger("gateway.relay")
T = TypeVar("T")
# AUTH without TLS: the configuration allows it only on a loopback listener, where no password
# crosses a network; aiosmtpd would warn about it at every connection.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS", category=UserWarning)

# The relays' figures for the metrics endpoint; registered there (gateway.service.metrics).
RELAY_SESSIONS = Counter("crisis_gateway_relay_sessions", "SMTP sessions opened on a relay", ["relay"], registry=None)
RELAY_TEMPORARY = Counter("crisis_gateway_relay_temporary_failures", "4xx answers given by a relay", ["relay"],
                          registry=None)

SHUTTING_DOWN = "421 4.3.2 Service shutting down, please try again later"
TEMPORARY = "451 4.3.0 Temporary failure, please try again later"
IDENT = "Crisis Gateway ESMTP"
HOUSEKEEPING_SECONDS = 5.0  # how often the handler's housekeeping runs (closing idle connections)


class Session(SMTP):
    """aiosmtpd's SMTP session, telling its listener when it is inside DATA."""

    def __init__(self, listener: "SmtpListener", handler: Any, **options: Any) -> None:
        super().__init__(handler, loop=listener.loop, **options)
        self.listener = listener
        self.in_data = False
        self.closing = False

    async def push(self, status: str | bytes) -> None:
        """With `temporary_only`, aiosmtpd's own permanent refusals (a line too long, a bad
        address...) become 451: behind Postfix a 5xx bounces the mail to its sender. Only the
        size limit stays 552, as Postfix's own would."""
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
        if self.listener.temporary_only and text[:1] == "5" and not text.startswith("552"):
            log.warning("relay %s: %s answered 451 instead of %r", self.listener.name, self.peer_name, text[:120])
            status = TEMPORARY
        if (status[:1] if isinstance(status, str) else status[:1].decode("ascii", "replace")) == "4":
            RELAY_TEMPORARY.labels(self.listener.name).inc()
        await super().push(status)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self not in self.listener.sessions:  # called again after STARTTLS
            RELAY_SESSIONS.labels(self.listener.name).inc()
        self.listener.sessions.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self.listener.sessions.discard(self)
        super().connection_lost(error)

    @property
    def peer_name(self) -> str:
        return str(self.session.peer) if self.session else "?"

    def goodbye(self) -> None:
        """421 and close, between two commands; once."""
        if self.transport is not None and not self.closing:
            self.closing = True
            self.transport.write(SHUTTING_DOWN.encode("ascii") + b"\r\n")
            self.transport.close()

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        if self.listener.draining:
            self.goodbye()  # a new mail would not be finished before the stop
            return
        await super().smtp_MAIL(arg)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        self.in_data = True
        try:
            await super().smtp_DATA(arg)
        finally:
            self.in_data = False


class SmtpListener:
    def __init__(self, name: str, handler: Any, host: str, port: int, *, workers: int, drain_seconds: float,
                 tls_context: ssl.SSLContext | None = None, on_stop: Callable[[], None] | None = None,
                 temporary_only: bool = False, **smtp_options: Any) -> None:
        self.name = name
        self.handler = handler
        self.host, self.port = host, port
        self.drain_seconds = drain_seconds
        self.on_stop = on_stop  # after the last worker is done: close what the workers used
        self.temporary_only = temporary_only
        self.workers = workers
        self.smtp_options = {"hostname": helo_name(), "ident": IDENT, "enable_SMTPUTF8": True, "decode_data": False,
                             "tls_context": tls_context, **smtp_options}
        self.sessions: set[Session] = set()
        self.draining = False
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._drained: concurrent.futures.Future | None = None
        self._housework: concurrent.futures.Future | None = None

    def start(self) -> None:
        """Listening when it returns; OSError (address in use...) when it cannot."""
        # made here, not before: a listener that never starts holds nothing to close
        self.loop = asyncio.new_event_loop()
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=self.workers,
                                                              thread_name_prefix=f"relay {self.name}")
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name=f"relay {self.name}", daemon=True)
        self._thread.start()
        ready.wait()
        if self._error is not None:
            self._thread.join()
            self.executor.shutdown()
            raise self._error
        log.info("relay %s: listening on %s:%d", self.name, self.host, self.port)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self._server = self.loop.run_until_complete(
                self.loop.create_server(self._session, host=self.host, port=self.port, reuse_address=True))
        except BaseException as exc:  # noqa: BLE001 - any failure to listen is told to start()
            self._error = exc if isinstance(exc, OSError) else OSError(f"{type(exc).__name__}: {exc}")
            self.loop.close()
            return
        finally:
            ready.set()
        self.loop.call_later(HOUSEKEEPING_SECONDS, self._housekeeping)
        self.loop.run_forever()
        self._server.close()  # already closed by a drain; a loop that ended otherwise must not keep the port
        for task in asyncio.all_tasks(self.loop):
            task.cancel()
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.close()

    def _housekeeping(self) -> None:
        """The handler's housekeeping (if it has any) in a worker thread, every few seconds until
        the drain begins; the executor is shut down only after that."""
        work = getattr(self.handler, "housekeeping", None)
        if work is None or self.draining:
            return
        if self._housework is None or self._housework.done():  # one at a time: a hung QUIT holds one worker only
            self._housework = self.executor.submit(self._logged, work)
        self.loop.call_later(HOUSEKEEPING_SECONDS, self._housekeeping)

    def _logged(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - tried again at the next round
            log.exception("relay %s: housekeeping failed", self.name)

    def alive(self) -> bool:
        """Whether its event loop's thread runs (started, and not ended by itself or by stop())."""
        return self._thread is not None and self._thread.is_alive()

    def _session(self) -> Session:
        return Session(self, self.handler, **self.smtp_options)

    async def run_blocking(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in a worker thread."""
        return await self.loop.run_in_executor(self.executor, work, *args)

    def begin_stop(self) -> None:
        """Stop listening and start draining, without waiting: several listeners stop together."""
        if self._thread is not None and self._thread.is_alive() and self._drained is None:
            self._drained = asyncio.run_coroutine_threadsafe(self._drain(), self.loop)

    def stop(self) -> None:
        self.begin_stop()
        if self._thread is None:
            return
        if self._drained is not None:
            try:
                self._drained.result(timeout=self.drain_seconds + 10)
            except Exception:  # noqa: BLE001 - the stop goes on; what was not answered is retried by the client
                log.exception("relay %s: draining failed", self.name)
        self.executor.shutdown(wait=True)  # work cut off from its session still ends, with the loop running
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
        self._thread = None
        if self.on_stop is not None:
            self.on_stop()
        log.info("relay %s: stopped", self.name)

    async def _drain(self) -> None:
        assert self._server is not None
        self._server.close()
        self.draining = True
        busy = sum(1 for s in self.sessions if s.in_data)
        if busy:
            log.info("relay %s: stopping; waiting up to %.0fs for %d mail(s) in progress", self.name, self.drain_seconds, busy)
        deadline = self.loop.time() + self.drain_seconds
        while self.sessions:
            for session in list(self.sessions):
                if not session.in_data:
                    session.goodbye()
            if self.loop.time() >= deadline:
                for session in list(self.sessions):
                    log.warning("relay %s: %s still busy at the stop deadline: cut off unanswered; its client will retry",
                                self.name, session.peer_name)
                    if session.transport is not None:
                        session.transport.abort()
                break
            await asyncio.sleep(0.05)
