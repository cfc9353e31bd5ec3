"""The mail the gateway writes: forwards of crises to the escalation team, acknowledgements to buyers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from gateway.config import Config
from gateway.judging.subject import format_due
from gateway.mail import mime
from gateway.mail.headers import X_LOOP, address_field, msgid_field
from gateway.mail.parse import parse_mail

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|odp|ynt|r|rif|antw|ref|回复|答复|رد)\s*:\s*)+", re.I)
_AMOUNT = re.compile(r"(?:[$€£¥₹]|R\$|zł|kr|TL|AED|SAR|EGP) ?\d[\d.,]{0,15}|(?<![\d.,])\d[\d.,]{0,15} ?(?:€|EUR|USD|GBP|zł|PLN|kr|SEK|TL|TRY|¥|円|AED|SAR|EGP|INR)")
_REASON = re.compile(
    r"(?:claim reason|reason given|reason|grund|angegebener grund|motif|motivo|reden|powód|anledning|理由|sebep)\s*[:：]\s*([^\n.]{3,120})",
    re.I,
)


@dataclass(frozen=True)
class Outgoing:
    sender: str
    recipients: list[str]
    data: bytes


def claim_details(text: str) -> dict[str, str]:
    """Amount and reason of a claim or chargeback, when the mail states them."""
    details = {}
    amount = _AMOUNT.search(text)
    if amount:
        details["amount"] = amount.group(0).strip()
    reason = _REASON.search(text)
    if reason:
        details["reason"] = reason.group(1).strip()
    return details


def _common(message_id: str, now: datetime) -> list[tuple[str, str] | str]:
    return [("Date", mime.date(now)), msgid_field("Message-ID", message_id), ("X-Loop", X_LOOP)]


def _references(value: str | None) -> list[str]:
    fields = [msgid_field("In-Reply-To", value), msgid_field("References", value)]
    return [f for f in fields if f]


def forward(config: Config, row: dict[str, Any], message: dict[str, Any], raw: bytes,
            evidence: list[tuple[dict[str, Any], bytes]], done: list[str], now: datetime | None = None) -> Outgoing:
    """A new message from [smtp] from: summary first, the original attached unchanged (a redirect
    would break its DKIM signature), then every earlier mail about the same order, oldest first."""
    now = now or datetime.now(timezone.utc)
    assert config.smtp is not None
    recipients = row["target"].split(",")
    parsed = parse_mail(raw)
    deadline = datetime.fromisoformat(message["deadline"]) if message.get("deadline") else None
    lines = [
        f"Category:  {message['category']} (tier {message['tier'] or '-'})",
        f"Order:     {message['order_id'] or '-'}" + (f"    Case: {message['case_id']}" if message.get("case_id") else ""),
    ]
    for key, value in claim_details(parsed.text).items():
        lines.append(f"{key.capitalize() + ':':<10} {value}")
    if deadline:
        lines.append(f"Due:       {format_due(deadline, config.timezone)}  ({deadline.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC)")
    lines += [
        f"From:      {parsed.from_name} <{parsed.from_address}>" if parsed.from_name else f"From:      {parsed.from_address}",
        f"Subject:   {message['original_subject']}",
        f"Arrived:   {message['arrival']}",
        "",
        "Already done by the gateway:",
        *[f"  - {item}" for item in done],
        "",
        "The original mail is attached unchanged."
        + (f" {len(evidence)} earlier mail(s) about this order follow it, oldest first." if evidence else " No earlier mail about this order."),
    ]
    parts = [mime.text_part("\n".join(lines) + "\n"), mime.attached_message(raw, "original.eml")]
    for index, (earlier, earlier_raw) in enumerate(evidence, start=1):
        parts.append(mime.attached_message(earlier_raw, f"evidence-{index:02d}-{earlier['arrival'][:10]}.eml"))
    content_type, body = mime.multipart_mixed(parts)
    fields = [
        address_field("From", "Crisis Gateway", config.smtp.sender),
        ("To", ", ".join(recipients)),
        ("Subject", message["subject"]),
        *_common(row["message_id"], now),
        ("Auto-Submitted", "auto-generated"),
        ("X-Crisis-Category", message["category"]),
        ("X-Crisis-Order", message["order_id"] or "-"),
    ]
    references = msgid_field("References", message.get("message_id"))
    if references:
        fields.append(references)
    return Outgoing(config.smtp.sender, recipients, mime.message(fields, content_type, body))


def _environment(directory: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(directory)), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, autoescape=False,
    )


def _render(directory: Path, name: str, variables: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of a text template whose first line is 'Subject: ...'."""
    text = _environment(directory).get_template(name).render(**variables)
    subject_line, _, body = text.partition("\n")
    if not subject_line.startswith("Subject:"):
        raise ValueError(f"template {directory.name}/{name} must start with a 'Subject:' line")
    return subject_line[len("Subject:"):].strip(), body.lstrip("\n")


def _text_mail(fields: list[tuple[str, str] | str], body: str) -> bytes:
    return mime.message(fields, "text/plain; charset=utf-8", mime.text_payload(body),
                        extra=[("Content-Transfer-Encoding", "base64")])


