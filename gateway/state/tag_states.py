"""What the tag of each tagged copy in an inbox shows of its clock, and a change of it under way.

A tagged mail with a deadline follows a clock: its copy in the inbox first says "open", then
"overdue" once the deadline passed, "answered", "decided" or "resolved" once the clock stopped.
A copy with no row still shows what the first tag wrote ("open"). A change that rewrites the
subject goes in stages, as the first tag does (gateway.intake.following): "appending" (the new
copy may be there), "appended" (it is, at `copy_uid`; the old one at `old_uid` may still be),
"done". How a clock stops is not known here: only its status, deadline and stop reason are read.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from gateway.state import audit, rows


def tag_state_of(clock: dict[str, Any], now: datetime) -> str:
    """The state a tag should show of `clock` (its status, deadline, stop_reason) at `now`."""
    if clock["clock_status"] == "open":
        deadline = clock.get("clock_deadline")
        return "overdue" if deadline and datetime.fromisoformat(deadline) < now else "open"
    reason = (clock.get("stop_reason") or "").lower()
    if "decided" in reason or "decision" in reason:
        return "decided"
    if reason.startswith("reply sent") or "answered" in reason:
        return "answered"
    return "resolved"  # by hand (`resolve`), or Amazon closed the case


def create_schema(db: sqlite_utils.Database) -> None:
    """Inside the caller's transaction."""
    if "tag_states" not in db.table_names():
        db["tag_states"].create(
            {"mailbox": str, "message_key": str, "state": str, "copy_uid": int, "stage": str, "target": str,
             "old_uid": int, "updated_at": str},
            pk=("mailbox", "message_key"),
        )


class TagStates:
    """The tag_states table. Part of State: relies on its connection."""

    db: sqlite_utils.Database

    def tags_to_follow(self, mailbox: str, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
        """The tagged copies of `mailbox` whose tag may lag behind their clock, oldest mail first:
        a change under way, a clock stopped while the tag shows open work, a deadline passed while
        it shows open, a deadline moved later while it shows overdue. Each row: the mail's key,
        category, tier, deadline, arrival, rule, original subject; the first copy's UID (`first_uid`);
        the state shown (`shown`), the change under way (`stage`, `target`, `copy_uid`, `old_uid`);
        the clock (`clock_key`, `clock_status`, `clock_deadline`, `stop_reason`)."""
        stamp = now.astimezone(timezone.utc).isoformat(timespec="seconds")
        return list(self.db.query(
            "SELECT m.key, m.category, m.tier, m.deadline, m.arrival, m.rule, m.case_status, m.original_subject,"
            " t.copy_uid AS first_uid, coalesce(s.state, 'open') AS shown, coalesce(s.stage, 'done') AS stage,"
            " s.target, s.copy_uid, s.old_uid, c.key AS clock_key, c.status AS clock_status,"
            " c.deadline AS clock_deadline, c.stop_reason"
            " FROM tagging t JOIN messages m ON m.key = t.message_key"
            # the clock recording the mail opened, updated or stopped (older states' mails were given theirs
            # when the column was added)
            " JOIN clocks c ON c.key = m.clock"
            " LEFT JOIN tag_states s ON s.mailbox = t.mailbox AND s.message_key = t.message_key"
            " WHERE t.mailbox = :mailbox AND t.stage = 'done' AND t.copy_uid IS NOT NULL"
            " AND m.deadline IS NOT NULL AND coalesce(m.suspicious, 0) = 0"
            " AND (coalesce(s.stage, 'done') != 'done'"
            "  OR (coalesce(s.state, 'open') IN ('open', 'overdue') AND (c.status != 'open'"
            "   OR (coalesce(s.state, 'open') = 'open' AND c.deadline < :now)"
            "   OR (s.state = 'overdue' AND c.deadline >= :now))))"
            " ORDER BY m.arrival LIMIT :limit",
            {"mailbox": mailbox, "now": stamp, "limit": limit}))

    def _tag_row(self, mailbox: str, message_key: str, changes: dict[str, Any]) -> None:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows.upsert(self.db, "tag_states", {"mailbox": mailbox, "message_key": message_key, **changes,
                                                "updated_at": stamp}, ("mailbox", "message_key"))

    def begin_tag_change(self, mailbox: str, message_key: str, shown: str, target: str, old_uid: int | None) -> None:
        """A new copy for `target` is about to be appended; the copy showing `shown` is at `old_uid`."""
        with self.transaction():
            self._tag_row(mailbox, message_key, {"state": shown, "stage": "appending", "target": target,
                                                 "old_uid": old_uid, "copy_uid": None})

    def tag_copy_appended(self, mailbox: str, message_key: str, copy_uid: int) -> None:
        """The new copy is confirmed at `copy_uid`; the old one is still to be moved away."""
        with self.transaction():
            self._tag_row(mailbox, message_key, {"stage": "appended", "copy_uid": copy_uid})

    def finish_tag_change(self, mailbox: str, message_key: str, shown: str, state: str, copy_uid: int | None,
                          detail: dict[str, Any]) -> None:
        """The copy at `copy_uid` (None: gone from the folder) shows `state`; one audit row says so."""
        with self.transaction():
            self._tag_row(mailbox, message_key, {"state": state, "stage": "done", "target": None, "old_uid": None,
                                                 "copy_uid": copy_uid})
            audit.append(self.db, "tag_changed", {"mailbox": mailbox, "from": shown, "to": state, **detail},
                         message_key=message_key)

    def tag_states(self, mailbox: str) -> dict[str, str]:
        """Message key -> the state its copy's tag shows, for the copies whose tag changed."""
        return {row["message_key"]: row["state"] for row in self.db.query(
            "SELECT message_key, state FROM tag_states WHERE mailbox = ? AND stage = 'done'", [mailbox])}
