"""Running the outbox: each queued action done once, retried when that may help, else dead-lettered.

A row is marked "sending" (committed) before the attempt and "done" (committed, with its audit
row) after it. A crash in between leaves it "sending": it is sent again on restart, with the
Message-ID fixed when it was queued, so the receiver can tell the repeat.

Mail goes most urgent first, within the send limit, and not while the smarthost asked to slow
down (gateway.outgoing.limits): what is held back stays pending for the next run, never dropped.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    stop_when_event_set,
    wait_exponential_jitter,
)

from gateway.actions import ACTIONS
from gateway.actions.base import ActionFailed, Notification, Request
from gateway.config import Config
from gateway.judging.verdict import Verdict
from gateway.outgoing.limits import Pace, by_urgency, sends_mail
from gateway.outgoing.notifications import send_notification
from gateway.outgoing.transport import PermanentError, Throttled, TransientError, mail_transport, post_webhook
from gateway.state import Queued, State

log = logging.getLogger("gateway.outbox")
OWNER = f"{socket.gethostname()}:{os.getpid()}"


def queued_by(verdict: Verdict, config: Config, now: datetime) -> tuple[Queued, ...]:
    """The outbox rows a verdict's actions queue: one per target of each action that is not
    applied by the source itself (the tag)."""
    rows = []
    for planned in verdict.actions:
        action = ACTIONS[planned.kind]
        if action.CHANNEL == "source":
            continue
        window = action.repeat_window(config)
        for target in action.targets(planned.detail):
            rows.append(Queued(planned.kind, target, planned.as_dict(), now - window if window else None, action.REPEATED))
    return tuple(rows)


class Job:
    """An outbox row handed to its action, with what the state knows about it, looked up when asked."""

    def __init__(self, outbox: "Outbox", row: dict[str, Any], now: datetime) -> None:
        self.outbox, self.row, self.config, self.now = outbox, row, outbox.config, now
        self.payload: dict[str, Any] = json.loads(row["payload"])
        self.message = outbox.state.message(row["message_key"]) if row["message_key"] else None

    def raw(self) -> bytes:
        assert self.message is not None
        return self.outbox.state.raw(self.message)

    def evidence(self) -> list[tuple[dict[str, Any], bytes]]:
        assert self.message is not None
        return self.outbox.state.evidence(self.message)

    def queued(self, kind: str) -> list[dict[str, Any]]:
        assert self.message is not None
        return self.outbox.state.outbox_rows(message_key=self.message["key"], kind=kind)

    def audit(self, *kinds: str) -> list[dict[str, Any]]:
        assert self.message is not None
        return self.outbox.state.audit_of_message(self.message["key"], kinds)

    def reply_target(self, buyer: str) -> str | None:
        assert self.message is not None
        return self.outbox.state.reply_target_id(self.message, buyer)


def being_sent(row: dict[str, Any], config: Config, now: datetime) -> bool:
    """A row "sending" that another runner (the daemon, an `outbox run`) hands over right now: its
    process still runs and its lease holds. One that is not was cut off by a crash."""
    return row["status"] == "sending" and _owner_alive(row.get("owner")) and not _lease_expired(row, config, now)


def _lease_expired(row: dict[str, Any], config: Config, now: datetime) -> bool:
    """A row left "sending" longer than a whole retry run can last was cut off by a crash."""
    lease = timedelta(seconds=config.outbox.max_seconds + 2 * (config.smtp.timeout if config.smtp else 30) + 60)
    return now - datetime.fromisoformat(row["updated_at"]) > lease


def _owner_alive(owner: str | None) -> bool:
    """Whether the process that marked a row "sending" still runs (on this host; a row sent from
    another host is trusted to its lease)."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return host != socket.gethostname() and bool(owner)
    if int(pid) == os.getpid():
        return False  # this process restarted its loop: the row is its own, cut off
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Outbox:
    def __init__(self, config: Config, state: State, *, stop: threading.Event | None = None) -> None:
        self.config = config
        self.state = state
        self.transport = mail_transport(config.smtp) if config.smtp else None
        self.stop = stop
        self.pace = Pace(config, state)
        self._limit_told = False  # the log says once that the send limit holds mail back, not every run

    def _retrying(self) -> Retrying:
        o = self.config.outbox
        options: dict[str, Any] = {}
        stop_condition = stop_after_attempt(o.attempts) | stop_after_delay(o.max_seconds)
        if self.stop is not None:
            options["sleep"] = self.stop.wait  # a shutdown cuts the backoff short
            stop_condition = stop_condition | stop_when_event_set(self.stop)
        return Retrying(
            # Positive filter: only errors known to be transient are retried. A negative filter
            # (retry_if_not_exception_type) would also retry CancelledError and KeyboardInterrupt.
            # A smarthost that asks to slow down is not asked again at once: the runner waits.
            retry=retry_if_exception(lambda exc: isinstance(exc, TransientError) and not isinstance(exc, Throttled)),
            stop=stop_condition,
            wait=wait_exponential_jitter(multiplier=o.backoff_initial, max=o.backoff_max, jitter=o.backoff_initial),
            reraise=True,
            before_sleep=lambda state: log.info("retrying in %.1fs after: %s", state.next_action.sleep, state.outcome.exception()),
            **options,
        )

    def pending(self) -> list[dict[str, Any]]:
        """Rows to run, in the order they go: most urgent first, oldest first within a rank."""
        return by_urgency(self.state.outbox_pending())

    def run(self, now: Callable[[], datetime] | None = None) -> dict[str, int]:
        """Run every pending action the send limit and the smarthost let out now; returns counts
        by outcome. Mail held back is counted as waiting: a later run sends it."""
        clock = now or (lambda: datetime.now(timezone.utc))
        counts = {"done": 0, "dead": 0, "waiting": 0}
        held: str | None = None  # once mail is held back, it is for the rest of this run
        for row in self.pending():
            if self.stop is not None and self.stop.is_set():
                break
            if sends_mail(row):
                held = held or self.pace.held(clock())
                if held:
                    counts["waiting"] += 1
                    continue
            counts[self.run_one(row, clock)] += 1
        self._tell_limit(held == self.pace.limited, counts["waiting"])
        return counts

    def _tell_limit(self, holding: bool, waiting: int) -> None:
        if holding and not self._limit_told:
            log.info("send limit: %d mails a minute ([smtp] max_per_minute) sent; %d action(s) wait, "
                     "the most urgent go first", self.pace.per_minute, waiting)
        self._limit_told = holding

    def run_one(self, row: dict[str, Any], clock: Callable[[], datetime]) -> str:
        repeat = row["status"] == "sending"
        if repeat and being_sent(row, self.config, clock()):
            return "waiting"  # another process (the daemon, an `outbox run`) is sending it right now
        limit = self.pace.limit(clock()) if sends_mail(row) else None
        if not self.state.claim_outbox_row(row, OWNER, clock(), limit):
            return "waiting"  # taken by another runner since it was read, or it used the last room of the limit
        if repeat:
            log.warning("outbox %s: %s to %s may have been sent before a crash; sending again with Message-ID %s",
                        row["id"], row["kind"], row["target"], row["message_id"])
        try:
            result = self._retrying()(self._execute, row, clock)
        except Throttled as exc:
            self._slow_down(row, exc, clock())
            return "waiting"
        except TransientError as exc:
            if self.stop is not None and self.stop.is_set():
                # shutting down: not the action's fault; it runs again after the restart
                self.state.release_outbox_row(row["id"], str(exc))
                return "waiting"
            self._finish(row, "dead", clock, error=str(exc))
            log.warning("outbox %s: %s to %s dead-lettered: %s", row["id"], row["kind"], row["target"], exc)
            return "dead"
        except (PermanentError, ActionFailed) as exc:
            self._finish(row, "dead", clock, error=str(exc))
            log.warning("outbox %s: %s to %s dead-lettered: %s", row["id"], row["kind"], row["target"], exc)
            return "dead"
        except Exception as exc:  # noqa: BLE001 - composing failed (a broken template...): not retried
            self._finish(row, "dead", clock, error=f"{type(exc).__name__}: {exc}")
            log.exception("outbox %s: %s to %s failed", row["id"], row["kind"], row["target"])
            return "dead"
        self._finish(row, "done", clock, result=result)
        log.info("outbox %s: %s to %s done (%s)", row["id"], row["kind"], row["target"], result)
        return "done"

    def _slow_down(self, row: dict[str, Any], exc: Throttled, now: datetime) -> None:
        """The row back to pending, not counted against it, and no mail tried until the pause ends."""
        pause = self.pace.pause_after_throttle(now)
        self.state.throttle_outbox_row(row, str(exc), now, now + pause)
        log.warning("outbox %s: the smarthost asked to slow down (%s): no mail is sent for %g min, until %s",
                    row["id"], exc, pause.total_seconds() / 60, f"{now + pause:%H:%M:%S %Z}")

    def _finish(self, row: dict[str, Any], status: str, clock: Callable[[], datetime], *, error: str = "", result: str = "") -> None:
        self.state.finish_outbox_row(row, status, clock(), error=error, result=result)

    def _execute(self, row: dict[str, Any], clock: Callable[[], datetime]) -> str:
        action = ACTIONS.get(row["kind"])
        if action is None or action.CHANNEL == "source":
            raise PermanentError(f"unknown outbox action {row['kind']}")
        job = Job(self, row, clock())
        if action.NEEDS_MESSAGE and job.message is None:
            raise PermanentError(f"message {row['message_key']} is not in the state")
        made = action.compose(job)
        if isinstance(made, Request):
            return post_webhook(made.url, made.payload)
        if isinstance(made, Notification):
            return send_notification(made)
        assert self.transport is not None
        return self.transport.send(made.sender, made.recipients, made.data)

    # outbox list | retry | drop
    def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        return self.state.outbox_rows(status)

    def set_status(self, ids: list[int], status: str, from_statuses: tuple[str, ...]) -> int:
        return self.state.set_outbox_status(ids, status, from_statuses)