def acknowledgement(config: Config, row: dict[str, Any], message: dict[str, Any], raw: bytes,
                    in_reply_to: str | None, now: datetime | None = None) -> Outgoing:
    """The immediate reply to a buyer, in the buyer's language; English when no template fits.
    RFC 3834: Auto-Submitted: auto-replied, and In-Reply-To/References of the buyer's own mail."""
    now = now or datetime.now(timezone.utc)
    assert config.smtp is not None
    language = json.loads(row["payload"]).get("language") or "en"
    directory = config.templates_dir / "acknowledge"
    if not (directory / f"{language}.txt.j2").exists():
        language = "en"
    parsed = parse_mail(raw)
    # The relay writes the buyer as "Name - Amazon Marketplace"; only the name is theirs.
    buyer_name = parsed.from_name.split(" - ")[0].strip() if parsed.from_address == row["target"] and " - " in parsed.from_name else ""
    subject, body = _render(directory, f"{language}.txt.j2", dict(
        buyer_name=buyer_name, order_id=message.get("order_id") or "", shop_name=config.acknowledge.shop_name,
        reply_within_hours=config.acknowledge.reply_within_hours,
        original_subject=_REPLY_PREFIX.sub("", message["original_subject"]),
    ))
    fields = [
        address_field("From", config.acknowledge.shop_name, config.smtp.sender),
        ("To", row["target"]),
        ("Subject", subject),
        *_common(row["message_id"], now),
        ("Auto-Submitted", "auto-replied"),
    ]
    fields += _references(in_reply_to)
    return Outgoing(config.smtp.sender, [row["target"]], _text_mail(fields, body))


def time_left(deadline: datetime, now: datetime) -> str:
    """'5 h 20 min', '2 h 05 min overdue', or from two days on '5 d 10 h'."""
    seconds = int((deadline - now).total_seconds())
    minutes = abs(seconds) // 60
    if minutes >= 48 * 60:
        text = f"{minutes // 1440} d {minutes % 1440 // 60} h"
    else:
        text = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    return text + (" overdue" if seconds < 0 else "")


def reminder(config: Config, row: dict[str, Any], message: dict[str, Any], now: datetime | None = None) -> Outgoing:
    """A step of the reminder ladder, a case's follow-up, or a warning about an outgoing case mail,
    to the team: from templates/reminder/."""
    now = now or datetime.now(timezone.utc)
    payload = json.loads(row["payload"])
    if row["kind"] == "warn":
        variables = dict(case_id=payload["case_id"], subject=payload["subject"], signs=payload["signs"])
        return _team_mail(config, row, "one_case.txt.j2", variables, "case", now)
    if row["kind"] in ("reopen", "nudge"):
        variables = dict(
            kind=row["kind"], case_id=payload["case_id"], original_subject=message.get("original_subject", ""),
            closed_at=_local(payload.get("closed_at"), config), reopen_by=_local(payload.get("reopen_by"), config),
            silent_since=_local(payload.get("silent_since"), config), every=f"{config.cases.nudge_hours:g} hours",
            silent_for=time_left(now, datetime.fromisoformat(payload["silent_since"])) if payload.get("silent_since") else "",
        )
        return _team_mail(config, row, "case.txt.j2", variables, payload["category"], now)
    deadline = datetime.fromisoformat(payload["deadline"])
    clock = payload["clock"]
    variables = dict(
        kind=row["kind"], step=payload["step"], late=payload["late"], subject=message["subject"],
        category=payload["category"], tier=message.get("tier"), order_id=message.get("order_id") or "",
        case_id=clock.removeprefix("case:") if clock.startswith("case:") else "",
        due_local=format_due(deadline, config.timezone), due_utc=f"{deadline.astimezone(timezone.utc):%Y-%m-%d %H:%M}",
        time_left=time_left(deadline, now), opened_at=message.get("arrival", ""),
        original_subject=message.get("original_subject", ""),
        step_due=format_due(deadline - timedelta(hours=payload["hours"]), config.timezone),
    )
    return _team_mail(config, row, "en.txt.j2", variables, payload["category"], now, step=payload["step"])


def _local(stamp: str | None, config: Config) -> str:
    return format_due(datetime.fromisoformat(stamp), config.timezone) if stamp else ""


def _team_mail(config: Config, row: dict[str, Any], template: str, variables: dict[str, Any], category: str,
               now: datetime, step: str = "") -> Outgoing:
    assert config.smtp is not None
    subject, body = _render(config.templates_dir / "reminder", template, variables)
    recipients = row["target"].split(",")
    fields = [
        address_field("From", "Crisis Gateway", config.smtp.sender),
        ("To", ", ".join(recipients)),
        ("Subject", subject),
        *_common(row["message_id"], now),
        ("Auto-Submitted", "auto-generated"),
        ("X-Crisis-Category", category),
        ("X-Crisis-Reminder", f"{row['kind']} {step}".strip()),
    ]
    return Outgoing(config.smtp.sender, recipients, _text_mail(fields, body))


def digest(config: Config, row: dict[str, Any], now: datetime | None = None) -> Outgoing:
    """The daily digest as queued (see gateway.digest): text and HTML alternatives."""
    now = now or datetime.now(timezone.utc)
    assert config.smtp is not None
    payload = json.loads(row["payload"])
    recipients = row["target"].split(",")
    content_type, body = mime.multipart_mixed([mime.text_part(payload["text"]), mime.text_part(payload["html"], "html")],
                                              "alternative")
    fields = [
        address_field("From", "Crisis Gateway", config.smtp.sender),
        ("To", ", ".join(recipients)),
        ("Subject", payload["subject"]),
        *_common(row["message_id"], now),
        ("Auto-Submitted", "auto-generated"),
        ("X-Crisis-Digest", "daily"),
    ]
    return Outgoing(config.smtp.sender, recipients, mime.message(fields, content_type, body))
