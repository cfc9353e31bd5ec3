"""Folder names written with "/" between levels, as the configuration has them, on a stock
Dovecot (hierarchy delimiter ".") and on one set to "/": the archive and the Sent folder are made
or found under the server's own names; a name the server refuses is said once, with the key to
change, and shown in the status and the metrics while the watcher keeps trying; check-config
only looks."""

import threading
import time
import urllib.request
from contextlib import closing

import mails
import pytest
from configs import imap_mailbox, write_config
from inbox import ARCHIVE, message_id, subject_of
from servers import free_port, wait_until

from gateway.cli import main
from gateway.config import load_config
from gateway.intake.pipeline import Pipeline
from gateway.intake.stores.imap import ImapStore
from gateway.intake.watcher import Watcher
from gateway.judging.classify import Classifier
from gateway.service import checkconfig
from gateway.service.daemon import Daemon
from gateway.state import State

ORDER = "308-0000000-0000001"


class Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


class CrashBeforeArchive(ImapStore):
    def archive(self, uid):
        raise Crash()


def folders(server) -> set[str]:
    with server.client() as client:
        return {name for _, _, name in client.list_folders()}


def reply_to(raw: bytes) -> bytes:
    return (f"From: support@shop.example\r\nTo: {mails.BUYER_ADDRESS}\r\nSubject: Re: order {ORDER}\r\n"
            f"Date: Sun, 22 Nov 2026 12:00:00 +0000\r\nMessage-ID: <team-reply-1@shop.example>\r\n"
            f"In-Reply-To: {message_id(raw)}\r\n\r\nYour parcel is on its way.\r\n").encode()


@pytest.mark.each_delimiter
@pytest.mark.imap_mailbox(sent_folder="Team/Sent")
def test_tagging_in_place_resumes_and_reads_the_sent_folder_under_the_servers_names(dovecot, imap_config):
    with dovecot.client() as client:
        client.create_folder(dovecot.folder("Team/Sent"))
    raw = mails.buyer(ORDER, "Where is my parcel? Otherwise I will file an A-to-z claim.")
    dovecot.append(raw)
    config = load_config(imap_config)
    with State(config.state_dir) as state, closing(CrashBeforeArchive(config.mailboxes[0])) as store:
        store.connect()  # makes the archive folder
        watcher = Watcher(store, Pipeline(Classifier(config), state), backlog_days=30, stop=threading.Event())
        with pytest.raises(Crash):
            watcher.scan()  # recorded, tagged copy appended, original not archived yet
    assert dovecot.folder(ARCHIVE) in folders(dovecot)
    assert dovecot.delimiter == "/" or ARCHIVE not in folders(dovecot)
    dovecot.append(reply_to(raw), folder="Team/Sent")

    assert Daemon(config).run_once() == 0  # the restart resumes the tagging and reads Team/Sent
    inbox = dovecot.messages()
    # the reply answered it: the tag says so, the first tagged copy went to the archive after the original
    assert len(inbox) == 1 and b"$CrisisTagged" in inbox[0][1] and subject_of(inbox[0][2]).startswith("[Answered:")
    archived = [r for _, _, r in dovecot.messages(ARCHIVE)]
    assert archived[0] == raw and len(archived) == 2 and subject_of(archived[1]).startswith("[CRISIS:")
    with State(config.state_dir) as state:
        assert state.clock(f"order:{ORDER}:buyer")["status"] == "stopped"
    said = [f.what for f in checkconfig.run(config)]
    shown = f'"{ARCHIVE}"' + ("" if dovecot.delimiter == "/" else f' (on the server "{dovecot.folder(ARCHIVE)}")')
    assert f"mailbox shop: archive folder {shown} exists" in said


def scrape(port: int) -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()


