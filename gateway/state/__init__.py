"""The gateway's state in SQLite: messages seen, clocks of claims and cases, the outbox queue, how
far the watchers and relays got, the audit trail.

One `State` for its callers, made of one part per table or two, each in a module of its own:
  connection  the database opened, transactions, raw mails, owner, backup
  durability  commits of several threads made durable by one fsync
  schema      the tables and indexes
  messages    verdicts recorded, mails looked up, the history of a buyer and an order
  clocks      clocks opened, updated and stopped, one per obligation
  reminders   the steps of the reminder ladders that fired
  backlog     crises first seen late, waiting for their backlog report
  period      what was recorded in a period: the digest's counts
  outbox      rows queued, what the queue holds
  progress    folder cursors, tagging in place, recipients reached by a relayed mail
  tag_states  what each tagged copy's tag shows of its clock, a change of it under way
  audit       the hash-chained trail and its queries
SQL is written here only: other modules ask a query with a name (tests/test_sql_in_state.py).
"""

from __future__ import annotations

from gateway.state import audit
from gateway.state.audit import AuditTrail
from gateway.state.backlog import Backlog
from gateway.state.clocks import CASE_CLOSED, CASE_REPLIED, WAITING_FOR_AMAZON, Clocks
from gateway.state.connection import RAW_IN_DATABASE_MAX, BackupFailed, Connection, schema_is_current
from gateway.state.durability import GroupSync
from gateway.state.messages import Messages
from gateway.state.outbox import Outbox, Queued
from gateway.state.period import Period
from gateway.state.progress import Progress
from gateway.state.reminders import Reminders
from gateway.state.tag_states import TagStates

__all__ = [
    "BackupFailed", "CASE_CLOSED", "CASE_REPLIED", "Queued", "RAW_IN_DATABASE_MAX", "WAITING_FOR_AMAZON",
    "State", "audit", "schema_is_current",
]


class State(GroupSync, Connection, Messages, Clocks, Reminders, Backlog, Period, Outbox, Progress, TagStates,
            AuditTrail):
    """Used by one thread at a time; every write goes through `transaction()`."""
