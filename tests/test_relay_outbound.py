"""The outbound relay: the team's replies leave clean through the smarthost (an aiosmtpd sink
here; a real Postfix in test_relay_postfix.py), stop the clock they answer, and only clients
that may send get through."""

import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from configs import smarthost
from mails import buyer
from recording import recorded
from relays import gateway
from servers import free_port

from gateway.config import config_from_dict
from gateway.judging.classify import Classifier
from gateway.outgoing.outbox import Outbox
from gateway.relays.common import Pool
from gateway.relays.outbound import FailureThrottle, OutboundRelay
from gateway.relays.users import UsersFile, check_password, hash_password, set_user

ORDER = "114-2682884-2909064"
BUYER = "k3j4h5g6f7d8@marketplace.amazon.co.uk"
PASSWORD = "a long relay password"


def receive_buyer_message(gw) -> dict:
    """A buyer message arrives (its clock opens); returns its row."""
    [outcome] = recorded(gw.config, buyer(ORDER, "Can I still change the colour of the kettle?"),
                         now=datetime(2026, 11, 22, 10, 1, tzinfo=timezone.utc))
    with gw.state() as state:
        assert state.clock(f"order:{ORDER}:buyer")["status"] == "open"
        return state.message(outcome.verdict.message_key)


def reply(message: dict | None, *, to=BUYER, subject=None, extra=()) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Anna <support@shop.example>"
    mail["To"] = to
    mail["Subject"] = subject or f"Re: {message['subject']}"
    mail["Message-ID"] = "<reply-1@shop.example>"
    if message:
        mail["In-Reply-To"] = message["message_id"]
        mail["References"] = message["message_id"]
    mail["X-Crisis-Category"] = "buyer_message"
    for name, value in extra:
        mail[name] = value
    mail.set_content("Your parcel is on its way.\n")
    return mail.as_bytes()


def clock_status(gw) -> str:
    with gw.state() as state:
        return state.clock(f"order:{ORDER}:buyer")["status"]


def audit_kinds(gw) -> list[str]:
    with gw.state() as state:
        return [row["kind"] for row in state.db.query("SELECT kind FROM audit ORDER BY id")]


def submit(gw, raw: bytes, recipients=(BUYER,), login: tuple[str, str] | None = None, **client_options):
    with gw.smtp("outbound", **client_options) as client:
        if login:
            client.login(*login)
        return client.sendmail("support@shop.example", list(recipients), raw)


def test_a_reply_leaves_without_tags_and_stops_the_clock_it_answers(tmp_path, sink):
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        message = receive_buyer_message(gw)
        assert message["subject"].startswith("[Buyer by ")
        submit(gw, reply(message))
        assert clock_status(gw) == "stopped"
        assert audit_kinds(gw)[-2:] == ["reply_sent", "clock_stopped"]
    [got] = sink.received
    assert got.recipients == [BUYER]
    assert b"Subject: Re: Inquiry from Amazon customer Ann (Order: " + ORDER.encode() + b")" in got.data
    assert b"[Buyer" not in got.data and b"X-Crisis" not in got.data
    assert b"\r\n\r\nYour parcel is on its way.\r\n" in got.data and b"\n" not in got.data.replace(b"\r\n", b"")


def test_a_reply_without_references_is_matched_by_its_order_id(tmp_path, sink):
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        receive_buyer_message(gw)
        submit(gw, reply(None, subject=f"Your order {ORDER}"))
        assert clock_status(gw) == "stopped"


@pytest.mark.parametrize("to, extra, why", [
    ("colleague@shop.example", (), "not sent to the buyer or Amazon"),
    ("claims@carrier.example", (), "not sent to the buyer or Amazon"),
    (BUYER, (("Auto-Submitted", "auto-replied"),), "an auto-reply is no answer"),
])
def test_mail_that_is_no_answer_keeps_the_clock_running(tmp_path, sink, to, extra, why):
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        message = receive_buyer_message(gw)
        submit(gw, reply(message, to=to, extra=extra), recipients=[to])
        assert clock_status(gw) == "open"
        with gw.state() as state:
            detail = next(state.db.query("SELECT detail FROM audit WHERE kind = 'reply_sent'"))["detail"]
    assert why in detail
    assert len(sink.received) == 1


