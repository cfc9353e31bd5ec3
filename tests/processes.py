"""The gateway's command line as real processes: one-shot commands, and the daemon as systemd
starts it, with a fake systemd on its NOTIFY_SOCKET."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from servers import listening


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m gateway ARGS`, run to its end, its output captured as text."""
    return subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, cwd=cwd)


def status_rows(config_path: Path, now: str) -> list[dict]:
    """The open clocks `crisis-gateway status --json` lists at `now`."""
    done = cli("status", "--config", str(config_path), "--json", "--now", now)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


class FakeSystemd:
    """A NOTIFY_SOCKET that keeps every datagram, with the time it came."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, dict[str, str]]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.done.is_set():
            try:
                data = self.sock.recv(4096)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.messages.append((time.monotonic(), fields))

    def first(self, key: str) -> tuple[float, dict[str, str]] | None:
        return next(((at, m) for at, m in self.messages if key in m), None)

    def count(self, key: str) -> int:
        return sum(key in m for _, m in self.messages)

    def close(self) -> None:
        self.done.set()
        self.sock.close()


class DaemonProcess:
    """`python -m gateway COMMAND --config FILE ARGS` as a real process (`run`: the daemon). Its
    stdout and stderr are appended to `log`, which a restart shares; with `notify`, it tells the
    fake systemd there how it is."""

    def __init__(self, command: str, config: Path, args: tuple[str, ...], log: Path, *,
                 notify: FakeSystemd | None = None, env: dict[str, str] | None = None) -> None:
        self.log = log
        self.notify = notify
        environment = {**os.environ, **(env or {})}
        if notify is not None:
            environment["NOTIFY_SOCKET"] = notify.path
        with open(log, "ab") as output:
            self.process = subprocess.Popen([sys.executable, "-m", "gateway", command, "--config", str(config), *args],
                                            stdout=output, stderr=subprocess.STDOUT, env=environment)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def send_signal(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    def listens(self, port: int, timeout: float = 30.0) -> bool:
        """Whether the process accepts connections on 127.0.0.1:port within `timeout` seconds;
        gives up as soon as it has ended."""
        return listening(port, timeout, alive=self.running)

    def wait(self, timeout: float = 60.0) -> int:
        """The exit code, once the process has ended by itself (the test fails after `timeout` s)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the gateway did not end within {timeout:g} s and was killed; log:\n{self.log_text()[-3000:]}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60.0) -> int:
        """Sends `sig` (SIGTERM, as systemd stops the service) and returns the exit code; a process
        still there after `timeout` seconds is killed and the test fails."""
        try:
            if self.running():
                self.process.send_signal(sig)
            return self.wait(timeout)
        finally:
            if self.notify is not None:
                self.notify.close()
