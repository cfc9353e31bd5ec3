"""The pool of pipelines lent to watchers: never more than its size made, a lease waits for one
given back, a failure to make one leaves its place free."""

from __future__ import annotations

import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest

from gateway.intake.leases import Leases
from gateway.intake.watcher import FolderWatcher


def test_no_more_than_size_are_made_and_a_lease_waits_for_one_given_back():
    made, closed = [], []
    leases = Leases(lambda: made.append(object()) or made[-1], closed.append, size=2)
    inside, peak, lock = [0], [0], threading.Lock()

    def work() -> None:
        with leases.lease():
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 2 and peak[0] == 2 and leases.waits > 0
    assert leases.in_use() == (0, 2)
    leases.close()
    assert sorted(map(id, closed)) == sorted(map(id, made))


def test_a_failure_to_make_one_frees_its_place():
    tries = []

    def make() -> str:
        tries.append(1)
        if len(tries) == 1:
            raise OSError("cannot open")
        return "pipeline"

    leases = Leases(make, lambda item: None, size=1)
    with pytest.raises(OSError):
        with leases.lease():
            pass
    with leases.lease() as item:
        assert item == "pipeline"


def test_a_long_read_hands_its_lease_on_to_a_thread_waiting_and_gets_one_back_after_it():
    leases = Leases(lambda: "pipeline", lambda item: None, size=1)
    order: list[str] = []
    item = leases.take()
    assert leases.make_way(item) == item  # nobody waits: kept

    def fresh_mail() -> None:
        with leases.lease():
            order.append("fresh mail")

    waiter = threading.Thread(target=fresh_mail)
    waiter.start()
    assert wait_for(leases.wanted)
    item = leases.make_way(item)  # handed on, and back once the fresh mail is done
    order.append("backlog goes on")
    leases.give(item)
    waiter.join()
    assert order == ["fresh mail", "backlog goes on"]


def test_leases_are_handed_out_first_come_first_served():
    leases = Leases(lambda: "pipeline", lambda item: None, size=1)
    held = leases.take()
    served: list[int] = []

    def wait_in_line(n: int) -> None:
        with leases.lease():
            served.append(n)

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=wait_in_line, args=(n,)))
        threads[-1].start()
        assert wait_for(lambda: len(leases._waiting) == n + 1)
    leases.give(held)
    for thread in threads:
        thread.join()
    assert served == [0, 1, 2, 3, 4]


def test_a_long_read_that_cannot_get_a_pipeline_back_gives_back_none_it_handed_on():
    """make_way hands the pipeline on to a waiting thread, then cannot make one for itself (the
    state answers "database is locked"): the watcher holds none, and gives none back, so that no
    two threads ever share one pipeline (one SQLite connection)."""
    made: list[str] = []
    another_fails = threading.Event()

    def make() -> SimpleNamespace:
        made.append(f"pipeline {len(made) + 1}")
        if len(made) == 2:  # another watcher's, failing while the read waits in line
            another_fails.wait(10)
            raise OSError("cannot open the state")
        if len(made) == 3:  # the read's own, in the place that failure freed
            raise sqlite3.OperationalError("database is locked")
        return SimpleNamespace(name=made[-1], state=None)

    leases = Leases(make, lambda item: None, size=2)
    watcher = FolderWatcher(SimpleNamespace(name="shop"), None, backlog_days=1, stop=threading.Event(), leases=leases)
    held: list[SimpleNamespace] = []
    done_holding = threading.Event()

    def failing_watcher() -> None:
        with pytest.raises(OSError):
            leases.take()

    def fresh_mail() -> None:
        held.append(leases.take())
        done_holding.wait(10)
        leases.give(held[0])

    def fail_once_the_read_waits() -> None:
        assert wait_for(lambda: leases.waits == 2)  # the fresh mail, then the read handed on
        another_fails.set()

    threads = [threading.Thread(target=failing_watcher), threading.Thread(target=fresh_mail),
               threading.Thread(target=fail_once_the_read_waits)]
    with pytest.raises(sqlite3.OperationalError):
        with watcher.leased():
            threads[0].start()
            assert wait_for(lambda: len(made) == 2)
            threads[1].start()
            assert wait_for(leases.wanted)
            threads[2].start()
            watcher.make_way()
    assert [item.name for item in held] == ["pipeline 1"]  # the fresh mail holds what the read handed on
    again = leases.take()
    assert again is not held[0] and again.name == "pipeline 4"  # not given back twice
    done_holding.set()
    for thread in threads:
        thread.join()
    leases.give(again)
    assert leases.in_use() == (0, 2)


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False
