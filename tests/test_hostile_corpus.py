"""Every pathology of tests/hostile_corpus.py is judged (or refused with MailError) within its
time and memory bound, with no traceback; what the gateway writes stays clean."""

import time
import tracemalloc

import pytest
from fuzz_mail import written_fields
from hostile_corpus import PATHOLOGIES

from gateway.judging.tagging import apply_verdict
from gateway.mail.parse import MailError

# The reading stops at [gateway] mail_cpu_seconds (2 s); the rules then read at most 256 KB of
# text; on a shared 2-core machine.
SECONDS_PER_MAIL = 6
MB = 1024 * 1024


def judged(classifier, raw: bytes):
    """(verdict, tagged copy), or None for a MailError."""
    try:
        verdict = classifier.classify(raw)
    except MailError:
        return None
    return verdict, apply_verdict(raw, verdict)


@pytest.mark.parametrize("name", PATHOLOGIES)
def test_a_pathology_is_judged_within_its_time(classifier, name):
    raw = PATHOLOGIES[name]()
    start = time.thread_time()
    result = judged(classifier, raw)
    seconds = time.thread_time() - start
    assert seconds < SECONDS_PER_MAIL, f"{seconds:.1f} s"
    if result is None:
        return
    verdict, tagged = result
    for field in written_fields(tagged, verdict.action("tag") is not None):
        assert all(32 <= byte < 127 or byte in b"\r\n\t" for byte in field), field[:200]
    if name.startswith("spoof_"):
        assert verdict.suspicious and verdict.subject.startswith("[SUSPECT]")
    if verdict.tier != 1:
        assert "[CRISIS" not in verdict.subject


@pytest.mark.parametrize("name", [n for n in PATHOLOGIES if n.endswith(("mb", "lines", "received", "bang", "entities"))])
def test_a_large_pathology_is_judged_within_its_memory(classifier, name):
    raw = PATHOLOGIES[name]()
    tracemalloc.start()
    try:
        judged(classifier, raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the mail, its tagged copy and the parse of at most 8 MB of it
    assert peak < 2 * len(raw) + 160 * MB, f"peak {peak / MB:.0f} MB for a mail of {len(raw) / MB:.1f} MB"
