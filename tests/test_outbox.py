"""The outbox against real SMTP servers on loopback: every action done once, none lost."""

import base64
import contextlib
import email
import email.policy
import json
import logging
import signal
import ssl
import sys
from datetime import datetime, timedelta, timezone

import mails
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from configs import config_data, write_config
from corpus import SHARED_CORPUS, corpus_manifest
from processes import cli
from recording import recorded
from servers import Sink, SinkHandler, free_port

from gateway.config import config_from_dict
from gateway.judging.classify import Classifier
from gateway.outgoing.outbox import Outbox
from gateway.state import State

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
FAST = {"attempts": 4, "max_seconds": 30, "backoff_initial": 0.01, "backoff_max": 0.05}


def outbox_config(port: int, tmp_path, **sections):
    """The smarthost on 127.0.0.1:port, quick retries; `sections` are merged into these tables."""
    data = config_data(tmp_path, outbox=FAST, acknowledge={"shop_name": "Test Shop"},
                       smtp={"host": "127.0.0.1", "port": port, "security": "none", "from": "crisis@shop.example",
                             "timeout": 5})
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return config_from_dict(data)


class Gateway:
    """The outbox over `state`, open for the whole test; mails recorded as the daemon records them."""

    def __init__(self, config, state: State):
        self.config = config
        self.state = state
        self.classifier = Classifier(config)
        self.outbox = Outbox(config, state)

    def take(self, *raws, now=NOW):
        return recorded(self.config, *raws, now=now)

    def rows(self):
        return self.outbox.rows()


@pytest.fixture
def gateway_for(tmp_path):
    """make(port, **sections): a Gateway sending to 127.0.0.1:port; its state is closed after the test."""
    with contextlib.ExitStack() as states:
        def make(port, **sections):
            config = outbox_config(port, tmp_path, **sections)
            return Gateway(config, states.enter_context(State(config.state_dir)))

        yield make


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_forward_and_acknowledgement(sink, gateway_for):
    g = gateway_for(sink.port)
    order = "202-1234567-7654321"
    first = mails.buyer(order, "Where is my parcel? It never arrived.", minute=1)
    g.take(first, mails.claim(order))
    # the buyer's risk message: forward + acknowledgement; the claim: forward only, the buyer
    # having been acknowledged already
    assert g.outbox.run() == {"done": 3, "dead": 0, "waiting": 0}
    by_subject = {parse(r.data)["Subject"]: r for r in sink.received}
    assert len(by_subject) == 3

    ack = next(r for s, r in by_subject.items() if s.startswith("Re: "))
    assert ack.recipients == ["k3j4h5g6f7d8@marketplace.amazon.co.uk"]
    message = parse(ack.data)
    assert message["Auto-Submitted"] == "auto-replied" and message["X-Loop"] == "crisis-gateway"
    assert message["In-Reply-To"] == f"<buyer-{order}-k3j4h5g6f7d8-1@example.test>"
    assert order in message.get_content() and "24 hours" in message.get_content()
    assert "[CRISIS" not in message["Subject"]

    forward_raw = next(r for s, r in by_subject.items() if s.startswith("[CRISIS: A-to-Z by ")).data
    forward = parse(forward_raw)
    assert forward["To"] == "crisis@shop.example" and forward["From"].addresses[0].addr_spec == "crisis@shop.example"
    parts = list(forward.iter_parts())
    summary = parts[0].get_content()
    assert "Amount:    £42.50" in summary and "Reason:    Item not received" in summary
    assert "(2026-11-24 11:00 UTC)" in summary
    assert "Answer in: Seller Central, Performance > A-to-z Guarantee claims" in summary  # no-reply reaches nobody
    assert "buyer not acknowledged: k3j4h5g6f7d8@marketplace.amazon.co.uk already acknowledged" in summary
    attached = [p for p in parts[1:] if p.get_content_type() == "message/rfc822"]
    assert [p.get_filename() for p in attached] == ["original.eml", "evidence-01-2026-11-22.eml"]
    assert mails.claim(order) in forward_raw  # attached byte for byte
    assert first in forward_raw


