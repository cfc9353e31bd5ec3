"""The [[mailbox]] tables: the seller inboxes, each on an IMAP server, in a local Maildir, or only
an address."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gateway.config.keys import check_keys
from gateway.config.model import Mailbox
from gateway.config.values import config_path, email_address, fail, number, secret_file


def mailboxes(where: str, tables: object, base: Path) -> tuple[Mailbox, ...]:
    """Every [[mailbox]], each with a name of its own."""
    if isinstance(tables, dict):
        raise fail(where, "write [[mailbox]] (double brackets): there may be several mailboxes")
    if not isinstance(tables, list) or not all(isinstance(entry, dict) for entry in tables):
        raise fail(where, "each mailbox is a [[mailbox]] table with address = \"...\" and its settings")
    found = []
    for index, entry in enumerate(tables, start=1):
        check_keys(f"{where} [[mailbox]] #{index}", "mailbox", entry)
        if "address" not in entry:
            raise fail(f"{where} [[mailbox]] #{index}",
                       "'address' is required: the seller inbox address, e.g. address = \"support@example.com\"")
        address = email_address(f"{where} [[mailbox]] #{index}", "address", entry["address"])
        found.append(mailbox(f"{where} [[mailbox]] #{index} ({entry.get('name', address)})", entry, address, base))
    names = [m.name for m in found]
    if len(set(names)) != len(names):
        raise fail(where, "two [[mailbox]] tables have the same name; give each a unique name = \"...\"")
    return tuple(found)


def mailbox(where: str, entry: dict, address: str, base: Path) -> Mailbox:
    defaults = Mailbox(address=address, name=address)
    values: dict = {"address": address, "name": str(entry.get("name", address))}
    for key in ("imap_host", "imap_user", "oauth2_token_command", "folder", "archive_folder", "sent_folder"):
        if key in entry:
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise fail(where, f"'{key}' must be a non-empty string")
            values[key] = entry[key].strip()
    for key in ("maildir", "ca_file"):
        if key in entry:
            values[key] = config_path(base, entry[key], where=where, key=key)
    if "password_file" in entry:
        values["password_file"] = secret_file(base, entry["password_file"], where=where, key="password_file")
    for key in ("imap_port", "backlog_days"):
        if key in entry:
            values[key] = number(where, entry[key], f"'{key}' must be a whole number", whole=True, minimum=0)
    for key in ("poll_seconds", "timeout"):
        if key in entry:
            values[key] = float(number(where, entry[key], f"'{key}' must be a number of seconds", positive=True))
    if "since" in entry:
        since = entry["since"]
        try:
            values["since"] = since if isinstance(since, date) else date.fromisoformat(str(since))
        except ValueError:
            raise fail(where, f"'since' must be a date like 2026-11-01, not {since!r}") from None
    security = entry.get("imap_security", defaults.imap_security)
    if security not in ("tls", "starttls", "none"):
        raise fail(where, f"imap_security must be \"tls\", \"starttls\" or \"none\", not {security!r}")
    values["imap_security"] = security
    if "imap_port" not in entry:
        values["imap_port"] = defaults.imap_port if security == "tls" else 143
    if values.get("imap_host") and values.get("maildir"):
        raise fail(where, "give either imap_host (an IMAP server) or maildir (a local folder), not both")
    if values.get("imap_host"):
        if not values.get("imap_user"):
            raise fail(where, "'imap_user' is required with imap_host")
        if bool(values.get("password_file")) == bool(values.get("oauth2_token_command")):
            raise fail(where, "give exactly one of password_file or oauth2_token_command (XOAUTH2, e.g. for Gmail)")
    if values.get("folder") == values.get("archive_folder", defaults.archive_folder):
        raise fail(where, "archive_folder must differ from folder: originals are moved there")
    if values.get("sent_folder") in (values.get("folder", defaults.folder),
                                     values.get("archive_folder", defaults.archive_folder)):
        raise fail(where, "sent_folder must differ from folder and archive_folder: it holds what the team sent")
    return Mailbox(**{**defaults.__dict__, **values})
