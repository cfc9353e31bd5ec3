"""The keys each section of the config file allows, read off the dataclasses the sections fill:
a field added to a section's dataclass is a key of that section at once."""

from __future__ import annotations

from dataclasses import fields

from gateway.config import model
from gateway.config.values import fail

# A section that fills a dataclass of its own allows the dataclass's fields as keys.
SECTION_CLASSES: dict[str, type] = {
    "mailbox": model.Mailbox,
    "smtp": model.SmtpConfig,
    "acknowledge": model.AcknowledgeConfig,
    "outbox": model.OutboxConfig,
    "reminders": model.RemindersConfig,
    "cases": model.CasesConfig,
    "digest": model.DigestConfig,
    "relay.inbound": model.InboundRelayConfig,
    "relay.outbound": model.OutboundRelayConfig,
}

# (section, field) -> key, where the key is not the field's name: `from` is a Python keyword.
KEY_OF_FIELD = {("smtp", "sender"): "from"}

# A section without a dataclass of its own: key -> the field of Config it fills. [relay]'s keys
# are its sub-tables [relay.inbound] and [relay.outbound].
CONFIG_FIELD_OF_KEY: dict[str, dict[str, str]] = {
    "gateway": {key: key for key in ("state_dir", "timezone", "rules_dir", "templates_dir", "max_message_bytes", "fresh_hours",
                                      "account_health_hours", "mail_cpu_seconds")},
    "trust": {"authserv_ids": "authserv_ids", "provider": "trust_provider", "verify_dkim": "verify_dkim"},
    "escalation": {"tier1": "tier1", "categories": "escalation_by_category"},
    "notify": {"webhooks": "webhooks", "urls": "notify", "default": "notify", "steps": "notify"},
    "metrics": {"listen": "metrics_listen"},
    "relay": {"inbound": "inbound_relay", "outbound": "outbound_relay"},
}

# [tags] maps any category name to its tag word: its keys are not checked.
FREE_SECTIONS = ("tags",)

KNOWN: dict[str, frozenset[str] | None] = {
    **{section: frozenset(KEY_OF_FIELD.get((section, f.name), f.name) for f in fields(cls))
       for section, cls in SECTION_CLASSES.items()},
    **{section: frozenset(keys) for section, keys in CONFIG_FIELD_OF_KEY.items()},
    **dict.fromkeys(FREE_SECTIONS),
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
