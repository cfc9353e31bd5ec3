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


def test_blocks_ended_before_one_sync_share_it_and_their_raw_mail_is_synced_at_once(tmp_path, monkeypatch):
    state = State(tmp_path)
    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append("file") or real(fd))
    monkeypatch.setattr(WalSync, "_fsync", lambda self: synced.append("wal"))
    blocks = []
    for n in range(3):
        with state.unsynced() as written:
            state.store_raw(b"Subject: %d\r\n\r\nhello\r\n" % n, f"{n:02d}" * 32)
            assert synced[-1] == "file"  # before the commit that names it: a record never outlasts its mail
            with state.transaction():
                state.audit("relayed", {}, message_key=f"k{n}")
        blocks.append(written)
    # each mail, its folder, that folder's name in mail/, and mail/'s own name the first time
    assert synced == ["file"] * (4 + 3 + 3) and synchronous(state) == 2  # FULL again once a block is left
    worker = threading.Thread(target=lambda: [written.sync() for written in blocks])
    worker.start()
    worker.join()
    assert synced[10:] == ["wal"]  # one fsync of the log for the three
    with state.unsynced() as later:
        with state.transaction():
            state.audit("relayed", {}, message_key="k3")
    later.sync()
    assert synced[-2:] == ["wal", "wal"]  # a block ended after that fsync gets one of its own


def test_after_a_failed_fsync_no_sync_succeeds(tmp_path, monkeypatch):
    """Linux reports a write-back error to one fsync and marks the pages clean: the next fsync
    succeeds though the writes are lost. So a failure is kept: nothing later counts as durable."""
    state = State(tmp_path)
    failures = iter([OSError(5, "Input/output error")])

    def fsync(self):
        error = next(failures, None)
        if error is not None:
            raise error

    monkeypatch.setattr(WalSync, "_fsync", fsync)
    for n in range(2):
        with state.unsynced() as written:
            with state.transaction():
                state.audit("relayed", {}, message_key=f"k{n}")
        with pytest.raises(OSError) as raised:
            written.sync()
        assert ("failed before" in str(raised.value)) == (n == 1)  # the first raises the fsync's own error
    assert "failed before (OSError: [Errno 5] Input/output error)" in str(raised.value)


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
    state.wal.sync()  # and again: the same WAL file, no folder fsync needed


def test_a_mail_file_lasts_with_its_name_and_the_folders_made_for_it(tmp_path, monkeypatch):
    state = State(tmp_path)
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.fstat(fd).st_ino) or real(fd))
    path = state.store_raw(b"Subject: big\r\n\r\nhello\r\n", "ab" * 32)
    inodes = {p.stat().st_ino: p.relative_to(tmp_path).as_posix() or "." for p in (path, path.parent, tmp_path / "mail", tmp_path)}
    assert [inodes.get(inode) for inode in synced] == [f"mail/ab/{path.name}", "mail/ab", "mail", "."]
    synced.clear()
    state.store_raw(b"Subject: other\r\n\r\nhello\r\n", "ab" + "cd" * 31)  # into a folder that was there
    assert [inodes.get(inode, "the file") for inode in synced] == ["the file", "mail/ab"]
    synced.clear()
    state.store_raw(b"Subject: big\r\n\r\nhello\r\n", "ab" * 32)  # there already, maybe renamed a moment ago
    assert [inodes.get(inode) for inode in synced] == ["mail/ab"]
