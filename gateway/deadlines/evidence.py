"""The evidence pack for a claim: a summary, a draft of the answer to Amazon, a checklist of what
Amazon asks for, the team's own statements, and every mail about the order as a time-ordered HTML
timeline with the original .eml files, zipped.

The mails are those the gateway recorded with the order id (buyer messages, Amazon's
notifications, carrier mails that name the order) and the team's replies, sent through the outbound
relay or found in the Sent folder. Delivery proof comes only from senders that are who they say
(gateway.judging.trust.authenticated): a carrier, or Amazon's own shipping notice, whose mail passed
authentication; a mail from an Amazon address that nothing authenticated is no proof. What the
team wrote is its statement, never proof. Times are shown in [gateway] timezone; identifiers as
the mails write them. What the checklist looks for is data: gateway/data/evidence.toml.
"""

from __future__ import annotations

import copy
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from gateway.actions import mailing
from gateway.actions.mailing import template_environment
from gateway.config import Config
from gateway.deadlines import evidence_summary
from gateway.intake.replies import own_words
from gateway.judging.claims import as_written, line_as_written
from gateway.judging.facts import MailFacts
from gateway.judging.subject import format_due
from gateway.judging.trust import authenticated
from gateway.mail.parse import MailError, ParsedMail, parse_mail
from gateway.mail.text import fold_for_matching, one_line, phrase_pattern
from gateway.state import State

MATCHED_CHARACTERS = 20000  # of each mail's text, for the checklist: enough for any notice


@dataclass(frozen=True)
class Entry:
    at: str             # ISO 8601, UTC: sorts as time
    local: str          # the same time in [gateway] timezone, as tags show it
    kind: str           # "buyer", "amazon", "shipping" (Amazon's shipping notice), "carrier", "team", "other"
    trusted: bool       # the sender is who it says: authenticated Amazon or carrier mail
    sender: str
    subject: str
    excerpt: str
    file: str
    category: str | None = None    # as classified; None for the team's own mail
    sender_name: str = ""
    text: str = field(default="", repr=False)
    raw: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Check:
    name: str                       # as in evidence.toml: tracking, carrier, delivery, correspondence
    label: str
    hits: list[tuple[str, Entry]]   # what was found, as written, and the mail it is in
    quoted: bool = True

    @property
    def found(self) -> list[str]:
        """Each hit with the file it is in, once."""
        shown = (f"{what!r} in {e.file}" if self.quoted else f"{what} ({e.file})" for what, e in self.hits)
        return list(dict.fromkeys(shown))

    @property
    def ok(self) -> bool:
        return bool(self.hits)


@dataclass(frozen=True)
class Statement:
    """A mail the team sent: what it says about delivery, tracking and carrier, as written."""
    local: str
    file: str
    lines: list[str]


@dataclass(frozen=True)
class Pack:
    path: Path
    checks: list[Check]
    count: int
    summary: evidence_summary.Summary
    draft: str


@cache
def _data() -> dict[str, Any]:
    data = copy.deepcopy(evidence_summary.evidence_data())
    for check in data["check"].values():
        phrases = phrase_pattern([fold_for_matching(p) for p in check.get("phrases", [])])
        check["compiled"] = ([phrases] if phrases else []) + [re.compile(p) for p in check.get("patterns", [])]
    return data


def claim_clock(state: State, order_id: str) -> dict[str, Any] | None:
    """The clock of what Amazon is answered by: the claim's (`order:<id>:claim`), else the
    chargeback's, else the order's first one."""
    clocks = {c.get("obligation"): c for c in state.order_clocks(order_id)}
    return clocks.get("claim") or clocks.get("chargeback") or next(iter(clocks.values()), None)


def _is_carrier(domain: str) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in _data()["senders"]["carrier_domains"])


def _is_shipping_notice(mail: ParsedMail) -> bool:
    senders = _data()["senders"]
    address = mail.from_address.lower()
    notification = mail.header("X-Space-Notification-Type").upper()
    by_type = bool(notification) and any(fnmatchcase(notification, p) for p in senders["amazon_shipping_notifications"])
    return by_type or any(fnmatchcase(address, p) for p in senders["amazon_shipping_addresses"])


def _kind(mail: ParsedMail, config: Config) -> tuple[str, bool]:
    """(kind, trusted) of a recorded mail: trusted only when [trust] authenticates its sender."""
    if mail.from_address.lower() in {m.address.lower() for m in config.mailboxes}:
        return "team", False
    classes = MailFacts(mail).sender_classes
    if "buyer_relay" in classes:
        return "buyer", False
    if "amazon" in classes:
        return ("shipping" if _is_shipping_notice(mail) else "amazon"), authenticated(mail, config)
    if _is_carrier(mail.from_domain):
        return "carrier", authenticated(mail, config)
    return "other", False


def _entry(config: Config, at: str, raw: bytes, number: int, row: dict[str, Any] | None) -> Entry:
    local = mailing.local(at, config)
    try:
        mail = parse_mail(raw)
    except MailError:
        kind = "team" if row is None else "other"
        return Entry(at, local, kind, False, "", "(unreadable mail)", "", f"{number:02d}-{at[:10]}-{kind}.eml", raw=raw)
    kind, trusted = ("team", False) if row is None else _kind(mail, config)
    name = f"{number:02d}-{at[:10]}-{kind}.eml"
    return Entry(at, local, kind, trusted, mail.from_address, one_line(mail.subject), mail.text.strip()[:1500], name,
                 category=None if row is None else row.get("category"), sender_name=one_line(mail.from_name),
                 text=mail.text[:MATCHED_CHARACTERS], raw=raw)


