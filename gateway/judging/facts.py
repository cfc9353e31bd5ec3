"""What the rules look at: one mail's facts, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from gateway.judging import ids, marketplaces
from gateway.mail.parse import ParsedMail
from gateway.mail.text import fold_for_matching


@dataclass
class MailFacts:
    mail: ParsedMail

    @cached_property
    def subject(self) -> str:
        return fold_for_matching(self.mail.subject)

    @cached_property
    def body(self) -> str:
        return fold_for_matching(self.mail.text)

    @cached_property
    def buyer_words(self) -> str:
        """The buyer's own words as written (the whole text when there is no relay frame)."""
        return ids.buyer_text(self.mail.text)

    @cached_property
    def buyer_text(self) -> str:
        words = self.buyer_words
        return self.body if words == self.mail.text else fold_for_matching(words)

    @cached_property
    def sender_classes(self) -> frozenset[str]:
        """amazon: any Amazon marketplace domain; buyer_relay: the buyer messaging relay;
        amazon_system: Amazon itself (not a buyer through the relay)."""
        domain = self.mail.from_domain
        classes = set()
        if marketplaces.is_amazon_domain(domain):
            classes.add("amazon")
            classes.add("buyer_relay" if marketplaces.is_buyer_relay(domain) else "amazon_system")
        return frozenset(classes)

    @cached_property
    def order_id(self) -> str | None:
        return ids.order_id(self.subject, self.body)

    @cached_property
    def case_id(self) -> str | None:
        return ids.case_id(self.subject, self.body)

    @cached_property
    def marketplace(self) -> marketplaces.Marketplace | None:
        by_header = marketplaces.by_id(self.mail.header("X-Marketplace-ID")) if self.mail.header("X-Marketplace-ID") else None
        return by_header or marketplaces.by_domain(self.mail.from_domain)