def test_smarthost_down_is_451_and_nothing_is_recorded(tmp_path):
    with gateway(tmp_path, outbound={}, smtp=smarthost(free_port())) as gw:
        message = receive_buyer_message(gw)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            submit(gw, reply(message))
        assert refused.value.smtp_code == 451
        assert clock_status(gw) == "open"
        assert "reply_sent" not in audit_kinds(gw)


def test_a_recipient_refused_for_good_is_told_to_the_client_and_a_resend_reaches_only_it(tmp_path, sink):
    sink.handler.refuse_rcpt, sink.handler.refuse_only = "550 5.1.1 no such user", ("gone@example.com",)
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            submit(gw, reply(None, subject="hello"), recipients=[BUYER, "gone@example.com"])
        assert b"gone@example.com" in refused.value.smtp_error and b"1 other recipient(s) have it" in refused.value.smtp_error
        sink.handler.refuse_rcpt = ""
        submit(gw, reply(None, subject="hello"), recipients=[BUYER, "gone@example.com"])
    assert refused.value.smtp_code == 550
    assert [r.recipients for r in sink.received] == [[BUYER], ["gone@example.com"]]


def test_a_gateway_side_failure_is_not_told_in_detail(tmp_path, sink):
    smtp = {**smarthost(sink.port), "user": "anna", "password_file": str(tmp_path / "missing-password")}
    with gateway(tmp_path, outbound={}, smtp=smtp) as gw:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            submit(gw, reply(None, subject="hello"))
    assert refused.value.smtp_code == 554 and b"missing-password" not in refused.value.smtp_error


def test_failed_logins_are_throttled_per_client():
    now = [0.0]
    throttle = FailureThrottle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert not throttle.blocked("192.0.2.7")
        throttle.failed("192.0.2.7")
    assert throttle.blocked("192.0.2.7") and not throttle.blocked("192.0.2.8")
    now[0] = 61
    assert not throttle.blocked("192.0.2.7")


def test_a_refusal_by_the_smarthost_is_passed_on(tmp_path, sink):
    sink.handler.script = ["550"]
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        message = receive_buyer_message(gw)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            submit(gw, reply(message))
        assert clock_status(gw) == "open"
    assert refused.value.smtp_code == 550
    assert b"Refused by the smarthost: 5.7.1 rejected" in refused.value.smtp_error


def test_a_reply_submitted_again_after_a_lost_250_is_not_sent_twice(tmp_path, sink):
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        message = receive_buyer_message(gw)
        submit(gw, reply(message))
        submit(gw, reply(message))
    assert len(sink.received) == 1


def test_with_a_users_file_every_client_authenticates(tmp_path, sink):
    users = tmp_path / "relay-users"
    set_user(users, "anna", PASSWORD)
    with gateway(tmp_path, outbound={"users_file": str(users)}, smtp=smarthost(sink.port)) as gw:
        with pytest.raises(smtplib.SMTPSenderRefused) as unauthenticated:
            submit(gw, reply(None, subject="hello"))
        with pytest.raises(smtplib.SMTPAuthenticationError):
            submit(gw, reply(None, subject="hello"), login=("anna", "wrong password"))
        submit(gw, reply(None, subject="hello"), login=("anna", PASSWORD))
        with gw.state() as state:
            detail = next(state.db.query("SELECT detail FROM audit WHERE kind = 'sent'"))["detail"]
    assert unauthenticated.value.smtp_code == 530
    assert '"login": "anna"' in detail
    assert len(sink.received) == 1


def test_a_client_outside_the_local_networks_may_not_relay(tmp_path, sink):
    with gateway(tmp_path, outbound={"local_networks": ["127.0.0.1/32"]}, smtp=smarthost(sink.port)) as gw:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            submit(gw, reply(None, subject="hello"), source_address=("127.0.0.2", 0))
        submit(gw, reply(None, subject="hello"))  # from 127.0.0.1: allowed
    assert refused.value.smtp_code == 554 and b"Relay access denied" in refused.value.smtp_error
    assert len(sink.received) == 1


