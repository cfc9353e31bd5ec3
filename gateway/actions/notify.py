"""notify: a tier-1 crisis posted to every [notify] webhook, one outbox row per webhook.

Webhook URLs are bearer secrets: verdicts, the outbox and the audit trail name them by number
("webhook 2"); the URL is looked up only when the request is made.
"""

from __future__ import annotations

from typing import Any

from gateway.actions.base import Action, ActionFailed, Job, Request, Urgency
from gateway.judging.blockers import Context, no_webhooks, not_tier1, suspicious


class Notify(Action):
    NAME = "notify"
    FROM_RULES = True
    CHANNEL = "webhook"
    BLOCKERS = (suspicious, not_tier1, no_webhooks)
    NEEDS_MESSAGE = True
    HELD_WHEN_LATE = True
    URGENCY = Urgency.CRISIS

    def plan(self, ctx: Context) -> dict[str, Any]:
        return {"to": [f"webhook {n}" for n in range(1, len(ctx.config.webhooks) + 1)]}

    def targets(self, detail: dict[str, Any]) -> list[str]:
        return [str(target) for target in detail.get("to") or []]

    def compose(self, job: Job) -> Request:
        number = job.row["target"].removeprefix("webhook ")
        if not number.isdigit() or not 1 <= int(number) <= len(job.config.webhooks):
            raise ActionFailed(f"{job.row['target']} is no longer in [notify] webhooks")
        message = job.message
        assert message is not None
        return Request(job.config.webhooks[int(number) - 1], {
            "text": f"{message['subject']}",
            "category": message["category"], "tier": message["tier"], "order_id": message["order_id"],
            "case_id": message["case_id"], "deadline": message.get("deadline"), "marketplace": message["marketplace"],
            "message_id": message["message_id"], "from": message["from_address"],
        })
