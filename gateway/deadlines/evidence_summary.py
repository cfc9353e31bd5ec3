"""The head of an evidence pack: the summary a manager reads first (order, amount, claim reason,
deadline and time left, what was done and when) and the draft of the formal answer to Amazon,
from templates/evidence/answer/<reason>.txt.j2, filled with the facts the mails hold.

The draft is never sent by the gateway: it is marked as a draft for the manager to check, who
answers on Seller Central's A-to-z page.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2

from gateway.actions.mailing import local, template_environment, time_left
from gateway.config import Config
from gateway.judging.claims import Reason, asins, claim_amount, claim_reason
from gateway.mail.text import one_line
from gateway.state import State

if TYPE_CHECKING:  # the pack's own types; evidence.py imports this module
    from gateway.deadlines.evidence import Check, Entry

CLAIM_CATEGORIES = ("atoz_claim", "chargeback", "atoz_risk")  # the mail a claim's facts are read from, in this order
# what the answer answers, by the category of that mail
CLAIM_KINDS = {"atoz_claim": "A-to-z Guarantee claim", "chargeback": "chargeback"}
# audit rows of what the buyer received from the gateway; the team's own mails come from the pack
BUYER_CONTACT = ("sent.acknowledge",)


@cache
def evidence_data() -> dict[str, Any]:
    """gateway/data/evidence.toml as written."""
    return tomllib.loads(resources.files("gateway.data").joinpath("evidence.toml").read_text("utf-8"))


@dataclass(frozen=True)
class Summary:
    order_id: str
    claim_kind: str               # "A-to-z Guarantee claim", "chargeback", or "claim" (a buyer's complaint)
    amount: str | None            # as written in the claim ("£42.50"); None: no mail states it
    reason: Reason
    claim_at: str | None          # when the claim mail arrived, local time
    category: str | None          # of the claim's clock
    deadline: str | None          # local time
    left: str                     # "5 h 20 min", "2 h 05 min overdue", "stopped ...: why" or "-"
    done: list[tuple[str, str]]   # (local time, what was done), oldest first
    contact: list[tuple[str, str]]  # what the buyer received: acknowledgements and the team's mails, oldest first
    items: list[str]              # ASINs, as written
    carrier: str | None           # as written
    tracking: list[str]           # as written
    delivery: dict[str, str] | None  # proof: "quote", "reported" (local time), "file", "sender"


def _claim_mail(items: list[Entry]) -> Entry | None:
    for category in CLAIM_CATEGORIES:
        found = [e for e in items if e.category == category and e.kind != "team"]
        if found:
            return found[-1]
    return None


def _reason(items: list[Entry], claim: Entry | None) -> Reason:
    """From the claim mail; without one there (or without a reason in it), from the buyer's words."""
    if claim is not None:
        reason = claim_reason(f"{claim.subject}\n{claim.text}")
        if reason.found:
            return reason
    for entry in reversed([e for e in items if e.kind == "buyer"]):
        reason = claim_reason(entry.text)
        if reason.found:
            return reason
    return claim_reason("")


class _Fields(dict):
    """An audit row's detail as text; a field the row lacks (rows written by older releases) is empty."""

    def __missing__(self, key: str) -> str:
        return ""


