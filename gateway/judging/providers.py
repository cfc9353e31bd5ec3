"""The mailbox providers whose Authentication-Results the gateway knows how to trust: which servers
write them (authserv-id patterns), and the two ways a provider departs from one header written by
one named server.

- Microsoft 365, Exchange Online and Outlook.com write no authserv-id at all
  (`Authentication-Results: spf=pass ...; dkim=pass ...; dmarc=pass ...; compauth=pass reason=100`):
  with that provider, the topmost header without an authserv-id is theirs.
- iCloud writes one header per method, each from its own server (dmarc.icloud.com,
  dkim-verifier.icloud.com, spf.icloud.com, bimi.icloud.com): with that provider, the topmost
  header of each of those servers counts, together.

Every other provider writes one header naming one of its hosts; the patterns cover the hosts that
change from one mail to the next (Yahoo's atlas-...mail-smtp.yahoo.com, Fastmail's mx1 to mx6).
Some of them write no DMARC result (GMX): a passing DKIM signature aligned with From then decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config.model import TRUST_PROVIDERS


@dataclass(frozen=True)
class Provider:
    name: str
    authserv_ids: tuple[str, ...]      # shell patterns (fnmatch), matched case-insensitively
    without_authserv_id: bool = False  # its header names no server: the topmost such header is its own
    one_header_per_server: bool = False  # its servers each write a header: the topmost of each counts


PROVIDERS: dict[str, Provider] = {p.name: p for p in (
    Provider("microsoft365", (), without_authserv_id=True),  # and Exchange Online, Outlook.com
    Provider("google", ("mx.google.com",)),                   # Gmail and Google Workspace
    Provider("yahoo", ("*.yahoo.com", "*.aol.com")),          # Yahoo and AOL
    Provider("zoho", ("mx.zohomail.com", "mx.zoho.*")),
    Provider("fastmail", ("mx*.messagingengine.com",)),
    # GMX and web.de name the domain, not a host: `Authentication-Results: gmx.net; dkim=pass header.i=@...`
    Provider("gmx", ("gmx.net", "gmx.com", "gmx.de", "web.de", "*.gmx.net", "*.web.de")),
    Provider("ionos", ("kundenserver.de", "*.kundenserver.de", "ionos.com", "ionos.de")),
    Provider("icloud", ("*.icloud.com",), one_header_per_server=True),
)}
# the config accepts exactly the names described here
assert tuple(PROVIDERS) == TRUST_PROVIDERS, "gateway.config.model.TRUST_PROVIDERS and PROVIDERS differ"


def provider_named(name: str | None) -> Provider | None:
    """The provider of `[trust] provider`; None when none is set. The config checks the name."""
    return PROVIDERS[name] if name else None
