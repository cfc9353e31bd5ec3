"""Which Authentication-Results to believe, and whether a mail that claims Amazon really is Amazon.

Only the topmost Authentication-Results written by one of our own servers ([trust] authserv_ids)
counts: anything below it may have been written by the sender (RFC 8601 section 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway import marketplaces
from gateway.parse import ParsedMail

_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class AuthResult:
    authserv_id: str
    methods: dict[str, str]          # method -> result, e.g. {"dkim": "pass", "dmarc": "fail"}
    properties: dict[str, list[str]]  # "dkim.header.d" -> ["amazon.com"]


@dataclass(frozen=True)
class Trust:
    verified: str                  # "pass", "fail" or "none" (no trusted result), or "unchecked"
    suspicious: bool
    reasons: tuple[str, ...] = field(default=())


def parse_authentication_results(value: str) -> AuthResult | None:
    text = _COMMENT.sub(" ", value)
    pieces = [p.strip() for p in text.split(";")]
    if not pieces or not pieces[0]:
        return None
    authserv_id = pieces[0].split()[0].lower()
    methods: dict[str, str] = {}
    properties: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        tokens = piece.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        method = method.split("/")[0].lower()
        # The first result of a method counts: a later duplicate cannot upgrade a failure.
        methods.setdefault(method, result.lower())
        for token in tokens[1:]:
            prop, sep, prop_value = token.partition("=")
            if sep and "." in prop:
                properties.setdefault(f"{method}.{prop.lower()}", []).append(prop_value.strip('"').lower())
    return AuthResult(authserv_id, methods, properties)


def trusted_result(mail: ParsedMail, authserv_ids: list[str]) -> AuthResult | None:
    trusted = {a.lower() for a in authserv_ids}
    for value in mail.header_all("Authentication-Results"):
        result = parse_authentication_results(value)
        if result is not None and result.authserv_id in trusted:
            return result
    return None


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the signing domain is the From domain or a parent of it."""
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def _passes(result: AuthResult, from_domain: str) -> bool:
    if result.methods.get("dmarc") == "pass":
        return True
    if result.methods.get("dkim") == "pass":
        return any(_aligned(d, from_domain) for d in result.properties.get("dkim.header.d", []))
    return False


def _failed_reasons(result: AuthResult) -> list[str]:
    return [f"{m}={r}" for m, r in result.methods.items() if m in ("dkim", "dmarc", "spf") and r != "pass"]


def assess(mail: ParsedMail, authserv_ids: list[str]) -> Trust:
    from_domain = mail.from_domain
    result = trusted_result(mail, authserv_ids) if authserv_ids else None
    if not authserv_ids:
        verified = "unchecked"
    elif result is None:
        verified = "none"
    else:
        verified = "pass" if _passes(result, from_domain) else "fail"

    if not marketplaces.is_amazon_domain(from_domain):
        own_labels = ".".join(from_domain.split(".")[:-1])
        if marketplaces.claims_amazon(mail.from_name) or marketplaces.claims_amazon(own_labels):
            return Trust(verified, True, (f"name or domain claims Amazon but the sender is {from_domain or 'missing'}",))
        return Trust(verified, False)
    if verified == "unchecked":
        return Trust(verified, False, ("no [trust] authserv_ids configured: authentication not checked",))
    if result is None:
        return Trust(verified, True, (f"claims {from_domain} but no Authentication-Results from a trusted server",))
    if verified == "pass":
        return Trust(verified, False, (f"{result.authserv_id}: authenticated as {from_domain}",))
    failed = ", ".join(_failed_reasons(result)) or "no aligned pass"
    return Trust(verified, True, (f"claims {from_domain} but {result.authserv_id} says {failed}",))
