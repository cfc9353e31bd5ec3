"""Mail of every kind, marketplace language and encoding, written independently of the rules,
gets the verdict it must get: the same checks as the shared corpus, on mail the rules never saw."""

import mailfactory
import pytest
from corpus import assert_verdict

VARIANTS = mailfactory.all_variants(seed=3)
STREAM = list(mailfactory.generate(400, seed=11))


@pytest.mark.parametrize("mail", VARIANTS, ids=[m.name for m in VARIANTS])
def test_every_kind_language_and_encoding(classifier, mail):
    assert_verdict(classifier.classify(mail.raw), mail.expected)


def test_a_day_of_mixed_inbox_traffic(classifier):
    wrong = []
    for mail in STREAM:
        try:
            assert_verdict(classifier.classify(mail.raw), mail.expected)
        except AssertionError as exc:
            wrong.append(f"{mail.name}: {exc}")
    assert not wrong, "\n".join(wrong[:20])
