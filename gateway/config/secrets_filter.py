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


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        with _lock:
            hits = [s for s in _secrets if s in message]
        if hits:
            for secret in hits:
                message = message.replace(secret, "[secret]")
            record.msg, record.args = message, None
        return True
