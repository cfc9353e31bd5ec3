"""Commits made durable together: synced_together and the WAL fsync shared between threads."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest

from gateway.state import State
from gateway.state.durability import WalSync


def synchronous(state: State) -> int:
    return state.db.execute("PRAGMA synchronous").fetchone()[0]


def test_commits_inside_are_unsynced_and_leaving_the_block_syncs_them(tmp_path, monkeypatch):
    state = State(tmp_path)
    synced: list[int] = []
    monkeypatch.setattr(WalSync, "_fsync", lambda self: synced.append(synchronous(state)))
    assert synchronous(state) == 2  # FULL
    with state.synced_together():
        assert synchronous(state) == 1  # NORMAL: the commit writes the WAL, no fsync
        with state.transaction():
            state.audit("relayed", {"to": ["a@example.test"]}, message_key="k")
        assert synced == []
    assert synced == [2]  # once, on leaving, after FULL is back
    other = sqlite3.connect(tmp_path / "state.db")
    assert other.execute("SELECT count(*) FROM audit WHERE kind = 'relayed'").fetchone()[0] == 1


def test_leaving_the_block_by_an_error_syncs_too(tmp_path, monkeypatch):
    state = State(tmp_path)
    synced: list[str] = []
    monkeypatch.setattr(WalSync, "_fsync", lambda self: synced.append("fsync"))
    with pytest.raises(RuntimeError), state.synced_together():
        with state.transaction():
            state.audit("relayed", {}, message_key="k")
        raise RuntimeError("the next hop failed")
    assert synced == ["fsync"] and synchronous(state) == 2


def test_raw_mail_stored_unsynced_is_synced_with_the_commits_from_another_thread(tmp_path, monkeypatch):
    state = State(tmp_path)
    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or real(fd))
    monkeypatch.setattr(WalSync, "_fsync", lambda self: synced.append("wal"))
    with state.unsynced() as written:
        path = state.store_raw(b"Subject: hi\r\n\r\nhello\r\n", "ab" * 32)
        with state.transaction():
            state.audit("relayed", {}, message_key="k")
    assert synced == [] and path.read_bytes().endswith(b"hello\r\n")
    assert synchronous(state) == 2  # FULL again once the block is left
    worker = threading.Thread(target=written.sync)
    worker.start()
    worker.join()
    assert synced == [str(path), "wal"]  # the mail's file first, then the log that names it
    state.store_raw(b"Subject: other\r\n\r\n", "cd" * 32)  # outside the block: synced at once
    assert synced[-1].endswith(f"{'cd' * 32}.tmp.{os.getpid()}.{threading.get_ident()}")


def test_threads_waiting_at_once_share_an_fsync(tmp_path, monkeypatch):
    State(tmp_path).close()
    sync = WalSync(tmp_path / "state.db")
    fsyncs: list[float] = []

    def slow_fsync(self) -> None:
        fsyncs.append(time.monotonic())
        time.sleep(0.2)

    monkeypatch.setattr(WalSync, "_fsync", slow_fsync)
    together = threading.Barrier(8)

    def commit_and_sync() -> None:
        together.wait(5)
        sync.sync()

    threads = [threading.Thread(target=commit_and_sync) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(fsyncs) <= 2  # the first, and one for all who asked while it ran


def test_a_sync_asked_after_an_fsync_began_waits_for_an_fsync_of_its_own(tmp_path, monkeypatch):
    State(tmp_path).close()
    sync = WalSync(tmp_path / "state.db")
    running, release = threading.Event(), threading.Event()
    fsyncs: list[str] = []

    def fsync(self) -> None:
        fsyncs.append("fsync")
        if len(fsyncs) == 1:
            running.set()
            release.wait(5)

    monkeypatch.setattr(WalSync, "_fsync", fsync)
    first = threading.Thread(target=sync.sync)
    first.start()
    assert running.wait(5)
    second = threading.Thread(target=sync.sync)  # its commits came after the running fsync began
    second.start()
    time.sleep(0.1)
    release.set()
    first.join()
    second.join()
    assert fsyncs == ["fsync", "fsync"]


def test_the_real_fsync_finds_the_wal(tmp_path):
    state = State(tmp_path)
    with state.synced_together():
        with state.transaction():
            state.audit("relayed", {}, message_key="k")
    assert (tmp_path / "state.db-wal").exists()
    state.sync()  # and again: the same WAL file, no folder fsync needed
