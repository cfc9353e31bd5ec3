"""The state's tables and indexes, each created when missing."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils

from gateway.judging import obligations
from gateway.state import audit, rows, tag_states
from gateway.state.clocks import first_reply_after

# Columns of the outbox added after states were made without them. A row the smarthost asked to
# slow down for: when that was (throttled_at) and when mail may be tried again (not_before).
OUTBOX_ADDED = {"throttled_at": str, "not_before": str}


# Raised by one whenever a table, column, index or migration step is added below: a state at this version is
# opened without taking the write lock, so a command (backup, status) never waits for a busy writer.
VERSION = 4


def is_current(db: sqlite_utils.Database) -> bool:
    """Whether the state has every table, column and index of this VERSION (read without a lock)."""
    return db.execute("PRAGMA user_version").fetchone()[0] >= VERSION


def create(db: sqlite_utils.Database) -> None:
    """Inside the caller's transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = db.table_names()
    if "messages" not in tables:
        db["messages"].create(
            {"key": str, "message_id": str, "sha256": str, "mailbox": str, "arrival": str, "processed_at": str,
             "category": str, "tier": int, "suspicious": int, "order_id": str, "case_id": str,
             "case_status": str, "marketplace": str, "deadline": str, "rule": str, "from_address": str,
             "subject": str, "original_subject": str, "raw_path": str},
            pk="key",
        )
        db["messages"].create_index(["order_id"])
        db["messages"].create_index(["sha256"])
    if "clocks" not in tables:
        db["clocks"].create(
            {"key": str, "category": str, "tier": int, "order_id": str, "case_id": str, "case_status": str,
             "opened_at": str, "deadline": str, "status": str, "stopped_at": str, "stop_reason": str,
             "updated_at": str, "last_message_key": str},
            pk="key",
        )
        db["clocks"].create_index(["status", "deadline"])
    if "outbox" not in tables:
        db["outbox"].create(
            {"id": int, "key": str, "message_key": str, "order_id": str, "kind": str, "target": str,
             "payload": str, "message_id": str, "status": str, "attempts": int, "last_error": str,
             "created_at": str, "updated_at": str, "done_at": str, "owner": str, **OUTBOX_ADDED},
            pk="id",
        )
        db["outbox"].create_index(["key"], unique=True)
        db["outbox"].create_index(["status"])
        db["outbox"].create_index(["kind", "target", "order_id"])
    for column, kind in OUTBOX_ADDED.items():
        if column not in db["outbox"].columns_dict:  # a state made before the column was
            db["outbox"].add_column(column, kind)
    if "sources" not in tables:
        # Where each watched folder was read up to, under which UIDVALIDITY.
        db["sources"].create({"mailbox": str, "uidvalidity": int, "last_uid": int, "updated_at": str}, pk="mailbox")
    if "tagging" not in tables:
        # How far tagging in place got for a message: appending, appended, done.
        db["tagging"].create(
            {"mailbox": str, "message_key": str, "stage": str, "copy_uid": int, "updated_at": str},
            pk=("mailbox", "message_key"),
        )
    if "relayed" not in tables:
        # Which recipients a relayed mail reached: a mail handed over again (the 250 was
        # lost on the way back) is not sent twice, one refused for some is retried for the rest.
        db["relayed"].create({"direction": str, "key": str, "recipient": str, "at": str},
                             pk=("direction", "key", "recipient"))
    if "reminders" not in tables:
        # Each step of a clock's ladder, once per time the clock was opened: sent or skipped.
        db["reminders"].create(
            {"clock_key": str, "opened_at": str, "kind": str, "hours": float, "status": str, "due_at": str,
             "fired_at": str, "late": int},
            pk=("clock_key", "opened_at", "kind", "hours"),
        )
    if "backlog" not in tables:
        # Crises first seen long after they arrived (see gateway.judging.freshness): listed in
        # one backlog report per mailbox instead of forwarded one by one; reported_at once listed.
        db["backlog"].create({"message_key": str, "mailbox": str, "category": str, "recorded_at": str,
                              "reported_at": str}, pk="message_key")
        db["backlog"].create_index(["reported_at"])
    if "raw_mails" not in tables:
        # the bytes of recorded mails up to connection.RAW_IN_DATABASE_MAX (a row of messages
        # without raw_path), by their SHA-256; a state made before kept every mail as a file
        db["raw_mails"].create({"sha256": str, "raw": bytes}, pk="sha256")
    if "reading" not in tables:
        # A long read of a folder under way (a first start's backlog): its backlog report waits
        # for its end. `touched` moves on while it reads; a read that stopped for long counts as over.
        db["reading"].create({"mailbox": str, "started_at": str, "touched": str}, pk="mailbox")
    # when the gateway first saw the clock (opened_at is the mail's arrival): a reminder step
    # already past then is not sent late, the backlog report covers it. Added to older states.
    if "seen_at" not in db["clocks"].columns_dict:
        db["clocks"].add_column("seen_at", str)
    # which duty a clock stands for (gateway.judging.obligations); states made before held one
    # clock per order: see _one_clock_per_obligation
    if "obligation" not in db["clocks"].columns_dict:
        db["clocks"].add_column("obligation", str)
    if "clock" not in db["messages"].columns_dict:
        # the key of the clock a mail opened, updated or stopped: the backlog report and the
        # reminders find a crisis's own clock by it, among the several of its order
        db["messages"].add_column("clock", str)
        _messages_to_their_clocks(db)
    _one_clock_per_obligation(db)
    if version < 3:
        _merged_duties_repaired(db)
    db.execute("CREATE INDEX IF NOT EXISTS idx_clocks_order_id ON clocks (order_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_messages_message_id ON messages (message_id)")
    # looked up every few seconds (cases) and for every forward (what was done for a mail)
    db.execute("CREATE INDEX IF NOT EXISTS idx_messages_case_id ON messages (case_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_message_key ON outbox (message_key)")
    # the send limit counts the mails done in the last minute before each one; the runner asks
    # for the latest request to slow down before each run
    db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_done_at ON outbox (done_at)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_not_before ON outbox (not_before)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_throttled_at ON outbox (throttled_at)")
    tag_states.create_schema(db)  # what each tagged copy's tag shows of its clock
    audit.create_schema(db)
    db.execute("CREATE INDEX IF NOT EXISTS idx_audit_message_key ON audit (message_key)")
    db.execute(f"PRAGMA user_version = {VERSION}")


