"""The first day on a real inbox: `run` on two weeks of history (800 mails of every kind and
language, about 200 of them crises) in Dovecot, with an SMTP smarthost, as a new user starts it.

It must answer nobody late, tell the team of the history's crises in one report, keep to the
send limit, and still forward a claim that arrives in the middle of the catch-up within seconds.

The mail of the last FRESH_HOURS (11 mails, as many as 2,000 mails over two weeks have in two
hours) is answered and forwarded: with the claim's forward and the report, 11 mails or more go
out, more than the send limit lets out in a minute, and the reminders of the history's cases come
on top. The limit holds some back for one minute (two under a heavy load): that minute is most of
the test's time.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import time
from datetime import datetime, timedelta, timezone

import mailfactory
from configs import imap_mailbox, write_config
from mails import arrived_now, claim
from servers import wait_until

COUNT = 800
FRESH_HOURS = 5
MAX_PER_MINUTE = 8
FRESH_CLAIM = "114-9999999-0000001"


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)



def test_run_on_two_weeks_of_history(tmp_path, dovecot, sink, run_daemon):
    start = datetime.now(timezone.utc)
    history = list(mailfactory.generate(COUNT, seed=14, start=start - timedelta(days=14),
                                        every=timedelta(days=14) / COUNT))
    with dovecot.client() as client:
        for mail in history:
            client.append("INBOX", mail.raw)
    old_cut = start - timedelta(hours=FRESH_HOURS)

    def arrival(raw: bytes) -> datetime:
        received = email.message_from_bytes(raw).get_all("Received")[0]  # the topmost: our own server's
        return email.utils.parsedate_to_datetime(" ".join(received.rsplit(";", 1)[1].split()))

    old = [m for m in history if arrival(m.raw) < old_cut]
    old_ids = {parse(m.raw)["Message-ID"] for m in old}
    old_crises = [m for m in old if m.expected["tier"] == 1 and m.expected["forward"]]
    assert len(old) > 0.95 * COUNT and len(old_crises) > 100  # the history the test is about

    config = write_config(
        tmp_path, gateway={"state_dir": str(tmp_path / "state"), "fresh_hours": FRESH_HOURS},
        mailbox=[imap_mailbox(tmp_path, dovecot, backlog_days=15, poll_seconds=1, name="EU shop")],
        smtp={"from": "crisis@shop.example", "host": "127.0.0.1", "port": sink.port, "security": "none",
              "max_per_minute": MAX_PER_MINUTE},
        outbox={"backoff_initial": 0.05, "backoff_max": 0.2})
    daemon = run_daemon(config)

    # the claim arrives while the history is read
    assert wait_until(lambda: re.search(r"EU shop: [2-9]\d\d/\d+ read", daemon.log_text()), timeout=240), daemon.log_text()[-2000:]
    dovecot.append(arrived_now(claim(FRESH_CLAIM), datetime.now(timezone.utc)))
    appended = time.monotonic()

    def forwarded() -> list[float]:
        return [r.at for r in sink.received if parse(r.data)["X-Crisis-Order"] == FRESH_CLAIM]

    assert wait_until(forwarded, timeout=60, step=0.05), daemon.log_text()[-3000:]
    assert forwarded()[0] - appended < 15  # within seconds, not after the backlog

    def reports() -> list:
        return [r for r in sink.received if parse(r.data)["X-Crisis-Report"] == "backlog"]

    assert wait_until(reports, timeout=400), daemon.log_text()[-3000:]
    assert f"EU shop: {COUNT + 1}/{COUNT + 1} read" in daemon.log_text()  # the history and the claim, each once

    # one backlog report for the mailbox, listing every crisis of the history
    (report,) = [parse(r.data) for r in reports()]
    assert report["Subject"] == f"[Crisis Gateway] {len(old_crises)} crises found in the mail of EU shop"
    body = report.get_content()
    assert len(re.findall(r"^\d+\. ", body, re.M)) == len(old_crises)
    assert all(m.expected["order_id"] in body for m in old_crises if m.expected["order_id"])
    assert FRESH_CLAIM not in body

    # nobody acknowledged late: every acknowledgement answers a mail of the last FRESH_HOURS
    sent = [parse(r.data) for r in sink.received]
    acknowledgements = [m for m in sent if m["Auto-Submitted"] == "auto-replied"]
    assert acknowledgements and not {m["In-Reply-To"] for m in acknowledgements} & old_ids
    # no forward of a crisis of the history either
    assert not [m for m in sent if m["X-Crisis-Order"] and m["References"] in old_ids]

    # the send limit: no MAX_PER_MINUTE + 1 mails within a minute (2 s for the time stamps' seconds),
    # timed by the sink as each came (mail may come before the claim, while the test waits for the log)
    times = [r.at for r in sink.received]
    assert len(times) > MAX_PER_MINUTE
    assert all(times[i + MAX_PER_MINUTE] - times[i] >= 58 for i in range(len(times) - MAX_PER_MINUTE)), times
