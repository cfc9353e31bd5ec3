"""An agency's configuration: 100 seller mailboxes (inbox and Sent folder each) on one daemon
against one Dovecot. Every mailbox is logged in to and its backlog read, a fresh claim in any of
them is tagged, no thread dies (of `database is locked` at start, or of anything else), and the
daemon stays under 80 MB plus 1 MB per mailbox resident (bench/mailboxes.py measures more sizes)."""

from __future__ import annotations

import time
from pathlib import Path

import mails
import pytest
from configs import imap_mailbox, smtp_capture, write_config
from inbox import ARCHIVE
from servers import wait_until

MAILBOXES = 100


def order(n: int, k: int) -> str:
    return f"{200 + k:03d}-{n:07d}-{4000000 + n:07d}"


def resident_mb(pid: int) -> float:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024


def archived(server, users: list[str], want: int) -> list[str]:
    """Those of `users` whose archive does not hold `want` originals yet."""
    return [u for u in users if len(server.messages(ARCHIVE, user=u)) < want]


@pytest.mark.dovecot_users(MAILBOXES)
def test_a_hundred_mailboxes_are_all_read_and_no_thread_dies(tmp_path, crowded_dovecot, run_daemon):
    server = crowded_dovecot
    users = server.users
    for n, user in enumerate(users, 1):
        with server.client(user) as client:
            client.append("INBOX", mails.buyer(order(n, 1), "Where is my parcel?", token=f"b{n:05d}"))
            client.append("INBOX", mails.claim(order(n, 2)))
    boxes = [imap_mailbox(tmp_path, server, name=user, address=f"{user}@shop.example", imap_user=user, timeout=30,
                          backlog_days=36500) for user in users]
    config = write_config(tmp_path, mailbox=boxes, smtp=smtp_capture(tmp_path))
    daemon = run_daemon(config, notify=True)
    try:
        started = time.monotonic()
        ready = wait_until(lambda: daemon.notify.first("READY"), 120, 0.2)
        assert ready, daemon.log_text()[-3000:]
        assert ready[1]["STATUS"].startswith(f"running: {MAILBOXES} mailbox(es)")
        left = users
        while left and time.monotonic() - started < 180:
            left = archived(server, left, 2)
            time.sleep(0.5)
        assert not left, f"{len(left)} mailbox(es) not read: {left[:5]}...\n" + daemon.log_text()[-3000:]
        # a fresh claim in one of them, once all are idle
        server.append(mails.claim(order(MAILBOXES // 2, 3)), user=users[MAILBOXES // 2])
        assert wait_until(lambda: not archived(server, [users[MAILBOXES // 2]], 3), 10, 0.05), daemon.log_text()[-3000:]
        assert resident_mb(daemon.pid) < 80 + MAILBOXES
        log = daemon.log_text()
        connected = {line.split(": connected")[0].rsplit(" ", 1)[-1] for line in log.splitlines() if ": connected" in line}
        assert set(users) <= connected
        assert sum(f"{user} (sent): connected" in log for user in users) == MAILBOXES
        for sign in ("Traceback", "failed with", "database is locked", "reconnecting"):
            assert sign not in log, log[-3000:]
    finally:
        assert daemon.stop() == 0