def _one_clock_per_obligation(db: sqlite_utils.Database) -> None:
    """Inside the caller's transaction; does nothing the second time. A clock of a state made when
    an order had one clock (`order:<id>`) gets the key and obligation of its category
    (`order:<id>:claim` ...), and its reminder steps follow it, so none fires again; a case's
    clock gets the obligation "case"."""
    old = list(db.query("SELECT * FROM clocks WHERE key LIKE 'order:%' AND key NOT LIKE 'order:%:%'"))
    for clock in old:
        duty = obligations.of_category(clock["category"] or "")
        name = duty.name if duty is not None else "buyer"
        order_id = clock["order_id"] or clock["key"].removeprefix("order:")
        key = obligations.order_key(order_id, name)
        db.execute("UPDATE clocks SET key = ?, obligation = ? WHERE key = ?", [key, name, clock["key"]])
        db.execute("UPDATE reminders SET clock_key = ? WHERE clock_key = ?", [key, clock["key"]])
    db.execute("UPDATE clocks SET obligation = ? WHERE key LIKE 'case:%' AND obligation IS NULL", [obligations.CASE])


def _merged_duties_repaired(db: sqlite_utils.Database) -> None:
    """Inside the caller's transaction, once (version 3), after _one_clock_per_obligation: each
    order's clock gives the duties merged into it (when orders had one clock) theirs, whether
    that migration runs now or version 2 ran it (and left them without); one that exists is left
    as it is."""
    for clock in list(db.query("SELECT * FROM clocks WHERE key LIKE 'order:%:%'")):
        order_id = clock["order_id"] or clock["key"].split(":")[1]
        for other in obligations.table().values():
            if other.key == "order" and other.name != clock["obligation"]:
                _clock_merged_away(db, clock, order_id, other)


def _clock_merged_away(db: sqlite_utils.Database, old: dict, order_id: str, duty: obligations.Obligation) -> None:
    """Inside the caller's transaction. The one clock of an order kept the graver mail's category:
    a duty of another of its mails (the buyer's message before the claim) had no clock of its own.
    It gets one now, from its latest mail: stopped when the order's clock was, or when the team
    wrote to the right party after that mail; else open, with that mail's deadline (its reminder
    steps already past are not sent late: seen_at is now)."""
    key = obligations.order_key(order_id, duty.name)
    marks = ", ".join("?" * len(duty.categories))
    mail = db.execute(
        f"SELECT key, category, tier, arrival, deadline, from_address FROM messages WHERE order_id = ?"
        f" AND suspicious = 0 AND deadline IS NOT NULL AND category IN ({marks}) ORDER BY arrival DESC LIMIT 1",
        [order_id, *duty.categories]).fetchone()
    if mail is None or db.execute("SELECT 1 FROM clocks WHERE key = ?", [key]).fetchone():
        return
    message_key, category, tier, arrival, deadline, buyer = mail
    stopped_at, reason = (old["stopped_at"], old["stop_reason"]) if old["status"] != "open" else (None, None)
    if reason is None:
        found = first_reply_after(db, order_id, datetime.fromisoformat(arrival), lambda detail: any(
            event in duty.stopped_by for event in obligations.reply_events(detail.get("to") or [], (buyer or "").lower())))
        if found:
            stopped_at, reason = found[0], f"reply sent by the team ({found[1].get('message_id') or 'no Message-ID'})"
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows.insert(db, "clocks", {
        "key": key, "category": category, "tier": tier, "order_id": order_id, "case_id": None, "obligation": duty.name,
        "opened_at": arrival, "deadline": deadline, "status": "stopped" if reason else "open", "stopped_at": stopped_at,
        "stop_reason": reason, "updated_at": now, "last_message_key": message_key, "seen_at": now})


def _messages_to_their_clocks(db: sqlite_utils.Database) -> None:
    """Inside the caller's transaction: the mails of a state made before messages knew their
    clock get the key of the clock their category keeps (an account-health notice's is left out:
    those had no clock)."""
    for name, duty in obligations.table().items():
        if duty.key != "order":
            continue
        for category in (*duty.categories, *(c for c in duty.stopped_by if c not in obligations.REPLY_EVENTS)):
            db.execute("UPDATE messages SET clock = 'order:' || order_id || ':' || ? WHERE clock IS NULL"
                       " AND order_id IS NOT NULL AND suspicious = 0 AND category = ?", [name, category])
    db.execute("UPDATE messages SET clock = 'case:' || case_id WHERE clock IS NULL AND case_id IS NOT NULL"
               " AND suspicious = 0 AND category = 'case'")
