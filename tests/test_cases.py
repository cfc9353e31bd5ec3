"""Cases between mails, with the time given: the reopen window after Amazon closes a case, and
the daily follow-up while Amazon is silent."""

from datetime import datetime, timedelta, timezone

from mails import case
from test_reminders import make_config

from gateway.deadlines import cases
from gateway.intake.pipeline import Pipeline
from gateway.judging.classify import Classifier
from gateway.outgoing.outbox import Outbox
from gateway.state import State

CASE = "69794732962"


def receive(config, *mails: bytes) -> None:
    state = State(config.state_dir)
    try:
        for raw in mails:
            assert Pipeline(Classifier(config), state).handle(raw).status == "recorded"
    finally:
        state.close()


def fire(config, at: datetime) -> list[tuple[str, float]]:
    state = State(config.state_dir)  # a fresh State each time: a restart between runs
    try:
        return [(e["kind"], e.get("nudge", 1)) for e in cases.fire_due(state, config, at)]
    finally:
        state.close()


def sent_subjects(config, at: datetime) -> list[str]:
    state = State(config.state_dir)
    try:
        Outbox(config, state).run(now=lambda: at)
    finally:
        state.close()
    folder = config.smtp.capture_dir / "new"
    return sorted(p.read_bytes().split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0].decode() for p in folder.iterdir()
                  if b"X-Crisis-Reminder: reopen" in p.read_bytes() or b"X-Crisis-Reminder: nudge" in p.read_bytes())


CLOSED_AT = datetime(2026, 11, 22, 20, 0, 3, tzinfo=timezone.utc)


def test_a_closed_case_is_reminded_once_to_reopen_within_the_window(tmp_path):
    config = make_config(tmp_path)
    receive(config, case(CASE, "opened", day=20), case(CASE, "closed", day=22))
    assert fire(config, CLOSED_AT + timedelta(hours=23)) == []
    assert fire(config, CLOSED_AT + timedelta(days=1, minutes=1)) == [("reopen", 1)]
    assert fire(config, CLOSED_AT + timedelta(days=3)) == []
    assert sent_subjects(config, CLOSED_AT + timedelta(days=1)) == [
        f"[Case closed: reopen before Sun 06 Dec 20:00 UTC] Case {CASE}"]


def test_a_closed_case_confirmed_fixed_or_past_its_window_is_not_reminded(tmp_path):
    config = make_config(tmp_path)
    receive(config, case(CASE, "closed", day=22))
    state = State(config.state_dir)
    try:
        assert state.stop_clock(f"case:{CASE}", "resolved by hand: fixed", CLOSED_AT + timedelta(hours=2))
    finally:
        state.close()
    assert fire(config, CLOSED_AT + timedelta(days=2)) == []
    other = make_config(tmp_path / "other")
    receive(other, case(CASE, "closed", day=22))
    assert fire(other, CLOSED_AT + timedelta(days=15)) == []  # the window is over: nothing to reopen


def test_a_case_waiting_for_amazon_is_nudged_daily_until_amazon_answers(tmp_path):
    config = make_config(tmp_path)
    opened = datetime(2026, 11, 20, 20, 0, 3, tzinfo=timezone.utc)
    receive(config, case(CASE, "opened", day=20))
    assert fire(config, opened + timedelta(hours=23)) == []
    assert fire(config, opened + timedelta(hours=24, minutes=1)) == [("nudge", 1)]
    assert fire(config, opened + timedelta(hours=30)) == []
    assert fire(config, opened + timedelta(hours=49)) == [("nudge", 2)]
    assert fire(config, opened + timedelta(hours=100)) == [("nudge", 4)]  # days missed while down: only today's
    receive(config, case(CASE, "answered", day=25))
    assert fire(config, opened + timedelta(days=7)) == []
    subjects = sent_subjects(config, opened + timedelta(days=7))
    assert subjects == [f"[Case waiting for Amazon: follow up] Case {CASE}"] * 3


def test_the_teams_reply_to_amazon_starts_the_wait_and_its_daily_nudge_again(tmp_path):
    config = make_config(tmp_path)
    receive(config, case(CASE, "answered", day=20))
    answered_at = datetime(2026, 11, 20, 20, 0, 3, tzinfo=timezone.utc)
    assert fire(config, answered_at + timedelta(days=3)) == []  # Amazon answered: the team's turn, no nudge
    replied_at = answered_at + timedelta(days=3, hours=2)
    state = State(config.state_dir)
    try:
        state.record_relayed("outbound", "sha256:reply", ["seller-support@amazon.com"], "reply_sent", {}, case_id=CASE,
                             case_reply=True, now=replied_at)
        assert state.clock(f"case:{CASE}")["case_status"] == "replied"
    finally:
        state.close()
    assert fire(config, replied_at + timedelta(hours=23)) == []
    assert fire(config, replied_at + timedelta(hours=24, minutes=1)) == [("nudge", 1)]
