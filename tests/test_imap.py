"""The daemon against a real Dovecot: every mail in INBOX once, tier-1 mail tagged, originals
archived, forwards and acknowledgements once, across restarts, drops and SIGKILLs."""

import email
import random
import re
import shutil
import signal
import threading
import time
import tomllib
from contextlib import closing

import mailfactory
import mails
import pytest
from captured import captured_mail
from configs import smtp_capture, write_config
from corpus import SHARED_CORPUS, corpus_manifest
from inbox import ARCHIVE, Crash, crashing_store, message_id, settled, subject_of, tagged_copy_of
from servers import wait_until

from gateway.config import load_config
from gateway.config.shipped import shipped_dir
from gateway.intake.pipeline import Pipeline
from gateway.intake.stores.imap import ImapStore
from gateway.intake.watcher import Watcher
from gateway.judging.classify import Classifier
from gateway.mail import maildir
from gateway.outgoing.outbox import Outbox
from gateway.service.daemon import Daemon
from gateway.state import State


def outgoing(tmp_path, reminders: bool = False) -> list[bytes]:
    """Forwards and acknowledgements sent; with `reminders`, reminders too (the test mails are a
    day old, so their clocks' reminders come due at once; they are tested in test_reminders.py)."""
    return captured_mail(tmp_path / "outgoing", reminders=reminders)


def watcher(config, store: ImapStore, state: State) -> Watcher:
    return Watcher(store, Pipeline(Classifier(config), state), backlog_days=30, stop=threading.Event())


def test_backlog_is_tagged_in_place(dovecot, imap_config, tmp_path):
    order = "301-1111111-2222222"
    inbox = {
        "claim": mails.claim(order),
        "risk": mails.buyer(order, "The parcel never arrived!", minute=1),
        "routine": mails.buyer("301-3333333-4444444", "Is it blue?", token="b2", minute=2),
        "colleague": b"From: Petra <petra@shop.example>\r\nSubject: Lunch\r\nMessage-ID: <lunch@shop.example>\r\n\r\nat noon\r\n",
    }
    for raw in inbox.values():
        dovecot.append(raw)
    config = load_config(imap_config)
    assert Daemon(config).run_once() == 0

    messages = dovecot.messages()
    assert len(messages) == 4  # every mail once
    by_id = {message_id(raw): (flags, raw) for _, flags, raw in messages}
    flags, raw = by_id[message_id(inbox["claim"])]
    assert subject_of(raw).startswith("[CRISIS: A-to-Z by ")
    assert {b"$CrisisTagged", b"$CrisisTier1", b"$CrisisAtozClaim"} <= set(flags)
    assert subject_of(by_id[message_id(inbox["risk"])][1]).startswith("[CRISIS: A-to-Z risk by ")
    assert subject_of(by_id[message_id(inbox["routine"])][1]).startswith("[Buyer by ")
    flags, raw = by_id["<lunch@shop.example>"]
    assert raw == inbox["colleague"] and b"$CrisisTagged" not in flags  # untouched
    archived = [raw for _, _, raw in dovecot.messages(ARCHIVE)]
    assert sorted(archived) == sorted([inbox["claim"], inbox["risk"], inbox["routine"]])
    sent = outgoing(tmp_path, reminders=True)
    # forwards of claim and risk, acknowledgements of the two buyers; the mails are days old, so
    # the steps of the two clocks (the claim and the risk share an order) had passed before the
    # gateway first saw them: not sent late, recorded as skipped
    assert sum(b"X-Crisis-Reminder:" not in raw for raw in sent) == 4
    assert sum(b"X-Crisis-Reminder: remind " in raw for raw in sent) == 0
    with State(config.state_dir) as state:
        skipped = [r["detail"] for r in state.audit_rows() if r["kind"] == "reminder"]
    assert len(skipped) >= 2 and all(d["status"] == "skipped" and "first saw the clock" in d["reason"] for d in skipped)

    assert Daemon(config).run_once() == 0  # a second pass changes nothing
    assert len(dovecot.messages()) == 4 and len(dovecot.messages(ARCHIVE)) == 3
    assert len(outgoing(tmp_path, reminders=True)) == 4


