"""The daemon's long-lived threads (watchers, Sent watchers, the outbox, the relays' listeners),
kept running: one that fails with an unexpected error is started again with backoff, never left dead.

Each failure is told once, as one log line (the thread, the error, when it is tried again), and
kept in `Failures`, which the status line of `systemctl status`, the metrics and the audit trail
(read by check-config) are given. A thread that keeps running RESET_AFTER seconds is trusted
again: its next failure waits the first backoff only.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from gateway.mail.text import one_line
from gateway.relays.listener import SmtpListener

log = logging.getLogger("gateway.supervisor")
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 300.0
RESET_AFTER = 600.0


@dataclass(frozen=True)
class Failure:
    thread: str
    count: int          # failures since the daemon started
    error: str          # the last one, as "Type: words"
    at: datetime


class Failures:
    """Failures of the supervised threads, by thread name; shared by them, read by the daemon and
    the metrics. `on_failure` is called (outside the lock) with each one, to record it."""

    def __init__(self, on_failure: Callable[[Failure], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, Failure] = {}
        self._finished: set[str] = set()
        self.on_failure = on_failure

    def finished(self, thread: str) -> None:
        """The thread ended on purpose (stopped, or nothing left to watch: a folder the server does
        not have): no failure, and for the watchdog no thread gone wrong."""
        with self._lock:
            self._finished.add(thread)

    def ended_on_purpose(self, thread: str) -> bool:
        with self._lock:
            return thread in self._finished

    def failed(self, thread: str, exc: BaseException) -> Failure:
        error = one_line(f"{type(exc).__name__}: {exc}")[:300]
        with self._lock:
            before = self._failures.get(thread)
            failure = self._failures[thread] = Failure(thread, (before.count if before else 0) + 1, error,
                                                       datetime.now(timezone.utc))
        if self.on_failure is not None:
            try:
                self.on_failure(failure)
            except Exception as record_error:  # noqa: BLE001 - the restart matters more than its record
                log.warning("%s: the failure could not be recorded: %s: %s", thread, type(record_error).__name__,
                            record_error)
        return failure

    def snapshot(self) -> dict[str, Failure]:
        with self._lock:
            return dict(self._failures)

    def status(self) -> str:
        """For the status line: the threads restarted after a failure, with their last error."""
        failures = sorted(self.snapshot().values(), key=lambda f: f.thread)
        if not failures:
            return ""
        return "restarted after a failure: " + "; ".join(f"{f.thread} ({f.count}x, last {f.at:%H:%M:%S} UTC: "
                                                          f"{f.error})" for f in failures)


def supervised(name: str, target: Callable[[], None], stop: threading.Event, failures: Failures) -> Callable[[], None]:
    """A thread body that runs `target` until it returns or `stop` is set, started again after
    each unexpected error with a backoff that doubles up to MAX_BACKOFF."""

    def run() -> None:
        backoff = FIRST_BACKOFF
        while not stop.is_set():
            started = time.monotonic()
            try:
                target()
                failures.finished(name)
                return  # finished its job: stopped, or nothing left to watch
            except Exception as exc:  # noqa: BLE001 - any bug costs a restart, never the thread
                if time.monotonic() - started >= RESET_AFTER:
                    backoff = FIRST_BACKOFF
                failure = failures.failed(name, exc)
                if stop.is_set():
                    return
                log.error("%s: failed with %s (failure %d); started again in %.0fs", name, failure.error,
                          failure.count, backoff, exc_info=log.isEnabledFor(logging.DEBUG))
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    return run


class RelayWatch:
    """The relays' listeners, looked at by the daemon's main loop: one whose event loop ended by
    itself (a bug) is a failure like a thread's, and is started again, with the same backoff."""

    def __init__(self, relays: list[SmtpListener], failures: Failures) -> None:
        self.relays = relays
        self.failures = failures
        self._next: dict[str, float] = {}
        self._backoff: dict[str, float] = {}

    def check(self) -> None:
        now = time.monotonic()
        for relay in self.relays:
            if relay.alive() or now < self._next.get(relay.name, 0.0):
                continue
            backoff = self._backoff.get(relay.name, FIRST_BACKOFF)
            self._next[relay.name] = now + backoff
            self._backoff[relay.name] = min(backoff * 2, MAX_BACKOFF)
            failure = self.failures.failed(f"relay {relay.name}", RuntimeError("its listener ended by itself"))
            try:
                relay.stop()
                relay.start()
                again = "listening again"
            except OSError as exc:
                again = f"cannot listen again ({exc.strerror or exc}), tried again in {backoff:.0f}s"
            log.error("relay %s: its listener ended by itself (failure %d); %s", relay.name, failure.count, again)
