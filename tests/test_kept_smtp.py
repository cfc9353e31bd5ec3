"""The connection kept from one mail to the next (the inbound relay's re-injection), against a
real SMTP server on loopback: one connection for many mails, and none of its failures costs a
mail or sends one twice."""

import pytest

from gateway.config import SmtpConfig
from gateway.outgoing.transport import KeptSmtpTransport, TransientError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def mail(n: int) -> bytes:
    return b"From: a@shop.example\r\nTo: b@shop.example\r\nSubject: mail %d\r\n\r\nHello.\r\n" % n


@pytest.fixture
def kept(sink):
    clock = Clock()
    transport = KeptSmtpTransport(SmtpConfig(sender="", host="127.0.0.1", port=sink.port, security="none", timeout=10),
                                  clock=clock)
    yield transport, clock
    transport.close()


def test_mails_one_after_another_share_one_connection(sink, kept):
    transport, clock = kept
    for n in range(3):
        assert transport.deliver("a@shop.example", ["b@shop.example"], mail(n)) == {}
        clock.now += 1
    assert [r.data for r in sink.received] == [mail(0), mail(1), mail(2)]
    assert sink.connections() == 1


def test_a_connection_the_server_closed_meanwhile_is_replaced_and_the_mail_goes_once(sink, kept):
    transport, _ = kept
    transport.deliver("a@shop.example", ["b@shop.example"], mail(1))
    sink.hang_up()
    assert transport.deliver("a@shop.example", ["b@shop.example"], mail(2)) == {}
    assert [r.data for r in sink.received] == [mail(1), mail(2)]
    assert sink.connections() == 2


def test_an_error_during_a_mail_closes_the_connection_and_the_next_mail_gets_a_new_one(sink, kept):
    transport, _ = kept
    sink.handler.script = ["451"]
    with pytest.raises(TransientError):
        transport.deliver("a@shop.example", ["b@shop.example"], mail(1))
    assert transport.deliver("a@shop.example", ["b@shop.example"], mail(2)) == {}
    assert [r.data for r in sink.received] == [mail(2)]
    assert sink.handler.quits == 1  # the failed connection was closed with QUIT


def test_a_refused_recipient_is_told_and_the_connection_stays(sink, kept):
    transport, _ = kept
    sink.handler.refuse_rcpt, sink.handler.refuse_only = "550 5.1.1 no such user", ("gone@shop.example",)
    refused = transport.deliver("a@shop.example", ["b@shop.example", "gone@shop.example"], mail(1))
    assert list(refused) == ["gone@shop.example"] and refused["gone@shop.example"][0] == 550
    transport.deliver("a@shop.example", ["b@shop.example"], mail(2))
    assert [r.recipients for r in sink.received] == [["b@shop.example"], ["b@shop.example"]]
    assert sink.connections() == 1


def test_an_idle_connection_is_closed_with_quit_and_one_in_use_is_not(sink, kept):
    transport, clock = kept
    transport.deliver("a@shop.example", ["b@shop.example"], mail(1))
    clock.now += KeptSmtpTransport.IDLE_SECONDS - 1
    transport.close_idle()
    assert sink.handler.quits == 0
    clock.now += 1
    transport.close_idle()
    assert sink.handler.quits == 1
    transport.deliver("a@shop.example", ["b@shop.example"], mail(2))
    assert sink.connections() == 2


def test_a_connection_is_renewed_after_its_age_limit(sink, kept):
    transport, clock = kept
    for n in range(int(KeptSmtpTransport.MAX_AGE_SECONDS // 5) + 2):
        transport.deliver("a@shop.example", ["b@shop.example"], mail(n))
        clock.now += 5
    assert sink.connections() == 2 and sink.handler.quits == 1


def test_a_server_that_is_down_is_a_transient_error():
    transport = KeptSmtpTransport(SmtpConfig(sender="", host="127.0.0.1", port=1, security="none", timeout=5))
    with pytest.raises(TransientError):
        transport.deliver("a@shop.example", ["b@shop.example"], mail(1))
