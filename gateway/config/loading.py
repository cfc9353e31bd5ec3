"""Reading the config file into a Config: the sections are built in a fixed order, so a file
with several mistakes always names the same one first."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from gateway.config import mailbox, notify, relay, sections
from gateway.config.keys import check_keys, check_sections
from gateway.config.model import AcknowledgeConfig, Config
from gateway.config.shipped import shipped_dir
from gateway.config.values import config_path, fail, string_list

# Where a command finds its configuration when --config is not given: the file this variable
# names, else the one the install guide and the systemd units use.
CONFIG_VARIABLE = "CRISIS_GATEWAY_CONFIG"
DEFAULT_CONFIG = Path("/etc/crisis-gateway/gateway.toml")


def find_config(given: Path | str | None) -> Path | None:
    """The configuration file a command reads: `given` (--config), else $CRISIS_GATEWAY_CONFIG
    (which must name a file), else /etc/crisis-gateway/gateway.toml if it exists; None when none
    of them does (no_config says so)."""
    if given is not None:
        return Path(given)
    named = os.environ.get(CONFIG_VARIABLE)
    if named:
        if not Path(named).exists():
            raise fail(named, f"file not found (named by ${CONFIG_VARIABLE}); set it to the path of your config "
                              "file, or unset it")
        return Path(named)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def no_config() -> str:
    """What was tried when find_config found nothing."""
    return f"no configuration: --config not given, ${CONFIG_VARIABLE} not set, {DEFAULT_CONFIG} does not exist"


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
            raise fail(where, "file not found; pass --config with the path of your config file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(where, f"cannot read: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise fail(where, f"not valid TOML: {exc}") from None
    return config_from_dict(data, where, path)


def config_from_dict(data: dict, where: str = "config", path: Path | None = None) -> Config:
    check_sections(where, data)
    for name, table in data.items():
        # [[mailbox]] is a list of tables, [relay] says how its two tables are written
        if name not in ("mailbox", "relay") and not isinstance(table, dict):
            raise fail(where, f"[{name}] must be a table: write [{name}] on a line of its own, its keys below it")
    gateway = data.get("gateway", {})
    check_keys(where, "gateway", gateway)

    base = path.parent if path else Path.cwd()
    timezone = sections.timezone(where, gateway)
    mailboxes = mailbox.mailboxes(where, data.get("mailbox", []), base)
    trust = data.get("trust", {})
    check_keys(where, "trust", trust)
    tier1, by_category = sections.escalation(where, data.get("escalation", {}))
    tags = sections.tags(where, data.get("tags", {}))
    webhooks = sections.webhooks(where, data.get("notify", {}))
    max_bytes = sections.max_message_bytes(where, gateway)
    fresh_hours = sections.fresh_hours(where, gateway)
    account_health_hours = sections.account_health_hours(where, gateway)

    def directory(key: str, default: Path) -> Path:
        value = gateway.get(key)
        return config_path(base, value, where=f"{where} [gateway]", key=key) if value else default

    # under systemd, StateDirectory= gives the state's place when the config does not
    state_default = Path(os.environ["STATE_DIRECTORY"].split(":")[0]) if os.environ.get("STATE_DIRECTORY") \
        else Path.cwd() / "state"

    smtp = sections.smtp(where, data.get("smtp"), base)
    acknowledge = sections.flat_section(where, "acknowledge", data.get("acknowledge", {}), AcknowledgeConfig())
    outbox = sections.outbox(where, data.get("outbox", {}))
    reminders = sections.reminders(where, data.get("reminders", {}))
    notify_config = notify.notify(where, data.get("notify", {}), reminders)
    cases = sections.cases(where, data.get("cases", {}))
    digest = sections.digest(where, data.get("digest", {}))
    metrics_listen = sections.metrics(where, data.get("metrics", {}))
    inbound, outbound = relay.relays(where, data.get("relay", {}), max_bytes, smtp, base)

    return Config(
        path=path,
        mailboxes=mailboxes,
        authserv_ids=string_list(f"{where} [trust]", "authserv_ids", trust.get("authserv_ids", [])),
        trust_provider=sections.trust_provider(where, trust),
        verify_dkim=sections.verify_dkim(where, trust),
        tier1=tier1,
        timezone=timezone,
        state_dir=directory("state_dir", state_default),
        rules_dir=directory("rules_dir", shipped_dir("rules")),
        templates_dir=directory("templates_dir", shipped_dir("templates")),
        tags=tags,
        webhooks=webhooks,
        notify=notify_config,
        escalation_by_category=by_category,
        smtp=smtp,
        acknowledge=acknowledge,
        outbox=outbox,
        max_message_bytes=max_bytes,
        fresh_hours=fresh_hours,
        account_health_hours=account_health_hours,
        mail_cpu_seconds=sections.mail_cpu_seconds(where, gateway),
        inbound_relay=inbound,
        outbound_relay=outbound,
        reminders=reminders,
        cases=cases,
        digest=digest,
        metrics_listen=metrics_listen,
    )
