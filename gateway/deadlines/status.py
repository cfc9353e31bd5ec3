"""What is open and when it is due: the rows of `crisis-gateway status`, and which clocks a
reference given to `crisis-gateway resolve` stands for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.judging import ids, obligations
from gateway.state import State

KEY_KINDS = ("order:", "account:", "case:")
NONE_KNOWN = "the state has no such clock (crisis-gateway status lists the open ones)"


class NoClock(LookupError):
    """The reference names no open clock; the message says what the state has for it."""


def is_order_id(reference: str) -> bool:
    return ids.ORDER_ID.fullmatch(reference.strip()) is not None


def _listed(clocks: list[dict[str, Any]]) -> str:
    return ", ".join(f"{c['key']} ({obligations.label(c.get('obligation'))}, {c['status']})" for c in clocks)


def resolve_target(reference: str, only: str | None = None) -> str:
    """What `reference` names, checked before the state is opened: an order id as given, or the
    clock key of a case id or of a clock as status shows it. ValueError says what it may be."""
    reference = reference.strip()
    if is_order_id(reference):
        return reference
    if only is not None:
        raise ValueError(f"--only {only} needs an order id, not {reference!r}")
    if reference.isdigit():
        return f"case:{reference}"
    if not reference.startswith(KEY_KINDS) or reference in KEY_KINDS:
        raise ValueError(f"{reference!r} is neither an order id like 114-2682884-2909064, a case id (digits), nor a "
                         "clock as status shows it (order:ID:claim, account:B0..., case:ID)")
    return reference


def clocks_to_resolve(state: State, target: str, only: str | None = None) -> list[dict[str, Any]]:
    """The open clocks of a resolve_target: every one of an order id (or, with `only`, that
    obligation's), or the one clock of a key. NoClock, saying what the state has, when none is open."""
    if is_order_id(target):
        known = state.order_clocks(target)
        wanted = [c for c in known if only is None or c.get("obligation") == only]
        found = [c for c in wanted if c["status"] == "open"]
        if found:
            return found
        what = f"no open {only} clock" if only else "no open clock"
        raise NoClock(f"{what} for order {target}; " + (f"its clocks: {_listed(known)}" if known else NONE_KNOWN))
    clock = state.clock(target)
    if clock is None or clock["status"] != "open":
        raise NoClock(f"no open clock {target}; " + (f"it is {clock['status']}" if clock else NONE_KNOWN))
    return [clock]


def _describe(row: dict[str, Any]) -> str:
    detail = row["detail"]
    if row["kind"] in ("reminder", "escalation"):
        return f"{row['kind']} {detail.get('step', '')} {detail.get('status', '')}".strip()
    if row["kind"] in ("sent", "dead_letter"):
        return f"{detail.get('kind', '')} {'sent' if row['kind'] == 'sent' else 'failed'}".strip()
    if row["kind"] == "classified":
        return f"mail received ({detail.get('category')})"
    if row["kind"] == "planned":
        return f"{detail.get('kind', 'action')} queued"
    return row["kind"].replace("_", " ")


def last_action(state: State, clock: dict[str, Any]) -> dict[str, Any] | None:
    row = state.latest_audit(order_id=clock.get("order_id"), case_id=clock.get("case_id"),
                             message_key=clock.get("last_message_key"), clock=clock["key"])
    return {"what": _describe(row), "at": row["at"]} if row else None


def clock_row(state: State, clock: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An open clock as status and the digest show it: what it is about, its deadline, whether it
    is overdue at `now`, and the last thing done about it."""
    deadline = datetime.fromisoformat(clock["deadline"]) if clock.get("deadline") else None
    return {
        "clock": clock["key"], "obligation": clock.get("obligation"),
        "order_id": clock.get("order_id"), "case_id": clock.get("case_id"),
        "category": clock["category"], "tier": clock.get("tier"), "case_status": clock.get("case_status"),
        "opened_at": clock.get("opened_at"), "deadline": clock.get("deadline"),
        "seconds_left": int((deadline - now).total_seconds()) if deadline else None,
        "overdue": deadline is not None and deadline < now, "last_action": last_action(state, clock),
    }


def status_rows(state: State, now: datetime) -> list[dict[str, Any]]:
    """Open clocks, the most urgent first: overdue, then by deadline; those without one last."""
    rows = [clock_row(state, clock, now) for clock in state.open_clocks()]
    return sorted(rows, key=lambda r: (r["deadline"] is None, r["seconds_left"] if r["seconds_left"] is not None else 0))
