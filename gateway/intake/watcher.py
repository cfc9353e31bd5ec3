"""Watching one folder of one mailbox: each new mail through the pipeline, tagged in place.

Tagging in place, in an order that loses nothing and repeats nothing across a crash:
  1. the verdict is recorded (state, audit, outbox) in one transaction;
  2. the tagged copy is appended (same Message-ID, original INTERNALDATE and flags, crisis
     keywords, $CrisisTagged) and confirmed by APPENDUID or a search;
  3. only then is the original moved to the archive folder, and "done" recorded with the cursor.
After a crash the original is met again: the state knows it (no second acknowledgement or
forward), its tagging is not "done", and a copy appended before the crash is searched for and
found, not appended again. Two durable commits per mail: the record (the raw mail inside it; a
mail over RAW_IN_DATABASE_MAX is a file, synced before it), the "done".

With many mailboxes, a watcher holds only its IMAP connection while it waits for news: the
pipeline (SQLite connection and classifier) is leased from a small shared pool for each read
(`Leases`; a long read hands it on between two mails when others wait), and logins pass through a gate that lets a few at a time in (`logins`), so a start
with hundreds of mailboxes does not hammer the server.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from datetime import date, datetime, timedelta, timezone

from gateway.intake.following import TagFollower
from gateway.intake.health import Health
from gateway.intake.leases import Leases
from gateway.intake.pipeline import Pipeline
from gateway.intake.stores.base import QUARANTINED, TAGGED, FolderMissing, MailStore
from gateway.intake.stores.imap import FolderRefused
from gateway.intake.tries import MAX_TRIES, CopyNotConfirmed, Tries
from gateway.judging.facts import MailFacts
from gateway.judging.tagging import key_token
from gateway.mail.parse import MailError, parse_mail
from gateway.state import State

log = logging.getLogger("gateway.watch")
# during a long read (a backlog), how often the folder is searched for mail that arrived meanwhile
LOOK_FOR_NEWS_SECONDS = 2.0


class FolderWatcher:
    """Reads one folder past a cursor (UIDVALIDITY and the last UID, in the state) and hands each
    new mail to `handle`; reconnects with backoff. Subclasses say what a mail means."""

    def __init__(self, store: MailStore, state: State | None, *, backlog_days: int, stop: threading.Event,
                 since: date | None = None, health: Health | None = None, leases: Leases[Pipeline] | None = None,
                 logins: threading.Semaphore | None = None) -> None:
        self.store = store
        self.state = state  # with `leases`: the leased pipeline's, during a read only
        self.leases = leases
        self._lease: Pipeline | None = None  # the pipeline leased for the read at hand
        self.logins = logins or threading.Semaphore(1)
        self.health = health or Health()
        self.backlog_days = backlog_days
        self.since = since
        self.stop = stop
        self.tries = Tries()  # by uid
        self.own_copies = 0  # of the mails met in the scan at hand, copies the gateway appended

    @property
    def name(self) -> str:
        return self.store.name

    @contextlib.contextmanager
    def leased(self):
        """The pipeline lent for one read (or the watcher's own, when it was given one)."""
        if self.leases is None:
            yield
            return
        self._lease = self.leases.take()
        self.use(self._lease)
        try:
            yield
        finally:
            self.use(None)
            if self._lease is not None:  # None: handed on by make_way, and none got back
                self.leases.give(self._lease)
            self._lease = None

    def make_way(self) -> None:
        """Between two mails of a read: when other folders wait for a pipeline, hand this one on
        and wait in line again (nothing of the read lives in the pipeline but its state, whose
        every write is committed by then). Once handed on the pipeline is another thread's: if
        getting one back fails (a new one cannot be made), the watcher holds none."""
        if self.leases is not None and self._lease is not None and self.leases.wanted():
            lease, self._lease = self._lease, None
            self.use(None)
            self._lease = self.leases.make_way(lease)
            self.use(self._lease)

    def use(self, pipeline: Pipeline | None) -> None:
        """Take the leased pipeline's parts (None: give them back)."""
        self.state = pipeline.state if pipeline is not None else None

    def scan(self) -> int:
        """Handle every mail not handled yet; returns how many were looked at."""
        validity = self.store.uidvalidity()
        source = self.state.source(self.name)
        since = None
        if source is None or source["uidvalidity"] != validity:
            # first start, or the server renumbered the folder: read it again as far back as a first
            # start would (older mail must not be acknowledged or escalated now); what is known is
            # recognised by Message-ID or content hash and skipped
            since = self.since or (datetime.now(timezone.utc) - timedelta(days=self.backlog_days)).date()
            after = 0
            if source is not None:
                log.warning("%s: UIDVALIDITY changed from %s to %s: reading the folder again since %s, skipping what is known",
                            self.name, source["uidvalidity"], validity, since)
        else:
            after = source["last_uid"]
        # A first read is limited to `since`: older mail must not come in later as "new" because
        # its UID is high. Once the backlog is done the cursor moves to the highest UID seen now.
        ceiling = self.store.highest_uid() if since is not None else 0
        uids = self.store.list_uids(after, since)
        self.own_copies = 0
        backlog = len(uids) > 20
        if backlog:
            log.info("%s: %d mail(s) to read%s", self.name, len(uids), f" (backlog since {since})" if since else "")
            self.state.reading(self.name, True)  # its backlog report waits for the end of the read
        # The cursor is the highest UID below which every mail listed is done: mail that arrives
        # during a long read is handled before the rest of the backlog (a fresh claim must not wait
        # behind two weeks of history), so mails are not always done in UID order.
        queue, planned, done = list(uids), list(uids), set()
        cursor, below = after, 0  # planned[:below] are done
        next_look = time.monotonic() + LOOK_FOR_NEWS_SECONDS
        while queue and not self.stop.is_set():
            if backlog and time.monotonic() >= next_look:
                # above what the read was started with: older mail (below the ceiling, before `since`) stays unread
                arrived = self.store.list_uids(max(planned[-1], ceiling), None)
                if arrived:
                    log.info("%s: %d new mail(s) during the read, handled first", self.name, len(arrived))
                    # with the older mail about the same orders before them: the claim's buyer is
                    # known to it, and its forward carries that mail as evidence
                    queue = handled_first(self._about_the_same_orders(arrived, queue), arrived, queue)
                    planned = planned + arrived
                next_look = time.monotonic() + LOOK_FOR_NEWS_SECONDS
            uid = queue.pop(0)
            try:
                finished = self.handle(uid)
            except Exception as exc:  # noqa: BLE001 - counted; a connection error is raised again
                if not self._give_up(uid, exc):
                    raise
                finished = None
            done.add(uid)
            while below < len(planned) and planned[below] in done:
                cursor, below = planned[below], below + 1
            if finished is not None:
                # one commit: the tagging is done and the cursor moves past what is done
                self.state.finish_tagging(self.name, validity, cursor, *finished)
            if backlog and (len(done) % 50 == 0 or not queue):
                log.info("%s: %d/%d read", self.name, len(done), len(planned))
                self.state.reading(self.name, bool(queue))
            if queue:
                self.make_way()
        last = cursor
        uids = planned
        if uids and self.own_copies == len(uids):
            # a server that keeps no keywords lists the copies the gateway appended: say so, lest
            # "1865 mail(s) to read" after a backlog read like a second backlog
            log.info("%s: the %d mail(s) met are all the gateway's own tagged copies: nothing new", self.name, len(uids))
        if not self.stop.is_set():
            last = max(last, ceiling)
        if source is None or last != after or source["uidvalidity"] != validity:
            # the cursor only saves work; what is known is known by the state, not by it
            self.state.set_source(self.name, validity, last)
        return len(uids)

    def _about_the_same_orders(self, arrived: list[int], queue: list[int]) -> list[int]:
        """Those of `queue` that name an order one of the `arrived` mails is about, in UID order."""
        orders = set()
        for uid in arrived:
            stored = self.store.fetch(uid)
            try:
                order = MailFacts(parse_mail(stored.raw)).order_id if stored is not None else None
            except MailError:
                order = None  # handled (quarantined) in its turn
            if order:
                orders.add(order)
        return sorted({uid for order in orders for uid in self.store.uids_naming(queue, order)})

    def _give_up(self, uid: int, exc: Exception) -> bool:
        """After MAX_TRIES failures of the same mail (quota exceeded, a copy never confirmed...),
        leave it in place, marked, and go on with the next: one mail must not block the folder."""
        tries = self.tries.failed(uid, exc)
        if tries < MAX_TRIES:
            return False
        reason = self.tries.why(uid)
        marked = self.mark_failed(uid)
        with self.state.transaction():
            self.state.audit("quarantined", {"source": f"{self.name}/{uid}", "reason": reason, "tries": tries})
        log.error("%s uid %s: failed %d times (%s); left in place%s", self.name, uid, tries, reason,
                  f", marked {QUARANTINED}" if marked else "")
        return True

    def mark_failed(self, uid: int) -> bool:
        """Mark a mail given up on, where the folder is ours to mark; True when marked."""
        return False

    def after_scan(self) -> None:
        """What the watcher does after each read of the folder, on the same connection."""

    def handle(self, uid: int) -> tuple[str, int | None] | None:
        """Handle one mail; returns (message key, copy uid) when a tagging in place is finished
        now, so the caller records that with the cursor in one transaction."""
        raise NotImplementedError

    def run(self) -> None:
        """Connect, read, wait for news; reconnect with backoff on any failure, until stopped."""
        backoff = 1.0
        refused = ""  # the refusal said last: said again only when it changes
        while not self.stop.is_set():
            try:
                with self.logins:
                    if self.stop.is_set():
                        break
                    self.store.connect()
                backoff = 1.0
                refused = ""
                self.health.up(self.name)
                log.info("%s: connected", self.name)
                while not self.stop.is_set():
                    with self.leased():
                        self.scan()
                        if not self.stop.is_set():
                            self.after_scan()
                    self.store.wait_for_news(25, self.stop)
                    if not self.stop.is_set():
                        self.store.check_alive()
            except FolderMissing as exc:
                log.warning("%s: not watched: %s", self.name, exc)
                break
            except Exception as exc:  # noqa: BLE001 - one mailbox failing never stops the others
                refused = self._failed(exc, backoff, refused)
                if self.stop.is_set():
                    break
                # jittered: mailboxes cut off together (the server restarted) do not log in again together
                self.stop.wait(backoff * random.uniform(1.0, 1.5))
                backoff = min(backoff * 2, 300.0)
            finally:
                self.store.close()
        log.info("%s: stopped", self.name)

    def _failed(self, exc: Exception, backoff: float, refused: str) -> str:
        """Put a failure in the health and the log; returns the refusal said last. A folder the
        server refuses stays refused until the configuration changes: it is logged once, as an
        error with its fix, and tried again with the same backoff (the server may change)."""
        if isinstance(exc, FolderRefused):
            self.health.refuse(self.name, str(exc))
            if str(exc) != refused and not self.stop.is_set():
                log.error("%s: %s (tried again with backoff; logged once)", self.name, exc)
            return str(exc)
        self.health.down(self.name, f"{type(exc).__name__}: {exc}")
        if not self.stop.is_set():
            log.warning("%s: %s: %s; reconnecting in %.0fs", self.name, type(exc).__name__, exc, backoff,
                        exc_info=log.isEnabledFor(logging.DEBUG))
        return refused


class Watcher(FolderWatcher):
    """The inbox: each new mail through the pipeline, tagged in place."""

    def __init__(self, store: MailStore, pipeline: Pipeline | None, *, backlog_days: int, stop: threading.Event,
                 since: date | None = None, health: Health | None = None, leases: Leases[Pipeline] | None = None,
                 logins: threading.Semaphore | None = None) -> None:
        super().__init__(store, pipeline.state if pipeline else None, backlog_days=backlog_days, stop=stop,
                         since=since, health=health, leases=leases, logins=logins)
        self.pipeline = pipeline
        # one for the watcher's run: it counts each mail's failed tag changes from one scan to the next
        self.follower = TagFollower(store, pipeline.state if pipeline else None,
                                    pipeline.classifier if pipeline else None)

    def use(self, pipeline: Pipeline | None) -> None:
        super().use(pipeline)
        self.pipeline = pipeline
        self.follower.use(pipeline.state if pipeline else None, pipeline.classifier if pipeline else None)

    def after_scan(self) -> None:
        """After the new mail, with the same pipeline: the tags whose clock moved on (stopped,
        overdue) follow it."""
        self.follower.follow()

    def mark_failed(self, uid: int) -> bool:
        try:
            self.store.add_keywords(uid, [QUARANTINED])
        except Exception:  # noqa: BLE001 - the keyword is a courtesy; the audit row is the record
            return False
        return True

    def handle(self, uid: int) -> tuple[str, int | None] | None:
        """Handle one mail; returns (message key, copy uid) when its tagging is finished now, so
        the caller records that with the cursor in one transaction."""
        stored = self.store.fetch(uid)
        if stored is not None and TAGGED in stored.flags:
            self.own_copies += 1
            return None  # a copy this gateway appended
        if stored is None or "\\Deleted" in stored.flags:
            return None  # gone meanwhile, or deleted
        outcome = self.pipeline.handle(stored.raw, source=f"{self.name}/{uid}", mailbox=self.name)
        if outcome.status == "quarantined":
            self.store.add_keywords(uid, [QUARANTINED])
            log.warning("%s uid %s: left in place, marked %s: %s", self.name, uid, QUARANTINED, outcome.reason)
            return None
        verdict = outcome.verdict
        key = verdict.message_key
        tag = verdict.action("tag")
        if outcome.status == "duplicate":
            # a copy tagged by this gateway (by the watcher, or by the inbound relay on its way in)
            tagged_copy = outcome.mail is not None and outcome.mail.header("X-Crisis-Key") == key_token(key)
            stage = self.state.tagging_stage(self.name, key)
            if stage == "done":
                if tagged_copy:
                    self.own_copies += 1
                    return None  # our copy, on a server that keeps no keywords
                if tag is not None:
                    self.store.archive(uid)  # the same mail delivered again: the folder keeps one tagged copy
                    log.info("%s uid %s: already handled (%s), second delivery archived", self.name, uid, key)
                return None
            if tag is not None and tagged_copy:
                # tagged on its way in by the inbound relay (which recorded it): this is the tagged
                # copy; it gets the keywords and stays where the team reads it. Not $CrisisTagged
                # (which makes a scan pass over a mail unread) until the tagging is recorded: a crash
                # before that meets it again here. Its first tag change appends a copy that has it.
                self.store.add_keywords(uid, tag.detail["keywords"])
                self.store.change_labels(uid, tag.detail.get("labels", []), [])
                log.info("%s uid %s: tagged by the relay (%s); keywords added, left in place", self.name, uid, key)
                return key, uid
            log.info("%s uid %s: resuming tagging of %s", self.name, uid, key)
        else:
            actions = ", ".join(a.kind for a in verdict.actions) or "none"
            log.info("%s uid %s: %s tier=%s%s actions=[%s] %s", self.name, uid, verdict.category, verdict.tier or "-",
                     " SUSPECT" if verdict.suspicious else "", actions, verdict.subject)
        if tag is None:
            return key, None
        # After a crash the copy may be there already: look before appending another.
        copy_uid = self.store.find_copy(key) if outcome.status == "duplicate" else None
        if copy_uid is None:
            flags = tuple(f for f in stored.flags if f != "\\Recent") + tuple(tag.detail["keywords"]) + (TAGGED,)
            copy_uid = self.store.append_copy(outcome.tagged, flags, stored.internaldate) or self.store.find_copy(key)
            if copy_uid is None:
                raise CopyNotConfirmed(f"{self.name} uid {uid}: tagged copy of {key} not found after APPEND")
        self.store.change_labels(copy_uid, tag.detail.get("labels", []), [])  # Gmail's; a no-op elsewhere
        self.store.archive(uid)
        return key, copy_uid


def handled_first(earlier: list[int], arrived: list[int], queue: list[int]) -> list[int]:
    """The queue of a long read once mail arrived during it: the older mail of `queue` about the
    same orders (`earlier`), then the mail that arrived, then the rest of `queue` in its order.
    Linear in the queue, which on a first start holds two weeks of mail."""
    moved = set(earlier)
    return earlier + arrived + [uid for uid in queue if uid not in moved]
