"""`crisis-gateway run`: a watcher thread per mailbox and one per Sent folder, the SMTP relays,
an outbox thread (which also queues the reminders and the digest that came due), the metrics
endpoint, systemd's notify protocol, and the signals.

Many mailboxes: the state and its schema are made once, before any thread starts; each watched
folder has a thread of its own holding its IMAP connection, but the pipelines (SQLite connection
and classifier) are a pool of PIPELINES lent for each read, and at most LOGINS_AT_ONCE logins run
at a time. Every thread is supervised (gateway.service.supervisor): an unexpected error restarts
it with backoff and shows in the log, the status line, the metrics and the audit trail.

SIGTERM/SIGINT: the relays stop taking mail and finish (or 4xx) what they are receiving; every
thread finishes the message at hand and exits. SIGHUP: rules are read again; a broken rule file
keeps the old rules and says why. Templates are read from disk at each use, so they need no
reload.
"""

from __future__ import annotations

import logging
import resource
import signal
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Sequence

from gateway.config import Config, Mailbox
from gateway.deadlines import backlog, cases, digest, reminders
from gateway.intake.following import TagFollower
from gateway.intake.health import Health, TrustWatch
from gateway.intake.leases import Leases
from gateway.intake.pipeline import Pipeline
from gateway.intake.sentwatch import SentWatcher
from gateway.intake.stores.base import FolderMissing, MailStore
from gateway.intake.stores.factory import sent_store_for, store_for
from gateway.intake.watcher import Watcher
from gateway.judging.classify import Classifier
from gateway.judging.rules import RuleFileErrors, RuleSet, load_rules
from gateway.outgoing.outbox import Outbox
from gateway.outgoing.transport import mail_transport
from gateway.relays.common import Pool
from gateway.relays.inbound import InboundFilter, InboundMilter
from gateway.relays.listener import SmtpListener
from gateway.relays.milter import MilterListener
from gateway.relays.outbound import OutboundRelay, tls_context
from gateway.relays.users import UsersFile, UsersFileError
from gateway.service.metrics import MetricsServer
from gateway.service.sdnotify import Notifier
from gateway.service.supervisor import Failure, Failures, RelayWatch, supervised
from gateway.state import State

log = logging.getLogger("gateway.daemon")
# Pipelines lent to the watchers for a read: SQLite connections and classifiers do not grow with
# the mailboxes, nor the writers queueing for SQLite's one write lock. Reads are mostly waiting
# on the IMAP server, so a few more than the cores keep them all busy.
PIPELINES = 8
# IMAP logins under way at once: a start with hundreds of mailboxes logs in a few at a time
LOGINS_AT_ONCE = 8
# with more mailboxes than log in at once, the Sent folders log in once every inbox has tried, or
# after this long at the latest
INBOXES_FIRST_SECONDS = 60.0
# file descriptors besides the IMAP connections: SQLite (three each), relays, metrics, logs
SPARE_DESCRIPTORS = 128


class StartError(RuntimeError):
    """The daemon cannot start (a relay port in use, a bad certificate...): the message says why."""


