"""Watching a mailbox's Sent folder: a reply the team sent with its own client, past the outbound
relay, stops the clock of what it answers, as one through the relay does (see replies.judge).

Only read, never changed. What the gateway sent itself (acknowledgements, forwards, reminders: a
smarthost like Gmail files them in Sent too) is recognised by its X-Loop field or its Message-ID
and never counts as a reply; nor does an auto-reply. A mail already seen through the relay is
known by its Message-ID. Mail about no order, case or known mail is left alone: the audit trail
records replies, not all the team's correspondence.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from gateway.intake.pipeline import Pipeline
from gateway.intake.replies import REPLY, header_recipients, judge, record_reply
from gateway.intake.stores.base import MailStore
from gateway.intake.watcher import FolderWatcher
from gateway.judging.classify import Classifier
from gateway.mail.headers import X_LOOP
from gateway.mail.parse import MailError, parse_mail
from gateway.state import State

log = logging.getLogger("gateway.sent")
SENT = "sent"  # `relayed` rows of Sent copies, by content hash


class SentWatcher(FolderWatcher):
    def __init__(self, store: MailStore, state: State | None, classifier: Classifier | None, **options: Any) -> None:
        super().__init__(store, state, **options)
        self.classifier = classifier  # its tag pattern follows a rules reload

    def use(self, pipeline: Pipeline | None) -> None:
        super().use(pipeline)
        self.classifier = pipeline.classifier if pipeline is not None else None

    def handle(self, uid: int) -> None:
        stored = self.store.fetch(uid)
        if stored is None or "\\Deleted" in stored.flags:
            return None
        try:
            mail = parse_mail(stored.raw)
        except MailError as exc:
            log.warning("%s uid %s: cannot be read (%s); skipped", self.name, uid, exc)
            return None
        if mail.header("X-Loop") == X_LOOP or self.state.sent_by_gateway(mail.message_id):
            log.debug("%s uid %s: sent by the gateway itself; no reply", self.name, uid)
            return None
        if mail.message_id and self.state.relayed_to(REPLY, mail.message_id):
            return None  # recorded when it went through the outbound relay
        key = f"sha256:{mail.sha256}"
        if self.state.relayed_to(SENT, key):
            return None  # met before: the cursor was reset (UIDVALIDITY) or the copy filed twice
        recipients = header_recipients(mail)
        sent_at = mail.date or stored.internaldate or datetime.now(timezone.utc)
        judgement = judge(self.state, mail, recipients, sent_at)
        if not judgement.related:
            return None
        detail = {"to": recipients, "from": mail.from_address, "seen_in": self.name, "sent_at": sent_at.isoformat(),
                  "raw": str(self.state.store_raw(stored.raw, mail.sha256).relative_to(self.state.directory))}
        stopped = record_reply(self.state, mail, judgement, direction=SENT, key=key, recipients=recipients or ["-"],
                               detail=detail, tag_pattern=self.classifier.tag_pattern)
        found = judgement.found
        log.info("%s uid %s: reply %s%s%s%s", self.name, uid, mail.message_id or key,
                 f" answers order {found.order_id} ({found.matched_by})" if found.order_id else "",
                 f" about case {judgement.case_id}" if judgement.case_id else "",
                 "; clock stopped" if stopped else (f"; clock {judgement.note}" if judgement.note else ""))
        return None
