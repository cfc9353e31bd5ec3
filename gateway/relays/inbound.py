"""The inbound relay: an after-queue content filter for Postfix, or a milter.

As a content filter, Postfix hands over every mail (content_filter = scan:[127.0.0.1]:10025). The mail is recorded
and classified (state, audit, outbox: one transaction), the tagged copy goes back to Postfix's
re-injection port with the same envelope, and only then is the answer 250. A failed
re-injection or any trouble inside is a 451: Postfix keeps the mail and tries again later, and
the second try re-injects what the first did not (recorded per recipient), never twice.

As a milter (smtpd_milters = inet:127.0.0.1:10027, see gateway.relays.milter), Postfix shows the
mail to the gateway while receiving it: the same record and verdict, and the tagged copy's
changes go back to Postfix as edits of the header fields, which Postfix makes in its own queue.

A mail that cannot be classified is kept in the quarantine folder and still delivered, as it
came: the team must see it. Never a 5xx but 552 for a mail over the size limit (as Postfix's own
would be): Postfix would bounce the mail to its sender.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.config import Config, SmtpConfig
from gateway.intake.pipeline import Outcome, Pipeline
from gateway.judging.subject import has_crisis_tag, render_tag, tag_pattern, tag_subject, without_crisis_tags
from gateway.judging.tagging import field_text, subject_of
from gateway.mail.parse import decode_header_text
from gateway.mail.rewrite import FieldEdit, HeaderChange, field_edits, rewrite
from gateway.outgoing.transport import DeliveryError, KeptSmtpTransport
from gateway.relays.common import TEMPORARY, Envelope, Pool, RelayHandler, pass_on, refused_text
from gateway.relays.milter import MilterAnswer

log = logging.getLogger("gateway.relay")
UTC = ZoneInfo("UTC")
INBOUND = "inbound"


def quarantined_change(raw: bytes) -> HeaderChange | None:
    """Delivered as it came, marked, with any X-Crisis-* the sender forged removed. Trust never
    depends on reading a mail whole: one that names Amazon in its From and could not be judged
    is delivered as suspect, tag and all, and a crisis tag in its subject is removed. None when
    the bytes are too broken to edit: they are delivered as they are."""
    try:
        replace: dict[str, str | None] = {"X-Crisis-*": None}
        subject = subject_of(raw)
        if "amazon" in decode_header_text(field_text(raw, "From")).lower():
            replace["Subject"] = tag_subject(without_crisis_tags(subject), render_tag("", None, None, UTC, True),
                                             tag_pattern([]))
        elif has_crisis_tag(subject):
            replace["Subject"] = without_crisis_tags(subject)
        return HeaderChange(replace, (("X-Crisis-Quarantined", "yes"),))
    except Exception:  # noqa: BLE001 - bytes too broken to edit are still delivered
        return None


def quarantined_copy(raw: bytes) -> bytes:
    """The copy of a mail that could not be judged (see quarantined_change)."""
    change = quarantined_change(raw)
    try:
        return rewrite(raw, change) if change is not None else raw
    except Exception:  # noqa: BLE001 - bytes too broken to edit are still delivered
        return raw


class Inbound:
    """What the two arrangements share: a pipeline per worker, the mailbox a mail is for."""

    name = INBOUND

    def __init__(self, config: Config, pipelines: Pool[Pipeline]) -> None:
        self.pipelines = pipelines
        self.mailbox_names = {m.address: m.name for m in config.mailboxes}

    def _mailbox(self, recipients: tuple[str, ...]) -> str:
        return next((self.mailbox_names[r.lower()] for r in recipients if r.lower() in self.mailbox_names), "relay")

    @staticmethod
    def _record_passed(pipeline: Pipeline, key: str, outcome: Outcome, recipients: list[str], audit_kind: str,
                       **detail: str) -> None:
        """The recipients the mail reached and its audit row, under the mail's own keys."""
        verdict = outcome.verdict
        pipeline.state.record_relayed(
            INBOUND, key, recipients, audit_kind,
            {"to": recipients, "status": outcome.status, "subject": verdict.subject if verdict else None, **detail},
            message_key=verdict.message_key if verdict else key,
            order_id=verdict.order_id if verdict else None, case_id=verdict.case_id if verdict else None,
        )

    def close(self) -> None:
        self.pipelines.close()


