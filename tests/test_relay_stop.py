"""Stopping the relays: a mail being received finishes and gets its real answer, everything
else gets a 4xx or is cut off unanswered; nothing answered 250 is lost, nothing is doubled."""

import smtplib
import threading

import pytest
from mails import claim
from relays import gateway
from servers import wait_until

ORDER = "114-2682884-2909064"


def send_in_background(gw) -> dict:
    result: dict = {}

    def send() -> None:
        try:
            with gw.smtp("inbound") as client:
                result["refused"] = client.sendmail("atoz@amazon.co.uk", ["support@shop.example"], claim(ORDER))
        except Exception as exc:  # noqa: BLE001 - what the client saw is the result
            result["error"] = exc

    result["thread"] = threading.Thread(target=send)
    result["thread"].start()
    return result


def test_a_mail_in_progress_finishes_idle_sessions_get_421_new_ones_are_refused(tmp_path, sink):
    sink.handler.script = ["slow:1.5"]  # the re-injection is under way when the stop comes
    with gateway(tmp_path, reinject=sink.port) as gw:
        idle = gw.smtp("inbound")
        idle.ehlo()
        sending = send_in_background(gw)
        assert wait_until(lambda: not sink.handler.script, 10.0, 0.02), "timed out"
        gw.stop()
        sending["thread"].join(10)
        assert sending.get("refused") == {} and "error" not in sending
        assert idle.mail("someone@amazon.co.uk")[0] == 421  # told while it waited, read now
        with pytest.raises(ConnectionRefusedError):
            gw.smtp("inbound")
    assert len(sink.received) == 1


def test_a_mail_still_busy_at_the_deadline_is_cut_off_unanswered_and_not_doubled_on_retry(tmp_path, sink):
    sink.handler.script = ["slow:2"]
    with gateway(tmp_path, reinject=sink.port, inbound={"drain_seconds": 0.3}) as gw:
        sending = send_in_background(gw)
        assert wait_until(lambda: not sink.handler.script, 10.0, 0.02), "timed out"
        gw.stop()  # returns once the cut-off work has ended
        sending["thread"].join(10)
    assert isinstance(sending.get("error"), smtplib.SMTPServerDisconnected)  # no 250: the MTA keeps the mail
    assert len(sink.received) == 1  # the work itself finished
    with gateway(tmp_path, reinject=sink.port) as gw:  # restarted, same state: the MTA tries again
        again = send_in_background(gw)
        again["thread"].join(10)
    assert again.get("refused") == {}
    assert len(sink.received) == 1
