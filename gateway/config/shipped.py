"""Where the shipped rules, templates and samples are: inside an installed wheel, or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # gateway/


def shipped_dir(name: str) -> Path:
    installed = _PACKAGE / "shipped" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name
