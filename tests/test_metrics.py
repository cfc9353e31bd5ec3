"""The Prometheus endpoint of a running daemon: mails, actions, outbox, clocks, connections,
relay sessions and their 4xx answers, as a scrape sees them."""

import smtplib
import urllib.request

import pytest
from configs import smtp_capture, write_config
from mails import buyer, claim
from servers import free_port, listening, wait_until

from gateway.config import ConfigError, config_from_dict
from gateway.mail import maildir


def scrape(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("crisis_gateway_"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def test_a_scrape_shows_what_the_daemon_did(tmp_path, run_daemon):
    inbox = tmp_path / "Maildir"
    maildir.ensure(inbox)
    maildir.deliver(inbox, buyer("204-1111111-0000001", "Where is my parcel?"))
    maildir.deliver(inbox, claim("204-1111111-0000002"))
    metrics_port, relay_port = free_port(), free_port()
    config = write_config(
        tmp_path, mailbox=[{"name": "shop", "address": "support@shop.example", "maildir": str(inbox), "since": "2000-01-01"}],
        smtp=smtp_capture(tmp_path),
        # nothing listens on reinject: every mail handed to the relay gets a 451
        relay={"inbound": {"listen": f"127.0.0.1:{relay_port}", "reinject": f"127.0.0.1:{free_port()}"}},
        metrics={"listen": f"127.0.0.1:{metrics_port}"})
    daemon = run_daemon(config)
    try:
        assert wait_until(lambda: listening(metrics_port) and listening(relay_port), 30.0, 0.2), daemon.log_text()[-3000:]
        with smtplib.SMTP("127.0.0.1", relay_port, timeout=30) as client:
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail("a@b.example", ["support@shop.example"], buyer("204-1111111-0000003", "Hello?"))
            assert refused.value.smtp_code == 451
        sent = ('crisis_gateway_actions_total{kind="acknowledge",result="sent"}', 'crisis_gateway_actions_total{kind="forward",result="sent"}')

        def all_sent():
            now = scrape(metrics_port)
            return now if all(now.get(name) for name in sent) else None

        values = wait_until(all_sent, 30.0, 0.2)
        assert values, daemon.log_text()[-3000:]
    finally:
        assert daemon.stop() == 0
    assert values['crisis_gateway_mails_total{category="buyer_message",tier="2"}'] >= 1
    assert values['crisis_gateway_mails_total{category="atoz_claim",tier="1"}'] == 1
    assert values['crisis_gateway_actions_total{kind="forward",result="sent"}'] >= 1
    assert values['crisis_gateway_actions_total{kind="forward",result="dead_lettered"}'] == 0
    assert values['crisis_gateway_clocks_open{tier="1"}'] == 1
    assert values['crisis_gateway_clocks_open_by_obligation{obligation="claim"}'] == 1
    assert values['crisis_gateway_clocks_open_by_obligation{obligation="buyer"}'] >= 1
    assert values["crisis_gateway_clocks_overdue"] >= 1  # the test mails are from 22 Nov 2026
    assert values['crisis_gateway_imap_connected{mailbox="shop"}'] == 1
    assert values['crisis_gateway_relay_sessions_total{relay="inbound"}'] == 2  # the probe that it listens, and the client
    assert values['crisis_gateway_relay_temporary_failures_total{relay="inbound"}'] == 1
    assert "crisis_gateway_outbox_depth" in values and "crisis_gateway_outbox_oldest_pending_seconds" in values


def test_metrics_listen_only_on_loopback():
    with pytest.raises(ConfigError, match="loopback"):
        config_from_dict({"mailbox": [{"address": "a@shop.example"}], "metrics": {"listen": "0.0.0.0:9464"}})
