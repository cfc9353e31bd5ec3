"""escalate: a tier-1 clock still open at [reminders] escalate_hours before its deadline, to the
second list (escalate_to); the same mail as a reminder step, marked as an escalation."""

from __future__ import annotations

from gateway.actions.remind import Remind


class Escalate(Remind):
    NAME = "escalate"
