"""Order ids, case ids, the buyer's own words and deadlines stated in a mail."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from gateway.mail.text import fold_for_matching

ORDER_ID = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")
# An ASIN in text passed through fold_for_matching (lowercased): B0 and eight letters or digits.
ASIN = re.compile(r"(?<![a-z0-9])(b0[a-z0-9]{8})(?![a-z0-9])")
# Reply and forward prefixes, left out of a notice's subject before it names the notice
_REPLY_PREFIX = re.compile(r"^(?:(?:re|aw|fw|fwd|wg|tr|sv|vs|rv|odp|r)\s*:\s*)+")
# Seller Central case ids have 11 digits, Vendor Central ones 10; both appear after a word for
# "case" in the marketplace language, in "[CASE n]" subjects, or in the case-log link.
_CASE_WORDS = (
    r"case|case id|case-id|fall|fallnummer|cas|dossier|caso|zaak|sprawa|sprawy|sprawie|zgloszenie|"
    r"arende|arendet|vaka|talep|destek kaydı kimligi|destek kaydı|kayıt|ケース|お問い合わせ|問い合わせ"
)
CASE_ID = re.compile(
    r"(?:caseid=|\[case ?#? ?|(?<!\w)(?:" + _CASE_WORDS + r")[ -]{0,3}(?:id|nr\.?|no\.?|n°|n\.|numero|number|nummer|番号)?[ ]{0,3}[:#：]?[ ]{0,3})"
    r"(\d{10,11})(?!\d)"
)
# "------------- Begin message -------------": judged line by line, on short lines only, so that
# a hostile body of one endless dashed line costs linear time.
_MARKER_LINE = re.compile(r"[ \t]*-{3,}[^\n-][^\n]{0,78}?-{3,}[ \t]*")

# "within 48 hours", "innerhalb von 3 Kalendertagen", "entro 3 giorni", "48時間以内" ...
_WITHIN = (
    r"within|innerhalb von|innerhalb|binnen|sous|dans les|dans un delai de|d'ici|entro|en un plazo de|"
    r"en el plazo de|dentro de|en los proximos|w ciagu|w terminie|inom|em ate|no prazo de"
)
_HOURS = r"hours?|hrs?|stunden?|heures?|ore|ora|horas?|uur|godzin[ya]?|timm(?:ar|e)|saat"
_DAYS = (
    r"(?:calendar |business |working )?days?|(?:kalender|werk|arbeits)?tage?n?|jours?(?: calendaires| ouvres)?|"
    r"giorni(?: di calendario| lavorativi)?|giorno|dias?(?: naturales| habiles| corridos| uteis)?|"
    r"(?:kalender|werk)?dag(?:en)?|dni|dagar|gun"
)
# Each form: a pattern whose groups are (amount, unit). Languages put "within" before the number
# (EN, DE, FR, ...), after the unit (TR "24 saat içinde", JA "48時間以内") or before it (AR).
STATED_WITHIN = (
    re.compile(r"(?<!\w)(?:" + _WITHIN + r")\s+(\d{1,3})\s*(" + _HOURS + r"|" + _DAYS + r")(?!\w)"),
    re.compile(r"(\d{1,3})\s*(時間|日|営業日)以内"),
    re.compile(r"(?<!\w)(\d{1,3})\s*(saat|gun|is gunu)\s+(?:icinde|icerisinde)(?!\w)"),
    re.compile(r"خلال\s*(\d{1,3})\s*(ساعة|ساعات|يوم|أيام|ايام)"),
)
_HOUR_UNITS = re.compile(r"(?:" + _HOURS + r"|時間|ساعة|ساعات)")


def _first(pattern: re.Pattern[str], folded_subject: str, folded_text: str) -> str | None:
    """The subject names the id the mail is about; the body may also quote other ones."""
    for source in (folded_subject, folded_text):
        match = pattern.search(source)
        if match:
            return match.group(1)
    return None


# ORDER_ID's leading lookbehind keeps the regex engine from skipping ahead to the digits: over a
# whole body it searches twice as slowly as this form, whose left edge order_id checks itself.
_ORDER_ID_RIGHT_EDGE = re.compile(r"\d{3}-\d{7}-\d{7}(?![\d-])")


def _first_order_id(text: str) -> str | None:
    """ORDER_ID.search(text)'s id. A candidate after a digit or "-" is no id, and none can start
    inside it (every character there follows a digit or "-"), so skipping it misses nothing."""
    for match in _ORDER_ID_RIGHT_EDGE.finditer(text):
        start = match.start()
        if start == 0 or not (text[start - 1] == "-" or text[start - 1].isdecimal()):
            return match.group(0)
    return None


def order_id(folded_subject: str, folded_text: str) -> str | None:
    """From text already passed through fold_for_matching (full-width digits made ASCII)."""
    return _first_order_id(folded_subject) or _first_order_id(folded_text)


def case_id(folded_subject: str, folded_text: str) -> str | None:
    return _first(CASE_ID, folded_subject, folded_text)


def notice_reference(folded_subject: str, folded_text: str) -> str:
    """The reference of an account-health notice: the ASIN it is about, else its case id, else
    one made from its subject without reply prefixes ("notice-" and 12 hex digits), the same for
    every mail about the same notice. From text passed through fold_for_matching."""
    asin = _first(ASIN, folded_subject, folded_text)
    if asin:
        return asin.upper()
    case = case_id(folded_subject, folded_text)
    if case:
        return case
    subject = " ".join(_REPLY_PREFIX.sub("", folded_subject.strip()).split())
    return "notice-" + hashlib.sha256(subject.encode()).hexdigest()[:12]


def buyer_text(text: str) -> str:
    """The buyer's own message inside Amazon's relay frame (between the dashed marker lines)."""
    lines = text.splitlines()
    markers = [i for i, line in enumerate(lines) if len(line) <= 200 and _MARKER_LINE.fullmatch(line)]
    if len(markers) >= 2:
        return "\n".join(lines[markers[0] + 1 : markers[1]]).strip()
    return text


def stated_window(text: str) -> tuple[timedelta, str] | None:
    """The shortest response window the mail states, with the words that stated it."""
    folded = fold_for_matching(text)
    best: tuple[timedelta, str] | None = None
    for pattern in STATED_WITHIN:
        for match in pattern.finditer(folded):
            amount, unit = int(match.group(1)), match.group(2)
            if amount == 0:
                continue
            window = timedelta(hours=amount) if _HOUR_UNITS.fullmatch(unit) else timedelta(days=amount)
            if best is None or window < best[0]:
                best = (window, match.group(0))
    return best
