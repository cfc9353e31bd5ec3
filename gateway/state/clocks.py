"""The clocks, one per obligation (gateway.judging.obligations) and one per case: opened, updated
or stopped by the mail recorded, stopped by the team's reply or by hand. A mail touches only the
clock of its own obligation; Amazon's decision stops only the claim's."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import sqlite_utils

from gateway.judging import obligations
from gateway.judging.verdict import Verdict
from gateway.state import audit, rows

CASE_CLOSED = "Amazon closed the case"
# A case clock's status between Amazon's mails: "opened" and "answered" come from Amazon's mail
# (see classify), "replied" is set when the team writes to Amazon about the case.
CASE_REPLIED = "replied"
WAITING_FOR_AMAZON = ("opened", CASE_REPLIED)


def first_reply_after(db: sqlite_utils.Database, order_id: str, arrival: datetime,
                      answers: Callable[[dict[str, Any]], bool]) -> tuple[str, dict[str, Any]] | None:
    """The first reply the team sent about the order at or after `arrival` (its `sent_at`, else
    when it was recorded: through the outbound relay that is when it went) for which
    `answers(detail)`: (when it was sent, in UTC; the audit row's detail), or None."""
    for reply in audit.replies_about_order(db, order_id):
        detail = reply["detail"]
        sent = datetime.fromisoformat(detail.get("sent_at") or reply["at"])
        sent = sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc)  # a stamp without its offset: UTC
        if sent >= arrival and answers(detail):
            return sent.astimezone(timezone.utc).isoformat(timespec="seconds"), detail
    return None