class Daemon:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.rules: RuleSet = load_rules(config.rules_dir)
        self.stop = threading.Event()
        self.news = threading.Event()
        self.reload_requested = threading.Event()
        self.classifiers: list[Classifier] = []
        self._lock = threading.Lock()
        self.mailboxes = [m for m in config.mailboxes if m.watched]
        self.health = Health()
        self.trust = TrustWatch(config.authserv_ids)
        self.notifier = Notifier()
        self.failures = Failures(on_failure=self._record_failure)
        self.logins = threading.Semaphore(LOGINS_AT_ONCE)
        self.leases: Leases[Pipeline] | None = None  # made by run_forever
        self.relay_watch: RelayWatch | None = None  # made by run_forever once the relays listen
        self.inboxes_tried = threading.Event()  # every inbox has tried its first login: the Sent folders' turn

    def _record_failure(self, failure: Failure) -> None:
        """In the audit trail, where check-config finds it (a state of its own: the failing thread's may be broken)."""
        state = State(self.config.state_dir)
        try:
            with state.transaction():
                state.audit("thread_failed", {"thread": failure.thread, "error": failure.error, "count": failure.count})
        finally:
            state.close()

    def _classifier(self) -> Classifier:
        """A classifier that follows rule reloads."""
        classifier = Classifier(self.config, self.rules)
        with self._lock:
            self.classifiers.append(classifier)
        return classifier

    def _pipeline(self) -> Pipeline:
        """Each thread its own SQLite connection; a mail that plans actions wakes the outbox."""
        return Pipeline(self._classifier(), State(self.config.state_dir), self.news, self.trust)

    def _watcher(self, mailbox: Mailbox, store: MailStore, pipeline: Pipeline | None) -> Watcher:
        """With no pipeline, one is leased from the pool for each read."""
        return Watcher(store, pipeline, backlog_days=mailbox.backlog_days, since=mailbox.since, stop=self.stop,
                       health=self.health, leases=None if pipeline else self.leases, logins=self.logins)

    def _sent_watcher(self, mailbox: Mailbox, store: MailStore, state: State | None) -> SentWatcher:
        """With no state, a pipeline is leased from the pool for each read."""
        return SentWatcher(store, state, self._classifier() if state else None, backlog_days=mailbox.backlog_days,
                           since=mailbox.since, stop=self.stop, health=self.health,
                           leases=None if state else self.leases, logins=self.logins)

    def _watch(self, mailbox: Mailbox) -> None:
        self._watcher(mailbox, store_for(mailbox), None).run()

    def _watch_sent(self, mailbox: Mailbox, store: MailStore) -> None:
        # A start with hundreds of mailboxes gives the server's time to the inboxes' logins and
        # backlogs first: a claim waits in an inbox, a reply in Sent only stops a clock.
        while not self.inboxes_tried.wait(0.5):
            if self.stop.is_set():
                return
        self._sent_watcher(mailbox, store, None).run()

    def _note_inboxes_tried(self, started: float) -> None:
        """Let the Sent folders log in once every inbox has tried (connected or failed), or late at the latest."""
        if self.inboxes_tried.is_set():
            return
        tried, _ = self.health.snapshot()
        if all(m.name in tried for m in self.mailboxes) or time.monotonic() - started >= INBOXES_FIRST_SECONDS:
            self.inboxes_tried.set()
            log.info("%d of %d inbox(es) logged in after %.1fs", sum(tried.values()), len(self.mailboxes),
                     time.monotonic() - started)

    def _due(self, state: State, backlog_settle: timedelta = backlog.SETTLE) -> None:
        """Queue the reminders, escalations, case follow-ups (several for the same people at once
        in one list), the backlog reports and the daily digest that came due."""
        now = datetime.now(timezone.utc)
        with state.transaction():
            batch = reminders.Batch()
            reminders.fire_due(state, self.config, now, batch)
            cases.fire_due(state, self.config, now, batch)
            batch.flush(state, self.config, now)
        backlog.fire_due(state, self.config, now, backlog_settle)
        digest.fire_due(state, self.config, now)

    def _send(self) -> None:
        state = State(self.config.state_dir)
        try:
            outbox = Outbox(self.config, state, stop=self.stop)
            while not self.stop.is_set():
                try:
                    self._due(state)
                    outbox.run()
                except Exception:  # noqa: BLE001 - the outbox thread must outlive a bad row
                    log.exception("outbox run failed")
                self.news.wait(5.0)
                self.news.clear()
        finally:
            state.close()

    def relays(self) -> list[SmtpListener]:
        """The configured relays, not started yet."""
        listeners = []
        inbound, outbound = self.config.inbound_relay, self.config.outbound_relay
        pipelines: Pool[Pipeline] = Pool(self._pipeline, lambda p: p.state.close())  # made as the workers need them
        if inbound is not None and inbound.mode == "milter":
            milter = InboundMilter(self.config, pipelines)
            listeners.append(MilterListener(
                "inbound", milter, *inbound.listen, workers=inbound.workers, drain_seconds=inbound.drain_seconds,
                max_message_bytes=inbound.max_message_bytes, on_stop=milter.close))
        elif inbound is not None:
            inbound_filter = InboundFilter(self.config, pipelines)
            listeners.append(SmtpListener(
                "inbound", inbound_filter, *inbound.listen, workers=inbound.workers,
                drain_seconds=inbound.drain_seconds, data_size_limit=inbound.max_message_bytes,
                on_stop=inbound_filter.close, temporary_only=True))
        if outbound is not None:
            states: Pool[State] = Pool(lambda: State(self.config.state_dir), State.close)
            users = UsersFile(outbound.users_file) if outbound.users_file else None
            # the classifier's tag words follow a rules reload
            handler = OutboundRelay(self.config, states, self._classifier(), mail_transport(self.config.smtp), users)
            context = tls_context(outbound)
            listeners.append(SmtpListener(
                "outbound", handler, *outbound.listen, workers=outbound.workers, drain_seconds=outbound.drain_seconds,
                data_size_limit=outbound.max_message_bytes, on_stop=states.close, tls_context=context,
                require_starttls=context is not None, authenticator=handler.authenticate if users else None,
                auth_required=users is not None, auth_require_tls=context is not None))
        return listeners

    def start_relays(self) -> list[SmtpListener]:
        started: list[SmtpListener] = []
        try:
            for listener in self.relays():
                try:
                    listener.start()
                except OSError as exc:
                    raise StartError(f"[relay.{listener.name}] cannot listen on {listener.host}:{listener.port}: "
                                     f"{exc.strerror or exc}") from None
                started.append(listener)
        except (StartError, UsersFileError, OSError, ssl.SSLError) as exc:
            for listener in started:
                listener.stop()
            raise StartError(str(exc)) from None
        return started

    def start_metrics(self) -> MetricsServer | None:
        if self.config.metrics_listen is None:
            return None
        try:
            return MetricsServer(self.config.metrics_listen, self.config.state_dir, self.health, self.trust,
                                 self.failures)
        except OSError as exc:
            host, port = self.config.metrics_listen
            raise StartError(f"[metrics] cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    def reload(self) -> None:
        try:
            rules = load_rules(self.config.rules_dir)
        except RuleFileErrors as exc:
            for problem in exc.problems:
                log.error("reload: %s", problem)
            log.error("reload: rule files have errors; still using the %d rules loaded before", len(self.rules.rules))
            return
        except Exception as exc:  # noqa: BLE001 - a reload must never stop the daemon
            log.error("reload: %s: %s; still using the %d rules loaded before", type(exc).__name__, exc, len(self.rules.rules))
            return
        self.rules = rules
        with self._lock:
            for classifier in self.classifiers:
                classifier.reload(rules)
        log.info("reload: %d rules from %d files", len(rules.rules), len(rules.files))

    @staticmethod
    def _scan_once(store: MailStore, work: Callable[[MailStore], object]) -> int:
        """Connect to one folder and do `work` on it once (read it, move its tags on); 1 when that failed."""
        try:
            store.connect()
            work(store)
        except FolderMissing as exc:
            log.info("%s: not read: %s", store.name, exc)
        except Exception as exc:  # noqa: BLE001 - the other mailboxes still run
            log.error("%s: %s: %s", store.name, type(exc).__name__, exc)
            return 1
        finally:
            store.close()
        return 0

    def run_once(self) -> int:
        """Read every mailbox (and its Sent folder) once, run the outbox, return: for cron, tests
        and the demo. Returns how many folders could not be read."""
        failures = 0
        for mailbox in self.mailboxes:
            pipeline = self._pipeline()
            try:
                failures += self._scan_once(store_for(mailbox), lambda s: self._watcher(mailbox, s, pipeline).scan())
                sent = sent_store_for(mailbox)
                if sent is not None:
                    failures += self._scan_once(sent, lambda s: self._sent_watcher(mailbox, s, pipeline.state).scan())
                # after the Sent folder, whose replies stop clocks: the inbox's tags follow them now
                failures += self._scan_once(
                    store_for(mailbox), lambda s: TagFollower(s, pipeline.state, pipeline.classifier).follow())
            finally:
                pipeline.state.close()
        state = State(self.config.state_dir)
        try:
            self._due(state, backlog_settle=timedelta(0))  # every mailbox is read: its backlog is whole
            Outbox(self.config, state, stop=self.stop).run()
        finally:
            state.close()
        return failures

    def _readiness(self, relays: int, started: bool) -> tuple[bool, str]:
        """Whether every mailbox is logged in (the state is open and the relays listen before the
        threads start), and the status line for `systemctl status`: the mailboxes not logged in
        yet, and apart from them those whose folder the server refuses, with the fix; after them the
        mailboxes whose Amazon mail stopped passing [trust], with what to set."""
        connected, errors = self.health.snapshot()
        refused = self.health.refusals()
        down = [m.name for m in self.mailboxes if not connected.get(m.name)]
        trust = "".join(f"; mailbox {name}: {warning}" for name, warning in sorted(self.trust.warnings().items()))
        if failed := self.failures.status():
            trust += "; " + failed
        if not down:
            return True, f"running: {len(self.mailboxes)} mailbox(es), {relays} relay(s)" + trust
        parts = []
        if logging_in := [name for name in down if name not in refused]:
            what = "; ".join(f"{name}: {errors[name]}" if name in errors else name for name in logging_in)
            parts.append(f"not logged in to {what}" if started else f"logging in to {what}")
        if stuck := [name for name in down if name in refused]:
            parts.append("cannot watch " + "; ".join(f"{name}: {refused[name]}" for name in stuck))
        return False, ("running, but " if started else "starting: ") + "; ".join(parts) + trust

    def _descriptors(self) -> None:
        """Raise the soft limit of open files to the hard one (systemd: LimitNOFILE=), and say
        when even that is short of one IMAP connection per watched folder plus the spare."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
                soft = hard
            except (ValueError, OSError) as exc:
                log.warning("cannot raise the limit of open files from %d to %d: %s", soft, hard, exc)
        need = open_files_needed(self.mailboxes)
        if need > soft:
            log.error("%d watched folder(s) need about %d open files, the limit is %d: some will fail to connect; "
                      "raise LimitNOFILE= in the service unit", need - SPARE_DESCRIPTORS, need, soft)

    def _threads(self) -> list[threading.Thread]:
        """Inboxes first, their Sent folders after (they log in after them), then the outbox; each supervised."""
        work: list[tuple[str, Callable[[], None]]] = [(f"watch {m.name}", lambda m=m: self._watch(m))
                                                      for m in self.mailboxes]
        work += [(f"watch {store.name}", lambda m=m, store=store: self._watch_sent(m, store))
                 for m in self.mailboxes if (store := sent_store_for(m)) is not None]
        work.append(("outbox", self._send))
        # a watcher's stack stays shallow; 1 MiB instead of 8 keeps a thousand threads' address space small
        threading.stack_size(1024 * 1024)
        try:
            return [threading.Thread(target=supervised(name, body, self.stop, self.failures), name=name, daemon=True)
                    for name, body in work]
        finally:
            threading.stack_size(0)

    def run_forever(self) -> None:
        State(self.config.state_dir).close()  # the state opens (and its schema is made) before any thread runs
        self._descriptors()
        self.leases = Leases(self._pipeline, lambda p: p.state.close(), size=PIPELINES)
        metrics = self.start_metrics()
        try:
            relays = self.start_relays()
        except StartError:
            if metrics is not None:
                metrics.stop()
            raise
        self.relay_watch = RelayWatch(relays, self.failures)
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        signal.signal(signal.SIGTERM, lambda *_: self.stop.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop.set())
        signal.signal(signal.SIGHUP, lambda *_: self.reload_requested.set())
        threads = self._threads()
        if len(self.mailboxes) <= LOGINS_AT_ONCE:
            self.inboxes_tried.set()  # few enough to log in all at once, Sent folders with their inboxes
        started = time.monotonic()
        for thread in threads:
            thread.start()
        log.info("running: %d mailbox(es), %d relay(s), state in %s", len(self.mailboxes), len(relays), self.config.state_dir)
        ready, said = False, ""
        watchdog = self.notifier.watchdog_seconds
        pinged = 0.0
        try:
            while not self.stop.wait(0.5):
                self._note_inboxes_tried(started)
                self.relay_watch.check()
                if self.reload_requested.is_set():
                    self.reload_requested.clear()
                    self.notifier.reloading()
                    self.reload()
                    if ready:
                        self.notifier.ready(said)  # READY=1 ends the reload
                all_in, status = self._readiness(len(relays), ready)
                if all_in and not ready:
                    self.notifier.ready(status)
                    log.info("ready: %s", status)
                    ready, said = True, status
                elif status != said:
                    self.notifier.status(status)
                    said = status
                # The watchdog is fed only while every thread is alive or ended on purpose (a Sent
                # folder the server does not have): a failing thread is started again by its
                # supervisor, so a dead one, or a main loop that hangs, is a daemon gone wrong; the
                # pings stop and systemd restarts the service.
                alive = all(t.is_alive() or self.failures.ended_on_purpose(t.name) for t in threads)
                if watchdog and time.monotonic() - pinged >= watchdog / 2 and alive:
                    self.notifier.watchdog()
                    pinged = time.monotonic()
        finally:
            self.notifier.stopping()
            for relay in relays:  # first, all at once: what they finish may still queue actions for the outbox
                relay.begin_stop()
            for relay in relays:
                relay.stop()
            self.stop.set()
            self.news.set()
            for thread in threads:
                thread.join(timeout=60)
                if thread.is_alive():
                    log.error("%s did not stop within 60s", thread.name)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if all(not t.is_alive() for t in threads):
                self.leases.close()  # else a thread still reading holds one; the process ends soon anyway
            if metrics is not None:
                metrics.stop()
            log.info("stopped")


def open_files_needed(mailboxes: Sequence[Mailbox]) -> int:
    """One descriptor per watched folder (its IDLE connection) and SPARE_DESCRIPTORS besides; a
    mailbox known to the relays only watches none."""
    watched = [m for m in mailboxes if m.watched]
    return len(watched) + sum(1 for m in watched if sent_store_for(m) is not None) + SPARE_DESCRIPTORS


def check_runnable(config: Config) -> list[str]:
    """Why `run` cannot start, in plain words (empty when it can)."""
    problems = []
    if not any(m.watched for m in config.mailboxes) and not (config.inbound_relay or config.outbound_relay):
        problems.append("no [[mailbox]] has imap_host or maildir, and no [relay.inbound] or [relay.outbound] is set: "
                        "there is nothing to do")
    outbound = config.outbound_relay
    if outbound is not None:
        try:
            if outbound.users_file:
                UsersFile(outbound.users_file)
            tls_context(outbound)
        except UsersFileError as exc:
            problems.append(f"[relay.outbound] users_file: {exc}")
        except (OSError, ssl.SSLError) as exc:
            problems.append(f"[relay.outbound] tls_cert/tls_key cannot be loaded: {exc}")
    if not Path(config.state_dir).parent.exists():
        problems.append(f"[gateway] state_dir {config.state_dir}: its parent folder does not exist")
    return problems
