"""The backlog report: once a mailbox's backlog is read, its crises go to their escalation
addresses in one mail, instead of a forward each (see gateway.judging.freshness).

A backlog counts as read when no crisis was added to it for SETTLE: the daemon asks every few
seconds, and a long first read (thousands of mails) is reported once, at its end. Each crisis
is reported once, in the transaction that queues its report, so a restart neither repeats nor
forgets one; a crash in the middle of a first read is reported when the read is done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from gateway.config import Config
from gateway.state import State

log = logging.getLogger("gateway.backlog")
SETTLE = timedelta(seconds=30)


def fire_due(state: State, config: Config, now: datetime, settle: timedelta = SETTLE) -> list[dict[str, Any]]:
    """Queue the report of every mailbox whose backlog has settled; returns what was queued."""
    queued: list[dict[str, Any]] = []
    with state.transaction():
        for mailbox, crises in state.backlog_settled(now - settle).items():
            by_recipients: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for crisis in crises:
                # the managers of [reminders] escalate_to too: the escalation steps already past
                # when the crisis was first seen are not sent one by one, this report stands for them
                to = tuple(dict.fromkeys(config.escalation_addresses(crisis["category"]) + config.reminders.escalate_to))
                by_recipients.setdefault(to, []).append(crisis)
            for to, listed in by_recipients.items():
                if not to:
                    continue  # nobody to tell: the crises stay tagged and on their clocks
                key = f"report|{mailbox}|{','.join(to)}|{now.isoformat(timespec='seconds')}"
                entries = [{name: crisis[name] for name in ("subject", "original_subject", "category", "order_id",
                                                            "case_id", "deadline", "clock_status")}
                           for crisis in listed]
                what = {"mailbox": mailbox, "crises": entries, "subject": f"backlog of {mailbox or 'the inbox'}: {len(entries)} crises"}
                state.enqueue(key, "report", ",".join(to), what,
                              message_key=None, order_id=None, now=now, id_domain=config.message_id_domain)
                state.audit("backlog_report", {"mailbox": mailbox, "to": list(to), "crises": len(listed),
                                               "orders": [c["order_id"] or c["case_id"] for c in listed]}, at=now)
                queued.append({"mailbox": mailbox, "to": list(to), "crises": len(listed)})
            state.mark_reported([crisis["message_key"] for crisis in crises], now)
    for entry in queued:
        log.info("backlog report for %s queued to %s: %d crises", entry["mailbox"], ", ".join(entry["to"]), entry["crises"])
    return queued
