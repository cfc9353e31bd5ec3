"""The configuration file (TOML): loading, defaults and errors that name the key and the fix.

model holds the dataclasses and defaults; keys, the keys each section allows; values, the checks
of single values; sections, mailbox and relay build the sections; loading reads the file."""

from gateway.config.loading import config_from_dict, load_config
from gateway.config.model import (
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_REMINDER_STEPS,
    DEFAULT_TAGS,
    LOOPBACK_NETWORKS,
    TAG_CHANGES,
    AcknowledgeConfig,
    CasesConfig,
    Config,
    ConfigError,
    DigestConfig,
    InboundRelayConfig,
    Mailbox,
    OutboundRelayConfig,
    OutboxConfig,
    RemindersConfig,
    SmtpConfig,
    TagsConfig,
)
from gateway.config.values import secret_file

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES", "DEFAULT_REMINDER_STEPS", "DEFAULT_TAGS", "TAG_CHANGES", "LOOPBACK_NETWORKS", "AcknowledgeConfig",
    "CasesConfig", "Config", "ConfigError", "DigestConfig", "InboundRelayConfig", "Mailbox", "OutboundRelayConfig",
    "OutboxConfig", "RemindersConfig", "SmtpConfig", "TagsConfig", "config_from_dict", "load_config", "secret_file",
]
