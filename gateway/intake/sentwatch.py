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

from gateway.config import Config
from gateway.intake.pipeline import Pipeline
from gateway.intake.replies import REPLY, header_recipients, is_amazon_address, judge, record_reply
from gateway.intake.stores.base import MailStore
from gateway.intake.watcher import FolderWatcher
from gateway.judging.classify import Classifier
from gateway.mail.headers import X_LOOP
from gateway.mail.parse import MailError, ParsedMail, parse_mail
from gateway.mail.text import one_line
from gateway.state import State

log = logging.getLogger("gateway.sent")
SENT = "sent"  # `relayed` rows of Sent copies, by content hash
LEAK_FIX = ("send replies through the outbound relay ([relay.outbound]), which removes the tags, "
            "or set [tags] subject = false")


def _relay_address(config: Config) -> str:
    """Where the outbound relay listens, for the warning; empty when there is none."""
    relay = config.outbound_relay
    return f"{relay.listen[0]} port {relay.listen[1]}" if relay else ""


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
        # buyers write from Amazon's relay addresses: a tag in a subject to Amazon reached one of them
        leaked_to = [r for r in recipients if is_amazon_address(r)] if self.classifier.tag_pattern.search(mail.subject) else []
        if not judgement.related and not leaked_to:
            return None
        detail = {"to": recipients, "from": mail.from_address, "seen_in": self.name, "sent_at": sent_at.isoformat(),
                  "raw": str(self.state.store_raw(stored.raw, mail.sha256).relative_to(self.state.directory))}
        with self.state.transaction():  # the leak and the reply recorded together, or neither
            if leaked_to:
                self._leaked(mail, leaked_to, key, judgement.found.order_id)
            if not judgement.related:
                return None
            stopped = record_reply(self.state, mail, judgement, direction=SENT, key=key, recipients=recipients or ["-"],
                                   detail=detail, tag_pattern=self.classifier.tag_pattern,
                                   subject_sent=one_line(mail.subject))
        found = judgement.found
        log.info("%s uid %s: reply %s%s%s%s", self.name, uid, mail.message_id or key,
                 f" answers order {found.order_id} ({found.matched_by})" if found.order_id else "",
                 f" about case {judgement.case_id}" if judgement.case_id else "",
                 "; clock stopped" if stopped else (f"; clock {judgement.note}" if judgement.note else ""))
        return None

    def _leaked(self, mail: ParsedMail, leaked_to: list[str], key: str, order_id: str | None) -> None:
        """A reply that carried our tag to a buyer or to Amazon, inside the caller's transaction:
        an audit row with the subject as sent; its sender told how to avoid it, once a day."""
        now = datetime.now(timezone.utc)
        subject = one_line(mail.subject)
        sender = mail.from_address or ""
        config = self.classifier.config
        self.state.mark_relayed(SENT, key, leaked_to, now)  # met again (a renumbered folder): known
        self.state.audit("tag_leaked", {"subject": subject, "to": leaked_to, "from": sender, "message_id": mail.message_id,
                                        "seen_in": self.name, "fix": LEAK_FIX}, order_id=order_id, at=now)
        warned = ""
        if sender and not is_amazon_address(sender):
            self.state.enqueue(f"leak|{sender.lower()}|{now:%Y-%m-%d}", "leak", sender,
                               {"subject": subject, "to": leaked_to, "relay": _relay_address(config)},
                               message_key=None, order_id=order_id, now=now, id_domain=config.message_id_domain)
            warned = f"; {sender} is told (once a day)"
        log.warning("%s: a reply went to %s with the gateway's tag in its subject (%r)%s; fix: %s", self.name,
                    ", ".join(leaked_to), subject, warned, LEAK_FIX)
