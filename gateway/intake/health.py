"""Which watched folders are connected, and whether Amazon's mail passes [trust]: shared by the watcher
threads, read by the daemon and the metrics."""

from __future__ import annotations

import threading

from gateway.judging.trust_survey import TrustSurvey
from gateway.judging.verdict import Verdict
from gateway.mail.parse import ParsedMail


class Health:
    """Which folders are connected, and the last error of those that are not: for systemd's
    readiness and status, and for the metrics. Shared by the watcher threads. A folder the server
    refuses (a name of the configuration against its rules) is down with its problem and fix in
    `refused` too: it is not a login that may yet succeed, and the status says so."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connected: dict[str, bool] = {}
        self.errors: dict[str, str] = {}
        self.refused: dict[str, str] = {}

    def up(self, name: str) -> None:
        with self._lock:
            self.connected[name] = True
            self.errors.pop(name, None)
            self.refused.pop(name, None)

    def down(self, name: str, error: str) -> None:
        with self._lock:
            self.connected[name] = False
            self.errors[name] = error
            self.refused.pop(name, None)

    def refuse(self, name: str, problem: str) -> None:
        """Down until the configuration is changed: `problem` says what the server refused and the fix."""
        with self._lock:
            self.connected[name] = False
            self.errors[name] = problem
            self.refused[name] = problem

    def snapshot(self) -> tuple[dict[str, bool], dict[str, str]]:
        with self._lock:
            return dict(self.connected), dict(self.errors)

    def refusals(self) -> dict[str, str]:
        with self._lock:
            return dict(self.refused)


class TrustWatch:
    """Per mailbox, how Amazon's mail fares with [trust] since the last one that passed, shared by
    the pipelines of all threads. Once `threshold` Amazon mails in a row carry no trusted result,
    the mailbox has a warning (the trust survey's advice) until one passes again; the warning is
    handed out once, to be logged once, not at every mail."""

    def __init__(self, authserv_ids: tuple[str, ...], threshold: int = 5) -> None:
        self._lock = threading.Lock()
        self.authserv_ids = tuple(authserv_ids)
        self.threshold = threshold
        self._since_pass: dict[str, TrustSurvey] = {}
        self._untrusted: dict[str, int] = {}   # Amazon mails without a trusted result, since start
        self._warnings: dict[str, str] = {}

    def seen(self, mailbox: str, mail: ParsedMail, verdict: Verdict) -> str | None:
        """Count one judged mail; the new warning when this mail makes one, else None."""
        with self._lock:
            survey = self._since_pass.setdefault(mailbox, TrustSurvey(self.authserv_ids))
            before = survey.amazon_mails
            survey.add(mail, verdict)
            if survey.amazon_mails == before:
                return None  # not Amazon's mail
            if verdict.verified == "pass":
                self._since_pass[mailbox] = TrustSurvey(self.authserv_ids)
                self._warnings.pop(mailbox, None)
                return None
            self._untrusted[mailbox] = self._untrusted.get(mailbox, 0) + 1
            if survey.amazon_mails < self.threshold or mailbox in self._warnings:
                return None
            self._warnings[mailbox] = "; ".join(survey.advice())
            return self._warnings[mailbox]

    def warnings(self) -> dict[str, str]:
        with self._lock:
            return dict(self._warnings)

    def untrusted(self) -> dict[str, int]:
        with self._lock:
            return dict(self._untrusted)
