"""A graceful restart loses nothing: the service's command is stopped (SIGTERM, as systemd does)
and started again twice, in the middle of an IMAP backlog and of a burst of mail through Postfix
and the inbound relay. Every mail ends up once where it belongs, none bounces, nothing is sent
twice."""

import email
import threading
import time
from collections import Counter

import mailfactory
from captured import captured_mail, maildir_mails
from inbox import ARCHIVE, message_id, settled
from mails import claim
from servers import wait_until

BURST = 60
TEAM = "orders@shop.example"  # the relay delivers to its own Dovecot user, not into the watched INBOX


def team_inbox(server) -> list[bytes]:
    return maildir_mails(server.base / "mail" / "orders")


def test_restarts_in_the_middle_of_a_backlog_and_a_relay_burst_lose_and_repeat_nothing(dovecot, chain, imap_config,
                                                                                       run_daemon, tmp_path):
    stream = list(mailfactory.generate(150, seed=11))
    with dovecot.client() as client:
        for mail in stream:
            client.append("INBOX", mail.raw)
    imap_config.write_text(imap_config.read_text() + f'\n[relay.inbound]\nlisten = "127.0.0.1:{chain.filter_port}"\n'
                                                     f'reinject = "127.0.0.1:{chain.reinject}"\n')

    def start():
        """`crisis-gateway run` started as the unit starts it, ready once it tells systemd so."""
        service = run_daemon(imap_config, notify=True)
        assert wait_until(lambda: service.notify.first("READY"), 60, 0.05), service.log_text()[-3000:]
        return service

    burst = [claim(f"305-2000000-{n:07d}").replace(b"Message-ID: <", f"Message-ID: <burst{n}-".encode())
             for n in range(BURST)]
    errors: list[str] = []

    def send_burst():
        for raw in burst:
            try:
                chain.send(raw, recipients=(TEAM,))  # Postfix queues it, whatever state the gateway is in
            except Exception as exc:  # noqa: BLE001 - told below
                errors.append(repr(exc))
            time.sleep(0.05)

    service = start()
    sender = threading.Thread(target=send_burst)
    sender.start()
    codes = []
    for _ in range(2):
        time.sleep(1.5)
        codes.append(service.stop(timeout=90))
        service = start()
    sender.join()
    try:
        chain.postfix.flush()
        assert wait_until(lambda: len(team_inbox(dovecot)) >= BURST and settled(dovecot, stream), 240, 1.0), \
            (len(team_inbox(dovecot)), settled(dovecot, stream), sorted(p.name for p in (dovecot.base / "mail").iterdir()),
             chain.postfix.log()[-2000:])
        time.sleep(1)
    finally:
        codes.append(service.stop(timeout=90))
    assert codes == [0, 0, 0], service.log_text()[-3000:]
    assert errors == []
    assert service.log_text().count("ready: running") == 3

    # the backlog: every mail once in the INBOX, its original archived once
    inbox = dovecot.messages()
    assert sorted(message_id(raw) for _, _, raw in inbox) == sorted(message_id(m.raw) for m in stream)
    tagged = sum(b"$CrisisTagged" in flags for _, flags, _ in inbox)
    assert len(dovecot.messages(ARCHIVE)) == tagged
    # the burst: every mail delivered once, tagged, none bounced
    delivered = Counter(email.message_from_bytes(raw)["Message-ID"] for raw in team_inbox(dovecot))
    assert delivered == Counter(email.message_from_bytes(raw)["Message-ID"] for raw in burst)
    assert all(email.message_from_bytes(raw)["Subject"].startswith("[CRISIS:") for raw in team_inbox(dovecot))
    assert "bounced" not in chain.postfix.log()
    # nothing sent twice
    sent = captured_mail(tmp_path / "outgoing", reminders=False)
    sent_ids = [message_id(raw) for raw in sent]
    assert len(sent_ids) == len(set(sent_ids))
    forwarded = [email.message_from_bytes(raw)["References"] for raw in sent
                 if b"Auto-Submitted: auto-generated" in raw]
    assert len(forwarded) == len(set(forwarded))
