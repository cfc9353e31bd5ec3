"""forward: a tier-1 crisis to the escalation addresses, at once, with its evidence.

A new message from [smtp] from: summary first, the original attached unchanged (a redirect
would break its DKIM signature), then every earlier mail about the same order, oldest first.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import gateway_fields
from gateway.judging.blockers import Context, no_escalation_addresses, not_tier1, suspicious
from gateway.judging.claims import claim_amount, claim_reason
from gateway.judging.subject import format_due
from gateway.judging.tagging import CLAIM_ANSWERED_IN
from gateway.judging.trust import authenticated
from gateway.mail import mime
from gateway.mail.headers import msgid_field
from gateway.mail.parse import MailError, parse_mail


def claim_details(text: str) -> dict[str, str]:
    """Amount and reason of a claim or chargeback, when the mail states them: read as the evidence
    pack reads them (gateway.judging.claims), so the forward and the pack say the same."""
    details = {}
    amount = claim_amount(text)
    if amount:
        details["amount"] = amount
    reason = claim_reason(text)
    if reason.found:
        details["reason"] = reason.shown
    return details


def summary(message: dict[str, Any], text: str, sender: str, deadline: datetime | None, timezone_name: Any,
            done: list[str], evidence_count: int, not_attached: list[str] = ()) -> str:
    lines = [
        f"Category:  {message['category']} (tier {message['tier'] or '-'})",
        f"Order:     {message['order_id'] or '-'}" + (f"    Case: {message['case_id']}" if message.get("case_id") else ""),
    ]
    for key, value in claim_details(text).items():
        lines.append(f"{key.capitalize() + ':':<10} {value}")
    if deadline:
        lines.append(f"Due:       {format_due(deadline, timezone_name)}  ({deadline.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC)")
    if message["category"] == "atoz_claim":
        # Amazon's no-reply address reaches nobody: the claim is answered where Amazon reads it
        lines.append(f"Answer in: {CLAIM_ANSWERED_IN}")
    lines += [
        f"From:      {sender}",
        f"Subject:   {message['original_subject']}",
        f"Arrived:   {message['arrival']}",
        "",
        "Already done by the gateway:",
        *[f"  - {item}" for item in done],
        "",
        "The original mail is attached unchanged."
        + (f" {evidence_count} earlier mail(s) about this order follow it, oldest first." if evidence_count
           else " No earlier mail about this order." if not not_attached else ""),
    ]
    if not_attached:
        lines += ["", "Earlier mail about this order, not attached:", *[f"  - {line}" for line in not_attached]]
    return "\n".join(lines) + "\n"


def done_for(job: Job) -> list[str]:
    """What the gateway did or will do for this mail, for the forward's summary."""
    message = job.message
    assert message is not None
    lines = [f"tagged: {message['subject']}"]
    acks = job.queued("acknowledge")
    if acks:
        lines += [f"acknowledgement to the buyer {a['target']}: {'sent' if a['status'] == 'done' else a['status']}" for a in acks]
    else:
        lines.append("buyer not acknowledged: " + "; ".join(_why_not_acknowledged(job)))
    notified = [row["target"] for row in job.queued("notify")]  # "webhook 1", "chat #1a2b3c4d": never a URL
    if notified:
        lines.append(f"notified: {', '.join(notified)}")
    return lines


def _why_not_acknowledged(job: Job) -> list[str]:
    reasons = []
    for row in job.audit("classified", "skipped"):
        if row["kind"] == "skipped":
            reasons.append(row["detail"]["reason"])
        reasons += [line.split(", ", 1)[1] for line in row["detail"].get("trace", []) if line.startswith("acknowledge: not done, ")]
    return reasons or ["the rule wants no acknowledgement for this kind of mail"]


# Attached evidence in all, at most: a forward must pass every smarthost's size limit (10 MB is a
# common one, with the original and base64's growth on top).
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024


def choose_evidence(evidence: list[tuple[dict[str, Any], bytes]], config: Any
                    ) -> tuple[list[tuple[dict[str, Any], bytes]], list[str]]:
    """(mails to attach, lines naming those left out). Only mail whose sender is authenticated
    (gateway.judging.trust.authenticated: a trusted Authentication-Results passes, or with [trust]
    verify_dkim the gateway verified its DKIM signature) is attached: anyone can write about an order, and
    what they write must not ride along into every forward. Attachments stop at EVIDENCE_MAX_BYTES."""
    attached: list[tuple[dict[str, Any], bytes]] = []
    left_out: list[str] = []
    total = 0
    for row, raw in evidence:
        name = f"{row['arrival'][:16]} from {row.get('from_address') or '?'}: {row.get('original_subject') or ''}"
        try:
            proven = authenticated(parse_mail(raw), config)
        except MailError:
            proven = False
        if not proven:
            left_out.append(f"{name} (sender not authenticated)")
        elif total + len(raw) > EVIDENCE_MAX_BYTES:
            left_out.append(f"{name} ({len(raw):,} bytes, over the {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB for evidence)")
        else:
            attached.append((row, raw))
            total += len(raw)
    return attached, left_out


class Forward(Action):
    NAME = "forward"
    FROM_RULES = True
    BLOCKERS = (suspicious, not_tier1, no_escalation_addresses)
    NEEDS_MESSAGE = True
    HELD_WHEN_LATE = True
    URGENCY = Urgency.CRISIS

    def plan(self, ctx: Context) -> dict[str, Any]:
        return {"to": list(ctx.config.escalation_addresses(ctx.category))}

    def compose(self, job: Job) -> Outgoing:
        config, row, message = job.config, job.row, job.message
        assert config.smtp is not None and message is not None
        raw = job.raw()
        attached, not_attached = choose_evidence(job.evidence(), config)
        parsed = parse_mail(raw)
        deadline = datetime.fromisoformat(message["deadline"]) if message.get("deadline") else None
        sender = f"{parsed.from_name} <{parsed.from_address}>" if parsed.from_name else parsed.from_address
        stated = f"{parsed.subject}\n{parsed.text}"  # what the evidence pack reads a claim's facts from
        text = summary(message, stated, sender, deadline, config.timezone, done_for(job), len(attached), not_attached)
        parts = [mime.text_part(text), mime.attached_mail(raw, "original.eml")]
        for index, (earlier, earlier_raw) in enumerate(attached, start=1):
            parts.append(mime.attached_mail(earlier_raw, f"evidence-{index:02d}-{earlier['arrival'][:10]}.eml"))
        content_type, body = mime.multipart_mixed(parts)
        fields = gateway_fields(config, row, message["subject"], job.now) + [
            ("X-Crisis-Category", message["category"]),
            ("X-Crisis-Order", message["order_id"] or "-"),
        ]
        references = msgid_field("References", message.get("message_id"))
        if references:
            fields.append(references)
        return Outgoing(config.smtp.sender, row["target"].split(","), mime.message(fields, content_type, body))
