"""Which watched folders are connected: shared by the watcher threads, read by the daemon and the metrics."""

from __future__ import annotations

import threading


class Health:
    """Which folders are connected, and the last error of those that are not: for systemd's
    readiness and status, and for the metrics. Shared by the watcher threads. A folder the server
    refuses (a name of the configuration against its rules) is down with its problem and fix in
    `refused` too: it is not a login that may yet succeed, and the status says so."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connected: dict[str, bool] = {}
        self.errors: dict[str, str] = {}
        self.refused: dict[str, str] = {}

    def up(self, name: str) -> None:
        with self._lock:
            self.connected[name] = True
            self.errors.pop(name, None)
            self.refused.pop(name, None)

    def down(self, name: str, error: str) -> None:
        with self._lock:
            self.connected[name] = False
            self.errors[name] = error
            self.refused.pop(name, None)

    def refuse(self, name: str, problem: str) -> None:
        """Down until the configuration is changed: `problem` says what the server refused and the fix."""
        with self._lock:
            self.connected[name] = False
            self.errors[name] = problem
            self.refused[name] = problem

    def snapshot(self) -> tuple[dict[str, bool], dict[str, str]]:
        with self._lock:
            return dict(self.connected), dict(self.errors)

    def refusals(self) -> dict[str, str]:
        with self._lock:
            return dict(self.refused)
