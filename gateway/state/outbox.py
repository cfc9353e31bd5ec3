"""The outbox queue: rows queued in the transaction that decides them, and what the queue holds.
Running the queue is gateway/outgoing's job."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from gateway.judging.verdict import Verdict
from gateway.state import audit, rows


@dataclass(frozen=True)
class Queued:
    """An outbox row a verdict queues: one action to one target. With `once_since`, it is not
    queued when the same action to the same target about the same order was queued since then;
    the skip is recorded with `repeated` ("already acknowledged") as its reason."""

    kind: str
    target: str
    payload: dict[str, Any]
    once_since: datetime | None = None
    repeated: str = "already queued"


def _marks(values: tuple[str, ...]) -> str:
    """The placeholders of an IN (...) list of these values."""
    return ", ".join("?" * len(values))


@dataclass(frozen=True)
class SendLimit:
    """At most `most` mails of `kinds` done or being sent between `since` and `until`: the send
    limit, counted in the table so that every process (the daemon, an `outbox run`) and a
    restart see the same mails."""

    kinds: tuple[str, ...]
    since: datetime
    until: datetime
    most: int

    def where(self) -> tuple[str, list[str]]:
        """The condition on an outbox row that counts toward the limit, and its parameters. A row
        still "sending" counts from when it was claimed: another process may be handing it over now."""
        since, until = self.since.isoformat(timespec="seconds"), self.until.isoformat(timespec="seconds")
        return (f"kind IN ({_marks(self.kinds)}) AND (done_at BETWEEN ? AND ?"
                " OR status = 'sending' AND updated_at BETWEEN ? AND ?)", [*self.kinds, since, until, since, until])


class Outbox:
    """The outbox table. Part of State: relies on its connection."""

    db: sqlite_utils.Database

    def _enqueue(self, verdict: Verdict, job: Queued, now: datetime, ids: dict[str, Any], id_domain: str) -> None:
        if job.once_since is not None:
            earlier = self.queued_since(job.kind, job.target, verdict.order_id, job.once_since)
            if earlier:
                # classify without a state cannot know; the transaction here decides.
                audit.append(self.db, "skipped", {"kind": job.kind, "to": job.target, "reason": f"{job.repeated} at {earlier}"}, **ids)
                return
        self.enqueue(f"{verdict.message_key}|{job.kind}|{job.target}", job.kind, job.target, job.payload,
                     message_key=verdict.message_key, order_id=verdict.order_id, now=now, id_domain=id_domain)

    def enqueue(self, key: str, kind: str, target: str, payload: dict[str, Any], *, message_key: str | None,
                order_id: str | None, now: datetime, id_domain: str) -> None:
        """One outbox row, inside the caller's transaction; a key already queued is not queued again.
        The Message-ID is fixed now, so a repeat after a crash carries the same one."""
        rows.insert(self.db, "outbox", {
            "key": key, "message_key": message_key, "order_id": order_id, "kind": kind, "target": target,
            "payload": json.dumps(payload, ensure_ascii=False, default=str),
            "message_id": f"<{uuid.uuid4().hex}@{id_domain}>", "status": "pending", "attempts": 0,
            "created_at": now.isoformat(timespec="seconds"), "updated_at": now.isoformat(timespec="seconds"),
        }, ignore=True)

    def acknowledged_since(self, buyer: str, order_id: str | None, since: datetime) -> str | None:
        return self.queued_since("acknowledge", buyer, order_id, since)

    def queued_since(self, kind: str, target: str, order_id: str | None, since: datetime) -> str | None:
        """When an action of `kind` to `target` about the order was first queued since `since`
        (and not dropped); None if it was not."""
        row = next(self.db.query(
            "SELECT created_at FROM outbox WHERE kind = ? AND target = ? AND coalesce(order_id, '') = ?"
            " AND status != 'dropped' AND created_at >= ? ORDER BY created_at LIMIT 1",
            [kind, target, order_id or "", since.isoformat(timespec="seconds")],
        ), None)
        return row["created_at"] if row else None

    def is_queued(self, key: str) -> bool:
        """A row with this key is in the outbox, whatever its status."""
        return next(self.db.query("SELECT 1 FROM outbox WHERE key = ?", [key]), None) is not None

    def sent_by_gateway(self, message_id: str | None) -> bool:
        """The Message-ID is one the gateway gave a mail it queued (an acknowledgement, a forward, a reminder...)."""
        return bool(message_id) and next(self.db.query(
            "SELECT 1 FROM outbox WHERE message_id = ? LIMIT 1", [message_id]), None) is not None

    def outbox_results_by_kind(self) -> list[tuple[str, int, int, int]]:
        """(kind, done, dead, failed runs) per kind of action: the failed runs are every attempt but the
        last of a done action, and every attempt of a dead or pending one."""
        return self.db.execute(
            "SELECT kind, sum(status = 'done'), sum(status = 'dead'), sum(CASE WHEN status = 'done' THEN attempts - 1"
            " WHEN status IN ('dead', 'pending') THEN attempts ELSE 0 END) FROM outbox GROUP BY kind").fetchall()

    def outbox_waiting(self) -> tuple[int, datetime | None]:
        """How many actions wait to be done (pending or being sent), and when the oldest was queued."""
        count, oldest = self.db.execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()
        return count, datetime.fromisoformat(oldest) if oldest else None

    def outbox_pending(self) -> list[dict[str, Any]]:
        """Rows to run: pending, or left "sending" (by a crash, or by a runner at work now), oldest first."""
        return list(self.db.query("SELECT * FROM outbox WHERE status IN ('pending', 'sending') ORDER BY id"))

    def outbox_rows(self, status: str | None = None, *, message_key: str | None = None,
                    kind: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows, oldest first: all, or those of a status, a mail, a kind."""
        where = [(column, value) for column, value in (("status", status), ("message_key", message_key), ("kind", kind))
                 if value is not None]
        sql = "SELECT * FROM outbox" + (" WHERE " + " AND ".join(f"{c} = ?" for c, _ in where) if where else "")
        return list(self.db.query(sql + " ORDER BY id", [v for _, v in where]))

    def mail_sent(self, limit: SendLimit) -> int:
        """How many mails count toward the send limit now."""
        where, parameters = limit.where()
        return self.db.execute(f"SELECT count(*) FROM outbox WHERE {where}", parameters).fetchone()[0]

    def mail_done_since(self, kinds: tuple[str, ...], since: datetime) -> bool:
        """Whether a mail of `kinds` was done since `since`."""
        return next(self.db.query(
            f"SELECT 1 FROM outbox WHERE kind IN ({_marks(kinds)}) AND done_at >= ? LIMIT 1",
            [*kinds, since.isoformat(timespec="seconds")]), None) is not None

    def claim_outbox_row(self, row: dict[str, Any], owner: str, now: datetime, limit: SendLimit | None = None) -> bool:
        """Mark a row "sending" by `owner`, in a transaction of its own, only if nobody changed it
        since it was read: two runners never send one row. With a limit, only while fewer than
        its most count toward it, checked in the same statement: two runners never pass it together."""
        where, parameters = limit.where() if limit else ("", [])
        within = f" AND (SELECT count(*) FROM outbox WHERE {where}) < ?" if limit else ""
        with self.transaction():
            return self.db.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?, owner = ? "
                "WHERE id = ? AND status = ? AND attempts = ?" + within,
                [now.isoformat(timespec="seconds"), owner, row["id"], row["status"], row["attempts"],
                 *parameters, *([limit.most] if limit else [])],
            ).rowcount == 1

    def throttle_outbox_row(self, row: dict[str, Any], error: str, now: datetime, until: datetime) -> None:
        """Back to pending after the smarthost asked to slow down: the attempt is not counted
        against the action, `error` keeps the server's words, no mail is tried before `until`."""
        stamp = now.isoformat(timespec="seconds")
        with self.transaction():
            # only while still "sending": a row dropped meanwhile (outbox drop) stays dropped
            self.db.execute(
                "UPDATE outbox SET status = 'pending', attempts = ?, last_error = ?, updated_at = ?, throttled_at = ?,"
                " not_before = ? WHERE id = ? AND status = 'sending'",
                [row["attempts"], error, stamp, stamp, until.isoformat(timespec="seconds"), row["id"]])

    def outbox_paused(self, now: datetime) -> tuple[datetime, str] | None:
        """Until when the smarthost asked for no mail, and in what words; None if it asks nothing now."""
        row = next(self.db.query(
            "SELECT not_before, last_error FROM outbox WHERE not_before > ? ORDER BY not_before DESC LIMIT 1",
            [now.isoformat(timespec="seconds")]), None)
        return (datetime.fromisoformat(row["not_before"]), row["last_error"] or "") if row else None

    def last_outbox_throttle(self) -> tuple[datetime, datetime] | None:
        """When the smarthost last asked to slow down, and until when mail waited then."""
        row = next(self.db.query("SELECT throttled_at, not_before FROM outbox WHERE throttled_at IS NOT NULL"
                                 " ORDER BY throttled_at DESC LIMIT 1"), None)
        return (datetime.fromisoformat(row["throttled_at"]), datetime.fromisoformat(row["not_before"])) if row else None

    def release_outbox_row(self, row_id: int, error: str) -> None:
        """Back to pending, not counted against the action (the runner is stopping)."""
        with self.transaction():
            self.db.execute("UPDATE outbox SET status = 'pending', last_error = ? WHERE id = ? AND status = 'sending'",
                            [error, row_id])

    def finish_outbox_row(self, row: dict[str, Any], status: str, now: datetime, *, error: str = "", result: str = "") -> None:
        """A row done or dead, with its audit row ("sent" or "dead_letter"), in one transaction."""
        stamp = now.isoformat(timespec="seconds")
        with self.transaction():
            self.db["outbox"].update(row["id"], {
                "status": status, "last_error": error or None, "updated_at": stamp,
                "done_at": stamp if status == "done" else None,
            })
            audit.append(self.db, "sent" if status == "done" else "dead_letter", {
                "kind": row["kind"], "to": row["target"], "message_id": row["message_id"],
                **({"error": error} if error else {"result": result}),
            }, message_key=row["message_key"], order_id=row["order_id"], at=now)

    def set_outbox_status(self, ids: list[int], status: str, from_statuses: tuple[str, ...]) -> int:
        """Rows queued again ("pending", their attempts reset) or dropped, each with its audit row
        ("retry", "dropped"); only those now in one of `from_statuses`. How many changed."""
        changed = 0
        with self.transaction():
            for row_id in ids:
                row = next(self.db.query("SELECT * FROM outbox WHERE id = ?", [row_id]), None)
                if row is None or row["status"] not in from_statuses:
                    continue
                self.db["outbox"].update(row_id, {"status": status, "attempts": 0 if status == "pending" else row["attempts"]})
                audit.append(self.db, "retry" if status == "pending" else "dropped",
                             {"outbox_id": row_id, "kind": row["kind"], "to": row["target"]},
                             message_key=row["message_key"], order_id=row["order_id"])
                changed += 1
        return changed
