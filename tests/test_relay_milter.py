"""The inbound relay as a milter: the protocol as Postfix speaks it, spoken here by a client of a
few lines; then the same relay behind a real Postfix (smtpd_milters), delivering into a real
Dovecot over LMTP:

    swaks/smtplib -> Postfix :25 (+ milter: gateway :G) -> Dovecot LMTP

Postfix is set up as the README says: the gateway's milter with default_action=tempfail."""

from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from mails import buyer, claim, dkim_signed, unauthenticated_claim
from relays import SUPPORT, gateway
from servers import free_port

from gateway.intake import pipeline
from gateway.judging.tagging import apply_verdict
from gateway.mail.parse import parse_mail
from gateway.relays import inbound, milter

ORDER = "114-2682884-2909064"
# what Postfix 3.7 offers: protocol 6, every action, every step flag
OFFER = struct.pack("!III", 6, 0x1FF, 0x1FFFFF)


class MilterClient:
    """The MTA's side of the protocol, packet by packet."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)

    def send(self, command: bytes, data: bytes = b"") -> None:
        self.sock.sendall(milter.packet(command, data))

    def read(self) -> tuple[bytes, bytes]:
        head = self._exactly(4)
        if not head:
            return b"", b""
        body = self._exactly(int.from_bytes(head, "big"))
        return body[:1], body[1:]

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                return data
            data += chunk
        return data

    def negotiate(self, offer: bytes = OFFER) -> tuple[int, int, int]:
        self.send(b"O", offer)
        command, data = self.read()
        assert command == b"O"
        return struct.unpack("!III", data[:12])

    def mail(self, raw: bytes, sender: str = "bounce@amazon.co.uk", recipients=(SUPPORT,),
             abort: bool = False) -> list[tuple[bytes, bytes]]:
        """One mail as Postfix sends it (no answers awaited but to the end), then the answers;
        with `abort`, the end of the mail is followed at once by an abort, as when Postfix gives
        up waiting for the answer (nothing is read then)."""
        self.send(b"C", b"[127.0.0.1]\x004" + struct.pack("!H", 25) + b"127.0.0.1\x00")
        self.send(b"M", f"<{sender}>\x00".encode())
        for recipient in recipients:
            self.send(b"R", f"<{recipient}>\x00".encode())
        header, _, body = raw.partition(b"\r\n\r\n")
        for field in header.replace(b"\r\n ", b"\n ").replace(b"\r\n\t", b"\n\t").split(b"\r\n"):
            name, _, value = field.partition(b":")
            self.send(b"L", name + b"\x00" + value + b"\x00")
        self.send(b"N")
        self.send(b"D", b"Ei\x00ABC123\x00")
        self.send(b"B", body)
        if abort:
            self.sock.sendall(milter.packet(b"E") + milter.packet(b"A"))
            return []
        self.send(b"E")
        answers = []
        while True:
            answer = self.read()
            answers.append(answer)
            if answer[0] in (b"a", b"c", b"t", b"y", b""):
                return answers

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def milter_gateway(tmp_path):
    with gateway(tmp_path, inbound={"mode": "milter"}) as gw:
        yield gw


def test_negotiation_asks_for_one_round_trip_a_mail_and_header_values_as_written(milter_gateway):
    client = MilterClient(milter_gateway.port("inbound"))
    version, actions, steps = client.negotiate()
    client.close()
    assert version == 6
    assert actions == milter.ADD_HEADERS | milter.CHANGE_HEADERS
    assert steps & milter.HEADER_LEADING_SPACE
    assert all(steps & flag for flag in milter.NO_REPLY.values())


def test_an_mta_without_leading_spaces_in_header_values_is_refused_with_a_reason(milter_gateway, caplog):
    client = MilterClient(milter_gateway.port("inbound"))
    client.send(b"O", struct.pack("!III", 2, 0x3F, 0x7F))
    assert client.read() == (b"", b"")  # closed: Postfix answers as milter_default_action says
    client.close()
    assert "Postfix 2.6 or later" in caplog.text


def test_a_claim_is_answered_with_the_edits_of_its_tagged_copy(milter_gateway):
    client = MilterClient(milter_gateway.port("inbound"))
    client.negotiate()
    raw = claim(ORDER).replace(b"To: ", b"X-Crisis-Tier: 3\r\nTo: ", 1)
    answers = client.mail(raw)
    client.close()
    assert answers[-1] == (b"a", b"")
    commands = [command for command, _ in answers[:-1]]
    assert set(commands) == {b"m", b"i"}
    deleted = [data for command, data in answers if command == b"m" and data.endswith(b"\x00\x00")]
    assert deleted == [struct.pack("!I", 1) + b"X-Crisis-Tier\x00\x00"]
    subject = next(data for command, data in answers if command == b"m" and b"Subject\x00" in data)
    assert subject.startswith(struct.pack("!I", 1) + b"Subject\x00 [CRISIS: A-to-Z by ")
    assert b"\r" not in b"".join(data for _, data in answers)  # folded with LF: Postfix writes the CR
    with milter_gateway.state() as state:
        [row] = list(state.db.query("SELECT detail FROM audit WHERE kind = 'milter_accepted'"))
        assert '"queue_id": "ABC123"' in row["detail"]
        assert [m["order_id"] for m in state.db.query("SELECT order_id FROM messages")] == [ORDER]


def test_the_deadline_counts_from_the_arrival_at_this_hop(milter_gateway):
    """Postfix shows a milter no Received stamp of its own: the time the gateway sees the mail is
    its arrival, or the claim's clock would start at the stamp of the hop before (days ago)."""
    client = MilterClient(milter_gateway.port("inbound"))
    client.negotiate()
    before = datetime.now(timezone.utc).replace(microsecond=0)
    client.mail(claim(ORDER))  # its Received stamp: Sun, 22 Nov 2026 11:00:03
    client.close()
    with milter_gateway.state() as state:
        [row] = list(state.db.query("SELECT * FROM messages"))
        raw = state.raw(row)
    assert raw.startswith(b"Authentication-Results: ")  # the mail as Postfix showed it, nothing added
    arrival = datetime.fromisoformat(row["arrival"])
    assert before <= arrival <= datetime.now(timezone.utc) and arrival.microsecond == 0
    assert datetime.fromisoformat(row["deadline"]) == arrival + timedelta(hours=48)


