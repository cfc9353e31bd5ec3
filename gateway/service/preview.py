"""`crisis-gateway preview`: what `run` would do to the watched inboxes on its first start, found
by reading them and changing nothing.

Each inbox is read as run's first start reads it (its mail since backlog_days or since, in UID
order, the gateway's own tagged copies and deleted mail left out), through a read-only store:
IMAP EXAMINE and BODY.PEEK, a Maildir only read. No flag, keyword, folder or \\Recent changes and
no state is written, not even its folder.

Each mail is judged as run judges it: Classifier, then freshness.hold_back at the time of the
preview. What the state of a first run would know of the mail recorded before the one at hand
(the buyer who wrote about an order, an acknowledgement queued, the same mail delivered twice,
the orders' clocks) is kept in memory by FirstRun, by the state's own rules.
"""

from __future__ import annotations

import imaplib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterator

from imapclient.exceptions import LoginError

from gateway.actions import ACTIONS
from gateway.config import Config, ConfigError, Mailbox
from gateway.deadlines.reminders import ladder
from gateway.intake.stores.base import TAGGED, FolderMissing, MailStore
from gateway.intake.stores.factory import store_for
from gateway.judging import marketplaces, obligations
from gateway.judging.classify import Classifier
from gateway.judging.freshness import hold_back
from gateway.judging.trust_survey import TrustSurvey
from gateway.judging.verdict import Action, Verdict
from gateway.mail.parse import MailError, parse_mail
from gateway.service.checkconfig import IMAP_LOGIN_FIX, network_problem

log = logging.getLogger("gateway.preview")
PROGRESS_ABOVE = 50   # an inbox with more mail to read than this tells its progress
PROGRESS_EVERY = 100


def chosen_mailboxes(config: Config, name: str | None) -> list[Mailbox]:
    """Every watched mailbox, or the one named; a name that is none of them is a configuration
    error that names the known ones."""
    watched = [m for m in config.mailboxes if m.watched]
    if not watched:
        raise ConfigError("no [[mailbox]] has imap_host or maildir: there is no inbox to preview")
    if name is None:
        return watched
    chosen = [m for m in watched if m.name == name]
    if not chosen:
        known = ", ".join(repr(m.name) for m in watched)
        raise ConfigError(f"no watched [[mailbox]] is named {name!r}; the watched ones: {known}")
    return chosen


def first_start_since(mailbox: Mailbox, now: datetime, days: int | None = None, since: date | None = None) -> date:
    """The oldest day of mail run's first start reads (gateway.intake.watcher): the mailbox's
    since, else its last backlog_days days; `since` or `days`, when given, instead."""
    if since is not None:
        return since
    if days is None and mailbox.since is not None:
        return mailbox.since
    return (now - timedelta(days=mailbox.backlog_days if days is None else days)).date()


def mailbox_problem(mailbox: Mailbox, exc: Exception) -> str:
    """Why a mailbox cannot be read, in one line, in check-config's words."""
    where = f"{mailbox.imap_host}:{mailbox.imap_port}"
    if isinstance(exc, LoginError):
        return f"mailbox {mailbox.name}: {where} refused the login of {mailbox.imap_user}: {IMAP_LOGIN_FIX}"
    if isinstance(exc, (PermissionError, FolderMissing)):
        return f"mailbox {mailbox.name}: {exc}"
    if mailbox.imap_host and isinstance(exc, (OSError, imaplib.IMAP4.error)):
        return f"mailbox {mailbox.name}: {network_problem(exc, where, 'ca_file')}"
    return f"mailbox {mailbox.name}: {type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class Seen:
    """One mail of an inbox as the preview read it: the verdict run would act on, or why it
    cannot be read (run would quarantine it)."""

    mailbox: str
    uid: int
    verdict: Verdict | None = None
    error: str = ""
    duplicate_of: str | None = None  # "MAILBOX UID" of the same mail read before: run does nothing twice

    @property
    def label(self) -> str:
        return f"{self.mailbox} {self.uid}"

    def as_json(self) -> dict[str, Any]:
        """`classify --json`'s object, with the mailbox and the UID; {mailbox, uid, error} for a mail
        that cannot be read."""
        if self.verdict is None:
            return {"mailbox": self.mailbox, "uid": self.uid, "error": self.error}
        found = {"mailbox": self.mailbox, "uid": self.uid, **self.verdict.as_json()}
        if self.duplicate_of is not None:
            found["duplicate_of"] = self.duplicate_of
        return found


@dataclass
class MailboxRead:
    """How reading one inbox went."""

    name: str
    since: date
    read: int = 0          # mails read and judged, or found unreadable
    skipped: int = 0       # the gateway's own tagged copies, deleted mail, mail gone meanwhile: run leaves them
    failure: str = ""      # why the inbox could not be read, or not to the end
    report: int = 0        # tier-1 mails held back: the crises its backlog report would list


