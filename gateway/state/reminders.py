"""The steps of the clocks' reminder ladders that fired: each once per series (an opening of the
clock, Amazon's close of a case, the last exchange about it), sent or skipped."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from gateway.state import rows


class Reminders:
    """The reminders table. Part of State: relies on its connection."""

    db: sqlite_utils.Database

    def reminder_steps_done(self, clock_key: str, series: str) -> set[tuple[str, float]]:
        """(kind, hours) of each step already recorded for the clock in `series`."""
        return {(row["kind"], row["hours"]) for row in self.db.query(
            "SELECT kind, hours FROM reminders WHERE clock_key = ? AND opened_at = ?", [clock_key, series])}

    def record_reminder_step(self, clock_key: str, series: str, kind: str, hours: float, *, status: str,
                             due_at: datetime, fired_at: datetime, late: bool) -> None:
        """One step ("sent" or "skipped"), inside the caller's transaction: it never fires again for this `series`."""
        rows.insert(self.db, "reminders", {
            "clock_key": clock_key, "opened_at": series, "kind": kind, "hours": hours, "status": status,
            "due_at": due_at.isoformat(timespec="seconds"), "fired_at": fired_at.isoformat(timespec="seconds"),
            "late": int(late),
        })
