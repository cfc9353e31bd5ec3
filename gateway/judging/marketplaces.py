"""Amazon marketplaces: which domains are Amazon's, which marketplace a mail belongs to."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

BUYER_RELAY_LABEL = "marketplace"


@dataclass(frozen=True)
class Marketplace:
    code: str
    id: str
    domain: str
    languages: tuple[str, ...]
    timezone: str


@cache
def all_marketplaces() -> tuple[Marketplace, ...]:
    data = tomllib.loads(resources.files("gateway.data").joinpath("marketplaces.toml").read_text("utf-8"))
    return tuple(
        Marketplace(m["code"], m["id"], m["domain"], tuple(m["languages"]), m["timezone"])
        for m in data["marketplace"]
    )


@cache
def _by_id() -> dict[str, Marketplace]:
    return {m.id: m for m in all_marketplaces()}


def by_id(marketplace_id: str) -> Marketplace | None:
    return _by_id().get(marketplace_id.strip().upper())


@lru_cache(maxsize=4096)  # asked several times per mail with the same few domains
def by_domain(domain: str) -> Marketplace | None:
    """The marketplace whose mail domain is `domain` or a parent of it (marketplace.amazon.de -> DE)."""
    domain = domain.lower().rstrip(".")
    best = None
    for m in all_marketplaces():
        if domain == m.domain or domain.endswith("." + m.domain):
            if best is None or len(m.domain) > len(best.domain):
                best = m
    return best


def is_amazon_domain(domain: str) -> bool:
    return by_domain(domain) is not None


def is_buyer_relay(domain: str) -> bool:
    """Buyer-Seller Messaging relay: <token>@marketplace.amazon.<tld>."""
    m = by_domain(domain)
    return m is not None and domain.lower().rstrip(".") == f"{BUYER_RELAY_LABEL}.{m.domain}"


def is_amazon_address(address: str) -> bool:
    return is_amazon_domain(address.rpartition("@")[2].lower())


def is_buyer_address(address: str, buyer: str) -> bool:
    """The buyer who wrote, or a buyer's relay address (…@marketplace.amazon.*)."""
    return address.lower() == buyer or is_buyer_relay(address.rpartition("@")[2].lower())


def claims_amazon(text: str) -> bool:
    """Whether a display name or domain pretends to be Amazon (amazon, amaz0n, аmazon...)."""
    folded = text.casefold().translate(_LOOKALIKES)
    return "amazon" in folded or "amzn" in folded


# Digits and Cyrillic/Greek letters used to imitate "amazon" in phishing names and domains.
_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "а": "a", "о": "o", "м": "m", "ո": "n", "α": "a", "ο": "o"})
