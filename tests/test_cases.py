"""Cases between mails, with the time given: the reopen window after Amazon closes a case, and
the daily follow-up while Amazon is silent."""

from datetime import datetime, timedelta, timezone

from captured import captured_mail
from configs import make_config, smtp_capture
from mails import case
from recording import recorded

from gateway.deadlines import cases
from gateway.outgoing.outbox import Outbox
from gateway.state import State

CASE = "69794732962"


def case_config(folder):
    """The minimal configuration, outgoing mail captured."""
    return make_config(folder, smtp=smtp_capture(folder))


def fire(config, at: datetime) -> list[tuple[str, float]]:
    with State(config.state_dir) as state:  # a fresh State each time: a restart between runs
        return [(e["kind"], e.get("nudge", 1)) for e in cases.fire_due(state, config, at)]


def sent_subjects(config, at: datetime) -> list[str]:
    with State(config.state_dir) as state:
        Outbox(config, state).run(now=lambda: at)
    return sorted(raw.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0].decode()
                  for raw in captured_mail(config.smtp.capture_dir)
                  if b"X-Crisis-Reminder: reopen" in raw or b"X-Crisis-Reminder: nudge" in raw)


CLOSED_AT = datetime(2026, 11, 22, 20, 0, 3, tzinfo=timezone.utc)


def test_a_closed_case_is_reminded_once_to_reopen_within_the_window(tmp_path):
    config = case_config(tmp_path)
    recorded(config, case(CASE, "opened", day=20), case(CASE, "closed", day=22))
    assert fire(config, CLOSED_AT + timedelta(hours=23)) == []
    assert fire(config, CLOSED_AT + timedelta(days=1, minutes=1)) == [("reopen", 1)]
    assert fire(config, CLOSED_AT + timedelta(days=3)) == []
    assert sent_subjects(config, CLOSED_AT + timedelta(days=1)) == [
        f"[Case closed: reopen before Sun 06 Dec 20:00 UTC] Case {CASE}"]


def test_a_closed_case_confirmed_fixed_or_past_its_window_is_not_reminded(tmp_path):
    config = case_config(tmp_path)
    recorded(config, case(CASE, "closed", day=22))
    with State(config.state_dir) as state:
        assert state.stop_clock(f"case:{CASE}", "resolved by hand: fixed", CLOSED_AT + timedelta(hours=2))
    assert fire(config, CLOSED_AT + timedelta(days=2)) == []
    other = case_config(tmp_path / "other")
    recorded(other, case(CASE, "closed", day=22))
    assert fire(other, CLOSED_AT + timedelta(days=15)) == []  # the window is over: nothing to reopen


def test_a_case_waiting_for_amazon_is_nudged_daily_until_amazon_answers(tmp_path):
    config = case_config(tmp_path)
    opened = datetime(2026, 11, 20, 20, 0, 3, tzinfo=timezone.utc)
    recorded(config, case(CASE, "opened", day=20))
    assert fire(config, opened + timedelta(hours=23)) == []
    assert fire(config, opened + timedelta(hours=24, minutes=1)) == [("nudge", 1)]
    assert fire(config, opened + timedelta(hours=30)) == []
    assert fire(config, opened + timedelta(hours=49)) == [("nudge", 2)]
    assert fire(config, opened + timedelta(hours=100)) == [("nudge", 4)]  # days missed while down: only today's
    recorded(config, case(CASE, "answered", day=25))
    assert fire(config, opened + timedelta(days=7)) == []
    subjects = sent_subjects(config, opened + timedelta(days=7))
    assert subjects == [f"[Case waiting for Amazon: follow up] Case {CASE}"] * 3


def test_the_teams_reply_to_amazon_starts_the_wait_and_its_daily_nudge_again(tmp_path):
    config = case_config(tmp_path)
    recorded(config, case(CASE, "answered", day=20))
    answered_at = datetime(2026, 11, 20, 20, 0, 3, tzinfo=timezone.utc)
    assert fire(config, answered_at + timedelta(days=3)) == []  # Amazon answered: the team's turn, no nudge
    replied_at = answered_at + timedelta(days=3, hours=2)
    with State(config.state_dir) as state:
        state.record_relayed("outbound", "sha256:reply", ["seller-support@amazon.com"], "reply_sent", {}, case_id=CASE,
                             case_reply=True, now=replied_at)
        assert state.clock(f"case:{CASE}")["case_status"] == "replied"
    assert fire(config, replied_at + timedelta(hours=23)) == []
    assert fire(config, replied_at + timedelta(hours=24, minutes=1)) == [("nudge", 1)]
