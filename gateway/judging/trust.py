"""Which Authentication-Results to believe, and whether a mail that claims Amazon really is Amazon.

Only the topmost Authentication-Results written by one of our own servers counts: anything below
it may have been written by the sender (RFC 8601 section 5). Our servers are those [trust]
authserv_ids names (shell patterns), and those of [trust] provider (gateway/judging/providers.py):
Microsoft 365 names none, so with it the topmost header without an authserv-id is Microsoft's.
Where no trusted result decides, [trust] verify_dkim has the gateway check Amazon's DKIM
signature itself (gateway/judging/dkim_check.py).

`authenticated` is what the evidence trusts (the forward's attachments, the pack's delivery proof):
only a pass proves a sender, whoever it claims to be. "unchecked" ([trust] unset) proves nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache

from gateway.config import Config
from gateway.judging import marketplaces
from gateway.judging.dkim_check import DkimChecker, aligned
from gateway.judging.providers import Provider, provider_named
from gateway.mail.parse import ParsedMail

_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class MethodResult:
    method: str                      # dkim, spf, dmarc, compauth, ...
    result: str                      # pass, fail, none, ...
    properties: dict[str, str]       # "header.d" -> "amazon.com"; header.from is always a domain

    @property
    def signing_domain(self) -> str:
        """A DKIM result's signing domain: header.d, else the domain of header.i (`@amazon.com`, as
        Google and Yahoo write it); empty when neither is there (Zoho writes a bare `dkim=pass`)."""
        return self.properties.get("header.d") or self.properties.get("header.i", "").rpartition("@")[2]


@dataclass(frozen=True)
class AuthResult:
    authserv_id: str                   # lower case; for a header that names none, its first token
    results: tuple[MethodResult, ...]  # every result in order: a mail may carry several DKIM signatures
    named: bool = True                 # False: the header starts with a result (Microsoft 365 writes it so)

    def of(self, method: str) -> list[MethodResult]:
        return [r for r in self.results if r.method == method]


@dataclass(frozen=True)
class Trust:
    verified: str                  # "pass", "fail" or "none" (no trusted result), or "unchecked"
    suspicious: bool
    reasons: tuple[str, ...] = field(default=())


def _without_comments(value: str) -> str:
    while True:  # innermost first: comments nest (RFC 5322 section 3.2.2)
        stripped = _COMMENT.sub(" ", value)
        if stripped == value:
            return value
        value = stripped


def _property_value(prop: str, value: str) -> str:
    value = value.strip('"').lower()
    if prop == "header.from":  # Zoho writes the address, `<atoz-guarantee-no-reply@amazon.com>`
        value = value.strip("<>").rpartition("@")[2]
    return value


def _method_result(piece: str) -> MethodResult | None:
    tokens = piece.split()
    if not tokens or "=" not in tokens[0]:
        return None
    method, _, result = tokens[0].partition("=")
    properties: dict[str, str] = {}
    for token in tokens[1:]:
        prop, sep, prop_value = token.partition("=")
        if sep and "." in prop:
            properties.setdefault(prop.lower(), _property_value(prop.lower(), prop_value))
    return MethodResult(method.split("/")[0].lower(), result.lower(), properties)


def parse_authentication_results(value: str) -> AuthResult | None:
    """`authserv-id [version]; method=result property=value ...; ...` (RFC 8601), comments
    dropped; also a header that starts with a result and names no authserv-id (Microsoft 365)."""
    pieces = [p.strip() for p in _without_comments(value).split(";")]
    if not pieces or not pieces[0]:
        return None
    authserv_id = pieces[0].split()[0].lower()
    named = "=" not in authserv_id  # an authserv-id is a token: it holds no "="
    results = [r for r in map(_method_result, pieces[0 if not named else 1:]) if r is not None]
    return AuthResult(authserv_id, tuple(results), named)


def parse_arc_authentication_results(value: str) -> AuthResult | None:
    """ARC-Authentication-Results (RFC 8617): `i=1; authserv-id [version]; results`. Never trusted
    here (a sender writes them as easily), read to show what a server saw."""
    instance, sep, rest = value.partition(";")
    if not sep or not instance.strip().lower().startswith("i="):
        return None
    return parse_authentication_results(rest)


def _matches(authserv_id: str, patterns: tuple[str, ...] | list[str]) -> bool:
    return any(fnmatchcase(authserv_id, p.lower()) for p in patterns)


def trusted_result(mail: ParsedMail, authserv_ids: list[str], provider: Provider | None = None) -> AuthResult | None:
    """The topmost Authentication-Results written by one of our servers, or None. With a provider
    that writes one header per server (iCloud), the topmost header of each of its servers, as one
    result: a header lower down from a server already seen is the sender's."""
    patterns = list(authserv_ids) + list(provider.authserv_ids if provider else ())
    without_id = provider is not None and provider.without_authserv_id
    per_server = provider is not None and provider.one_header_per_server
    taken: list[AuthResult] = []
    for value in mail.header_all("Authentication-Results"):
        result = parse_authentication_results(value)
        if result is None:
            continue
        ours = _matches(result.authserv_id, patterns) if result.named else without_id
        if not ours:
            continue
        if not per_server:
            return result
        if all(t.authserv_id != result.authserv_id for t in taken):
            taken.append(result)
    if not taken:
        return None
    return AuthResult(taken[0].authserv_id, tuple(r for t in taken for r in t.results))


