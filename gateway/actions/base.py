"""What every action is: a small named class, found by its NAME in the table of gateway.actions.

An action has two sides. Planning (while a mail is judged): the blockers that may drop it, and
what it is aimed at (`plan`, `targets`). Doing (when the outbox runs it): what it makes, a mail, a
webhook request or an Apprise notification (`compose`), from the outbox row and what the runner
looks up for it (a `Job`).
An action never sends or writes anything itself: the runner sends what it makes through its
CHANNEL, so an action is pure and its tests need no server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any, ClassVar, Protocol

from gateway.config import Config
from gateway.judging.blockers import Blocker, Context


@dataclass(frozen=True)
class Outgoing:
    """A mail to send through [smtp]."""

    sender: str
    recipients: list[str]
    data: bytes


@dataclass(frozen=True)
class Request:
    """A JSON POST to a webhook."""

    url: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Notification:
    """A short message to one of [notify] urls, sent through Apprise. `label` names the target
    wherever the result is written; the URL never leaves this object."""

    url: str = field(repr=False)
    label: str
    title: str
    body: str
    urgent: bool = False                # Apprise's "failure" type (red in chat, high severity on pagers)


class Urgency(IntEnum):
    """How soon an action should go when more mail waits than [smtp] max_per_minute lets out:
    the outbox sends the lowest first, and within one, the oldest first."""

    CRISIS = 0      # a fresh tier-1 crisis: forward, notify
    REPLY = 1       # the buyer's acknowledgement
    DUE = 2         # the team reminded of what comes due: remind, escalate, nudge, reopen, warn
    REPORT = 3      # a report of what was found (a backlog)
    DIGEST = 4      # the daily digest


class ActionFailed(Exception):
    """The action cannot be done as queued (its mail is gone, its webhook was removed): trying
    again would not help, so the runner dead-letters it."""


class Job(Protocol):
    """One outbox row as the runner hands it to `compose`, with what the state knows about it."""

    row: dict[str, Any]
    config: Config
    now: datetime

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def message(self) -> dict[str, Any] | None: ...

    def raw(self) -> bytes: ...

    def evidence(self) -> list[tuple[dict[str, Any], bytes]]: ...

    def queued(self, kind: str) -> list[dict[str, Any]]: ...

    def audit(self, *kinds: str) -> list[dict[str, Any]]: ...

    def reply_target(self, buyer: str) -> str | None: ...


class Action:
    NAME: ClassVar[str]
    FROM_RULES: ClassVar[bool] = False      # a rule's `actions = [...]` may name it
    # how what it makes leaves: "mail" through [smtp] (waits in the outbox while there is no
    # [smtp]), "webhook" as an HTTP request, "source" applied by the mail's source itself (the
    # tagged copy in the inbox or the relay), never queued
    CHANNEL: ClassVar[str] = "mail"
    BLOCKERS: ClassVar[tuple[Blocker, ...]] = ()
    NEEDS_MESSAGE: ClassVar[bool] = False   # about a recorded mail, dead-lettered if it is gone
    REPEATED: ClassVar[str] = "already queued"  # why a repeat within repeat_window is skipped
    # held back for a mail the gateway first sees more than [gateway] fresh_hours after it arrived
    # (gateway.judging.freshness): an "immediate" reply or alarm that late is noise
    HELD_WHEN_LATE: ClassVar[bool] = False
    # its rank when the send limit holds mail back; an action that names none ranks with the
    # reminders: behind what a crisis and a buyer need at once, ahead of reports and digests
    URGENCY: ClassVar[int] = Urgency.DUE

    def plan(self, ctx: Context) -> dict[str, Any]:
        """The action's detail in the verdict (`classify --json`): what it will do, and to whom."""
        raise NotImplementedError(f"{self.NAME} is not planned from rules")

    def targets(self, detail: dict[str, Any]) -> list[str]:
        """One outbox row per target: the detail's `to`, a list of addresses in one row."""
        to = detail.get("to")
        return [",".join(to) if isinstance(to, list) else str(to)]

    def repeat_window(self, config: Config) -> timedelta | None:
        """Queued at most once per target and order within this window; None: no such limit."""
        return None

    def compose(self, job: Job) -> Outgoing | Request | Notification:
        raise NotImplementedError
