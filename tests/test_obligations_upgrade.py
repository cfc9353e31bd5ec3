"""A state written by release 5a28a50 (one clock per order) opened by this one: each clock gets
the key and obligation of its category, its fired reminder steps follow it, status lists it."""

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import mails
from configs import write_config
from processes import status_rows

from gateway.config import load_config
from gateway.deadlines import reminders
from gateway.intake.pipeline import Pipeline
from gateway.service import checkconfig
from gateway.state import State, audit, schema

DUMP = Path(__file__).parent / "data" / "release-5a28a50-state.sql"  # made by tests/data/make_release_state.py
BOTH = "203-5550001-0000001"
CHARGEBACK = "203-5550002-0000002"


def release_state(tmp_path) -> Path:
    """The release's state loaded into a config's state folder; the config's path."""
    config = write_config(tmp_path, smtp={"from": "crisis@shop.example", "capture_dir": str(tmp_path / "sent")})
    folder = load_config(config).state_dir
    folder.mkdir(parents=True)
    with sqlite3.connect(folder / "state.db") as db:
        db.executescript(DUMP.read_text("utf-8"))
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    return config


def test_the_release_state_is_migrated_to_one_clock_per_obligation(tmp_path):
    config = release_state(tmp_path)
    with State(load_config(config).state_dir) as state:
        clocks = {c["key"]: c for c in state.db.query("SELECT * FROM clocks")}
        assert {key: c["obligation"] for key, c in clocks.items()} == {
            f"order:{BOTH}:claim": "claim", f"order:{BOTH}:buyer": "buyer",
            f"order:{CHARGEBACK}:chargeback": "chargeback", "case:12345678901": "case"}
        assert clocks[f"order:{BOTH}:claim"]["deadline"] == "2026-11-24T11:00:03+00:00"
        # the buyer's message before the claim had no clock of its own in the release: it has one now
        buyer = clocks[f"order:{BOTH}:buyer"]
        assert (buyer["status"], buyer["deadline"], buyer["category"]) == ("open", "2026-11-23T10:00:03+00:00", "atoz_risk")
        assert buyer["last_message_key"] == f"<buyer-{BOTH}-k3j4h5g6f7d8-0@example.test>"
        assert datetime.fromisoformat(buyer["seen_at"]) > datetime(2026, 11, 30, tzinfo=timezone.utc)  # at the upgrade
        assert [r["clock_key"] for r in state.db.query("SELECT clock_key FROM reminders")] == [f"order:{BOTH}:claim"]
        assert state.db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
        assert state.verify_audit().ok
    rows = status_rows(config, "2026-11-23T12:00:00+00:00")
    assert sorted((r["clock"], r["obligation"]) for r in rows) == [
        ("case:12345678901", "case"), (f"order:{BOTH}:buyer", "buyer"), (f"order:{BOTH}:claim", "claim"),
        (f"order:{CHARGEBACK}:chargeback", "chargeback")]


def test_a_step_fired_before_the_upgrade_does_not_fire_again(tmp_path):
    loaded = load_config(release_state(tmp_path))
    with State(loaded.state_dir) as state:
        again = reminders.fire_due(state, loaded, datetime(2026, 11, 23, 12, 5, tzinfo=timezone.utc))
        assert [f for f in again if f["clock"] != f"order:{BOTH}:buyer"] == []  # the claim's T-24h was sent by the release
        # the buyer's steps were past at the upgrade: none is sent late
        assert again and all(f.get("reason", "").startswith("its time had passed") for f in again)
        later = reminders.fire_due(state, loaded, datetime(2026, 11, 24, 5, 30, tzinfo=timezone.utc))
    assert [(f["clock"], f["step"]) for f in later if f["kind"] == "remind"] == [(f"order:{BOTH}:claim", "T-6h")]


