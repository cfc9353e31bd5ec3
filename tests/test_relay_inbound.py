"""The inbound relay (content filter) against an aiosmtpd sink standing in for Postfix's
re-injection port: the SMTP answers, what is re-injected, and what is never lost or doubled.
The same relay behind a real Postfix is tested in test_relay_postfix.py."""

import smtplib
import time

import pytest
from mails import buyer, claim
from relays import gateway
from servers import free_port

from gateway.intake.pipeline import Pipeline
from gateway.outgoing.transport import KeptSmtpTransport
from gateway.relays import listener

ORDER = "114-2682884-2909064"
SUPPORT = "support@shop.example"


def send(gw, raw: bytes, recipients=(SUPPORT,), sender="bounce@amazon.co.uk", **options):
    with gw.smtp("inbound") as client:
        return client.sendmail(sender, list(recipients), raw, **options)


def answer(gw, raw: bytes, recipients=(SUPPORT,)) -> tuple[int, str]:
    """The code and text of the relay's answer to DATA."""
    try:
        send(gw, raw, recipients)
    except smtplib.SMTPDataError as exc:
        return exc.smtp_code, exc.smtp_error.decode()
    return 250, ""


def relayed_rows(gw):
    with gw.state() as state:
        return list(state.db.query("SELECT recipient FROM relayed WHERE direction = 'inbound'"))


def test_claim_is_tagged_and_reinjected_with_the_same_envelope(tmp_path, sink):
    forged = claim(ORDER).replace(b"Subject:", b"X-Crisis-Tier: none\r\nSubject:", 1)
    with gateway(tmp_path, reinject=sink.port) as gw:
        refused = send(gw, forged, recipients=[SUPPORT, "team@shop.example"], sender="atoz@amazon.co.uk")
    assert refused == {}
    [got] = sink.received
    assert got.sender == "atoz@amazon.co.uk"
    assert got.recipients == [SUPPORT, "team@shop.example"]
    assert b"Subject: [CRISIS: A-to-Z by " in got.data
    assert got.data.count(b"X-Crisis-Tier:") == 1 and b"X-Crisis-Tier: 1" in got.data
    assert got.data.endswith(claim(ORDER).split(b"\r\n\r\n", 1)[1])  # the body as it came


def test_ehlo_offers_smtputf8_8bitmime_and_the_size_limit_but_no_auth(tmp_path, sink):
    with gateway(tmp_path, reinject=sink.port, inbound={"max_message_bytes": 50_000}) as gw, gw.smtp("inbound") as client:
        client.ehlo()
        assert client.has_extn("smtputf8") and client.has_extn("8bitmime")
        assert client.esmtp_features["size"] == "50000"
        assert not client.has_extn("auth")


