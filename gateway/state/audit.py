"""The audit trail: append-only, each row carrying the hash of the one before it.

Triggers refuse UPDATE and DELETE; if someone drops them and edits the file anyway, `verify`
finds the edited row (its hash no longer matches), a deleted row (a gap, or a broken link) and a
cut-off tail (the head record no longer matches the last row).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from gateway.state import rows

GENESIS = "0" * 64
_FIELDS = ("id", "at", "kind", "message_key", "order_id", "case_id", "detail", "prev_hash")


def create_schema(db: sqlite_utils.Database) -> None:
    if "audit" not in db.table_names():
        db["audit"].create(
            {"id": int, "at": str, "kind": str, "message_key": str, "order_id": str, "case_id": str,
             "detail": str, "prev_hash": str, "hash": str},
            pk="id",
        )
        db["audit"].create_index(["order_id"])
        db["audit"].create_index(["case_id"])
        db["audit_head"].create({"one": int, "count": int, "hash": str}, pk="one")
        db.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END")
        db.execute("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END")


def row_hash(row: dict[str, Any]) -> str:
    canonical = json.dumps([row.get(f) for f in _FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    db: sqlite_utils.Database, kind: str, detail: dict[str, Any], *, message_key: str | None = None,
    order_id: str | None = None, case_id: str | None = None, at: datetime | None = None,
) -> dict[str, Any]:
    """Append one row; call inside the caller's transaction so it commits with what it records."""
    head = db.execute("SELECT count, hash FROM audit_head WHERE one = 1").fetchone()
    count, prev = head if head else (0, GENESIS)
    row = {
        "id": count + 1,
        "at": (at or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "kind": kind,
        "message_key": message_key,
        "order_id": order_id,
        "case_id": case_id,
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
        "prev_hash": prev,
    }
    row["hash"] = row_hash(row)
    rows.insert(db, "audit", row)
    rows.upsert(db, "audit_head", {"one": 1, "count": row["id"], "hash": row["hash"]}, "one")
    return row


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: sqlite_utils.Database) -> VerifyResult:
    problems: list[str] = []
    expected_id, prev = 1, GENESIS
    rows = 0
    for row in db.query("SELECT * FROM audit ORDER BY id"):
        rows += 1
        if row["id"] != expected_id:
            problems.append(f"row {expected_id}" + (f" to {row['id'] - 1}" if row["id"] - 1 > expected_id else "") + " missing (deleted)")
        if row["prev_hash"] != prev:
            problems.append(f"row {row['id']}: link to the previous row broken (a row before it was changed or deleted)")
        if row_hash(row) != row["hash"]:
            problems.append(f"row {row['id']}: content does not match its hash (edited)")
        expected_id, prev = row["id"] + 1, row["hash"]
    head = next(db.query("SELECT count, hash FROM audit_head WHERE one = 1"), None)
    if head is not None and (head["count"] != expected_id - 1 or head["hash"] != prev):
        problems.append(f"the trail should end at row {head['count']} but ends at row {expected_id - 1} (rows cut off the end)")
    if head is None and rows:
        problems.append("head record missing")
    return VerifyResult(rows, tuple(problems))


def show(db: sqlite_utils.Database, order_id: str | None = None, case_id: str | None = None) -> list[dict[str, Any]]:
    where, params = [], []
    if order_id:
        where.append("order_id = ?")
        params.append(order_id)
    if case_id:
        where.append("case_id = ?")
        params.append(case_id)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return [_with_detail(r) for r in db.query(sql, params)]


def _with_detail(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row, detail=json.loads(row["detail"] or "{}"))


def replies_about_order(db: sqlite_utils.Database, order_id: str) -> list[dict[str, Any]]:
    """The team's replies about the order ("reply_sent" rows: at, detail), in the order recorded."""
    return [_with_detail(row) for row in db.query(
        "SELECT at, detail FROM audit WHERE order_id = ? AND kind = 'reply_sent' ORDER BY id", [order_id])]


class AuditTrail:
    """The audit trail as part of State: relies on its connection."""

    db: sqlite_utils.Database

    def audit(self, kind: str, detail: dict[str, Any], *, message_key: str | None = None, order_id: str | None = None,
              case_id: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """One row, inside the caller's transaction: it commits with what it records, and no other
        writer can take the same place in the chain."""
        if not self.db.conn.in_transaction:
            raise RuntimeError("an audit row must be appended inside a transaction")
        return append(self.db, kind, detail, message_key=message_key, order_id=order_id, case_id=case_id, at=at)

    def latest_audit(self, *, order_id: str | None, case_id: str | None, message_key: str | None = None,
                     clock: str | None = None) -> dict[str, Any] | None:
        """The newest row about the order or, without one, about the case, or else about the mail
        (kind, at, detail). With `clock`, rows about another clock of the order (a reminder of its
        buyer's clock, a reply that stopped only the buyer's, when the claim's is asked for) are
        left out: a row names its clock in `clock`, a reply the clocks it stopped in `stops`."""
        column, value = ("order_id", order_id) if order_id else ("case_id", case_id) if case_id \
            else ("message_key", message_key)
        row = next(self.db.query(
            f"SELECT kind, at, detail FROM audit WHERE {column} = ?"
            " AND (? IS NULL OR coalesce(json_extract(detail, '$.clock'), ?) = ?)"
            " AND (? IS NULL OR json_extract(detail, '$.stops') IS NULL"
            "      OR EXISTS (SELECT 1 FROM json_each(detail, '$.stops') WHERE value = ?)) ORDER BY id DESC LIMIT 1",
            [value, clock, clock, clock, clock, clock]), None)
        return _with_detail(row) if row else None

    def replies_sent_about_order(self, order_id: str) -> list[dict[str, Any]]:
        return replies_about_order(self.db, order_id)

    def audit_of_message(self, message_key: str, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        """The audit rows of these kinds about one mail, oldest first, with their detail parsed."""
        marks = ", ".join("?" * len(kinds))
        return [dict(r, detail=json.loads(r["detail"])) for r in self.db.query(
            f"SELECT * FROM audit WHERE message_key = ? AND kind IN ({marks}) ORDER BY id", [message_key, *kinds])]

    def audit_since(self, kind: str, since: datetime) -> list[dict[str, Any]]:
        """The rows of one kind since then, oldest first, with their detail parsed."""
        return [_with_detail(row) for row in self.db.query(
            "SELECT kind, at, detail FROM audit WHERE kind = ? AND at >= ? ORDER BY id",
            [kind, since.isoformat(timespec="seconds")])]

    def audit_count(self, kind: str) -> int:
        """How many rows of this kind the trail holds."""
        return self.db.execute("SELECT count(*) FROM audit WHERE kind = ?", [kind]).fetchone()[0]

    def verify_audit(self) -> VerifyResult:
        return verify(self.db)

    def audit_rows(self, order_id: str | None = None, case_id: str | None = None) -> list[dict[str, Any]]:
        return show(self.db, order_id, case_id)
