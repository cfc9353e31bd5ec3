import json
import os
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
