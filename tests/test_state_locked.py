"""Many threads on one state: opening it and every transaction wait for a lock held by another
connection (busy timeout, then tries again with backoff), and give up with SQLite's own error
only after a bounded number of tries."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from gateway.state import State
from gateway.state import connection as state_connection


@pytest.fixture
def short_waits(monkeypatch):
    """SQLite's busy handler waits 50 ms instead of 10 s, so a lock held for half a second outlasts it."""
    monkeypatch.setattr(state_connection, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(state_connection, "LOCKED_PAUSE", 0.05)


def hold_write_lock(path, seconds: float) -> threading.Thread:
    """Another connection takes the write lock, keeps it `seconds`, and lets it go."""
    taken = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, timeout=30)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    return thread


def test_a_transaction_waits_for_a_lock_held_longer_than_the_busy_timeout(tmp_path, short_waits):
    state = State(tmp_path)
    holder = hold_write_lock(tmp_path / "state.db", 0.6)
    started = time.monotonic()
    with state.transaction():
        state.audit("test", {"after": "the lock"})
    assert time.monotonic() - started >= 0.4
    holder.join()
    assert state.audit_count("test") == 1
    state.close()


def test_a_lock_never_let_go_ends_in_sqlites_error_after_bounded_tries(tmp_path, monkeypatch, short_waits):
    monkeypatch.setattr(state_connection, "LOCKED_TRIES", 3)
    state = State(tmp_path)
    holder = hold_write_lock(tmp_path / "state.db", 3.0)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with state.transaction():
            pass
    assert time.monotonic() - started < 2.5
    assert not state.db.conn.in_transaction
    holder.join()
    state.close()


def test_many_threads_open_a_new_state_at_once_and_each_writes(tmp_path, short_waits):
    """The first start of a daemon with many mailboxes: no thread dies of `database is locked`."""
    errors: list[BaseException] = []

    def open_and_write(n: int) -> None:
        try:
            state = State(tmp_path / "state")
            with state.transaction():
                state.audit("opened", {"thread": n})
            state.close()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    state = State(tmp_path / "state")
    assert state.audit_count("opened") == 60
    assert state.verify_audit().ok
    state.close()


def test_a_commit_that_fails_for_good_rolls_back_and_the_connection_stays_usable(tmp_path, monkeypatch):
    state = State(tmp_path)
    real = state_connection.when_unlocked

    def commit_fails(step, what):
        if what == "committing":
            raise sqlite3.OperationalError("database is locked")
        return real(step, what)

    monkeypatch.setattr(state_connection, "when_unlocked", commit_fails)
    with pytest.raises(sqlite3.OperationalError):
        with state.transaction():
            state.audit("test", {"lost": True})
    assert not state.db.conn.in_transaction  # not left open, the write lock kept
    monkeypatch.setattr(state_connection, "when_unlocked", real)
    with state.transaction():
        state.audit("test", {"kept": True})
    with State(tmp_path) as other:  # committed for good: another connection sees it
        assert other.audit_count("test") == 1
    state.close()
