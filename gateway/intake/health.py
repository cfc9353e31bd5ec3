"""Which watched folders are connected: shared by the watcher threads, read by the daemon and the metrics."""

from __future__ import annotations

import threading


class Health:
    """Which folders are connected, and the last error of those that are not: for systemd's
    readiness and status, and for the metrics. Shared by the watcher threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connected: dict[str, bool] = {}
        self.errors: dict[str, str] = {}

    def up(self, name: str) -> None:
        with self._lock:
            self.connected[name] = True
            self.errors.pop(name, None)

    def down(self, name: str, error: str) -> None:
        with self._lock:
            self.connected[name] = False
            self.errors[name] = error

    def snapshot(self) -> tuple[dict[str, bool], dict[str, str]]:
        with self._lock:
            return dict(self.connected), dict(self.errors)
