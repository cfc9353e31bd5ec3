"""Crisis tags in subjects: rendering, idempotent re-tagging, stripping before replies leave."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from gateway.mail.text import one_line

if TYPE_CHECKING:  # rules import the actions, and the tag action imports this module
    from gateway.config import Config
    from gateway.judging.rules import Rule

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Any tag this gateway writes: "[CRISIS: ...]", "[CRISIS OVERDUE: ...]", "[SUSPECT]", or for the
# tier-2 words in use "[<word> by ...]" / "[<word>]", and the closed forms "[Answered: <word>]".
# The older long forms ("[CRISIS: A-to-Z | due Tue 25 Nov 15:02 CET]", "[Buyer | due ...]") are
# matched too, so a mail tagged before is re-tagged, never tagged twice. Built per tag-word set,
# see tag_pattern().
_CRISIS = r"\[CRISIS(?: OVERDUE)?:[^\[\]]*\]"
_SUSPECT = r"\[SUSPECT\]"
# What a tag says of the clock its mail follows; "open" is the first tag's, with the due time.
TAG_STATES = ("open", "overdue", "answered", "decided", "resolved")
_CLOSED_WORDS = {"answered": "Answered", "decided": "Decided", "resolved": "Resolved"}
_STATE_PREFIXES = "OVERDUE|" + "|".join(_CLOSED_WORDS.values())


def format_due(deadline: datetime, timezone: ZoneInfo) -> str:
    """'Tue 25 Nov 15:02 CET': English names whatever the locale, so filters work everywhere."""
    local = deadline.astimezone(timezone)
    return f"{_DAYS[local.weekday()]} {local.day:02d} {_MONTHS[local.month - 1]} {local:%H:%M} {local.tzname()}"


def compact_due(deadline: datetime, timezone: ZoneInfo, since: datetime | None = None) -> str:
    """'Wed 15:02' within the week that starts on the day of `since` (the mail's arrival: the
    index's date column shows it, so the weekday is never read as a week later), '2 Dec 15:02'
    beyond it. In the team's timezone; the X-Crisis-Deadline field carries the exact instant."""
    local = deadline.astimezone(timezone)
    days = (local.date() - (since or deadline).astimezone(timezone).date()).days
    if 0 <= days < 7:
        return f"{_DAYS[local.weekday()]} {local:%H:%M}"
    return f"{local.day} {_MONTHS[local.month - 1]} {local:%H:%M}"


def tag_word(config: Config, rule: Rule | None, category: str, case_status: str | None) -> str:
    """The word of a mail's tag: the rule's, else the category's ([tags] words), with a case's
    status ("Case opened"). The first tag and every later one of the same mail use it."""
    word = rule.tag if rule is not None and rule.tag else config.tag_word(category)
    if category == "case" and case_status:
        word = f"{word} {case_status}"
    return word


def render_tag(word: str, tier: int | None, deadline: datetime | None, timezone: ZoneInfo, suspicious: bool = False,
               since: datetime | None = None, state: str = "open") -> str:
    """The tag for a mail in `state` (see TAG_STATES): about 30 characters, so the real subject
    still shows in an 80-column index. Tier 1 starts with "[CRISIS" while work is left
    ("[CRISIS: A-to-Z by Wed 15:02]", "[CRISIS OVERDUE: A-to-Z]"); a closed tag never does
    ("[Answered: A-to-Z]"), so a filter on "CRISIS" shows only what still needs work."""
    if suspicious:
        return "[SUSPECT]"
    if state in _CLOSED_WORDS:
        return f"[{_CLOSED_WORDS[state]}: {word}]"
    if state == "overdue":
        return f"[CRISIS OVERDUE: {word}]" if tier == 1 else f"[OVERDUE: {word}]"
    due = f" by {compact_due(deadline, timezone, since)}" if deadline else ""
    prefix = "CRISIS: " if tier == 1 else ""
    return f"[{prefix}{word}{due}]"


def tag_pattern(words: list[str]) -> re.Pattern[str]:
    """Matches one tag of ours; tier-2 tags are recognised by their words."""
    tier2 = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    alternatives = [_CRISIS, _SUSPECT]
    if tier2:
        alternatives.append(r"\[(?:(?:" + _STATE_PREFIXES + r"): )?(?:" + tier2 + r")(?: [^\[\]|]*)?(?: \| due [^\[\]]*)?\]")
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


def keywords(category: str, tier: int | None, suspicious: bool, follows: bool = False) -> list[str]:
    """IMAP keywords a mail client shows as tags: $CrisisTier1, $CrisisAtozClaim, $CrisisSuspect;
    with `follows` (the mail has a clock) the state keyword $CrisisOpen too."""
    if suspicious:
        return ["$CrisisSuspect"]
    words = [f"$CrisisTier{tier}"] if tier else []
    words.append("$Crisis" + "".join(part.capitalize() for part in category.split("_")))
    if follows:
        words.append(state_keyword("open"))
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


def state_keyword(state: str) -> str:
    """$CrisisOpen, $CrisisOverdue, $CrisisAnswered, $CrisisDecided, $CrisisResolved."""
    return "$Crisis" + state.capitalize()


def labels(word: str, tier: int | None, state: str = "open", suspicious: bool = False) -> list[str]:
    """Gmail labels for a tagged mail (where the server offers X-GM-EXT-1): "CRISIS" and
    "CRISIS/A-to-Z" while a tier-1 crisis needs work (and "CRISIS/Overdue" once late), only
    "Crisis Gateway/Answered" once done, so the label CRISIS shows open work, as the subject does."""
    if suspicious:
        return ["Crisis Gateway/Suspect"]
    if state in _CLOSED_WORDS:
        return [f"Crisis Gateway/{_CLOSED_WORDS[state]}"]
    if tier != 1:
        return [f"Crisis Gateway/{word}"] + (["Crisis Gateway/Overdue"] if state == "overdue" else [])
    return ["CRISIS", f"CRISIS/{word}"] + (["CRISIS/Overdue"] if state == "overdue" else [])
