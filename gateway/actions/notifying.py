"""What the notifications to [notify] urls say, from templates/notify/: a title and a few short
lines (category, order, due time in the [gateway] timezone, the mail's subject, what to do).

An outbox row names its target by label ("chat #1a2b3c4d"); the URL is found by the label's
fingerprint only when the notification is made, so a queued row still reaches its target after
the list was reordered, and is dead-lettered, never sent elsewhere, once its URL is gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.actions.base import ActionFailed, Job, Notification
from gateway.actions.mailing import due_of, render
from gateway.config import Config
from gateway.config.model import NotifyTarget
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
