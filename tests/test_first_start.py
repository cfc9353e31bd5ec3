"""A quiet first start and a quiet catch-up: mail first seen long after it arrived is tagged and
gets its clock, but nobody is acknowledged or sent a forward for it one by one; its crises go in
one backlog report per mailbox, late reminder steps are not sent, several reminders for the same
people at once come as one list."""

import email
import email.policy
import email.utils
import threading
import time
from datetime import datetime, timedelta, timezone

from captured import captured_mail
from configs import imap_mailbox, make_config, smtp_capture, write_config
from mails import arrived_now, buyer, case, claim
from recording import recorded

from gateway.config import load_config
from gateway.deadlines import backlog, cases, reminders
from gateway.intake import watcher
from gateway.intake.pipeline import Pipeline
from gateway.intake.stores.imap import ImapStore
from gateway.judging.classify import Classifier
from gateway.outgoing.outbox import Outbox
from gateway.service.daemon import Daemon
from gateway.state import State

CLAIM_ORDER, RISK_ORDER, QUESTION_ORDER = "114-2682884-2909064", "114-2682884-2909065", "114-2682884-2909066"
ARRIVAL = datetime(2026, 11, 22, 11, 0, 3, tzinfo=timezone.utc)  # the Received stamp of mails.claim
DAYS_LATER = ARRIVAL + timedelta(days=3)


def first_start_config(tmp_path, **sections):
    """The default fresh_hours (6), outgoing mail captured, escalations to a manager."""
    return make_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "fresh_hours": 6}, smtp=smtp_capture(tmp_path),
                       reminders={"escalate_to": ["manager@shop.example"]}, **sections)


def outbox_rows(config) -> list[tuple[str, str]]:
    with State(config.state_dir) as state:
        return [(r["kind"], r["target"]) for r in state.outbox_rows()]


def audit_rows(config, kind: str) -> list[dict]:
    with State(config.state_dir) as state:
        return [r for r in state.audit_rows() if r["kind"] == kind]


def sent_mail(tmp_path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(raw, policy=email.policy.default) for raw in captured_mail(tmp_path / "outgoing")]


def old_mail() -> list[bytes]:
    return [claim(CLAIM_ORDER),
            buyer(RISK_ORDER, "My parcel never arrived, I will open an A-to-z claim.", token="risk1"),
            buyer(QUESTION_ORDER, "Is the blue one in stock?", token="ask1")]


def test_mail_seen_days_late_is_tagged_and_clocked_but_neither_acknowledged_nor_forwarded(tmp_path):
    config = first_start_config(tmp_path)
    outcomes = recorded(config, *old_mail(), now=DAYS_LATER)
    for outcome in outcomes:
        assert outcome.verdict.action("tag") is not None  # the inbox copy is tagged all the same
        assert outcome.verdict.action("forward") is None and outcome.verdict.action("acknowledge") is None
    assert outbox_rows(config) == []
    with State(config.state_dir) as state:
        assert {c["key"] for c in state.open_clocks()} == {
            f"order:{CLAIM_ORDER}:claim", f"order:{RISK_ORDER}:buyer", f"order:{QUESTION_ORDER}:buyer"}
    held = [(r["detail"]["kind"], r["order_id"]) for r in audit_rows(config, "held_back")]
    assert sorted(held) == sorted([("forward", CLAIM_ORDER), ("forward", RISK_ORDER), ("acknowledge", RISK_ORDER),
                                   ("acknowledge", QUESTION_ORDER)])
    reasons = {r["detail"]["reason"] for r in audit_rows(config, "held_back")}
    assert all("more than [gateway] fresh_hours (6 h)" in reason and "arrived 3 d " in reason for reason in reasons)


def test_mail_seen_within_fresh_hours_is_handled_at_once(tmp_path):
    config = first_start_config(tmp_path)
    recorded(config, *old_mail(), now=ARRIVAL + timedelta(hours=5))
    assert sorted(kind for kind, _ in outbox_rows(config)) == ["acknowledge", "acknowledge", "forward", "forward"]
    assert audit_rows(config, "held_back") == []


