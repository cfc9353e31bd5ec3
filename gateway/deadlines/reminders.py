"""The reminder ladder: nothing due slips by unseen.

Every clock has its own ladder: an order's buyer, claim and chargeback clocks (one per
obligation, gateway.judging.obligations) are reminded each of its own deadline. Before an open
clock's deadline, each step of its category (default: a claim, a chargeback and an account-health
notice at T-24 h, T-6 h and T-1 h, a buyer message at T-4 h) queues a reminder to the category's escalation addresses; a
tier-1 clock still open at `escalate_hours` (no human reply yet: a reply stops the clock) queues
an escalation to the second list. Each step sent also goes to the [notify] urls that
[notify.steps] chooses for it (an "alert"). Everything goes through the outbox.

Each step fires once per opening of the clock, recorded in the same transaction as its outbox row
and audit row, so a restart neither repeats nor forgets one. Steps that came due while the daemon
was down fire at once when it is back, marked late; of several missed steps only the most urgent
is sent, the older ones are recorded as skipped (three reminders at once would only be noise).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.config import Config
from gateway.config.notify import step_label
from gateway.state import State

log = logging.getLogger("gateway.reminders")
LATE_AFTER = timedelta(minutes=5)  # a step fired later than this after its time is marked late


@dataclass(frozen=True)
class Step:
    kind: str       # "remind" or "escalate"
    hours: float    # before the deadline

    @property
    def label(self) -> str:
        return step_label(self.hours)


def ladder(config: Config, clock: dict[str, Any]) -> list[Step]:
    steps = [Step("remind", h) for h in config.reminders.steps.get(clock["category"], ())]
    if clock.get("tier") == 1 and config.reminders.escalate_to:
        steps.append(Step("escalate", config.reminders.escalate_hours))
    return steps


def recipients(config: Config, clock: dict[str, Any], step: Step) -> tuple[str, ...]:
    if step.kind == "escalate":
        return config.reminders.escalate_to
    return config.escalation_addresses(clock["category"])


@dataclass(frozen=True)
class Queued:
    """A row waiting in a Batch: its outbox key, kind and entry, the ids it is stored with, and which
    field of its message a list of it shows as the subject."""
    key: str
    kind: str
    entry: dict[str, Any]
    message_key: str | None
    order_id: str | None
    subject_field: str  # "subject" (as tagged) for the team's mail, "original_subject" for a notification


class _Subjects:
    """The messages' subjects of one flush, each message looked up once: a step's mail and its
    alerts name the same message."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.messages: dict[str, dict[str, Any]] = {}

    def of(self, queued: Queued) -> str:
        if not queued.message_key:
            return ""
        if queued.message_key not in self.messages:
            self.messages[queued.message_key] = self.state.message(queued.message_key) or {}
        return self.messages[queued.message_key].get(queued.subject_field, "")


def _enqueue(state: State, config: Config, now: datetime, target: str, rows: list[Queued], *, prefix: str,
             list_kind: str, subjects: _Subjects, single_subject: bool) -> list[dict[str, Any]]:
    """Inside the caller's transaction: one outbox row to `target`, the row itself when there is
    one (with its subject when `single_subject`), else one `list_kind` row listing them with their
    subjects, keyed by what it lists: two lists for the same target in one second are two rows.
    Returns the entries listed ([] for a row of its own)."""
    if len(rows) == 1:
        [row] = rows
        entry = {**row.entry, "subject": subjects.of(row)} if single_subject else row.entry
        state.enqueue(row.key, row.kind, target, entry, message_key=row.message_key, order_id=row.order_id, now=now,
                      id_domain=config.message_id_domain)
        return []
    items = [{**row.entry, "key": row.key, "subject": subjects.of(row)} for row in rows]
    listed = hashlib.sha256("\n".join(sorted(row.key for row in rows)).encode()).hexdigest()[:16]
    state.enqueue(f"{prefix}|{target}|{listed}", list_kind, target,
                  {"items": items, "subject": f"{len(items)} reminders at once"}, message_key=None, order_id=None,
                  now=now, id_domain=config.message_id_domain)
    return items


