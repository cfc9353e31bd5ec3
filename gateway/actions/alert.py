"""alert: a reminder step (T-24h, T-1h, an escalation) sent to the [notify] urls that [notify.steps]
chooses for it, one outbox row per URL; several for the same URL in one tick go as one list.
Queued by gateway.deadlines.reminders beside the reminder mail, never by a rule."""

from __future__ import annotations

from typing import Any

from gateway.actions.base import Action, Job, Notification, Urgency
from gateway.actions.notify import clock_facts, notification, shown_subject


class Alert(Action):
    NAME = "alert"
    CHANNEL = "webhook"
    URGENCY = Urgency.DUE

    def item(self, job: Job, entry: dict[str, Any]) -> dict[str, Any]:
        clock = entry["clock"]
        return {**entry, **clock_facts(job.config, entry["category"], entry["deadline"], job.now),
                "order_id": entry.get("order_id") or "",
                "case_id": clock.removeprefix("case:") if clock.startswith("case:") else "",
                "subject": shown_subject(entry.get("subject"))}

    def compose(self, job: Job) -> Notification:
        payload = job.payload
        if "items" not in payload:
            item = self.item(job, payload)
            return notification(job, "step.txt.j2", item, urgent=item["kind"] == "escalate" or item["overdue"])
        items = sorted((self.item(job, entry) for entry in payload["items"]), key=lambda i: i["deadline"])
        overdue = sum(i["overdue"] for i in items)
        return notification(job, "list.txt.j2", {"items": items, "overdue": overdue},
                            urgent=bool(overdue) or any(i["kind"] == "escalate" for i in items))
