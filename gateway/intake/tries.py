"""How often a watcher tries one piece of work on a mail (tagging it, moving its tag on) before it
gives up on that mail: one mail must not block the folder, nor be written again and again."""

from __future__ import annotations

from collections.abc import Hashable

MAX_TRIES = 3


class CopyNotConfirmed(RuntimeError):
    """The server took the APPEND but the copy cannot be found: the original stays put."""


class Tries:
    """Failed attempts per mail (its UID, its message key) in this run of a watcher, and why the
    last one failed."""

    def __init__(self) -> None:
        self._failed: dict[Hashable, int] = {}
        self._why: dict[Hashable, str] = {}

    def failed(self, item: Hashable, error: BaseException) -> int:
        """One more failure of `item`, for the reason `error` (see why); returns how many so far."""
        self._failed[item] = self._failed.get(item, 0) + 1
        self._why[item] = f"{type(error).__name__}: {error}"
        return self._failed[item]

    def why(self, item: Hashable) -> str:
        """Why the last attempt at `item` failed ('' if none did)."""
        return self._why.get(item, "")

    def given_up(self, item: Hashable) -> bool:
        """Whether `item` failed MAX_TRIES times: it is not tried again in this run."""
        return self._failed.get(item, 0) >= MAX_TRIES

    def succeeded(self, item: Hashable) -> None:
        self._failed.pop(item, None)
        self._why.pop(item, None)
