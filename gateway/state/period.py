"""What the gateway recorded in a period: the figures of the digest's last 7 days.

Every count is over the same span from `since` to `until`, both included, of the gateway's own clock. A mail
counts by when it was recorded (processed_at), not by the arrival its Received or Date header
gives: a backlog read on the first start, or after a week down, is in the week it was read,
as the replies, reminders and escalations it caused are (audit rows carry the time they were
written)."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils


def _stamp(moment: datetime) -> str:
    """Stored times are UTC ISO text, compared as text."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


class Period:
    """Counts over the messages and audit tables. Part of State: relies on its connection."""

    db: sqlite_utils.Database

    def mails_recorded_by_category(self, since: datetime, until: datetime) -> list[tuple[str, int]]:
        """(category, mails) of the mails recorded in the span, the most frequent first."""
        return [(row["category"], row["n"]) for row in self.db.query(
            "SELECT category, count(*) AS n FROM messages WHERE processed_at >= ? AND processed_at <= ?"
            " GROUP BY category ORDER BY n DESC, category", [_stamp(since), _stamp(until)])]

    def mail_counts_recorded(self, since: datetime, until: datetime) -> dict[str, int]:
        """Of the mails recorded in the span: how many (`mails`), of tier 1 (`tier1`), suspicious (`suspicious`)."""
        row = self.db.execute(
            "SELECT count(*), coalesce(sum(tier = 1), 0), coalesce(sum(suspicious = 1), 0) FROM messages"
            " WHERE processed_at >= ? AND processed_at <= ?", [_stamp(since), _stamp(until)]).fetchone()
        return {"mails": row[0], "tier1": row[1], "suspicious": row[2]}

    def audit_counts_between(self, since: datetime, until: datetime, kinds: tuple[str, ...]) -> dict[str, int]:
        """Audit rows of each of `kinds` written in the span; a kind without any is left out."""
        marks = ", ".join("?" * len(kinds))
        return dict(self.db.execute(
            f"SELECT kind, count(*) FROM audit WHERE at >= ? AND at <= ? AND kind IN ({marks}) GROUP BY kind",
            [_stamp(since), _stamp(until), *kinds]).fetchall())
