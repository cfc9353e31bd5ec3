"""The gateway's state in SQLite: messages seen, clocks of claims and cases, the audit trail.

WAL with synchronous=FULL: a recorded message survives a power cut. Raw mail is kept beside the
database, content-addressed, written and fsynced before the row that points to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from gateway.judging import marketplaces
from gateway.judging.verdict import Verdict
from gateway.state import audit

# When a newer mail about the same order arrives, the clock takes the graver category.
SEVERITY = {"atoz_claim": 5, "chargeback": 4, "atoz_risk": 3, "buyer_message": 1}
# Deadlines Amazon itself sets: when such a mail arrives, its deadline is the one that counts,
# even if a buyer message about the same order was due earlier.
AMAZON_DEADLINES = {"atoz_claim", "chargeback"}
CASE_CLOSED = "Amazon closed the case"
# A case clock's status between Amazon's mails: "opened" and "answered" come from Amazon's mail
# (see classify), "replied" is set when the team writes to Amazon about the case.
CASE_REPLIED = "replied"
WAITING_FOR_AMAZON = ("opened", CASE_REPLIED)


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


class State:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.mail_dir = self.directory / "mail"
        # A State is used by one thread at a time, but not always the one that opened it: the
        # relay's workers take one from a pool, and it is closed from the thread that stops them.
        self.db = sqlite_utils.Database(sqlite3.connect(self.directory / "state.db", check_same_thread=False))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._create_schema()
        # A command run by hand as root must not leave the service's files to root (the service
        # could no longer write its own state, nor read the mails it keeps): what it writes in the
        # state folder goes to the folder's owner.
        folder = self.directory.stat()
        self.owner = (folder.st_uid, folder.st_gid) if os.geteuid() == 0 and folder.st_uid != 0 else None
        self.give_to_owner(*(self.directory / name for name in ("state.db", "state.db-wal", "state.db-shm")))

    def give_to_owner(self, *paths: Path) -> None:
        """Hand files or folders just written in the state folder to its owner (only when run as root)."""
        if self.owner is None:
            return
        for path in paths:
            if path.exists() and path.stat().st_uid != self.owner[0]:
                os.chown(path, *self.owner)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "State":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create_schema(self) -> None:
        with self.transaction():
            tables = self.db.table_names()
            if "messages" not in tables:
                self.db["messages"].create(
                    {"key": str, "message_id": str, "sha256": str, "mailbox": str, "arrival": str, "processed_at": str,
                     "category": str, "tier": int, "suspicious": int, "order_id": str, "case_id": str,
                     "case_status": str, "marketplace": str, "deadline": str, "rule": str, "from_address": str,
                     "subject": str, "original_subject": str, "raw_path": str},
                    pk="key",
                )
                self.db["messages"].create_index(["order_id"])
                self.db["messages"].create_index(["sha256"])
            if "clocks" not in tables:
                self.db["clocks"].create(
                    {"key": str, "category": str, "tier": int, "order_id": str, "case_id": str, "case_status": str,
                     "opened_at": str, "deadline": str, "status": str, "stopped_at": str, "stop_reason": str,
                     "updated_at": str, "last_message_key": str},
                    pk="key",
                )
                self.db["clocks"].create_index(["status", "deadline"])
            if "outbox" not in tables:
                self.db["outbox"].create(
                    {"id": int, "key": str, "message_key": str, "order_id": str, "kind": str, "target": str,
                     "payload": str, "message_id": str, "status": str, "attempts": int, "last_error": str,
                     "created_at": str, "updated_at": str, "done_at": str, "owner": str},
                    pk="id",
                )
                self.db["outbox"].create_index(["key"], unique=True)
                self.db["outbox"].create_index(["status"])
                self.db["outbox"].create_index(["kind", "target", "order_id"])
            if "sources" not in tables:
                # Where each watched folder was read up to, under which UIDVALIDITY.
                self.db["sources"].create({"mailbox": str, "uidvalidity": int, "last_uid": int, "updated_at": str}, pk="mailbox")
            if "tagging" not in tables:
                # How far tagging in place got for a message: appending, appended, done.
                self.db["tagging"].create(
                    {"mailbox": str, "message_key": str, "stage": str, "copy_uid": int, "updated_at": str},
                    pk=("mailbox", "message_key"),
                )
            if "relayed" not in tables:
                # Which recipients a relayed mail reached: a mail handed over again (the 250 was
                # lost on the way back) is not sent twice, one refused for some is retried for the rest.
                self.db["relayed"].create({"direction": str, "key": str, "recipient": str, "at": str},
                                          pk=("direction", "key", "recipient"))
            if "reminders" not in tables:
                # Each step of a clock's ladder, once per time the clock was opened: sent or skipped.
                self.db["reminders"].create(
                    {"clock_key": str, "opened_at": str, "kind": str, "hours": float, "status": str, "due_at": str,
                     "fired_at": str, "late": int},
                    pk=("clock_key", "opened_at", "kind", "hours"),
                )
            self.db.execute("CREATE INDEX IF NOT EXISTS idx_messages_message_id ON messages (message_id)")
            # looked up every few seconds (cases) and for every forward (what was done for a mail)
            self.db.execute("CREATE INDEX IF NOT EXISTS idx_messages_case_id ON messages (case_id)")
            self.db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_message_key ON outbox (message_key)")
            audit.create_schema(self.db)
            self.db.execute("CREATE INDEX IF NOT EXISTS idx_audit_message_key ON audit (message_key)")

    @contextlib.contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE: the write lock is taken at once, so a check and the insert it guards
        (an acknowledgement already sent?) cannot interleave with another writer."""
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def seen(self, key: str) -> bool:
        return next(self.db.query("SELECT 1 FROM messages WHERE key = ?", [key]), None) is not None

    def store_raw(self, raw: bytes, sha256: str) -> Path:
        path = self.mail_dir / sha256[:2] / f"{sha256}.eml"
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".tmp.{os.getpid()}.{threading.get_ident()}")
        with open(temporary, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        self.give_to_owner(self.mail_dir, path.parent, path)
        return path

    def record(self, verdict: Verdict, raw: bytes, sha256: str, *, queued: tuple[Queued, ...] = (), mailbox: str = "",
               from_address: str = "", now: datetime | None = None, id_domain: str = "crisis-gateway.invalid") -> bool:
        """Record a verdict, its clock, its audit rows and its `queued` outbox rows in one
        transaction; False if already seen."""
        now = now or datetime.now(timezone.utc)
        raw_path = self.store_raw(raw, sha256)
        with self.transaction():
            if self.seen(verdict.message_key):
                return False
            self.db["messages"].insert({
                "key": verdict.message_key, "message_id": verdict.message_id, "sha256": sha256, "mailbox": mailbox,
                "arrival": verdict.arrival.isoformat(), "processed_at": now.isoformat(timespec="seconds"),
                "category": verdict.category, "tier": verdict.tier, "suspicious": int(verdict.suspicious),
                "order_id": verdict.order_id, "case_id": verdict.case_id, "case_status": verdict.case_status,
                "marketplace": verdict.marketplace, "deadline": verdict.deadline.isoformat() if verdict.deadline else None,
                "rule": verdict.rule, "from_address": from_address, "subject": verdict.subject,
                "original_subject": verdict.original_subject, "raw_path": str(raw_path.relative_to(self.directory)),
            })
            ids = {"message_key": verdict.message_key, "order_id": verdict.order_id, "case_id": verdict.case_id, "at": now}
            audit.append(self.db, "classified", {
                "category": verdict.category, "tier": verdict.tier, "suspicious": verdict.suspicious,
                "rule": verdict.rule, "deadline": verdict.deadline, "subject": verdict.subject, "trace": list(verdict.trace),
            }, **ids)
            clock_event = self._update_clock(verdict, now)
            if clock_event:
                audit.append(self.db, clock_event[0], clock_event[1], **ids)
            for action in verdict.actions:
                audit.append(self.db, "planned", action.as_dict(), **ids)
            for job in queued:
                self._enqueue(verdict, job, now, ids, id_domain)
        return True

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

    def source(self, mailbox: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM sources WHERE mailbox = ?", [mailbox]), None)

    def set_source(self, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        with self.transaction():
            self.db["sources"].upsert({"mailbox": mailbox, "uidvalidity": uidvalidity, "last_uid": last_uid,
                                       "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}, pk="mailbox")

    def tagging_stage(self, mailbox: str, message_key: str) -> str | None:
        row = next(self.db.query("SELECT stage FROM tagging WHERE mailbox = ? AND message_key = ?", [mailbox, message_key]), None)
        return row["stage"] if row else None

    def finish_tagging(self, mailbox: str, uidvalidity: int, uid: int, message_key: str, copy_uid: int | None) -> None:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.transaction():
            self.db["tagging"].upsert({"mailbox": mailbox, "message_key": message_key, "stage": "done", "copy_uid": copy_uid,
                                       "updated_at": stamp}, pk=("mailbox", "message_key"))
            self.db["sources"].upsert({"mailbox": mailbox, "uidvalidity": uidvalidity, "last_uid": uid, "updated_at": stamp},
                                      pk="mailbox")

    def relayed_to(self, direction: str, key: str) -> set[str]:
        return {row["recipient"] for row in self.db.query(
            "SELECT recipient FROM relayed WHERE direction = ? AND key = ?", [direction, key])}

    def mark_relayed(self, direction: str, key: str, recipients: list[str], now: datetime) -> None:
        """`key` reached `recipients`, inside the caller's transaction; known rows are kept."""
        stamp = now.isoformat(timespec="seconds")
        self.db["relayed"].insert_all(
            [{"direction": direction, "key": key, "recipient": r, "at": stamp} for r in recipients], ignore=True)

    def record_relayed(self, direction: str, key: str, recipients: list[str], audit_kind: str, detail: dict[str, Any],
                       *, message_key: str | None = None, order_id: str | None = None, case_id: str | None = None,
                       stop_clock: str | None = None, case_reply: bool = False, now: datetime | None = None) -> bool:
        """Recipients reached and the audit row in one transaction; with `stop_clock` (a reason),
        the open clock of `order_id` stops too; with `case_reply`, the case waits for Amazon again
        (its follow-up count starts from this reply). True when a clock was stopped."""
        now = now or datetime.now(timezone.utc)
        stamp = now.isoformat(timespec="seconds")
        ids = {"message_key": message_key, "order_id": order_id, "case_id": case_id, "at": now}
        with self.transaction():
            self.mark_relayed(direction, key, recipients, now)
            audit.append(self.db, audit_kind, detail, **ids)
            if case_reply and case_id:
                self.db.execute("UPDATE clocks SET case_status = ?, updated_at = ? WHERE key = ? AND status = 'open'",
                                [CASE_REPLIED, stamp, f"case:{case_id}"])
            if not (stop_clock and order_id):
                return False
            return self._stop_clock(f"order:{order_id}", stop_clock, now, ids)

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
        audit.append(self.db, "clock_stopped", {"reason": reason, "category": clock["category"], **(detail or {})}, **ids)
        return True

    def message_by_id(self, message_id: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM messages WHERE message_id = ? ORDER BY arrival DESC LIMIT 1", [message_id]), None)

    def message(self, key: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM messages WHERE key = ?", [key]), None)

    def raw(self, message: dict[str, Any]) -> bytes:
        return (self.directory / message["raw_path"]).read_bytes()

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

    def _update_clock(self, verdict: Verdict, now: datetime) -> tuple[str, dict[str, Any]] | None:
        stamp = now.isoformat(timespec="seconds")
        if verdict.suspicious:
            return None
        if verdict.case_id and verdict.category == "case":
            key = f"case:{verdict.case_id}"
            existing = self.clock(key)
            closed = verdict.case_status == "closed"
            row = {"key": key, "category": "case", "tier": verdict.tier, "case_id": verdict.case_id,
                   "case_status": verdict.case_status or (existing or {}).get("case_status"), "updated_at": stamp,
                   "last_message_key": verdict.message_key, "status": "stopped" if closed else "open",
                   # when Amazon closed it: the reopen window counts from there
                   "stopped_at": verdict.arrival.isoformat() if closed else None,
                   "stop_reason": CASE_CLOSED if closed else None}
            if existing is None:
                row["opened_at"] = verdict.arrival.isoformat()
            self.db["clocks"].upsert(row, pk="key")
            return "case", {"case_status": row["case_status"]}
        if not verdict.order_id:
            return None
        key = f"order:{verdict.order_id}"
        existing = self.clock(key)
        if verdict.category == "atoz_decision":
            if existing and existing["status"] == "open":
                self.db["clocks"].update(key, {"status": "stopped", "stopped_at": stamp, "stop_reason": "Amazon decided the claim",
                                               "updated_at": stamp, "last_message_key": verdict.message_key})
                return "clock_stopped", {"reason": "Amazon decided the claim"}
            return None
        if verdict.deadline is None:
            return None
        deadline = verdict.deadline.isoformat()
        if existing is None or existing["status"] != "open":
            self.db["clocks"].upsert({
                "key": key, "category": verdict.category, "tier": verdict.tier, "order_id": verdict.order_id,
                "opened_at": verdict.arrival.isoformat(), "deadline": deadline, "status": "open", "stopped_at": None,
                "stop_reason": None, "updated_at": stamp, "last_message_key": verdict.message_key,
            }, pk="key")
            return "clock_opened", {"category": verdict.category, "deadline": deadline}
        graver = SEVERITY.get(verdict.category, 0) > SEVERITY.get(existing["category"], 0)
        earlier = datetime.fromisoformat(deadline) < datetime.fromisoformat(existing["deadline"])
        changes: dict[str, Any] = {"updated_at": stamp, "last_message_key": verdict.message_key}
        if graver:
            changes.update(category=verdict.category, tier=verdict.tier)
        if earlier or (graver and verdict.category in AMAZON_DEADLINES):
            changes["deadline"] = deadline
        self.db["clocks"].update(key, changes)
        return "clock_updated", {k: v for k, v in changes.items() if k in ("category", "deadline")} or {"unchanged": True}

    def clock(self, key: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM clocks WHERE key = ?", [key]), None)

    def open_clocks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM clocks WHERE status = 'open' ORDER BY deadline IS NULL, deadline"))

    def backup(self, destination: Path) -> int:
        """A consistent copy of the database while the daemon writes to it (SQLite's online
        backup), written beside `destination` and renamed into place; returns its size."""
        temporary = destination.with_name(destination.name + ".part")
        temporary.unlink(missing_ok=True)
        try:
            target = sqlite3.connect(temporary)
            try:
                # In one step: it reads one snapshot, and under WAL the daemon's writers go on meanwhile.
                # In small steps, every write by another connection would start the copy over.
                self.db.conn.backup(target, pages=-1)
                if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("the copy fails its integrity check")
            finally:
                target.close()
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, destination)
        except BaseException:
            temporary.unlink(missing_ok=True)  # no half copy left beside the backups
            raise
        return destination.stat().st_size

    def verify_audit(self) -> audit.VerifyResult:
        return audit.verify(self.db)

    def audit_rows(self, order_id: str | None = None, case_id: str | None = None) -> list[dict[str, Any]]:
        return audit.show(self.db, order_id, case_id)