def test_claim_acknowledges_the_buyer_known_from_earlier_mail(sink, gateway_for):
    g = gateway_for(sink.port, acknowledge={"window_hours": 1})
    order = "202-7654321-1234567"
    g.take(mails.buyer(order, "Can I pay by invoice?", minute=2))
    g.outbox.run()
    g.take(mails.claim(order), now=NOW + timedelta(hours=2))  # past the one-hour window
    kinds = [(r["kind"], r["target"]) for r in g.rows()]
    assert kinds.count(("acknowledge", "k3j4h5g6f7d8@marketplace.amazon.co.uk")) == 2


def test_classify_lists_exactly_what_the_outbox_runs(sink, gateway_for, tmp_path):
    g = gateway_for(sink.port, notify={"webhooks": ["http://127.0.0.1:9/hook"]})
    raws = [mails.buyer("203-0000000-0000001", "Is it blue?"), mails.buyer("203-0000000-0000002", "It arrived broken!", token="zz1"),
            mails.claim("203-0000000-0000003"), mails.buyer("203-0000000-0000004", "Out of office", token="zz2", extra="Auto-Submitted: auto-replied\r\n")]
    raws += [(SHARED_CORPUS / e["file"]).read_bytes() for e in corpus_manifest()]
    for raw in raws:
        verdict = g.classifier.classify(raw, NOW, history=g.state)
        g.take(raw)
        planned = sorted((a.kind, ",".join(a.detail["to"]) if isinstance(a.detail["to"], list) and a.kind != "notify" else a.detail["to"])
                         for a in verdict.actions if a.kind != "tag")
        planned = sorted((k, t) for k, targets in planned for t in (targets if isinstance(targets, list) else [targets]))
        queued = sorted((r["kind"], r["target"]) for r in g.rows() if r["message_key"] == verdict.message_key)
        assert planned == queued


@pytest.mark.parametrize("script, attempts", [(["451"], 2), (["451", "421"], 3), (["slow:1"], 1)])
def test_transient_failures_are_retried_then_done(sink, gateway_for, script, attempts):
    g = gateway_for(sink.port)
    g.take(mails.claim("204-1111111-1111111"))
    sink.handler.script = list(script)
    assert g.outbox.run()["done"] == 1
    (row,) = g.rows()
    assert row["status"] == "done" and len(sink.received) == 1
    kinds = [a["kind"] for a in g.state.audit_rows(order_id="204-1111111-1111111")]
    assert kinds.count("sent") == 1


def test_connection_lost_after_data_repeats_once_with_the_same_message_id(sink, gateway_for):
    g = gateway_for(sink.port)
    g.take(mails.claim("204-2222222-2222222"))
    sink.handler.script = ["drop"]
    assert g.outbox.run()["done"] == 1
    ids = [parse(r.data)["Message-ID"] for r in sink.received]
    assert len(ids) == 2 and ids[0] == ids[1] == g.rows()[0]["message_id"]


def test_refused_connections_dead_letter_then_retry(tmp_path, gateway_for, caplog):
    port = free_port()  # nothing listens here
    g = gateway_for(port)
    g.take(mails.claim("204-3333333-3333333"))
    with caplog.at_level(logging.WARNING, logger="gateway.outbox"):
        assert g.outbox.run() == {"done": 0, "dead": 1, "waiting": 0}
    (row,) = g.rows()
    assert row["status"] == "dead" and row["attempts"] == 1 and "ConnectionRefusedError" in row["last_error"]
    assert "dead-lettered" in caplog.text
    assert g.state.audit_rows(order_id="204-3333333-3333333")[-1]["kind"] == "dead_letter"
    sink = Sink()
    sink.port = port
    sink.controller.port = port
    with sink:
        assert g.outbox.set_status([row["id"]], "pending", ("dead",)) == 1
        assert g.outbox.run()["done"] == 1
        assert len(sink.received) == 1


