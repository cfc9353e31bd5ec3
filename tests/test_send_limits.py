"""The outbox within [smtp] max_per_minute, most urgent first, and waiting when the smarthost asks
it to slow down: against the aiosmtpd sink and a real Postfix on loopback, with a clock of the
test's own where the runner takes one. Nothing is dropped by the limit or a pause, only delayed."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import logging
import os
import socket
import sqlite3
from datetime import datetime, timedelta, timezone

import mails
import pytest
from configs import config_data, smarthost, write_config
from processes import cli
from recording import recorded
from servers import wait_until

from gateway.actions import ACTIONS
from gateway.actions.base import Action, Urgency
from gateway.config import ConfigError, config_from_dict, load_config
from gateway.deadlines import reminders
from gateway.outgoing.outbox import OWNER, Outbox
from gateway.outgoing.transport import slows_down
from gateway.state import State
from gateway.state.outbox import SendLimit

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)  # the test mails arrived an hour before
FAST = {"attempts": 3, "max_seconds": 20, "backoff_initial": 0.01, "backoff_max": 0.05}
TOO_MANY = "421 4.7.0 Too many messages"
RATE = "451 4.4.2 Message submission rate for this client has exceeded the configured limit"


class Clock:
    """The time the runner sees: set by the test, not by the wall clock."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> "Clock":
        self.at += timedelta(**delta)
        return self


def limited_config(tmp_path, port: int, per_minute: int, **sections):
    smtp = {**smarthost(port), "timeout": 5, "max_per_minute": per_minute}
    return config_from_dict(config_data(tmp_path, smtp=smtp, outbox=FAST, **sections))


