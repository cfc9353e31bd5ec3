"""Mail recorded as the daemon records it, without a mailbox: through the pipeline into the state."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from gateway.config import Config, load_config
from gateway.intake.pipeline import Outcome, Pipeline
from gateway.judging.classify import Classifier
from gateway.state import State


def recorded(config: Config | Path, *mails: bytes, now: datetime | None = None) -> list[Outcome]:
    """Records `mails` in the state of `config` (a Config, or the path of its file), in a State
    opened for them alone, as a restart between calls would; each must be new: recorded, neither
    a duplicate nor quarantined. Returns their outcomes, in order."""
    if isinstance(config, Path):
        config = load_config(config)
    with State(config.state_dir) as state:
        pipeline = Pipeline(Classifier(config), state)
        outcomes = [pipeline.handle(raw, now=now) for raw in mails]
    quarantined = {n: o.reason for n, o in enumerate(outcomes) if o.status == "quarantined"}
    assert not quarantined, f"quarantined (mail number: why): {quarantined}"
    duplicates = [n for n, o in enumerate(outcomes) if o.status == "duplicate"]
    assert not duplicates, f"already in the state (mail numbers): {duplicates}"
    return outcomes
