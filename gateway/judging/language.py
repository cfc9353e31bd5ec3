"""A rough guess of the language a buyer wrote in, among the marketplace's languages."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

_WORD = re.compile(r"\w+")


@cache
def _stopwords() -> dict[str, frozenset[str]]:
    data = tomllib.loads(resources.files("gateway.data").joinpath("stopwords.toml").read_text("utf-8"))
    return {lang: frozenset(words) for lang, words in data.items()}


def guess_language(text: str, candidates: tuple[str, ...] | list[str] = ()) -> str | None:
    """The likeliest language code of `text`, preferring `candidates` (the marketplace's)."""
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\u0600-\u06ff]", text):
        return "ar"
    words = _WORD.findall(text.lower())
    if not words:
        return candidates[0] if candidates else None
    scores = {lang: sum(w in stop for w in words) for lang, stop in _stopwords().items()}
    pool = [c for c in candidates if c in scores] or list(scores)
    best = max(pool, key=lambda lang: scores[lang])
    if scores[best] == 0:
        return candidates[0] if candidates else None
    # a clear winner outside the marketplace's languages (a German buyer on amazon.fr) still wins
    overall = max(scores, key=lambda lang: scores[lang])
    return overall if scores[overall] >= 2 * scores[best] + 2 else best
