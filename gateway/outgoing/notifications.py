"""Sending a notification to one of [notify] urls through Apprise, where the outbox runs webhooks.

Apprise blocks while it sends and reports no exception: its result and the lines it logged say
what happened. Those lines name services by parts of their URLs, so what is kept of them (in the
outbox's last_error, in the log) passes through the secrets filter first. An answer that says the
request itself is wrong (HTTP 4xx but 408 and 429) is permanent; the rest is worth retrying.
"""

from __future__ import annotations

import logging
import re

from gateway.actions.base import Notification
from gateway.config.notify import apprise_object
from gateway.config.secrets_filter import scrubbed
from gateway.outgoing.transport import PermanentError, TransientError

log = logging.getLogger("gateway.notify")
HTTP_CODE = re.compile(r"error=(\d{3})|HTTP(?: Error)? (\d{3})|\b(\d{3}) (?:Client|Server) Error")


def send_notification(made: Notification, timeout: float = 15.0) -> str:
    sender = apprise_object()
    if not sender.add(made.url):
        raise PermanentError(f"{made.label}: Apprise no longer accepts this URL")
    result = sender.notify(body=made.body, title=made.title, notify_type="failure" if made.urgent else "info",
                           body_format="text", timeout=timeout)
    try:
        if result:
            return f"sent to {made.label}"
        said = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR", "CRITICAL")]
    finally:
        result.close()
    reason = scrubbed("; ".join(dict.fromkeys(said)) or result.status.name.lower())[:300]
    codes = [int(next(g for g in m.groups() if g)) for m in HTTP_CODE.finditer(reason)]
    if codes and 400 <= codes[-1] < 500 and codes[-1] not in (408, 429):
        raise PermanentError(f"{made.label}: {reason}")
    raise TransientError(f"{made.label}: {reason}")
