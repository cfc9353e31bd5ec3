"""Every mail of the shared corpus gets the verdict its manifest gives."""

import pytest
from corpus import SHARED_CORPUS, assert_verdict, corpus_manifest

ENTRIES = corpus_manifest()


@pytest.mark.corpus
@pytest.mark.skipif(not ENTRIES, reason="../shared/corpus not present")
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_verdict(classifier, entry):
    assert_verdict(classifier.classify((SHARED_CORPUS / entry["file"]).read_bytes()), entry)
