"""Tags that follow the clock, against a real Dovecot: answered through the relay or in the Sent
folder, decided by Amazon, resolved by hand, overdue; keywords by STORE, the subject by a new copy
appended, confirmed, and the old one moved away; a crash at each stage repeats and loses nothing."""

import email
import email.policy
import smtplib
import threading
import tomllib
from contextlib import closing
from datetime import datetime, timezone
from email.header import decode_header, make_header

import mails
import pytest
from captured import captured_mail
from configs import config_toml, make_config, smarthost
from imapclient.exceptions import IMAPClientError
from inbox import ARCHIVE, Crash, crashing_store, message_id, subject_of
from servers import ScriptedImap, free_port, wait_until

from gateway.config import load_config
from gateway.intake.following import TagFollower
from gateway.intake.pipeline import Pipeline
from gateway.intake.replies import judge, record_reply
from gateway.intake.stores.imap import ImapStore
from gateway.intake.tries import MAX_TRIES
from gateway.intake.watcher import Watcher
from gateway.judging.classify import Classifier
from gateway.mail.parse import parse_mail
from gateway.service.daemon import Daemon
from gateway.state import State

ORDER = "306-0000000-0000001"
ALL_CHANGES = ["overdue", "answered", "decided", "resolved"]


def configured(imap_config, **tags):
    """The Dovecot configuration with [tags] as given."""
    data = tomllib.loads(imap_config.read_text("utf-8"))
    data["tags"] = {**data.get("tags", {}), **tags}
    imap_config.write_text(config_toml(data), "utf-8")
    return load_config(imap_config)


def reply(order: str = ORDER, subject: str = "Re: your order") -> bytes:
    return (f"From: support@shop.example\r\nTo: {mails.BUYER_ADDRESS}\r\nSubject: {subject}\r\n"
            f"Date: Sun, 22 Nov 2026 12:00:00 +0000\r\nMessage-ID: <reply-{order}@shop.example>\r\n"
            f"In-Reply-To: <buyer-{order}-k3j4h5g6f7d8-0@example.test>\r\n\r\nIt is on its way.\r\n").encode()


def copies(dovecot, raw: bytes) -> list[tuple[tuple, str]]:
    """(flags, subject) of each copy of `raw` in the INBOX."""
    return [(flags, subject_of(r)) for _, flags, r in dovecot.messages() if message_id(r) == message_id(raw)]


def inbox_copy(dovecot, raw: bytes) -> tuple[tuple, str]:
    """(flags, subject) of the one copy of `raw` in the INBOX."""
    found = copies(dovecot, raw)
    assert len(found) == 1, found
    return found[0]


def archived(dovecot, raw: bytes) -> int:
    """How many mails of `raw`'s Message-ID the archive folder holds (the original, old copies)."""
    return sum(message_id(r) == message_id(raw) for _, _, r in dovecot.messages(ARCHIVE))


def tag_changes(config) -> list[dict]:
    with State(config.state_dir) as state:
        return [r for r in state.audit_rows(order_id=None) if r["kind"] == "tag_changed"]


def stop_through_relay(config, dovecot) -> None:
    """What the outbound relay does with a reply to the buyer (tested in test_relay_outbound.py)."""
    with State(config.state_dir) as state:
        mail = parse_mail(reply())
        record_reply(state, mail, judge(state, mail, [mails.BUYER_ADDRESS]), direction="outbound", key="sha256:r",
                     recipients=[mails.BUYER_ADDRESS], detail={}, tag_pattern=Classifier(config).tag_pattern)


def stop_in_sent(config, dovecot) -> None:
    dovecot.append(reply(), folder="Gesendet")


def stop_by_amazon(config, dovecot) -> None:
    dovecot.append(mails.claim(ORDER, notification="A_Z_CLAIM_RESPONDENT_DECISION"))


def stop_by_hand(config, dovecot) -> None:
    with State(config.state_dir) as state:
        assert state.stop_clock(f"order:{ORDER}:claim", "resolved by hand: refunded", datetime.now(timezone.utc))


