import json
import os
from datetime import datetime
import sys
from pathlib import Path

import pytest

from gateway.classify import Classifier
from gateway.config import config_from_dict

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # mailfactory

SHARED_CORPUS = TESTS.parent.parent / "shared" / "corpus"
AUTHSERV = "mx.example.test"
MINIMAL_CONFIG = {
    "mailbox": [{"address": "support@shop.example"}],
    "trust": {"authserv_ids": [AUTHSERV]},
    "escalation": {"tier1": ["crisis@shop.example"]},
}


@pytest.fixture(scope="session")
def config():
    return config_from_dict(MINIMAL_CONFIG)


@pytest.fixture(scope="session")
def classifier(config):
    return Classifier(config)


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "gateway.toml"
    path.write_text(
        f'[gateway]\nstate_dir = "{tmp_path / "state"}"\n\n[[mailbox]]\naddress = "support@shop.example"\n\n'
        f'[trust]\nauthserv_ids = ["{AUTHSERV}"]\n\n[escalation]\ntier1 = ["crisis@shop.example"]\n',
        "utf-8",
    )
    return path


def corpus_manifest():
    manifest = SHARED_CORPUS / "manifest.json"
    if not manifest.exists():
        return []
    return json.loads(manifest.read_text("utf-8"))["messages"]


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


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
    if expected["deadline"] is None:
        assert verdict.deadline is None
    else:
        assert verdict.deadline is not None
        assert abs((verdict.deadline - datetime.fromisoformat(expected["deadline"])).total_seconds()) <= 120
    if verdict.tier == 1:
        assert verdict.subject.startswith("[CRISIS:")
    if verdict.suspicious:
        assert "[CRISIS:" not in verdict.subject and verdict.subject.startswith("[SUSPECT]")
