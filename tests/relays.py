"""The gateway's relays started in the test process, on free loopback ports."""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from conftest import write_config
from servers import free_port

from gateway.config import Config, load_config
from gateway.relays.listener import SmtpListener
from gateway.service.daemon import Daemon
from gateway.state import State


@dataclass
class Gateway:
    config: Config
    daemon: Daemon
    listeners: dict[str, SmtpListener]

    def port(self, name: str) -> int:
        return self.listeners[name].port

    def smtp(self, name: str, **options) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port(name), timeout=30, **options)

    def state(self) -> State:
        return State(self.config.state_dir)

    def stop(self) -> None:
        for listener in self.listeners.values():
            listener.stop()


def relay_sections(*, reinject: int | None = None, inbound: dict | None = None, outbound: dict | None = None) -> dict:
    relay = {}
    if reinject is not None or inbound is not None:
        relay["inbound"] = {"listen": f"127.0.0.1:{free_port()}", "reinject": f"127.0.0.1:{reinject}", **(inbound or {})}
    if outbound is not None:
        relay["outbound"] = {"listen": f"127.0.0.1:{free_port()}", **outbound}
    return relay


@contextlib.contextmanager
def gateway(tmp_path: Path, *, reinject: int | None = None, inbound: dict | None = None, outbound: dict | None = None,
            **sections) -> Iterator[Gateway]:
    """Relays with the minimal configuration; `outbound` needs an [smtp] section in `sections`."""
    path = write_config(tmp_path, relay=relay_sections(reinject=reinject, inbound=inbound, outbound=outbound), **sections)
    config = load_config(path)
    daemon = Daemon(config)
    running = Gateway(config, daemon, {listener.name: listener for listener in daemon.start_relays()})
    try:
        yield running
    finally:
        running.stop()


def smarthost(port: int) -> dict:
    """An [smtp] section sending to a plain SMTP server on 127.0.0.1:port."""
    return {"from": "crisis@shop.example", "host": "127.0.0.1", "port": port, "security": "none"}
