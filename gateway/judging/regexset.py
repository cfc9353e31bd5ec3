"""Many regular expressions over one text, asking which is the first (in their order) that matches.

Searching a short buyer message with 300 expressions one after another costs 300 scans. Most
expressions cannot match without some word of theirs in the text ("received", "nicht", "a-z"),
so a set first finds, in one scan, which of those words the text contains, and searches only the
expressions whose words are there. The answer is the same as searching them all in order: an
expression is skipped only when a literal every match of it must contain is absent, and one whose
literals cannot be worked out is always searched.
"""

from __future__ import annotations

import re
from re import _constants as sre  # the parsed form of a regex: which literals a match must contain
from re import _parser

from gateway.mail.text import alternation

# Below this many expressions, searching them in turn is as fast as the scan for their words.
_WORTH_A_SCAN = 12


class RegexSet:
    def __init__(self, sources: list[str]) -> None:
        self.compiled = [(re.compile(source), source) for source in sources]
        self._always: list[int] = []
        self._by_literal: dict[str, set[int]] = {}
        for index, (_, source) in enumerate(self.compiled):
            literals = required_literals(source) if len(sources) >= _WORTH_A_SCAN else None
            if literals is None:
                self._always.append(index)
                continue
            for literal in literals:
                self._by_literal.setdefault(literal, set()).add(index)
        # at every position, the longest of the literals found there
        self._scan = re.compile("(?=(" + alternation(list(self._by_literal)) + "))") if self._by_literal else None
        # the scan reports the longest literal at each position; the shorter ones it begins with are there too
        self._covered: dict[str, set[int]] = {}
        for literal in self._by_literal:
            covered = set()
            for end in range(1, len(literal) + 1):
                covered |= self._by_literal.get(literal[:end], set())
            self._covered[literal] = covered

    def first(self, text: str) -> tuple[re.Match[str], str] | None:
        """The first expression (in the given order) that matches, with its match and source."""
        candidates = set(self._always)
        if self._scan is not None:
            for found in set(self._scan.findall(text)):
                candidates |= self._covered[found]
        for index in sorted(candidates):
            regex, source = self.compiled[index]
            match = regex.search(text)
            if match:
                return match, source
        return None


def required_literals(source: str) -> frozenset[str] | None:
    """Strings one of which every match of `source` contains, or None when that cannot be told."""
    try:
        parsed = _parser.parse(source)
    except (re.error, RecursionError, OverflowError):
        return None
    if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return None  # a literal would match more than itself
    try:
        return _sequence(list(parsed))
    except RecursionError:
        return None


def _sequence(items: list) -> frozenset[str] | None:
    """For a sequence every match passes through, the best of its items' literal sets: the one
    whose shortest literal is longest (the fewest texts contain it by chance)."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, value in items:
        if op is sre.LITERAL:
            run.append(chr(value))
            continue
        if run:
            consider(frozenset(["".join(run)]))
            run = []
        if op is sre.SUBPATTERN:
            _, add_flags, _, body = value
            if not add_flags & (re.IGNORECASE | re.LOCALE):
                consider(_sequence(list(body)))
        elif op is sre.BRANCH:
            alternatives = [_sequence(list(branch)) for branch in value[1]]
            if all(alternatives):
                consider(frozenset().union(*alternatives))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[0] >= 1:
            consider(_sequence(list(value[2])))
        elif op is sre.ATOMIC_GROUP:
            consider(_sequence(list(value)))
        # classes, anchors, look-arounds, back-references: they ask for no particular literal
    if run:
        consider(frozenset(["".join(run)]))
    return best
