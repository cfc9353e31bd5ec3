"""A [trust] that does not fit the mailbox's provider is loud: Amazon mail whose
Authentication-Results come from another server than authserv_ids names makes the daemon log one
warning with what to set, shows it in the systemd status and counts such mail in the metrics;
check-config reads the inbox and says the same. With the right authserv_ids, nothing is said."""

import urllib.request

from configs import imap_mailbox, smtp_capture, write_config
from mails import claim
from servers import free_port, wait_until

from gateway.cli import main

ELSEWHERE = "mx.elsewhere.test"
WARNING = "trust is probably misconfigured"
FIX = f'set [trust] authserv_ids = ["{ELSEWHERE}"]'
UNTRUSTED = 'crisis_gateway_amazon_untrusted_total{mailbox="shop"}'
CLAIMS = 6  # one more than the daemon waits for before it warns


def claims(writer: str) -> list[bytes]:
    """Genuine-looking A-to-z claims whose Authentication-Results `writer` wrote."""
    return [claim(f"204-5555555-000000{n}").replace(b"mx.example.test;", f"{writer};".encode()) for n in range(CLAIMS)]


def config_for(tmp_path, dovecot, metrics_port: int, authserv_ids: list[str]):
    return write_config(tmp_path, mailbox=[imap_mailbox(tmp_path, dovecot, poll_seconds=1, backlog_days=30)],
                        smtp=smtp_capture(tmp_path), trust={"authserv_ids": authserv_ids},
                        metrics={"listen": f"127.0.0.1:{metrics_port}"})


def scrape(port: int) -> str:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    except OSError:
        return ""


def recorded_claims(port: int) -> bool:
    return f'crisis_gateway_mails_total{{category="atoz_claim",tier="1"}} {CLAIMS}.0' in scrape(port)


def test_amazon_mail_from_another_server_is_warned_of_once_in_the_log_the_status_and_the_metrics(
        dovecot, tmp_path, run_daemon):
    for raw in claims(ELSEWHERE):
        dovecot.append(raw)
    port = free_port()
    service = run_daemon(config_for(tmp_path, dovecot, port, ["mx.example.test"]), notify=True)
    try:
        statuses = lambda: [m["STATUS"] for _, m in service.notify.messages if "STATUS" in m]  # noqa: E731
        assert wait_until(lambda: any(WARNING in s for s in statuses()), 30, 0.05), service.log_text()[-3000:]
        assert f"{UNTRUSTED} {CLAIMS}.0" in scrape(port)
        status = statuses()[-1]
    finally:
        assert service.stop() == 0
    assert status.startswith("running: 1 mailbox(es), 0 relay(s); mailbox shop: " + WARNING), status
    assert FIX in status
    log = service.log_text()
    warnings = [line for line in log.splitlines() if line.startswith("WARNING") and WARNING in line]
    assert len(warnings) == 1, log  # six mails, one warning (the ready line quotes the status)
    assert f"WARNING gateway.pipeline: mailbox shop: {WARNING}: none of the 5 mail(s) from Amazon passes" in log
    assert f"written by {ELSEWHERE}" in log and FIX in log


def test_amazon_mail_that_passes_is_not_warned_of(dovecot, tmp_path, run_daemon):
    for raw in claims(ELSEWHERE):
        dovecot.append(raw)
    port = free_port()
    service = run_daemon(config_for(tmp_path, dovecot, port, [ELSEWHERE]), notify=True)
    try:
        assert wait_until(lambda: recorded_claims(port) and service.notify.first("READY"), 30, 0.1), \
            service.log_text()[-3000:]
        assert UNTRUSTED not in scrape(port)
        statuses = [m["STATUS"] for _, m in service.notify.messages if "STATUS" in m]
    finally:
        assert service.stop() == 0
    assert statuses and not any(WARNING in s for s in statuses), statuses
    assert WARNING not in service.log_text()


def test_check_config_reads_the_inbox_and_says_what_to_set(dovecot, tmp_path, capsys):
    for raw in claims(ELSEWHERE):
        dovecot.append(raw)
    config = config_for(tmp_path, dovecot, free_port(), ["mx.example.test"])
    main(["check-config", "--config", str(config)])
    out = capsys.readouterr().out
    assert f"warn  mailbox shop: {CLAIMS} Amazon mail(s) in the last 14 days: 0 pass" in out, out
    assert f"fix: {WARNING}: none of the {CLAIMS} mail(s) from Amazon passes" in out and FIX in out
    assert all(b"\\Seen" not in flags for _, flags, _ in dovecot.messages())  # read with BODY.PEEK: still unseen

    config = config_for(tmp_path, dovecot, free_port(), [ELSEWHERE])
    main(["check-config", "--config", str(config)])
    out = capsys.readouterr().out
    assert f"ok    mailbox shop: {CLAIMS} Amazon mail(s) in the last 14 days: {CLAIMS} pass" in out, out
    assert WARNING not in out