class Batch:
    """The team mails of one tick, queued together at its end: a recipient who has several at
    once (after downtime, or many clocks at one step) gets one mail listing them, not a flood."""

    def __init__(self) -> None:
        self.mails: dict[tuple[str, ...], list[Queued]] = {}  # recipients -> their mails, in order
        self.alerts: dict[str, list[Queued]] = {}  # [notify] urls label -> its alerts, in order

    def alert(self, config: Config, clock: dict[str, Any], step: Step, entry: dict[str, Any]) -> None:
        """The step to the [notify] urls [notify.steps] chooses for it, beside its mail."""
        ids = {"order_id": clock.get("order_id"), "message_key": clock.get("last_message_key")}
        for target in config.notify.for_step("escalate" if step.kind == "escalate" else step.label):
            key = f"alert|{target.fingerprint}|{clock['key']}|{clock['opened_at']}|{step.kind}|{step.hours:g}"
            self.alerts.setdefault(target.label, []).append(
                Queued(key, "alert", {**entry, **ids}, subject_field="original_subject", **ids))

    def add(self, key: str, kind: str, to: tuple[str, ...], entry: dict[str, Any], ids: dict[str, Any]) -> None:
        self.mails.setdefault(to, []).append(
            Queued(key, kind, entry, ids.get("message_key"), ids.get("order_id"), subject_field="subject"))

    def flush(self, state: State, config: Config, now: datetime) -> None:
        """Inside the caller's transaction: one outbox row per recipient list, a "reminders" list
        where it has more than one mail; one "alert" row per [notify] urls target, likewise."""
        subjects = _Subjects(state)
        for to, mails in self.mails.items():
            items = _enqueue(state, config, now, ",".join(to), mails, prefix="reminders", list_kind="reminders",
                             subjects=subjects, single_subject=False)
            if items:
                state.audit("reminders_listed", {"to": list(to), "count": len(items), "keys": [i["key"] for i in items]},
                            at=now)
                log.info("%d reminders for %s at once: sent as one list", len(items), ", ".join(to))
        for label, alerts in self.alerts.items():
            _enqueue(state, config, now, label, alerts, prefix="alerts", list_kind="alert", subjects=subjects,
                     single_subject=True)
        self.mails.clear()
        self.alerts.clear()


def fire_due(state: State, config: Config, now: datetime, batch: Batch | None = None) -> list[dict[str, Any]]:
    """Queue every step now due; returns what was queued (and skipped), for logs and tests.
    With `batch`, the mails wait in it for the caller's flush."""
    fired: list[dict[str, Any]] = []
    own = batch is None
    batch = batch if batch is not None else Batch()
    with state.transaction():
        for clock in state.open_clocks():
            if not clock.get("deadline"):
                continue
            deadline = datetime.fromisoformat(clock["deadline"])
            reached = [s for s in ladder(config, clock) if now >= deadline - timedelta(hours=s.hours)]
            if not reached:
                continue  # the usual case on every tick: no need to ask what was sent
            done = state.reminder_steps_done(clock["key"], clock["opened_at"])
            for kind in ("remind", "escalate"):
                due = [s for s in reached if s.kind == kind and (s.kind, s.hours) not in done]
                if not due:
                    continue
                urgent = min(due, key=lambda s: s.hours)
                for step in due:
                    fired.append(_fire(state, config, clock, step, deadline, now, batch, send=step is urgent))
        if own:
            batch.flush(state, config, now)
    log_fired(fired)
    return fired


def _fire(state: State, config: Config, clock: dict[str, Any], step: Step, deadline: datetime, now: datetime,
          batch: Batch, *, send: bool) -> dict[str, Any]:
    due_at = deadline - timedelta(hours=step.hours)
    # a step whose time had passed before the gateway first saw the clock is not sent late: the
    # clock's mail was forwarded just now, or (seen long after it arrived) listed in its backlog
    # report, which goes to the escalation list too. An escalation past already for a fresh mail
    # (a stated deadline inside escalate_hours) is sent: its forward went to the team, not the managers.
    seen = datetime.fromisoformat(clock["seen_at"]) if clock.get("seen_at") else None
    past_when_seen = seen is not None and due_at < seen and (step.kind != "escalate" or state.in_backlog(clock))
    to = recipients(config, clock, step) if send and not past_when_seen else ()
    entry = {"clock": clock["key"], "kind": step.kind, "step": step.label, "deadline": clock["deadline"],
             "category": clock["category"], "obligation": clock.get("obligation"), "hours": step.hours}
    if past_when_seen:
        entry["reason"] = "its time had passed when the gateway first saw the clock"
    elif not to:
        entry["reason"] = "a later step was due as well" if not send else "no address to send it to"
    done = record_step(state, config, clock, step.kind, step.hours, clock["opened_at"], due_at, now, to, entry, batch)
    if send and not past_when_seen:
        batch.alert(config, clock, step, done)
    return done


def record_step(state: State, config: Config, clock: dict[str, Any], kind: str, number: float, series: str,
                due_at: datetime, now: datetime, to: tuple[str, ...], entry: dict[str, Any], batch: Batch) -> dict[str, Any]:
    """One step, inside the caller's transaction: its row (so it never fires again for this
    `series`), its audit row, and, when it has recipients, its mail in `batch`."""
    late = now - due_at > LATE_AFTER
    entry = {**entry, "kind": kind, "status": "sent" if to else "skipped", "late": late, "to": list(to)}
    state.record_reminder_step(clock["key"], series, kind, number, status=entry["status"], due_at=due_at, fired_at=now,
                               late=late)
    ids = {"message_key": clock.get("last_message_key"), "order_id": clock.get("order_id")}
    state.audit("escalation" if kind == "escalate" else "reminder", entry, case_id=clock.get("case_id"), at=now, **ids)
    if to:
        batch.add(f"{clock['key']}|{series}|{kind}|{number:g}", kind, to, entry, ids)
    return entry


def log_fired(fired: list[dict[str, Any]]) -> None:
    for entry in fired:
        if entry["status"] == "sent":
            log.info("%s %s %s to %s%s", entry["kind"], entry.get("step", ""), entry["clock"], ", ".join(entry["to"]),
                     " LATE" if entry["late"] else "")
