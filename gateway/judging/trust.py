"""Which Authentication-Results to believe, and whether a mail that claims Amazon really is Amazon.

Only the topmost Authentication-Results written by one of our own servers ([trust] authserv_ids)
counts: anything below it may have been written by the sender (RFC 8601 section 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.judging import marketplaces
from gateway.mail.parse import ParsedMail

_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class MethodResult:
    method: str                      # dkim, spf, dmarc, ...
    result: str                      # pass, fail, none, ...
    properties: dict[str, str]       # "header.d" -> "amazon.com"


@dataclass(frozen=True)
class AuthResult:
    authserv_id: str
    results: tuple[MethodResult, ...]  # every result in order: a mail may carry several DKIM signatures

    def of(self, method: str) -> list[MethodResult]:
        return [r for r in self.results if r.method == method]


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
    results: list[MethodResult] = []
    for piece in pieces[1:]:
        tokens = piece.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        properties = {}
        for token in tokens[1:]:
            prop, sep, prop_value = token.partition("=")
            if sep and "." in prop:
                properties.setdefault(prop.lower(), prop_value.strip('"').lower())
        results.append(MethodResult(method.split("/")[0].lower(), result.lower(), properties))
    return AuthResult(authserv_id, tuple(results))


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
    """DMARC's verdict for the From domain when there is one; else a passing DKIM signature whose
    own signing domain is aligned with From. A failing signature for amazon.com next to a passing
    one for the sender's own domain proves nothing."""
    dmarc = [r for r in result.of("dmarc") if r.properties.get("header.from", from_domain) == from_domain]
    if any(r.result == "fail" for r in result.of("dmarc")):
        return False
    if dmarc:
        return any(r.result == "pass" for r in dmarc)
    return any(r.result == "pass" and _aligned(r.properties.get("header.d", ""), from_domain) for r in result.of("dkim"))


def _failed_reasons(result: AuthResult) -> list[str]:
    return [f"{r.method}={r.result}" + (f" ({r.properties['header.d']})" if "header.d" in r.properties else "")
            for r in result.results if r.method in ("dkim", "dmarc", "spf") and r.result != "pass"]


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
