"""Every mail of the shared corpus gets the verdict its manifest gives."""

from datetime import datetime

import pytest

from conftest import SHARED_CORPUS, corpus_manifest

ENTRIES = corpus_manifest()


@pytest.mark.corpus
@pytest.mark.skipif(not ENTRIES, reason="../shared/corpus not present")
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_verdict(classifier, entry):
    verdict = classifier.classify((SHARED_CORPUS / entry["file"]).read_bytes())
    if entry["category"] is not None:
        assert verdict.category == entry["category"]
    assert verdict.tier == entry["tier"]
    assert verdict.suspicious == entry["suspicious"]
    assert verdict.order_id == entry["order_id"]
    assert verdict.case_id == entry["case_id"]
    if "case_status" in entry:
        assert verdict.case_status == entry["case_status"]
    if "marketplace" in entry:
        assert verdict.marketplace == entry["marketplace"]
    assert (verdict.action("acknowledge") is not None) == entry["ack"]
    assert (verdict.action("forward") is not None) == entry["forward"]
    if entry["deadline"] is None:
        assert verdict.deadline is None
    else:
        assert verdict.deadline is not None
        assert abs((verdict.deadline - datetime.fromisoformat(entry["deadline"])).total_seconds()) <= 120
    if verdict.tier == 1:
        assert verdict.subject.startswith("[CRISIS:")
    if verdict.suspicious:
        assert "[CRISIS:" not in verdict.subject and verdict.subject.startswith("[SUSPECT]")