def entries(state: State, config: Config, order_id: str) -> list[Entry]:
    found: list[tuple[str, bytes, dict[str, Any] | None]] = []
    for message in state.order_messages(order_id):
        found.append((message["arrival"], state.raw(message), message))
    for row in state.replies_sent_about_order(order_id):
        raw_path = row["detail"].get("raw")
        if raw_path and (state.directory / raw_path).exists():
            found.append((row["detail"].get("sent_at") or row["at"], (state.directory / raw_path).read_bytes(), None))
    found.sort(key=lambda item: datetime.fromisoformat(item[0]))
    return [_entry(config, at, raw, number, row) for number, (at, raw, row) in enumerate(found, start=1)]


def _searched(entry: Entry) -> str:
    """What the checks read: a carrier names itself in its sender's name ("UPS Notifications")."""
    name = entry.sender_name if entry.kind in ("carrier", "shipping") else ""
    return f"{name}\n{entry.subject}\n{entry.text}"


def _quoted_line(pattern: re.Pattern[str], entry: Entry) -> str | None:
    """The first line of the body (else the subject) that the pattern finds, as written."""
    for line in (*entry.text.splitlines(), entry.subject):
        if pattern.search(fold_for_matching(line)):
            return line_as_written(fold_for_matching(line), line)
    return None


def _found(check: dict[str, Any], entry: Entry, folded: str) -> str | None:
    """What the check finds in the mail, as the mail writes it, or None."""
    for pattern in check["compiled"]:
        match = pattern.search(folded)
        if match:
            written = _searched(entry)
            if check.get("quote") == "line":
                return _quoted_line(pattern, entry) or line_as_written(match.group(0), written)
            return one_line(as_written(match.group(match.lastindex or 0), written))
    return None


def checklist(items: list[Entry]) -> tuple[list[Check], list[str]]:
    """The checks, and the delivery words not counted as proof (of a carrier mail that did not
    pass authentication), each with why."""
    folded = {e.file: fold_for_matching(_searched(e)) for e in items}  # once, for every check
    checks, not_counted = [], []
    for name, check in _data()["check"].items():
        if name == "correspondence":
            mails = [(f"{e.kind} mail of {e.local}", e) for e in items if e.kind in ("buyer", "team")]
            checks.append(Check(name, check["label"], mails, quoted=False))
            continue
        hits: list[tuple[str, Entry]] = []
        for entry in items:
            if "kinds" in check and entry.kind not in check["kinds"]:
                continue
            what = _found(check, entry, folded[entry.file])
            if what is None:
                continue
            if check.get("trusted") and not entry.trusted:
                not_counted.append(f"{what!r} in {entry.file}: its sender ({entry.sender}) did not pass authentication")
            else:
                hits.append((what, entry))
        checks.append(Check(name, check["label"], hits))
    return checks, not_counted


def statements(items: list[Entry]) -> list[Statement]:
    """The team's mails, each with its own lines about delivery, tracking or carrier (the first
    line of its own words when none is about them)."""
    wanted = [c for name, c in _data()["check"].items() if name != "correspondence"]
    made = []
    for entry in (e for e in items if e.kind == "team"):
        own = set(own_words(entry.text).splitlines())
        lines = [one_line(ln) for ln in entry.text.splitlines() if one_line(ln) and fold_for_matching(ln) in own]
        # _found looks at the patterns first: a line none finds costs no quoting from the whole mail
        folded = [(line, fold_for_matching(line)) for line in lines]  # once a line, not once a check
        relevant = [line for line, text in folded if any(_found(c, entry, text) for c in wanted)]
        made.append(Statement(entry.local, entry.file, (relevant or lines[:1])[:10]))
    return made


def build(state: State, config: Config, order_id: str, out: Path, now: datetime) -> Pack:
    """Writes OUT/evidence-ORDER.zip (index.html, answer-DRAFT.txt and the .eml files).
    ValueError when nothing is known about the order."""
    items = entries(state, config, order_id)
    if not items:
        raise ValueError(f"no mail about order {order_id} is in the state")
    checks, not_counted = checklist(items)
    clock = claim_clock(state, order_id)
    summary = evidence_summary.summarise(state, config, order_id, items, checks, clock, now)
    draft = evidence_summary.draft_answer(config, summary)
    timeline = template_environment(config.templates_dir / "evidence", autoescape=True).get_template("timeline.html.j2")
    page = timeline.render(
        order_id=order_id, items=items, checks=checks, not_counted=not_counted, statements=statements(items),
        summary=summary, draft=draft, made=format_due(now, config.timezone), timezone=str(config.timezone),
        clock=clock)  # `clock`: for a templates_dir copied before the summary existed
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"evidence-{order_id}.zip"
    temporary = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr(f"evidence-{order_id}/index.html", page)
        pack.writestr(f"evidence-{order_id}/answer-DRAFT.txt", draft)
        for item in items:
            pack.writestr(f"evidence-{order_id}/{item.file}", item.raw)
    temporary.replace(path)
    return Pack(path, checks, len(items), summary, draft)
