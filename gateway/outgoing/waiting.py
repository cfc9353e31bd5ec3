"""What waits in the outbox, in the order the runner takes it, and why each row waits: for
`outbox list`. Read from the state alone (the limit and the smarthost's pause are kept in the
outbox table), so a command in another process tells what the daemon's runner does next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.actions.mailing import time_left
from gateway.config import Config
from gateway.outgoing.limits import Pace, by_urgency, sends_mail, urgency
from gateway.outgoing.outbox import being_sent
from gateway.state import State

QUEUED = "queued"
BEING_SENT = "being sent"
CUT_OFF = "queued again: cut off while being sent"


@dataclass(frozen=True)
class Waiting:
    """A pending or sending row, why it waits, since when, and what it is about."""

    row: dict[str, Any]
    why: str
    age: timedelta
    age_text: str       # '0 min', '3 h 05 min', '2 d 4 h'
    subject: str


def subject_of(row: dict[str, Any], message: dict[str, Any] | None) -> str:
    """What a row is about, in a line: the digest's or report's own subject (a warning's: the case
    mail's), the clock of a reminder, else the tagged subject of the mail it is about."""
    payload = json.loads(row["payload"] or "{}")
    if payload.get("subject"):
        return str(payload["subject"])
    if payload.get("clock"):
        return f"clock {payload['clock']}" + (f" {payload['step']}" if payload.get("step") else "")
    return message["subject"] if message else ""


def waiting(config: Config, state: State, now: datetime) -> list[Waiting]:
    """Every pending and sending row, in the order the runner takes them: the first rows the
    send limit still lets out now are "queued", the later ones wait for the limit."""
    pace = Pace(config, state)
    held = pace.held(now)
    room = None if held else pace.room(now)
    found = []
    for row in by_urgency(state.outbox_pending()):
        if being_sent(row, config, now):
            why = BEING_SENT
        elif sends_mail(row) and held:
            why = held
        elif sends_mail(row) and room is not None and room <= 0:
            why = pace.limited
        else:
            why = CUT_OFF if row["status"] == "sending" else QUEUED
            if sends_mail(row) and room is not None:
                room -= 1
        message = state.message(row["message_key"]) if row["message_key"] else None
        created = datetime.fromisoformat(row["created_at"])
        found.append(Waiting(row, why, now - created, time_left(now, created), subject_of(row, message)))
    return found


def json_row(row: dict[str, Any], waits: Waiting | None) -> dict[str, Any]:
    """A row of `outbox list --json`: the table's columns, its rank, and for a waiting row why it
    waits, its age in seconds and what it is about."""
    return {**row, "urgency": urgency(row)[0], "waits": waits.why if waits else None,
            "age_seconds": int(waits.age.total_seconds()) if waits else None,
            "subject": waits.subject if waits else None}
