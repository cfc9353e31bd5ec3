"""The daily digest to managers, leading with what can still be saved: what is due within 24 hours,
then the crises (tier 1) overdue, the other open crises, tier 2 apart, the cases waiting for
Amazon, and the counts of the last 7 days; as HTML (inline styles, no external assets: mail
clients strip <style> and block remote images) and as plain text, the same lists in the same
order in both.

Each list shows at most its cap of rows, then "and N more" with the command that lists them all,
so the mail stays small whatever the backlog: Gmail clips a mail above about 102 KB, and what is
clipped is never read. `crisis-gateway digest` queues one now; the daemon queues one a day at
[digest] hour, local time. The outbox row of a day's digest has the day in its key: it is queued
once, whatever restarts. What is shown is fixed when it is queued, so a retry sends the same digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from gateway.actions.mailing import template_environment, time_left
from gateway.config import Config
from gateway.deadlines import status
from gateway.judging import obligations
from gateway.judging.ids import ORDER_ID
from gateway.judging.subject import format_due
from gateway.mail.text import one_line
from gateway.state import State

log = logging.getLogger("gateway.digest")
WEEK = timedelta(days=7)
SOON = timedelta(hours=24)
# Rows shown per list, and the command that lists all of them. With a row of about 550 bytes of
# HTML and 200 of text (its subject and last action cut to SHORT characters) the whole mail is
# about 73 KB, whatever the number of clocks (tests/test_digest_backlog.py measures one of 1,000).
LISTS: dict[str, tuple[int, str]] = {
    "soon": (20, "crisis-gateway status --due-within 24"),
    "overdue": (15, "crisis-gateway status --overdue --tier 1"),
    "later": (8, "crisis-gateway status --tier 1"),
    "tier2": (10, "crisis-gateway status --tier 2"),
    "cases": (8, "crisis-gateway status"),
}
SHORT = 100
# Gmail clips a mail above about 102 KB: the mail as sent (both parts in base64, and its header)
# stays below BUDGET bytes. Should rows of unusual size pass it, the lists are shortened.
BUDGET = 90_000
HEADER_ROOM = 2_000


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


def _short(value: str) -> str:
    """One line of at most SHORT characters: a row's size is bounded whatever the mail said."""
    value = one_line(value)
    return value if len(value) <= SHORT else value[:SHORT - 1].rstrip() + "\u2026"


