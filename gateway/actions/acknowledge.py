"""acknowledge: the immediate reply to a buyer, in the buyer's language; English when no
template fits. RFC 3834: Auto-Submitted: auto-replied, In-Reply-To/References of the buyer's own
mail, and never to automated senders, lists, bulk mail or our own loop (the blockers)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import common_fields, render, reply_fields, text_mail
from gateway.config import Config
from gateway.judging import blockers
from gateway.judging.blockers import Context
from gateway.mail.headers import address_field
from gateway.mail.parse import parse_mail

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|odp|ynt|r|rif|antw|ref|回复|答复|رد)\s*:\s*)+", re.I)


class Acknowledge(Action):
    NAME = "acknowledge"
    FROM_RULES = True
    BLOCKERS = (
        blockers.suspicious, blockers.no_buyer_address, blockers.system_sender, blockers.null_sender,
        blockers.auto_submitted, blockers.bulk_precedence, blockers.list_mail, blockers.delivery_report,
        blockers.our_loop, blockers.already_acknowledged,
    )
    NEEDS_MESSAGE = True
    HELD_WHEN_LATE = True
    URGENCY = Urgency.REPLY
    REPEATED = "already acknowledged"

    def plan(self, ctx: Context) -> dict[str, Any]:
        return {"to": ctx.ack_target, "language": ctx.language or "en"}

    def repeat_window(self, config: Config) -> timedelta:
        # classify without a state cannot know what was sent: the recording transaction decides
        return timedelta(hours=config.acknowledge.window_hours)

    def compose(self, job: Job) -> Outgoing:
        config, row, message = job.config, job.row, job.message
        assert config.smtp is not None and message is not None
        language = job.payload.get("language") or "en"
        directory = config.templates_dir / "acknowledge"
        if not (directory / f"{language}.txt.j2").exists():
            language = "en"
        parsed = parse_mail(job.raw())
        # The relay writes the buyer as "Name - Amazon Marketplace"; only the name is theirs.
        buyer_name = parsed.from_name.split(" - ")[0].strip() if parsed.from_address == row["target"] and " - " in parsed.from_name else ""
        subject, body = render(directory, f"{language}.txt.j2", dict(
            buyer_name=buyer_name, order_id=message.get("order_id") or "", shop_name=config.acknowledge.shop_name,
            reply_within_hours=config.acknowledge.reply_within_hours,
            original_subject=_REPLY_PREFIX.sub("", message["original_subject"]),
        ))
        fields = [
            address_field("From", config.acknowledge.shop_name, config.smtp.sender),
            ("To", row["target"]),
            ("Subject", subject),
            *common_fields(row["message_id"], job.now),
            ("Auto-Submitted", "auto-replied"),
        ]
        fields += reply_fields(job.reply_target(row["target"]))
        return Outgoing(config.smtp.sender, [row["target"]], text_mail(fields, body))
