"""Configurations for tests: the minimal one, sections added or replaced, as a Config or as the
TOML file the daemon and the command line read."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.config import Config, config_from_dict

AUTHSERV = "mx.example.test"
MINIMAL_CONFIG = {
    "mailbox": [{"address": "support@shop.example"}],
    "trust": {"authserv_ids": [AUTHSERV]},
    "escalation": {"tier1": ["crisis@shop.example"]},
    # the daily digest depends on the hour the tests run at: off here, tested with the time given
    "digest": {"enabled": False},
}


# The mail builders (mails.py, mailfactory.py) write fixed dates in November 2026, so that due
# times are known; to the tests they are fresh mail. Tests of the first start and of catching up
# after downtime set [gateway] fresh_hours themselves.
FRESH_FOR_TESTS = 24 * 365 * 10.0
# Those dates are long past, so every clock of theirs is overdue: an overdue tag changes the
# keyword only here, the subject keeps its first tag. Tests of tags that follow the clock set
# [tags] follow themselves.
FOLLOW_FOR_TESTS = ["answered", "decided", "resolved"]


def config_data(folder: Path, **sections) -> dict:
    """The minimal configuration with its state folder in `folder`, sections added or replaced
    ([gateway] keeps FRESH_FOR_TESTS and [tags] FOLLOW_FOR_TESTS unless they say otherwise)."""
    gateway = {"fresh_hours": FRESH_FOR_TESTS, **sections.pop("gateway", {"state_dir": str(folder / "state")})}
    tags = {"follow": FOLLOW_FOR_TESTS, **sections.pop("tags", {})}
    return {"gateway": gateway, **MINIMAL_CONFIG, "tags": tags, **sections}


def make_config(folder: Path, **sections) -> Config:
    """config_data as the daemon would load it, without a file."""
    return config_from_dict(config_data(folder, **sections))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def config_toml(data: dict) -> str:
    """TOML text of a configuration given as a dict (tables, arrays of tables, nested tables)."""
    out = []

    def table(header: str, values: dict) -> None:
        out.append(header)
        nested = {k: v for k, v in values.items() if isinstance(v, dict)}
        out.extend(f"{k} = {_toml_value(v)}" for k, v in values.items() if k not in nested)
        for key, sub in nested.items():
            table(f"[{header.strip('[]')}.{key}]", sub)

    for section, values in data.items():
        if isinstance(values, list):
            for entry in values:
                table(f"[[{section}]]", entry)
        else:
            table(f"[{section}]", values)
    return "\n".join(out) + "\n"


def write_config(folder: Path, **sections) -> Path:
    """config_data written to folder/gateway.toml; returns that path."""
    path = folder / "gateway.toml"
    path.write_text(config_toml(config_data(folder, **sections)), "utf-8")
    return path


def smtp_capture(folder: Path) -> dict:
    """An [smtp] section that writes every outgoing mail into the Maildir folder/outgoing instead
    of sending it (read it with captured.captured_mail)."""
    return {"from": "crisis@shop.example", "capture_dir": str(folder / "outgoing")}


def smarthost(port: int) -> dict:
    """An [smtp] section sending to a plain SMTP server on 127.0.0.1:port."""
    return {"from": "crisis@shop.example", "host": "127.0.0.1", "port": port, "security": "none"}


def imap_mailbox(folder: Path, server, password: str | None = None, **options) -> dict:
    """A [[mailbox]] named shop on the IMAP server `server` (a servers.Dovecot), logging in with
    `password` (the server's own by default) kept in folder/imap-password; options added or replaced."""
    secret = folder / "imap-password"
    secret.write_text((server.password if password is None else password) + "\n")
    return {"name": "shop", "address": "support@shop.example", "imap_host": "127.0.0.1", "imap_port": server.imap_port,
            "imap_security": "none", "imap_user": server.user, "password_file": str(secret), "timeout": 10, **options}
