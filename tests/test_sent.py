"""Replies found in the Sent folder stop clocks like replies through the relay; the gateway's own
mail, auto-replies, mail to colleagues and mail older than the clock never do."""

from datetime import datetime, timezone
from pathlib import Path

import mails
import pytest
from captured import captured_mail
from configs import smtp_capture, write_config
from mails import buyer, case

from gateway.config import load_config
from gateway.deadlines.status import last_action
from gateway.mail import maildir
from gateway.service.daemon import Daemon
from gateway.state import State

ORDER = "204-1111111-2222222"
BUYER = mails.BUYER_ADDRESS
CASE = "69794732962"


def setup(tmp_path: Path, **mailbox):
    tmp_path.mkdir(parents=True, exist_ok=True)
    box = {"name": "shop", "address": "support@shop.example", "maildir": str(tmp_path / "Maildir"),
           "since": "2000-01-01", **mailbox}
    config = load_config(write_config(tmp_path, mailbox=[box], smtp=smtp_capture(tmp_path)))
    maildir.ensure(config.mailboxes[0].maildir)
    return config


def deliver(config, raw: bytes, folder: str = "") -> None:
    path = config.mailboxes[0].maildir / (f".{folder}" if folder else "")
    maildir.ensure(path)
    maildir.deliver(path, raw)


def run(config) -> None:
    assert Daemon(config).run_once() == 0


def clock(config, key: str = f"order:{ORDER}:buyer") -> dict:
    with State(config.state_dir) as state:
        return state.clock(key)


def audit(config) -> list[tuple[str, str]]:
    with State(config.state_dir) as state:
        return [(r["kind"], r["detail"]) for r in state.db.query("SELECT kind, detail FROM audit ORDER BY id")]


def reply(*, to: str = BUYER, in_reply_to: str | None = f"<buyer-{ORDER}-k3j4h5g6f7d8-0@example.test>",
          date: str = "Sun, 22 Nov 2026 12:00:00 +0000", extra: str = "", subject: str = f"Re: your order {ORDER}",
          message_id: str = "<reply-1@shop.example>", body: str = "We are sending a replacement today.") -> bytes:
    thread = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (f"From: Support <support@shop.example>\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: {message_id}\r\n{thread}{extra}\r\n{body}\r\n").encode()


@pytest.fixture
def open_clock(tmp_path):
    config = setup(tmp_path)
    deliver(config, buyer(ORDER, "Where is my parcel? I will open an A-to-z claim."))
    run(config)
    assert clock(config)["status"] == "open"
    return config


def test_a_reply_in_the_sent_folder_stops_the_clock_and_is_recorded_once(open_clock):
    config = open_clock
    deliver(config, reply(), "Sent")
    run(config)
    stopped = clock(config)
    assert stopped["status"] == "stopped" and stopped["stop_reason"] == "reply sent by the team (<reply-1@shop.example>)"
    replies = [d for k, d in audit(config) if k == "reply_sent"]
    assert len(replies) == 1 and '"seen_in": "shop (sent)"' in replies[0] and '"matched_by": "in-reply-to"' in replies[0]
    run(config)  # read again: nothing new
    assert [k for k, _ in audit(config)].count("reply_sent") == 1


@pytest.mark.parametrize("kind", ["own acknowledgement", "auto-reply", "to a colleague", "sent before the clock opened"])
def test_what_is_no_reply_keeps_the_clock_running(open_clock, kind):
    config = open_clock
    if kind == "own acknowledgement":
        sent = captured_mail(config.smtp.capture_dir)
        assert sent, "the buyer was acknowledged"
        for raw in sent:
            deliver(config, raw, "Sent")  # a smarthost like Gmail files the gateway's mail in Sent
    elif kind == "auto-reply":
        deliver(config, reply(extra="Auto-Submitted: auto-replied\r\n"), "Sent")
    elif kind == "to a colleague":
        deliver(config, reply(to="colleague@shop.example"), "Sent")
    else:
        deliver(config, reply(date="Sun, 22 Nov 2026 09:00:00 +0000", in_reply_to=None), "Sent")
    run(config)
    assert clock(config)["status"] == "open"
    if kind == "own acknowledgement":
        assert "reply_sent" not in [k for k, _ in audit(config)]
    else:
        assert any(k == "reply_sent" and "kept running" in d for k, d in audit(config))