def test_idle_tags_a_new_mail_within_seconds_and_survives_drops_and_restarts(dovecot, imap_config, run_daemon):
    daemon = run_daemon(imap_config)
    try:
        assert wait_until(lambda: "shop: connected" in daemon.log_text(), 20)

        raw = mails.claim("302-0000000-0000001")
        started = time.monotonic()
        dovecot.append(raw)
        assert wait_until(lambda: tagged_copy_of(dovecot, message_id(raw)), 10)
        assert time.monotonic() - started < 5, "a mail arriving while the daemon idles is tagged within 5 seconds"

        dovecot.doveadm("kick", dovecot.user)  # the server drops every connection
        raw = mails.claim("302-0000000-0000002")
        dovecot.append(raw)
        assert wait_until(lambda: tagged_copy_of(dovecot, message_id(raw)), 30), daemon.log_text()[-3000:]

        dovecot.stop()  # the server restarts while the daemon idles
        time.sleep(1)
        dovecot.start()
        raw = mails.claim("302-0000000-0000003")
        dovecot.append(raw)
        assert wait_until(lambda: tagged_copy_of(dovecot, message_id(raw)), 40), daemon.log_text()[-3000:]
        assert "reconnecting" in daemon.log_text()
    finally:
        assert daemon.stop() == 0
    assert "shop: stopped" in daemon.log_text()
    assert dovecot.password not in daemon.log_text()
    assert len(dovecot.messages()) == 3 and len(dovecot.messages(ARCHIVE)) == 3


def test_a_reply_filed_in_the_sent_folder_stops_the_clock_while_running(dovecot, imap_config, run_daemon, tmp_path):
    """The server names its Sent folder only by the \\Sent attribute; the gateway's own
    acknowledgement filed there (as Gmail does) is no reply; the team's reply is."""
    order = "305-0000000-0000001"
    state_dir = load_config(imap_config).state_dir

    def clock_status():
        with State(state_dir) as state:
            return (state.clock(f"order:{order}:buyer") or {}).get("status")

    raw = mails.buyer(order, "Where is my parcel? Otherwise I will file an A-to-z claim.")
    dovecot.append(raw)
    daemon = run_daemon(imap_config)
    try:
        assert wait_until(lambda: outgoing(tmp_path), 20), daemon.log_text()[-3000:]
        assert clock_status() == "open"
        assert "shop (sent): watching Gesendet" in daemon.log_text()
        for acknowledgement in outgoing(tmp_path):
            dovecot.append(acknowledgement, folder="Gesendet")
        time.sleep(3)
        assert clock_status() == "open"
        dovecot.append((f"From: support@shop.example\r\nTo: {mails.BUYER_ADDRESS}\r\nSubject: Re: order {order}\r\n"
                        f"Date: Sun, 22 Nov 2026 12:00:00 +0000\r\nMessage-ID: <sent-reply-1@shop.example>\r\n"
                        f"In-Reply-To: {message_id(raw)}\r\n\r\nYour parcel is on its way.\r\n").encode(), folder="Gesendet")
        assert wait_until(lambda: clock_status() == "stopped", 20), daemon.log_text()[-3000:]
    finally:
        assert daemon.stop() == 0
    assert "clock stopped" in daemon.log_text()


def test_uidvalidity_change_rescans_without_duplicates(dovecot, imap_config, tmp_path):
    for n in range(5):
        dovecot.append(mails.buyer(f"303-0000000-000000{n}", "Hello?", token=f"u{n}", minute=n))
    config = load_config(imap_config)
    Daemon(config).run_once()
    before = sorted(message_id(raw) for _, _, raw in dovecot.messages())
    dovecot.doveadm("mailbox", "update", "--uid-validity", "4242", "-u", dovecot.user, "INBOX")
    dovecot.append(mails.buyer("303-0000000-0000009", "New one", token="u9", minute=9))
    Daemon(config).run_once()
    after = [message_id(raw) for _, _, raw in dovecot.messages()]
    assert sorted(after) == sorted(before + ["<buyer-303-0000000-0000009-u9-9@example.test>"])
    assert all(subject_of(raw).startswith("[Buyer") for _, _, raw in dovecot.messages())
    assert len(outgoing(tmp_path)) == 6  # one acknowledgement per buyer, none twice