def test_the_same_mail_shown_again_gets_the_same_edits(milter_gateway):
    """Postfix shows the mail again when its client retries after a lost answer: the tagged copy
    is delivered each time it is accepted, the mail is recorded once (the same bytes: Postfix's
    new Received stamp is not shown to a milter)."""
    client = MilterClient(milter_gateway.port("inbound"))
    client.negotiate()
    first = client.mail(claim(ORDER))
    client.send(b"A")
    second = client.mail(claim(ORDER))
    client.close()
    key = [data for command, data in first if b"X-Crisis-Key\x00" in data]
    assert key and key == [data for command, data in second if b"X-Crisis-Key\x00" in data]
    assert [command for command, _ in first] == [command for command, _ in second]  # the same edits
    with milter_gateway.state() as state:
        assert state.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1


def test_a_mail_without_message_id_shown_again_is_recorded_once(milter_gateway):
    raw = b"\r\n".join(line for line in claim(ORDER).split(b"\r\n") if not line.startswith(b"Message-ID:"))
    counts = []
    for _ in range(2):
        client = MilterClient(milter_gateway.port("inbound"))  # the sender's retry: a new SMTP session
        client.negotiate()
        assert client.mail(raw)[-1] == (b"a", b"")
        client.close()
        with milter_gateway.state() as state:
            counts.append([state.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                           for table in ("messages", "outbox")])
    assert counts[0] == counts[1] and counts[0][0] == 1 and counts[0][1] > 0  # nothing recorded or queued twice


def test_a_mail_aborted_before_its_answer_gets_none(milter_gateway, caplog):
    """Had the late answer been sent, Postfix would read it as the answer to the next mail."""
    client = MilterClient(milter_gateway.port("inbound"))
    client.negotiate()
    client.mail(claim(ORDER), abort=True)
    answers = client.mail(buyer(ORDER, "Where is my parcel?"))
    client.close()
    subject = next(data for command, data in answers if command == b"m" and b"Subject\x00" in data)
    assert b"[Buyer by " in subject and answers[-1] == (b"a", b"")
    assert "was aborted by Postfix before its answer" in caplog.text


