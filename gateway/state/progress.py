"""How far the gateway got: where each watched folder was read up to, how far tagging in place
got for a mail, and which recipients a relayed mail reached."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from gateway.state import audit, rows


class Progress:
    """The sources, tagging and relayed tables. Part of State: relies on its connection and clocks."""

    db: sqlite_utils.Database

    def source(self, mailbox: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM sources WHERE mailbox = ?", [mailbox]), None)

    def set_source(self, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        with self.transaction():
            rows.upsert(self.db, "sources", {"mailbox": mailbox, "uidvalidity": uidvalidity, "last_uid": last_uid,
                                             "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                        "mailbox")

    def tagging_stage(self, mailbox: str, message_key: str) -> str | None:
        row = next(self.db.query("SELECT stage FROM tagging WHERE mailbox = ? AND message_key = ?", [mailbox, message_key]), None)
        return row["stage"] if row else None

    def finish_tagging(self, mailbox: str, uidvalidity: int, uid: int, message_key: str, copy_uid: int | None) -> None:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.transaction():
            rows.upsert(self.db, "tagging", {"mailbox": mailbox, "message_key": message_key, "stage": "done",
                                             "copy_uid": copy_uid, "updated_at": stamp}, ("mailbox", "message_key"))
            rows.upsert(self.db, "sources", {"mailbox": mailbox, "uidvalidity": uidvalidity, "last_uid": uid,
                                             "updated_at": stamp}, "mailbox")

    def relayed_to(self, direction: str, key: str) -> set[str]:
        return {recipient for recipient, in self.db.execute(
            "SELECT recipient FROM relayed WHERE direction = ? AND key = ?", [direction, key])}

    def mark_relayed(self, direction: str, key: str, recipients: list[str], now: datetime) -> None:
        """`key` reached `recipients`, inside the caller's transaction; known rows are kept."""
        stamp = now.isoformat(timespec="seconds")
        rows.insert_all(self.db, "relayed", [{"direction": direction, "key": key, "recipient": r, "at": stamp}
                                             for r in recipients], ignore=True)

    def record_relayed(self, direction: str, key: str, recipients: list[str], audit_kind: str, detail: dict[str, Any],
                       *, message_key: str | None = None, order_id: str | None = None, case_id: str | None = None,
                       stop_clock: str | None = None, stop_keys: tuple[str, ...] = (), case_reply: bool = False,
                       now: datetime | None = None) -> bool:
        """Recipients reached and the audit row in one transaction; with `stop_clock` (a reason),
        the open clocks of `stop_keys` stop too; with `case_reply`, the case waits for Amazon again
        (its follow-up count starts from this reply). True when a clock was stopped."""
        now = now or datetime.now(timezone.utc)
        ids = {"message_key": message_key, "order_id": order_id, "case_id": case_id, "at": now}
        with self.transaction():
            self.mark_relayed(direction, key, recipients, now)
            audit.append(self.db, audit_kind, detail, **ids)
            if case_reply and case_id:
                self._wait_for_amazon_again(case_id, now)
            if not stop_clock:
                return False
            return sum(self._stop_clock(key, stop_clock, now, ids) for key in stop_keys) > 0