def test_a_reply_seen_through_the_relay_is_not_recorded_again_from_sent(open_clock):
    from gateway.intake.replies import judge, record_reply
    from gateway.judging.classify import Classifier
    from gateway.mail.parse import parse_mail

    config = open_clock
    raw = reply()
    with State(config.state_dir) as state:
        mail = parse_mail(raw)
        assert record_reply(state, mail, judge(state, mail, [BUYER]), direction="outbound", key="sha256:x",
                            recipients=[BUYER], detail={}, tag_pattern=Classifier(config).tag_pattern)
    deliver(config, raw, "Sent")
    run(config)
    assert [k for k, _ in audit(config)].count("reply_sent") == 1


def test_a_case_reply_to_amazon_makes_the_case_wait_for_amazon_again(tmp_path):
    config = setup(tmp_path)
    deliver(config, case(CASE, "answered", day=22, hour=8))
    run(config)
    assert clock(config, f"case:{CASE}")["case_status"] == "answered"
    deliver(config, reply(to="seller-support@amazon.com", in_reply_to=f"<case-{CASE}-answered-22-8@amazonses.example>",
                          subject=f"RE: Case ID {CASE}", body="The listing is fixed now."), "Sent")
    run(config)
    assert clock(config, f"case:{CASE}")["case_status"] == "replied"


def test_without_a_sent_folder_the_inbox_still_runs(tmp_path):
    config = setup(tmp_path)
    deliver(config, buyer(ORDER, "Where is my parcel?"))
    run(config)  # no .Sent: said once, no failure
    assert clock(config)["status"] == "open"
    none = setup(tmp_path / "none", sent_folder="none")
    deliver(none, buyer(ORDER, "Where is my parcel?"))
    deliver(none, reply(), "Sent")
    run(none)
    assert clock(none)["status"] == "open"


@pytest.mark.parametrize("to, date, stopped", [
    ("atoz-guarantee@amazon.co.uk", "Sun, 22 Nov 2026 12:00:00 +0000", True),    # to Amazon, after the claim came
    ("atoz-guarantee@amazon.co.uk", "Sun, 22 Nov 2026 10:30:00 +0000", False),   # sent before the claim came
    (BUYER, "Sun, 22 Nov 2026 12:00:00 +0000", False),                          # to the buyer: not the claim's answer
])
def test_a_reply_read_before_the_mail_it_answers_stops_its_clock_as_it_opens(tmp_path, to, date, stopped):
    config = setup(tmp_path)
    deliver(config, reply(to=to, date=date, in_reply_to=None, subject=f"Re: Claim received on order {ORDER}"), "Sent")
    run(config)  # the Sent folder read first: the claim is not in the inbox yet
    assert clock(config, f"order:{ORDER}:claim") is None
    deliver(config, mails.claim(ORDER))
    run(config)
    claim_clock = clock(config, f"order:{ORDER}:claim")
    assert (claim_clock["status"] == "stopped") == stopped
    if stopped:
        assert claim_clock["stop_reason"] == "reply sent by the team (<reply-1@shop.example>)"
        assert claim_clock["stopped_at"] == "2026-11-22T12:00:00+00:00"
        assert "clock_stopped" in [k for k, _ in audit(config)]


def test_a_reply_that_stops_only_the_buyers_clock_is_not_the_claims_last_action(tmp_path):
    config = setup(tmp_path)
    deliver(config, buyer(ORDER, "Where is my parcel?"))
    deliver(config, mails.claim(ORDER))
    run(config)
    deliver(config, reply(), "Sent")  # to the buyer: the buyer's clock stops, the claim's runs on
    run(config)
    with State(config.state_dir) as state:
        buyer_clock, claim_clock = state.clock(f"order:{ORDER}:buyer"), state.clock(f"order:{ORDER}:claim")
        assert buyer_clock["status"] == "stopped" and claim_clock["status"] == "open"
        assert last_action(state, buyer_clock)["what"] == "clock stopped"
        assert last_action(state, claim_clock)["what"] not in ("clock stopped", "reply sent")
        stopped = [row for row in state.audit_since("clock_stopped", datetime(2000, 1, 1, tzinfo=timezone.utc))]
        assert [row["detail"]["clock"] for row in stopped] == [f"order:{ORDER}:buyer"]