@pytest.mark.parametrize("first, stop, tag, keyword", [
    ("risk", stop_through_relay, "[Answered: A-to-Z risk]", b"$CrisisAnswered"),
    ("risk", stop_in_sent, "[Answered: A-to-Z risk]", b"$CrisisAnswered"),
    ("claim", stop_by_amazon, "[Decided: A-to-Z]", b"$CrisisDecided"),
    ("claim", stop_by_hand, "[Resolved: A-to-Z]", b"$CrisisResolved"),
])
def test_the_tagged_copy_follows_its_clock_when_it_stops(dovecot, imap_config, first, stop, tag, keyword):
    config = load_config(imap_config)  # overdue changes keywords only (the tests' [tags] follow)
    raw = mails.claim(ORDER) if first == "claim" else mails.buyer(ORDER, "Not arrived, I will open an A-to-z claim.")
    dovecot.append(raw)
    assert Daemon(config).run_once() == 0
    flags, subject = inbox_copy(dovecot, raw)
    assert subject.startswith("[CRISIS: ") and b"$CrisisOverdue" in flags and b"$CrisisOpen" not in flags
    before = archived(dovecot, raw)

    stop(config, dovecot)
    assert Daemon(config).run_once() == 0
    flags, subject = inbox_copy(dovecot, raw)
    assert subject.startswith(tag + " ") and "CRISIS" not in subject, subject
    assert keyword in flags and b"$CrisisOverdue" not in flags and b"$CrisisTagged" in flags
    assert archived(dovecot, raw) == before + 1  # the old copy kept, out of the way
    assert [(r["detail"]["from"], r["detail"]["to"]) for r in tag_changes(config)][-1] == ("overdue", tag[1:].split(":")[0].lower())

    assert Daemon(config).run_once() == 0  # nothing more to do: nothing done twice
    assert inbox_copy(dovecot, raw)[1] == subject and archived(dovecot, raw) == before + 1


def test_an_overdue_clock_turns_the_tag_overdue(dovecot, imap_config):
    config = configured(imap_config, follow=ALL_CHANGES)
    raw = mails.claim(ORDER)
    dovecot.append(raw)
    assert Daemon(config).run_once() == 0
    flags, subject = inbox_copy(dovecot, raw)
    assert subject == f"[CRISIS OVERDUE: A-to-Z] Claim received on order {ORDER}"
    assert b"$CrisisOverdue" in flags and b"$CrisisOpen" not in flags and b"$CrisisTier1" in flags
    assert archived(dovecot, raw) == 2  # the original and the first tagged copy


def test_follow_chooses_which_changes_rewrite_the_subject(dovecot, imap_config):
    config = configured(imap_config, follow=["resolved"])
    raw = mails.buyer(ORDER, "Not arrived, I will open an A-to-z claim.")
    dovecot.append(raw)
    assert Daemon(config).run_once() == 0
    stop_in_sent(config, dovecot)
    assert Daemon(config).run_once() == 0
    flags, subject = inbox_copy(dovecot, raw)
    assert subject.startswith("[CRISIS: A-to-Z risk by ") and b"$CrisisAnswered" in flags
    assert archived(dovecot, raw) == 1  # keywords only: no second copy


@pytest.mark.parametrize("crash_at", ["append_copy", "after_append", "archive", "after_archive"])
def test_a_crash_at_each_stage_of_a_tag_change_resumes_without_a_second_copy(dovecot, imap_config, crash_at):
    config = load_config(imap_config)
    raw = mails.claim(ORDER)
    dovecot.append(raw)
    assert Daemon(config).run_once() == 0
    stop_by_hand(config, dovecot)

    CrashingStore = crashing_store(crash_at)

    with State(config.state_dir) as state, closing(CrashingStore(config.mailboxes[0])) as store:
        store.connect()
        with pytest.raises(Crash):
            TagFollower(store, state, Classifier(config)).follow()

    with State(config.state_dir) as state, closing(ImapStore(config.mailboxes[0])) as store:
        store.connect()
        # as the watcher does: the follower resumes, then a scan meets the old and new copies as its own
        watcher = Watcher(store, Pipeline(Classifier(config), state), backlog_days=30, stop=threading.Event())
        watcher.after_scan()
        watcher.scan()

    flags, subject = inbox_copy(dovecot, raw)
    assert subject == f"[Resolved: A-to-Z] Claim received on order {ORDER}"
    assert b"$CrisisResolved" in flags and b"$CrisisOpen" not in flags
    assert [message_id(r) for _, _, r in dovecot.messages(ARCHIVE)] == [message_id(raw)] * 2
    assert len(tag_changes(config)) == 2  # open -> overdue (keywords), overdue -> resolved, once each


