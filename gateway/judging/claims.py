"""What a claim mail says about the claim: its reason and its amount, and words of a mail given
back as the mail wrote them.

Matching folds case, accents and widths (fold_for_matching); what is shown never does: an
identifier or a quote is taken from the mail's own text. The wording is data:
gateway/data/claims.toml.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from gateway.judging.ids import ASIN
from gateway.mail.text import fold_for_matching, one_line, phrase_pattern

GENERAL = "general"
# Indian grouping first ("1,23,456.00" on amazon.in), then thousands of three, then plain digits
_NUMBER = (r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?|\d{1,3}(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d{1,2})?"
           r"|\d+(?:[.,]\d{1,2})?")
# A label starts a word of a Latin script (folded to ASCII); in Japanese it follows any word,
# "お客様が選択した理由: ..."
_LABEL_START = r"(?<![a-z0-9])"
_COLONS = ":\uff1a"  # "：", Japanese; NFKC folds it to ":"
STATED_CHARACTERS = 120  # of the words after a reason label: a reason is a phrase, not a paragraph


@dataclass(frozen=True)
class Reason:
    key: str          # not_received, not_as_described, damaged, counterfeit, wrong_item, general
    label: str        # in English, for the summary: "Item not received"
    found: str        # the line of the mail that named it, as written; "" when the mail names none
    stated: str = ""  # the words after a reason label ("Grund: Artikel nicht erhalten"), as written; "" without one

    @property
    def shown(self) -> str:
        """The reason as a summary shows it: its label, with the mail's own words when they say more
        ("Item not received (Artikel nicht erhalten)"); for a reason of no known kind the words
        alone; the label ("Not stated") when the mail states none."""
        if self.key == GENERAL:
            return self.stated or self.label
        if not self.stated or fold_for_matching(self.stated).strip(" .") == fold_for_matching(self.label):
            return self.label
        return f"{self.label} ({self.stated})"


@cache
def _data() -> dict:
    return tomllib.loads(resources.files("gateway.data").joinpath("claims.toml").read_text("utf-8"))


def _labels() -> str:
    return "|".join(re.escape(fold_for_matching(label)) for label in _data()["labels"])


@cache
def _stated_pattern() -> re.Pattern[str]:
    """A reason label, its colon, and the words after it up to the end of the sentence."""
    words = r"([^\s.。][^\n.。]{2,%d})" % (STATED_CHARACTERS - 1)
    return re.compile(_LABEL_START + "(?:" + _labels() + r")\s*:[ \t]*" + words)


@cache
def _reason_patterns() -> tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...]:
    """(key, labelled pattern, anywhere pattern) per reason, in the data's order."""
    data = _data()
    labels = _labels()
    made = []
    for key, reason in data["reason"].items():
        phrases = [fold_for_matching(p) for language, words in reason.items() if language != "label" for p in words]
        anywhere = phrase_pattern(phrases)
        if anywhere is None:
            continue
        labelled = re.compile(_LABEL_START + "(?:" + labels + r")\s*[:：]\s*(?:" + anywhere.pattern + ")")
        made.append((key, labelled, anywhere))
    return tuple(made)


def reason_label(key: str) -> str:
    return _data()["reason"].get(key, _data()["reason"][GENERAL])["label"]


def stated_reason(text: str) -> tuple[str, str]:
    """(the words after the first reason label in `text`, as written and cut at the end of their
    sentence; the line they are on) or ("", "") when no label is followed by words."""
    if _stated_pattern().search(fold_for_matching(text)) is None:
        return "", ""  # the usual case: no line needs folding on its own
    for line in text.splitlines():
        folded = fold_for_matching(line)
        match = _stated_pattern().search(folded)
        if match is None:
            continue
        # the colon before the words is the n-th of the line: folding keeps every colon
        colons = [i for i, c in enumerate(line) if c in _COLONS]
        before = folded[:match.start(1)].count(":")
        if len(colons) < before:  # a colon of some other form: the folded words are still the words
            return one_line(match.group(1)).strip(), one_line(line)
        words = re.split(r"[.。]", line[colons[before - 1] + 1:], maxsplit=1)[0]
        return one_line(words[:STATED_CHARACTERS]).strip(), one_line(line)
    return "", ""


def claim_reason(text: str) -> Reason:
    """The reason `text` names: one after a label ("Claim reason: ...") first, else the first
    reason phrase in the text; general when it names none (with the words after a label when there
    are some: "Reason given: buyer changed their mind")."""
    folded = fold_for_matching(text)
    stated, line = stated_reason(text)
    for wanted in ("labelled", "anywhere"):
        best: tuple[int, str, str] | None = None
        for key, labelled, anywhere in _reason_patterns():
            match = (labelled if wanted == "labelled" else anywhere).search(folded)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), key, match.group(0))
        if best is not None:
            return Reason(best[1], reason_label(best[1]), line_as_written(best[2], text), stated)
    return Reason(GENERAL, reason_label(GENERAL), line if stated else "", stated)


@cache
def _amount_pattern() -> re.Pattern[str]:
    signs = sorted((re.escape(c) for c in _data()["amount"]["currencies"]), key=len, reverse=True)
    currency = "(?:" + "|".join(signs) + ")"
    return re.compile(rf"(?<![\w$]){currency}\s?(?:{_NUMBER})(?!\d)|(?<![\d.,])(?:{_NUMBER})\s?{currency}(?!\w)")


def claim_amount(text: str) -> str | None:
    """The first amount with its currency, as written ("£42.50", "42,50 €"); None without one."""
    match = _amount_pattern().search(unicodedata.normalize("NFKC", text).replace("\u00a0", " "))
    return one_line(match.group(0)) if match else None


def asins(text: str) -> list[str]:
    """The ASINs a mail names, as written ("B0TEST0001"), once each, in order."""
    return list(dict.fromkeys(as_written(m.group(1), text) for m in ASIN.finditer(fold_for_matching(text))))


def as_written(folded: str, text: str) -> str:
    """`folded` (found in fold_for_matching(text)) as `text` writes it: "1z999aa10123456784" back
    to "1Z999AA10123456784". Identifiers are ASCII, so a case-blind search of the text finds
    them; words whose accents were folded away come back as found."""
    match = re.search(re.escape(folded).replace(r"\ ", r"\s+"), unicodedata.normalize("NFKC", text), re.IGNORECASE)
    return match.group(0) if match else folded


def line_as_written(folded: str, text: str, limit: int = 300) -> str:
    """The line of `text` in which `folded` was found (on one line, at most `limit` characters),
    as written; `folded` itself when no one line holds it."""
    head = folded[:40]
    for line in text.splitlines():
        if head and head in fold_for_matching(line):
            line = one_line(line)
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return as_written(folded, text)
