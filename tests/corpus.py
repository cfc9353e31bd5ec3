"""The shared corpus (../shared/corpus beside the checkout, when present) and its manifest: the
verdict each mail must get. Mails of mailfactory.py carry expectations in the same form."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import mailfactory

SHARED_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def corpus_manifest() -> list[dict]:
    manifest = SHARED_CORPUS / "manifest.json"
    if not manifest.exists():
        return []
    return json.loads(manifest.read_text("utf-8"))["messages"]


def corpus_or_factory(count: int, seed: int) -> list[tuple[str, bytes, dict]]:
    """(name, bytes, expectations) of every mail of the shared corpus when present, else of
    `count` mails of mailfactory.py."""
    entries = corpus_manifest()
    if entries:
        return [(e["file"], (SHARED_CORPUS / e["file"]).read_bytes(), e) for e in entries]
    return [(m.name, m.raw, m.expected) for m in mailfactory.generate(count, seed=seed)]


def assert_verdict(verdict, expected: dict) -> None:
    """The checks of a manifest entry: category (unless any), tier, ids, trust, actions, deadline."""
    if expected["category"] is not None:
        assert verdict.category == expected["category"]
    assert verdict.tier == expected["tier"]
    assert verdict.suspicious == expected["suspicious"]
    assert verdict.order_id == expected["order_id"]
    assert verdict.case_id == expected["case_id"]
    if "case_status" in expected:
        assert verdict.case_status == expected["case_status"]
    if expected.get("marketplace") is not None:
        assert verdict.marketplace == expected["marketplace"]
    assert (verdict.action("acknowledge") is not None) == expected["ack"]
    assert (verdict.action("forward") is not None) == expected["forward"]
    if expected["deadline"] is None and expected["category"] == "account_health" and not expected["suspicious"]:
        # the shared corpus was written before account-health notices had a clock: theirs is what
        # the mail states, else [gateway] account_health_hours (72) after arrival
        assert verdict.deadline is not None and verdict.deadline > verdict.arrival
    elif expected["deadline"] is None:
        assert verdict.deadline is None
    else:
        assert verdict.deadline is not None
        assert abs((verdict.deadline - datetime.fromisoformat(expected["deadline"])).total_seconds()) <= 120
    if verdict.tier == 1:
        assert verdict.subject.startswith("[CRISIS:")
    if verdict.suspicious:
        assert "[CRISIS:" not in verdict.subject and verdict.subject.startswith("[SUSPECT]")