def test_sigkill_during_a_backlog_of_500_loses_nothing_and_repeats_nothing(dovecot, imap_config, run_daemon, tmp_path):
    stream = list(mailfactory.generate(500, seed=5))
    with dovecot.client() as client:
        for mail in stream:
            client.append("INBOX", mail.raw)
    rng = random.Random(500)
    for _ in range(8):
        daemon = run_daemon(imap_config)
        time.sleep(rng.uniform(0.5, 2.5))
        daemon.stop(signal.SIGKILL)
    daemon = run_daemon(imap_config)
    try:
        done = wait_until(lambda: "500/500 read" in daemon.log_text() or "shop: 0 mail" in daemon.log_text() or settled(dovecot, stream), 240, 1.0)
        assert done, daemon.log_text()[-3000:]
        assert wait_until(lambda: settled(dovecot, stream), 120, 1.0), daemon.log_text()[-3000:]
    finally:
        daemon.stop()

    inbox = dovecot.messages()
    ids = [message_id(raw) for _, _, raw in inbox]
    assert sorted(ids) == sorted(m.raw and message_id(m.raw) for m in stream)  # every mail exactly once
    expected = {message_id(m.raw): m.expected for m in stream}
    for _, flags, raw in inbox:
        want = expected[message_id(raw)]
        if want["tier"] == 1:
            assert subject_of(raw).startswith("[CRISIS:") and b"$CrisisTagged" in flags
        if want["suspicious"]:
            assert subject_of(raw).startswith("[SUSPECT]")
    tagged = sum(b"$CrisisTagged" in flags for _, flags, _ in inbox)
    assert len(dovecot.messages(ARCHIVE)) == tagged  # each tagged copy's original archived once

    sent = outgoing(tmp_path)
    sent_ids = [message_id(raw) for raw in sent]
    assert len(sent_ids) == len(set(sent_ids))
    acks = [raw for raw in sent if b"Auto-Submitted: auto-replied" in raw]
    forwards = [raw for raw in sent if b"Auto-Submitted: auto-generated" in raw]
    assert len(forwards) == sum(e["forward"] for e in expected.values())
    references = [email.message_from_bytes(raw)["References"] for raw in forwards]
    assert len(references) == len(set(references))  # no mail forwarded twice
    assert len(acks) <= sum(e["ack"] for e in expected.values())  # one per buyer and order at most


def test_a_failing_mailbox_does_not_stop_the_others(dovecot, imap_config, run_daemon, tmp_path):
    good = tomllib.loads(imap_config.read_text())["mailbox"][0]
    broken = {**good, "name": "broken", "address": "other@shop.example", "imap_port": 9}
    assert write_config(tmp_path, mailbox=[good, broken], smtp=smtp_capture(tmp_path)) == imap_config  # replaced
    daemon = run_daemon(imap_config)
    try:
        raw = mails.claim("304-0000000-0000001")
        dovecot.append(raw)
        assert wait_until(lambda: tagged_copy_of(dovecot, message_id(raw)), 20), daemon.log_text()[-2000:]
        assert "broken: ConnectionRefusedError" in daemon.log_text()
    finally:
        assert daemon.stop() == 0


@pytest.mark.parametrize("crash_at", ["append_copy", "after_append", "archive", "after_archive"])
def test_crash_at_each_stage_of_tagging_resumes_without_duplicates(dovecot, imap_config, tmp_path, crash_at):
    raw = mails.buyer("305-0000000-0000001", "It never arrived, I will open an A-to-z claim.", token="crash")
    dovecot.append(raw)
    config = load_config(imap_config)

    CrashingStore = crashing_store(crash_at)

    with State(config.state_dir) as state, closing(CrashingStore(config.mailboxes[0])) as store:
        store.connect()
        with pytest.raises(Crash):
            watcher(config, store, state).scan()

    with State(config.state_dir) as state, closing(ImapStore(config.mailboxes[0])) as store:
        store.connect()
        watcher(config, store, state).scan()
        Outbox(config, state).run()

    inbox = dovecot.messages()
    assert len(inbox) == 1, [subject_of(r) for _, _, r in inbox]
    assert subject_of(inbox[0][2]).startswith("[CRISIS: A-to-Z risk") and b"$CrisisTagged" in inbox[0][1]
    assert [r for _, _, r in dovecot.messages(ARCHIVE)] == [raw]
    assert len(outgoing(tmp_path)) == 2  # one forward, one acknowledgement


