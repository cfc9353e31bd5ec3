"""Keeps passwords and tokens out of every log line, whatever library writes it."""

from __future__ import annotations

import logging
import threading

_secrets: set[str] = set()
_lock = threading.Lock()


def register(secret: str) -> str:
    """Call with every password or token read; returns it unchanged."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)
    return secret


def scrubbed(text: str) -> str:
    """`text` with every registered secret replaced by [secret]: for what is stored, not logged."""
    with _lock:
        hits = [s for s in _secrets if s in text]
    for secret in sorted(hits, key=len, reverse=True):
        text = text.replace(secret, "[secret]")
    return text


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        cleaned = scrubbed(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
