"""The evidence pack for a claim: every mail about the order as a time-ordered HTML timeline,
the original .eml files, and a checklist of what Amazon asks for, zipped.

The mails are those the gateway recorded with the order id (buyer messages, Amazon's
notifications, carrier mails that name the order) and the team's replies, sent through the outbound
relay or found in the Sent folder. What the checklist looks for is data: gateway/data/evidence.toml.
"""

from __future__ import annotations

import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from gateway.judging.facts import MailFacts
from gateway.mail.parse import MailError, ParsedMail, parse_mail
from gateway.mail.text import fold_for_matching, one_line, phrase_pattern
from gateway.state import State


@dataclass(frozen=True)
class Entry:
    at: str
    kind: str           # "buyer", "amazon", "team", "other"
    sender: str
    subject: str
    excerpt: str
    file: str
    raw: bytes = field(repr=False)


@dataclass(frozen=True)
class Check:
    label: str
    found: list[str]    # what was found, each with the file it is in

    @property
    def ok(self) -> bool:
        return bool(self.found)


@cache
def _checks() -> dict[str, dict[str, Any]]:
    data = tomllib.loads(resources.files("gateway.data").joinpath("evidence.toml").read_text("utf-8"))
    for check in data.values():
        phrases = phrase_pattern([fold_for_matching(p) for p in check.get("phrases", [])])
        check["compiled"] = ([phrases] if phrases else []) + [re.compile(p) for p in check.get("patterns", [])]
    return data


def _kind(mail: ParsedMail) -> str:
    classes = MailFacts(mail).sender_classes
    return "buyer" if "buyer_relay" in classes else "amazon" if "amazon" in classes else "other"


def _entry(at: str, kind: str, raw: bytes, number: int) -> Entry:
    try:
        mail = parse_mail(raw)
        sender, subject, text = mail.from_address, mail.subject, mail.text
        kind = kind or _kind(mail)
    except MailError:
        sender, subject, text = "", "(unreadable mail)", ""
        kind = kind or "other"
    name = f"{number:02d}-{at[:10]}-{kind}.eml"
    return Entry(at, kind, sender, one_line(subject), text.strip()[:1500], name, raw)


def entries(state: State, order_id: str) -> list[Entry]:
    found: list[tuple[str, str, bytes]] = []
    for message in state.order_messages(order_id):
        found.append((message["arrival"], "", state.raw(message)))
    for row in state.replies_sent_about_order(order_id):
        raw_path = row["detail"].get("raw")
        if raw_path and (state.directory / raw_path).exists():
            found.append((row["at"], "team", (state.directory / raw_path).read_bytes()))
    found.sort(key=lambda item: datetime.fromisoformat(item[0]))
    return [_entry(at, kind, raw, number) for number, (at, kind, raw) in enumerate(found, start=1)]


def checklist(items: list[Entry]) -> list[Check]:
    folded = {e.file: fold_for_matching(f"{e.subject}\n{e.excerpt}") for e in items}  # once, for every check
    checks = []
    for name, check in _checks().items():
        found: list[str] = []
        if name == "correspondence":
            found = [f"{e.kind} mail of {e.at[:16]} ({e.file})" for e in items if e.kind in ("buyer", "team")]
        else:
            for entry in items:
                if "kinds" in check and entry.kind not in check["kinds"]:
                    continue
                for pattern in check["compiled"]:
                    match = pattern.search(folded[entry.file])
                    if match:
                        found.append(f"{one_line(match.group(match.lastindex or 0))!r} in {entry.file}")
                        break
        checks.append(Check(check["label"], list(dict.fromkeys(found))))
    return checks


def build(state: State, order_id: str, out: Path, templates_dir: Path, now: datetime) -> tuple[Path, list[Check], int]:
    """Writes OUT/evidence-ORDER.zip (index.html and the .eml files); returns its path, the
    checklist and the number of mails. ValueError when nothing is known about the order."""
    items = entries(state, order_id)
    if not items:
        raise ValueError(f"no mail about order {order_id} is in the state")
    checks = checklist(items)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir / "evidence")),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    # the deadline of the pack is the claim's (else the chargeback's): what Amazon is answered by
    clocks = {c.get("obligation"): c for c in state.order_clocks(order_id)}
    clock = clocks.get("claim") or clocks.get("chargeback") or next(iter(clocks.values()), None)
    page = environment.get_template("timeline.html.j2").render(
        order_id=order_id, items=items, checks=checks, clock=clock, made=now.isoformat(timespec="seconds"))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"evidence-{order_id}.zip"
    temporary = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr(f"evidence-{order_id}/index.html", page)
        for item in items:
            pack.writestr(f"evidence-{order_id}/{item.file}", item.raw)
    temporary.replace(path)
    return path, checks, len(items)
