"""What the mails the gateway writes share: their fixed fields, text templates, the team's mail."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from gateway.actions.base import Outgoing
from gateway.config import Config
from gateway.judging.subject import format_due
from gateway.mail import mime
from gateway.mail.headers import X_LOOP, address_field, msgid_field

GATEWAY_NAME = "Crisis Gateway"


def common_fields(message_id: str, now: datetime) -> list[tuple[str, str] | str]:
    return [("Date", mime.date(now)), msgid_field("Message-ID", message_id), ("X-Loop", X_LOOP)]


def reply_fields(value: str | None) -> list[tuple[str, str] | str]:
    """In-Reply-To and References of the mail answered, when there is one."""
    fields = [msgid_field("In-Reply-To", value), msgid_field("References", value)]
    return [f for f in fields if f]


Filters = tuple[tuple[str, Callable[..., Any]], ...]


@lru_cache(maxsize=32)
def template_environment(directory: Path, autoescape: bool = False, *, trim_blocks: bool = False,
                         filters: Filters = ()) -> SandboxedEnvironment:
    """The Jinja environment of a folder of templates under [gateway] templates_dir: sandboxed,
    since the user edits them, and strict (a misspelt variable is an error, not an empty string).
    One per folder and options: its compiled templates are kept, and one changed on disk is read
    again (Jinja compares its modification time). Callers never change it."""
    environment = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(directory)), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, autoescape=autoescape, trim_blocks=trim_blocks, lstrip_blocks=trim_blocks,
    )
    environment.filters.update(filters)
    return environment


def render(directory: Path, name: str, variables: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of a text template whose first line is 'Subject: ...'."""
    text = template_environment(directory).get_template(name).render(**variables)
    subject_line, _, body = text.partition("\n")
    if not subject_line.startswith("Subject:"):
        raise ValueError(f"template {directory.name}/{name} must start with a 'Subject:' line")
    return subject_line[len("Subject:"):].strip(), body.lstrip("\n")


def text_mail(fields: list[tuple[str, str] | str], body: str) -> bytes:
    return mime.message(fields, "text/plain; charset=utf-8", mime.text_payload(body),
                        extra=[("Content-Transfer-Encoding", "base64")])


def time_left(deadline: datetime, now: datetime) -> str:
    """'5 h 20 min', '2 h 05 min overdue', or from two days on '5 d 10 h'."""
    seconds = int((deadline - now).total_seconds())
    minutes = abs(seconds) // 60
    if minutes >= 48 * 60:
        text = f"{minutes // 1440} d {minutes % 1440 // 60} h"
    else:
        text = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    return text + (" overdue" if seconds < 0 else "")


def local(stamp: str | None, config: Config) -> str:
    """A stored ISO time as a due time in the configured timezone; "" for none."""
    return format_due(datetime.fromisoformat(stamp), config.timezone) if stamp else ""


def gateway_fields(config: Config, row: dict[str, Any], subject: str, now: datetime) -> list[tuple[str, str] | str]:
    """The head of every mail from the gateway to the team: From, To (the row's target), Subject,
    the fixed fields, Auto-Submitted: auto-generated."""
    assert config.smtp is not None
    return [
        address_field("From", GATEWAY_NAME, config.smtp.sender),
        ("To", ", ".join(row["target"].split(","))),
        ("Subject", subject),
        *common_fields(row["message_id"], now),
        ("Auto-Submitted", "auto-generated"),
    ]


def template_mail(config: Config, row: dict[str, Any], template: str, variables: dict[str, Any], now: datetime,
                  extra: list[tuple[str, str]]) -> Outgoing:
    """A text mail from the gateway to the row's target, from a template under templates_dir
    ("reminder/en.txt.j2"), with the `extra` X-Crisis-* fields."""
    assert config.smtp is not None
    folder, _, name = template.rpartition("/")
    subject, body = render(config.templates_dir / folder, name, variables)
    fields = gateway_fields(config, row, subject, now) + extra
    return Outgoing(config.smtp.sender, row["target"].split(","), text_mail(fields, body))


def team_mail(config: Config, row: dict[str, Any], template: str, variables: dict[str, Any], category: str,
              now: datetime, step: str = "") -> Outgoing:
    """A text mail to the team from templates/reminder/: a reminder, a case follow-up, a warning."""
    return template_mail(config, row, f"reminder/{template}", variables, now,
                         [("X-Crisis-Category", category), ("X-Crisis-Reminder", f"{row['kind']} {step}".strip())])


def due_of(stamp: str | None, config: Config, now: datetime) -> dict[str, Any]:
    """A stored deadline for a template: `due` (local time), `left` (time left, or how long
    overdue) and `overdue`; empty texts when there is none."""
    deadline = datetime.fromisoformat(stamp) if stamp else None
    if deadline is None:
        return {"due": "", "left": "", "overdue": False}
    return {"due": format_due(deadline, config.timezone), "left": time_left(deadline, now), "overdue": deadline < now}
