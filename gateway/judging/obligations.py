"""The duties a mail puts on the team, one clock each: which category makes which obligation, who
owns it, how its clock is keyed, what stops it, and how a later mail changes it. The table is
data (gateway/data/obligations.toml), read once; the state (gateway.state.clocks) and the
preview (gateway.service.preview) both follow these rules.

Invariants: a category belongs to one obligation at most; obligations never touch each other's
clocks; an order's clock key is `order:<order id>:<obligation>`, an account-health notice's
`account:<reference>`, a case's `case:<case id>`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from gateway.judging import marketplaces
from gateway.judging.verdict import Verdict

CASE = "case"                           # a Seller Central case's clock: its own kind, not in the table
REPLY_TO_BUYER = "reply to buyer"
REPLY_TO_AMAZON = "reply to Amazon"
REPLY_EVENTS = (REPLY_TO_BUYER, REPLY_TO_AMAZON)
CONFIGURED_WINDOW = "configured"


@dataclass(frozen=True)
class Obligation:
    name: str
    label: str                          # for status: "answer buyer", "answer Amazon (claim)"
    owner: str                          # "agent" or "manager"
    key: str                            # "order" or "account"
    categories: tuple[str, ...]         # gravest first
    amazon_deadline: bool
    stopped_by: tuple[str, ...]         # REPLY_TO_BUYER, REPLY_TO_AMAZON, or categories of Amazon's mail
    configured_window: bool             # no window in the rule: stated deadline, else [gateway] account_health_hours

    def graver(self, category: str, than: str) -> bool:
        order = self.categories
        return category in order and (than not in order or order.index(category) < order.index(than))


@cache
def table() -> dict[str, Obligation]:
    data = tomllib.loads(resources.files("gateway.data").joinpath("obligations.toml").read_text("utf-8"))
    return {name: Obligation(name=name, label=entry["label"], owner=entry["owner"], key=entry["key"],
                             categories=tuple(entry["categories"]), amazon_deadline=entry.get("amazon_deadline", False),
                             stopped_by=tuple(entry.get("stopped_by", ())),
                             configured_window=entry.get("window") == CONFIGURED_WINDOW)
            for name, entry in data.items()}


def of_category(category: str) -> Obligation | None:
    return next((duty for duty in table().values() if category in duty.categories), None)


def names() -> tuple[str, ...]:
    return tuple(table())


def label(name: str | None) -> str:
    if name == CASE:
        return "follow the case"
    duty = table().get(name or "")
    return duty.label if duty else "-"


def stopped_by(event: str) -> tuple[str, ...]:
    """The obligations an event stops: a reply (REPLY_TO_BUYER, REPLY_TO_AMAZON) or Amazon's mail of a category."""
    return tuple(name for name, duty in table().items() if event in duty.stopped_by)


def reply_events(recipients: list[str], buyer: str) -> list[str]:
    """What a mail the team sent to `recipients` is, for the clocks: a reply to the buyer (`buyer`,
    who wrote, or any buyer's relay address), to Amazon, or both."""
    events = []
    if any(marketplaces.is_buyer_address(r, buyer) for r in recipients):
        events.append(REPLY_TO_BUYER)
    if any(marketplaces.is_amazon_address(r) and not marketplaces.is_buyer_address(r, buyer) for r in recipients):
        events.append(REPLY_TO_AMAZON)
    return events


def order_key(order_id: str, obligation: str) -> str:
    return f"order:{order_id}:{obligation}"


def clock_for(verdict: Verdict) -> tuple[str, Obligation] | None:
    """The key of the clock a mail opens or updates, and its obligation; None when it makes none
    (suspicious, no obligation, no order or reference to key it by, no deadline)."""
    duty = of_category(verdict.category)
    if verdict.suspicious or duty is None or verdict.deadline is None:
        return None
    if duty.key == "account":
        return (f"account:{verdict.reference}", duty) if verdict.reference else None
    return (order_key(verdict.order_id, duty.name), duty) if verdict.order_id else None


def merged(duty: Obligation, current: tuple[str, datetime], category: str, deadline: datetime) -> tuple[str, datetime]:
    """A clock's (category, deadline) after a later mail of the same obligation: the graver
    category; the earlier deadline, or Amazon's when its mail makes the clock graver."""
    graver = duty.graver(category, current[0])
    later_counts = graver and duty.amazon_deadline
    return (category if graver else current[0]), (deadline if deadline < current[1] or later_counts else current[1])