class UnconfirmedCopies(ImapStore):
    """A server without UIDPLUS whose search never finds a copy by its new state."""

    def append_copy(self, *args):
        super().append_copy(*args)
        return None

    def find_copy(self, key, state=None):
        return None if state is not None else super().find_copy(key)


class ArchiveRefused(ImapStore):
    """A server that takes the new copy and refuses to move the old one (its quota is full)."""

    def archive(self, uid):
        raise IMAPClientError("MOVE failed: [OVERQUOTA] Quota exceeded")


def follow_scans(config, store_class, scans: int) -> None:
    """The inbox watcher's look after each of `scans` reads, on one connection to the server."""
    with State(config.state_dir) as state, closing(store_class(config.mailboxes[0])) as store:
        store.connect()
        watcher = Watcher(store, Pipeline(Classifier(config), state), backlog_days=30, stop=threading.Event())
        for _ in range(scans):
            watcher.after_scan()


def resolved_claim(config, dovecot) -> bytes:
    """A claim tagged in the inbox (overdue), then resolved by hand: its tag is to be rewritten."""
    raw = mails.claim(ORDER)
    dovecot.append(raw)
    assert Daemon(config).run_once() == 0
    stop_by_hand(config, dovecot)
    return raw


def test_a_new_copy_no_search_confirms_is_appended_once_and_the_change_given_up_after_max_tries(
        dovecot, imap_config, caplog):
    config = load_config(imap_config)
    raw = resolved_claim(config, dovecot)

    follow_scans(config, UnconfirmedCopies, MAX_TRIES + 3)  # each scan of the inbox looks again
    found = copies(dovecot, raw)
    assert len(found) == 2  # the old copy beside one new one, no third
    subjects = sorted(subject for _, subject in found)
    assert subjects[0].startswith("[CRISIS: A-to-Z by ") and subjects[1] == f"[Resolved: A-to-Z] Claim received on order {ORDER}"
    assert all(b"$CrisisResolved" in flags for flags, _ in found)  # the old copy keeps its subject, gets the keyword
    change = tag_changes(config)[-1]
    assert (change["detail"]["from"], change["detail"]["to"]) == ("overdue", "resolved")
    assert change["detail"]["gave_up"].startswith("CopyNotConfirmed: ") and change["detail"]["tries"] == MAX_TRIES
    assert change["detail"]["unconfirmed_copy"] is True and change["detail"]["keywords"] is True
    assert "given up" in caplog.text and "may stand beside it" in caplog.text

    assert Daemon(config).run_once() == 0  # after a restart: given up, not tried again
    assert len(copies(dovecot, raw)) == 2 and len(tag_changes(config)) == 2


def test_a_change_whose_old_copy_cannot_be_moved_is_given_up_after_max_tries(dovecot, imap_config, caplog):
    config = load_config(imap_config)
    raw = resolved_claim(config, dovecot)

    follow_scans(config, ArchiveRefused, MAX_TRIES - 1)
    with State(config.state_dir) as state:
        assert state.tag_states("shop") == {}  # still under way: the old copy is tried again
    follow_scans(config, ArchiveRefused, 3)  # a new connection: the failures are the watcher's, counted on
    found = copies(dovecot, raw)
    assert len(found) == 2  # the old copy beside one new one, no third
    subjects = sorted(subject for _, subject in found)
    assert subjects[0].startswith("[CRISIS: A-to-Z by ") and subjects[1] == f"[Resolved: A-to-Z] Claim received on order {ORDER}"
    change = tag_changes(config)[-1]
    assert change["detail"]["gave_up"].endswith("MOVE failed: [OVERQUOTA] Quota exceeded")
    assert change["detail"]["subject"] == "rewritten" and change["detail"]["to"] == "resolved"
    assert "given up: the new copy" in caplog.text


def test_a_mail_given_up_on_starts_its_next_change_with_fresh_tries(dovecot, imap_config):
    config = load_config(imap_config)
    raw = resolved_claim(config, dovecot)
    key = email.message_from_bytes(raw)["Message-ID"]
    with State(config.state_dir) as state, closing(ArchiveRefused(config.mailboxes[0])) as store:
        store.connect()
        follower = TagFollower(store, state, Classifier(config))
        for _ in range(MAX_TRIES):
            follower.follow()
        assert tag_changes(config)[-1]["detail"]["gave_up"]  # recorded
        assert not follower.tries.given_up(key)  # a later change of this mail (answered, say) is tried again


