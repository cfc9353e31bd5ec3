"""`crisis-gateway run`: a watcher thread per mailbox and one per Sent folder, the SMTP relays,
an outbox thread (which also queues the reminders and the digest that came due), the metrics
endpoint, systemd's notify protocol, and the signals.

SIGTERM/SIGINT: the relays stop taking mail and finish (or 4xx) what they are receiving; every
thread finishes the message at hand and exits. SIGHUP: rules are read again; a broken rule file
keeps the old rules and says why. Templates are read from disk at each use, so they need no
reload.
"""

from __future__ import annotations

import logging
import signal
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from gateway.config import Config, Mailbox
from gateway.deadlines import backlog, cases, digest, reminders
from gateway.intake.following import TagFollower
from gateway.intake.health import Health, TrustWatch
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
from gateway.relays.inbound import InboundFilter
from gateway.relays.listener import SmtpListener
from gateway.relays.outbound import OutboundRelay, tls_context
from gateway.relays.users import UsersFile, UsersFileError
from gateway.service.metrics import MetricsServer
from gateway.service.sdnotify import Notifier
from gateway.state import State

log = logging.getLogger("gateway.daemon")


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

    def _classifier(self) -> Classifier:
        """A classifier that follows rule reloads."""
        classifier = Classifier(self.config, self.rules)
        with self._lock:
            self.classifiers.append(classifier)
        return classifier

    def _pipeline(self) -> Pipeline:
        """Each thread its own SQLite connection; a mail that plans actions wakes the outbox."""
        return Pipeline(self._classifier(), State(self.config.state_dir), self.news, self.trust)

    def _watcher(self, mailbox: Mailbox, store: MailStore, pipeline: Pipeline) -> Watcher:
        return Watcher(store, pipeline, backlog_days=mailbox.backlog_days, since=mailbox.since, stop=self.stop,
                       health=self.health)

    def _sent_watcher(self, mailbox: Mailbox, store: MailStore, state: State) -> SentWatcher:
        return SentWatcher(store, state, self._classifier(), backlog_days=mailbox.backlog_days, since=mailbox.since,
                           stop=self.stop, health=self.health)

    def _watch(self, mailbox: Mailbox) -> None:
        pipeline = self._pipeline()
        try:
            self._watcher(mailbox, store_for(mailbox), pipeline).run()
        finally:
            pipeline.state.close()

    def _watch_sent(self, mailbox: Mailbox, store: MailStore) -> None:
        state = State(self.config.state_dir)
        try:
            self._sent_watcher(mailbox, store, state).run()
        finally:
            state.close()

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
        if inbound is not None:
            pipelines: Pool[Pipeline] = Pool(self._pipeline, lambda p: p.state.close())
            listeners.append(SmtpListener(
                "inbound", InboundFilter(self.config, pipelines), *inbound.listen, workers=inbound.workers,
                drain_seconds=inbound.drain_seconds, data_size_limit=inbound.max_message_bytes,
                on_stop=pipelines.close, temporary_only=True))
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
            return MetricsServer(self.config.metrics_listen, self.config.state_dir, self.health, self.trust)
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
        if not down:
            return True, f"running: {len(self.mailboxes)} mailbox(es), {relays} relay(s)" + trust
        parts = []
        if logging_in := [name for name in down if name not in refused]:
            what = "; ".join(f"{name}: {errors[name]}" if name in errors else name for name in logging_in)
            parts.append(f"not logged in to {what}" if started else f"logging in to {what}")
        if stuck := [name for name in down if name in refused]:
            parts.append("cannot watch " + "; ".join(f"{name}: {refused[name]}" for name in stuck))
        return False, ("running, but " if started else "starting: ") + "; ".join(parts) + trust

    def run_forever(self) -> None:
        State(self.config.state_dir).close()  # the state opens (and its schema is made) before anything runs
        metrics = self.start_metrics()
        try:
            relays = self.start_relays()
        except StartError:
            if metrics is not None:
                metrics.stop()
            raise
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        signal.signal(signal.SIGTERM, lambda *_: self.stop.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop.set())
        signal.signal(signal.SIGHUP, lambda *_: self.reload_requested.set())
        threads = [threading.Thread(target=self._watch, args=(m,), name=f"watch {m.name}", daemon=True) for m in self.mailboxes]
        threads += [threading.Thread(target=self._watch_sent, args=(m, store), name=f"watch {store.name}", daemon=True)
                    for m in self.mailboxes if (store := sent_store_for(m)) is not None]
        threads.append(threading.Thread(target=self._send, name="outbox", daemon=True))
        for thread in threads:
            thread.start()
        log.info("running: %d mailbox(es), %d relay(s), state in %s", len(self.mailboxes), len(relays), self.config.state_dir)
        ready, said = False, ""
        watchdog = self.notifier.watchdog_seconds
        pinged = 0.0
        try:
            while not self.stop.wait(0.5):
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
                # The watchdog is fed only while every thread is alive: a thread that died, or a
                # main loop that hangs, stops the pings and systemd restarts the service.
                if watchdog and time.monotonic() - pinged >= watchdog / 2 and all(t.is_alive() for t in threads):
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
            if metrics is not None:
                metrics.stop()
            log.info("stopped")


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