class Clocks:
    """The clocks table. Part of State: relies on its connection."""

    db: sqlite_utils.Database


    def _wait_for_amazon_again(self, case_id: str, now: datetime) -> None:
        """The team wrote to Amazon about the case, inside the caller's transaction: its open clock
        waits for Amazon again."""
        self.db.execute("UPDATE clocks SET case_status = ?, updated_at = ? WHERE key = ? AND status = 'open'",
                        [CASE_REPLIED, now.isoformat(timespec="seconds"), f"case:{case_id}"])

    def stop_clock(self, key: str, reason: str, now: datetime, **detail: Any) -> bool:
        """Stop an open clock by hand (`crisis-gateway resolve`); False when none is open."""
        with self.transaction():
            return self._stop_clock(key, reason, now, None, detail)

    def _stop_clock(self, key: str, reason: str, now: datetime, ids: dict[str, Any] | None,
                    detail: dict[str, Any] | None = None) -> bool:
        """`ids` for the audit row; None: those of the clock itself."""
        clock = self.clock(key)
        if clock is None:
            return False
        if ids is None:
            ids = {"message_key": clock.get("last_message_key"), "order_id": clock.get("order_id"),
                   "case_id": clock.get("case_id"), "at": now}
        stamp = now.isoformat(timespec="seconds")
        if clock["status"] != "open":
            if clock.get("stop_reason") != CASE_CLOSED:
                return False
            # a case Amazon closed, confirmed as fixed: its reopen window needs no reminder any more
            self.db["clocks"].update(key, {"stop_reason": reason, "updated_at": stamp})
        else:
            self.db["clocks"].update(key, {"status": "stopped", "stopped_at": stamp, "stop_reason": reason, "updated_at": stamp})
        audit.append(self.db, "clock_stopped", {"reason": reason, "category": clock["category"], "clock": key,
                                                "obligation": clock.get("obligation"), **(detail or {})}, **ids)
        return True

    def _update_clock(self, verdict: Verdict, now: datetime) -> tuple[str, dict[str, Any]] | None:
        stamp = now.isoformat(timespec="seconds")
        if verdict.suspicious:
            return None
        if verdict.case_id and verdict.category == "case":
            key = f"case:{verdict.case_id}"
            existing = self.clock(key)
            closed = verdict.case_status == "closed"
            row = {"key": key, "category": "case", "obligation": obligations.CASE, "tier": verdict.tier,
                   "case_id": verdict.case_id,
                   "case_status": verdict.case_status or (existing or {}).get("case_status"), "updated_at": stamp,
                   "last_message_key": verdict.message_key, "status": "stopped" if closed else "open",
                   # when Amazon closed it: the reopen window counts from there
                   "stopped_at": verdict.arrival.isoformat() if closed else None,
                   "stop_reason": CASE_CLOSED if closed else None}
            if existing is None:
                row["opened_at"] = verdict.arrival.isoformat()
                row["seen_at"] = stamp
            rows.upsert(self.db, "clocks", row, "key")
            return "case", {"case_status": row["case_status"], "clock": key}
        if verdict.order_id:
            for name in obligations.stopped_by(verdict.category):
                key = obligations.order_key(verdict.order_id, name)
                existing = self.clock(key)
                if existing and existing["status"] == "open":
                    reason = "Amazon decided the claim" if verdict.category == "atoz_decision" else f"Amazon's {verdict.category}"
                    rows.upsert(self.db, "clocks", {"key": key, "status": "stopped", "stopped_at": stamp,
                                                    "stop_reason": reason, "updated_at": stamp,
                                                    "last_message_key": verdict.message_key}, "key")
                    return "clock_stopped", {"reason": reason, "clock": key, "obligation": name}
        target = obligations.clock_for(verdict)
        if target is None or verdict.deadline is None:
            return None
        key, duty = target
        existing = self.clock(key)
        deadline = verdict.deadline.isoformat()
        if existing is None or existing["status"] != "open":
            answer = self._answered_already(key, verdict.order_id, verdict.arrival)
            rows.upsert(self.db, "clocks", {
                "key": key, "category": verdict.category, "tier": verdict.tier, "order_id": verdict.order_id,
                "case_id": verdict.case_id if duty.key == "account" else None, "obligation": duty.name,
                "opened_at": verdict.arrival.isoformat(), "deadline": deadline, "status": "stopped" if answer else "open",
                "stopped_at": answer[0] if answer else None, "stop_reason": answer[1] if answer else None,
                "updated_at": stamp, "last_message_key": verdict.message_key, "seen_at": stamp,
            }, "key")
            event = {"category": verdict.category, "deadline": deadline, "clock": key, "obligation": duty.name}
            return ("clock_opened", event) if answer is None else ("clock_stopped", {**event, "reason": answer[1]})
        category, new_deadline = obligations.merged(
            duty, (existing["category"], datetime.fromisoformat(existing["deadline"])), verdict.category, verdict.deadline)
        changes: dict[str, Any] = {"updated_at": stamp, "last_message_key": verdict.message_key}
        if category != existing["category"]:
            changes.update(category=category, tier=verdict.tier)
        if new_deadline != datetime.fromisoformat(existing["deadline"]):
            changes["deadline"] = new_deadline.isoformat()
        rows.upsert(self.db, "clocks", {"key": key, **changes}, "key")  # the row is there: only `changes` change
        shown = {k: v for k, v in changes.items() if k in ("category", "deadline")} or {"unchanged": True}
        return "clock_updated", {**shown, "clock": key, "obligation": duty.name}

    def _answered_already(self, key: str, order_id: str | None, arrival: datetime) -> tuple[str, str] | None:
        """A reply the team sent after this mail arrived that stands for clock `key`, recorded
        before the mail was (the Sent folder's backlog read ahead of the inbox's): (when it was
        sent, in UTC; the reason it stops the clock), or None."""
        if not order_id:
            return None
        found = first_reply_after(self.db, order_id, arrival,
                                  lambda detail: key in (detail.get("stops") or []) and bool(detail.get("stop_reason")))
        return (found[0], found[1]["stop_reason"]) if found else None

    def clock(self, key: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM clocks WHERE key = ?", [key]), None)

    def order_clocks(self, order_id: str) -> list[dict[str, Any]]:
        """Every clock of an order, open or stopped, each with its obligation; in the table's order of obligations."""
        rows = list(self.db.query("SELECT * FROM clocks WHERE order_id = ? AND key LIKE 'order:%'", [order_id]))
        rank = {name: n for n, name in enumerate(obligations.names())}
        return sorted(rows, key=lambda row: rank.get(row.get("obligation") or "", len(rank)))

    def open_clocks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM clocks WHERE status = 'open' ORDER BY deadline IS NULL, deadline"))

    def open_clock_subjects(self) -> dict[str, str]:
        """The key of each open clock and the original subject of the last mail about it."""
        return {row["key"]: row["subject"] for row in self.db.query(
            "SELECT c.key, m.original_subject AS subject FROM clocks c JOIN messages m ON m.key = c.last_message_key"
            " WHERE c.status = 'open'")}

    def cases_waiting_for_amazon(self) -> list[dict[str, Any]]:
        """Open case clocks waiting for Amazon, the oldest first, each with the original subject of
        its last mail (`subject`, None when that mail is unknown)."""
        return list(self.db.query(
            "SELECT c.*, m.original_subject AS subject FROM clocks c LEFT JOIN messages m ON m.key = c.last_message_key"
            " WHERE c.key LIKE 'case:%' AND c.status = 'open' AND c.case_status IN (?, ?) ORDER BY c.opened_at",
            list(WAITING_FOR_AMAZON),
        ))

    def cases_closed_or_waiting(self) -> list[dict[str, Any]]:
        """The case clocks Amazon closed (and nobody confirmed as fixed since) and the open ones
        waiting for Amazon: those a reopen reminder or a follow-up nudge can be for."""
        return list(self.db.query(
            "SELECT * FROM clocks WHERE key LIKE 'case:%'"
            " AND ((status = 'stopped' AND stop_reason = ? AND stopped_at IS NOT NULL)"
            " OR (status = 'open' AND case_status IN (?, ?)))", [CASE_CLOSED, *WAITING_FOR_AMAZON],
        ))

    def deadlines_missed(self, since: datetime, until: datetime) -> int:
        """Deadlines from `since` to `until` that passed with the clock still open, or stopped only after them."""
        return self.db.execute(
            "SELECT count(*) FROM clocks WHERE deadline >= ? AND deadline < ?"
            " AND (status = 'open' OR stopped_at > deadline)",
            [since.isoformat(timespec="seconds"), until.isoformat(timespec="seconds")]).fetchone()[0]

    def open_clocks_by_obligation(self) -> list[tuple[str, int]]:
        """(obligation, open clocks) per obligation ("case" for a case's clock)."""
        return self.db.execute(
            "SELECT coalesce(obligation, 'none'), count(*) FROM clocks WHERE status = 'open' GROUP BY obligation").fetchall()

    def open_clocks_by_tier(self) -> list[tuple[int, int]]:
        """(tier, open clocks) per tier; 0 for a clock without one."""
        return self.db.execute(
            "SELECT coalesce(tier, 0), count(*) FROM clocks WHERE status = 'open' GROUP BY tier").fetchall()

    def overdue_clock_count(self, now: datetime) -> int:
        return self.db.execute(
            "SELECT count(*) FROM clocks WHERE status = 'open' AND deadline IS NOT NULL AND deadline < ?",
            [now.isoformat(timespec="seconds")]).fetchone()[0]
