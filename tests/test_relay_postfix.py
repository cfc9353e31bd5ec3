"""The relays behind a real Postfix, delivering into a real Dovecot over LMTP:

    swaks/smtplib -> Postfix :25 -> (content_filter) gateway :G -> Postfix :R (re-injection) -> Dovecot LMTP
    mail client -> gateway outbound -> Postfix smarthost -> sink

Postfix is set up as its FILTER_README describes an after-queue content filter."""

from __future__ import annotations

import email
import email.policy
import subprocess
from collections import Counter

from configs import smarthost, write_config
from corpus import corpus_or_factory
from mails import buyer, claim
from relays import SUPPORT, gateway
from servers import free_port, missing

ORDER = "114-2682884-2909064"


def swaks(*args: str) -> subprocess.CompletedProcess:
    if subprocess.run(["which", "swaks"], capture_output=True).returncode != 0:
        missing("swaks")
    return subprocess.run(["swaks", "--silent", "1", *args], capture_output=True, text=True, timeout=60)


def test_swaks_to_postfix_to_gateway_to_postfix_to_dovecot_delivers_the_tagged_mail(tmp_path, chain):
    eml = tmp_path / "claim.eml"
    eml.write_bytes(claim(ORDER))
    with gateway(tmp_path, reinject=chain.reinject, inbound=chain.inbound()):
        sent = swaks("--server", f"127.0.0.1:{chain.postfix.port}", "--from", "atoz@amazon.co.uk", "--to", SUPPORT,
                     "--data", f"@{eml}")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        [mail] = chain.inbox(1)
    assert mail["Subject"].startswith("[CRISIS: A-to-Z by ")
    assert mail["X-Crisis-Order"] == ORDER
    assert "status=sent (250 2.0.0 Ok: tagged and re-injected)" in chain.postfix.log()


def test_gateway_down_postfix_defers_without_bounce_and_delivers_once_the_daemon_runs(tmp_path, chain, run_daemon):
    chain.send(claim(ORDER))
    log = chain.wait_log("status=deferred")
    assert f"127.0.0.1[127.0.0.1]:{chain.filter_port}" in log and "Connection refused" in log
    assert chain.dovecot.messages() == []

    config = write_config(tmp_path, relay={"inbound": chain.inbound(reinject=f"127.0.0.1:{chain.reinject}")})
    daemon = run_daemon(config)
    assert daemon.listens(chain.filter_port), f"the daemon did not listen:\n{daemon.log_text()}"
    chain.postfix.flush()
    [mail] = chain.inbox(1)
    assert daemon.stop() == 0, daemon.log_text()
    assert mail["Subject"].startswith("[CRISIS: A-to-Z by ")
    assert "bounced" not in chain.postfix.log() and "relay inbound: stopped" in daemon.log_text()


def test_reinjection_port_down_postfix_is_told_451_and_keeps_the_mail(tmp_path, chain):
    with gateway(tmp_path, reinject=free_port(), inbound=chain.inbound()):
        chain.send(claim(ORDER))
        log = chain.wait_log("status=deferred")
    assert "said: 451 4.3.0 Temporary failure, please try again later" in log
    assert "bounced" not in log and chain.dovecot.messages() == []
    assert "Requests: 1" in chain.postfix.queue() or "1 Request" in chain.postfix.queue()


def test_a_reply_through_the_outbound_relay_reaches_the_smarthost_clean_and_stops_the_clock(tmp_path, chain, postfix_factory,
                                                                                            sink):
    smarthost_postfix = postfix_factory(extra_main=f"relayhost = [127.0.0.1]:{sink.port}\n")
    question = buyer(ORDER, "Can I still change the colour of the kettle?")
    with gateway(tmp_path, reinject=chain.reinject, inbound=chain.inbound(), outbound={},
                 smtp=smarthost(smarthost_postfix.port)) as gw:
        chain.send(question)
        [received] = chain.inbox(1)
        assert received["Subject"].startswith("[Buyer by ")
        answer = (f"From: support@shop.example\r\nTo: k3j4h5g6f7d8@marketplace.amazon.co.uk\r\n"
                  f"Subject: Re: {received['Subject']}\r\nIn-Reply-To: {received['Message-ID']}\r\n"
                  f"Message-ID: <answer-1@shop.example>\r\nX-Crisis-Tier: 2\r\n\r\nYou can, until it ships.\r\n")
        eml = tmp_path / "answer.eml"
        eml.write_text(answer)
        sent = swaks("--server", f"127.0.0.1:{gw.port('outbound')}", "--from", SUPPORT,
                     "--to", "k3j4h5g6f7d8@marketplace.amazon.co.uk", "--data", f"@{eml}")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        [out] = sink.wait_for(1, timeout=30)
        with gw.state() as state:
            clock = state.clock(f"order:{ORDER}:buyer")
    assert b"Subject: Re: Inquiry from Amazon customer Ann (Order: " in out.data
    assert b"[Buyer" not in out.data and b"X-Crisis" not in out.data
    assert clock["status"] == "stopped" and clock["stop_reason"].startswith("reply sent by the team")


def test_relaying_is_refused_to_an_unauthenticated_client_from_outside(tmp_path, sink):
    with gateway(tmp_path, outbound={"local_networks": ["127.0.0.1/32"]}, smtp=smarthost(sink.port)) as gw:
        refused = swaks("--server", f"127.0.0.1:{gw.port('outbound')}", "--local-interface", "127.0.0.2",
                        "--from", SUPPORT, "--to", "buyer@example.com")
    assert refused.returncode != 0
    assert "554 5.7.1 Relay access denied" in refused.stdout + refused.stderr
    assert sink.received == []


def test_the_corpus_lands_in_dovecot_once_per_mail_tier1_tagged_also_with_the_gateway_down_a_while(tmp_path, chain):
    mails = [(name, raw, expected["tier"]) for name, raw, expected in corpus_or_factory(44, seed=5)]
    half = len(mails) // 2
    for _, raw, _ in mails[:half]:
        chain.send(raw)  # the gateway is down: deferred
    chain.wait_log("Connection refused")
    with gateway(tmp_path, reinject=chain.reinject, inbound=chain.inbound()):
        for _, raw, _ in mails[half:]:
            chain.send(raw)
        chain.postfix.flush()
        delivered = chain.inbox(len(mails), timeout=120)
    assert "bounced" not in chain.postfix.log()
    sent_ids = Counter(email.message_from_bytes(raw)["Message-ID"] for _, raw, _ in mails)
    assert Counter(m["Message-ID"] for m in delivered) == sent_ids  # each once, none lost
    def words(subject) -> str:
        return " ".join(str(subject).split())

    tagged = {words(m["X-Crisis-Original-Subject"]) for m in delivered if str(m["Subject"]).startswith("[CRISIS:")}
    for name, raw, tier in mails:
        original = words(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])
        assert (original in tagged) == (tier == 1), name
