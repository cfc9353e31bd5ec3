"""Apply a verdict to the mail bytes: tagged Subject and X-Crisis-* headers, body untouched."""

from __future__ import annotations

import hashlib

from gateway.judging.subject import has_crisis_tag
from gateway.judging.verdict import Verdict
from gateway.mail.parse import decode_header_text
from gateway.mail.rewrite import HeaderChange, first_field_value, rewrite


def field_text(raw: bytes, name: str) -> str:
    """The first field of that name as written, raw 8-bit bytes kept as surrogates ('' if none)."""
    value = first_field_value(raw, name)
    return value.decode("ascii", "surrogateescape") if value is not None else ""


def subject_of(raw: bytes) -> str:
    """The mail's Subject as written, decoded."""
    return decode_header_text(field_text(raw, "Subject"))

# Amazon sends claims from a no-reply address: a reply to the mail reaches nobody.
CLAIM_ANSWERED_IN = ("Seller Central, Performance > A-to-z Guarantee claims (a reply to this mail goes to "
                     "Amazon's no-reply address and reaches nobody)")


def crisis_headers(verdict: Verdict) -> list[tuple[str, str]]:
    headers = [
        ("X-Crisis-Category", verdict.category),
        ("X-Crisis-Tier", str(verdict.tier) if verdict.tier else "none"),
        ("X-Crisis-Verified", verdict.verified),
    ]
    if verdict.suspicious:
        headers.append(("X-Crisis-Suspicious", "yes"))
    if verdict.deadline:
        headers.append(("X-Crisis-Deadline", verdict.deadline.isoformat()))
    if verdict.order_id:
        headers.append(("X-Crisis-Order", verdict.order_id))
    if verdict.case_id:
        headers.append(("X-Crisis-Case", verdict.case_id + (f" {verdict.case_status}" if verdict.case_status else "")))
    if verdict.rule:
        headers.append(("X-Crisis-Rule", verdict.rule))
    if verdict.category == "atoz_claim" and not verdict.suspicious:
        headers.append(("X-Crisis-Answer-In", CLAIM_ANSWERED_IN))
    # Lets the gateway find its own copy again after a crash (IMAP SEARCH HEADER): a short hex
    # token, never encoded or quoted, whatever the Message-ID looks like.
    headers.append(("X-Crisis-Key", key_token(verdict.message_key)))
    return headers


def key_token(message_key: str) -> str:
    return hashlib.sha256(message_key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def verdict_change(raw: bytes, verdict: Verdict) -> HeaderChange:
    """What the tagged copy changes. Every X-Crisis-* field the mail came with is dropped first:
    only the gateway writes them, so a sender cannot forge a verdict."""
    tag = verdict.action("tag")
    if tag is None and verdict.tier != 1 and has_crisis_tag(verdict.subject + " " + subject_of(raw)):
        # a crisis tag the gateway did not write: the subject goes without it (see classify)
        return HeaderChange({"X-Crisis-*": None, "Subject": verdict.subject},
                            (("X-Crisis-Original-Subject", verdict.original_subject),))
    if tag is None:
        return HeaderChange({"X-Crisis-*": None})
    replace: dict[str, str | None] = {"X-Crisis-*": None}
    if tag.detail.get("subject_tagged", True):  # [tags] subject = false: the Subject stays as it came
        replace["Subject"] = tag.detail["subject"]
    return HeaderChange(replace, (*crisis_headers(verdict), ("X-Crisis-Original-Subject", verdict.original_subject)))


def apply_verdict(raw: bytes, verdict: Verdict) -> bytes:
    """The tagged copy (see verdict_change)."""
    return rewrite(raw, verdict_change(raw, verdict))