def _deadline(clock: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(clock["deadline"]) if clock.get("deadline") else None


def _reference(clock: dict[str, Any]) -> str:
    """What the clock is about, as a manager looks it up: the order id, the case, or for any other
    clock its key as `crisis-gateway resolve` takes it ("account:B0ABCDEF12")."""
    if clock.get("order_id"):
        return clock["order_id"]
    if clock.get("case_id"):
        return f"case {clock['case_id']}"
    return clock["key"]


def _row(state: State, config: Config, clock: dict[str, Any], subject: str, now: datetime) -> dict[str, Any]:
    """The clock's row of `crisis-gateway status`, with what the digest shows of it."""
    row = status.clock_row(state, clock, now)
    deadline = _deadline(clock)
    return {
        **row, "reference": _reference(clock), "label": config.tag_word(clock["category"]),
        # what the clock asks of the team, in the words of `crisis-gateway status`
        "duty": obligations.label(clock.get("obligation")),
        "due": format_due(deadline, config.timezone) if deadline else "-",
        "left": time_left(deadline, now) if deadline else "no deadline",
        "subject": _short(subject or ""), "last": _short(row["last_action"]["what"]) if row["last_action"] else "-",
    }


def _listed(name: str, items: list[Any], make: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The first rows of a list, at most its cap, made into rows; how many are left out, and the
    command that lists them all."""
    cap, command = LISTS[name]
    return {"rows": [make(item) for item in items[:cap]], "total": len(items), "more": max(0, len(items) - cap),
            "command": command}


def at_share(content: dict[str, Any], share: float) -> dict[str, Any]:
    """`content` (of gather) with each list cut to `share` of its cap, and its "more" to match."""
    cut = {}
    for name, (cap, _) in LISTS.items():
        shown, listed = int(cap * share), content[name]
        cut[name] = {**listed, "rows": listed["rows"][:shown], "more": max(0, listed["total"] - shown)}
    return {**content, **cut}


def _sorted_lists(clocks: list[dict[str, Any]], now: datetime, waiting: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Open clocks into the digest's lists, each in the order a manager acts on it: due within 24 h
    (any tier, soonest first); crises overdue (the most recent first: those the least lost);
    other crises (soonest first, without a deadline last); tier 2 (overdue the most recent first,
    then the rest soonest first). Cases waiting for Amazon have their own list."""
    soon, overdue, later, tier2 = [], [], [], []
    for clock in clocks:
        deadline = _deadline(clock)
        if deadline is not None and now <= deadline < now + SOON:
            soon.append(clock)
        elif clock["key"] in waiting:
            continue
        elif clock.get("tier") == 1:
            (overdue if deadline is not None and deadline < now else later).append(clock)
        else:
            tier2.append(clock)

    def ahead(clock: dict[str, Any]) -> tuple[int, float]:
        deadline = _deadline(clock)
        if deadline is None:
            return 2, 0.0
        return (0, -deadline.timestamp()) if deadline < now else (1, deadline.timestamp())

    return {"soon": sorted(soon, key=ahead), "overdue": sorted(overdue, key=ahead), "later": sorted(later, key=ahead),
            "tier2": sorted(tier2, key=ahead)}


def _waiting_case(state: State, config: Config, clock: dict[str, Any], now: datetime) -> dict[str, Any]:
    since = state.last_case_exchange(clock["case_id"])
    return {"case_id": clock["case_id"], "status": clock["case_status"], "subject": _short(clock.get("subject") or ""),
            "since": format_due(since, config.timezone) if since else "-",
            "silent_for": time_left(now, since) if since else "-"}


def _counts(state: State, now: datetime) -> dict[str, Any]:
    """The last 7 days up to `now`, every figure by the gateway's own time of it: mails by when
    they were recorded (not by their Date), actions by when they were done."""
    since = now - WEEK
    kinds = state.audit_counts_between(since, now, ("reply_sent", "clock_stopped", "reminder", "escalation",
                                                    "dead_letter", "quarantined"))
    return {
        **state.mail_counts_recorded(since, now), "by_category": state.mails_recorded_by_category(since, now),
        "missed": state.deadlines_missed(since, now),
        "activity": [("replies sent by the team", kinds.get("reply_sent", 0)), ("clocks stopped", kinds.get("clock_stopped", 0)),
                     ("reminders", kinds.get("reminder", 0)), ("escalations", kinds.get("escalation", 0)),
                     ("actions that failed for good", kinds.get("dead_letter", 0)), ("mails quarantined", kinds.get("quarantined", 0))],
    }


def gather(state: State, config: Config, now: datetime, share: float = 1.0) -> dict[str, Any]:
    """The digest's content: the lists (each {"rows", "total", "more", "command"}, at most `share`
    of its cap shown) in the order shown, the figures of the header, the week's counts."""
    local = now.astimezone(config.timezone)
    clocks = state.open_clocks()
    subjects = state.open_clock_subjects()
    cases = state.cases_waiting_for_amazon()
    lists = _sorted_lists(clocks, now, {clock["key"] for clock in cases})
    content = {name: _listed(name, items, lambda clock: _row(state, config, clock, subjects.get(clock["key"], ""), now))
               for name, items in lists.items()}
    content["cases"] = _listed("cases", cases, lambda clock: _waiting_case(state, config, clock, now))
    overdue = [clock for clock in clocks if (_deadline(clock) or now) < now]
    return at_share({
        "day": f"{local:%a %d %b %Y}", "made": format_due(now, config.timezone), "timezone": str(config.timezone),
        **content, "open": len(clocks), "overdue_all": len(overdue),
        "overdue_tier2": sum(1 for clock in overdue if clock.get("tier") != 1), "counts": _counts(state, now),
    }, share)


def ids_kept_whole(value: str) -> Markup:
    """`value` escaped for HTML, each order id in it in a span that never breaks across lines
    (a browser may break after any hyphen): the filter `ids_kept_whole` of the HTML template."""
    return Markup(ORDER_ID.sub(r'<span style="white-space:nowrap;">\1</span>', str(escape(value))))


def _environment(config: Config, html: bool) -> SandboxedEnvironment:
    """The digest's templates: blocks trimmed (the text part is laid out by its lines)."""
    return template_environment(config.templates_dir / "digest", html, trim_blocks=True,
                                filters=(("ids_kept_whole", ids_kept_whole),))


def render(config: Config, content: dict[str, Any]) -> Digest:
    text = _environment(config, html=False).get_template("digest.txt.j2").render(**content)
    subject_line, _, body = text.partition("\n")
    if not subject_line.startswith("Subject:"):
        raise ValueError("template digest/digest.txt.j2 must start with a 'Subject:' line")
    html = _environment(config, html=True).get_template("digest.html.j2").render(**content)
    return Digest(subject_line[len("Subject:"):].strip(), body.lstrip("\n"), html)


def mailed_size(digest: Digest) -> int:
    """About the bytes of the digest as mailed: both parts in base64 (4 bytes for 3, lines of 76
    and a CRLF), and room for the header and the MIME boundaries."""
    encoded = sum(-(-len(part.encode("utf-8")) // 3) * 4 for part in (digest.text, digest.html))
    return encoded * 78 // 76 + HEADER_ROOM


def compose(state: State, config: Config, now: datetime) -> Digest:
    """The digest as it is mailed: its lists at their caps, shortened should it not fit BUDGET,
    down to none but the counts and the commands. What is shown is gathered once."""
    content = gather(state, config, now)
    for share in (1.0, 0.5, 0.25, 0.0):
        digest = render(config, at_share(content, share))
        if mailed_size(digest) <= BUDGET:
            break
        log.warning("the digest's lists at %d%% of their caps make %d bytes, more than %d: shortened",
                    share * 100, mailed_size(digest), BUDGET)
    return digest


def queue(state: State, config: Config, now: datetime, *, key: str, to: tuple[str, ...]) -> Digest | None:
    """Queue a digest under `key`; None when that key was queued before (today's is sent)."""
    with state.transaction():
        if state.is_queued(key):
            return None
        digest = compose(state, config, now)
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
