"""Rule conditions: small named classes, each with one `check` that says why it matched.

A condition is built from the value a rule file gives it; a list means "any of these". Adding a
kind of condition means adding a class here and naming it in CONDITIONS.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Callable, ClassVar

from gateway.judging.facts import MailFacts
from gateway.judging.regexset import RegexSet
from gateway.mail.text import fold_for_matching, phrase_pattern


class RuleError(ValueError):
    """A rule file says something that cannot work; the message names what and how to fix it."""


def _string_list(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(f"'{key}' must be a non-empty string or list of non-empty strings")
    return value


class Condition:
    name: ClassVar[str]

    def check(self, facts: MailFacts) -> str | None:
        """A short explanation when the mail matches, None when it does not."""
        raise NotImplementedError


class Sender(Condition):
    """sender = ["amazon" | "amazon_system" | "buyer_relay"]: who sent it, by domain."""

    name = "sender"
    KINDS = ("amazon", "amazon_system", "buyer_relay")

    def __init__(self, value: Any) -> None:
        self.kinds = _string_list(self.name, value)
        unknown = [k for k in self.kinds if k not in self.KINDS]
        if unknown:
            raise RuleError(f"'sender' value {unknown[0]!r} is not one of {', '.join(self.KINDS)}")

    def check(self, facts: MailFacts) -> str | None:
        hit = next((k for k in self.kinds if k in facts.sender_classes), None)
        return f"sender is {hit} ({facts.mail.from_address})" if hit else None


class _Glob(Condition):
    def __init__(self, value: Any) -> None:
        self.patterns = [p.lower() for p in _string_list(self.name, value)]

    def subject_of(self, facts: MailFacts) -> str:
        raise NotImplementedError

    def check(self, facts: MailFacts) -> str | None:
        value = self.subject_of(facts)
        hit = next((p for p in self.patterns if fnmatch.fnmatchcase(value, p)), None)
        return f"{self.name} {value} matches {hit!r}" if hit else None


class FromAddress(_Glob):
    """from_address = ["atoz-guarantee-no-reply@*"]: shell-style patterns on the sender address."""

    name = "from_address"

    def subject_of(self, facts: MailFacts) -> str:
        return facts.mail.from_address


class FromDomain(_Glob):
    """from_domain = ["*.example.com"]: shell-style patterns on the sender domain."""

    name = "from_domain"

    def subject_of(self, facts: MailFacts) -> str:
        return facts.mail.from_domain


class Header(Condition):
    """header = { "X-Space-Notification-Type" = ["A_Z_CLAIM_*"] }: patterns on header values."""

    name = "header"

    def __init__(self, value: Any) -> None:
        if not isinstance(value, dict) or not value:
            raise RuleError("'header' must be a table of header name = pattern or list of patterns")
        self.patterns = {name: [p.lower() for p in _string_list(f"header.{name}", pats)] for name, pats in value.items()}

    def check(self, facts: MailFacts) -> str | None:
        for name, patterns in self.patterns.items():
            for header_value in facts.mail.header_all(name):
                folded = header_value.strip().lower()
                hit = next((p for p in patterns if fnmatch.fnmatchcase(folded, p)), None)
                if hit:
                    return f"header {name}: {header_value.strip()} matches {hit!r}"
        return None


class _Phrases(Condition):
    """Phrases matched case-, accent- and width-insensitively, on word boundaries (except in
    scripts written without spaces). A list, or a table of lists by language code. A phrase
    ending in "*" matches any word that starts with it; a phrase starting with "re:" is a
    regular expression on the folded text."""

    def __init__(self, value: Any) -> None:
        by_language = value if isinstance(value, dict) else {"": value}
        if not by_language:
            raise RuleError(f"'{self.name}' must not be empty")
        self.labels: dict[str, str] = {}
        phrases_folded: list[str] = []
        regexes: list[str] = []
        for language, phrases in by_language.items():
            for phrase in _string_list(f"{self.name}.{language}" if language else self.name, phrases):
                label = f"{language}:{phrase!r}" if language else repr(phrase)
                if phrase.startswith("re:"):
                    try:
                        re.compile(phrase[3:])
                    except re.error as exc:
                        raise RuleError(f"'{self.name}' regular expression {phrase[3:]!r} is invalid: {exc}") from None
                    regexes.append(phrase[3:])
                    self.labels[phrase[3:]] = label
                    continue
                folded = fold_for_matching(phrase)
                if folded.endswith("*") and len(folded) > 2:
                    # a word prefix: "opini*" matches opinia, opinię, opinii (inflected languages)
                    stem = folded[:-1]
                    regexes.append(r"(?<!\w)" + re.escape(stem) + r"\w*")
                    self.labels[regexes[-1]] = label
                    continue
                self.labels.setdefault(folded, label)
                phrases_folded.append(folded)
        self.pattern = phrase_pattern(phrases_folded)
        self.regexes = RegexSet(regexes)

    def text_of(self, facts: MailFacts) -> str:
        raise NotImplementedError

    def check(self, facts: MailFacts) -> str | None:
        text = self.text_of(facts)
        if self.pattern is not None:
            match = self.pattern.search(text)
            if match:
                return f"{self.name} says {self.labels.get(match.group(0), repr(match.group(0)))}"
        found = self.regexes.first(text)
        if found:
            match, source = found
            return f"{self.name} says {match.group(0)!r} ({self.labels[source]})"
        return None


class Subject(_Phrases):
    name = "subject"

    def text_of(self, facts: MailFacts) -> str:
        return facts.subject


class Body(_Phrases):
    name = "body"

    def text_of(self, facts: MailFacts) -> str:
        return facts.body


class BuyerText(_Phrases):
    """The buyer's own words inside Amazon's relay frame, without Amazon's footer."""

    name = "buyer_text"

    def text_of(self, facts: MailFacts) -> str:
        return facts.buyer_text


class Text(_Phrases):
    """Subject or body."""

    name = "text"

    def text_of(self, facts: MailFacts) -> str:
        return facts.subject + "\n" + facts.body


class _Presence(Condition):
    def __init__(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise RuleError(f"'{self.name}' must be true or false")
        self.wanted = value

    def found(self, facts: MailFacts) -> str | None:
        raise NotImplementedError

    def check(self, facts: MailFacts) -> str | None:
        found = self.found(facts)
        if bool(found) != self.wanted:
            return None
        return f"{self.name} {found}" if found else f"no {self.name}"


class OrderId(_Presence):
    name = "order_id"

    def found(self, facts: MailFacts) -> str | None:
        return facts.order_id


class CaseId(_Presence):
    name = "case_id"

    def found(self, facts: MailFacts) -> str | None:
        return facts.case_id


CONDITIONS: dict[str, Callable[[Any], Condition]] = {
    cls.name: cls for cls in (Sender, FromAddress, FromDomain, Header, Subject, Body, BuyerText, Text, OrderId, CaseId)
}
