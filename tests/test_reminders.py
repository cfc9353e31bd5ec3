"""The reminder ladder with the time given: every step, a restart between steps, a deadline
missed while the daemon was down, a reply that ends the ladder."""

import base64
from datetime import datetime, timedelta, timezone

import pytest
from captured import captured_mail
from configs import make_config, smtp_capture
from mails import buyer, claim
from recording import recorded

from gateway.config import ConfigError
from gateway.deadlines import reminders
from gateway.outgoing.outbox import Outbox
from gateway.state import State

ORDER = "114-2682884-2909064"
ARRIVAL = datetime(2026, 11, 22, 11, 0, 3, tzinfo=timezone.utc)  # the Received stamp of mails.claim
DEADLINE = ARRIVAL + timedelta(hours=48)


def reminder_config(tmp_path, **reminder_settings):
    """Outgoing mail captured, escalations to a manager."""
    return make_config(tmp_path, smtp=smtp_capture(tmp_path),
                       reminders={"escalate_to": ["manager@shop.example"], **reminder_settings})


def fire(config, at: datetime) -> list[tuple[str, str, str, bool]]:
    """(kind, step, status, late) of what fired at `at`, each run with a fresh State: a restart."""
    with State(config.state_dir) as state:
        return [(e["kind"], e["step"], e["status"], e["late"]) for e in reminders.fire_due(state, config, at)]


def queued(config) -> list[tuple[str, str]]:
    with State(config.state_dir) as state:
        return [(r["kind"], r["target"]) for r in state.db.query(
            "SELECT kind, target FROM outbox WHERE kind IN ('remind', 'escalate') ORDER BY id")]


def test_every_step_of_a_claim_fires_once_at_its_time(tmp_path):
    config = reminder_config(tmp_path)
    recorded(config, claim(ORDER), now=ARRIVAL)
    minute = timedelta(minutes=1)
    assert fire(config, DEADLINE - timedelta(hours=24) - minute) == []
    assert fire(config, DEADLINE - timedelta(hours=24) + minute) == [("remind", "T-24h", "sent", False)]
    assert fire(config, DEADLINE - timedelta(hours=12)) == []  # a restart repeats nothing
    assert fire(config, DEADLINE - timedelta(hours=6)) == [("remind", "T-6h", "sent", False),
                                                           ("escalate", "T-6h", "sent", False)]
    assert fire(config, DEADLINE - timedelta(hours=1)) == [("remind", "T-1h", "sent", False)]
    assert fire(config, DEADLINE + timedelta(hours=5)) == []
    assert queued(config) == [("remind", "crisis@shop.example"), ("remind", "crisis@shop.example"),
                              ("escalate", "manager@shop.example"), ("remind", "crisis@shop.example")]


def test_steps_missed_while_down_fire_at_once_marked_late_only_the_most_urgent_sent(tmp_path):
    config = reminder_config(tmp_path)
    recorded(config, claim(ORDER), now=ARRIVAL)
    fired = fire(config, DEADLINE + timedelta(hours=2))  # first run after the deadline
    assert ("remind", "T-1h", "sent", True) in fired and ("escalate", "T-6h", "sent", True) in fired
    assert ("remind", "T-24h", "skipped", True) in fired and ("remind", "T-6h", "skipped", True) in fired
    assert len(queued(config)) == 2
    assert fire(config, DEADLINE + timedelta(hours=3)) == []


def test_a_reply_ends_the_ladder(tmp_path):
    config = reminder_config(tmp_path)
    recorded(config, claim(ORDER), now=ARRIVAL)
    assert fire(config, DEADLINE - timedelta(hours=24)) == [("remind", "T-24h", "sent", False)]
    with State(config.state_dir) as state:
        state.record_relayed("outbound", "k", ["atoz-guarantee@amazon.co.uk"], "reply_sent", {}, order_id=ORDER,
                             stop_clock="reply sent by the team", stop_keys=(f"order:{ORDER}:claim",))
    assert fire(config, DEADLINE - timedelta(hours=1)) == []


def test_a_buyer_message_is_reminded_at_t_minus_4h_and_not_escalated(tmp_path):
    config = reminder_config(tmp_path)
    recorded(config, buyer(ORDER, "Can I still change the colour of the kettle?"), now=ARRIVAL)
    with State(config.state_dir) as state:
        deadline = datetime.fromisoformat(state.clock(f"order:{ORDER}:buyer")["deadline"])
    assert fire(config, deadline - timedelta(hours=5)) == []
    assert fire(config, deadline - timedelta(hours=4)) == [("remind", "T-4h", "sent", False)]
    assert fire(config, deadline) == []


def test_the_reminder_mail_says_what_is_due_and_carries_the_crisis_tag(tmp_path):
    config = reminder_config(tmp_path)
    recorded(config, claim(ORDER), now=ARRIVAL)
    at = DEADLINE - timedelta(hours=6)
    fire(config, at)
    with State(config.state_dir) as state:
        assert Outbox(config, state).run(now=lambda: at)["done"] == 3  # the forward of the claim, and these two
    sent = sorted(raw for raw in captured_mail(config.smtp.capture_dir) if b"X-Crisis-Reminder:" in raw)
    subjects = [raw.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0] for raw in sent]
    assert any(s.startswith(b"[Reminder T-6h] [CRISIS: A-to-Z by ") for s in subjects)
    assert any(s.startswith(b"[ESCALATION T-6h] [CRISIS: A-to-Z by ") for s in subjects)
    body = base64.b64decode(sent[0].split(b"\r\n\r\n", 1)[1]).decode()
    assert "Time left: 6 h 00 min" in body and f"crisis-gateway resolve {ORDER} --only claim" in body
    assert "Duty:      answer Amazon (claim)" in body


def test_steps_are_configurable_and_checked(tmp_path):
    config = reminder_config(tmp_path, steps={"atoz_claim": [2], "feedback": [1]}, escalate_hours=3)
    assert config.reminders.steps["atoz_claim"] == (2.0,) and config.reminders.steps["buyer_message"] == (4.0,)
    assert config.reminders.escalate_hours == 3.0
    with pytest.raises(ConfigError, match="list of hours"):
        reminder_config(tmp_path, steps={"atoz_claim": [-1]})
    with pytest.raises(ConfigError, match="escalate_to"):
        reminder_config(tmp_path, escalate_to=["not an address"])
