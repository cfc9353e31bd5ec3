"""nudge: a case waiting for Amazon, silent for [cases] nudge_hours; the team is told to follow
up, and again every nudge_hours. The same template as reopen. Queued by gateway.deadlines.cases."""

from __future__ import annotations

from gateway.actions.reopen import Reopen


class Nudge(Reopen):
    NAME = "nudge"
