"""report: the crises of one mailbox's backlog, in one mail to their escalation addresses.

Mail first seen long after it arrived (the first start on an inbox with history, a catch-up after
downtime) is tagged and gets its clock, but is not forwarded one by one
(gateway.judging.freshness); gateway.deadlines.backlog queues this list of its crises instead,
the most urgent first. The list was fixed when queued; the time left is told as of sending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import gateway_fields, render, text_mail, time_left
from gateway.judging.subject import format_due


class Report(Action):
    NAME = "report"
    URGENCY = Urgency.REPORT

    def variables(self, job: Job) -> dict[str, Any]:
        crises = []
        for crisis in job.payload["crises"]:
            deadline = datetime.fromisoformat(crisis["deadline"]) if crisis.get("deadline") else None
            crises.append({**crisis, "due": format_due(deadline, job.config.timezone) if deadline else "",
                           "left": time_left(deadline, job.now) if deadline else "",
                           "overdue": bool(deadline and deadline < job.now)})
        return {"mailbox": job.payload["mailbox"] or "the inbox", "crises": crises, "fresh_hours": f"{job.config.fresh_hours:g}"}

    def compose(self, job: Job) -> Outgoing:
        config = job.config
        assert config.smtp is not None
        subject, body = render(config.templates_dir / "report", "backlog.txt.j2", self.variables(job))
        fields = gateway_fields(config, job.row, subject, job.now) + [("X-Crisis-Report", "backlog")]
        return Outgoing(config.smtp.sender, job.row["target"].split(","), text_mail(fields, body))
