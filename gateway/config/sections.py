"""The builders of the config file's sections, except [[mailbox]] (mailbox) and [relay] (relay):
each checks its table and returns what Config holds of it."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.config import secrets_filter
from gateway.config.keys import check_keys, section_table
from gateway.config.model import (
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_REMINDER_STEPS,
    TAG_CHANGES,
    TRUST_PROVIDERS,
    CasesConfig,
    Config,
    DigestConfig,
    OutboxConfig,
    RemindersConfig,
    SmtpConfig,
    TagsConfig,
)
from gateway.config.values import (
    config_path,
    email_address,
    email_addresses,
    fail,
    host_port,
    is_loopback,
    number,
    secret_file,
    string_list,
)


def flat_section(where: str, name: str, table: object, defaults):
    """A flat section of numbers and strings, typed by its dataclass defaults."""
    if not isinstance(table, dict):
        raise fail(where, f"[{name}] must be a table")
    check_keys(where, name, table)
    values = {}
    for key, value in table.items():
        default = getattr(defaults, key)
        message = f"[{name}] {key} must be {'a string' if isinstance(default, str) else 'a number'}, not {value!r}"
        if isinstance(default, str):
            if not isinstance(value, str):
                raise fail(where, message)
        else:
            number(where, value, message, whole=isinstance(default, int))
        values[key] = float(value) if isinstance(default, float) else value
    return type(defaults)(**{**defaults.__dict__, **values})


def timezone(where: str, gateway: dict) -> ZoneInfo:
    tz_name = gateway.get("timezone", "UTC")
    try:
        return ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(where, f"[gateway] timezone {tz_name!r} is not a known timezone; "
                          f"use a name like \"Europe/Berlin\"") from None


def max_message_bytes(where: str, gateway: dict) -> int:
    return number(where, gateway.get("max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES),
                  "[gateway] max_message_bytes must be a whole number of bytes, at least 1024",
                  whole=True, minimum=1024)


def fresh_hours(where: str, gateway: dict) -> float:
    return float(number(where, gateway.get("fresh_hours", Config.fresh_hours),
                        "[gateway] fresh_hours must be a number of hours above 0, e.g. fresh_hours = 6", positive=True))


def account_health_hours(where: str, gateway: dict) -> float:
    return float(number(where, gateway.get("account_health_hours", Config.account_health_hours),
                        "[gateway] account_health_hours must be a number of hours above 0 (at most a year): how long "
                        "the team has to act on an account-health notice that states no deadline, e.g. "
                        "account_health_hours = 72", positive=True, maximum=24 * 366))


def mail_cpu_seconds(where: str, gateway: dict) -> float:
    return float(number(where, gateway.get("mail_cpu_seconds", Config.mail_cpu_seconds),
                        "[gateway] mail_cpu_seconds must be a number of seconds above 0, e.g. mail_cpu_seconds = 2",
                        positive=True))


def escalation(where: str, escalation: dict) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """[escalation]: tier1, and the addresses of categories that have their own."""
    check_keys(where, "escalation", escalation)
    tier1 = email_addresses(f"{where} [escalation]", "tier1", escalation.get("tier1", []))
    by_category = escalation.get("categories", {})
    if not isinstance(by_category, dict):
        raise fail(where, "[escalation] categories must be a table: chargeback = [\"finance@example.com\"]")
    return tier1, {category: email_addresses(f"{where} [escalation.categories]", category, addresses)
                   for category, addresses in by_category.items()}


def trust_provider(where: str, trust: dict) -> str | None:
    """[trust] provider: the mailbox provider whose Authentication-Results count, lower case; None
    when not set."""
    value = trust.get("provider")
    if value is None:
        return None
    name = value.strip().lower() if isinstance(value, str) else value
    if name not in TRUST_PROVIDERS:
        raise fail(f"{where} [trust]", f"unknown provider {value!r}; known providers: {', '.join(TRUST_PROVIDERS)}")
    return name


def verify_dkim(where: str, trust: dict) -> bool:
    """[trust] verify_dkim: true or false, false when not set."""
    value = trust.get("verify_dkim", False)
    if not isinstance(value, bool):
        raise fail(f"{where} [trust]", f"verify_dkim must be true or false, not {value!r}")
    return value


def tags(where: str, tags: object) -> TagsConfig:
    """[tags]: `subject` and `follow`, every other key a category and its tag word."""
    if not isinstance(tags, dict):
        raise fail(where, "[tags] must be a table")
    words = {k: v for k, v in tags.items() if k not in ("subject", "follow")}
    if not all(isinstance(v, str) and v.strip() and not any(c in v for c in "[]|\r\n") for v in words.values()):
        raise fail(where, "[tags] maps a category to a short tag word without brackets, '|' or line breaks, "
                          "e.g. atoz_claim = \"A-to-Z\"")
    subject = tags.get("subject", True)
    if not isinstance(subject, bool):
        raise fail(f"{where} [tags]", f"subject must be true (tag the subject) or false (keywords and X-Crisis-* "
                                      f"fields only), not {subject!r}")
    follow = tags.get("follow", list(TAG_CHANGES))
    if not isinstance(follow, list) or any(v not in TAG_CHANGES for v in follow):
        raise fail(f"{where} [tags]", f"follow must be a list of the changes that rewrite the subject tag, out of "
                                      f"{', '.join(TAG_CHANGES)}; e.g. follow = [\"answered\", \"overdue\"]; "
                                      f"not {follow!r}")
    return TagsConfig({k: v.strip() for k, v in words.items()}, subject, tuple(dict.fromkeys(follow)))


def webhooks(where: str, notify: dict) -> tuple[str, ...]:
    """[notify] webhooks; each URL is a bearer secret, kept out of the logs from here on."""
    check_keys(where, "notify", notify)
    urls = string_list(f"{where} [notify]", "webhooks", notify.get("webhooks", []))
    for index, url in enumerate(urls, start=1):
        if not url.startswith(("http://", "https://")):
            raise fail(where, f"[notify] webhooks entry {index} must be an http:// or https:// URL")
        secrets_filter.register(url)
    return urls


def outbox(where: str, table: object) -> OutboxConfig:
    outbox = flat_section(where, "outbox", table, OutboxConfig())
    if outbox.attempts < 1 or outbox.max_seconds <= 0 or outbox.backoff_initial < 0 \
            or outbox.backoff_max < outbox.backoff_initial:
        raise fail(where, "[outbox] needs attempts >= 1, max_seconds > 0 and 0 <= backoff_initial <= backoff_max")
    return outbox


def cases(where: str, table: object) -> CasesConfig:
    cases = flat_section(where, "cases", table, CasesConfig())
    if not 0 < cases.reopen_reminder_days < cases.reopen_days or cases.nudge_hours < 1:
        raise fail(where, "[cases] needs 0 < reopen_reminder_days < reopen_days and nudge_hours >= 1")
    return cases


def metrics(where: str, table: object) -> tuple[str, int] | None:
    where, table = section_table(where, "metrics", table)
    if "listen" not in table:
        return None
    listen = host_port(where, "listen", table["listen"])
    if not is_loopback(listen[0]):
        raise fail(where, "listen must be a loopback address (127.0.0.1 or ::1): the figures name mailboxes and "
                          "categories; let Prometheus scrape through a proxy or an SSH tunnel")
    return listen


def digest(where: str, table: object) -> DigestConfig:
    where, table = section_table(where, "digest", table)
    hour = table.get("hour", DigestConfig.hour)
    number(where, hour, f"hour must be a whole hour from 0 to 23 (local time, [gateway] timezone), not {hour!r}",
           whole=True, minimum=0, maximum=23)
    enabled = table.get("enabled", DigestConfig.enabled)
    if not isinstance(enabled, bool):
        raise fail(where, "enabled must be true or false")
    to = email_addresses(where, "to", table.get("to", []))
    return DigestConfig(to=to, hour=hour, enabled=enabled)


def _hours(where: str, value: object, message: str) -> float:
    """Hours before a deadline: more than 0, at most a year."""
    return float(number(where, value, message, positive=True, maximum=24 * 366))


def reminders(where: str, table: object) -> RemindersConfig:
    where, table = section_table(where, "reminders", table)
    steps = dict(DEFAULT_REMINDER_STEPS)
    given = table.get("steps", {})
    if not isinstance(given, dict):
        raise fail(where, "steps maps a category to hours before its deadline: "
                          "[reminders.steps] atoz_claim = [24, 6, 1]")
    for category, hours in given.items():
        message = f"steps.{category} must be a list of hours before the deadline, e.g. [24, 6, 1] ([] for none)"
        if not isinstance(hours, list):
            raise fail(where, message)
        steps[category] = tuple(sorted({_hours(where, h, message) for h in hours}, reverse=True))
    escalate = _hours(where, table.get("escalate_hours", RemindersConfig.escalate_hours),
                      "escalate_hours must be a number of hours before the deadline")
    escalate_to = email_addresses(where, "escalate_to", table.get("escalate_to", []))
    return RemindersConfig(steps=steps, escalate_hours=escalate, escalate_to=escalate_to)


def smtp(where: str, table: object, base: Path) -> SmtpConfig | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise fail(where, "[smtp] must be a table")
    check_keys(where, "smtp", table)
    if "from" not in table:
        raise fail(where, "[smtp] 'from' is required: the address the gateway writes from, "
                          "e.g. from = \"crisis@shop.example\"")
    sender = email_address(f"{where} [smtp]", "from", table["from"])
    host, capture = table.get("host"), table.get("capture_dir")
    if bool(host) == bool(capture):
        raise fail(where, "[smtp] needs exactly one of 'host' (a smarthost) "
                          "or 'capture_dir' (a Maildir that keeps outgoing mail)")
    security = table.get("security", SmtpConfig.security)
    if security not in ("tls", "starttls", "none"):
        raise fail(where, f"[smtp] security must be \"tls\", \"starttls\" or \"none\", not {security!r}")
    port = table.get("port", 465 if security == "tls" else SmtpConfig.port)
    number(where, port, f"[smtp] port must be a port number, not {port!r}", whole=True, minimum=1, maximum=65535)
    if table.get("password_file") and table.get("oauth2_token_command"):
        raise fail(where, "[smtp] give either password_file or oauth2_token_command, not both")
    if (table.get("password_file") or table.get("oauth2_token_command")) and not table.get("user"):
        raise fail(where, "[smtp] 'user' is required with password_file or oauth2_token_command")
    timeout = number(where, table.get("timeout", SmtpConfig.timeout), "[smtp] timeout must be a number of seconds",
                     positive=True)
    max_per_minute = number(where, table.get("max_per_minute", SmtpConfig.max_per_minute),
                            "[smtp] max_per_minute must be a whole number of mails, 0 for no limit, "
                            "e.g. max_per_minute = 30", whole=True, minimum=0)
    return SmtpConfig(
        sender=sender,
        host=str(host) if host else None,
        port=port,
        security=security,
        user=table.get("user"),
        password_file=secret_file(base, table["password_file"], where=f"{where} [smtp]", key="password_file")
        if table.get("password_file") else None,
        oauth2_token_command=table.get("oauth2_token_command"),
        timeout=float(timeout),
        capture_dir=config_path(base, capture, where=f"{where} [smtp]", key="capture_dir") if capture else None,
        ca_file=config_path(base, table["ca_file"], where=f"{where} [smtp]", key="ca_file") if table.get("ca_file") else None,
        max_per_minute=max_per_minute,
    )
