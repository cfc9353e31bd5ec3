"""The pool of pipelines lent to watchers: never more than its size made, a lease waits for one
given back, a failure to make one leaves its place free."""

from __future__ import annotations

import threading
import time

import pytest

from gateway.intake.leases import Leases


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


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False
