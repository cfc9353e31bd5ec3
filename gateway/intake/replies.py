"""A mail the team sends: cleaned of the gateway's marks, and matched to what it answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import getaddresses
from typing import Any

from gateway.judging import ids, obligations
from gateway.judging.facts import MailFacts
from gateway.judging.marketplaces import is_amazon_address, is_buyer_address
from gateway.judging.obligations import reply_events
from gateway.judging.subject import strip_all_tags
from gateway.mail.parse import MESSAGE_ID, ParsedMail
from gateway.mail.rewrite import rewrite_headers
from gateway.mail.text import fold_for_matching, one_line
from gateway.state import State

REPLY = "reply"  # `relayed` rows by Message-ID: a reply seen once, through the relay or in Sent


def clean_for_outside(raw: bytes, mail: ParsedMail | None, tag_pattern: re.Pattern[str]) -> bytes:
    """Every X-Crisis-* field removed; the Subject rewritten only when it carries a tag of ours,
    so an untagged mail keeps its header bytes (and any signature over them) as they were."""
    replace: dict[str, str | None] = {"X-Crisis-*": None}
    if mail is not None and tag_pattern.search(mail.subject):
        replace["Subject"] = strip_all_tags(mail.subject, tag_pattern)
    return rewrite_headers(raw, replace)


def referenced_ids(mail: ParsedMail) -> list[str]:
    """In-Reply-To first, then References from the newest back."""
    found = MESSAGE_ID.findall(mail.header("In-Reply-To"))
    found += reversed(MESSAGE_ID.findall(" ".join(mail.header_all("References"))))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Answered:
    message: dict[str, Any] | None    # the mail answered, when In-Reply-To/References name one we know
    order_id: str | None
    matched_by: str                   # "in-reply-to", "references", "order id" or "nothing"


def answered(state: State, mail: ParsedMail) -> Answered:
    references = referenced_ids(mail)
    for number, message_id in enumerate(references):
        message = state.message_by_id(message_id)
        if message is not None:
            how = "in-reply-to" if number == 0 and mail.header("In-Reply-To") else "references"
            return Answered(message, message.get("order_id"), how)
    order = MailFacts(mail).order_id
    return Answered(None, order, "order id" if order else "nothing")


def header_recipients(mail: ParsedMail) -> list[str]:
    """To, Cc and Bcc of a mail as written (a Sent copy has no envelope), without duplicates."""
    pairs = getaddresses([one_line(v) for name in ("To", "Cc", "Bcc") for v in mail.header_all(name)])
    return list(dict.fromkeys(address for _, address in pairs if "@" in address))


@dataclass(frozen=True)
class Judgement:
    """What a mail the team sent answers, and what it does to the clocks."""

    found: Answered
    case_id: str | None
    stop: str | None            # why the order's clocks of `clocks` stop; None: they keep running
    case_reply: bool            # written to Amazon about a case: the case waits for Amazon again
    note: str | None = None     # why the clocks keep running
    clocks: tuple[str, ...] = ()  # the keys of the clocks it stops: a reply to the buyer only the buyer's

    @property
    def related(self) -> bool:
        """About an order, a case or a mail the gateway knows."""
        return bool(self.found.order_id or self.found.message or self.case_id)


def judge(state: State, mail: ParsedMail, recipients: list[str], sent_at: datetime | None = None) -> Judgement:
    """A mail the team sent stops the clocks of the order it answers that its recipients stand
    for (see gateway/data/obligations.toml): to the buyer who wrote (or a buyer's relay address)
    the buyer's clock, to Amazon (not a buyer's relay address) the claim's and the chargeback's.
    Never an auto-reply (Amazon does not count those), never a clock opened after it was sent."""
    found = answered(state, mail)
    message = found.message or {}
    buyer = (message.get("from_address") or "").lower()
    answering = [r for r in recipients if is_buyer_address(r, buyer) or is_amazon_address(r)]
    case_id = message.get("case_id") or ids.case_id(fold_for_matching(mail.subject), own_words(mail.text))
    case_reply = bool(case_id) and any(is_amazon_address(r) for r in answering) and not mail.auto_submitted
    if not found.order_id:
        return Judgement(found, case_id, None, case_reply)
    if not answering:
        return Judgement(found, case_id, None, case_reply, "kept running: not sent to the buyer or Amazon")
    if mail.auto_submitted:
        return Judgement(found, case_id, None, case_reply, "kept running: an auto-reply is no answer")
    keys = [obligations.order_key(found.order_id, name)
            for event in reply_events(answering, buyer) for name in obligations.stopped_by(event)]
    if sent_at is not None:
        opened = {key: (state.clock(key) or {}).get("opened_at") for key in keys}
        later = [key for key, at in opened.items() if at and sent_at < datetime.fromisoformat(at)]
        keys = [key for key in keys if key not in later]
        if later and not keys:
            return Judgement(found, case_id, None, case_reply, "kept running: the mail was sent before the clock opened")
    return Judgement(found, case_id, f"reply sent by the team ({mail.message_id or 'no Message-ID'})", case_reply,
                     clocks=tuple(keys))


def record_reply(state: State, mail: ParsedMail, judgement: Judgement, *, direction: str, key: str,
                 recipients: list[str], detail: dict[str, Any], tag_pattern: re.Pattern[str],
                 subject_sent: str | None = None) -> bool:
    """Record a mail the team sent, its clock stop and its Message-ID (so that a copy met again in
    the Sent folder is known), in one transaction. True when a clock was stopped. The audit row
    has the subject as it went out: `subject_sent` (a Sent copy went as it is), else without our
    tags (the outbound relay removed them)."""
    found = judgement.found
    subject = subject_sent if subject_sent is not None else strip_all_tags(mail.subject, tag_pattern)
    detail.update(subject=subject, message_id=mail.message_id, matched_by=found.matched_by)
    if judgement.note:
        detail["clock_note"] = judgement.note  # why no clock stopped ("clock" names a clock's key)
    if judgement.stop:
        # a clock not open yet (its mail still unread in the inbox) is stopped as it opens: see Clocks
        detail.update(stops=list(judgement.clocks), stop_reason=judgement.stop)
    with state.transaction():
        if mail.message_id:
            state.mark_relayed(REPLY, mail.message_id, recipients, datetime.now(timezone.utc))
        return state.record_relayed(
            direction, key, recipients, "reply_sent" if judgement.related else "sent", detail,
            message_key=(found.message or {}).get("key"), order_id=found.order_id, case_id=judgement.case_id,
            stop_clock=judgement.stop, stop_keys=judgement.clocks, case_reply=judgement.case_reply,
        )


_QUOTE_START = re.compile(
    r"(?:on .{0,200} wrote:|am .{0,200} schrieb.{0,80}:|le .{0,200} a ecrit ?:|-{2,} ?original message ?-{2,}|"
    r"-{2,} ?ursprungliche nachricht ?-{2,}|from: .+)$")
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}[.)]|\(\d{1,2}\))\s+\S", re.M)


def own_words(text: str) -> str:
    """The writer's own text: quoted lines and the quoted mail below "On ... wrote:" left out."""
    own = []
    for line in text.splitlines():
        folded = fold_for_matching(line)
        if _QUOTE_START.match(folded):
            break
        if not line.lstrip().startswith(">"):
            own.append(folded)
    return "\n".join(own)


def problems_named(own: str) -> list[str]:
    """Signs that the writer's own words (see own_words) raise several problems: more than one
    order id or ASIN, or a numbered list. Empty when it looks like one problem."""
    signs = []
    orders = list(dict.fromkeys(ids.ORDER_ID.findall(own)))
    if len(orders) > 1:
        signs.append(f"{len(orders)} orders ({', '.join(orders[:5])})")
    asins = list(dict.fromkeys(a.upper() for a in ids.ASIN.findall(own)))
    if len(asins) > 1:
        signs.append(f"{len(asins)} ASINs ({', '.join(asins[:5])})")
    if sum(bool(_NUMBERED.match(line)) for line in own.splitlines()) > 1:
        signs.append("a numbered list of points")
    return signs
