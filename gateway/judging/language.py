"""A rough guess of the language a buyer wrote in, among the marketplace's languages."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache
from importlib import resources

# A word, with its hyphenated or apostrophed parts kept whole: "e-mail" must not count as the
# Portuguese/Italian "e", nor "o'clock" as "o".
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
# Links, addresses and host names are no one's language, yet newsletters are full of them and
# their parts ("com", "o", "e", "da" in https://sellercentral.amazon.com/...?ref=da_o_e) are
# Portuguese stopwords: an English newsletter scored as Portuguese. They are removed first.
_NOT_PROSE = re.compile(
    r"(?:https?://|www\.)\S+"                                   # links
    r"|\S+@\S+"                                                # addresses
    r"|\w+(?:[.-]\w+)*\.(?:com|net|org|[a-z]{2})(?:\.[a-z]{2})?\b"  # host names: amazon.com.br
)

# The expression above costs time in the square of a run's length (each start scans the run for
# an "@"): a mail of one long run took a second. It is applied only to the runs holding a character
# it needs, each from its start; such a run longer than any word is not prose either, and goes whole.
_LONGEST_RUN = 100
_MAYBE_NOT_PROSE = re.compile(r"(?<!\S)\S*[.@:]\S*")


def _prose(text: str) -> str:
    """`text` without links, addresses and host names."""
    return _MAYBE_NOT_PROSE.sub(_prose_of_run, text)


def _prose_of_run(run: re.Match[str]) -> str:
    return " " if len(run.group()) > _LONGEST_RUN else _NOT_PROSE.sub(" ", run.group())


@cache
def _stopwords() -> dict[str, frozenset[str]]:
    data = tomllib.loads(resources.files("gateway.data").joinpath("stopwords.toml").read_text("utf-8"))
    return {lang: frozenset(words) for lang, words in data.items()}


@cache
def _languages_of_word() -> dict[str, tuple[str, ...]]:
    """Each stopword with the languages it belongs to: a mail's words are looked up once, not
    once per language."""
    index: dict[str, list[str]] = {}
    for lang, words in _stopwords().items():
        for word in words:
            index.setdefault(word, []).append(lang)
    return {word: tuple(langs) for word, langs in index.items()}


def guess_language(text: str, candidates: tuple[str, ...] | list[str] = ()) -> str | None:
    """The likeliest language code of `text`, preferring `candidates` (the marketplace's)."""
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\u0600-\u06ff]", text):
        return "ar"
    words = _WORD.findall(_prose(text.lower()))
    if not words:
        return candidates[0] if candidates else None
    scores = dict.fromkeys(_stopwords(), 0)  # in the languages' order: ties go to the first
    index = _languages_of_word()
    for word, count in Counter(words).items():
        for lang in index.get(word, ()):
            scores[lang] += count
    pool = [c for c in candidates if c in scores] or list(scores)
    best = max(pool, key=lambda lang: scores[lang])
    if scores[best] == 0:
        return candidates[0] if candidates else None
    # a clear winner outside the marketplace's languages (a German buyer on amazon.fr) still wins
    overall = max(scores, key=lambda lang: scores[lang])
    return overall if scores[overall] >= 2 * scores[best] + 2 else best
