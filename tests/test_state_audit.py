"""State: messages once, clocks per order and case, an audit trail that shows tampering."""

import os
import sqlite3
import stat
from datetime import datetime, timezone

import mails
import pytest
import sqlite_utils
from configs import write_config
from corpus import SHARED_CORPUS, corpus_manifest
from processes import cli

from gateway.cli import main
from gateway.intake.pipeline import Pipeline
from gateway.state import RAW_IN_DATABASE_MAX, State, audit

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def buyer_mail(order: str, text: str, minute: int) -> bytes:
    return mails.buyer(order, text, token=f"ann{minute}", minute=minute)


def large_buyer_mail(order: str, minute: int) -> bytes:
    """A buyer's mail just over the size kept in the database."""
    line = "x" * 76 + "\r\n"
    return buyer_mail(order, "Photos below.\r\n" + line * (RAW_IN_DATABASE_MAX // len(line)), minute)


def claim_mail(order: str, notification: str = "A_Z_CLAIM_RESPONDENT_NOTIFY") -> bytes:
    return mails.claim(order, notification=notification)


def test_each_message_is_recorded_once(pipeline):
    raw = buyer_mail("202-1111111-2222222", "Can I change the address?", 1)
    assert pipeline.handle(raw, now=NOW).status == "recorded"
    assert pipeline.handle(raw, now=NOW).status == "duplicate"
    assert pipeline.state.db["messages"].count == 1
    row = pipeline.state.db["messages"].get("<buyer-202-1111111-2222222-ann1-1@example.test>")
    assert pipeline.state.raw(row) == raw


def test_a_small_mail_is_kept_in_the_database_and_a_large_one_as_a_file(pipeline):
    """A mail up to RAW_IN_DATABASE_MAX is made durable with its record by the log's one fsync; a
    larger one is a file, fsynced before the row that names it."""
    small = buyer_mail("202-1111111-2222222", "Can I change the address?", 1)
    large = large_buyer_mail("202-1111111-3333333", 2)
    assert len(small) <= RAW_IN_DATABASE_MAX < len(large)
    for raw in (small, large):
        assert pipeline.handle(raw, now=NOW).status == "recorded"
    state = pipeline.state
    rows = {row["raw_path"] is None: row for row in state.db.query("SELECT * FROM messages")}
    assert state.raw(rows[True]) == small and state.raw(rows[False]) == large
    assert [row["sha256"] for row in state.db.query("SELECT sha256 FROM raw_mails")] == [rows[True]["sha256"]]
    assert (state.directory / rows[False]["raw_path"]).read_bytes() == large
    assert [path.name for path in (state.directory / "mail").rglob("*.eml")] == [f"{rows[False]['sha256']}.eml"]


def test_a_backup_leaves_the_mail_folder_for_rsync_to_copy(tmp_path):
    """Small mails are in the database; the README's backup line copies mail/ with rsync next,
    which fails on a folder that is missing."""
    with State(tmp_path / "state") as state:
        assert not (tmp_path / "state" / "mail").exists()  # opening it makes nothing (check-config opens it)
        state.backup(tmp_path / "copy.db")
    assert (tmp_path / "state" / "mail").is_dir()


def test_a_mail_of_exactly_the_limit_is_kept_in_the_database_and_one_byte_more_as_a_file(pipeline):
    base = buyer_mail("202-1111111-4444444", "", 3)
    line = "x" * 76 + "\r\n"
    text = line * ((RAW_IN_DATABASE_MAX - len(base)) // len(line))
    text += "x" * (RAW_IN_DATABASE_MAX - len(base) - len(text))
    at_limit, over = buyer_mail("202-1111111-4444444", text, 3), buyer_mail("202-1111111-5555555", text + "x", 4)
    assert (len(at_limit), len(over)) == (RAW_IN_DATABASE_MAX, RAW_IN_DATABASE_MAX + 1)
    for raw in (at_limit, over):
        pipeline.handle(raw, now=NOW)
    kept = {row["order_id"]: row["raw_path"] for row in pipeline.state.db.query("SELECT order_id, raw_path FROM messages")}
    assert kept["202-1111111-4444444"] is None and kept["202-1111111-5555555"].startswith("mail/")


def test_a_mail_missing_from_the_state_is_named(pipeline):
    pipeline.handle(buyer_mail("202-1111111-2222222", "Can I change the address?", 1), now=NOW)
    state = pipeline.state
    [row] = state.db.query("SELECT * FROM messages")
    with state.transaction():
        state.db.execute("DELETE FROM raw_mails")
    with pytest.raises(FileNotFoundError, match=row["sha256"]):
        state.raw(row)


def test_each_obligation_has_its_own_clock_and_only_the_claim_is_stopped_by_the_decision(pipeline):
    order = "202-3333333-4444444"
    pipeline.handle(buyer_mail(order, "Can I change the address?", 1), now=NOW)
    clock = pipeline.state.clock(f"order:{order}:buyer")
    assert clock["category"] == "buyer_message" and clock["deadline"] == "2026-11-23T10:01:03+00:00"
    assert clock["obligation"] == "buyer"
    pipeline.handle(buyer_mail(order, "It never arrived. I will file an A-to-z claim.", 5), now=NOW)
    clock = pipeline.state.clock(f"order:{order}:buyer")
    assert clock["category"] == "atoz_risk" and clock["deadline"] == "2026-11-23T10:01:03+00:00"  # the earlier one stays
    pipeline.handle(claim_mail(order), now=NOW)
    claim = pipeline.state.clock(f"order:{order}:claim")
    assert claim["category"] == "atoz_claim" and claim["deadline"] == "2026-11-24T11:00:03+00:00"  # its own deadline
    assert claim["obligation"] == "claim" and claim["tier"] == 1
    assert pipeline.state.clock(f"order:{order}:buyer")["deadline"] == "2026-11-23T10:01:03+00:00"  # untouched
    pipeline.handle(claim_mail(order, "A_Z_CLAIM_RESPONDENT_DECISION"), now=NOW)
    claim = pipeline.state.clock(f"order:{order}:claim")
    assert claim["status"] == "stopped" and claim["stop_reason"] == "Amazon decided the claim"
    assert pipeline.state.clock(f"order:{order}:buyer")["status"] == "open"  # the buyer still waits for an answer
    assert [(c["obligation"], c["status"]) for c in pipeline.state.order_clocks(order)] == [
        ("buyer", "open"), ("claim", "stopped")]
    kinds = [row["kind"] for row in pipeline.state.audit_rows(order_id=order)]
    assert kinds.count("classified") == 4 and kinds.count("clock_opened") == 2 and "clock_stopped" in kinds


def test_unparseable_mail_is_quarantined_not_lost(pipeline):
    outcome = pipeline.handle(b"   \r\n", source="inbox/1", now=NOW)
    assert outcome.status == "quarantined"
    files = sorted(p.suffix for p in (pipeline.state.directory / "quarantine").iterdir())
    assert files == [".eml", ".reason"]
    assert pipeline.state.audit_rows()[-1]["kind"] == "quarantined"


def fill(pipeline, count=5):
    for minute in range(count):
        pipeline.handle(buyer_mail(f"202-5555555-00000{minute:02d}", "Hello?", minute), now=NOW)


def test_audit_chain_is_intact_and_append_only(pipeline):
    fill(pipeline)
    assert pipeline.state.verify_audit().ok
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        pipeline.state.db.execute("UPDATE audit SET kind = 'x' WHERE id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        pipeline.state.db.execute("DELETE FROM audit WHERE id = 2")


def tamper(state, *statements):
    state.db.execute("DROP TRIGGER audit_no_update")
    state.db.execute("DROP TRIGGER audit_no_delete")
    for statement in statements:
        state.db.execute(statement)
    state.db.conn.commit()


@pytest.mark.parametrize(
    "statements, finding",
    [
        (["UPDATE audit SET detail = '{\"category\": \"other\"}' WHERE id = 3"], "row 3: content does not match its hash (edited)"),
        (["DELETE FROM audit WHERE id = 4"], "row 4 missing (deleted)"),
        (["DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)"], "rows cut off the end"),
    ],
)
def test_audit_verify_finds_tampering(pipeline, statements, finding):
    fill(pipeline)
    tamper(pipeline.state, *statements)
    result = pipeline.state.verify_audit()
    assert not result.ok
    assert any(finding in p for p in result.problems), result.problems


def test_audit_commands(config_file, tmp_path):
    corpus = [SHARED_CORPUS / e["file"] for e in corpus_manifest()[:5]]
    mails = tmp_path / "in"
    mails.mkdir()
    for minute in range(3):
        (mails / f"{minute}.eml").write_bytes(buyer_mail("202-7777777-8888888", "Is it blue?", minute))
    run = lambda *a: cli(*a, "--config", str(config_file))  # noqa: E731
    processed = run("process", str(mails), *map(str, corpus))
    assert processed.returncode == 0, processed.stderr
    assert "recorded" in processed.stdout
    assert run("audit", "verify").returncode == 0
    shown = run("audit", "show", "--order", "202-7777777-8888888")
    assert shown.stdout.count("classified") == 3
    with State(tmp_path / "state") as state:
        tamper(state, "UPDATE audit SET kind = 'nothing' WHERE id = 1")
    broken = run("audit", "verify")
    assert broken.returncode == 1 and "TAMPERED: row 1" in broken.stdout


def test_backup_copies_a_consistent_state_while_another_process_writes(pipeline, tmp_path, capsys):
    """`crisis-gateway backup` takes SQLite's online backup while a writer keeps appending."""
    import threading

    for minute in range(20):
        pipeline.handle(buyer_mail(f"204-0000000-{minute:07d}", "Where is my order?", minute))
    state_dir = pipeline.state.directory
    stop = threading.Event()

    def write_more():
        with State(state_dir) as writer:
            number = 100
            while not stop.is_set():
                with writer.transaction():
                    audit.append(writer.db, "note", {"n": number})
                number += 1

    thread = threading.Thread(target=write_more)
    thread.start()
    try:
        config = write_config(tmp_path, gateway={"state_dir": str(state_dir)})
        assert main(["backup", "--config", str(config), str(tmp_path / "copy.db")]) == 0
    finally:
        stop.set()
        thread.join()
    assert "audit rows" in capsys.readouterr().out
    copy = State.__new__(State)  # the copy opened as a state, read only
    copy.db = sqlite_utils.Database(sqlite3.connect(tmp_path / "copy.db"))
    assert copy.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 20
    first = copy.db["messages"].get("<buyer-204-0000000-0000000-ann0-0@example.test>")
    assert copy.raw(first) == buyer_mail("204-0000000-0000000", "Where is my order?", 0)  # the originals come along
    verified = copy.verify_audit()
    assert verified.ok and verified.rows >= 20
    assert not (tmp_path / "copy.db.part").exists()

def test_backup_makes_its_folder_private_and_says_when_it_cannot_write(pipeline, tmp_path, capsys):
    pipeline.handle(buyer_mail("204-0000000-0000001", "Where is my order?", 0))
    config = write_config(tmp_path, gateway={"state_dir": str(pipeline.state.directory)})
    copy = tmp_path / "backup" / "daily" / "state.db"
    assert main(["backup", "--config", str(config), str(copy)]) == 0
    assert copy.exists() and stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    # "DIR/" is a folder, made on the way, with a dated file in it
    assert main(["backup", "--config", str(config), str(tmp_path / "nightly") + "/"]) == 0
    assert [path.name[:6] for path in (tmp_path / "nightly").iterdir()] == ["state-"]
    capsys.readouterr()
    # a file where the folder should be: one line that names the path, no traceback
    (tmp_path / "blocked").write_text("")
    assert main(["backup", "--config", str(config), str(tmp_path / "blocked" / "state.db")]) == 1
    error = capsys.readouterr().err
    assert f"cannot write the backup {tmp_path / 'blocked' / 'state.db'}" in error and "Traceback" not in error



@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files away")
def test_state_opened_by_root_leaves_its_files_to_the_state_folders_owner(classifier, tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    os.chown(folder, 65534, 65534)  # the service's (dynamic) user
    with State(folder) as state:
        # mails processed by hand (`crisis-gateway process`), one kept as a file, and one that is quarantined
        pipeline = Pipeline(classifier, state)
        assert pipeline.handle(claim_mail("203-1000000-2000000"), now=NOW).status == "recorded"
        assert pipeline.handle(large_buyer_mail("203-1000000-2000000", 3), now=NOW).status == "recorded"
        assert pipeline.handle(b"", now=NOW).status == "quarantined"
    written = [path for path in folder.rglob("*")]
    assert folder / "state.db" in written and any(path.suffix == ".eml" for path in (folder / "mail").rglob("*"))
    assert any((folder / "quarantine").glob("*.reason"))
    assert {path: path.stat().st_uid for path in written if path.stat().st_uid != 65534} == {}