@dataclass
class Clock:
    """An open clock of an obligation as the state keeps it (gateway.state.clocks)."""

    category: str
    tier: int | None
    deadline: datetime


class FirstRun:
    """What the state of a first run knows of the mail recorded before the one at hand, in
    memory: the buyer who last wrote about each order, the acknowledgements queued (all at the
    preview's time), the mails by key, and the orders' open clocks. It answers the classifier's
    blockers as the state does (blockers.History)."""

    def __init__(self) -> None:
        self.buyers: dict[str, tuple[datetime, str]] = {}          # order -> (arrival, relay address)
        self.acknowledged: dict[tuple[str, str], datetime] = {}    # (buyer, order or "") -> queued at
        self.keys: dict[str, str] = {}                             # message key -> "MAILBOX UID" first read
        self.clocks: dict[str, Clock] = {}                         # clock key -> the open clock

    def buyer_for_order(self, order_id: str) -> str | None:
        found = self.buyers.get(order_id)
        return found[1] if found else None

    def acknowledged_since(self, buyer: str, order_id: str | None, since: datetime) -> str | None:
        when = self.acknowledged.get((buyer, order_id or ""))
        return when.isoformat(timespec="seconds") if when is not None and when >= since else None

    def record(self, verdict: Verdict, from_address: str, label: str, now: datetime) -> None:
        self.keys[verdict.message_key] = label
        order = verdict.order_id
        if order and not verdict.suspicious and marketplaces.is_buyer_relay(from_address.rpartition("@")[2]):
            latest = self.buyers.get(order)
            if latest is None or verdict.arrival >= latest[0]:
                self.buyers[order] = (verdict.arrival, from_address)
        acknowledge = verdict.action("acknowledge")
        if acknowledge is not None:
            self.acknowledged.setdefault((acknowledge.detail["to"], order or ""), now)
        self._follow_clock(verdict)

    def _follow_clock(self, verdict: Verdict) -> None:
        """The obligation's clock opened, made graver or earlier, or stopped, by the rules the
        state follows (gateway.judging.obligations). A case's clock has no deadline, hence no
        reminders: not kept."""
        if verdict.suspicious or (verdict.case_id and verdict.category == "case"):
            return
        if verdict.order_id:
            for name in obligations.stopped_by(verdict.category):
                self.clocks.pop(obligations.order_key(verdict.order_id, name), None)
        target = obligations.clock_for(verdict)
        if target is None or verdict.deadline is None:
            return
        key, duty = target
        clock = self.clocks.get(key)
        if clock is None:
            self.clocks[key] = Clock(verdict.category, verdict.tier, verdict.deadline)
            return
        category, clock.deadline = obligations.merged(duty, (clock.category, clock.deadline), verdict.category,
                                                      verdict.deadline)
        if category != clock.category:
            clock.category, clock.tier = category, verdict.tier

    def steps(self, config: Config, now: datetime) -> tuple[Counter[str], Counter[str]]:
        """The reminder ladder's steps of the open clocks, by kind (remind, escalate): those still
        ahead, which run would send, and those already past, which it would not (the backlog
        report covers them)."""
        ahead: Counter[str] = Counter()
        past: Counter[str] = Counter()
        for clock in self.clocks.values():
            for step in ladder(config, {"category": clock.category, "tier": clock.tier}):
                (ahead if clock.deadline - timedelta(hours=step.hours) > now else past)[step.kind] += 1
        return ahead, past


def _outbox_rows(actions: tuple[Action, ...]) -> Counter[str]:
    """By kind, what the actions come to: a tagged copy for the tag, an outbox row per target for
    the others (a notification per webhook)."""
    rows: Counter[str] = Counter()
    for planned in actions:
        action = ACTIONS[planned.kind]
        rows[planned.kind] += 1 if action.CHANNEL == "source" else len(action.targets(planned.detail))
    return rows


def tier_label(verdict: Verdict) -> str:
    return "suspect" if verdict.suspicious else (str(verdict.tier) if verdict.tier else "-")


@dataclass(frozen=True)
class Summary:
    """What run would do with the mail read. Mails read twice (duplicates) and unreadable ones are
    counted apart, not by category."""

    mailboxes: tuple[MailboxRead, ...]
    categories: Counter[str]
    tiers: Counter[str]
    planned: Counter[str]       # action kind -> tagged copies, or outbox rows (notify: one per webhook)
    held: Counter[str]          # the same, held back: seen more than fresh_hours after arrival
    duplicates: int
    unreadable: int
    clocks: int
    steps_ahead: Counter[str]   # reminder step kind -> steps still to come
    steps_past: Counter[str]
    trust: TrustSurvey

    def as_json(self) -> dict[str, Any]:
        return {
            "mailboxes": [{"mailbox": m.name, "since": m.since.isoformat(), "read": m.read, "skipped": m.skipped,
                           "error": m.failure or None, "report": m.report} for m in self.mailboxes],
            "categories": dict(self.categories.most_common()), "tiers": dict(self.tiers.most_common()),
            "actions": dict(self.planned), "held_back": dict(self.held),
            "duplicates": self.duplicates, "unreadable": self.unreadable,
            "clocks": self.clocks, "steps_ahead": dict(self.steps_ahead), "steps_past": dict(self.steps_past),
            "trust": self.trust.as_json(),
        }


