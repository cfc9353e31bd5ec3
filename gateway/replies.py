"""A mail the team sends: cleaned of the gateway's marks, and matched to what it answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gateway import ids
from gateway.facts import MailFacts
from gateway.parse import MESSAGE_ID, ParsedMail
from gateway.rewrite import rewrite_headers
from gateway.state import State
from gateway.subject import strip_all_tags
from gateway.text import fold_for_matching



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





_QUOTE_START = re.compile(
    r"(?:on .{0,200} wrote:|am .{0,200} schrieb.{0,80}:|le .{0,200} a ecrit ?:|-{2,} ?original message ?-{2,}|"
    r"-{2,} ?ursprungliche nachricht ?-{2,}|from: .+)$")
_ASIN = re.compile(r"(?<![a-z0-9])(b0[a-z0-9]{8})(?![a-z0-9])")
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
    asins = list(dict.fromkeys(a.upper() for a in _ASIN.findall(own)))
    if len(asins) > 1:
        signs.append(f"{len(asins)} ASINs ({', '.join(asins[:5])})")
    if sum(bool(_NUMBERED.match(line)) for line in own.splitlines()) > 1:
        signs.append("a numbered list of points")
    return signs
