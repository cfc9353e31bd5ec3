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
from gateway.deadlines.reminders import Batch, log_fired, record_step
from gateway.state import State


def fire_due(state: State, config: Config, now: datetime, batch: Batch | None = None) -> list[dict[str, Any]]:
    """Queue the reopen reminders and follow-ups now due (with `batch`, for the caller's flush)."""
    fired: list[dict[str, Any]] = []
    to = config.escalation_addresses("case")
    own = batch is None
    batch = batch if batch is not None else Batch()
    with state.transaction():
        # only the case clocks either reminder can be for: closed by Amazon, or waiting for it
        for clock in state.cases_closed_or_waiting():
            entry = {"clock": clock["key"], "category": "case", "case_id": clock["case_id"]}
            if clock["status"] == "stopped":  # closed by Amazon (the only stopped ones selected)
                closed = datetime.fromisoformat(clock["stopped_at"])
                due = closed + timedelta(days=config.cases.reopen_reminder_days)
                reopen_by = closed + timedelta(days=config.cases.reopen_days)
                done = state.reminder_steps_done(clock["key"], clock["stopped_at"])
                if due <= now < reopen_by and ("reopen", 1.0) not in done:
                    fired.append(record_step(state, config, clock, "reopen", 1.0, clock["stopped_at"], due, now, to,
                                             {**entry, "closed_at": clock["stopped_at"], "reopen_by": reopen_by.isoformat()}, batch))
            else:  # open, waiting for Amazon
                last = state.last_case_exchange(clock["case_id"])
                if last is None:
                    continue
                count = int((now - last) / timedelta(hours=config.cases.nudge_hours))
                series = last.isoformat()
                if count >= 1 and ("nudge", float(count)) not in state.reminder_steps_done(clock["key"], series):
                    due = last + count * timedelta(hours=config.cases.nudge_hours)
                    fired.append(record_step(state, config, clock, "nudge", float(count), series, due, now, to,
                                             {**entry, "silent_since": series, "nudge": count}, batch))
        if own:
            batch.flush(state, config, now)
    log_fired(fired)
    return fired
