"""A bounded pool of what a watcher needs while it reads a folder (a pipeline: its SQLite
connection and classifier), lent for one read and given back before the watcher waits in IDLE.

Hundreds of watched folders then share a handful of SQLite connections and classifiers: memory
and file descriptors grow with the pool, not with the mailboxes, and no more writers than the
pool holds ever queue for SQLite's write lock. Leases are handed out first come, first served:
one given back goes straight to the thread that has waited longest, and a long read (a first
start's backlog) hands its lease on between two mails when others wait (`make_way`), so a fresh
mail elsewhere waits for one mail's work, not for a whole backlog.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")
_MAKE = object()  # handed to a waiter instead of an item: a place is free, it makes its own


class _Waiter:
    def __init__(self) -> None:
        self.ready = threading.Event()
        self.item: object = None


class Leases(Generic[T]):
    """At most `size` items, made when first needed; each lent to one thread at a time."""

    def __init__(self, make: Callable[[], T], close: Callable[[T], None], size: int) -> None:
        if size < 1:
            raise ValueError("a pool of leases holds at least one")
        self._make, self._close, self.size = make, close, size
        self._lock = threading.Lock()
        self._free: list[T] = []
        self._made: list[T] = []
        self._places = size  # items that may still be made
        self._waiting: collections.deque[_Waiter] = collections.deque()
        self.waits = 0  # leases that had to wait for one given back

    @contextlib.contextmanager
    def lease(self) -> Iterator[T]:
        item = self.take()
        try:
            yield item
        finally:
            self.give(item)

    def take(self) -> T:
        """An item, waiting behind those who asked before when none is free."""
        with self._lock:
            if not self._waiting and self._free:
                return self._free.pop()
            if not self._waiting and self._places > 0:
                self._places -= 1
                got: object = _MAKE
            else:
                waiter = _Waiter()
                self._waiting.append(waiter)
                self.waits += 1
                got = None
        if got is None:
            waiter.ready.wait()
            got = waiter.item
        if got is not _MAKE:
            return got  # type: ignore[return-value]
        try:
            item = self._make()
        except BaseException:
            self._hand_on(_MAKE)  # the place is free again
            raise
        with self._lock:
            self._made.append(item)
        return item

    def give(self, item: T) -> None:
        """Back to the pool, or straight to the thread that has waited longest."""
        self._hand_on(item)

    def _hand_on(self, item: object) -> None:
        with self._lock:
            if self._waiting:
                waiter = self._waiting.popleft()
                waiter.item = item
                waiter.ready.set()
            elif item is _MAKE:
                self._places += 1
            else:
                self._free.append(item)  # type: ignore[arg-type]

    def wanted(self) -> bool:
        """Whether a thread waits for a lease now."""
        with self._lock:
            return bool(self._waiting)

    def make_way(self, item: T) -> T:
        """Between two steps of a long read: when others wait, hand `item` on to the first of
        them and wait in line for one again; else keep it. Once handed on, `item` is the other
        thread's even when getting one back raises (a new one cannot be made): the caller must
        then hold none, and give none back."""
        if not self.wanted():
            return item
        self.give(item)
        return self.take()

    def in_use(self) -> tuple[int, int]:
        """(lent now, made so far)."""
        with self._lock:
            return len(self._made) - len(self._free), len(self._made)

    def close(self) -> None:
        """Close every item made; call once no thread holds one."""
        with self._lock:
            items, self._made, self._free = self._made, [], []
        for item in items:
            self._close(item)