def test_the_migration_is_idempotent(tmp_path):
    loaded = load_config(release_state(tmp_path))
    with State(loaded.state_dir) as state:
        before = list(state.db.query("SELECT * FROM clocks ORDER BY key"))
        with state.transaction():
            schema.create(state.db)  # as a second start at an older version would
        assert list(state.db.query("SELECT * FROM clocks ORDER BY key")) == before
        messages = {m["key"]: m["clock"] for m in state.db.query("SELECT key, clock FROM messages")}
    assert messages["<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>"] == f"order:{BOTH}:claim"


def test_a_clock_merged_away_is_stopped_when_the_team_had_answered_that_party(tmp_path):
    config = release_state(tmp_path)
    with sqlite3.connect(load_config(config).state_dir / "state.db") as db:  # the release recorded a reply to the buyer
        head = db.execute("SELECT count, hash FROM audit_head").fetchone()
        row = {"id": head[0] + 1, "at": "2026-11-22T10:30:00+00:00", "kind": "reply_sent", "message_key": None,
               "order_id": BOTH, "case_id": None, "prev_hash": head[1],
               "detail": json.dumps({"to": ["k3j4h5g6f7d8@marketplace.amazon.co.uk"], "message_id": "<r1@shop.example>",
                                     "sent_at": "2026-11-22T10:30:00+00:00"}, sort_keys=True)}
        row["hash"] = audit.row_hash(row)
        db.execute("INSERT INTO audit VALUES (:id, :at, :kind, :message_key, :order_id, :case_id, :detail, :prev_hash, :hash)", row)
        db.execute("UPDATE audit_head SET count = ?, hash = ?", [row["id"], row["hash"]])
    with State(load_config(config).state_dir) as state:
        buyer, claim = state.clock(f"order:{BOTH}:buyer"), state.clock(f"order:{BOTH}:claim")
        assert buyer["status"] == "stopped" and buyer["stop_reason"] == "reply sent by the team (<r1@shop.example>)"
        assert buyer["stopped_at"] == "2026-11-22T10:30:00+00:00"
        assert claim["status"] == "open"  # a mail to the buyer is no answer to Amazon
        assert state.verify_audit().ok


def test_a_state_upgraded_by_version_2_gets_its_merged_clocks_back(tmp_path):
    config = release_state(tmp_path)
    folder = load_config(config).state_dir
    State(folder).close()  # upgraded now
    with sqlite3.connect(folder / "state.db") as db:  # as version 2 left it: the buyer's clock lost in the merge
        db.execute("DELETE FROM clocks WHERE key = ?", [f"order:{BOTH}:buyer"])
        db.execute("PRAGMA user_version = 2")
    with State(folder) as state:
        buyer = state.clock(f"order:{BOTH}:buyer")
        assert buyer is not None and buyer["status"] == "open" and buyer["deadline"] == "2026-11-23T10:00:03+00:00"
        assert state.db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION


def test_check_config_leaves_an_older_state_as_it_is(tmp_path):
    config = release_state(tmp_path)
    findings = list(checkconfig.check_threads(load_config(config)))
    assert [f.level for f in findings] == ["ok"] and "earlier release" in findings[0].what
    with sqlite3.connect(load_config(config).state_dir / "state.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1  # not upgraded under a daemon still running


def test_the_release_s_mail_files_are_still_read_and_new_small_mails_go_into_the_database(tmp_path, classifier):
    folder = load_config(release_state(tmp_path)).state_dir
    with State(folder) as state:
        old = state.db.execute("SELECT * FROM messages LIMIT 1")
        row = dict(zip([column[0] for column in old.description], old.fetchone()))
        assert row["raw_path"].startswith("mail/")
        (folder / row["raw_path"]).parent.mkdir(parents=True)
        (folder / row["raw_path"]).write_bytes(b"Subject: kept by the release\r\n\r\nhello\r\n")
        assert state.raw(row) == b"Subject: kept by the release\r\n\r\nhello\r\n"
        raw = mails.claim("203-5550003-0000003")
        assert Pipeline(classifier, state).handle(raw).status == "recorded"
        new = next(state.db.query("SELECT * FROM messages WHERE order_id = '203-5550003-0000003'"))
        assert new["raw_path"] is None and state.raw(new) == raw
