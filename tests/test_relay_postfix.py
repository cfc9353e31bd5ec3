"""The relays behind a real Postfix, delivering into a real Dovecot over LMTP:

    swaks/smtplib -> Postfix :25 -> (content_filter) gateway :G -> Postfix :R (re-injection) -> Dovecot LMTP
    mail client -> gateway outbound -> Postfix smarthost -> sink

Postfix is set up as its FILTER_README describes an after-queue content filter."""

from __future__ import annotations

import email
import email.policy
import signal
import smtplib
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from conftest import SHARED_CORPUS, corpus_manifest, write_config
from mailfactory import generate
from mails import buyer, claim
from relays import gateway, smarthost
from servers import Dovecot, Postfix, content_filter, dovecot, free_port, listening, missing, postfix_factory, sink  # noqa: F401 - fixtures

ORDER = "114-2682884-2909064"
SUPPORT = "support@shop.example"


def content_filter_postfix(make, dovecot: Dovecot, filter_port: int) -> tuple[Postfix, int]:
    """A Postfix handing every mail to 127.0.0.1:filter_port, taking the result back on a second
    smtpd, and delivering shop.example into Dovecot over LMTP."""
    reinject = free_port()
    main, master = content_filter(filter_port, reinject)
    postfix = make(extra_main=main + f"""
virtual_mailbox_domains = shop.example
virtual_transport = lmtp:inet:127.0.0.1:{dovecot.lmtp_port}
smtpd_reject_unlisted_recipient = no
""", extra_master=master)
    return postfix, reinject