def test_smtputf8_mail_passes_with_its_envelope_and_8bit_body(tmp_path, sink):
    raw = buyer(ORDER, "Wo bleibt meine Bestellung? Grüße, Jürgen", domain="amazon.de").replace(
        b"To: support@shop.example", "To: büro@shop.example".encode(), 1)
    with gateway(tmp_path, reinject=sink.port) as gw:
        send(gw, raw, recipients=["büro@shop.example"], sender="käufer@marketplace.amazon.de",
             mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    [got] = sink.received
    assert got.sender == "käufer@marketplace.amazon.de" and got.recipients == ["büro@shop.example"]
    assert "SMTPUTF8" in got.options and "BODY=8BITMIME" in got.options
    assert "Grüße, Jürgen".encode() in got.data


def test_reinjection_refused_is_451_and_the_retry_delivers_once(tmp_path, sink):
    sink.handler.script = ["451"]
    with gateway(tmp_path, reinject=sink.port) as gw:
        assert answer(gw, claim(ORDER))[0] == 451
        assert sink.received == [] and relayed_rows(gw) == []
        assert answer(gw, claim(ORDER))[0] == 250
    assert len(sink.received) == 1


@pytest.mark.parametrize("step", ["550", "421", "drop"])
def test_any_reinjection_failure_is_451_never_5xx(tmp_path, sink, step):
    sink.handler.script = [step]
    with gateway(tmp_path, reinject=sink.port) as gw:
        code, text = answer(gw, claim(ORDER))
    assert code == 451
    assert "rejected" not in text and "127.0.0.1" not in text


def test_reinjection_port_down_is_451(tmp_path):
    with gateway(tmp_path, reinject=free_port()) as gw:
        assert answer(gw, claim(ORDER)) == (451, "4.3.0 Temporary failure, please try again later")
        assert relayed_rows(gw) == []


def test_the_same_mail_handed_over_again_is_not_reinjected_twice(tmp_path, sink):
    """Postfix sends again when our 250 was lost on the way back."""
    with gateway(tmp_path, reinject=sink.port) as gw:
        assert answer(gw, claim(ORDER))[0] == 250
        assert answer(gw, claim(ORDER))[0] == 250
    assert len(sink.received) == 1


def test_another_mail_reusing_a_message_id_is_still_delivered(tmp_path, sink):
    first = buyer(ORDER, "Where is my parcel?")
    second = first.replace(b"Where is my parcel?", b"Never mind, it came.")
    with gateway(tmp_path, reinject=sink.port) as gw:
        assert answer(gw, first)[0] == 250
        assert answer(gw, second)[0] == 250
    assert [b"Never mind" in r.data for r in sink.received] == [False, True]


def test_a_recipient_refused_at_reinjection_gets_the_mail_on_retry_the_other_not_again(tmp_path, sink):
    sink.handler.refuse_rcpt, sink.handler.refuse_only = "450 4.2.0 mailbox busy", ("team@shop.example",)
    with gateway(tmp_path, reinject=sink.port) as gw:
        assert answer(gw, claim(ORDER), [SUPPORT, "team@shop.example"])[0] == 451
        sink.handler.refuse_rcpt = ""
        assert answer(gw, claim(ORDER), [SUPPORT, "team@shop.example"])[0] == 250
    assert [r.recipients for r in sink.received] == [[SUPPORT], ["team@shop.example"]]


def test_an_error_inside_the_gateway_is_a_generic_451(tmp_path, sink, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /var/lib/crisis-gateway")

    monkeypatch.setattr(Pipeline, "handle", broken)
    with gateway(tmp_path, reinject=sink.port) as gw:
        code, text = answer(gw, claim(ORDER))
    assert code == 451
    assert "secret" not in text and "RuntimeError" not in text
    assert sink.received == []


def test_a_mail_over_the_size_limit_gets_552(tmp_path, sink):
    with gateway(tmp_path, reinject=sink.port, inbound={"max_message_bytes": 4096}) as gw:
        with gw.smtp("inbound") as client:
            client.ehlo()
            client.does_esmtp = False  # no SIZE= in MAIL: the limit is met while the data comes in
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail("a@amazon.co.uk", [SUPPORT], claim(ORDER) + (b"x" * 70 + b"\r\n") * 200)
    assert refused.value.smtp_code == 552
    assert sink.received == []


def test_aiosmtpd_own_permanent_refusals_become_451_behind_postfix(tmp_path, sink):
    """A 5xx makes Postfix bounce the mail; only the size limit keeps its 552."""
    with gateway(tmp_path, reinject=sink.port) as gw, gw.smtp("inbound") as client:
        client.ehlo()
        assert client.docmd("MAIL", "FROM:")[0] == 451
        assert client.docmd("MAIL", "FROM:<a@amazon.co.uk> NOSUCHPARAM=1")[0] == 451
        assert client.docmd("X" * 2000)[0] == 451


def test_a_mail_that_cannot_be_classified_is_quarantined_and_still_delivered(tmp_path, sink):
    raw = claim(ORDER) + b"padding\r\n" * 300  # over [gateway] max_message_bytes, under the relay's limit
    with gateway(tmp_path, reinject=sink.port, inbound={"max_message_bytes": 100_000},
                 gateway={"state_dir": str(tmp_path / "state"), "max_message_bytes": 1024}) as gw:
        assert answer(gw, raw)[0] == 250
    [got] = sink.received
    assert got.data.startswith(b"X-Crisis-Quarantined: yes\r\n")
    assert got.data.endswith(raw.split(b"\r\n\r\n", 1)[1])
    assert len(list((tmp_path / "state" / "quarantine").glob("*.eml"))) == 1


def test_a_crisis_planned_by_the_relay_is_queued_for_the_outbox(tmp_path, sink):
    with gateway(tmp_path, reinject=sink.port) as gw:
        assert answer(gw, claim(ORDER))[0] == 250
        with gw.state() as state:
            kinds = {row["kind"] for row in state.db.query("SELECT kind FROM outbox")}
            audit = [row["kind"] for row in state.db.query("SELECT kind FROM audit ORDER BY id")]
    assert "forward" in kinds
    assert audit[0] == "classified" and audit[-1] == "reinjected"


def test_reinjections_share_a_connection_which_is_closed_when_idle(tmp_path, sink, monkeypatch):
    monkeypatch.setattr(KeptSmtpTransport, "IDLE_SECONDS", 0.3)
    monkeypatch.setattr(listener, "HOUSEKEEPING_SECONDS", 0.1)
    with gateway(tmp_path, reinject=sink.port, inbound={"workers": 1}) as gw:
        send(gw, buyer(ORDER, "Where is my parcel?"))
        send(gw, claim(ORDER))
        assert sink.connections() == 1 and sink.handler.quits == 0
        deadline = time.monotonic() + 10
        while sink.handler.quits == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sink.handler.quits == 1  # closed by the relay, before the server would time it out
        send(gw, buyer(ORDER, "Any news?"))
    assert len(sink.received) == 3 and sink.connections() == 2
    assert sink.handler.quits == 2  # the stop closed the last one