def _fields(detail: dict[str, Any]) -> _Fields:
    return _Fields({k: one_line(", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in detail.items()})


@dataclass(frozen=True)
class Done:
    at: str      # ISO 8601, UTC
    when: str    # local time
    what: str    # in the words of evidence.toml [done]
    kind: str    # the row's kind as [done] names it: "sent.forward", "clock_stopped"


def done(state: State, config: Config, order_id: str) -> list[Done]:
    """What the audit trail says was done about the order, oldest first."""
    wording = evidence_data()["done"]
    made = []
    for row in state.audit_rows(order_id=order_id):
        detail = row["detail"]
        specific = f"{row['kind']}.{detail.get('kind')}"  # "sent.forward": a sent row says what it sent
        kind = specific if specific in wording else row["kind"]
        text = wording.get(kind)
        if text is None:
            continue
        try:
            what = one_line(text.format_map(_fields(detail))).strip(" :")
        except (IndexError, ValueError):  # a [done] wording with a positional or broken field
            what = one_line(text.split("{", 1)[0]).strip(" :")
        made.append(Done(row["at"], local(row["at"], config), what, kind))
    return made


def _contact(actions: list[Done], items: list[Entry]) -> list[tuple[str, str]]:
    sent = [(e.at, e.local, f"message from {e.sender or 'the team'}: {e.subject}") for e in items if e.kind == "team"]
    acknowledged = [(a.at, a.when, a.what) for a in actions if a.kind in BUYER_CONTACT]
    return [(when, what) for _, when, what in sorted(sent + acknowledged, key=lambda c: datetime.fromisoformat(c[0]))]


def _left(clock: dict[str, Any] | None, config: Config, now: datetime) -> str:
    if clock is None:
        return "-"
    if clock["status"] != "open":
        stopped = local(clock.get("stopped_at"), config)
        return f"stopped {stopped}: {clock.get('stop_reason') or 'by hand'}" if stopped else "stopped"
    return time_left(datetime.fromisoformat(clock["deadline"]), now) if clock.get("deadline") else "-"


def _values(checks: list[Check], name: str) -> list[tuple[str, Entry]]:
    return next((c.hits for c in checks if c.name == name), [])


def summarise(state: State, config: Config, order_id: str, items: list[Entry], checks: list[Check],
              clock: dict[str, Any] | None, now: datetime) -> Summary:
    claim = _claim_mail(items)
    amount = claim_amount(f"{claim.subject}\n{claim.text}") if claim is not None else None
    proof = _values(checks, "delivery")
    delivery = None
    if proof:
        quote, entry = proof[0]
        delivery = {"quote": quote, "reported": entry.local, "file": entry.file, "sender": entry.sender}
    # the carrier that confirmed the delivery, else the first one named
    carriers = sorted(_values(checks, "carrier"), key=lambda hit: not (proof and hit[1] is proof[0][1]))
    actions = done(state, config, order_id)
    named_by = ([claim] if claim is not None else []) + [e for e in items if e.kind == "buyer"]
    return Summary(
        order_id=order_id, claim_kind=CLAIM_KINDS.get(claim.category or "", "claim") if claim else "claim",
        amount=amount, reason=_reason(items, claim), claim_at=claim.local if claim else None,
        category=(clock or {}).get("category"), deadline=local((clock or {}).get("deadline"), config) or None,
        left=_left(clock, config, now), done=[(a.when, a.what) for a in actions], contact=_contact(actions, items),
        items=list(dict.fromkeys(asin for e in named_by for asin in asins(e.text))),
        carrier=carriers[0][0] if carriers else None,
        tracking=list(dict.fromkeys(what for what, _ in _values(checks, "tracking"))),
        delivery=delivery,
    )


def draft_answer(config: Config, summary: Summary) -> str:
    """The answer to Amazon for the claim's reason (answer/general.txt.j2 for a reason without a
    template of its own), in English, beginning with the DRAFT mark."""
    environment = template_environment(config.templates_dir / "evidence")
    try:
        template = environment.select_template([f"answer/{summary.reason.key}.txt.j2", "answer/general.txt.j2"])
    except jinja2.TemplatesNotFound as exc:
        raise ValueError(f"{config.templates_dir / 'evidence' / 'answer'} has no general.txt.j2: copy the shipped "
                         "templates/evidence/answer/ into your templates_dir") from exc
    return template.render(
        order_id=summary.order_id, claim_kind=summary.claim_kind, reason=summary.reason.key,
        reason_label=summary.reason.label, reason_words=summary.reason.found, amount=summary.amount or "",
        claim_at=summary.claim_at or "", carrier=summary.carrier or "", tracking=summary.tracking,
        delivery=summary.delivery, done=summary.done, contact=summary.contact, items=summary.items,
        shop_name=config.acknowledge.shop_name,
    )