def test_a_mail_whose_fields_cannot_be_edited_is_accepted_as_it_came(milter_gateway, monkeypatch, caplog):
    """A 451 would have Postfix's client send it again and again: it goes through unedited, as
    the content filter's quarantined copy of bytes too broken to edit does."""
    def broken(raw, change):
        raise ValueError("no field to edit")

    monkeypatch.setattr(pipeline, "field_edits", broken)  # the verdict's edits: the mail is quarantined
    monkeypatch.setattr(inbound, "field_edits", broken)  # and the quarantine's edits
    client = MilterClient(milter_gateway.port("inbound"))
    client.negotiate()
    answers = client.mail(claim(ORDER))
    client.close()
    assert answers == [(b"a", b"")]
    assert "cannot be edited; delivered as it came" in caplog.text


def test_a_slow_mail_holds_up_neither_other_sessions_nor_the_mails_behind_it(milter_gateway, monkeypatch):
    """A mail that waits (a DNS lookup, the database's write lock) waits in its worker: the event
    loop still greets new sessions, and once its group is slow another worker takes the next."""
    judge = inbound.InboundMilter.judge

    def slow_for_claims(self, mail, queue_id, arrived):
        if b"A_Z_CLAIM" in mail.content:
            time.sleep(3)
        return judge(self, mail, queue_id, arrived)

    monkeypatch.setattr(inbound.InboundMilter, "judge", slow_for_claims)
    slow, other = MilterClient(milter_gateway.port("inbound")), MilterClient(milter_gateway.port("inbound"))
    slow.negotiate()
    slow_answers: list = []
    waiting = threading.Thread(target=lambda: slow_answers.extend(slow.mail(claim(ORDER))))
    waiting.start()
    time.sleep(0.3)
    started = time.monotonic()
    other.negotiate()
    assert time.monotonic() - started < 0.5  # greeted while the claim is judged
    answers = other.mail(buyer(ORDER, "Where is my parcel?"))
    answered = time.monotonic() - started
    waiting.join(10)
    slow.close()
    other.close()
    assert answers[-1] == (b"a", b"") and slow_answers[-1] == (b"a", b"")
    assert answered < 2.0  # not after the claim's 3 s: another worker took it


def test_an_answer_that_cannot_be_written_is_a_451_and_the_next_mail_is_answered(milter_gateway, monkeypatch):
    written = milter.edit_packets

    def first_fails(edits, calls=[]):
        calls.append(1)
        if len(calls) == 1:
            raise TypeError("a bug in an edit")
        return written(edits)

    monkeypatch.setattr(milter, "edit_packets", first_fails)
    client = MilterClient(milter_gateway.port("inbound"))
    client.negotiate()
    assert client.mail(claim(ORDER)) == [(b"y", milter.TEMPORARY.encode() + b"\x00")]
    assert client.mail(buyer(ORDER, "Where is my parcel?"))[-1] == (b"a", b"")
    client.close()


def test_a_mail_over_the_size_limit_is_refused_552(tmp_path):
    with gateway(tmp_path, inbound={"mode": "milter", "max_message_bytes": 2048}) as gw:
        client = MilterClient(gw.port("inbound"))
        client.negotiate()
        answers = client.mail(claim(ORDER) + b"x" * 4000 + b"\r\n")
        client.close()
    assert answers == [(b"y", b"552 5.3.4 Message too big for the gateway\x00")]


def test_a_broken_packet_closes_the_connection(milter_gateway, caplog):
    client = MilterClient(milter_gateway.port("inbound"))
    client.sock.sendall(struct.pack("!I", 50 * 1024 * 1024) + b"B")
    assert client.read() == (b"", b"")
    client.close()
    assert "a packet of 52428800 bytes" in caplog.text


def test_stop_closes_an_idle_connection_at_once(tmp_path):
    with gateway(tmp_path, inbound={"mode": "milter"}) as gw:
        client = MilterClient(gw.port("inbound"))
        client.negotiate()
        started = time.monotonic()
        stopping = threading.Thread(target=gw.stop)
        stopping.start()
        assert client.read() == (b"", b"")
        stopping.join(30)
        client.close()
    assert time.monotonic() - started < 5


# --- behind a real Postfix


def swaks(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["swaks", "--silent", "1", *args], capture_output=True, text=True, timeout=60)


def written_fields(raw: bytes) -> list[bytes]:
    """The header fields, unfolded, less those the hops add (Received, Return-Path, Delivered-To)."""
    header = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    return [f for f in header.split(b"\r\n") if not f.lower().startswith((b"received:", b"return-path:", b"delivered-to:"))]


