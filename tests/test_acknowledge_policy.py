"""Who never gets an acknowledgement (RFC 3834 and Amazon's own senders), and what one never does."""

import mails
import pytest
from configs import make_config
from recording import recorded

from gateway.state import State

ORDER = "211-1231231-3213213"


def buyer(extra: str = "", token: str = "q1w2e3r4t5") -> bytes:
    return mails.buyer(ORDER, "When will it ship?", token=token, extra=extra)


@pytest.mark.parametrize(
    "raw, reason",
    [
        (buyer("Auto-Submitted: auto-replied\r\n"), "Auto-Submitted: auto-replied"),
        (buyer("Auto-Submitted: auto-generated\r\n"), "Auto-Submitted: auto-generated"),
        (buyer("Precedence: bulk\r\n"), "Precedence: bulk"),
        (buyer("Precedence: junk\r\n"), "Precedence: junk"),
        (buyer("Precedence: list\r\n"), "Precedence: list"),
        (buyer("List-Id: <buyers.example>\r\n"), "mailing-list header List-Id"),
        (buyer("List-Unsubscribe: <mailto:u@example.com>\r\n"), "mailing-list header List-Unsubscribe"),
        (buyer("Return-Path: <>\r\n"), "null sender"),
        (buyer("X-Loop: crisis-gateway\r\n"), "our own X-Loop header"),
        (buyer().replace(b"BBC_MESSAGE_SENT_TO_MERCHANT\r\n", b"BBC_MESSAGE_SENT_TO_MERCHANT\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n"),
         "delivery or read report"),
        (buyer(token="no-reply"), "automated address"),
        (buyer(token="mailer-daemon"), "automated address"),
    ],
)
def test_never_acknowledged(classifier, raw, reason):
    verdict = classifier.classify(raw)
    assert verdict.category == "buyer_message"
    assert verdict.action("acknowledge") is None
    assert any(line.startswith("acknowledge: not done") and reason in line for line in verdict.trace), verdict.trace


def test_auto_submitted_no_is_a_human(classifier):
    assert classifier.classify(buyer("Auto-Submitted: no\r\n")).action("acknowledge") is not None


@pytest.mark.parametrize("sender", ["atoz-guarantee-no-reply", "donotreply", "cb-seller-notification", "seller-performance"])
def test_amazon_system_senders_are_never_acknowledged(classifier, sender):
    raw = mails.claim(ORDER).replace(b"atoz-guarantee-no-reply@", sender.encode() + b"@")
    verdict = classifier.classify(raw)
    assert verdict.action("acknowledge") is None


def test_an_acknowledgement_does_not_stop_the_clock(tmp_path):
    config = make_config(tmp_path)
    recorded(config, buyer())
    with State(config.state_dir) as state:
        assert [r["kind"] for r in state.db.query("SELECT kind FROM outbox")] == ["acknowledge"]
        state.db["outbox"].update(1, {"status": "done"})
        assert state.clock(f"order:{ORDER}:buyer")["status"] == "open"