def test_permanent_refusal_is_not_retried(sink, gateway_for):
    g = gateway_for(sink.port)
    g.take(mails.claim("204-4444444-4444444"))
    sink.handler.script = ["550"]
    assert g.outbox.run()["dead"] == 1
    assert g.rows()[0]["last_error"].startswith("550") and not sink.received


def test_burst_from_one_buyer_gets_one_acknowledgement(sink, gateway_for):
    g = gateway_for(sink.port)
    order = "205-5555555-5555555"
    outcomes = g.take(*[mails.buyer(order, f"Hello? message {n}", minute=n) for n in range(1000)])
    assert sum(o.status == "recorded" for o in outcomes) == 1000
    g.outbox.run()
    acks = [r for r in sink.received if r.recipients == ["k3j4h5g6f7d8@marketplace.amazon.co.uk"]]
    assert len(acks) == 1
    classified = [a for a in g.state.audit_rows(order_id=order) if a["kind"] == "classified"]
    declined = [a for a in classified if any("already acknowledged" in line for line in a["detail"]["trace"])]
    assert len(classified) == 1000 and len(declined) == 999


def test_webhook_notification_is_retried_and_audited(sink, gateway_for, webhook):
    g = gateway_for(sink.port, notify={"webhooks": [webhook.url]})
    webhook.answers = [503, 502]
    g.take(mails.claim("206-6666666-6666666"))
    g.outbox.run()
    notify = next(r for r in g.rows() if r["kind"] == "notify")
    assert notify["status"] == "done" and len(webhook.bodies) == 3
    assert webhook.bodies[-1]["order_id"] == "206-6666666-6666666" and webhook.bodies[-1]["category"] == "atoz_claim"
    webhook.answers = [404]
    g.take(mails.claim("206-7777777-7777777"))
    g.outbox.run()
    dead = [r for r in g.rows() if r["kind"] == "notify" and r["status"] == "dead"]
    assert len(dead) == 1 and dead[0]["last_error"] == "HTTP 404"


def test_kill_between_send_and_commit_repeats_at_most_once(sink, tmp_path, run_daemon):
    config = write_config(tmp_path, smtp={"host": "127.0.0.1", "port": sink.port, "security": "none", "from": "crisis@shop.example"},
                          outbox={"backoff_initial": 0.01, "backoff_max": 0.05})
    mail = tmp_path / "claim.eml"
    mail.write_bytes(mails.claim("207-8888888-8888888"))
    # The sink receives the forward, then kills the sending process before it can record "done".
    process = run_daemon(config, str(mail), command="process")
    original = sink.handler.handle_DATA

    async def kill_then_answer(server, session, envelope):
        answer = await original(server, session, envelope)
        process.send_signal(signal.SIGKILL)
        return answer

    sink.handler.handle_DATA = kill_then_answer
    assert process.wait(timeout=60) == -signal.SIGKILL
    assert len(sink.received) == 1
    sink.handler.handle_DATA = original
    again = cli("outbox", "run", "--config", str(config))
    assert again.returncode == 0, again.stderr
    assert "1 sent" in again.stdout and "may have been sent before a crash" in again.stderr
    ids = [parse(r.data)["Message-ID"] for r in sink.received]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert cli("outbox", "run", "--config", str(config)).stdout.startswith("0 sent")
    assert len(sink.received) == 2


