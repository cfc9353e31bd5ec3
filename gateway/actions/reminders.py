"""reminders: several team mails for the same recipients at once (reminder steps, escalations,
case follow-ups), in one mail listing them, the most urgent first. Queued by
gateway.deadlines.reminders when a tick has more than one for the same people."""

from __future__ import annotations

from typing import Any

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import due_of, template_mail

WHAT = {"remind": "Reminder", "escalate": "ESCALATION", "nudge": "Follow up with Amazon", "reopen": "Reopen the case"}


class Reminders(Action):
    NAME = "reminders"
    URGENCY = Urgency.DUE

    def variables(self, job: Job) -> dict[str, Any]:
        items = []
        for item in job.payload["items"]:
            what = WHAT.get(item["kind"], item["kind"]) + (f" {item['step']}" if item.get("step") else "")
            detail = (f"case {item['case_id']} silent since {item['silent_since'][:16].replace('T', ' ')}"
                      if item.get("silent_since") else f"case {item.get('case_id', '')} closed by Amazon")
            items.append({**item, "what": what, "detail": detail, **due_of(item.get("deadline"), job.config, job.now)})
        items.sort(key=lambda i: (not i.get("deadline"), i.get("deadline") or ""))
        return {"items": items, "overdue": sum(i["overdue"] for i in items)}

    def compose(self, job: Job) -> Outgoing:
        return template_mail(job.config, job.row, "reminder/list.txt.j2", self.variables(job), job.now,
                             [("X-Crisis-Reminder", "list")])
