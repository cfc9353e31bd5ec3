"""The fast forms of phrase matching give exactly the answers of the plain ones they replace."""

from __future__ import annotations

import re
import sys
import time
import unicodedata
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.judging import ids
from gateway.judging.regexset import RegexSet, required_literals
from gateway.judging.rules import load_rules
from gateway.mail.text import alternation, fold_for_matching, phrase_pattern

_SPACES = re.compile(r"\s+")


def plain_fold(value: str) -> str:
    """fold_for_matching step by step, character by character."""
    from gateway.mail.text import _PUNCT_MAP

    value = unicodedata.normalize("NFKC", value).translate(_PUNCT_MAP).casefold()
    stripped = "".join(c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def flat_alternation(strings: list[str]) -> str:
    return "(?:" + "|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True)) + ")"


TEXTS = [
    "Reçu ? NON. Ich habe die Ware NICHT erhalten – nie otrzymałem paczki, ÇALIŞMIYOR",
    "ｆｕｌｌ－ｗｉｄｔｈ １１４－１２３４５６７－１２３４５６７ 商品が届きません",
    "naïve café\u0301 e\u0308 \u00a0 tab\there `quoted` “curly” don’t",
    "plain ascii words, nothing else",
]


def test_fold_gives_the_plain_result_for_ascii_and_for_any_script():
    for text in TEXTS:
        assert fold_for_matching(text) == plain_fold(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_fold_gives_the_plain_result_for_any_text(text):
    assert fold_for_matching(text) == plain_fold(text)


PHRASES = ["claim", "claim denied", "claim den", "not received", "not", "no", "noch nicht erhalten",
           "nicht", "nicht erhalten", "商品", "商品が届", "a-z", "a-z claim"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=8),
       st.lists(st.sampled_from(PHRASES + [" ", "x", "ed", "s", ".", "が届きません"]), max_size=12))
def test_the_trie_matches_what_the_flat_alternation_matches(phrases, pieces):
    text = "".join(pieces)
    trie = re.compile(r"(?<!\w)" + alternation(phrases) + r"(?!\w)")
    flat = re.compile(r"(?<!\w)" + flat_alternation(phrases) + r"(?!\w)")
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)]


def test_a_phrase_pattern_takes_the_longest_phrase_at_the_first_place():
    pattern = phrase_pattern(["claim", "claim denied", "denied"])
    assert pattern.search("your claim denied today").group(0) == "claim denied"
    assert pattern.search("your claim deniedx").group(0) == "claim"
    # phrases nested deeper than Python's recursion limit (the pattern's cost grows with the square of the depth)
    deep = sys.getrecursionlimit() + 500
    assert phrase_pattern(["x" * n for n in range(1, deep)]).search("xxx").group(0) == "xxx"


def test_required_literals_are_found_only_where_a_match_must_contain_one():
    assert required_literals(r"\bnot (?:received|arrived)\b") == {"received", "arrived"}
    assert required_literals(r"(?:abc|de)f?") == {"abc", "de"}
    assert required_literals(r"(?i)received") is None  # a literal would match more than itself
    assert required_literals(r"(?:x)?\w+") is None
    assert required_literals(r"[ab]+") is None


@cache
def buyer_regexes() -> tuple[list[str], RegexSet]:
    rule = next(r for r in load_rules("rules").rules if r.name == "buyer-claim-risk")
    sources = [source for _, source in next(c for c in rule.when if c.name == "buyer_text").regexes.compiled]
    return sources, RegexSet(sources)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["didn't", "never", "received", "arrived", "nicht", "angekommen", "broken",
                                 "english", "a-z", "claim", "fake", "leather", "the", "package", "it",
                                 " ", " ", " ", "x", "'"]), max_size=20))
def test_a_regex_set_answers_as_searching_every_expression_in_turn(words):
    text = " ".join(words)
    sources, regexes = buyer_regexes()
    expected = next(((m.group(0), s) for s in sources if (m := re.search(s, text))), None)
    found = regexes.first(text)
    assert (found and (found[0].group(0), found[1])) == expected


def test_the_language_guess_reads_links_addresses_and_long_runs_in_linear_time():
    from gateway.judging.language import _NOT_PROSE, _prose, guess_language

    for text in ["see https://sellercentral.amazon.de/x?ref=da_o_e or write to ann@example.test, amazon.com.br",
                 "(www.amazon.fr) e-mail: o'clock a.b.c.de http://x", "plain words only"]:
        assert _prose(text) == _NOT_PROSE.sub(" ", text)
    started = time.monotonic()
    for run in ["x" * 4000, "x" * 3999 + "@", ("x." * 2000), ("x" * 78 + "\r\n") * 50]:
        guess_language(run)
    assert time.monotonic() - started < 0.5  # each took up to a second when a run was scanned from every start


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["123-1234567-1234567", "1", "12", "-", "x", " ", "٣", "1234567", "123-"]),
                max_size=8).map("".join))
def test_the_order_id_finder_agrees_with_the_order_id_pattern(text):
    found = ids.ORDER_ID.search(text)
    assert ids.order_id(text, "") == (found.group(1) if found else None)
    assert ids.order_id("", text) == (found.group(1) if found else None)