@dataclass
class Chain:
    postfix: Postfix
    dovecot: Dovecot
    filter_port: int
    reinject: int

    def send(self, raw: bytes, sender: str = "bounce@amazon.co.uk", recipients=(SUPPORT,)) -> None:
        with smtplib.SMTP("127.0.0.1", self.postfix.port, timeout=30) as client:
            client.sendmail(sender, list(recipients), raw)

    def inbox(self, count: int, timeout: float = 60.0) -> list[email.message.EmailMessage]:
        """Waits for `count` mails in the INBOX (a little longer, to see any extra one)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.dovecot.messages()
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        return [email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in self.dovecot.messages()]

    def wait_log(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.postfix.log():
            assert time.monotonic() < deadline, f"{text!r} not in the Postfix log:\n{self.postfix.log()[-3000:]}"
            time.sleep(0.2)
        return self.postfix.log()


@pytest.fixture
def chain(postfix_factory, dovecot):
    port = free_port()
    postfix, reinject = content_filter_postfix(postfix_factory, dovecot, port)
    return Chain(postfix, dovecot, port, reinject)


def inbound(chain: Chain, **options) -> dict:
    return {"listen": f"127.0.0.1:{chain.filter_port}", **options}


def swaks(*args: str) -> subprocess.CompletedProcess:
    if subprocess.run(["which", "swaks"], capture_output=True).returncode != 0:
        missing("swaks")
    return subprocess.run(["swaks", "--silent", "1", *args], capture_output=True, text=True, timeout=60)


def test_swaks_to_postfix_to_gateway_to_postfix_to_dovecot_delivers_the_tagged_mail(tmp_path, chain):
    eml = tmp_path / "claim.eml"
    eml.write_bytes(claim(ORDER))
    with gateway(tmp_path, reinject=chain.reinject, inbound=inbound(chain)):
        sent = swaks("--server", f"127.0.0.1:{chain.postfix.port}", "--from", "atoz@amazon.co.uk", "--to", SUPPORT,
                     "--data", f"@{eml}")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        [mail] = chain.inbox(1)
    assert mail["Subject"].startswith("[CRISIS: A-to-Z | due ")
    assert mail["X-Crisis-Order"] == ORDER
    assert "status=sent (250 2.0.0 Ok: tagged and re-injected)" in chain.postfix.log()


def test_gateway_down_postfix_defers_without_bounce_and_delivers_once_the_daemon_runs(tmp_path, chain):
    chain.send(claim(ORDER))
    log = chain.wait_log("status=deferred")
    assert f"127.0.0.1[127.0.0.1]:{chain.filter_port}" in log and "Connection refused" in log
    assert chain.dovecot.messages() == []

    config = write_config(tmp_path, relay={"inbound": {**inbound(chain), "reinject": f"127.0.0.1:{chain.reinject}"}})
    daemon = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--config", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(chain.filter_port, daemon)
        chain.postfix.flush()
        [mail] = chain.inbox(1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, errors = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, errors
    assert mail["Subject"].startswith("[CRISIS: A-to-Z | due ")
    assert "bounced" not in chain.postfix.log() and "relay inbound: stopped" in errors


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    if not listening(port, timeout, alive=lambda: process.poll() is None):
        assert process.poll() is None, process.stderr.read()
        raise AssertionError("the daemon did not listen")


def test_reinjection_port_down_postfix_is_told_451_and_keeps_the_mail(tmp_path, chain):
    with gateway(tmp_path, reinject=free_port(), inbound=inbound(chain)):
        chain.send(claim(ORDER))
        log = chain.wait_log("status=deferred")
    assert "said: 451 4.3.0 Temporary failure, please try again later" in log
    assert "bounced" not in log and chain.dovecot.messages() == []
    assert "Requests: 1" in chain.postfix.queue() or "1 Request" in chain.postfix.queue()


def test_a_reply_through_the_outbound_relay_reaches_the_smarthost_clean_and_stops_the_clock(tmp_path, chain, postfix_factory,
                                                                                            sink):
    smarthost_postfix = postfix_factory(extra_main=f"relayhost = [127.0.0.1]:{sink.port}\n")
    question = buyer(ORDER, "Can I still change the colour of the kettle?")
    with gateway(tmp_path, reinject=chain.reinject, inbound=inbound(chain), outbound={},
                 smtp=smarthost(smarthost_postfix.port)) as gw:
        chain.send(question)
        [received] = chain.inbox(1)
        assert received["Subject"].startswith("[Buyer | due ")
        answer = (f"From: support@shop.example\r\nTo: k3j4h5g6f7d8@marketplace.amazon.co.uk\r\n"
                  f"Subject: Re: {received['Subject']}\r\nIn-Reply-To: {received['Message-ID']}\r\n"
                  f"Message-ID: <answer-1@shop.example>\r\nX-Crisis-Tier: 2\r\n\r\nYou can, until it ships.\r\n")
        eml = tmp_path / "answer.eml"
        eml.write_text(answer)
        sent = swaks("--server", f"127.0.0.1:{gw.port('outbound')}", "--from", SUPPORT,
                     "--to", "k3j4h5g6f7d8@marketplace.amazon.co.uk", "--data", f"@{eml}")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        [out] = sink.wait_for(1, timeout=30)
        state = gw.state()
        try:
            clock = state.clock(f"order:{ORDER}")
        finally:
            state.close()
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


def corpus_mails() -> list[tuple[str, bytes, int | None]]:
    """(name, bytes, tier) of the shared corpus when present, else of as many factory mails."""
    entries = corpus_manifest()
    if entries:
        return [(e["file"], (SHARED_CORPUS / e["file"]).read_bytes(), e["tier"]) for e in entries]
    return [(m.name, m.raw, m.expected["tier"]) for m in generate(44, seed=5)]


def test_the_corpus_lands_in_dovecot_once_per_mail_tier1_tagged_also_with_the_gateway_down_a_while(tmp_path, chain):
    mails = corpus_mails()
    half = len(mails) // 2
    for _, raw, _ in mails[:half]:
        chain.send(raw)  # the gateway is down: deferred
    chain.wait_log("Connection refused")
    with gateway(tmp_path, reinject=chain.reinject, inbound=inbound(chain)):
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