def test_through_a_real_postfix_smarthost(sink, postfix_factory, gateway_for):
    """Postfix relays what the outbox submits; a burst of buyer mail still yields one acknowledgement,
    and a smarthost that is down at first only delays: the retried actions arrive once."""
    smarthost = postfix_factory(extra_main=f"relayhost = [127.0.0.1]:{sink.port}")
    g = gateway_for(smarthost.port, smtp={"max_per_minute": 0})  # a burst of 52 at once: no send limit here
    order = "208-1212121-3434343"
    g.take(*[mails.buyer(order, f"It arrived damaged ({n})", minute=n) for n in range(50)], mails.claim(order))
    assert g.outbox.run() == {"done": 52, "dead": 0, "waiting": 0}  # 51 forwards, 1 acknowledgement
    received = sink.wait_for(52)
    assert len(received) == 52
    ids = [parse(r.data)["Message-ID"] for r in received]
    assert len(set(ids)) == 52 and set(ids) == {r["message_id"] for r in g.rows()}
    acks = [r for r in received if r.recipients == ["k3j4h5g6f7d8@marketplace.amazon.co.uk"]]
    assert len(acks) == 1
    assert "status=sent" in smarthost.log()

    smarthost.stop()
    g.take(mails.claim("208-5656565-7878787"))
    assert g.outbox.run()["dead"] == 1  # smarthost down: retried, then dead-lettered, not lost
    dead = [r["id"] for r in g.outbox.rows("dead")]
    smarthost.start()
    g.outbox.set_status(dead, "pending", ("dead",))
    assert g.outbox.run()["done"] == 1
    assert len(sink.wait_for(53)) == 53


class OAuthSink:
    """Accepts XOAUTH2 with one token only, as Gmail and Microsoft 365 do after a token expires."""

    def __init__(self, good_token: str):
        self.good = good_token
        self.seen_tokens: list[str] = []
        self.handler = SinkHandler()
        self.handler.auth_XOAUTH2 = self.auth_XOAUTH2

    async def auth_XOAUTH2(self, server, args):
        fields = dict(part.split("=", 1) for part in base64.b64decode(args[1]).decode().split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        self.seen_tokens.append(token)
        return AuthResult(success=token == self.good, handled=False)


def test_xoauth2_token_is_refreshed_when_refused_and_never_logged(tmp_path, gateway_for, caplog):
    counter = tmp_path / "calls"
    script = tmp_path / "token.py"
    script.write_text(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(counter)!r})\n"
        "n = int(p.read_text()) if p.exists() else 0\n"
        "p.write_text(str(n + 1))\n"
        "print('stale-token-SECRET' if n == 0 else 'fresh-token-SECRET')\n"
    )
    oauth = OAuthSink("fresh-token-SECRET")
    port = free_port()
    controller = Controller(oauth.handler, hostname="127.0.0.1", port=port, auth_require_tls=False)
    controller.start()
    try:
        g = gateway_for(port, smtp={"user": "shop@example.com", "oauth2_token_command": f"{sys.executable} {script}"})
        g.take(mails.claim("209-1010101-2020202"))
        with caplog.at_level(logging.DEBUG):
            assert g.outbox.run()["done"] == 1
    finally:
        controller.stop()
    assert oauth.seen_tokens == ["stale-token-SECRET", "fresh-token-SECRET"]
    assert len(oauth.handler.received) == 1
    audit_text = json.dumps(g.state.audit_rows())
    assert "SECRET" not in caplog.text and "SECRET" not in audit_text


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_to_the_smarthost(certificate, tmp_path, gateway_for, security):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler, port = SinkHandler(), free_port()
    options = {"tls_context": context, "require_starttls": True} if security == "starttls" else {"ssl_context": context}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        trusted = gateway_for(port, smtp={"security": security, "ca_file": str(cert)})
        trusted.take(mails.claim("210-1111111-0000001"))
        assert trusted.outbox.run()["done"] == 1
        assert len(handler.received) == 1
        untrusted = gateway_for(port, smtp={"security": security})  # the system CAs do not know this certificate
        untrusted.take(mails.claim("210-1111111-0000002"))
        assert untrusted.outbox.run()["dead"] == 1
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.rows()[-1]["last_error"] or "certificate" in untrusted.rows()[-1]["last_error"].lower()
        assert untrusted.rows()[-1]["attempts"] == 1  # not retried: another try would fail the same way
    finally:
        controller.stop()