def test_who_may_send_without_a_users_file():
    config = config_from_dict({
        "mailbox": [{"address": "support@shop.example"}],
        "smtp": {"from": "crisis@shop.example", "host": "smtp.shop.example"},
        "relay": {"outbound": {"listen": "127.0.0.1:10587"}},
    })
    relay = OutboundRelay(config, Pool(lambda: None, lambda _: None), Classifier(config), upstream=None)
    for peer, allowed in [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
                          ("192.0.2.7", False), ("::ffff:192.0.2.7", False), ("2001:db8::1", False), ("garbage", False)]:
        assert relay.may_send(SimpleNamespace(peer=(peer, 4242), authenticated=False)) is allowed, peer


def test_with_a_certificate_starttls_comes_before_auth(tmp_path, sink, certificate):
    cert, key = certificate
    users = tmp_path / "relay-users"
    set_user(users, "anna", PASSWORD)
    outbound = {"users_file": str(users), "tls_cert": str(cert), "tls_key": str(key)}
    with gateway(tmp_path, outbound=outbound, smtp=smarthost(sink.port)) as gw:
        with gw.smtp("outbound") as client:
            client.ehlo()
            assert client.has_extn("starttls") and not client.has_extn("auth")
            code, _ = client.docmd("AUTH", "PLAIN AGFubmEAYSBsb25nIHJlbGF5IHBhc3N3b3Jk")
            assert code == 530
        with gw.smtp("outbound") as client:
            client.starttls(context=ssl.create_default_context(cafile=str(cert)))
            client.login("anna", PASSWORD)
            client.sendmail("support@shop.example", [BUYER], reply(None, subject="hello"))
    assert len(sink.received) == 1


def test_users_file_keeps_only_hashes_and_is_read_again_when_changed(tmp_path):
    path = tmp_path / "users"
    assert set_user(path, "anna", PASSWORD) is True
    assert PASSWORD not in path.read_text() and oct(path.stat().st_mode & 0o777) == "0o600"
    users = UsersFile(path)
    assert users.check("anna", PASSWORD) and not users.check("anna", "nope") and not users.check("bob", PASSWORD)
    assert set_user(path, "bob", "another long password") is True
    assert users.check("bob", "another long password")
    set_user(path, "anna", "a new password of the same size!"[:len(PASSWORD)])
    assert not users.check("anna", PASSWORD)  # a changed password counts at once, same file size or not
    assert check_password(hash_password("x"), "x") and not check_password("scrypt$broken", "x")


def test_a_case_mail_raising_several_problems_gets_its_sender_warned(tmp_path, sink):
    bundled = (f"From: support@shop.example\r\nTo: seller-support@amazon.com\r\n"
               f"Subject: Re: Case ID 69794732962: We have received your request\r\n\r\n"
               f"Hello, the refund for order {ORDER} is missing, and order 305-1111111-2222222 was charged twice.\r\n"
               f"\r\nOn Mon, Amazon wrote:\r\n> Your case ID is 69794732962.\r\n").encode()
    single = bundled.replace(b" and order 305-1111111-2222222 was charged twice", b"")
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        with gw.smtp("outbound") as client:
            client.sendmail("anna@shop.example", ["seller-support@amazon.com"], single)
            client.sendmail("anna@shop.example", ["seller-support@amazon.com"], bundled)
        with gw.state() as state:
            warnings = list(state.db.query("SELECT target, payload FROM outbox WHERE kind = 'warn'"))
            assert Outbox(gw.config, state).run()["done"] == 1
    assert [w["target"] for w in warnings] == ["anna@shop.example"]
    assert "2 orders" in warnings[0]["payload"]
    warning = sink.received[-1]
    assert warning.recipients == ["anna@shop.example"] and b"[One case, one problem]" in warning.data
