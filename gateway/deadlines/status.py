"""What is open and when it is due: the rows of `crisis-gateway status`, and closing a clock by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.judging import ids
from gateway.state import State


def clock_key(reference: str) -> str | None:
    """An order id (123-1234567-1234567) or a case id (digits) as the key of its clock."""
    reference = reference.strip()
    if ids.ORDER_ID.fullmatch(reference):
        return f"order:{reference}"
    if reference.isdigit():
        return f"case:{reference}"
    return None


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
    row = state.latest_audit(order_id=clock.get("order_id"), case_id=clock.get("case_id"))
    return {"what": _describe(row), "at": row["at"]} if row else None


def status_rows(state: State, now: datetime) -> list[dict[str, Any]]:
    """Open clocks, the most urgent first: overdue, then by deadline; those without one last."""
    rows = []
    for clock in state.open_clocks():
        deadline = datetime.fromisoformat(clock["deadline"]) if clock.get("deadline") else None
        left = int((deadline - now).total_seconds()) if deadline else None
        rows.append({
            "clock": clock["key"], "order_id": clock.get("order_id"), "case_id": clock.get("case_id"),
            "category": clock["category"], "tier": clock.get("tier"), "case_status": clock.get("case_status"),
            "opened_at": clock.get("opened_at"), "deadline": clock.get("deadline"), "seconds_left": left,
            "overdue": left is not None and left < 0, "last_action": last_action(state, clock),
        })
    return sorted(rows, key=lambda r: (r["deadline"] is None, r["seconds_left"] if r["seconds_left"] is not None else 0))
