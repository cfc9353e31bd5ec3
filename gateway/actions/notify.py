"""notify: a tier-1 crisis posted to every [notify] webhook and sent to the default [notify] urls
(through Apprise), one outbox row per webhook and per URL.

Webhook and Apprise URLs are bearer secrets: verdicts, the outbox and the audit trail name them by
number ("webhook 2") or label ("chat #1a2b3c4d"); the URL is looked up only when the request is made.
"""

from __future__ import annotations

from typing import Any

from gateway.actions.base import Action, ActionFailed, Job, Notification, Request, Urgency
from gateway.actions.notifying import clock_facts, is_url_target, notification, shown_subject
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
        hooks = [f"webhook {n}" for n in range(1, len(ctx.config.webhooks) + 1)]
        return {"to": hooks + [target.label for target in ctx.config.notify.for_arrival()]}

    def targets(self, detail: dict[str, Any]) -> list[str]:
        return [str(target) for target in detail.get("to") or []]

    def compose(self, job: Job) -> Request | Notification:
        message = job.message
        assert message is not None
        if is_url_target(job.row["target"]):
            return notification(job, "crisis.txt.j2", {
                **clock_facts(job.config, message["category"], message.get("deadline"), job.now),
                "order_id": message.get("order_id") or "", "case_id": message.get("case_id") or "",
                "marketplace": message.get("marketplace") or "",
                "subject": shown_subject(message.get("original_subject") or message.get("subject")),
            }, urgent=True)
        number = job.row["target"].removeprefix("webhook ")
        if not number.isdigit() or not 1 <= int(number) <= len(job.config.webhooks):
            raise ActionFailed(f"{job.row['target']} is no longer in [notify] webhooks")
        return Request(job.config.webhooks[int(number) - 1], {
            "text": f"{message['subject']}",
            "category": message["category"], "tier": message["tier"], "order_id": message["order_id"],
            "case_id": message["case_id"], "deadline": message.get("deadline"), "marketplace": message["marketplace"],
            "message_id": message["message_id"], "from": message["from_address"],
        })