def test_postfix_delivers_the_tagged_copy_queued_once(tmp_path, milter_chain, classifier):
    raw = claim(ORDER).replace(b"To: ", b"X-Crisis-Tier: 3\r\nx-crisis-tier: 2\r\nTo: ", 1)
    with gateway(tmp_path, inbound=milter_chain.inbound()) as gw:
        milter_chain.send(raw)
        [mail] = milter_chain.inbox(1)
        with gw.state() as state:
            [(seen, arrived)] = [(state.raw(row), row["arrival"]) for row in state.db.query("SELECT * FROM messages")]
    delivered = milter_chain.dovecot.messages()[0][2]
    verdict = classifier.classify_parsed(parse_mail(seen), arrived=datetime.fromisoformat(arrived))
    assert mail["Subject"].startswith("[CRISIS: A-to-Z by ")
    assert mail.get_all("X-Crisis-Tier") == ["1"]  # both forged ones gone, whatever their case
    # exactly the tagged copy of what the gateway saw (the content filter re-injects the same)
    assert written_fields(delivered) == written_fields(apply_verdict(seen, verdict))
    assert delivered.split(b"\r\n\r\n", 1)[1] == raw.split(b"\r\n\r\n", 1)[1]
    log = milter_chain.postfix.log()
    assert log.count("status=sent") == 1 and log.count(": message-id=") == 1  # one queue entry, one delivery


def test_a_buyer_mail_without_subject_gets_the_tagged_subject(tmp_path, milter_chain):
    raw = buyer(ORDER, "Where is my parcel? I will open an A-to-z claim if it does not come.")
    raw = b"\r\n".join(line for line in raw.split(b"\r\n") if not line.startswith(b"Subject:"))
    with gateway(tmp_path, inbound=milter_chain.inbound()):
        milter_chain.send(raw)
        [mail] = milter_chain.inbox(1)
    assert mail["Subject"].startswith("[")
    assert mail["X-Crisis-Order"] == ORDER


def test_a_mail_that_cannot_be_classified_is_delivered_marked(tmp_path, milter_chain):
    raw = claim(ORDER) + b"padding\r\n" * 300  # over [gateway] max_message_bytes, under the relay's limit
    with gateway(tmp_path, inbound=milter_chain.inbound(max_message_bytes=100_000),
                 gateway={"state_dir": str(tmp_path / "state"), "max_message_bytes": 1024}):
        milter_chain.send(raw)
        [mail] = milter_chain.inbox(1)
    assert mail["X-Crisis-Quarantined"] == "yes"
    assert mail["Subject"].startswith("[")  # names Amazon and could not be judged: suspect, tag and all
    assert len(list((tmp_path / "state" / "quarantine").glob("*.eml"))) == 1


def test_gateway_down_postfix_answers_451_and_bounces_nothing(milter_chain, tmp_path):
    eml = tmp_path / "claim.eml"
    eml.write_bytes(claim(ORDER))
    sent = swaks("--server", f"127.0.0.1:{milter_chain.postfix.port}", "--from", "atoz@amazon.co.uk", "--to", SUPPORT,
                 "--data", f"@{eml}")
    assert sent.returncode != 0
    assert "451 4.7.1" in sent.stdout + sent.stderr
    log = milter_chain.postfix.log()
    assert f"connect to Milter service inet:127.0.0.1:{milter_chain.filter_port}" in log
    assert "bounced" not in log and milter_chain.dovecot.messages() == []


def test_trouble_inside_the_gateway_is_451_through_postfix_and_nothing_is_delivered(tmp_path, milter_chain, monkeypatch):
    def broken(self, mail, queue_id, arrived):
        raise OSError("disk full")

    monkeypatch.setattr(inbound.InboundMilter, "judge", broken)
    eml = tmp_path / "claim.eml"
    eml.write_bytes(claim(ORDER))
    with gateway(tmp_path, inbound=milter_chain.inbound()):
        sent = swaks("--server", f"127.0.0.1:{milter_chain.postfix.port}", "--from", "atoz@amazon.co.uk", "--to",
                     SUPPORT, "--data", f"@{eml}")
    assert "451 4.3.0 Temporary failure, please try again later" in sent.stdout + sent.stderr
    log = milter_chain.postfix.log()
    assert "milter-reject: END-OF-MESSAGE" in log  # what the README's troubleshooting names
    assert "bounced" not in log and milter_chain.dovecot.messages() == []


