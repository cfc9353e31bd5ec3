"""Prometheus metrics on loopback ([metrics] listen), through prometheus-client.

What the state knows (mails, actions, the outbox, clocks) is read from SQLite at each scrape, so
the figures are the same whichever process recorded them and survive restarts. What only this
process knows (IMAP connections, relay sessions and their 4xx answers) is kept in memory.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from gateway.intake.health import Health, TrustWatch
from gateway.relays.listener import RELAY_SESSIONS, RELAY_TEMPORARY
from gateway.state import State

log = logging.getLogger("gateway.metrics")
REGISTRY = CollectorRegistry()
# counted where the sessions are, in the relays' listener
REGISTRY.register(RELAY_SESSIONS)
REGISTRY.register(RELAY_TEMPORARY)


class StateCollector:
    """Figures from the state database, read at each scrape on a connection of its own."""

    def __init__(self, state_dir: Path) -> None:
        self.state = State(state_dir)
        self.lock = threading.Lock()  # the HTTP server may serve two scrapes at once

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(timezone.utc)
        with self.lock:
            mails = CounterMetricFamily("crisis_gateway_mails", "mails recorded, by category and tier", labels=["category", "tier"])
            for category, tier, count in self.state.mails_by_category_and_tier():
                mails.add_metric([category or "unknown", str(tier or "none")], count)
            yield mails
            actions = CounterMetricFamily("crisis_gateway_actions", "outbox actions finished, by kind and result "
                                          "(sent or dead-lettered)", labels=["kind", "result"])
            failures = CounterMetricFamily("crisis_gateway_action_failures", "runs of outbox actions that failed "
                                           "(each run retries transient errors itself)", labels=["kind"])
            for kind, sent, dead, failed in self.state.outbox_results_by_kind():
                actions.add_metric([kind, "sent"], sent)
                actions.add_metric([kind, "dead_lettered"], dead)
                failures.add_metric([kind], failed)
            yield actions
            yield failures
            depth, oldest = self.state.outbox_waiting()
            yield GaugeMetricFamily("crisis_gateway_outbox_depth", "outbox actions waiting to be done", value=depth)
            age = (now - oldest).total_seconds() if oldest else 0.0
            yield GaugeMetricFamily("crisis_gateway_outbox_oldest_pending_seconds", "age of the oldest waiting action",
                                    value=max(age, 0.0))
            open_clocks = GaugeMetricFamily("crisis_gateway_clocks_open", "open clocks, by tier", labels=["tier"])
            for tier, count in self.state.open_clocks_by_tier():
                open_clocks.add_metric([str(tier or "none")], count)
            yield open_clocks
            by_obligation = GaugeMetricFamily("crisis_gateway_clocks_open_by_obligation",
                                              "open clocks, by obligation (buyer, claim, chargeback, account, case)",
                                              labels=["obligation"])
            for obligation, count in self.state.open_clocks_by_obligation():
                by_obligation.add_metric([obligation], count)
            yield by_obligation
            yield GaugeMetricFamily("crisis_gateway_clocks_overdue", "open clocks past their deadline",
                                    value=self.state.overdue_clock_count(now))

    def close(self) -> None:
        with self.lock:
            self.state.close()


class HealthCollector:
    def __init__(self, health: Health) -> None:
        self.health = health

    def collect(self) -> Iterator[Metric]:
        connected, _ = self.health.snapshot()
        gauge = GaugeMetricFamily("crisis_gateway_imap_connected", "1 while the folder's IMAP (or Maildir) connection is up",
                                  labels=["mailbox"])
        for name, up in sorted(connected.items()):
            gauge.add_metric([name], 1.0 if up else 0.0)
        yield gauge


class TrustCollector:
    """Amazon mails without a trusted result since the daemon started, by mailbox: a figure that
    keeps rising means [trust] does not fit the mailbox's provider."""

    def __init__(self, trust: TrustWatch) -> None:
        self.trust = trust

    def collect(self) -> Iterator[Metric]:
        counter = CounterMetricFamily("crisis_gateway_amazon_untrusted", "Amazon mails recorded with no trusted "
                                      "Authentication-Results (not passing [trust]), by mailbox", labels=["mailbox"])
        for name, count in sorted(self.trust.untrusted().items()):
            counter.add_metric([name], count)
        yield counter


class MetricsServer:
    def __init__(self, listen: tuple[str, int], state_dir: Path, health: Health, trust: TrustWatch | None = None) -> None:
        self.state_collector = StateCollector(state_dir)
        self.health_collector = HealthCollector(health)
        self.trust_collector = TrustCollector(trust or TrustWatch(()))
        REGISTRY.register(self.state_collector)
        REGISTRY.register(self.health_collector)
        REGISTRY.register(self.trust_collector)
        try:
            self.server, self.thread = start_http_server(listen[1], listen[0], registry=REGISTRY)
        except OSError:
            self._unregister()
            raise
        log.info("metrics on http://%s:%s/metrics", *listen)

    def _unregister(self) -> None:
        REGISTRY.unregister(self.state_collector)
        REGISTRY.unregister(self.health_collector)
        REGISTRY.unregister(self.trust_collector)
        self.state_collector.close()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._unregister()