class Preview:
    """The inboxes read one after the other as one first run reads them (one state for all of
    them), each mail judged at `now`."""

    def __init__(self, config: Config, now: datetime, classifier: Classifier | None = None) -> None:
        self.config = config
        self.now = now
        self.classifier = classifier or Classifier(config)
        self.first_run = FirstRun()
        self.trust = TrustSurvey(config.authserv_ids)
        self.mailboxes: list[MailboxRead] = []
        self.mails: list[Seen] = []

    def read(self, mailbox: Mailbox, since: date,
             progress: Callable[[str], None] = lambda line: None) -> Iterator[Seen]:
        """Each mail of the inbox since `since`, in UID order, as it is judged. An inbox that
        cannot be read (or not to the end) gets its `failure`; `progress` is told how far a long
        one is."""
        entry = MailboxRead(mailbox.name, since)
        self.mailboxes.append(entry)
        store = store_for(mailbox, readonly=True)
        try:
            store.connect()
            uids = store.list_uids(0, since)
            tell = len(uids) > PROGRESS_ABOVE
            for index, uid in enumerate(uids, start=1):
                seen = self._read_one(store, entry, uid)
                if seen is not None:
                    self.mails.append(seen)
                    yield seen
                if tell and (index % PROGRESS_EVERY == 0 or index == len(uids)):
                    progress(f"{mailbox.name}: {index}/{len(uids)} read")
        except Exception as exc:  # noqa: BLE001 - the other mailboxes are still read
            log.debug("reading %s failed", mailbox.name, exc_info=True)
            entry.failure = mailbox_problem(mailbox, exc)
        finally:
            store.close()

    def _read_one(self, store: MailStore, entry: MailboxRead, uid: int) -> Seen | None:
        try:
            stored = store.fetch(uid)
        except Exception as exc:  # noqa: BLE001 - one mail the server will not give
            store.check_alive()  # a dead connection ends the inbox's reading; one bad mail does not
            seen = Seen(entry.name, uid, error=f"cannot be fetched: {type(exc).__name__}: {exc}")
        else:
            if stored is None or TAGGED in stored.flags or "\\Deleted" in stored.flags:
                entry.skipped += 1  # gone meanwhile, a copy the gateway appended, or deleted: run leaves it
                return None
            seen = self.judge(entry.name, uid, stored.raw)
        entry.read += 1
        verdict = seen.verdict
        if verdict is not None and seen.duplicate_of is None and verdict.tier == 1 and verdict.held_back:
            entry.report += 1
        return seen

    def judge(self, mailbox: str, uid: int, raw: bytes) -> Seen:
        """The verdict run would act on, as the pipeline makes it, with hold_back applied; a mail
        read before (by Message-ID, else content) is known as its duplicate."""
        try:
            mail = parse_mail(raw, max_bytes=self.config.max_message_bytes)
            verdict = self.classifier.classify_parsed(mail, self.now, history=self.first_run)
        except MailError as exc:
            return Seen(mailbox, uid, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - as in the pipeline, a bug costs one mail, not the preview
            log.debug("classifying %s %s failed", mailbox, uid, exc_info=True)
            return Seen(mailbox, uid, error=f"internal error ({type(exc).__name__})")
        verdict = hold_back(verdict, self.now, self.config.fresh_hours)
        first = self.first_run.keys.get(verdict.message_key)
        if first is not None:
            return Seen(mailbox, uid, verdict, duplicate_of=first)
        self.first_run.record(verdict, mail.from_address, f"{mailbox} {uid}", self.now)
        self.trust.add(mail, verdict)
        return Seen(mailbox, uid, verdict)

    def summary(self) -> Summary:
        judged = [s.verdict for s in self.mails if s.verdict is not None and s.duplicate_of is None]
        planned: Counter[str] = Counter()
        held: Counter[str] = Counter()
        for verdict in judged:
            planned.update(_outbox_rows(verdict.actions))
            held.update(_outbox_rows(verdict.held_back))
        ahead, past = self.first_run.steps(self.config, self.now)
        return Summary(
            mailboxes=tuple(self.mailboxes),
            categories=Counter(v.category for v in judged),
            tiers=Counter(tier_label(v) for v in judged),
            planned=planned,
            held=held,
            duplicates=sum(s.duplicate_of is not None for s in self.mails),
            unreadable=sum(s.verdict is None for s in self.mails),
            clocks=len(self.first_run.clocks),
            steps_ahead=ahead,
            steps_past=past,
            trust=self.trust,
        )
