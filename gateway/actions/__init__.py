"""The actions, found by NAME: what the gateway does about a mail or a clock.

A rule names the actions it wants (`actions = ["tag", "forward", ...]`), checked against this
table when the rules load; the classifier drops those a blocker speaks against and plans the
rest; the outbox runner composes each queued row through its action and sends what it makes. A
new action is one module here and one entry in ACTIONS.
"""

from __future__ import annotations

from gateway.actions.acknowledge import Acknowledge
from gateway.actions.alert import Alert
from gateway.actions.base import Action
from gateway.actions.digest import Digest
from gateway.actions.escalate import Escalate
from gateway.actions.forward import Forward
from gateway.actions.leak import Leak
from gateway.actions.notify import Notify
from gateway.actions.nudge import Nudge
from gateway.actions.remind import Remind
from gateway.actions.reminders import Reminders
from gateway.actions.reopen import Reopen
from gateway.actions.report import Report
from gateway.actions.tag import Tag
from gateway.actions.warn import Warn

ACTIONS: dict[str, Action] = {action.NAME: action for action in (
    Tag(), Forward(), Acknowledge(), Notify(),   # asked for by rules
    Remind(), Escalate(), Reopen(), Nudge(),     # queued by the deadlines
    Reminders(),                                 # several of those at once, in one mail
    Alert(),                                     # a reminder step sent to [notify] urls
    Warn(),                                      # queued by the outbound relay
    Leak(),                                      # queued by the Sent folder's watcher
    Report(),                                    # a mailbox's backlog, read late
    Digest(),                                    # the managers' daily digest
)}


def rule_actions() -> tuple[str, ...]:
    """The names a rule's `actions = [...]` may use."""
    return tuple(name for name, action in ACTIONS.items() if action.FROM_RULES)
