"""A bounded pool of what a watcher needs while it reads a folder (a pipeline: its SQLite
connection and classifier), lent for one read and given back before the watcher waits in IDLE.

Hundreds of watched folders then share a handful of SQLite connections and classifiers: memory
and file descriptors grow with the pool, not with the mailboxes, and no more writers than the
pool holds ever queue for SQLite's write lock. A folder whose news arrives while every lease is
out waits for the next one given back.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Leases(Generic[T]):
    """At most `size` items, made when first needed; each lent to one thread at a time."""

    def __init__(self, make: Callable[[], T], close: Callable[[T], None], size: int) -> None:
        if size < 1:
            raise ValueError("a pool of leases holds at least one")
        self._make, self._close, self.size = make, close, size
        self._free: list[T] = []
        self._all: list[T] = []
        self._changed = threading.Condition()
        self.waits = 0  # leases that had to wait for one given back: a figure for the metrics

    @contextlib.contextmanager
    def lease(self) -> Iterator[T]:
        item = self._take()
        try:
            yield item
        finally:
            with self._changed:
                self._free.append(item)
                self._changed.notify()

    def _take(self) -> T:
        with self._changed:
            if not self._free and len(self._all) >= self.size:
                self.waits += 1
            self._changed.wait_for(lambda: bool(self._free) or len(self._all) < self.size)
            if self._free:
                return self._free.pop()
            # a place is kept for the item before it is made (outside the lock: opening SQLite takes time)
            self._all.append(None)  # type: ignore[arg-type]
        try:
            item = self._make()
        except BaseException:
            with self._changed:
                self._all.remove(None)  # type: ignore[arg-type]
                self._changed.notify()
            raise
        with self._changed:
            self._all[self._all.index(None)] = item  # type: ignore[arg-type]
        return item

    def in_use(self) -> tuple[int, int]:
        """(lent now, made so far)."""
        with self._changed:
            return len(self._all) - len(self._free), len(self._all)

    def close(self) -> None:
        """Close every item made; call once no thread holds one."""
        with self._changed:
            items, self._all, self._free = [i for i in self._all if i is not None], [], []
        for item in items:
            self._close(item)
