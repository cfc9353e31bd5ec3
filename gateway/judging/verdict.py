"""What the gateway decided about one mail: the contract of `classify --json`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Action:
    kind: str                      # tag, forward, acknowledge, notify
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.detail}


@dataclass(frozen=True)
class Verdict:
    message_key: str
    message_id: str | None
    category: str
    tier: int | None
    suspicious: bool
    verified: str
    order_id: str | None
    case_id: str | None
    case_status: str | None
    marketplace: str | None
    language: str | None
    arrival: datetime
    deadline: datetime | None
    original_subject: str
    subject: str
    actions: tuple[Action, ...]
    rule: str | None
    trace: tuple[str, ...]
    # what was wrong with the mail (gateway.mail.parse.Defects), computed when `defects` is read
    defects_of: Callable[[], tuple[str, ...]] = field(default=tuple, compare=False, repr=False)
    held_back: tuple[Action, ...] = ()  # actions not run: the mail was seen too late (see freshness)
    # an account-health notice's own reference (ASIN, case id, else one derived from its subject):
    # the key of its clock, so a second mail about the same notice updates the same clock
    reference: str | None = None

    @property
    def defects(self) -> tuple[str, ...]:
        return self.defects_of()

    def action(self, kind: str) -> Action | None:
        return next((a for a in self.actions if a.kind == kind), None)

    def as_json(self, file: str | None = None) -> dict[str, Any]:
        return {
            "file": file,
            "message_id": self.message_id,
            "category": self.category,
            "tier": self.tier,
            "suspicious": self.suspicious,
            "verified": self.verified,
            "order_id": self.order_id,
            "case_id": self.case_id,
            "case_status": self.case_status,
            "marketplace": self.marketplace,
            "language": self.language,
            "arrival": self.arrival.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "subject": self.subject,
            "original_subject": self.original_subject,
            "actions": [a.as_dict() for a in self.actions],
            "rule": self.rule,
            "trace": list(self.trace),
            "defects": list(self.defects),
            "held_back": [a.as_dict() for a in self.held_back],
        }
