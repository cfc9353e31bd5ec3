"""The gateway's own DKIM check of a mail that claims an Amazon domain ([trust] verify_dkim), for
mailboxes whose provider writes no usable Authentication-Results.

dkimpy does the RFC 6376 work; this module picks the signatures whose d= is aligned with From,
looks their keys up in DNS with a timeout and a small cache, and tells a lookup that gave no key
("none": nothing was proven either way) from a signature that does not verify ("fail").
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import dkim
import dkim.dnsplug
from dkim.util import InvalidTagValueList, parse_tag_value

# name (b"selector._domainkey.domain."), timeout in seconds -> the TXT record, or None when there
# is none; may raise on a timeout. dkimpy's own `dnsfunc` contract.
TxtLookup = Callable[..., "bytes | None"]

DNS_TIMEOUT_SECONDS = 5.0
CACHE_ENTRIES = 256
CACHE_SECONDS = 3600.0  # Amazon rotates its keys rarely; an hour keeps a burst of claims to one lookup


@dataclass(frozen=True)
class DkimResult:
    result: str   # "pass", "fail" or "none" (no key could be looked up: nothing proven)
    reason: str   # for the trace; says the gateway checked it


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489): the signing domain is the From domain or a parent of it."""
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def _signing_domains(raw: bytes) -> list[str]:
    """The d= of each DKIM-Signature, in order (the index dkimpy verifies by); "" where unreadable."""
    headers, _ = dkim.rfc822_parse(raw)
    domains = []
    for name, value in headers:
        if name.lower() != b"dkim-signature":
            continue
        try:
            domains.append(parse_tag_value(value).get(b"d", b"").decode("ascii", "replace").strip().lower())
        except InvalidTagValueList:
            domains.append("")
    return domains


class DkimChecker:
    """Verifies Amazon's DKIM signatures. One per process: its key cache outlives a single mail.
    Invariant: a key that could not be looked up never makes a "fail"."""

    def __init__(self, lookup: TxtLookup = dkim.dnsplug.get_txt, *, timeout: float = DNS_TIMEOUT_SECONDS,
                 entries: int = CACHE_ENTRIES, cache_seconds: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.lookup = lookup
        self.timeout = timeout
        self.entries = entries
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._cache: OrderedDict[bytes, tuple[float, bytes | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.lookups = 0  # DNS lookups made (not answered from the cache)

    def txt(self, name: bytes) -> bytes | None:
        """The TXT record of `name`, from the cache when fresh. A failing lookup gives None and is
        not cached, so the next mail tries again."""
        now = self.clock()
        with self._lock:  # shared by the watchers' and the outbox's threads
            cached = self._cache.get(name)
            if cached is not None and now - cached[0] < self.cache_seconds:
                self._cache.move_to_end(name)
                return cached[1]
            self.lookups += 1
        try:
            record = self.lookup(name, timeout=self.timeout)  # not under the lock: a slow DNS holds no one else
        except Exception:  # a timeout, no resolver, a broken answer: no key, never a verdict
            return None
        with self._lock:
            self._cache[name] = (now, record)
            self._cache.move_to_end(name)
            while len(self._cache) > self.entries:
                self._cache.popitem(last=False)
        return record

    def check(self, raw: bytes, from_domain: str) -> DkimResult:
        domains = _signing_domains(raw)
        indexes = [i for i, d in enumerate(domains) if aligned(d, from_domain)]
        if not indexes:
            others = ", ".join(sorted({d for d in domains if d})) or "none"
            return DkimResult("fail", f"the gateway found no DKIM signature of {from_domain} (signed by: {others})")
        keys_found = False
        for index in indexes:
            found: list[bytes | None] = []

            def dnsfunc(name: bytes, timeout: float = self.timeout) -> bytes | None:
                found.append(self.txt(name))
                return found[-1]

            try:
                verified = dkim.DKIM(raw, timeout=self.timeout).verify(idx=index, dnsfunc=dnsfunc)
            except dkim.DKIMException:
                verified = False
            if verified:
                return DkimResult("pass", f"the gateway verified the DKIM signature of {domains[index]}")
            keys_found = keys_found or any(found)
        if keys_found:
            return DkimResult("fail", f"the gateway's DKIM check of {from_domain}: the signature does not verify")
        return DkimResult("none", f"the gateway could not look up the DKIM key of {from_domain}: not checked")
