"""Crises first seen long after they arrived, waiting for their mailbox's backlog report."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from gateway.state import rows

# a long read that has not moved for this long (the server went away, the mailbox left the
# configuration) no longer holds its mailbox's report back
READ_STALLED = timedelta(minutes=10)


class Backlog:
    """The backlog table. Part of State: relies on its connection."""

    db: sqlite_utils.Database

    def backlog_settled(self, before: datetime) -> dict[str, list[dict[str, Any]]]:
        """The crises not reported yet of every mailbox whose backlog stopped growing `before`
        (the last one recorded no later) and whose long read is over: mailbox -> crises, each with
        its mail's subjects and its clock's deadline and status, the most urgent first (overdue,
        then by deadline; none last)."""
        rows = self.db.query(
            "SELECT b.mailbox, b.message_key, b.category, m.subject, m.original_subject, m.order_id, m.case_id,"
            " m.tier, coalesce(m.deadline, c.deadline) AS due, c.status AS clock_status"
            " FROM backlog b JOIN messages m ON m.key = b.message_key"
            " LEFT JOIN clocks c ON c.key = m.clock"
            " WHERE b.reported_at IS NULL AND b.mailbox IN (SELECT mailbox FROM backlog WHERE reported_at IS NULL"
            " GROUP BY mailbox HAVING max(recorded_at) <= ?)"
            " AND b.mailbox NOT IN (SELECT mailbox FROM reading WHERE touched > ?)"
            " ORDER BY b.mailbox, due IS NULL, due, b.recorded_at",
            [before.isoformat(timespec="seconds"), (before - READ_STALLED).isoformat(timespec="seconds")])
        found: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            row["deadline"] = row.pop("due")
            found.setdefault(row["mailbox"], []).append(row)
        return found

    def mark_reported(self, message_keys: list[str], now: datetime) -> None:
        """Inside the caller's transaction, with the report's outbox row."""
        stamp = now.isoformat(timespec="seconds")
        for key in message_keys:
            self.db["backlog"].update(key, {"reported_at": stamp})

    def in_backlog(self, clock: dict[str, Any]) -> bool:
        """Whether a mail of the clock was first seen late (it is, or will be, in a backlog report)."""
        return next(self.db.query(
            "SELECT 1 FROM backlog b JOIN messages m ON m.key = b.message_key WHERE m.clock = ? LIMIT 1", [clock["key"]]),
            None) is not None

    def reading(self, mailbox: str, under_way: bool) -> None:
        """A long read of the mailbox starts or goes on (its report waits), or is over."""
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.transaction():
            if not under_way:
                self.db.execute("DELETE FROM reading WHERE mailbox = ?", [mailbox])
            elif self.db.execute("UPDATE reading SET touched = ? WHERE mailbox = ?", [stamp, mailbox]).rowcount == 0:
                rows.insert(self.db, "reading", {"mailbox": mailbox, "started_at": stamp, "touched": stamp})
