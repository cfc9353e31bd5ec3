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
from gateway.state import audit


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
        self.db["outbox"].insert({
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
