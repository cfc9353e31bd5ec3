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
from gateway.judging.tagging import apply_verdict, verdict_change
from gateway.judging.verdict import Verdict
from gateway.mail.parse import MailError, ParsedMail, parse_mail
from gateway.mail.rewrite import FieldEdit, field_edits
from gateway.mail.text import one_line
from gateway.outgoing.outbox import queued_by
from gateway.state import State

log = logging.getLogger("gateway.pipeline")


@dataclass(frozen=True)
class Outcome:
    status: str                 # "recorded", "duplicate" or "quarantined"
    verdict: Verdict | None
    tagged: bytes | None        # the tagged copy, whenever there is a verdict (and no edits were asked for)
    sha256: str                 # of the mail as it came
    mail: ParsedMail | None = None
    reason: str = ""
    edits: list[FieldEdit] | None = None  # instead of the copy, the edits that make it (handle's as_edits)


class Pipeline:
    def __init__(self, classifier: Classifier, state: State, news: threading.Event | None = None,
                 trust: TrustWatch | None = None) -> None:
        self.classifier = classifier
        self.state = state
        self.news = news  # set when a mail planned actions beyond its tag, to wake the outbox
        self.trust = trust  # told each recorded verdict, to say once when Amazon's mail stops passing

    def handle(self, raw: bytes, *, source: str = "", mailbox: str = "", now: datetime | None = None,
               arrived: datetime | None = None, as_edits: bool = False) -> Outcome:
        """Never raises for what the mail holds: whatever goes wrong while it is judged, recorded
        or tagged costs this one mail a quarantine, and the caller goes on with the next. A state
        that cannot be written at all fails the quarantine too, and that error reaches the caller.
        With `as_edits` (the milter, whose MTA makes the copy itself) the outcome carries the edits
        of the header fields that make the tagged copy, and no copy is made."""
        now = now or datetime.now(timezone.utc)
        try:
            return self._handle(raw, source, mailbox, now, arrived, as_edits)
        except MailError as exc:
            return self._quarantine(raw, source, str(exc), now)
        except Exception as exc:  # noqa: BLE001 - a bug must cost one message a quarantine, not the daemon
            log.debug("handling %s failed", source, exc_info=True)
            return self._quarantine(raw, source, f"internal error ({type(exc).__name__}: {one_line(str(exc))[:200]})", now)

    def _handle(self, raw: bytes, source: str, mailbox: str, now: datetime, arrived: datetime | None,
                as_edits: bool) -> Outcome:
        config = self.classifier.config
        mail = parse_mail(raw, max_bytes=config.max_message_bytes, cpu_seconds=config.mail_cpu_seconds)
        verdict = hold_back(self.classifier.classify_parsed(mail, now, history=self.state, arrived=arrived), now,
                            config.fresh_hours)
        # before the record: a copy (or the edits that make it) that cannot be made records nothing
        edits = field_edits(raw, verdict_change(raw, verdict)) if as_edits else None
        tagged = apply_verdict(raw, verdict) if not as_edits else None
        if not self.state.record(verdict, raw, mail.sha256, queued=queued_by(verdict, config, now), mailbox=mailbox,
                                 from_address=mail.from_address, now=now, id_domain=config.message_id_domain):
            return Outcome("duplicate", verdict, tagged, mail.sha256, mail, "already processed", edits)
        if self.news is not None and any(a.kind != "tag" for a in verdict.actions):
            self.news.set()
        if self.trust is not None and (warning := self.trust.seen(mailbox, mail, verdict)):
            log.warning("mailbox %s: %s", mailbox or "(relay)", warning)
        return Outcome("recorded", verdict, tagged, mail.sha256, mail, edits=edits)

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
