"""The inbound relay and the IMAP watcher on the same mailbox, as a team runs both: Postfix tags
mail on its way in, and the daemon also watches the inbox (tags that follow the clock, the Sent
folder). The relay's tagged copy stays where it was delivered and is taken as the tagged copy."""

import pytest
from configs import imap_mailbox, write_config
from mails import claim
from relays import SUPPORT
from servers import wait_until

from gateway.cli import main

ORDER = "114-2682884-2909064"


@pytest.mark.parametrize("arrangement", ["chain", "milter_chain"])  # content filter, milter
def test_a_mail_tagged_by_the_relay_stays_in_place_and_gets_the_keywords(tmp_path, arrangement, request, run_daemon):
    chain = request.getfixturevalue(arrangement)
    box = imap_mailbox(tmp_path, chain.dovecot, poll_seconds=1, backlog_days=30, address=SUPPORT)
    reinject = {"reinject": f"127.0.0.1:{chain.reinject}"} if chain.reinject else {}
    config = write_config(tmp_path, mailbox=[box], relay={"inbound": chain.inbound(**reinject)})
    daemon = run_daemon(config)
    try:
        assert daemon.listens(chain.filter_port), daemon.log_text()
        chain.send(claim(ORDER))
        assert wait_until(lambda: "tagged by the relay" in daemon.log_text(), 30), daemon.log_text()[-3000:]
        [(uid, flags, raw)] = chain.dovecot.messages()
        assert uid == 1 and b"Delivered-To: support@shop.example" in raw  # Postfix's delivery, not a copy appended
        assert b"$CrisisAtozClaim" in flags and b"$CrisisOpen" in flags
        assert raw.count(b"Subject: [CRISIS: A-to-Z by ") == 1 and raw.count(b"X-Crisis-Key:") == 1
        assert chain.dovecot.messages("Crisis Gateway/Archive") == []
        # and its tag follows the clock like any tagged copy's
        assert main(["resolve", ORDER, "--note", "refunded", "--config", str(config)]) == 0
        chain.dovecot.append(b"From: a@b.example\r\nSubject: hello\r\n\r\nhi\r\n")  # new mail: the watcher looks now
        assert wait_until(lambda: [flags for _, flags, raw in chain.dovecot.messages() if ORDER.encode() in raw
                                   and b"$CrisisResolved" in flags and b"$CrisisTagged" in flags], 40), \
            daemon.log_text()[-3000:]
        assert len([raw for _, _, raw in chain.dovecot.messages() if ORDER.encode() in raw]) == 1
    finally:
        assert daemon.stop() == 0
