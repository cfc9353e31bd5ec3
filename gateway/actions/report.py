"""report: the crises of one mailbox's backlog, in one mail to their escalation addresses.

Mail first seen long after it arrived (the first start on an inbox with history, a catch-up after
downtime) is tagged and gets its clock, but is not forwarded one by one
(gateway.judging.freshness); gateway.deadlines.backlog queues this list of its crises instead,
the most urgent first. The list was fixed when queued; the time left is told as of sending.
"""

from __future__ import annotations

from typing import Any

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import due_of, template_mail


class Report(Action):
    NAME = "report"
    URGENCY = Urgency.REPORT

    def variables(self, job: Job) -> dict[str, Any]:
        crises = [{**crisis, **due_of(crisis.get("deadline"), job.config, job.now)} for crisis in job.payload["crises"]]
        return {"mailbox": job.payload["mailbox"] or "the inbox", "crises": crises, "fresh_hours": f"{job.config.fresh_hours:g}"}

    def compose(self, job: Job) -> Outgoing:
        return template_mail(job.config, job.row, "report/backlog.txt.j2", self.variables(job), job.now,
                             [("X-Crisis-Report", "backlog")])
