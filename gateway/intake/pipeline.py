"""One message through the gateway: intake, classify, record, tagged copy. Nothing is lost:
a mail that cannot be handled goes to the quarantine folder with its reason, never away."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from gateway.intake.health import TrustWatch
from gateway.judging.classify import Classifier
from gateway.judging.freshness import hold_back
from gateway.judging.tagging import apply_verdict
from gateway.judging.verdict import Verdict
from gateway.mail.parse import MailError, ParsedMail, parse_mail
from gateway.outgoing.outbox import queued_by
from gateway.state import State

log = logging.getLogger("gateway.pipeline")


@dataclass(frozen=True)
class Outcome:
    status: str                 # "recorded", "duplicate" or "quarantined"
    verdict: Verdict | None
    tagged: bytes | None        # the tagged copy, whenever there is a verdict
    sha256: str                 # of the mail as it came
    mail: ParsedMail | None = None
    reason: str = ""


class Pipeline:
    def __init__(self, classifier: Classifier, state: State, news: threading.Event | None = None,
                 trust: TrustWatch | None = None) -> None:
        self.classifier = classifier
        self.state = state
        self.news = news  # set when a mail planned actions beyond its tag, to wake the outbox
        self.trust = trust  # told each recorded verdict, to say once when Amazon's mail stops passing

    def handle(self, raw: bytes, *, source: str = "", mailbox: str = "", now: datetime | None = None) -> Outcome:
        now = now or datetime.now(timezone.utc)
        try:
            mail = parse_mail(raw, max_bytes=self.classifier.config.max_message_bytes)
            verdict = hold_back(self.classifier.classify_parsed(mail, now, history=self.state), now,
                                self.classifier.config.fresh_hours)
        except MailError as exc:
            return self._quarantine(raw, source, str(exc), now)
        except Exception as exc:  # noqa: BLE001 - a bug must cost one message a quarantine, not the daemon
            log.exception("classification failed for %s", source)
            return self._quarantine(raw, source, f"internal error ({type(exc).__name__})", now)
        config = self.classifier.config
        if not self.state.record(verdict, raw, mail.sha256, queued=queued_by(verdict, config, now), mailbox=mailbox,
                                 from_address=mail.from_address, now=now, id_domain=config.message_id_domain):
            return Outcome("duplicate", verdict, apply_verdict(raw, verdict), mail.sha256, mail, "already processed")
        if self.news is not None and any(a.kind != "tag" for a in verdict.actions):
            self.news.set()
        if self.trust is not None and (warning := self.trust.seen(mailbox, mail, verdict)):
            log.warning("mailbox %s: %s", mailbox or "(relay)", warning)
        return Outcome("recorded", verdict, apply_verdict(raw, verdict), mail.sha256, mail)

    def _quarantine(self, raw: bytes, source: str, reason: str, now: datetime) -> Outcome:
        folder = self.state.directory / "quarantine"
        folder.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256(raw).hexdigest()
        (folder / f"{sha}.eml").write_bytes(raw)
        (folder / f"{sha}.reason").write_text(f"{source}: {reason}\n", "utf-8")
        self.state.give_to_owner(folder, folder / f"{sha}.eml", folder / f"{sha}.reason")
        with self.state.transaction():
            self.state.audit("quarantined", {"source": source, "reason": reason, "path": f"quarantine/{sha}.eml"},
                             message_key=f"sha256:{sha}", at=now)
        log.warning("quarantined %s: %s", source or sha, reason)
        return Outcome("quarantined", None, None, sha, reason=reason)
