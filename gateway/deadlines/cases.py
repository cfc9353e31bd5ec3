"""Seller/Vendor Central cases between mails: the reopen window and the daily follow-up.

- Amazon closed a case and nobody confirmed the fix (`crisis-gateway resolve CASE` does): after
  `reopen_reminder_days` the team is told to reopen it before the window ends (`reopen_days`
  after the close), once per close.
- A case waiting for Amazon (status "opened", or "replied" once the team wrote to Amazon about
  it) with no Amazon mail for `nudge_hours`: the team is nudged to follow up, and again every
  `nudge_hours` while Amazon stays silent ("follow up daily"). A new mail about the case, or the
  team's reply, starts the count again. Only the nudge due now is sent: days missed
  while the daemon was down are not sent one by one.
Both go to the escalation addresses of the "case" category, through the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gateway.config import Config
from gateway.deadlines.reminders import already, log_fired, record_step
from gateway.state import CASE_CLOSED, WAITING_FOR_AMAZON, State


def last_exchange(state: State, case_id: str) -> datetime | None:
    """The last mail about the case, Amazon's or the team's reply."""
    stamps = [row["last"] for row in state.db.query(
        "SELECT max(arrival) AS last FROM messages WHERE case_id = ?"
        " UNION ALL SELECT max(at) FROM audit WHERE case_id = ? AND kind = 'reply_sent'", [case_id, case_id]) if row["last"]]
    return max((datetime.fromisoformat(s) for s in stamps), default=None)


def fire_due(state: State, config: Config, now: datetime) -> list[dict[str, Any]]:
    fired: list[dict[str, Any]] = []
    to = config.escalation_addresses("case")
    with state.transaction():
        # only the case clocks either reminder can be for: closed by Amazon, or waiting for it
        for clock in state.db.query(
            "SELECT * FROM clocks WHERE key LIKE 'case:%' AND ((status = 'stopped' AND stop_reason = ? AND stopped_at IS NOT NULL)"
            " OR (status = 'open' AND case_status IN (?, ?)))", [CASE_CLOSED, *WAITING_FOR_AMAZON],
        ):
            entry = {"clock": clock["key"], "category": "case", "case_id": clock["case_id"]}
            if clock["status"] == "stopped":  # closed by Amazon (the query says so)
                closed = datetime.fromisoformat(clock["stopped_at"])
                due = closed + timedelta(days=config.cases.reopen_reminder_days)
                reopen_by = closed + timedelta(days=config.cases.reopen_days)
                if due <= now < reopen_by and ("reopen", 1.0) not in already(state, clock["key"], clock["stopped_at"]):
                    fired.append(record_step(state, config, clock, "reopen", 1.0, clock["stopped_at"], due, now, to,
                                             {**entry, "closed_at": clock["stopped_at"], "reopen_by": reopen_by.isoformat()}))
            else:  # open, waiting for Amazon
                last = last_exchange(state, clock["case_id"])
                if last is None:
                    continue
                count = int((now - last) / timedelta(hours=config.cases.nudge_hours))
                series = last.isoformat()
                if count >= 1 and ("nudge", float(count)) not in already(state, clock["key"], series):
                    due = last + count * timedelta(hours=config.cases.nudge_hours)
                    fired.append(record_step(state, config, clock, "nudge", float(count), series, due, now, to,
                                             {**entry, "silent_since": series, "nudge": count}))
    log_fired(fired)
    return fired
