"""Blockers: small named checks that each say why an action must not run for this mail.

Each action (gateway.actions) names the blockers that apply to it. The first blocker that
speaks drops the action and leaves its reason in the trace. RFC 3834 is the source of the
acknowledgement blockers.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Protocol

from gateway.config import Config
from gateway.judging.facts import MailFacts
from gateway.mail.headers import X_LOOP

if TYPE_CHECKING:  # rules name the actions, whose blockers are here
    from gateway.judging.rules import Rule

# Amazon's own senders never read a reply; RFC 3834 also rules out daemons.
SYSTEM_SENDERS = (
    "no-reply@*", "noreply@*", "donotreply@*", "do-not-reply@*", "*-no-reply@*", "*-noreply@*",
    "atoz-guarantee-no-reply@*", "cb-seller-*@*", "seller-performance*@*", "mailer-daemon@*", "postmaster@*",
)
BULK_PRECEDENCE = {"bulk", "junk", "list"}


class History(Protocol):
    """What the state knows of earlier mail; None when classifying without a state."""

    def buyer_for_order(self, order_id: str) -> str | None: ...

    def acknowledged_since(self, buyer: str, order_id: str | None, since: datetime) -> str | None: ...


@dataclass(frozen=True)
class Context:
    facts: MailFacts
    config: Config
    tier: int | None
    suspicious: bool
    category: str = "other"
    order_id: str | None = None
    now: datetime | None = None
    history: History | None = None
    # what the actions plan with: the rule that matched, the deadline, the buyer's language and
    # the pattern of the gateway's own subject tags
    rule: Rule | None = None
    deadline: datetime | None = None
    language: str | None = None
    tag_pattern: re.Pattern[str] | None = None
    arrival: datetime | None = None

    @property
    def ack_target(self) -> str | None:
        """The buyer to acknowledge: the sender when a buyer wrote through Amazon's relay; for an
        A-to-z claim (sent by Amazon's no-reply address) the buyer's relay address known from
        earlier mail about the same order."""
        if "buyer_relay" in self.facts.sender_classes:
            return self.facts.mail.from_address
        if self.category == "atoz_claim" and self.order_id and self.history is not None:
            return self.history.buyer_for_order(self.order_id)
        return None


Blocker = Callable[[Context], str | None]


def suspicious(ctx: Context) -> str | None:
    return "mail is suspicious" if ctx.suspicious else None


def not_tier1(ctx: Context) -> str | None:
    return None if ctx.tier == 1 else "only tier-1 crises are escalated"


def no_escalation_addresses(ctx: Context) -> str | None:
    return None if ctx.config.escalation_addresses(ctx.category) else "no [escalation] tier1 addresses configured"


def no_webhooks(ctx: Context) -> str | None:
    return None if ctx.config.webhooks or ctx.config.notify.for_arrival() else "no [notify] webhooks or urls configured"


def no_buyer_address(ctx: Context) -> str | None:
    if ctx.ack_target:
        return None
    sender = ctx.facts.mail.from_address or "(none)"
    if ctx.category == "atoz_claim":
        return f"sender {sender} is Amazon's; no buyer address known for order {ctx.order_id}"
    return f"sender {sender} is not a buyer relay address"


def system_sender(ctx: Context) -> str | None:
    address = ctx.ack_target or ""
    hit = next((p for p in SYSTEM_SENDERS if fnmatch.fnmatchcase(address, p)), None)
    return f"{address} is an automated address ({hit})" if hit else None


def null_sender(ctx: Context) -> str | None:
    return_path = ctx.facts.mail.header("Return-Path").strip()
    if return_path == "<>" or not ctx.facts.mail.from_address:
        return "null sender"
    return None


def auto_submitted(ctx: Context) -> str | None:
    value = ctx.facts.mail.auto_submitted
    return f"Auto-Submitted: {value}" if value else None


def bulk_precedence(ctx: Context) -> str | None:
    value = ctx.facts.mail.header("Precedence").strip().lower()
    return f"Precedence: {value}" if value in BULK_PRECEDENCE else None


def list_mail(ctx: Context) -> str | None:
    names = [n for n in ctx.facts.mail.header_names() if n.lower().startswith("list-")]
    return f"mailing-list header {names[0]}" if names else None


def delivery_report(ctx: Context) -> str | None:
    return "delivery or read report (multipart/report)" if ctx.facts.mail.content_type == "multipart/report" else None


def our_loop(ctx: Context) -> str | None:
    loops = [v for v in ctx.facts.mail.header_all("X-Loop") if X_LOOP in v.lower()]
    return "our own X-Loop header: sent by this gateway" if loops else None


def already_acknowledged(ctx: Context) -> str | None:
    if ctx.history is None or ctx.now is None or not ctx.ack_target:
        return None
    window = timedelta(hours=ctx.config.acknowledge.window_hours)
    when = ctx.history.acknowledged_since(ctx.ack_target, ctx.order_id, ctx.now - window)
    return f"{ctx.ack_target} already acknowledged at {when} (window {ctx.config.acknowledge.window_hours:g} h)" if when else None


def first_blocker(blockers: tuple[Blocker, ...], ctx: Context) -> str | None:
    """The reason of the first blocker that speaks, or None when the action may run."""
    for blocker in blockers:
        reason = blocker(ctx)
        if reason:
            return reason
    return None
