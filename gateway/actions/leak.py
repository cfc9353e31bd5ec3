"""leak: a reply that carried the gateway's tag to a buyer or to Amazon; its sender is told, at
most once a day, how to keep tags inside the team. Queued by the Sent folder's watcher."""

from __future__ import annotations

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import team_mail


class Leak(Action):
    NAME = "leak"
    URGENCY = Urgency.DUE

    def compose(self, job: Job) -> Outgoing:
        payload = job.payload
        variables = dict(subject=payload["subject"], to=payload["to"], relay=payload.get("relay", ""))
        return team_mail(job.config, job.row, "tag_leak.txt.j2", variables, "tag_leak", job.now)
