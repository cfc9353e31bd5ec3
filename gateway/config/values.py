"""Checks of single values of the config file. Each returns the value as the Config holds it, or
raises a ConfigError that names where the value is and what to write instead."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from gateway.config.model import ConfigError


def fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def number(where: str, value: object, message: str, *, whole: bool = False, positive: bool = False,
           minimum: float | None = None, maximum: float | None = None) -> int | float:
    """value if it is a number (an int if whole), above 0 if positive, within minimum and maximum;
    else the error with message. true and false are no numbers here, though Python counts them
    as ints; nan is outside any bounds."""
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        raise fail(where, message)
    # what must hold, not what must not: nan fails every comparison
    if not ((value > 0 or not positive) and (minimum is None or value >= minimum)
            and (maximum is None or value <= maximum)):
        raise fail(where, message)
    return value


def string_list(where: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(where, f"'{key}' must be a list of strings, e.g. {key} = [\"...\"]")
    return tuple(v.strip() for v in value)


def email_address(where: str, key: str, value: object) -> str:
    if not isinstance(value, str) or "@" not in value or any(c in value for c in " \r\n\t<>,"):
        raise fail(where, f"'{key}' must be one e-mail address like support@example.com, not {value!r}")
    return value.strip().lower()


def email_addresses(where: str, key: str, value: object) -> tuple[str, ...]:
    """A list of e-mail addresses, each checked."""
    return tuple(email_address(where, key, a) for a in string_list(where, key, value))


def host_port(where: str, key: str, value: object) -> tuple[str, int]:
    """"127.0.0.1:10025" or "[::1]:10025"."""
    text = value if isinstance(value, str) else ""
    host, _, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        host = ""
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise fail(where, f"{key} must be an IP address and port like \"127.0.0.1:10025\" or \"[::1]:10025\", "
                          f"not {value!r}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    return ipaddress.ip_address(host).is_loopback


def config_path(base: Path, value: object, *, where: str = "config", key: str = "path") -> Path:
    """A path as written in the config: relative ones are relative to the config file's folder."""
    if not isinstance(value, str) or not value.strip():
        raise fail(where, f"'{key}' must be a file or folder path in quotes, not {value!r}")
    return (base / value).resolve()


def secret_file(base: Path, value: object, *, where: str = "config", key: str = "password_file") -> Path:
    """A file holding a secret. Under systemd, LoadCredential= hands the service a private copy
    of a root-only file: $CREDENTIALS_DIRECTORY/NAME stands in for a configured file named NAME.
    The config keeps the real path, so commands run by hand read the file itself."""
    path = config_path(base, value, where=where, key=key)
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / path.name).is_file():
        return Path(credentials) / path.name
    return path
