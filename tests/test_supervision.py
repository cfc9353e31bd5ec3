"""No thread of the daemon dies silently: a watcher or the outbox that fails with an unexpected
error is started again with backoff, and the failure shows in one log line, the status line of
`systemctl status`, the metrics and check-config (through the audit trail)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from configs import make_config, smtp_capture
from processes import FakeSystemd
from servers import free_port, listening, wait_until

from gateway.service import checkconfig, daemon, supervisor
from gateway.service.metrics import FailuresCollector
from gateway.service.sdnotify import Notifier
from gateway.state import State


def test_a_failing_thread_body_is_started_again_with_backoff_and_each_failure_is_one_log_line(monkeypatch, caplog):
    monkeypatch.setattr(supervisor, "FIRST_BACKOFF", 0.05)
    runs: list[float] = []

    def body() -> None:
        runs.append(time.monotonic())
        if len(runs) < 4:
            raise RuntimeError(f"bug number {len(runs)}")

    failures = supervisor.Failures()
    with caplog.at_level(logging.INFO, logger="gateway.supervisor"):
        supervisor.supervised("watch shop", body, threading.Event(), failures)()
    assert len(runs) == 4  # the fourth run returned: finished, not started again
    pauses = [b - a for a, b in zip(runs, runs[1:])]
    assert pauses[0] >= 0.05 and pauses[1] >= 0.1 and pauses[2] >= 0.2  # the backoff doubles
    failure = failures.snapshot()["watch shop"]
    assert (failure.count, failure.error) == (3, "RuntimeError: bug number 3")
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.supervisor"]
    assert len(lines) == 3 and "watch shop: failed with RuntimeError: bug number 1" in lines[0]
    assert "\n" not in "".join(lines)
    assert "watch shop (3x" in failures.status() and "bug number 3" in failures.status()


def test_a_stopped_daemon_does_not_restart_a_failing_thread():
    stop = threading.Event()
    runs = []

    def body() -> None:
        runs.append(1)
        stop.set()
        raise RuntimeError("failed while stopping")

    supervisor.supervised("outbox", body, stop, supervisor.Failures())()
    assert runs == [1]


def test_a_watcher_that_fails_is_restarted_reads_its_mailbox_and_the_failure_is_shown_everywhere(tmp_path, monkeypatch):
    monkeypatch.setattr(supervisor, "FIRST_BACKOFF", 0.05)
    inbox = tmp_path / "inbox"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True)
    config = make_config(tmp_path, mailbox=[{"name": "shop", "address": "support@shop.example", "maildir": str(inbox),
                                             "sent_folder": "none", "poll_seconds": 0.2}],
                         smtp=smtp_capture(tmp_path))
    gateway = daemon.Daemon(config)
    real_watch, calls = gateway._watch, []

    def watch_failing_once(mailbox) -> None:
        calls.append(mailbox.name)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        real_watch(mailbox)

    gateway._watch = watch_failing_once
    seen: dict[str, str] = {}

    def look_then_stop() -> None:
        try:
            wait_until(lambda: gateway.health.snapshot()[0].get("shop"), timeout=20)
            seen["status"] = gateway._readiness(0, True)[1]
        finally:
            gateway.stop.set()

    threading.Thread(target=look_then_stop).start()
    gateway.run_forever()
    assert calls == ["shop", "shop"]
    assert "restarted after a failure: watch shop (1x" in seen["status"]
    assert "OperationalError: database is locked" in seen["status"]
    state = State(config.state_dir)
    assert state.audit_count("thread_failed") == 1
    state.close()
    metric = next(iter(FailuresCollector(gateway.failures).collect()))
    assert [(s.labels, s.value) for s in metric.samples if s.name.endswith("_total")] == [({"thread": "watch shop"}, 1)]
    [finding] = list(checkconfig.check_threads(config))
    assert finding.level == "warn" and "watch shop" in finding.what and "database is locked" in finding.what


def test_a_relay_whose_listener_ended_by_itself_listens_again_and_the_failure_is_counted(tmp_path, monkeypatch):
    port = free_port()
    config = make_config(tmp_path, mailbox=[{"address": "support@shop.example"}], smtp=smtp_capture(tmp_path),
                         relay={"inbound": {"listen": f"127.0.0.1:{port}", "reinject": f"127.0.0.1:{free_port()}"}})
    gateway = daemon.Daemon(config)
    seen: dict[str, bool] = {}

    def break_then_look() -> None:
        try:
            assert wait_until(lambda: gateway.relay_watch is not None and listening(port, 0.2), timeout=20)
            [relay] = gateway.relay_watch.relays
            relay.loop.call_soon_threadsafe(relay.loop.stop)  # the loop ends as a bug would end it
            assert wait_until(lambda: not relay.alive(), timeout=10)
            seen["restarted"] = bool(wait_until(lambda: relay.alive() and listening(port, 0.2), timeout=20))
            seen["status"] = "relay inbound (1x" in gateway.failures.status()
        finally:
            gateway.stop.set()

    threading.Thread(target=break_then_look).start()
    gateway.run_forever()
    assert seen == {"restarted": True, "status": True}
    state = State(config.state_dir)
    assert state.audit_count("thread_failed") == 1
    state.close()


def test_a_thread_that_ends_on_purpose_is_no_failure():
    failures = supervisor.Failures()
    supervisor.supervised("watch shop (sent)", lambda: None, threading.Event(), failures)()
    assert failures.ended_on_purpose("watch shop (sent)") and failures.snapshot() == {}
    assert not failures.ended_on_purpose("watch shop")


def test_the_watchdog_is_fed_while_a_sent_folder_the_mailbox_lacks_is_not_watched(tmp_path):
    inbox = tmp_path / "inbox"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True)  # and no .Sent beside them
    config = make_config(tmp_path, mailbox=[{"name": "shop", "address": "support@shop.example", "maildir": str(inbox),
                                             "poll_seconds": 0.2}], smtp=smtp_capture(tmp_path))
    gateway = daemon.Daemon(config)
    fake = FakeSystemd(str(tmp_path / "notify"))
    gateway.notifier = Notifier({"NOTIFY_SOCKET": fake.path, "WATCHDOG_USEC": "400000"})
    pings: list[int] = []

    def count_then_stop() -> None:
        try:
            if not wait_until(lambda: gateway.failures.ended_on_purpose("watch shop (sent)"), timeout=20):
                return
            before = fake.count("WATCHDOG")
            time.sleep(1.5)
            pings.append(fake.count("WATCHDOG") - before)
        finally:
            gateway.stop.set()

    threading.Thread(target=count_then_stop).start()
    try:
        gateway.run_forever()
    finally:
        fake.close()
    assert pings and pings[0] >= 3