def test_sighup_reloads_rules_and_keeps_the_old_ones_when_broken(run_daemon, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(shipped_dir("rules"), rules)
    inbox = maildir.ensure(tmp_path / "inbox")
    config = write_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "rules_dir": str(rules)},
                          mailbox=[{"name": "local", "address": "support@shop.example", "maildir": str(inbox), "poll_seconds": 0.5}])
    recall = lambda n: f"From: QA <qa@supplier.example>\r\nSubject: Recall {n}\r\nMessage-ID: <recall-{n}@supplier.example>\r\n\r\nStop.\r\n".encode()  # noqa: E731
    daemon = run_daemon(config)
    try:
        assert wait_until(lambda: "local: connected" in daemon.log_text(), 20)
        (rules / "05-recall.toml").write_text('[[rule]]\nname = "recall"\ncategory = "account_health"\ntier = 7\nwhen = {}\n')
        daemon.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "still using the" in daemon.log_text(), 10), daemon.log_text()
        assert "05-recall.toml: rule recall: 'tier' must be 1 or 2" in daemon.log_text()
        maildir.deliver(inbox, recall(1))
        assert wait_until(lambda: "uid 1: other" in daemon.log_text(), 10), daemon.log_text()

        (rules / "05-recall.toml").write_text(
            '[[rule]]\nname = "recall"\ncategory = "account_health"\ntier = 1\ntag = "Recall"\nactions = ["tag"]\n'
            'when = { from_domain = ["supplier.example"], subject = ["recall"] }\n')
        daemon.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "reload: 32 rules" in daemon.log_text(), 10), daemon.log_text()
        maildir.deliver(inbox, recall(2))
        # an account-health rule: its clock runs [gateway] account_health_hours, its tag says when it is due
        tag = re.compile(r"\[CRISIS: Recall by [^]]+\] Recall 2")
        assert wait_until(lambda: tag.search(daemon.log_text()), 10), daemon.log_text()
    finally:
        assert daemon.stop() == 0
    tagged = [p.read_bytes() for p in maildir.mail_files(inbox)]
    assert sum(bool(re.search(rb"Subject: \[CRISIS: Recall by [^]]+\] Recall 2", raw)) for raw in tagged) == 1


@pytest.mark.corpus
@pytest.mark.imap_mailbox(backlog_days=36500)
def test_shared_corpus_through_dovecot_across_a_sigkill(dovecot, imap_config, run_daemon, tmp_path):
    entries = corpus_manifest()
    if not entries:
        pytest.skip("../shared/corpus not present")
    for entry in entries:
        dovecot.append((SHARED_CORPUS / entry["file"]).read_bytes())
    daemon = run_daemon(imap_config)
    assert wait_until(lambda: "uid 10:" in daemon.log_text(), 30)
    daemon.stop(signal.SIGKILL)
    daemon = run_daemon(imap_config)
    try:
        assert wait_until(lambda: len(dovecot.messages(ARCHIVE)) == sum(e["tier"] is not None or e["suspicious"] or e["category"] not in (None, "other") for e in entries), 60), daemon.log_text()[-3000:]
        time.sleep(1)  # let the outbox finish
    finally:
        assert daemon.stop() == 0
    inbox = dovecot.messages()
    by_id = {message_id(raw): (flags, raw) for _, flags, raw in inbox}
    assert len(inbox) == len(entries) == len(by_id)  # every mail exactly once
    for entry in entries:
        flags, raw = by_id[message_id((SHARED_CORPUS / entry["file"]).read_bytes())]
        if entry["tier"] == 1:
            assert subject_of(raw).startswith("[CRISIS:") and b"$CrisisTier1" in flags, entry["file"]
        if entry["suspicious"]:
            assert subject_of(raw).startswith("[SUSPECT]")
        if entry["category"] == "other":  # untouched (IMAP stores CRLF line ends)
            assert raw.replace(b"\r\n", b"\n") == (SHARED_CORPUS / entry["file"]).read_bytes().replace(b"\r\n", b"\n")
    sent = outgoing(tmp_path)
    assert len(sent) == len({message_id(raw) for raw in sent})
    forwards = [raw for raw in sent if b"Auto-Submitted: auto-generated" in raw]
    acks = [raw for raw in sent if b"Auto-Submitted: auto-replied" in raw]
    assert len(forwards) == sum(e["forward"] for e in entries)
    assert len(acks) == sum(e["ack"] for e in entries)


