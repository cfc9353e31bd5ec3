"""reopen: Amazon closed a case nobody confirmed as fixed; the team is told to reopen it before
the reopen window ends. Queued by gateway.deadlines.cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import local, team_mail, time_left


class Reopen(Action):
    NAME = "reopen"
    URGENCY = Urgency.DUE  # nudge too

    def compose(self, job: Job) -> Outgoing:
        payload, message, config = job.payload, job.message or {}, job.config
        variables: dict[str, Any] = dict(
            kind=job.row["kind"], case_id=payload["case_id"], original_subject=message.get("original_subject", ""),
            closed_at=local(payload.get("closed_at"), config), reopen_by=local(payload.get("reopen_by"), config),
            silent_since=local(payload.get("silent_since"), config), every=f"{config.cases.nudge_hours:g} hours",
            silent_for=time_left(job.now, datetime.fromisoformat(payload["silent_since"])) if payload.get("silent_since") else "",
        )
        return team_mail(config, job.row, "case.txt.j2", variables, payload["category"], job.now)
