"""notify: a tier-1 crisis posted to every [notify] webhook and sent to the default [notify] urls
(through Apprise), one outbox row per webhook and per URL; and what every notification to [notify]
urls says (alert's too), from templates/notify/: a title and a few short lines (category, order, due
time in the [gateway] timezone, the mail's subject, what to do).

Webhook and Apprise URLs are bearer secrets: verdicts, the outbox and the audit trail name them by
number ("webhook 2") or label ("chat #1a2b3c4d"); the URL is looked up only when the request is made,
by the label's fingerprint, so a queued row still reaches its URL after the list was reordered, and
is dead-lettered, never sent elsewhere, once its URL is gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.actions.base import Action, ActionFailed, Job, Notification, Request, Urgency
from gateway.actions.mailing import due_of, render
from gateway.config import Config
from gateway.config.model import NotifyTarget
from gateway.judging.blockers import Context, no_webhooks, not_tier1, suspicious
from gateway.mail.text import one_line

SUBJECT_CHARS = 200   # a chat line, not the mail
TITLE_CHARS = 250


def is_url_target(target: str) -> bool:
    """A row's target is one of [notify] urls (not one of the older [notify] webhooks)."""
    return not target.startswith("webhook ")


def target_of(config: Config, label: str) -> NotifyTarget:
    target = config.notify.by_fingerprint(label.rpartition("#")[2])
    if target is None:
        raise ActionFailed(f"{label} is no longer in [notify] urls")
    return target


def shown_subject(subject: str | None) -> str:
    """The mail's subject as a notification shows it: one line, no control characters, short."""
    text = one_line(subject or "")
    return text if len(text) <= SUBJECT_CHARS else text[:SUBJECT_CHARS - 1] + "…"


def clock_facts(config: Config, category: str, deadline: str | None, now: datetime) -> dict[str, Any]:
    """The variables every notification template has: the category and its tag word, the due time."""
    return {"category": category, "tag": config.tag_word(category), **due_of(deadline, config, now)}


def notification(job: Job, template: str, variables: dict[str, Any], *, urgent: bool) -> Notification:
    target = target_of(job.config, job.row["target"])
    title, body = render(job.config.templates_dir / "notify", template, variables)
    return Notification(url=target.url, label=target.label, title=one_line(title)[:TITLE_CHARS], body=body.strip(),
                        urgent=urgent)


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
