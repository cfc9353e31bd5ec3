"""A mail the gateway first sees long after it arrived: on the first start on an inbox with
history, or catching up after downtime.

Such a mail is judged as any other: tagged, recorded, its clock opened with its real deadline.
But the actions meant to happen at once (the acknowledgement, the forward, the chat alarm; those
whose HELD_WHEN_LATE is set) are held back: "we will reply within 24 hours" to a buyer the team
answered a week ago, or 900 forwards in a minute, help nobody. The crises among them go to the
escalation addresses as one backlog report per mailbox instead (gateway.actions.report).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from gateway.actions import ACTIONS
from gateway.judging.verdict import Verdict


def age_text(age: timedelta) -> str:
    """'3 h', '2 d 5 h': how long ago, to the hour."""
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24} d {hours % 24} h" if hours >= 48 else f"{hours} h"


def hold_back(verdict: Verdict, now: datetime, fresh_hours: float) -> Verdict:
    """The verdict as run should do it when the gateway sees the mail at `now`: unchanged for a
    fresh mail; for one older than `fresh_hours`, without its HELD_WHEN_LATE actions, which are
    listed in `held_back` and in the trace with the reason."""
    age = now - verdict.arrival
    held = tuple(a for a in verdict.actions if ACTIONS[a.kind].HELD_WHEN_LATE)
    if age <= timedelta(hours=fresh_hours) or not held:
        return verdict
    reason = (f"held back: the mail arrived {age_text(age)} before the gateway saw it, more than [gateway] "
              f"fresh_hours ({fresh_hours:g} h)")
    report = "; its crisis is in the mailbox's backlog report" if verdict.tier == 1 else ""
    return replace(
        verdict,
        actions=tuple(a for a in verdict.actions if not ACTIONS[a.kind].HELD_WHEN_LATE),
        held_back=held,
        trace=verdict.trace + tuple(f"{a.kind}: not done, {reason}{report}" for a in held),
    )