class InboundFilter(Inbound, RelayHandler):
    def __init__(self, config: Config, pipelines: Pool[Pipeline]) -> None:
        super().__init__(config, pipelines)
        relay = config.inbound_relay
        assert relay is not None and relay.reinject is not None
        host, port = relay.reinject
        reinject = SmtpConfig(sender="", host=host, port=port, security="none", timeout=relay.timeout)
        # each worker its own connection to the re-injection port, kept from one mail to the next
        self.reinjectors: Pool[KeptSmtpTransport] = Pool(lambda: KeptSmtpTransport(reinject), KeptSmtpTransport.close)
        self.where = f"{host}:{port}"

    def relay(self, mail: Envelope) -> str:
        # The record and the recipients reached are made durable once, before the answer, not at
        # each commit: workers answering at the same time share one fsync. A power cut before it
        # loses no mail (there was no 250 yet: Postfix hands the mail over again), at worst the
        # copy already re-injected is re-injected once more.
        with self.pipelines.borrow() as pipeline, self.reinjectors.borrow() as reinjector, \
                pipeline.state.synced_together():
            outcome = pipeline.handle(mail.content, source=f"relay from {mail.peer}", mailbox=self._mailbox(mail.recipients))
            # The same bytes handed over again (Postfix retrying) are known by their hash; another
            # mail that only reuses a Message-ID is delivered all the same, nothing is dropped.
            key = f"sha256:{outcome.sha256}"
            data = outcome.tagged if outcome.tagged is not None else quarantined_copy(mail.content)
            try:
                passed = pass_on(pipeline.state, INBOUND, key, mail, data, reinjector)
            except DeliveryError as exc:
                log.warning("relay inbound: re-injection of %s to %s failed: %s; answered 451, the MTA keeps it",
                            key, self.where, exc)
                return TEMPORARY
            if passed.before:
                log.info("relay inbound: %s was re-injected before (the 250 was lost); answered 250 again", key)
                return "250 2.0.0 Ok: delivered before"
            accepted, refused = passed.accepted, passed.refused
            verdict = outcome.verdict
            if accepted:
                self._record_passed(pipeline, key, outcome, accepted, "reinjected")
        if refused:
            log.warning("relay inbound: %s refused by %s for %s; answered 451, the MTA retries those",
                        key, self.where, refused_text(refused))
            return TEMPORARY
        if verdict is not None:
            log.info("relay inbound: %s %s tier=%s -> %s", key, verdict.category, verdict.tier or "-", ", ".join(accepted))
        return "250 2.0.0 Ok: tagged and re-injected"

    def housekeeping(self) -> None:
        """Run by the listener every few seconds in a worker thread (a handler without it has none)."""
        for reinjector in self.reinjectors.items():
            reinjector.close_idle()

    def close(self) -> None:
        self.reinjectors.close()
        super().close()


def quarantined_edits(raw: bytes) -> list[FieldEdit]:
    """The milter's edits for a mail that could not be judged (see quarantined_change); none (the
    mail delivered as it came, as quarantined_copy does) for bytes too broken to edit: a 451
    would have Postfix's client send it again forever."""
    change = quarantined_change(raw)
    try:
        return field_edits(raw, change) if change is not None else []
    except Exception:  # noqa: BLE001 - see above
        log.warning("relay inbound milter: the mail's header fields cannot be edited; delivered as it came",
                    exc_info=True)
        return []


class InboundMilter(Inbound):
    """The milter's handler (see gateway.relays.milter): `judge` runs in a worker thread."""

    def judge(self, mail: Envelope, queue_id: str, arrived: datetime) -> MilterAnswer:
        """The edits that make Postfix's copy the tagged copy. The record is written, not synced:
        the answer's `durable` makes it so, before Postfix is told (see MilterListener). The
        deadlines count from `arrived`: Postfix shows a milter no Received stamp of its own."""
        where = f"{queue_id} from {mail.peer}" if queue_id else f"from {mail.peer}"
        with self.pipelines.borrow() as pipeline, pipeline.state.unsynced() as written:
            outcome = pipeline.handle(mail.content, source=f"relay {where}", mailbox=self._mailbox(mail.recipients),
                                      arrived=arrived, as_edits=True)
            key = f"sha256:{outcome.sha256}"
            edits = outcome.edits if outcome.edits is not None else quarantined_edits(mail.content)
            verdict = outcome.verdict
            recipients = list(dict.fromkeys(mail.recipients))
            self._record_passed(pipeline, key, outcome, recipients, "milter_accepted", queue_id=queue_id)
        if verdict is not None:
            log.info("relay inbound milter: %s %s %s tier=%s -> %s", where, key, verdict.category, verdict.tier or "-",
                     ", ".join(recipients))
        return MilterAnswer(edits, durable=written.sync)
