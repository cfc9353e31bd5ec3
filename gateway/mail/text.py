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
    # isprintable() is False for every control, surrogate and whitespace character but the ASCII
    # space, so such a value is already its own result: most header values are
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    return _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()


def fold_for_matching(value: str) -> str:
    """Case-, accent-, width- and punctuation-insensitive form used to match phrases.

    NFKC turns full-width digits and letters (common in Japanese mail) into ASCII; accents are
    dropped so that "reçu" written as "recu" by a buyer on a plain keyboard still matches, and
    "nie otrzymałem" as "nie otrzymalem", "çalışmıyor" as "CALISMIYOR".
    """
    if value.isascii():
        # the same result without the Unicode steps: ASCII is NFKC, NFD and NFC already, has no
        # marks, and casefolds as it lower-cases
        return _SPACES.sub(" ", value.translate(_PUNCT_MAP).lower()).strip()
    value = unicodedata.normalize("NFKC", value).translate(_PUNCT_MAP).casefold()
    decomposed = unicodedata.normalize("NFD", value)
    stripped = _NON_ASCII_RUN.sub(_drop_marks, decomposed)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


class _MarkDropper(dict):
    """A str.translate table that drops combining marks, filled in as characters are met. Bounded:
    text of every code point costs time, never memory."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        if len(self) < 8192:
            self[code] = kept
        return kept


_DROP_MARKS = _MarkDropper()
# Marks are never ASCII: only the non-ASCII runs (an accent here and there in most mail) are looked
# at, character by character.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _drop_marks(run: re.Match[str]) -> str:
    return run.group().translate(_DROP_MARKS)


def has_cjk(value: str) -> bool:
    """Scripts written without spaces between words, where word boundaries mean nothing."""
    return any(
        "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or "\u0e00" <= c <= "\u0e7f"
        for c in value
    )


def phrase_pattern(folded_phrases: list[str]) -> re.Pattern[str] | None:
    """One regex for phrases already folded: whole words where words are spaced, anywhere in
    scripts written without spaces (Japanese, Chinese); the longest phrase wins."""
    words = [p for p in folded_phrases if not has_cjk(p)]
    spaceless = [p for p in folded_phrases if has_cjk(p)]
    alternatives = []
    if words:
        alternatives.append(r"(?<!\w)" + alternation(words) + r"(?!\w)")
    if spaceless:
        alternatives.append(alternation(spaceless))
    return re.compile("|".join(alternatives)) if alternatives else None


def alternation(strings: list[str]) -> str:
    """A regex (a non-capturing group) matching any of the literal strings, the longest first.

    Shaped as a trie, shared beginnings written once: at each position the regex engine follows
    one path instead of trying every string in turn. It matches exactly what the flat alternation
    sorted longest first would: strings that match at the same position are prefixes of one
    another, and the longer is tried before the shorter one ending on its path."""
    trie: dict[str, dict] = {}
    for string in strings:
        node = trie
        for char in string:
            node = node.setdefault(char, {})
        node[_END] = {}
    try:
        return "(?:" + _trie_regex(trie) + ")"
    except RecursionError:  # thousands of strings each extending the last: the flat form
        return "(?:" + "|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True)) + ")"


_END = ""  # the trie key of a string that ends at this node (no character is empty)


def _trie_regex(node: dict[str, dict]) -> str:
    path = ""
    while len(node) == 1 and _END not in node:  # a run without forks: plain text, no recursion
        char, node = next(iter(node.items()))
        path += re.escape(char)
    branches = [re.escape(char) + _trie_regex(child) for char, child in node.items() if char != _END]
    if not branches:
        return path
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        body = "(?:" + body + ")?"  # greedy: the longer string first, then the one ending here
    return path + body
