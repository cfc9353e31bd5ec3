"""The configuration file (TOML): loading, defaults and errors that name the key and the fix."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.config import secrets_filter
from gateway.config.shipped import shipped_dir

DEFAULT_TAGS = {
    "atoz_claim": "A-to-Z",
    "atoz_decision": "A-to-Z decision",
    "atoz_risk": "A-to-Z risk",
    "chargeback": "Chargeback",
    "account_health": "Account health",
    "buyer_message": "Buyer",
    "case": "Case",
    "return_request": "Return",
    "refund": "Refund",
    "cancellation_request": "Cancel request",
    "feedback": "Feedback",
}


class ConfigError(ValueError):
    """A configuration problem; the message names the file, the key and what to write instead."""


@dataclass(frozen=True)
class Mailbox:
    """A seller inbox: on an IMAP server (imap_host) or a local Maildir (maildir), or only an
    address (enough to classify)."""

    address: str
    name: str
    imap_host: str | None = None
    imap_port: int = 993
    imap_security: str = "tls"           # tls, starttls, none
    imap_user: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    maildir: Path | None = None
    folder: str = "INBOX"
    archive_folder: str = "Crisis Gateway/Archive"
    # where the team's client keeps what it sent: replies found there stop clocks too. "auto": the
    # server's \Sent folder (RFC 6154), else one named like Sent; "none": not watched
    sent_folder: str = "auto"
    backlog_days: int = 14               # on first start, mail of the last N days is processed
    since: date | None = None            # or mail since this date, if given
    poll_seconds: float = 30.0           # when the server offers no IDLE
    timeout: float = 60.0                # socket timeout for every IMAP command
    ca_file: Path | None = None

    @property
    def watched(self) -> bool:
        return bool(self.imap_host or self.maildir)


@dataclass(frozen=True)
class SmtpConfig:
    """Where outgoing mail goes: a smarthost, or a Maildir that captures it (demo, tests)."""

    sender: str
    host: str | None = None
    port: int = 587
    security: str = "starttls"          # tls, starttls, none
    user: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    timeout: float = 30.0
    capture_dir: Path | None = None
    ca_file: Path | None = None         # trust this CA (PEM) instead of the system's, for an internal relay


@dataclass(frozen=True)
class AcknowledgeConfig:
    window_hours: float = 24.0          # at most one acknowledgement per buyer and order in this window
    reply_within_hours: int = 24        # what the acknowledgement promises
    shop_name: str = "Customer Service"


@dataclass(frozen=True)
class OutboxConfig:
    attempts: int = 5                   # per action, then dead-lettered
    max_seconds: float = 300.0          # total time spent retrying one action
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


DEFAULT_REMINDER_STEPS = {
    "atoz_claim": (24.0, 6.0, 1.0),
    "chargeback": (24.0, 6.0, 1.0),
    "atoz_risk": (4.0,),
    "buyer_message": (4.0,),
}


@dataclass(frozen=True)
class RemindersConfig:
    """The ladder before a deadline: reminders to the category's escalation addresses at each
    step (hours before), and for tier-1 clocks still open at escalate_hours, an escalation to
    escalate_to (the second list)."""

    steps: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_REMINDER_STEPS))
    escalate_hours: float = 6.0
    escalate_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class CasesConfig:
    """Seller/Vendor Central cases: after Amazon closes one, reopening is possible for reopen_days;
    a reminder says so after reopen_reminder_days. While Amazon is silent on an open case, the
    team is nudged every nudge_hours to follow up."""

    reopen_days: float = 14.0
    reopen_reminder_days: float = 1.0
    nudge_hours: float = 24.0


@dataclass(frozen=True)
class DigestConfig:
    """The daily digest to managers: sent at `hour` (local time, [gateway] timezone) to `to`;
    without `to`, to the escalation list (escalate_to), else to [escalation] tier1."""

    to: tuple[str, ...] = ()
    hour: int = 8
    enabled: bool = True


LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")


@dataclass(frozen=True)
class InboundRelayConfig:
    """The content filter: Postfix hands every mail to `listen`; the tagged copy goes back to
    `reinject` (Postfix's second smtpd, without content_filter) with the same envelope."""

    listen: tuple[str, int]
    reinject: tuple[str, int]
    max_message_bytes: int
    timeout: float = 60.0               # for the re-injection, per SMTP command
    workers: int = 4                    # mails classified and re-injected at the same time
    drain_seconds: float = 30.0         # on stop: how long mails being received may take to finish


@dataclass(frozen=True)
class OutboundRelayConfig:
    """The team's submission relay: mail goes out through the [smtp] smarthost, without our tags."""

    listen: tuple[str, int]
    max_message_bytes: int
    users_file: Path | None = None      # with it, every client authenticates (AUTH PLAIN/LOGIN)
    tls_cert: Path | None = None        # with tls_cert and tls_key: STARTTLS, required before AUTH
    tls_key: Path | None = None
    local_networks: tuple[str, ...] = LOOPBACK_NETWORKS  # may send without AUTH when no users_file
    workers: int = 4
    drain_seconds: float = 30.0


@dataclass(frozen=True)
class Config:
    path: Path | None
    mailboxes: tuple[Mailbox, ...]
    authserv_ids: tuple[str, ...]
    tier1: tuple[str, ...]
    timezone: ZoneInfo
    state_dir: Path
    rules_dir: Path
    templates_dir: Path
    tags: dict[str, str] = field(default_factory=dict)
    webhooks: tuple[str, ...] = ()
    escalation_by_category: dict[str, tuple[str, ...]] = field(default_factory=dict)
    smtp: SmtpConfig | None = None
    acknowledge: AcknowledgeConfig = AcknowledgeConfig()
    outbox: OutboxConfig = OutboxConfig()
    inbound_relay: InboundRelayConfig | None = None
    outbound_relay: OutboundRelayConfig | None = None
    reminders: RemindersConfig = RemindersConfig()
    cases: CasesConfig = CasesConfig()
    digest: DigestConfig = DigestConfig()
    metrics_listen: tuple[str, int] | None = None  # [metrics] listen: Prometheus, on loopback

    @property
    def message_id_domain(self) -> str:
        """The right side of the Message-IDs the gateway writes."""
        return self.smtp.sender.rpartition("@")[2] if self.smtp else "crisis-gateway.invalid"

    def escalation_addresses(self, category: str) -> tuple[str, ...]:
        return self.escalation_by_category.get(category) or self.tier1

    @property
    def digest_to(self) -> tuple[str, ...]:
        return self.digest.to or self.reminders.escalate_to or self.tier1
    max_message_bytes: int = 64 * 1024 * 1024

    def tag_word(self, category: str) -> str:
        return self.tags.get(category) or DEFAULT_TAGS.get(category) or category.replace("_", " ").capitalize()


_KNOWN = {
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


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _str_list(where: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"'{key}' must be a list of strings, e.g. {key} = [\"...\"]")
    return tuple(v.strip() for v in value)


def _check_keys(where: str, section: str, table: dict) -> None:
    allowed = _KNOWN[section]
    if allowed is None:
        return
    for key in table:
        if key not in allowed:
            raise _fail(where, f"unknown key '{key}' in [{section}]; known keys: {', '.join(sorted(allowed))}")


def _address(where: str, key: str, value: object) -> str:
    if not isinstance(value, str) or "@" not in value or any(c in value for c in " \r\n\t<>,"):
        raise _fail(where, f"'{key}' must be one e-mail address like support@example.com, not {value!r}")
    return value.strip().lower()


def load_config(path: Path | str | None) -> Config:
    """Read a config file; None gives the defaults (no mailboxes, trust unchecked)."""
    data: dict = {}
    where = "defaults"
    if path is not None:
        path = Path(path)
        where = str(path)
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise _fail(where, "file not found; pass --config with the path of your config file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(where, f"cannot read: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise _fail(where, f"not valid TOML: {exc}") from None
    return config_from_dict(data, where, path)


def config_from_dict(data: dict, where: str = "config", path: Path | None = None) -> Config:
    for section in data:
        if section not in _KNOWN:
            known = ", ".join(sorted(k for k in _KNOWN if "." not in k))
            raise _fail(where, f"unknown section [{section}]; known: {known}")
    gateway = data.get("gateway", {})
    if not isinstance(gateway, dict):
        raise _fail(where, "[gateway] must be a table")
    _check_keys(where, "gateway", gateway)

    base = path.parent if path else Path.cwd()
    tz_name = gateway.get("timezone", "UTC")
    try:
        timezone = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(where, f"[gateway] timezone {tz_name!r} is not a known timezone; use a name like \"Europe/Berlin\"") from None

    mailboxes_raw = data.get("mailbox", [])
    if isinstance(mailboxes_raw, dict):
        raise _fail(where, "write [[mailbox]] (double brackets): there may be several mailboxes")
    mailboxes = []
    for index, entry in enumerate(mailboxes_raw, start=1):
        _check_keys(f"{where} [[mailbox]] #{index}", "mailbox", entry)
        if "address" not in entry:
            raise _fail(f"{where} [[mailbox]] #{index}", "'address' is required: the seller inbox address, e.g. address = \"support@example.com\"")
        address = _address(f"{where} [[mailbox]] #{index}", "address", entry["address"])
        mailboxes.append(_mailbox(f"{where} [[mailbox]] #{index} ({entry.get('name', address)})", entry, address, base))
    names = [m.name for m in mailboxes]
    if len(set(names)) != len(names):
        raise _fail(where, "two [[mailbox]] tables have the same name; give each a unique name = \"...\"")

    trust = data.get("trust", {})
    _check_keys(where, "trust", trust)
    escalation = data.get("escalation", {})
    _check_keys(where, "escalation", escalation)
    tier1 = tuple(_address(f"{where} [escalation]", "tier1", a) for a in _str_list(f"{where} [escalation]", "tier1", escalation.get("tier1", [])))
    by_category_raw = escalation.get("categories", {})
    if not isinstance(by_category_raw, dict):
        raise _fail(where, "[escalation] categories must be a table: chargeback = [\"finance@example.com\"]")
    by_category = {
        category: tuple(_address(f"{where} [escalation.categories]", category, a) for a in _str_list(f"{where} [escalation.categories]", category, addresses))
        for category, addresses in by_category_raw.items()
    }

    tags = data.get("tags", {})
    if not isinstance(tags, dict) or not all(isinstance(v, str) and v.strip() and not any(c in v for c in "[]|\r\n") for v in tags.values()):
        raise _fail(where, "[tags] maps a category to a short tag word without brackets, '|' or line breaks, e.g. atoz_claim = \"A-to-Z\"")

    notify = data.get("notify", {})
    _check_keys(where, "notify", notify)
    webhooks = _str_list(f"{where} [notify]", "webhooks", notify.get("webhooks", []))
    for number, url in enumerate(webhooks, start=1):
        if not url.startswith(("http://", "https://")):
            raise _fail(where, f"[notify] webhooks entry {number} must be an http:// or https:// URL")
        secrets_filter.register(url)  # an incoming-webhook URL is a bearer secret

    max_bytes = gateway.get("max_message_bytes", 64 * 1024 * 1024)
    if not isinstance(max_bytes, int) or max_bytes < 1024:
        raise _fail(where, "[gateway] max_message_bytes must be a whole number of bytes, at least 1024")

    def directory(key: str, default: Path) -> Path:
        value = gateway.get(key)
        return (base / value).resolve() if value else default

    # under systemd, StateDirectory= gives the state's place when the config does not
    state_default = Path(os.environ["STATE_DIRECTORY"].split(":")[0]) if os.environ.get("STATE_DIRECTORY") else Path.cwd() / "state"

    smtp = _smtp(where, data.get("smtp"), base)
    acknowledge = _section(where, "acknowledge", data.get("acknowledge", {}), AcknowledgeConfig())
    outbox = _section(where, "outbox", data.get("outbox", {}), OutboxConfig())
    if outbox.attempts < 1 or outbox.max_seconds <= 0 or outbox.backoff_initial < 0 or outbox.backoff_max < outbox.backoff_initial:
        raise _fail(where, "[outbox] needs attempts >= 1, max_seconds > 0 and 0 <= backoff_initial <= backoff_max")

    reminders = _reminders(where, data.get("reminders", {}))
    cases = _section(where, "cases", data.get("cases", {}), CasesConfig())
    if not 0 < cases.reopen_reminder_days < cases.reopen_days or cases.nudge_hours < 1:
        raise _fail(where, "[cases] needs 0 < reopen_reminder_days < reopen_days and nudge_hours >= 1")
    digest = _digest(where, data.get("digest", {}))
    metrics_listen = _metrics(where, data.get("metrics", {}))
    relay = data.get("relay", {})
    if not isinstance(relay, dict):
        raise _fail(where, "write the relay settings as [relay.inbound] and [relay.outbound]")
    _check_keys(where, "relay", relay)
    inbound = _inbound_relay(where, relay["inbound"], max_bytes) if "inbound" in relay else None
    outbound = _outbound_relay(where, relay["outbound"], max_bytes, base) if "outbound" in relay else None
    if outbound is not None and (smtp is None or smtp.host is None):
        raise _fail(where, "[relay.outbound] sends through the [smtp] smarthost: add an [smtp] section with host "
                           "(with capture_dir the team's mail would never leave)")
    if inbound and outbound and inbound.listen == outbound.listen:
        raise _fail(where, "[relay.inbound] and [relay.outbound] cannot listen on the same address")

    return Config(
        path=path,
        mailboxes=tuple(mailboxes),
        authserv_ids=_str_list(f"{where} [trust]", "authserv_ids", trust.get("authserv_ids", [])),
        tier1=tier1,
        timezone=timezone,
        state_dir=directory("state_dir", state_default),
        rules_dir=directory("rules_dir", shipped_dir("rules")),
        templates_dir=directory("templates_dir", shipped_dir("templates")),
        tags={k: v.strip() for k, v in tags.items()},
        webhooks=webhooks,
        escalation_by_category=by_category,
        smtp=smtp,
        acknowledge=acknowledge,
        outbox=outbox,
        max_message_bytes=max_bytes,
        inbound_relay=inbound,
        outbound_relay=outbound,
        reminders=reminders,
        cases=cases,
        digest=digest,
        metrics_listen=metrics_listen,
    )


def secret_file(base: Path, value: object) -> Path:
    """A file holding a secret. Under systemd, LoadCredential= hands the service a private copy
    of a root-only file: $CREDENTIALS_DIRECTORY/NAME stands in for a configured file named NAME.
    The config keeps the real path, so commands run by hand read the file itself."""
    path = (base / str(value)).resolve()
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / path.name).is_file():
        return Path(credentials) / path.name
    return path


def _table(where: str, name: str, table: object) -> tuple[str, dict]:
    """A section's place for messages ("FILE [name]") and its table, checked to be a table of
    known keys."""
    where = f"{where} [{name}]"
    if not isinstance(table, dict):
        raise _fail(where, "must be a table")
    _check_keys(where, name, table)
    return where, table


def _metrics(where: str, table: object) -> tuple[str, int] | None:
    where, table = _table(where, "metrics", table)
    if "listen" not in table:
        return None
    listen = _host_port(where, "listen", table["listen"])
    if not _is_loopback(listen[0]):
        raise _fail(where, "listen must be a loopback address (127.0.0.1 or ::1): the figures name mailboxes and "
                           "categories; let Prometheus scrape through a proxy or an SSH tunnel")
    return listen


def _section(where: str, name: str, table: object, defaults):
    """A flat section of numbers and strings, typed by its dataclass defaults."""
    if not isinstance(table, dict):
        raise _fail(where, f"[{name}] must be a table")
    _check_keys(where, name, table)
    values = {}
    for key, value in table.items():
        default = getattr(defaults, key)
        wanted = (int, float) if isinstance(default, float) else type(default)
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise _fail(where, f"[{name}] {key} must be {'a number' if wanted != str else 'a string'}, not {value!r}")
        values[key] = float(value) if isinstance(default, float) else value
    return type(defaults)(**{**defaults.__dict__, **values})


def _digest(where: str, table: object) -> DigestConfig:
    where, table = _table(where, "digest", table)
    hour = table.get("hour", 8)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise _fail(where, f"hour must be a whole hour from 0 to 23 (local time, [gateway] timezone), not {hour!r}")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(where, "enabled must be true or false")
    to = tuple(_address(where, "to", a) for a in _str_list(where, "to", table.get("to", [])))
    return DigestConfig(to=to, hour=hour, enabled=enabled)


def _hours(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 < value <= 24 * 366


def _reminders(where: str, table: object) -> RemindersConfig:
    where, table = _table(where, "reminders", table)
    steps = dict(DEFAULT_REMINDER_STEPS)
    given = table.get("steps", {})
    if not isinstance(given, dict):
        raise _fail(where, "steps maps a category to hours before its deadline: [reminders.steps] atoz_claim = [24, 6, 1]")
    for category, hours in given.items():
        if not isinstance(hours, list) or not all(_hours(h) for h in hours):
            raise _fail(where, f"steps.{category} must be a list of hours before the deadline, e.g. [24, 6, 1] ([] for none)")
        steps[category] = tuple(sorted({float(h) for h in hours}, reverse=True))
    escalate = table.get("escalate_hours", 6)
    if not _hours(escalate):
        raise _fail(where, "escalate_hours must be a number of hours before the deadline")
    escalate_to = tuple(_address(where, "escalate_to", a) for a in _str_list(where, "escalate_to", table.get("escalate_to", [])))
    return RemindersConfig(steps=steps, escalate_hours=float(escalate), escalate_to=escalate_to)


def _host_port(where: str, key: str, value: object) -> tuple[str, int]:
    """"127.0.0.1:10025" or "[::1]:10025"."""
    text = value if isinstance(value, str) else ""
    host, _, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        host = ""
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise _fail(where, f"{key} must be an IP address and port like \"127.0.0.1:10025\" or \"[::1]:10025\", "
                           f"not {value!r}")
    return host, int(port)


def _is_loopback(host: str) -> bool:
    return ipaddress.ip_address(host).is_loopback


def _relay_common(where: str, table: dict, max_bytes: int) -> dict:
    values: dict = {"listen": _host_port(where, "listen", table.get("listen")),
                    "max_message_bytes": table.get("max_message_bytes", max_bytes)}
    if isinstance(values["max_message_bytes"], bool) or not isinstance(values["max_message_bytes"], int) \
            or values["max_message_bytes"] < 1024:
        raise _fail(where, "max_message_bytes must be a whole number of bytes, at least 1024")
    if "workers" in table:
        if isinstance(table["workers"], bool) or not isinstance(table["workers"], int) or not 1 <= table["workers"] <= 64:
            raise _fail(where, "workers must be a whole number from 1 to 64")
        values["workers"] = table["workers"]
    for key in ("timeout", "drain_seconds"):
        if key in table:
            if isinstance(table[key], bool) or not isinstance(table[key], (int, float)) or table[key] <= 0:
                raise _fail(where, f"{key} must be a number of seconds")
            values[key] = float(table[key])
    return values


def _inbound_relay(where: str, table: object, max_bytes: int) -> InboundRelayConfig:
    where, table = _table(where, "relay.inbound", table)
    if "listen" not in table or "reinject" not in table:
        raise _fail(where, "needs listen (where Postfix hands mail over, e.g. \"127.0.0.1:10025\") and reinject "
                           "(Postfix's re-injection smtpd, e.g. \"127.0.0.1:10026\")")
    values = _relay_common(where, table, max_bytes)
    values["reinject"] = _host_port(where, "reinject", table["reinject"])
    if not _is_loopback(values["listen"][0]):
        # Postfix's re-injection smtpd trusts the gateway: anyone reaching it could relay anywhere.
        raise _fail(where, "listen must be a loopback address (127.0.0.1 or ::1): the content filter runs beside Postfix")
    if values["reinject"] == values["listen"]:
        raise _fail(where, "reinject must differ from listen, or every mail would loop")
    return InboundRelayConfig(**values)


def _outbound_relay(where: str, table: object, max_bytes: int, base: Path) -> OutboundRelayConfig:
    where, table = _table(where, "relay.outbound", table)
    if "listen" not in table:
        raise _fail(where, "needs listen, the address the team's mail client sends to, e.g. \"127.0.0.1:10587\"")
    values = _relay_common(where, table, max_bytes)
    for key in ("users_file", "tls_cert", "tls_key"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                raise _fail(where, f"{key} must be a file path")
            values[key] = secret_file(base, table[key])
    if bool(values.get("tls_cert")) != bool(values.get("tls_key")):
        raise _fail(where, "give both tls_cert and tls_key (PEM files) for STARTTLS, or neither")
    if values.get("users_file") and not values.get("tls_cert") and not _is_loopback(values["listen"][0]):
        raise _fail(where, "passwords would cross the network in clear: set tls_cert and tls_key, or listen on loopback")
    if "local_networks" in table:
        networks = _str_list(where, "local_networks", table["local_networks"]) if table["local_networks"] else ()
        for network in networks:
            try:
                parsed = ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise _fail(where, f"local_networks entry {network!r} is not a network like \"127.0.0.0/8\"") from None
            if parsed.prefixlen == 0:
                raise _fail(where, f"local_networks entry {network!r} is every address: that is an open relay")
        values["local_networks"] = networks
    return OutboundRelayConfig(**values)


def _smtp(where: str, table: object, base: Path) -> SmtpConfig | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _fail(where, "[smtp] must be a table")
    _check_keys(where, "smtp", table)
    if "from" not in table:
        raise _fail(where, "[smtp] 'from' is required: the address the gateway writes from, e.g. from = \"crisis@shop.example\"")
    sender = _address(f"{where} [smtp]", "from", table["from"])
    host, capture = table.get("host"), table.get("capture_dir")
    if bool(host) == bool(capture):
        raise _fail(where, "[smtp] needs exactly one of 'host' (a smarthost) or 'capture_dir' (a Maildir that keeps outgoing mail)")
    security = table.get("security", "starttls")
    if security not in ("tls", "starttls", "none"):
        raise _fail(where, f"[smtp] security must be \"tls\", \"starttls\" or \"none\", not {security!r}")
    port = table.get("port", 465 if security == "tls" else 587)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise _fail(where, f"[smtp] port must be a port number, not {port!r}")
    if table.get("password_file") and table.get("oauth2_token_command"):
        raise _fail(where, "[smtp] give either password_file or oauth2_token_command, not both")
    if (table.get("password_file") or table.get("oauth2_token_command")) and not table.get("user"):
        raise _fail(where, "[smtp] 'user' is required with password_file or oauth2_token_command")
    timeout = table.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise _fail(where, "[smtp] timeout must be a number of seconds")
    return SmtpConfig(
        sender=sender,
        host=str(host) if host else None,
        port=port,
        security=security,
        user=table.get("user"),
        password_file=secret_file(base, table["password_file"]) if table.get("password_file") else None,
        oauth2_token_command=table.get("oauth2_token_command"),
        timeout=float(timeout),
        capture_dir=(base / capture).resolve() if capture else None,
        ca_file=(base / table["ca_file"]).resolve() if table.get("ca_file") else None,
    )


def _mailbox(where: str, entry: dict, address: str, base: Path) -> Mailbox:
    defaults = Mailbox(address=address, name=address)
    values: dict = {"address": address, "name": str(entry.get("name", address))}
    for key in ("imap_host", "imap_user", "oauth2_token_command", "folder", "archive_folder", "sent_folder"):
        if key in entry:
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise _fail(where, f"'{key}' must be a non-empty string")
            values[key] = entry[key].strip()
    for key in ("maildir", "ca_file"):
        if key in entry:
            values[key] = (base / str(entry[key])).resolve()
    if "password_file" in entry:
        values["password_file"] = secret_file(base, str(entry["password_file"]))
    for key in ("imap_port", "backlog_days"):
        if key in entry:
            if isinstance(entry[key], bool) or not isinstance(entry[key], int) or entry[key] < 0:
                raise _fail(where, f"'{key}' must be a whole number")
            values[key] = entry[key]
    for key in ("poll_seconds", "timeout"):
        if key in entry:
            if isinstance(entry[key], bool) or not isinstance(entry[key], (int, float)) or entry[key] <= 0:
                raise _fail(where, f"'{key}' must be a number of seconds")
            values[key] = float(entry[key])
    if "since" in entry:
        since = entry["since"]
        try:
            values["since"] = since if isinstance(since, date) else date.fromisoformat(str(since))
        except ValueError:
            raise _fail(where, f"'since' must be a date like 2026-11-01, not {since!r}") from None
    security = entry.get("imap_security", "tls")
    if security not in ("tls", "starttls", "none"):
        raise _fail(where, f"imap_security must be \"tls\", \"starttls\" or \"none\", not {security!r}")
    values["imap_security"] = security
    if "imap_port" not in entry:
        values["imap_port"] = 993 if security == "tls" else 143
    if values.get("imap_host") and values.get("maildir"):
        raise _fail(where, "give either imap_host (an IMAP server) or maildir (a local folder), not both")
    if values.get("imap_host"):
        if not values.get("imap_user"):
            raise _fail(where, "'imap_user' is required with imap_host")
        if bool(values.get("password_file")) == bool(values.get("oauth2_token_command")):
            raise _fail(where, "give exactly one of password_file or oauth2_token_command (XOAUTH2, e.g. for Gmail)")
    if values.get("folder") == values.get("archive_folder", defaults.archive_folder):
        raise _fail(where, "archive_folder must differ from folder: originals are moved there")
    if values.get("sent_folder") in (values.get("folder", defaults.folder), values.get("archive_folder", defaults.archive_folder)):
        raise _fail(where, "sent_folder must differ from folder and archive_folder: it holds what the team sent")
    return Mailbox(**{**defaults.__dict__, **values})