def test_a_tag_change_fetches_the_copy_once_and_reads_only_its_header_fields(dovecot, imap_config, monkeypatch):
    config = load_config(imap_config)
    raw = resolved_claim(config, dovecot)
    fetched: list[int] = []

    class CountingStore(ImapStore):
        def fetch(self, uid):
            fetched.append(uid)
            return super().fetch(uid)

    def parse_mail(*args, **kwargs):
        pytest.fail("the whole mail parsed (body, HTML, CPU budget) to read two header fields")

    monkeypatch.setattr("gateway.intake.following.parse_mail", parse_mail, raising=False)
    with State(config.state_dir) as state, closing(CountingStore(config.mailboxes[0])) as store:
        store.connect()
        assert TagFollower(store, state, Classifier(config)).follow() == 1
    assert len(fetched) == 1
    assert inbox_copy(dovecot, raw)[1] == f"[Resolved: A-to-Z] Claim received on order {ORDER}"


def test_a_tagged_reply_in_the_sent_folder_is_a_leak_recorded_as_sent_and_warned_of_once_a_day(
        dovecot, imap_config, tmp_path):
    config = load_config(imap_config)
    raw = mails.buyer(ORDER, "Not arrived, I will open an A-to-z claim.")
    dovecot.append(raw)
    assert Daemon(config).run_once() == 0
    tagged = inbox_copy(dovecot, raw)[1]
    assert tagged.startswith("[CRISIS: A-to-Z risk by ")
    for number in (1, 2):  # two such replies on one day: one warning
        leaked = reply(subject=f"Re: {tagged}").replace(b"<reply-", f"<reply-{number}-".encode())
        dovecot.append(leaked, folder="Gesendet")
        assert Daemon(config).run_once() == 0

    with State(config.state_dir) as state:
        rows = state.audit_rows(order_id=ORDER)
    leaks = [r["detail"] for r in rows if r["kind"] == "tag_leaked"]
    assert len(leaks) == 2
    assert leaks[0]["subject"] == f"Re: {tagged}" and leaks[0]["to"] == [mails.BUYER_ADDRESS]
    assert "outbound relay" in leaks[0]["fix"] and "subject = false" in leaks[0]["fix"]
    replies = [r["detail"] for r in rows if r["kind"] == "reply_sent"]
    assert replies and replies[0]["subject"] == f"Re: {tagged}"  # as the buyer got it, not as it should have been
    warnings = [m for m in captured_mail(tmp_path / "outgoing") if b"X-Crisis-Category: tag_leak" in m]
    assert len(warnings) == 1
    warning = email.message_from_bytes(warnings[0], policy=email.policy.default)
    assert warning["To"] == "support@shop.example" and "[Tag sent outside]" in warning["Subject"]
    body = warning.get_content()
    assert tagged in body and "outbound relay" in body and "subject = false" in body


def test_gmail_gets_labels_that_follow_the_clock_and_subject_false_keeps_the_subject(tmp_path):
    """Against a scripted server that offers X-GM-EXT-1, as Gmail does."""
    with ScriptedImap() as gmail:
        secret = tmp_path / "imap-password"
        secret.write_text(gmail.password + "\n")
        config = make_config(tmp_path, tags={"subject": False}, mailbox=[{
            "name": "shop", "address": "support@shop.example", "imap_host": "127.0.0.1", "imap_port": gmail.imap_port,
            "imap_security": "none", "imap_user": gmail.user, "password_file": str(secret), "timeout": 10,
            "sent_folder": "none"}])
        raw = mails.claim(ORDER)
        gmail.append(raw)
        with State(config.state_dir) as state, closing(ImapStore(config.mailboxes[0])) as store:
            store.connect()
            watcher = Watcher(store, Pipeline(Classifier(config), state), backlog_days=30, stop=threading.Event())
            watcher.scan()  # the first tag
            watcher.after_scan()  # overdue: the test mail is from November
            (uid, (flags, copy)), = gmail.messages.items()
            assert subject_of(copy) == f"Claim received on order {ORDER}"  # subject = false: untouched
            assert b"X-Crisis-Tier: 1" in copy and {"$CrisisTagged", "$CrisisOverdue"} <= flags
            assert gmail.labels[uid] == {"CRISIS", "CRISIS/A-to-Z", "CRISIS/Overdue"}

            assert state.stop_clock(f"order:{ORDER}:claim", "resolved by hand: refunded", datetime.now(timezone.utc))
            watcher.scan()
            watcher.after_scan()
        assert list(gmail.messages) == [uid]  # labels and keywords change in place: no new copy
        assert gmail.labels[uid] == {"Crisis Gateway/Resolved"}
        assert "$CrisisResolved" in gmail.messages[uid][0] and "$CrisisOverdue" not in gmail.messages[uid][0]
        assert any("+X-GM-LABELS" in c and "CRISIS/A-to-Z" in c for c in gmail.commands)


