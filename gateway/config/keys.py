"""The keys each section of the config file allows, and the checks that name an unknown one."""

from __future__ import annotations

from gateway.config.values import fail

KNOWN = {
    "gateway": {"state_dir", "timezone", "rules_dir", "templates_dir", "max_message_bytes"},
    "mailbox": {
        "address", "name", "imap_host", "imap_port", "imap_security", "imap_user", "password_file",
        "oauth2_token_command", "maildir", "folder", "archive_folder", "sent_folder", "backlog_days", "since",
        "poll_seconds", "timeout", "ca_file",
    },
    "trust": {"authserv_ids"},
    "escalation": {"tier1", "categories"},
    "smtp": {"host", "port", "security", "user", "password_file", "oauth2_token_command", "from", "timeout", "capture_dir", "ca_file"},
    "acknowledge": {"window_hours", "reply_within_hours", "shop_name"},
    "outbox": {"attempts", "max_seconds", "backoff_initial", "backoff_max"},
    "tags": None,  # any category name
    "notify": {"webhooks"},
    "relay": {"inbound", "outbound"},
    "reminders": {"steps", "escalate_hours", "escalate_to"},
    "cases": {"reopen_days", "reopen_reminder_days", "nudge_hours"},
    "digest": {"to", "hour", "enabled"},
    "metrics": {"listen"},
    "relay.inbound": {"listen", "reinject", "max_message_bytes", "timeout", "workers", "drain_seconds"},
    "relay.outbound": {"listen", "max_message_bytes", "users_file", "tls_cert", "tls_key", "local_networks", "workers",
                       "drain_seconds"},
}


def check_sections(where: str, data: dict) -> None:
    for section in data:
        if section not in KNOWN:
            known = ", ".join(sorted(k for k in KNOWN if "." not in k))
            raise fail(where, f"unknown section [{section}]; known: {known}")


def check_keys(where: str, section: str, table: dict) -> None:
    allowed = KNOWN[section]
    if allowed is None:
        return
    for key in table:
        if key not in allowed:
            raise fail(where, f"unknown key '{key}' in [{section}]; known keys: {', '.join(sorted(allowed))}")


def section_table(where: str, name: str, table: object) -> tuple[str, dict]:
    """A section's place for messages ("FILE [name]") and its table, checked to be a table of
    known keys."""
    where = f"{where} [{name}]"
    if not isinstance(table, dict):
        raise fail(where, "must be a table")
    check_keys(where, name, table)
    return where, table