@pytest.mark.imap_mailbox(archive_folder="~Crisis Gateway/Archive")
def test_an_archive_name_the_server_refuses_is_said_once_with_its_fix_and_stays_in_the_status(
        dovecot, imap_config, run_daemon):
    metrics = free_port()
    imap_config.write_text(imap_config.read_text() + f'\n[metrics]\nlisten = "127.0.0.1:{metrics}"\n')
    before = folders(dovecot)
    service = run_daemon(imap_config, notify=True)
    try:
        statuses = lambda: [m["STATUS"] for _, m in service.notify.messages if "STATUS" in m]  # noqa: E731
        assert wait_until(lambda: any("cannot watch" in s for s in statuses()), 30, 0.05), service.log_text()[-3000:]
        status = statuses()[-1]
        assert status.startswith('starting: cannot watch shop: archive_folder "~Crisis Gateway/Archive" (on the server '
                                 '"~Crisis Gateway.Archive"): the server refuses to create it: '
                                 "[CANNOT] Invalid mailbox name: Begins with '~'"), status
        assert "fix: change archive_folder to a name this server accepts" in status
        assert wait_until(lambda: dovecot.log().count("Login: user=<support>") >= 3, 20), dovecot.log()[-2000:]
        time.sleep(0.5)
        assert service.notify.first("READY") is None
        assert 'crisis_gateway_imap_connected{mailbox="shop"} 0.0' in scrape(metrics)
    finally:
        assert service.stop() == 0
    log = service.log_text()
    assert log.count("the server refuses to create it") == 1, log  # tried again three times, said once
    assert "ERROR gateway.watch: shop: archive_folder" in log and "fix: change archive_folder" in log
    assert folders(dovecot) == before


def server_view(server) -> tuple:
    """The folder list with its attributes, and the INBOX: UIDs, flags, HIGHESTMODSEQ, UIDNEXT."""
    with server.client() as client:
        listed = sorted((name, tuple(sorted(flags))) for flags, _, name in client.list_folders())
        status = client.folder_status("INBOX", ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "HIGHESTMODSEQ"])
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        messages = {uid: sorted(data[b"FLAGS"]) for uid, data in (client.fetch(uids, ["FLAGS"]) if uids else {}).items()}
        return listed, status, messages


@pytest.mark.each_delimiter
def test_check_config_says_the_archive_will_be_made_and_changes_nothing_on_the_server(dovecot, tmp_path, capsys):
    dovecot.append(mails.claim("308-0000000-0000002"))
    dovecot.append(mails.buyer("308-0000000-0000003", "Is it blue?"))
    with dovecot.client() as client:
        client.select_folder("INBOX")
        client.add_flags([1], ["\\Seen", "$Label1"])
    before = server_view(dovecot)
    config = write_config(tmp_path, mailbox=[imap_mailbox(tmp_path, dovecot)])
    assert main(["check-config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    shown = f'"{ARCHIVE}"' + ("" if dovecot.delimiter == "/" else f' (on the server "{dovecot.folder(ARCHIVE)}")')
    assert f"ok    mailbox shop: archive folder {shown} does not exist yet; run creates it" in out
    assert "ok    mailbox shop: Sent folder found" in out
    assert server_view(dovecot) == before


@pytest.mark.parametrize("options, said, fix", [
    ({"archive_folder": "~Archive"}, "archive_folder \"~Archive\": the server refuses the name: "
     "[CANNOT] Invalid mailbox name: Begins with '~'", "change archive_folder"),
    ({"archive_folder": "Crisis Gateway//Archive"}, 'it has an empty level (a "/" at the start, at the end or twice)',
     "change archive_folder"),
    ({"folder": "Support/Amazon"}, 'folder "Support/Amazon" (on the server "Support.Amazon"): the server does not open it: '
     "Mailbox doesn't exist: Support.Amazon", "set folder to a folder that exists on the server"),
], ids=["refused-by-the-server", "an-empty-level", "a-missing-folder"])
def test_check_config_fails_a_folder_the_server_would_refuse_with_the_key_to_change(dovecot, tmp_path, capsys,
                                                                                    options, said, fix):
    before = server_view(dovecot)
    config = write_config(tmp_path, mailbox=[{**imap_mailbox(tmp_path, dovecot), **options}])
    assert main(["check-config", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.startswith("FAIL  mailbox shop: ")]
    assert len(failed) == 1 and said in failed[0], out
    assert f"      fix: {fix}" in out
    assert server_view(dovecot) == before