def _passes(result: AuthResult, from_domain: str) -> bool:
    """DMARC's verdict for the From domain when there is one; else a passing DKIM signature whose
    own signing domain is aligned with From. A failing signature for amazon.com next to a passing
    one for the sender's own domain proves nothing."""
    dmarc = [r for r in result.of("dmarc") if r.properties.get("header.from", from_domain) == from_domain]
    # Microsoft's compauth is its own verdict over SPF, DKIM and DMARC: a fail there is a fail
    if any(r.result == "fail" for r in result.of("dmarc") + result.of("compauth")):
        return False
    if dmarc:
        return any(r.result == "pass" for r in dmarc)
    return any(r.result == "pass" and aligned(r.signing_domain, from_domain) for r in result.of("dkim"))


def _failed_reasons(result: AuthResult) -> list[str]:
    return [f"{r.method}={r.result}" + (f" ({r.signing_domain})" if r.signing_domain else "")
            for r in result.results if r.method in ("dkim", "dmarc", "spf", "compauth") and r.result != "pass"]


def _writer(result: AuthResult) -> str:
    return result.authserv_id if result.named else "the result without authserv-id"


def assess(mail: ParsedMail, authserv_ids: list[str], provider: str | None = None,
           dkim: DkimChecker | None = None) -> Trust:
    """The trust verdict for a mail. `provider` is a name of [trust] provider (already checked);
    `dkim` is given with [trust] verify_dkim. A trusted Authentication-Results always decides
    first; the gateway's own DKIM check only stands in where there is none."""
    from_domain = mail.from_domain
    checked = bool(authserv_ids) or provider is not None or dkim is not None
    result = trusted_result(mail, authserv_ids, provider_named(provider)) if checked else None
    if not checked:
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
        return _without_trusted_result(mail, from_domain, dkim)
    if verified == "pass":
        return Trust(verified, False, (f"{_writer(result)}: authenticated as {from_domain}",))
    failed = ", ".join(_failed_reasons(result)) or "no aligned pass"
    return Trust(verified, True, (f"claims {from_domain} but {_writer(result)} says {failed}",))


def _without_trusted_result(mail: ParsedMail, from_domain: str, dkim: DkimChecker | None) -> Trust:
    """An Amazon mail no trusted server vouches for: the gateway's DKIM check when configured; a
    key it could not look up leaves the mail as suspect as without the check."""
    missing = f"claims {from_domain} but no Authentication-Results from a trusted server"
    if dkim is None:
        return Trust("none", True, (missing,))
    checked = dkim.check(mail.raw, from_domain)
    if checked.result == "pass":
        return Trust("pass", False, (f"{checked.reason}: authenticated as {from_domain}",))
    if checked.result == "fail":
        return Trust("fail", True, (f"claims {from_domain} but {checked.reason}",))
    return Trust("none", True, (missing, checked.reason))


@cache
def shared_dkim_checker() -> DkimChecker:
    """The DKIM checker of the mails judged as evidence, one per process: its key cache serves
    every pack and forward, as the classifier's serves every mail it judges."""
    return DkimChecker()


def authenticated(mail: ParsedMail, config: Config) -> bool:
    """Whether the sender of `mail` is proven to be who it says, by [trust] as configured: a pass
    of a trusted Authentication-Results, else with verify_dkim a DKIM signature of the From domain
    that the gateway verified. The same for Amazon's mail as for a carrier's: a mail from an Amazon
    address that nothing authenticated is no evidence, suspicious or not."""
    dkim = shared_dkim_checker() if config.verify_dkim else None
    trust = assess(mail, list(config.authserv_ids), config.trust_provider, dkim=dkim)
    if trust.verified == "none" and dkim is not None and not marketplaces.is_amazon_domain(mail.from_domain):
        # assess checks only Amazon's signatures itself; a carrier's proof of delivery is checked here
        return bool(mail.from_domain) and dkim.check(mail.raw, mail.from_domain).result == "pass"
    return trust.verified == "pass"
