"""Crisis tags in subjects: rendering, idempotent re-tagging, stripping before replies leave."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.mail.text import one_line

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Any tag this gateway writes: "[CRISIS: ...]", "[SUSPECT]", or "[<word> | due ...]" / "[<word>]"
# for the tier-2 words in use. Built per tag-word set, see tag_pattern().
_CRISIS = r"\[CRISIS:[^\[\]]*\]"
_SUSPECT = r"\[SUSPECT\]"


def format_due(deadline: datetime, timezone: ZoneInfo) -> str:
    """'Tue 25 Nov 15:02 CET': English names whatever the locale, so filters work everywhere."""
    local = deadline.astimezone(timezone)
    return f"{_DAYS[local.weekday()]} {local.day:02d} {_MONTHS[local.month - 1]} {local:%H:%M} {local.tzname()}"


def render_tag(word: str, tier: int | None, deadline: datetime | None, timezone: ZoneInfo, suspicious: bool = False) -> str:
    if suspicious:
        return "[SUSPECT]"
    due = f" | due {format_due(deadline, timezone)}" if deadline else ""
    prefix = "CRISIS: " if tier == 1 else ""
    return f"[{prefix}{word}{due}]"


def tag_pattern(words: list[str]) -> re.Pattern[str]:
    """Matches one tag of ours; tier-2 tags are recognised by their words."""
    tier2 = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    alternatives = [_CRISIS, _SUSPECT]
    if tier2:
        alternatives.append(r"\[(?:" + tier2 + r")(?: [^\[\]|]*)?(?: \| due [^\[\]]*)?\]")
    return re.compile("|".join(alternatives))


def strip_leading_tags(subject: str, pattern: re.Pattern[str]) -> str:
    """The subject without the tags this gateway put in front of it."""
    subject = one_line(subject)
    while True:
        match = pattern.match(subject)
        if not match:
            return subject
        subject = subject[match.end():].lstrip()


def strip_all_tags(subject: str, pattern: re.Pattern[str]) -> str:
    """For replies leaving the team: our tags removed wherever they stand ("Re: [CRISIS: ...] ...")."""
    return re.sub(r"\s{2,}", " ", pattern.sub("", one_line(subject))).strip()


def tag_subject(subject: str, tag: str, pattern: re.Pattern[str]) -> str:
    """Idempotent: an old tag of ours is replaced, never stacked."""
    original = strip_leading_tags(subject, pattern)
    return f"{tag} {original}" if original else tag


def keywords(category: str, tier: int | None, suspicious: bool) -> list[str]:
    """IMAP keywords a mail client shows as tags: $CrisisTier1, $CrisisAtozClaim, $CrisisSuspect."""
    if suspicious:
        return ["$CrisisSuspect"]
    words = [f"$CrisisTier{tier}"] if tier else []
    words.append("$Crisis" + "".join(part.capitalize() for part in category.split("_")))
    return words


def _crisis_opening() -> str:
    """What every crisis tag begins with ("[CRISIS"), taken from render_tag itself so that it
    follows the tag's format."""
    word = "\x00"
    return render_tag(word, 1, None, ZoneInfo("UTC")).partition(word)[0].rstrip(": ")


_CRISIS_TAG = re.compile(_CRISIS)
_CRISIS_OPENING = re.compile(re.escape(_crisis_opening()[:1]) + r"\s*" + re.escape(_crisis_opening()[1:]), re.I)


def has_crisis_tag(subject: str) -> bool:
    """A crisis tag, or anything that starts like one, anywhere in the subject."""
    return bool(_CRISIS_OPENING.search(subject))


def without_crisis_tags(subject: str) -> str:
    """For mail the gateway did not judge a crisis: crisis tags of its format removed wherever
    they stand, any other opening of one ("[crisis urgent]") defused by its bracket and case, so
    that only the gateway puts mail into a CRISIS filter."""
    subject = re.sub(r"\s{2,}", " ", _CRISIS_TAG.sub("", one_line(subject))).strip()
    return _CRISIS_OPENING.sub(lambda m: "(" + m.group(0)[1:].lower(), subject)