@pytest.mark.parametrize("missing", [{b"MOVE"}, {b"MOVE", b"UIDPLUS"}])
def test_servers_without_move_or_uidplus(dovecot, imap_config, missing):
    """COPY + \\Deleted + UID EXPUNGE where MOVE is missing; where UIDPLUS is missing too, a search
    confirms the copy and nothing is expunged (a plain EXPUNGE would remove what a colleague
    marked deleted)."""
    class OldServer(ImapStore):
        def connect(self):
            super().connect()
            self._capabilities -= missing

        def append_copy(self, *args):
            uid = super().append_copy(*args)
            return None if b"UIDPLUS" in missing else uid

    for n in range(3):
        dovecot.append(mails.claim(f"306-0000000-000000{n}"))
    colleague = b"From: Tom <tom@shop.example>\r\nSubject: old note\r\nMessage-ID: <note@shop.example>\r\n\r\nbye\r\n"
    dovecot.append(colleague)
    with dovecot.client() as client:
        client.select_folder("INBOX")
        client.add_flags(client.search(["HEADER", "Message-ID", "<note@shop.example>"]), ["\\Deleted"])
    config = load_config(imap_config)
    with State(config.state_dir) as state, closing(OldServer(config.mailboxes[0])) as store:
        store.connect()
        watcher(config, store, state).scan()
    live = [(flags, raw) for _, flags, raw in dovecot.messages() if b"\\Deleted" not in flags]
    deleted = [raw for _, flags, raw in dovecot.messages() if b"\\Deleted" in flags]
    assert len(live) == 3 and all(subject_of(raw).startswith("[CRISIS: A-to-Z") for _, raw in live)
    assert len(dovecot.messages(ARCHIVE)) == 3
    assert colleague.replace(b"\r\n", b"\n") in [r.replace(b"\r\n", b"\n") for r in deleted]  # never expunged by us
    assert len(deleted) == (4 if b"UIDPLUS" in missing else 1)


def test_the_mail_about_an_order_is_found_in_a_queue_of_thousands_by_a_short_search(dovecot, imap_config):
    """During a two-week backlog's read, the older mail about a fresh claim's order is searched for
    by the order within the queue's span, and kept to the queue here: the command line stays short
    however long the queue (listing its UIDs passes some servers' line limits, which answer BAD)."""
    order = "302-4444444-5555555"
    notes = [f"From: Tom <tom@shop.example>\r\nSubject: note {n}\r\nMessage-ID: <note-{n}@shop.example>\r\n"
             f"\r\nnothing about orders, {n}\r\n".encode() for n in range(3000)]
    for n in (0, 1234, 2000):  # before the queue, in it, in its span but handled already
        notes[n] = mails.buyer(order, f"Where is my parcel? ({n})", token=f"t{n}", minute=n)
    with dovecot.client() as client:
        client.multiappend("INBOX", notes)
    config = load_config(imap_config)
    with closing(ImapStore(config.mailboxes[0])) as store:
        store.connect()
        uids = store.list_uids(0, None)
        assert len(uids) == 3000
        queue = [uid for uid in uids[1:] if uid != uids[2000]]
        searched = []
        search = store.client.search
        store.client.search = lambda criteria: searched.append(criteria) or search(criteria)
        assert store.uids_naming(queue, order) == [uids[1234]]
        assert store.uids_naming(queue, "306-9999999-9999999") == []
    assert all(len(" ".join(map(str, criteria))) < 100 for criteria in searched), searched


@pytest.mark.imap_mailbox(since="2999-01-01")
def test_backlog_since_a_date(dovecot, imap_config):
    dovecot.append(mails.claim("307-0000000-0000001"))
    config = load_config(imap_config)
    Daemon(config).run_once()
    assert not subject_of(dovecot.messages()[0][2]).startswith("[CRISIS")  # older than since: left alone
