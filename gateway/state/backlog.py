"""Crises first seen long after they arrived, waiting for their mailbox's backlog report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils


class Backlog:
    """The backlog table. Part of State: relies on its connection."""

    db: sqlite_utils.Database

    def backlog_settled(self, before: datetime) -> dict[str, list[dict[str, Any]]]:
        """The crises not reported yet of every mailbox whose backlog stopped growing `before`
        (the last one recorded no later): mailbox -> crises, each with its mail's subjects and its
        clock's deadline and status, the most urgent first (overdue, then by deadline; none last)."""
        rows = self.db.query(
            "SELECT b.mailbox, b.message_key, b.category, m.subject, m.original_subject, m.order_id, m.case_id,"
            " m.tier, coalesce(m.deadline, c.deadline) AS due, c.status AS clock_status"
            " FROM backlog b JOIN messages m ON m.key = b.message_key"
            " LEFT JOIN clocks c ON c.key = CASE WHEN m.order_id IS NOT NULL THEN 'order:' || m.order_id"
            " ELSE 'case:' || m.case_id END"
            " WHERE b.reported_at IS NULL AND b.mailbox IN (SELECT mailbox FROM backlog WHERE reported_at IS NULL"
            " GROUP BY mailbox HAVING max(recorded_at) <= ?)"
            " ORDER BY b.mailbox, due IS NULL, due, b.recorded_at",
            [before.isoformat(timespec="seconds")])
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
