"""A graceful restart loses nothing: the service's command is stopped (SIGTERM, as systemd does)
and started again twice, in the middle of an IMAP backlog and of a burst of mail through Postfix
and the inbound relay. Every mail ends up once where it belongs, none bounces, nothing is sent
twice."""

import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import mailfactory
from mails import claim
from servers import dovecot, postfix_factory, wait_until  # noqa: F401 - fixtures
from test_imap import ARCHIVE, _settled, message_id, outgoing, write_imap_config
from test_relay_postfix import chain  # noqa: F401 - fixture
from test_systemd import FakeSystemd

BURST = 60
TEAM = "orders@shop.example"  # the relay delivers to its own Dovecot user, not into the watched INBOX


class Service:
    """`crisis-gateway run` started as the unit starts it, with a NOTIFY_SOCKET to learn READY."""

    def __init__(self, config, tmp_path, number: int) -> None:
        self.fake = FakeSystemd(str(tmp_path / f"notify-{number}"))
        self.log = tmp_path / "daemon.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "run", "--config", str(config)], stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT, env={**os.environ, "NOTIFY_SOCKET": str(tmp_path / f"notify-{number}")})
        assert wait_until(lambda: self.fake.first("READY"), 60, 0.05), self.log.read_text()[-3000:]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=90)
        self.fake.close()
        return code


def team_inbox(server) -> list[bytes]:
    folder = server.base / "mail" / "orders"
    return [p.read_bytes() for sub in ("new", "cur") if (folder / sub).exists() for p in (folder / sub).iterdir()]


def test_restarts_in_the_middle_of_a_backlog_and_a_relay_burst_lose_and_repeat_nothing(dovecot, chain, tmp_path):
    stream = list(mailfactory.generate(150, seed=11))
    with dovecot.client() as client:
        for mail in stream:
            client.append("INBOX", mail.raw)
    config = write_imap_config(tmp_path, dovecot)
    config.write_text(config.read_text() + f'\n[relay.inbound]\nlisten = "127.0.0.1:{chain.filter_port}"\n'
                                           f'reinject = "127.0.0.1:{chain.reinject}"\n')

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

    service = Service(config, tmp_path, 1)
    sender = threading.Thread(target=send_burst)
    sender.start()
    codes = []
    for number in (2, 3):
        time.sleep(1.5)
        codes.append(service.stop())
        service = Service(config, tmp_path, number)
    sender.join()
    try:
        chain.postfix.flush()
        assert wait_until(lambda: len(team_inbox(dovecot)) >= BURST and _settled(dovecot, stream), 240, 1.0), \
            (len(team_inbox(dovecot)), _settled(dovecot, stream), sorted(p.name for p in (dovecot.base / "mail").iterdir()),
             chain.postfix.log()[-2000:])
        time.sleep(1)
    finally:
        codes.append(service.stop())
    assert codes == [0, 0, 0], service.log.read_text()[-3000:]
    assert errors == []
    assert service.log.read_text().count("ready: running") == 3

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
    sent_ids = [message_id(raw) for raw in outgoing(tmp_path)]
    assert len(sent_ids) == len(set(sent_ids))
    forwarded = [email.message_from_bytes(raw)["References"] for raw in outgoing(tmp_path)
                 if b"Auto-Submitted: auto-generated" in raw]
    assert len(forwarded) == len(set(forwarded))
