"""How fast, and in what order, the outbox lets mail out through [smtp].

- The send limit: at most [smtp] max_per_minute mails in any 60 seconds, counted over the outbox
  table (done, or being sent), so a restart or a second runner (`outbox run` beside the daemon)
  does not start a fresh burst.
- The smarthost's pause: when it asks to slow down (a Throttled answer), no mail is tried until
  the time kept in the throttled row; the pause doubles while the requests go on (1 min, 2, 4,
  8, then 15 at most) and starts over at a minute once a mail went through.
- The order: by the urgency of each row's action, oldest first within one.

Everything is read from the state, never kept only in a runner's memory: every process, and
`outbox list`, see the same limit and the same pause. Webhook requests are not mail: neither
holds them back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gateway.actions import ACTIONS
from gateway.actions.base import Action
from gateway.config import Config
from gateway.state import State
from gateway.state.outbox import SendLimit

WINDOW = timedelta(seconds=60)
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(minutes=15)
MAIL_KINDS = tuple(name for name, action in ACTIONS.items() if action.CHANNEL == "mail")

NO_SMTP = "no [smtp]: waits until one is configured"


def urgency(row: dict[str, Any]) -> tuple[int, str, int]:
    """A row's place in the queue: its action's rank, then oldest first."""
    action = ACTIONS.get(row["kind"])
    return (action.URGENCY if action is not None else Action.URGENCY, row["created_at"], row["id"])


def by_urgency(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=urgency)


def sends_mail(row: dict[str, Any]) -> bool:
    """The row's action makes a mail for [smtp] (not a webhook request, not an unknown kind)."""
    return row["kind"] in MAIL_KINDS


def slowed_down(until: datetime, words: str) -> str:
    return f"the smarthost asked to slow down, until {until:%H:%M:%S %Z}: {words}"


class Pace:
    """What holds mail back at a given time, asked of the state each time."""

    def __init__(self, config: Config, state: State) -> None:
        self.config, self.state = config, state
        self.per_minute = config.smtp.send_limit if config.smtp else 0

    def limit(self, now: datetime) -> SendLimit | None:
        """The mails that count toward the send limit at `now`; None: no limit. Stamps are whole
        seconds: a mail stamped 10:00:00 may have left at 10:00:00.9, so it counts up to 10:01:00
        included, and the next one leaves more than 60 seconds after it."""
        return SendLimit(MAIL_KINDS, now - WINDOW, now, self.per_minute) if self.per_minute else None

    def room(self, now: datetime) -> int | None:
        """How many more mails may go now; None: any number."""
        limit = self.limit(now)
        return None if limit is None else max(0, limit.most - self.state.mail_sent(limit))

    @property
    def limited(self) -> str:
        return f"the send limit: {self.per_minute} mails a minute ([smtp] max_per_minute)"

    def held(self, now: datetime) -> str | None:
        """Why no mail may go now: no [smtp], the smarthost's pause, the send limit; None when one may."""
        if self.config.smtp is None:
            return NO_SMTP
        paused = self.state.outbox_paused(now)
        if paused is not None:
            return slowed_down(*paused)
        return self.limited if self.room(now) == 0 else None

    def pause_after_throttle(self, now: datetime) -> timedelta:
        """How long no mail is tried after the smarthost asked to slow down at `now`: twice the
        last pause while no mail went through since it was asked for, else a minute; 15 minutes at most."""
        last = self.state.last_outbox_throttle()
        if last is None:
            return FIRST_PAUSE
        asked, until = last
        if now - until > LONGEST_PAUSE or self.state.mail_done_since(MAIL_KINDS, asked):
            return FIRST_PAUSE
        return min(LONGEST_PAUSE, max(FIRST_PAUSE, 2 * (until - asked)))
