"""The daily digest to managers: what is overdue, what is due today, the other open crises, the
cases waiting for Amazon, and the counts of the last 7 days; as HTML (inline styles, tables, no
external assets: mail clients strip <style> and block remote images) and as plain text.

`crisis-gateway digest` queues one now; the daemon queues one a day at [digest] hour, local time.
The outbox row of a day's digest has the day in its key: it is queued once, whatever restarts.
What is shown is fixed when it is queued, so a retry sends the same digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from gateway.actions.mailing import time_left
from gateway.config import Config
from gateway.deadlines.status import status_rows
from gateway.judging.subject import format_due
from gateway.state import State

log = logging.getLogger("gateway.digest")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


def _open_rows(state: State, config: Config, now: datetime) -> list[dict[str, Any]]:
    subjects = state.open_clock_subjects()
    rows = []
    for row in status_rows(state, now):
        deadline = datetime.fromisoformat(row["deadline"]) if row["deadline"] else None
        rows.append({**row, "reference": row["clock"] if row["clock"].startswith("account:")
                     else row["order_id"] or f"case {row['case_id']}", "label": config.tag_word(row["category"]),
                     "subject": subjects.get(row["clock"], ""),
                     "due": format_due(deadline, config.timezone) if deadline else "-",
                     "left": time_left(deadline, now) if deadline else "-",
                     "last": (row["last_action"] or {}).get("what", "-")})
    return rows


def _waiting_cases(state: State, config: Config, now: datetime) -> list[dict[str, Any]]:
    cases = []
    for clock in state.cases_waiting_for_amazon():
        since = state.last_case_exchange(clock["case_id"])
        cases.append({"case_id": clock["case_id"], "status": clock["case_status"], "subject": clock.get("subject") or "",
                      "since": format_due(since, config.timezone) if since else "-",
                      "silent_for": time_left(now, since) if since else "-"})
    return cases


def _counts(state: State, now: datetime) -> dict[str, Any]:
    since = now - WEEK
    by_category = state.mails_by_category_since(since)
    kinds = state.audit_counts_since(since, ("reply_sent", "clock_stopped", "reminder", "escalation", "dead_letter",
                                             "quarantined"))
    return {
        "mails": sum(n for _, n in by_category), "by_category": by_category,
        "tier1": state.tier1_mail_count_since(since), "suspicious": state.suspicious_mail_count_since(since),
        "missed": state.deadlines_missed(since, now),
        "activity": [("replies sent by the team", kinds.get("reply_sent", 0)), ("clocks stopped", kinds.get("clock_stopped", 0)),
                     ("reminders", kinds.get("reminder", 0)), ("escalations", kinds.get("escalation", 0)),
                     ("actions that failed for good", kinds.get("dead_letter", 0)), ("mails quarantined", kinds.get("quarantined", 0))],
    }


def gather(state: State, config: Config, now: datetime) -> dict[str, Any]:
    """The digest's content: open clocks split into overdue, due today (before local midnight)
    and later crises; cases waiting for Amazon; the week's counts."""
    local = now.astimezone(config.timezone)
    end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = _open_rows(state, config, now)
    overdue = [r for r in rows if r["overdue"]]
    today = [r for r in rows if not r["overdue"] and r["deadline"] and datetime.fromisoformat(r["deadline"]) < end_of_day]
    shown = {r["clock"] for r in overdue + today}
    later = [r for r in rows if r["tier"] == 1 and r["clock"] not in shown]
    return {
        "day": f"{local:%a %d %b %Y}", "made": format_due(now, config.timezone), "timezone": str(config.timezone),
        "overdue": overdue, "today": today, "later": later, "cases": _waiting_cases(state, config, now),
        "open": len(rows), "counts": _counts(state, now),
    }


def _environment(config: Config, html: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(config.templates_dir / "digest")),
                                undefined=jinja2.StrictUndefined, autoescape=html, keep_trailing_newline=True,
                                trim_blocks=True, lstrip_blocks=True)


def render(config: Config, content: dict[str, Any]) -> Digest:
    text = _environment(config, html=False).get_template("digest.txt.j2").render(**content)
    subject_line, _, body = text.partition("\n")
    if not subject_line.startswith("Subject:"):
        raise ValueError("template digest/digest.txt.j2 must start with a 'Subject:' line")
    html = _environment(config, html=True).get_template("digest.html.j2").render(**content)
    return Digest(subject_line[len("Subject:"):].strip(), body.lstrip("\n"), html)


def queue(state: State, config: Config, now: datetime, *, key: str, to: tuple[str, ...]) -> Digest | None:
    """Queue a digest under `key`; None when that key was queued before (today's is sent)."""
    with state.transaction():
        if state.is_queued(key):
            return None
        digest = render(config, gather(state, config, now))
        state.enqueue(key, "digest", ",".join(to), {"subject": digest.subject, "text": digest.text, "html": digest.html},
                      message_key=None, order_id=None, now=now, id_domain=config.message_id_domain)
        state.audit("digest", {"key": key, "to": list(to), "subject": digest.subject}, at=now)
    log.info("digest queued for %s: %s", ", ".join(to), digest.subject)
    return digest


def fire_due(state: State, config: Config, now: datetime) -> Digest | None:
    """The day's digest, once [digest] hour has come (local time); a day the daemon was down at
    that hour gets its digest when it is back, that same day."""
    local = now.astimezone(config.timezone)
    if not config.digest.enabled or not config.digest_to or local.hour < config.digest.hour:
        return None
    return queue(state, config, now, key=f"digest|{local:%Y-%m-%d}", to=config.digest_to)