def test_one_backlog_report_per_mailbox_the_most_urgent_first_once_the_backlog_settles(tmp_path):
    config = first_start_config(tmp_path)
    recorded(config, *old_mail(), now=DAYS_LATER)
    with State(config.state_dir) as state:
        assert backlog.fire_due(state, config, DAYS_LATER + timedelta(seconds=10)) == []  # still reading, maybe
        assert backlog.fire_due(state, config, DAYS_LATER + timedelta(minutes=1)) == [
            {"mailbox": "", "to": ["crisis@shop.example", "manager@shop.example"], "crises": 2}]
        assert backlog.fire_due(state, config, DAYS_LATER + timedelta(minutes=2)) == []  # reported once
        assert Outbox(config, state).run(lambda: DAYS_LATER + timedelta(minutes=2)) == {"done": 1, "dead": 0, "waiting": 0}
    (report,) = sent_mail(tmp_path)
    # the managers too: the escalations already past when the crises were first seen are not sent
    assert report["To"] == "crisis@shop.example, manager@shop.example" and report["X-Crisis-Report"] == "backlog"
    assert report["Subject"].startswith("[Crisis Gateway] 2 crises found")
    body = report.get_content()
    # the risk message is due 24 h after arrival, the claim 48 h: the risk first, both overdue
    assert body.index(RISK_ORDER) < body.index(CLAIM_ORDER)
    assert f"Order {RISK_ORDER}; due Mon 23 Nov 10:00 UTC, 2 d 1 h overdue" in body
    assert f"Order {CLAIM_ORDER}; due Tue 24 Nov 11:00 UTC, 24 h 02 min overdue" in body
    assert "[CRISIS: A-to-Z by " in body and QUESTION_ORDER not in body  # crises only
    assert [r["detail"]["crises"] for r in audit_rows(config, "backlog_report")] == [2]


def test_the_report_waits_for_the_end_of_a_long_read_however_slow(tmp_path):
    config = first_start_config(tmp_path)
    recorded(config, *old_mail(), now=DAYS_LATER)
    with State(config.state_dir) as state:
        state.reading("", True)  # a read under way, with a long gap between two crises
        assert backlog.fire_due(state, config, DAYS_LATER + timedelta(minutes=5)) == []
        state.reading("", False)
        assert [q["crises"] for q in backlog.fire_due(state, config, DAYS_LATER + timedelta(minutes=5))] == [2]


def test_reminder_steps_already_past_when_a_clock_is_first_seen_are_not_sent(tmp_path):
    config = first_start_config(tmp_path)
    seen = ARRIVAL + timedelta(hours=30)  # the claim's T-24h step has passed, T-6h and T-1h are ahead
    recorded(config, claim(CLAIM_ORDER), now=seen)
    with State(config.state_dir) as state:
        fired = reminders.fire_due(state, config, seen + timedelta(minutes=1))
    assert [(e["step"], e["status"], e.get("reason")) for e in fired] == [
        ("T-24h", "skipped", "its time had passed when the gateway first saw the clock")]
    with State(config.state_dir) as state:
        fired = reminders.fire_due(state, config, ARRIVAL + timedelta(hours=42, minutes=1))  # T-6h
    assert sorted((e["kind"], e["status"]) for e in fired) == [("escalate", "sent"), ("remind", "sent")]


