"""Apply a verdict to the mail bytes: tagged Subject and X-Crisis-* headers, body untouched."""

from __future__ import annotations

import hashlib

from gateway.judging.verdict import Verdict
from gateway.mail.rewrite import rewrite_headers

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


def apply_verdict(raw: bytes, verdict: Verdict) -> bytes:
    """The tagged copy. Every X-Crisis-* field the mail came with is dropped first: only the
    gateway writes them, so a sender cannot forge a verdict."""
    tag = verdict.action("tag")
    if tag is None:
        return rewrite_headers(raw, {"X-Crisis-*": None})
    replace: dict[str, str | None] = {"X-Crisis-*": None}
    if tag.detail.get("subject_tagged", True):  # [tags] subject = false: the Subject stays as it came
        replace["Subject"] = tag.detail["subject"]
    return rewrite_headers(
        raw, replace, add_on_top=crisis_headers(verdict) + [("X-Crisis-Original-Subject", verdict.original_subject)],
    )