def index_line(number: int, envelope, size: int) -> str:
    """One line of an 80-column index as mutt draws it by default
    (index_format "%4C %Z %{%b %d} %-15.15L (%?l?%4l&%4c?) %s"), from what FETCH ENVELOPE gives."""
    sender = envelope.from_[0]
    name = (sender.name or sender.mailbox + b"@" + sender.host).decode()
    subject = str(make_header(decode_header(envelope.subject.decode())))
    return f"{number:4} {'N':^3} {envelope.date:%b %d} {name[:15]:<15} ({size // 1024 or 1:>3}K) {subject}"[:80]


def test_the_real_subject_shows_in_an_80_column_index(dovecot, imap_config):
    """mutt gives the subject 41 of 80 columns: the tag leaves room for the real subject (the
    older "[CRISIS: A-to-Z | due Fri 20 Nov 10:42 CET]" left none)."""
    config = load_config(imap_config)
    inbox = {"Claim received on order": mails.claim(ORDER),
             "Inquiry from Amazon": mails.buyer("306-0000000-0000002", "Not arrived, I will open an A-to-z claim."),
             "Question about the colour": mails.buyer("306-0000000-0000003", "Is it blue?", minute=5).replace(
                 b"Subject: Inquiry from Amazon customer Ann", b"Subject: Question about the colour")}
    for raw in inbox.values():
        dovecot.append(raw)
    assert Daemon(config).run_once() == 0
    with dovecot.client() as client:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch(client.search("ALL"), ["ENVELOPE", "RFC822.SIZE"])
    lines = [index_line(n, data[b"ENVELOPE"], data[b"RFC822.SIZE"]) for n, data in enumerate(fetched.values(), 1)]
    for real in inbox:
        line = next(line for line in lines if real[:5] in line)
        tag = line[line.index("["):line.index("]") + 1]
        assert len(tag) <= 35, line
        assert real[:5] in line[line.index("]") + 1:], f"{line!r}: the real subject is cut off"


def test_a_reply_through_the_outbound_relay_turns_the_running_daemons_tag_answered(dovecot, imap_config, sink,
                                                                                    run_daemon):
    relay_port = free_port()
    data = tomllib.loads(imap_config.read_text("utf-8"))
    data["smtp"] = smarthost(sink.port)
    data["relay"] = {"outbound": {"listen": f"127.0.0.1:{relay_port}"}}
    imap_config.write_text(config_toml(data), "utf-8")
    raw = mails.buyer(ORDER, "Not arrived, I will open an A-to-z claim.")
    dovecot.append(raw)
    daemon = run_daemon(imap_config)
    try:
        # while a tag changes, the new copy is there before the old one moves: one copy is a settled inbox
        assert wait_until(lambda: [c for c in copies(dovecot, raw) if b"$CrisisOverdue" in c[0]], 30), \
            daemon.log_text()[-3000:]
        tagged = inbox_copy(dovecot, raw)[1]
        with smtplib.SMTP("127.0.0.1", relay_port, timeout=10) as client:
            client.sendmail("support@shop.example", [mails.BUYER_ADDRESS], reply(subject=f"Re: {tagged}"))
        assert wait_until(lambda: [s for _, s in copies(dovecot, raw)] == [f"[Answered: A-to-Z risk] {subject_of(raw)}"],
                          40), daemon.log_text()[-3000:]
    finally:
        assert daemon.stop() == 0
    assert b"$CrisisAnswered" in inbox_copy(dovecot, raw)[0]
    sent = [r for r in sink.received if r.sender == "support@shop.example"]  # not the acknowledgement
    assert len(sent) == 1 and b"[CRISIS" not in sent[0].data  # the relay took the tag off