def test_an_escalation_already_due_goes_to_the_managers_for_fresh_mail_and_stands_in_the_report_for_old(tmp_path):
    config = first_start_config(tmp_path)
    # first seen 44 h after it arrived (4 h left): in the backlog report, which the managers get
    recorded(config, claim(CLAIM_ORDER), now=ARRIVAL + timedelta(hours=44))
    with State(config.state_dir) as state:
        fired = reminders.fire_due(state, config, ARRIVAL + timedelta(hours=44, minutes=1))
    assert sorted((e["kind"], e["step"], e["status"]) for e in fired) == [
        ("escalate", "T-6h", "skipped"), ("remind", "T-24h", "skipped"), ("remind", "T-6h", "skipped")]
    fresh = make_config(tmp_path / "fresh", gateway={"state_dir": str(tmp_path / "fresh" / "state"), "fresh_hours": 6},
                        smtp=smtp_capture(tmp_path / "fresh"), reminders={"escalate_to": ["manager@shop.example"],
                                                                           "escalate_hours": 50})
    # seen at once, but its escalation step (50 h before a 48 h deadline) is already past: sent, late
    recorded(fresh, claim(CLAIM_ORDER), now=ARRIVAL + timedelta(minutes=1))
    with State(fresh.state_dir) as state:
        fired = reminders.fire_due(state, fresh, ARRIVAL + timedelta(minutes=2))
    assert [(e["kind"], e["status"], e["to"]) for e in fired if e["kind"] == "escalate"] == [
        ("escalate", "sent", ["manager@shop.example"])]


def test_several_reminders_for_the_same_people_at_once_come_as_one_list(tmp_path):
    config = first_start_config(tmp_path, cases={"nudge_hours": 24})
    orders = ["114-0000000-0000001", "114-0000000-0000002", "114-0000000-0000003"]
    recorded(config, *[claim(o) for o in orders], case("69794732962", "opened"), now=ARRIVAL)
    later = datetime(2026, 11, 23, 20, 5, tzinfo=timezone.utc)  # the claims' T-24h, the case's first follow-up
    with State(config.state_dir) as state, state.transaction():
        batch = reminders.Batch()
        assert len(reminders.fire_due(state, config, later, batch)) == 3
        assert len(cases.fire_due(state, config, later, batch)) == 1
        batch.flush(state, config, later)
    assert [row for row in outbox_rows(config) if row[0] != "forward"] == [("reminders", "crisis@shop.example")]
    with State(config.state_dir) as state:
        Outbox(config, state).run(lambda: later)
    (listing,) = [m for m in sent_mail(tmp_path) if m["X-Crisis-Reminder"]]
    assert listing["Subject"] == "[Reminders] 4 open clocks need the team"
    body = listing.get_content()
    assert all(order in body for order in orders) and "Follow up with Amazon" in body and "case 69794732962" in body


def test_a_single_reminder_is_a_mail_of_its_own_and_an_escalation_past_due_never_says_close(tmp_path):
    config = first_start_config(tmp_path)
    recorded(config, claim(CLAIM_ORDER), now=ARRIVAL)
    deadline = ARRIVAL + timedelta(hours=48)
    with State(config.state_dir) as state:
        reminders.fire_due(state, config, deadline + timedelta(hours=2))  # down over the deadline
        Outbox(config, state).run(lambda: deadline + timedelta(hours=2))
    by_kind = {m["X-Crisis-Reminder"].split()[0]: m for m in sent_mail(tmp_path) if m["X-Crisis-Reminder"]}
    assert set(by_kind) == {"remind", "escalate"}  # different people: a mail each
    escalation = by_kind["escalate"].get_content()
    assert "overdue" in escalation and "has passed" in escalation and "close" not in escalation