def test_behind_opendkim_the_gateway_trusts_its_results_and_not_a_forged_one(tmp_path, opendkim_chain, rsa_key):
    """Postfix with OpenDKIM before the gateway, as the README advises: the gateway sees the
    Authentication-Results OpenDKIM adds, on top of any the sender wrote."""
    signed = dkim_signed(unauthenticated_claim(ORDER), rsa_key[0], "amazon.co.uk")
    forged = claim("114-0000000-0000001")  # says "mx.example.test; dkim=pass" itself, and is not signed
    with gateway(tmp_path, inbound=opendkim_chain.inbound()):
        for raw in (signed, forged):
            opendkim_chain.send(raw)
        mails = {mail["Message-ID"]: mail for mail in opendkim_chain.inbox(2)}
    genuine, fake = mails[parse_mail(signed).message_id], mails[parse_mail(forged).message_id]
    assert "dkim=pass" in genuine["Authentication-Results"]  # OpenDKIM's, with the key it was given
    assert genuine["Subject"].startswith("[CRISIS: A-to-Z by ") and genuine["X-Crisis-Verified"] == "pass"
    assert fake["Subject"].startswith("[SUSPECT] ") and fake["X-Crisis-Tier"] == "none"


def readme_moving_steps() -> tuple[str, str]:
    """The README's two blocks under "Moving from the content filter": the commands that move
    Postfix, and the one that counts the mails still queued for the filter."""
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    part = readme[readme.index("**Moving from the content filter.**"):]
    steps, count = re.findall(r"^```sh\n(.*?)^```", part, re.S | re.M)[:2]
    return steps, count


def postfix_shell(server, commands: str) -> str:
    """Shell commands run for the Postfix `server` as for the system's (MAIL_CONFIG, which
    postconf, postfix, postqueue and postcat read); what they printed."""
    done = subprocess.run(["sh", "-c", commands], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MAIL_CONFIG": str(server.base)})
    assert done.returncode in (0, 1), done.stderr  # grep -c counting none exits 1
    return done.stdout.strip()


def test_moving_from_the_content_filter_as_the_readme_says_loses_nothing(tmp_path, chain):
    """A claim waits in Postfix's queue for the content filter (the gateway was down) when Postfix
    is moved to the milter: it keeps its filter and goes through the gateway still running as
    one; mail arriving meanwhile gets 451 and is judged by the milter when it comes again."""
    queued, later = claim(ORDER), claim("114-0000000-0000002")
    chain.send(queued)
    chain.wait_log(f"connect to 127.0.0.1[127.0.0.1]:{chain.filter_port}: Connection refused")
    milter_port = free_port()
    steps, left_for_the_filter = (block.replace("10027", str(milter_port)) for block in readme_moving_steps())
    assert postfix_shell(chain.postfix, left_for_the_filter) == "1"
    postfix_shell(chain.postfix, steps)
    eml = tmp_path / "later.eml"
    eml.write_bytes(later)
    sent = swaks("--server", f"127.0.0.1:{chain.postfix.port}", "--from", "atoz@amazon.co.uk", "--to", SUPPORT,
                 "--data", f"@{eml}")
    assert "451 4.7.1" in sent.stdout + sent.stderr  # no milter yet: the sender keeps it
    with gateway(tmp_path, reinject=chain.reinject, inbound=chain.inbound()):
        chain.postfix.flush()
        [first] = chain.inbox(1)
        assert postfix_shell(chain.postfix, left_for_the_filter) == "0"
    with gateway(tmp_path, inbound={"listen": f"127.0.0.1:{milter_port}", "mode": "milter"}) as gw:
        chain.send(later)  # the sender's next try
        mails = chain.inbox(2)
        with gw.state() as state:
            passed = {row["order_id"]: row["kind"] for row in
                      state.db.query("SELECT order_id, kind FROM audit WHERE kind IN ('reinjected', 'milter_accepted')")}
    assert first["X-Crisis-Order"] == ORDER
    assert len(mails) == 2 and all(mail["Subject"].startswith("[CRISIS: A-to-Z by ") for mail in mails)
    assert passed == {ORDER: "reinjected", "114-0000000-0000002": "milter_accepted"}
