"""Makes release-5a28a50-state.sql: a state written by release 5a28a50 (one clock per order), for
the test of the upgrade to one clock per obligation (tests/test_obligations_upgrade.py).

Run with that release's code, not this one's:
    git archive 5a28a50 | tar -x -C /tmp/release-5a28a50
    cd /tmp/release-5a28a50 && PYTHONPATH=.:tests python tests/data/make_release_state.py OUT.sql
(this file copied there first). It records a buyer message and an A-to-z claim on one order, a
chargeback on another, a Seller Central case, and fires the reminder steps due on 23 Nov 12:00.
"""

import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import mails
from configs import make_config
from recording import recorded

from gateway.deadlines import reminders
from gateway.state import State

BOTH = "203-5550001-0000001"        # a buyer message, then Amazon's claim
CHARGEBACK = "203-5550002-0000002"
CASE = "12345678901"

CHARGEBACK_MAIL = (
    "Authentication-Results: mx.example.test; dkim=pass header.d=amazon.co.uk; dmarc=pass\r\n"
    "Received: from ses by mx.example.test; Sun, 22 Nov 2026 12:00:03 +0000\r\n"
    "From: Amazon <cb-seller-notification@amazon.co.uk>\r\nTo: support@shop.example\r\n"
    f"Subject: Chargeback dispute on order {CHARGEBACK}: response required\r\n"
    "Message-ID: <chargeback-release@example.test>\r\nDate: Sun, 22 Nov 2026 12:00:00 +0000\r\n"
    "X-Space-Notification-Type: CB_NOTIFICATION\r\n\r\n"
    f"There is a chargeback dispute on the order {CHARGEBACK}.\r\n"
).encode()


def main(out: Path) -> None:
    folder = Path(tempfile.mkdtemp())
    config = make_config(folder, smtp={"from": "crisis@shop.example", "capture_dir": str(folder / "sent")})
    recorded(config, mails.buyer(BOTH, "It never arrived, where is it?"), mails.claim(BOTH), CHARGEBACK_MAIL,
             mails.case(CASE, "opened"), now=datetime(2026, 11, 22, 12, 30, tzinfo=timezone.utc))
    with State(config.state_dir) as state:
        fired = reminders.fire_due(state, config, datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc))
        assert fired, "no reminder step fired"
        # iterdump leaves out the schema version (PRAGMA user_version): written after the dump
        version = state.db.execute("PRAGMA user_version").fetchone()[0]
        dump = "\n".join(state.db.conn.iterdump()) + f"\nPRAGMA user_version = {version};"
    header = "".join(f"-- {line}\n".replace("-- \n", "--\n") for line in __doc__.strip().splitlines())
    out.write_text(header + dump + "\n", "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
