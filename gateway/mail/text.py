"""Text normalisation shared by rules, id extraction and subjects."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and lone surrogates (text
# that cannot be encoded); a header value written by the gateway never carries one.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u00a0": " ", "\u202f": " ", "\u3000": " ",
        # Letters of their own that buyers without the keyboard write plainly: Polish ł as l,
        # Turkish dotless ı as i (and İ casefolds to i anyway), Scandinavian ø as o, æ as ae.
        "\u0142": "l", "\u0141": "l", "\u0131": "i", "\u00f8": "o", "\u00d8": "o", "\u00e6": "ae", "\u00c6": "ae",
        "\u0111": "d", "\u0110": "d",
    }
)


def one_line(value: str) -> str:
    """A single line with no control characters: CR, LF, TAB, NUL and friends (and lone
    surrogates) become spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()


def fold_for_matching(value: str) -> str:
    """Case-, accent-, width- and punctuation-insensitive form used to match phrases.

    NFKC turns full-width digits and letters (common in Japanese mail) into ASCII; accents are
    dropped so that "reçu" written as "recu" by a buyer on a plain keyboard still matches, and
    "nie otrzymałem" as "nie otrzymalem", "çalışmıyor" as "CALISMIYOR".
    """
    value = unicodedata.normalize("NFKC", value).translate(_PUNCT_MAP).casefold()
    decomposed = unicodedata.normalize("NFD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def has_cjk(value: str) -> bool:
    """Scripts written without spaces between words, where word boundaries mean nothing."""
    return any(
        "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\u0e00" <= c <= "\u0e7f"
        for c in value
    )


def phrase_pattern(folded_phrases: list[str]) -> re.Pattern[str] | None:
    """One regex for phrases already folded: whole words where words are spaced, anywhere in
    scripts written without spaces (Japanese, Chinese); the longest phrase wins."""
    words = [re.escape(p) for p in folded_phrases if not has_cjk(p)]
    spaceless = [re.escape(p) for p in folded_phrases if has_cjk(p)]
    alternatives = []
    if words:
        alternatives.append(r"(?<!\w)(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?!\w)")
    if spaceless:
        alternatives.append("(?:" + "|".join(sorted(spaceless, key=len, reverse=True)) + ")")
    return re.compile("|".join(alternatives)) if alternatives else None
