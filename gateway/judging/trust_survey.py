"""How the mail of an inbox fares with [trust] authserv_ids: how much of Amazon's mail passes, and
which authserv-ids the topmost Authentication-Results name. Enough to tell a trust setting that
fits the receiving mail server from one that makes every Amazon mail a suspect.

The topmost header is read with trust.parse_authentication_results, the parser the verdicts use.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gateway.judging.facts import MailFacts
from gateway.judging.trust import parse_authentication_results
from gateway.judging.verdict import Verdict
from gateway.mail.parse import ParsedMail

# What the topmost Authentication-Results can be besides an authserv-id.
NO_AUTHSERV_ID = "a result with no authserv-id (as Microsoft 365 writes it)"
NO_HEADER = "no Authentication-Results"
VERIFIED = ("pass", "fail", "none", "unchecked")  # the values of Verdict.verified


def topmost_writer(mail: ParsedMail) -> str:
    """The authserv-id of the topmost Authentication-Results, lower case; NO_AUTHSERV_ID when it
    starts with a result instead (`spf=pass ...; dkim=pass ...`: an authserv-id is a token, it
    holds no "="); NO_HEADER when the mail has none."""
    values = mail.header_all("Authentication-Results")
    if not values:
        return NO_HEADER
    result = parse_authentication_results(values[0])
    if result is None or "=" in result.authserv_id:
        return NO_AUTHSERV_ID
    return result.authserv_id


def _toml_list(ids: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in ids) + "]"


@dataclass
class TrustSurvey:
    """Counts over the mail added: Amazon's mail (sender class "amazon") by its verdict's
    `verified`, and the writers of the topmost Authentication-Results, of all mail and of Amazon's."""

    authserv_ids: tuple[str, ...]
    amazon: Counter[str] = field(default_factory=Counter)          # verified -> Amazon mails
    writers: Counter[str] = field(default_factory=Counter)         # topmost writer -> mails
    amazon_writers: Counter[str] = field(default_factory=Counter)  # topmost writer -> Amazon mails

    def add(self, mail: ParsedMail, verdict: Verdict) -> None:
        writer = topmost_writer(mail)
        self.writers[writer] += 1
        if "amazon" in MailFacts(mail).sender_classes:
            self.amazon[verdict.verified] += 1
            self.amazon_writers[writer] += 1

    @property
    def amazon_mails(self) -> int:
        return sum(self.amazon.values())

    @property
    def misconfigured(self) -> bool:
        """Amazon mail is there and none of it passes: a setting, not a wave of forgeries."""
        return self.amazon_mails > 0 and self.amazon["pass"] == 0

    def advice(self) -> list[str]:
        """What is probably wrong with [trust] and what to set, in plain sentences; empty when
        Amazon mail passes, or there is none."""
        if not self.misconfigured:
            return []
        configured = _toml_list(self.authserv_ids)
        said = [f"trust is probably misconfigured: none of the {self.amazon_mails} mail(s) from Amazon passes "
                f"with [trust] authserv_ids = {configured}"]
        named = [w for w, _ in self.amazon_writers.most_common() if w not in (NO_AUTHSERV_ID, NO_HEADER)]
        others = [w for w in named if not any(fnmatch.fnmatchcase(w, a.lower()) for a in self.authserv_ids)]
        if others:
            said.append(f"their topmost Authentication-Results are written by {', '.join(others)}: if that is your own "
                        f"receiving server, set [trust] authserv_ids = {_toml_list(others[:1])}")
        elif named:
            said.append(f"{', '.join(named)} writes their topmost Authentication-Results but does not pass them "
                        "(dkim, dmarc): check that server's DKIM and DMARC checks")
        if self.amazon_writers[NO_AUTHSERV_ID]:
            said.append(f"{self.amazon_writers[NO_AUTHSERV_ID]} of them carry {NO_AUTHSERV_ID}: set [trust] "
                        "provider = \"microsoft365\" if the mailbox is on Microsoft 365, Exchange Online or Outlook.com")
        if self.amazon_writers[NO_HEADER]:
            said.append(f"{self.amazon_writers[NO_HEADER]} of them carry {NO_HEADER}: the server that receives them "
                        "must write them (DKIM and DMARC checks) before they can pass")
        return said

    def as_json(self) -> dict[str, Any]:
        return {
            "authserv_ids": list(self.authserv_ids),
            "amazon": {"mails": self.amazon_mails, **{v: self.amazon[v] for v in VERIFIED}},
            "topmost": dict(self.writers.most_common()),
            "amazon_topmost": dict(self.amazon_writers.most_common()),
            "misconfigured": self.misconfigured,
            "advice": self.advice(),
        }