@pytest.fixture
def states():
    """open(config): the config's State, closed after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda config: stack.enter_context(State(config.state_dir))


def claims(config, count: int, *, now: datetime = NOW, first: int = 0) -> None:
    """`count` A-to-z claims about orders of their own: a forward each."""
    recorded(config, *[mails.claim(f"301-{first + n:07d}-0000001") for n in range(count)], now=now)


def kind_of_sent(state: State, received) -> list[str]:
    """The outbox kind of each mail the sink took, in the order it came."""
    kinds = {row["message_id"]: row["kind"] for row in state.outbox_rows()}
    return [kinds[email.message_from_bytes(r.data, policy=email.policy.default)["Message-ID"]] for r in received]


def done_times(state: State) -> list[datetime]:
    return sorted(datetime.fromisoformat(r["done_at"]) for r in state.outbox_rows("done") if r["kind"] != "notify")


# --- the key, the ranks, the words -----------------------------------------------------------


def test_max_per_minute_is_30_by_default_0_for_none_and_checked_like_the_other_numbers(tmp_path):
    assert limited_config(tmp_path, 25, 30).smtp.send_limit == 30
    assert config_from_dict(config_data(tmp_path, smtp=smarthost(25))).smtp.max_per_minute == 30
    assert limited_config(tmp_path, 25, 0).smtp.send_limit == 0
    capture = {"from": "crisis@shop.example", "capture_dir": str(tmp_path / "out"), "max_per_minute": 5}
    assert config_from_dict(config_data(tmp_path, smtp=capture)).smtp.send_limit == 0  # a Maildir has no limit
    for wrong in (-1, 2.5, "30", True):
        with pytest.raises(ConfigError) as error:
            limited_config(tmp_path, 25, wrong)
        assert "[smtp] max_per_minute must be a whole number of mails, 0 for no limit" in str(error.value)


def test_every_action_has_a_rank_and_one_added_without_ranks_with_the_reminders():
    rank = {name: action.URGENCY for name, action in ACTIONS.items() if action.CHANNEL != "source"}
    assert rank == {"forward": Urgency.CRISIS, "notify": Urgency.CRISIS, "acknowledge": Urgency.REPLY,
                    "remind": Urgency.DUE, "escalate": Urgency.DUE, "reopen": Urgency.DUE, "nudge": Urgency.DUE,
                    "reminders": Urgency.DUE, "alert": Urgency.DUE, "warn": Urgency.DUE, "leak": Urgency.DUE,
                    "report": Urgency.REPORT, "digest": Urgency.DIGEST}
    assert Urgency.CRISIS < Urgency.REPLY < Urgency.DUE < Urgency.REPORT < Urgency.DIGEST

    class Later(Action):
        NAME = "later"

    assert Later.URGENCY == Urgency.DUE


@pytest.mark.parametrize("answer", [
    TOO_MANY, RATE, "452 4.5.3 Too many recipients", "421 4.7.0 Try again later, closing connection.",
    "450 4.7.1 Error: too much mail from 127.0.0.1", "421 4.7.0 [10.0.0.1] Our system has detected that this "
    "message is temporarily rate limited", "454 4.7.0 Too many login attempts, please try again later",
    "451 4.7.500 Server busy. Please try again later from [10.0.0.1]",
])
def test_answers_that_ask_to_slow_down(answer):
    assert slows_down(int(answer[:3]), answer)


@pytest.mark.parametrize("answer", [
    "451 4.3.0 try again later", "421 4.3.2 shutting down", "450 4.2.0 mailbox busy",
    "452 4.3.1 Insufficient system storage",
    "550 5.4.5 Daily user sending limit exceeded", "552 5.3.4 Message size exceeds fixed limit", "250 2.0.0 Ok: rate 1",
])
def test_answers_that_do_not(answer):
    assert not slows_down(int(answer[:3]), answer)


# --- the limit -----------------------------------------------------------------------------------


def test_no_more_than_max_per_minute_mails_in_any_60_seconds_webhooks_not_held(sink, webhook, tmp_path, states):
    config = limited_config(tmp_path, sink.port, 3, notify={"webhooks": [webhook.url]})
    claims(config, 10)
    outbox = Outbox(config, states(config))
    clock = Clock(NOW)
    assert outbox.run(now=clock) == {"done": 13, "dead": 0, "waiting": 7}  # 3 forwards, every notification
    assert len(sink.received) == 3 and len(webhook.bodies) == 10
    for seconds in (30, 29, 1):  # up to 60 seconds after the first three: none
        clock.advance(seconds=seconds)
        assert outbox.run(now=clock)["done"] == 0
    ran = [outbox.run(now=clock.advance(seconds=1))["done"]]
    while len(sink.received) < 10:
        ran.append(outbox.run(now=clock.advance(seconds=20))["done"])
    assert ran[0] == 3 and sum(ran) == 7 and max(ran) == 3
    times = done_times(outbox.state)
    assert len(times) == 10 and all(later - first > timedelta(seconds=60) for first, later in zip(times, times[3:]))
    assert [r["status"] for r in outbox.rows()].count("done") == 20  # nothing dropped


def test_urgent_mail_goes_first_oldest_first_within_a_rank(sink, tmp_path, states):
    config = limited_config(tmp_path, sink.port, 1)
    recorded(config, mails.claim("302-0000000-0000002"), now=NOW)                        # forward
    recorded(config, mails.claim("302-0000000-0000001"), now=NOW - timedelta(minutes=30))  # an older forward
    recorded(config, mails.buyer("302-0000000-0000003", "Is it blue?"), now=NOW)          # acknowledgement
    state = states(config)
    day = NOW + timedelta(days=1)
    with state.transaction():
        state.enqueue("digest|1", "digest", "boss@shop.example",
                      {"subject": "Daily digest", "text": "t", "html": "<p>h</p>"},
                      message_key=None, order_id=None, now=day - timedelta(hours=5), id_domain="shop.example")
        state.enqueue("warn|1", "warn", "ann@shop.example", {"case_id": "1234567890", "signs": ["two orders"],
                      "subject": "About my case"}, message_key=None, order_id=None, now=day - timedelta(hours=4),
                      id_domain="shop.example")
        # T-24 h of both claims, T-4 h of the buyer's message: due at once for the same people,
        # so one list of the three (newer than the warning: after it, in the same rank)
        reminders.fire_due(state, config, day - timedelta(minutes=30))
    outbox, clock = Outbox(config, state), Clock(day)
    expected = ["forward", "forward", "acknowledge", "warn", "reminders", "digest"]
    assert [row["kind"] for row in outbox.pending()] == expected
    while outbox.run(now=clock)["waiting"]:
        clock.advance(seconds=61)
    assert kind_of_sent(state, sink.received) == expected
    assert b"302-0000000-0000001" in sink.received[0].data  # the older forward first


def test_a_restart_and_a_second_process_do_not_start_a_fresh_burst(sink, tmp_path):
    path = write_config(tmp_path, smtp={**smarthost(sink.port), "max_per_minute": 3}, outbox=FAST)
    config = load_config(path)
    claims(config, 6)
    with State(config.state_dir) as state:
        assert Outbox(config, state).run()["done"] == 3  # the wall clock: the command below shares it
    with State(config.state_dir) as state:  # restarted
        assert Outbox(config, state).run() == {"done": 0, "dead": 0, "waiting": 3}
    beside = cli("outbox", "run", "--config", str(path))
    assert beside.returncode == 0, beside.stderr
    assert beside.stdout.startswith("0 sent, 0 dead-lettered, 3 waiting")
    assert len(sink.received) == 3


def test_two_runners_never_pass_the_limit_together(tmp_path, states):
    config = limited_config(tmp_path, 25, 2)
    claims(config, 3)
    first, second = states(config), State(config.state_dir)
    try:
        rows = first.outbox_pending()
        limit = SendLimit(("forward",), NOW - timedelta(seconds=60), NOW, 2)
        assert first.claim_outbox_row(rows[0], "a:1", NOW, limit)
        assert second.claim_outbox_row(rows[1], "b:2", NOW, limit)
        assert not first.claim_outbox_row(rows[2], "a:1", NOW, limit)  # two are being sent: no room
        assert first.mail_sent(limit) == 2 and first.outbox_rows()[2]["status"] == "pending"
    finally:
        second.close()


# --- the smarthost asks to slow down ---------------------------------------------------------------


def test_a_throttling_answer_for_some_recipients_only_is_no_pause_of_all_mail(sink, tmp_path, states):
    """One of two escalation addresses refused with a rate limit while the other took the mail:
    pausing would bring it to the first one again at every turn; the row is retried, then dead."""
    config = limited_config(tmp_path, sink.port, 0, escalation={"tier1": ["a@shop.example", "b@shop.example"]})
    claims(config, 1)
    sink.handler.refuse_rcpt, sink.handler.refuse_only = "450 4.7.1 Error: too much mail from 127.0.0.1", ("b@shop.example",)
    state = states(config)
    outbox = Outbox(config, state)
    assert outbox.run(now=Clock(NOW)) == {"done": 0, "dead": 1, "waiting": 0}
    assert state.outbox_paused(NOW) is None  # other mail goes on
    assert len(sink.received) == FAST["attempts"] and all(r.recipients == ["a@shop.example"] for r in sink.received)


@pytest.mark.parametrize("answer", [TOO_MANY, RATE, "rcpt:452 4.5.3 Too many recipients"])
def test_a_throttling_answer_delays_the_mail_it_is_never_dead_lettered(sink, webhook, tmp_path, states, caplog, answer):
    config = limited_config(tmp_path, sink.port, 0, notify={"webhooks": [webhook.url]})
    claims(config, 2)
    outbox, clock = Outbox(config, states(config)), Clock(NOW)
    if answer.startswith("rcpt:"):
        sink.handler.refuse_rcpt = answer.removeprefix("rcpt:")
    else:
        sink.handler.script = [answer]
    with caplog.at_level(logging.INFO, logger="gateway.outbox"):
        assert outbox.run(now=clock) == {"done": 2, "dead": 0, "waiting": 2}  # the notifications still go
    assert len(webhook.bodies) == 2 and not sink.received
    throttled = outbox.rows()[0]
    assert throttled["status"] == "pending" and throttled["attempts"] == 0
    assert throttled["last_error"].endswith(answer.removeprefix("rcpt:"))
    assert throttled["not_before"] == (NOW + timedelta(minutes=1)).isoformat()
    assert caplog.text.count("asked to slow down") == 1
    sink.handler.refuse_rcpt = ""

    assert outbox.run(now=clock.advance(seconds=59)) == {"done": 0, "dead": 0, "waiting": 2}  # nothing tried
    assert outbox.run(now=clock.advance(seconds=2)) == {"done": 2, "dead": 0, "waiting": 0}
    assert len(sink.received) == 2 and [r["attempts"] for r in outbox.rows() if r["kind"] == "forward"] == [1, 1]
    kinds = [a["kind"] for a in outbox.state.audit_rows()]
    assert "dead_letter" not in kinds and kinds.count("sent") == 4


def test_the_pause_doubles_up_to_15_minutes_then_starts_over_once_mail_went_through(sink, tmp_path, states, caplog):
    config = limited_config(tmp_path, sink.port, 0)
    claims(config, 2)
    outbox, clock = Outbox(config, states(config)), Clock(NOW)
    sink.handler.script = [TOO_MANY] * 6
    pauses = []
    with caplog.at_level(logging.WARNING, logger="gateway.outbox"):
        while sink.handler.script:
            before = len(sink.handler.script)
            assert outbox.run(now=clock)["waiting"] == 2
            assert len(sink.handler.script) == before - 1  # one mail tried, the other not asked for
            until = max(datetime.fromisoformat(r["not_before"]) for r in outbox.rows() if r["not_before"])
            pauses.append((until - clock()).total_seconds() / 60)
            assert outbox.run(now=clock.advance(seconds=(until - clock()).total_seconds() - 1))["done"] == 0
            clock.advance(seconds=1)
    assert pauses == [1, 2, 4, 8, 15, 15]
    assert caplog.text.count("asked to slow down") == 6  # once per pause
    assert "no mail is sent for 15 min" in caplog.text
    sink.handler.script = ["250", TOO_MANY]
    assert outbox.run(now=clock) == {"done": 1, "dead": 0, "waiting": 1}
    (row,) = outbox.state.outbox_pending()
    assert datetime.fromisoformat(row["not_before"]) - clock() == timedelta(minutes=1)
    assert all(r["status"] != "dead" for r in outbox.rows())


def test_a_real_postfix_that_throttles_only_delays(sink, postfix_factory, tmp_path, states):
    """Postfix's anvil refuses a client's third mail within its time unit (5 s here); the outbox
    waits, then sends it: every mail arrives once, none is dead-lettered."""
    relay = postfix_factory(extra_main=f"relayhost = [127.0.0.1]:{sink.port}\nsmtpd_client_message_rate_limit = 2\n"
                                       "anvil_rate_time_unit = 5s\nsmtpd_client_event_limit_exceptions =\n")
    config = limited_config(tmp_path, relay.port, 0)
    claims(config, 4)
    outbox, clock = Outbox(config, states(config)), Clock(NOW)
    assert outbox.run(now=clock) == {"done": 2, "dead": 0, "waiting": 2}
    throttled = next(r for r in outbox.rows() if r["status"] == "pending" and r["not_before"])
    assert throttled["last_error"].startswith("450 4.7.1 Error: too much mail from 127.0.0.1"), throttled["last_error"]
    assert throttled["attempts"] == 0
    assert outbox.run(now=clock.advance(seconds=30))["done"] == 0

    def all_sent() -> bool:
        outbox.run(now=clock.advance(minutes=16))  # past any pause
        return len(outbox.rows("done")) == 4

    assert wait_until(all_sent, timeout=30, step=0.5)  # once anvil's time unit has passed
    assert len(sink.wait_for(4)) == 4 and not outbox.rows("dead")


# --- outbox list ---------------------------------------------------------------------------------


def listed(path, *options: str) -> list[dict]:
    done = cli("outbox", "list", "--config", str(path), "--json", *options)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_outbox_list_shows_why_each_row_waits_its_age_and_subject_most_urgent_first(sink, tmp_path):
    smtp = {**smarthost(sink.port), "max_per_minute": 2}
    path = write_config(tmp_path, smtp=smtp, outbox=FAST)
    config = load_config(path)
    recorded(config, mails.buyer("303-0000000-0000001", "Is it blue?"), now=NOW)
    claims(config, 2, first=10)
    with State(config.state_dir) as state, state.transaction():
        state.enqueue("digest|2", "digest", "boss@shop.example",
                      {"subject": "Daily digest 22 Nov", "text": "", "html": ""},
                      message_key=None, order_id=None, now=NOW - timedelta(hours=1), id_domain="shop.example")
    rows = listed(path)
    assert [(r["kind"], r["waits"]) for r in rows] == [
        ("forward", "queued"), ("forward", "queued"),
        ("acknowledge", "the send limit: 2 mails a minute ([smtp] max_per_minute)"),
        ("digest", "the send limit: 2 mails a minute ([smtp] max_per_minute)")]
    assert [r["urgency"] for r in rows] == [0, 0, 1, 4]
    assert rows[0]["subject"].startswith("[CRISIS: A-to-Z by ") and "301-0000010-0000001" in rows[0]["subject"]
    assert "Inquiry from Amazon customer Ann" in rows[2]["subject"] and rows[3]["subject"] == "Daily digest 22 Nov"
    assert rows[3]["age_seconds"] - rows[0]["age_seconds"] == 3600 and rows[0]["age_seconds"] > 0
    text = cli("outbox", "list", "--config", str(path))
    lines = text.stdout.splitlines()
    assert lines[-1] == "4 action(s)"
    assert " forward " in lines[0] and " age " in lines[0] and "[CRISIS: A-to-Z by " in lines[0]
    assert lines[1].strip() == "waits: queued" and lines[5].strip().startswith("waits: the send limit")

    with State(config.state_dir) as state:
        assert Outbox(config, state).run()["done"] == 2
    rows = listed(path)
    assert [r["waits"] for r in rows[:2]] == ["the send limit: 2 mails a minute ([smtp] max_per_minute)"] * 2
    assert [r["status"] for r in rows[2:]] == ["done", "done"] and rows[2]["waits"] is None
    assert [r["kind"] for r in listed(path, "--status", "pending")] == ["acknowledge", "digest"]


def test_outbox_list_names_the_smarthosts_words_a_row_being_sent_and_a_missing_smtp(sink, tmp_path):
    smtp = {**smarthost(sink.port), "max_per_minute": 0}
    path = write_config(tmp_path, smtp=smtp, outbox=FAST)
    config = load_config(path)
    claims(config, 2)
    sink.handler.script = [RATE]
    with State(config.state_dir) as state:
        assert Outbox(config, state).run()["waiting"] == 2
        until = datetime.fromisoformat(state.outbox_rows()[0]["not_before"])
    assert until > datetime.now(timezone.utc)
    words = f"the smarthost asked to slow down, until {until:%H:%M:%S} UTC: {RATE}"
    assert [r["waits"] for r in listed(path)] == [words, words]

    with State(config.state_dir) as state:  # another process on this host hands the second one over now
        row = state.outbox_rows()[1]
        assert state.claim_outbox_row(row, f"{socket.gethostname()}:{os.getpid()}", datetime.now(timezone.utc))
    assert [r["waits"] for r in listed(path)] == [words, "being sent"]
    assert OWNER.endswith(f":{os.getpid()}")

    (tmp_path / "bare").mkdir()
    bare = write_config(tmp_path / "bare")
    recorded(bare, mails.claim("304-0000000-0000001"), now=NOW)
    assert [r["waits"] for r in listed(bare)] == ["no [smtp]: waits until one is configured"]


def test_a_state_made_before_the_pause_columns_gets_them(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    db = sqlite3.connect(folder / "state.db")
    db.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, key TEXT, message_key TEXT, order_id TEXT, kind TEXT,"
               " target TEXT, payload TEXT, message_id TEXT, status TEXT, attempts INTEGER, last_error TEXT,"
               " created_at TEXT, updated_at TEXT, done_at TEXT, owner TEXT)")
    db.execute("INSERT INTO outbox (key, kind, target, payload, message_id, status, attempts, created_at, updated_at)"
               " VALUES ('k', 'digest', 'boss@shop.example', '{\"subject\": \"Old digest\"}', '<1@x>', 'pending', 0,"
               " '2026-11-20T08:00:00+00:00', '2026-11-20T08:00:00+00:00')")
    db.commit()
    db.close()
    path = write_config(tmp_path)
    rows = listed(path)
    assert [(r["subject"], r["waits"], r["not_before"], r["throttled_at"]) for r in rows] == [
        ("Old digest", "no [smtp]: waits until one is configured", None, None)]
