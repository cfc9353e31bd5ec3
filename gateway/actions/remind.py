"""remind: a step of a clock's reminder ladder (T-24 h, T-6 h, ...) to the category's escalation
addresses; queued by gateway.deadlines.reminders, never by a rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import team_mail, time_left
from gateway.judging import obligations
from gateway.judging.subject import format_due


def resolve_reference(clock: str) -> str:
    """What `crisis-gateway resolve` takes to stop this clock alone: ORDER --only OBLIGATION for
    an order's clock, the case id of a case's, the key of a notice's."""
    kind, _, rest = clock.partition(":")
    if kind == "order" and ":" in rest:
        order, _, obligation = rest.rpartition(":")
        return f"{order} --only {obligation}"
    return rest if kind == "case" else clock


class Remind(Action):
    NAME = "remind"
    URGENCY = Urgency.DUE  # escalate too

    def variables(self, job: Job) -> dict[str, Any]:
        payload, message, config = job.payload, job.message or {}, job.config
        deadline = datetime.fromisoformat(payload["deadline"])
        clock = payload["clock"]
        return dict(
            kind=job.row["kind"], step=payload["step"], late=payload["late"], subject=message["subject"],
            category=payload["category"], tier=message.get("tier"), order_id=message.get("order_id") or "",
            case_id=clock.removeprefix("case:") if clock.startswith("case:") else "",
            due_local=format_due(deadline, config.timezone), due_utc=f"{deadline.astimezone(timezone.utc):%Y-%m-%d %H:%M}",
            time_left=time_left(deadline, job.now), overdue=deadline < job.now, opened_at=message.get("arrival", ""),
            original_subject=message.get("original_subject", ""),
            step_due=format_due(deadline - timedelta(hours=payload["hours"]), config.timezone),
            duty=obligations.label(payload.get("obligation")), resolve=resolve_reference(clock),
        )

    def compose(self, job: Job) -> Outgoing:
        payload = job.payload
        return team_mail(job.config, job.row, "en.txt.j2", self.variables(job), payload["category"], job.now,
                         step=payload["step"])
