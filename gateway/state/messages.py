"""The mails the gateway recorded: a verdict recorded with its clock, audit rows and outbox rows;
mails looked up by key, Message-ID or order; what earlier mail tells about a buyer and an order."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from gateway.judging import marketplaces
from gateway.judging.verdict import Verdict
from gateway.state import audit, rows
from gateway.state.connection import RAW_IN_DATABASE_MAX
from gateway.state.outbox import Queued


class Messages:
    """The messages table. Part of State: relies on its connection, clocks and outbox."""

    db: sqlite_utils.Database
    directory: Path

    def seen(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE key = ?", [key]).fetchone() is not None

    def record(self, verdict: Verdict, raw: bytes, sha256: str, *, queued: tuple[Queued, ...] = (), mailbox: str = "",
               from_address: str = "", now: datetime | None = None, id_domain: str = "crisis-gateway.invalid") -> bool:
        """Record a verdict, its clock, its audit rows and its `queued` outbox rows in one
        transaction; False if already seen."""
        now = now or datetime.now(timezone.utc)
        in_database = len(raw) <= RAW_IN_DATABASE_MAX
        raw_path = None if in_database else str(self.store_raw(raw, sha256).relative_to(self.directory))
        with self.transaction():
            if self.seen(verdict.message_key):
                return False
            if in_database:  # content-addressed, as the files are: the same bytes are kept once
                rows.insert(self.db, "raw_mails", {"sha256": sha256, "raw": raw}, ignore=True)
            clock_event = self._update_clock(verdict, now)  # reads and writes clocks only: the mail's row names it
            rows.insert(self.db, "messages", {
                "key": verdict.message_key, "message_id": verdict.message_id, "sha256": sha256, "mailbox": mailbox,
                "arrival": verdict.arrival.isoformat(), "processed_at": now.isoformat(timespec="seconds"),
                "category": verdict.category, "tier": verdict.tier, "suspicious": int(verdict.suspicious),
                "order_id": verdict.order_id, "case_id": verdict.case_id, "case_status": verdict.case_status,
                "marketplace": verdict.marketplace, "deadline": verdict.deadline.isoformat() if verdict.deadline else None,
                "rule": verdict.rule, "from_address": from_address, "subject": verdict.subject,
                "original_subject": verdict.original_subject, "raw_path": raw_path,
                "clock": clock_event[1]["clock"] if clock_event else None,
            })
            ids = {"message_key": verdict.message_key, "order_id": verdict.order_id, "case_id": verdict.case_id, "at": now}
            audit.append(self.db, "classified", {
                "category": verdict.category, "tier": verdict.tier, "suspicious": verdict.suspicious,
                "rule": verdict.rule, "deadline": verdict.deadline, "subject": verdict.subject, "trace": list(verdict.trace),
            }, **ids)
            if clock_event:
                audit.append(self.db, clock_event[0], clock_event[1], **ids)
            for action in verdict.actions:
                audit.append(self.db, "planned", action.as_dict(), **ids)
            for action in verdict.held_back:
                reason = next((line.split(", ", 1)[1] for line in verdict.trace
                               if line.startswith(f"{action.kind}: not done, ")), "held back")
                audit.append(self.db, "held_back", {**action.as_dict(), "reason": reason}, **ids)
            if verdict.held_back and verdict.tier == 1:
                rows.insert(self.db, "backlog", {"message_key": verdict.message_key, "mailbox": mailbox,
                                                "category": verdict.category,
                                                "recorded_at": now.isoformat(timespec="seconds"), "reported_at": None},
                            ignore=True)
            for job in queued:
                self._enqueue(verdict, job, now, ids, id_domain)
        return True

    def message_by_id(self, message_id: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM messages WHERE message_id = ? ORDER BY arrival DESC LIMIT 1", [message_id]), None)

    def message(self, key: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM messages WHERE key = ?", [key]), None)

    def evidence(self, message: dict[str, Any]) -> list[tuple[dict[str, Any], bytes]]:
        """Every earlier mail about the same order, oldest first, with its bytes."""
        if not message.get("order_id"):
            return []
        rows = self.db.query(
            "SELECT * FROM messages WHERE order_id = ? AND key != ? AND arrival <= ? AND suspicious = 0 ORDER BY arrival, key",
            [message["order_id"], message["key"], message["arrival"]],
        )
        return [(row, self.raw(row)) for row in rows]

    def reply_target_id(self, message: dict[str, Any], buyer: str) -> str | None:
        """The Message-ID an acknowledgement to `buyer` answers: the buyer's latest mail about the order."""
        if message.get("from_address") == buyer:
            return message.get("message_id")
        row = next(self.db.query(
            "SELECT message_id FROM messages WHERE from_address = ? AND coalesce(order_id, '') = ? ORDER BY arrival DESC LIMIT 1",
            [buyer, message.get("order_id") or ""],
        ), None)
        return row["message_id"] if row else None

    # History, for planning: what earlier mail tells about a buyer and an order.
    def buyer_for_order(self, order_id: str) -> str | None:
        for row in self.db.query(
            "SELECT from_address FROM messages WHERE order_id = ? AND suspicious = 0 ORDER BY arrival DESC", [order_id]
        ):
            address = row["from_address"] or ""
            if marketplaces.is_buyer_relay(address.rpartition("@")[2]):
                return address
        return None

    def order_messages(self, order_id: str) -> list[dict[str, Any]]:
        """Every mail recorded about the order, suspicious ones too, oldest first."""
        return list(self.db.query("SELECT * FROM messages WHERE order_id = ? ORDER BY arrival, key", [order_id]))

    def last_case_exchange(self, case_id: str) -> datetime | None:
        """The last mail about the case, Amazon's or the team's reply."""
        stamps = [row["last"] for row in self.db.query(
            "SELECT max(arrival) AS last FROM messages WHERE case_id = ?"
            " UNION ALL SELECT max(at) FROM audit WHERE case_id = ? AND kind = 'reply_sent'", [case_id, case_id],
        ) if row["last"]]
        return max((datetime.fromisoformat(s) for s in stamps), default=None)

    # Counts, for the metrics (the digest's are in period.py).
    def mails_by_category_and_tier(self) -> list[tuple[str | None, int, int]]:
        """(category, tier, mails) of every mail recorded; tier 0 for a mail without one."""
        return self.db.execute(
            "SELECT category, coalesce(tier, 0), count(*) FROM messages GROUP BY category, tier").fetchall()