def test_a_first_start_on_dovecot_reports_the_history_forwards_the_fresh_claim_and_reads_no_copy_again(tmp_path, dovecot):
    fresh_order = "114-2682884-2909099"
    for raw in old_mail():
        dovecot.append(raw)
    dovecot.append(arrived_now(claim(fresh_order), datetime.now(timezone.utc)))
    config = load_config(write_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "fresh_hours": 6},
                                      mailbox=[imap_mailbox(tmp_path, dovecot)], smtp=smtp_capture(tmp_path)))
    assert Daemon(config).run_once() == 0
    sent = sent_mail(tmp_path)
    forwards = [m for m in sent if m["X-Crisis-Order"]]
    reports = [m for m in sent if m["X-Crisis-Report"] == "backlog"]
    assert [m["X-Crisis-Order"] for m in forwards] == [fresh_order]
    assert not [m for m in sent if m["Auto-Submitted"] == "auto-replied"]
    (report,) = reports
    assert report["Subject"] == "[Crisis Gateway] 2 crises found in the mail of shop"
    assert CLAIM_ORDER in report.get_content() and fresh_order not in report.get_content()
    inbox = dovecot.messages()
    assert sum(b"X-Crisis-Key:" in raw for _, _, raw in inbox) == 4  # every mail tagged in place
    # the copies stand above the cursor, yet the next read lists none of them
    with State(config.state_dir) as state:
        cursor = state.source("shop")["last_uid"]
    store = ImapStore(config.mailboxes[0])
    store.connect()
    try:
        assert max(uid for uid, _, _ in inbox) > cursor and store.list_uids(cursor, None) == []
    finally:
        store.close()


def test_mail_arriving_during_a_long_read_is_handled_before_the_rest_of_the_backlog(tmp_path, dovecot, monkeypatch):
    monkeypatch.setattr(watcher, "LOOK_FOR_NEWS_SECONDS", 0.0)
    fresh_order = "114-2682884-2909098"
    history = [buyer(f"114-0000000-{n:07d}", "Is it in stock?", token=f"t{n}") for n in range(30)]
    # days ago, the buyer of the claim to come wrote about the same order: late in the backlog
    history[25] = buyer(fresh_order, "It never arrived, I will open a claim.", token="late1")
    for raw in history:
        dovecot.append(raw)
    config = load_config(write_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "fresh_hours": 6},
                                      mailbox=[imap_mailbox(tmp_path, dovecot, backlog_days=30)], smtp=smtp_capture(tmp_path)))
    store = ImapStore(config.mailboxes[0])
    fetched: list[int] = []
    fetch = store.fetch

    def fetch_and_deliver(uid):
        fetched.append(uid)
        if len(fetched) == 5:  # a claim arrives while the backlog is read
            dovecot.append(arrived_now(claim(fresh_order), datetime.now(timezone.utc)))
        return fetch(uid)

    monkeypatch.setattr(store, "fetch", fetch_and_deliver)
    with State(config.state_dir) as state:
        store.connect()
        try:
            looked = watcher.Watcher(store, Pipeline(Classifier(config), state), backlog_days=30, stop=threading.Event()).scan()
        finally:
            store.close()
        assert looked == 31
        fresh_uid = max(fetched)
        # in the order handled: a mail that arrived is fetched once before, to learn its order
        handled = [uid for n, uid in enumerate(fetched) if uid not in fetched[n + 1:]]
        assert len(handled) == 31
        # right after the mail at hand, not after 25 more; the buyer's older mail about its order first
        assert handled.index(fresh_uid) <= 7 and handled[handled.index(fresh_uid) - 1] == 26
        assert state.source("shop")["last_uid"] >= fresh_uid  # the cursor got past all of them, in the end
        assert sorted((r["kind"], r["order_id"], r["target"]) for r in state.outbox_rows()) == [
            ("acknowledge", fresh_order, "late1@marketplace.amazon.co.uk"), ("forward", fresh_order, "crisis@shop.example")]


def test_mail_that_arrived_is_put_first_in_a_queue_of_two_weeks_at_once():
    queue = list(range(1, 60001))
    earlier = queue[::10]  # older mail about the same orders
    started = time.process_time()
    reordered = watcher.handled_first(earlier, [60001, 60002], queue)
    assert time.process_time() - started < 1.0  # a set per element of the queue took minutes
    assert reordered[:6000] == earlier and reordered[6000:6002] == [60001, 60002]
    assert reordered[6002:] == [uid for uid in queue if uid % 10 != 1] and len(reordered) == 60002
