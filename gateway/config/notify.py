"""[notify] urls, default and steps: the Apprise URLs notifications go to, and which go where.

An entry is an Apprise URL, optionally after names and "=" as in Apprise's own text config
("chat=slack://...", "oncall,weekend=pagerduty://..."). Each URL is checked by Apprise itself
when the config loads, and registered as a secret at once: no message of the config, of the logs
or of Apprise may show it. A URL that Apprise does not take is named by its position and scheme.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from gateway.config import secrets_filter
from gateway.config.keys import check_keys
from gateway.config.model import NotifyConfig, NotifyTarget, RemindersConfig
from gateway.config.values import fail, string_list

if TYPE_CHECKING:
    import apprise

NAMES = re.compile(r"^\s*([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)\s*=\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
HELP = "see https://appriseit.com/services/ for each service's URL"
# words of the services' URL paths that carry no secret: not hidden from every log line
PATH_WORDS = frozenset({"services", "workflows", "triggers", "manual", "paths", "invoke", "powerautomate",
                        "automations", "direct", "webhook", "webhooks", "webhookb2", "incomingwebhook", "enqueue"})


def apprise_object() -> "apprise.Apprise":
    """An Apprise that loads no plugins from the home directory, keeps no cache on disk and puts
    no links to Apprise's icons on GitHub in the messages (a chat would fetch them): it sends what
    it is given, signed "Crisis Gateway", and nothing else. Imported here: Apprise takes a third of a
    second to import, which no command without [notify] urls should wait for."""
    import apprise

    return apprise.Apprise(asset=apprise.AppriseAsset(
        plugin_paths=[], storage_mode="memory", app_id="Crisis Gateway", app_desc="Crisis Gateway", app_url="",
        image_url_mask="", image_url_logo=""))


def fingerprint(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]


def notify(where: str, table: dict, reminders: RemindersConfig) -> NotifyConfig:
    check_keys(where, "notify", table)
    targets = _targets(where, table.get("urls", []))
    names = sorted({name for target in targets for name in target.names})
    default = _names(where, "default", table.get("default", []), names)
    given = table.get("steps", {})
    if not isinstance(given, dict):
        raise fail(where, "[notify.steps] maps a reminder step to names of [notify] urls: \"T-1h\" = [\"oncall\"]")
    known = step_labels(reminders)
    steps = {}
    for step, chosen in given.items():
        if step not in known:
            raise fail(where, f"[notify.steps] {step!r} is no reminder step; the steps of [reminders] are "
                              f"{', '.join(known)}")
        steps[step] = _names(where, f"steps.{step}", chosen, names)
    if (default or steps) and not targets:
        raise fail(where, "[notify] default and steps choose among [notify] urls, and there are none")
    return NotifyConfig(targets=targets, default=default, steps=steps)


def _targets(where: str, value: object) -> tuple[NotifyTarget, ...]:
    entries = string_list(f"{where} [notify]", "urls", value)
    if not entries:
        return ()
    targets = []
    checker = apprise_object()
    for position, entry in enumerate(entries, start=1):
        match = NAMES.match(entry)
        url = entry[match.end():].strip() if match else entry
        _register(url)
        scheme = SCHEME.match(url)
        if not scheme:
            raise fail(where, f"[notify] urls entry {position} is no URL: write service://..., "
                              f"or name=service://... ({HELP})")
        if not checker.add(url):
            raise fail(where, f"[notify] urls entry {position} ({scheme.group(1)}://...) is not a URL Apprise "
                              f"accepts: check its parts ({HELP})")
        names = tuple(n.strip() for n in match.group(1).split(",")) if match else ()
        targets.append(NotifyTarget(url=url, names=names, position=position, fingerprint=fingerprint(url)))
    return tuple(targets)


def _names(where: str, key: str, value: object, names: list[str]) -> tuple[str, ...]:
    if value == []:
        return ()
    chosen = string_list(f"{where} [notify]", key, value)
    for name in chosen:
        if not NAME.match(name) or name not in names:
            given = ", ".join(names) or "none: name a URL with name=service://..."
            raise fail(where, f"[notify] {key}: {name!r} names no URL of [notify] urls; their names are {given}")
    return chosen


def step_label(hours: float) -> str:
    """A reminder step as [notify.steps], the reminder mails and the audit name it: "T-24h", "T-0.5h"."""
    return f"T-{hours:g}h"


def step_labels(reminders: RemindersConfig) -> list[str]:
    """The label of every step of [reminders], each once, the earliest first (the most hours before
    the deadline), then "escalate": what [notify.steps] may name."""
    hours = {step_label(h): h for ladder in reminders.steps.values() for h in ladder}
    return sorted(hours, key=lambda label: -hours[label]) + ["escalate"]


def _register(url: str) -> None:
    """The URL and the parts of it that carry its tokens (user, password, host, path segments,
    query values) become secrets, since Apprise's own messages name services by such parts."""
    secrets_filter.register(url)
    rest = url.partition("://")[2]
    for part in re.split(r"[/@:?&#,]", rest):
        value = part.partition("=")[2] if "=" in part else part
        if len(value) >= 6 and not value.isdigit() and value.lower() not in PATH_WORDS \
                and not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", value):
            secrets_filter.register(value)
