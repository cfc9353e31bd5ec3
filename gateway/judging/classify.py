"""The classification pipeline: parse, trust, rules, deadline, tag and actions, as one verdict.

Pure: reads the mail and the configuration, changes nothing. The daemon, `classify` and
`process` all call Classifier.classify, so what `classify` prints is what the daemon does.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gateway.actions import ACTIONS
from gateway.config import Config
from gateway.judging import blockers, ids, obligations
from gateway.judging.dkim_check import DkimChecker
from gateway.judging.facts import MailFacts
from gateway.judging.language import guess_language
from gateway.judging.rules import Rule, RuleSet, load_rules
from gateway.judging.subject import has_crisis_tag, strip_leading_tags, tag_pattern, without_crisis_tags
from gateway.judging.trust import assess as assess_trust
from gateway.judging.verdict import Action, Verdict
from gateway.mail.parse import ParsedMail, first_received_date, parse_mail
from gateway.mail.text import fold_for_matching


class Classifier:
    def __init__(self, config: Config, rules: RuleSet | None = None) -> None:
        self.config = config
        self.rules = rules if rules is not None else load_rules(config.rules_dir)
        # [trust] verify_dkim: one checker for the classifier's life, so its key cache lasts
        self.dkim = DkimChecker() if config.verify_dkim else None
        self.tag_pattern = tag_pattern(self._tag_words())

    def reload(self, rules: RuleSet) -> None:
        """New rules for the next mail (SIGHUP); the mail at hand finishes with the old ones."""
        pattern = tag_pattern(self._tag_words(rules))
        self.rules, self.tag_pattern = rules, pattern

    def _tag_words(self, rules: RuleSet | None = None) -> list[str]:
        rules = rules or self.rules
        categories = {r.category for r in rules.rules}
        return [self.config.tag_word(c) for c in categories] + [r.tag for r in rules.rules if r.tag]

    def classify(self, raw: bytes, now: datetime | None = None, history: blockers.History | None = None) -> Verdict:
        mail = parse_mail(raw, max_bytes=self.config.max_message_bytes, cpu_seconds=self.config.mail_cpu_seconds)
        return self.classify_parsed(mail, now, history)

    def classify_parsed(self, mail: ParsedMail, now: datetime | None = None, history: blockers.History | None = None,
                        arrived: datetime | None = None) -> Verdict:
        """`arrived`: when the mail reached this server, for a caller that saw it arrive (the
        milter, which Postfix shows no Received stamp of its own); else read from the mail."""
        now = now or datetime.now(timezone.utc)
        facts = MailFacts(mail)
        trace: list[str] = [f"read: {cut}" for cut in mail.cuts]

        trust = assess_trust(mail, list(self.config.authserv_ids), self.config.trust_provider, dkim=self.dkim)
        trace.extend(f"trust: {r}" for r in trust.reasons)

        rule, reasons = self.rules.first_match(facts)
        if rule is None:
            category, tier = "other", None
            trace.append("rule: none matched")
        else:
            category, tier = rule.category, rule.tier
            trace.append(f"rule {rule.name} ({rule.source}): " + "; ".join(reasons))

        if trust.suspicious and tier is not None:
            trace.append(f"suspicious: tier {tier} withdrawn, not escalated, not acknowledged")
            tier = None

        arrival, arrival_source = self._arrival(mail, now) if arrived is None else (
            arrived.astimezone(timezone.utc), "the time the milter saw it (Postfix shows it no Received stamp of its own)")
        trace.append(f"arrival {arrival.isoformat()} from {arrival_source}")
        deadline = self._deadline(rule, mail, arrival, trace) if rule is not None and not trust.suspicious else None

        order_id, case_id = facts.order_id, facts.case_id
        if trust.suspicious and (order_id or case_id):
            # A forged mail must not open, stop or join the clock of a real order or case.
            trace.append(f"suspicious: ids not trusted (order {order_id}, case {case_id})")
            order_id = case_id = None

        marketplace = facts.marketplace
        language = guess_language(facts.buyer_words[:4000], marketplace.languages if marketplace else ())

        ctx = blockers.Context(
            facts=facts, config=self.config, tier=tier, suspicious=trust.suspicious, category=category,
            order_id=order_id, now=now, history=history, rule=rule, deadline=deadline, language=language,
            tag_pattern=self.tag_pattern, arrival=arrival,
        )
        original_subject = strip_leading_tags(mail.subject, self.tag_pattern)
        duty = obligations.of_category(category)
        reference = ids.notice_reference(fold_for_matching(original_subject), facts.body) \
            if duty is not None and duty.key == "account" and not trust.suspicious else None
        subject = mail.subject
        actions: list[Action] = []
        wanted = list(rule.actions) if rule is not None else []
        if trust.suspicious and "tag" not in wanted:
            wanted.insert(0, "tag")
        for kind in wanted:
            blocked = blockers.first_blocker(ACTIONS[kind].BLOCKERS, ctx)
            if blocked:
                trace.append(f"{kind}: not done, {blocked}")
                continue
            action = Action(kind, ACTIONS[kind].plan(ctx))
            if kind == "tag":
                subject = action.detail["subject"]
            actions.append(action)
        if tier != 1 and has_crisis_tag(subject):
            subject = without_crisis_tags(subject)
            trace.append("subject: a crisis tag on a mail not judged a crisis is removed")

        return Verdict(
            message_key=mail.key,
            message_id=mail.message_id,
            category=category,
            tier=tier,
            suspicious=trust.suspicious,
            verified=trust.verified,
            order_id=order_id,
            case_id=case_id,
            case_status=rule.case_status if rule is not None else None,
            marketplace=marketplace.code if marketplace else None,
            language=language,
            arrival=arrival,
            deadline=deadline,
            original_subject=original_subject,
            subject=subject,
            actions=tuple(actions),
            rule=rule.name if rule is not None else None,
            trace=tuple(trace),
            defects_of=mail.defects_of,
            reference=reference,
        )

    @staticmethod
    def _arrival(mail: ParsedMail, now: datetime) -> tuple[datetime, str]:
        """Our own server's Received stamp (the topmost), else the Date header, else now."""
        # kept in UTC: stored times compare and sort as text, whatever offset the header had
        stamp = first_received_date(mail)
        if stamp is not None:
            return stamp.astimezone(timezone.utc), "the topmost Received stamp"
        if mail.date is not None:
            return mail.date.astimezone(timezone.utc), "the Date header (no Received stamp)"
        return now.astimezone(timezone.utc), "the processing time (no Received stamp, no Date)"

    def _deadline(self, rule: Rule, mail: ParsedMail, arrival: datetime, trace: list[str]) -> datetime | None:
        duty = obligations.of_category(rule.category)
        if rule.window is None and duty is not None and duty.configured_window:
            return self._notice_deadline(rule, mail, arrival, trace)
        if rule.window is None:
            return None
        deadline = arrival + rule.window
        reason = f"deadline {deadline.isoformat()}: arrival + {_human(rule.window)} ({rule.name})"
        if rule.stated_deadline:
            stated = ids.stated_window(mail.subject + "\n" + mail.text)
            if stated and arrival + stated[0] < deadline:
                deadline = arrival + stated[0]
                reason = f"deadline {deadline.isoformat()}: the mail says {stated[1]!r}, earlier than {_human(rule.window)}"
        trace.append(reason)
        return deadline


    def _notice_deadline(self, rule: Rule, mail: ParsedMail, arrival: datetime, trace: list[str]) -> datetime:
        """An account-health notice: the deadline it states, shorter or longer than the window
        ([gateway] account_health_hours), else the window."""
        stated = ids.stated_window(mail.subject + "\n" + mail.text)
        if stated:
            deadline = arrival + stated[0]
            trace.append(f"deadline {deadline.isoformat()}: the mail says {stated[1]!r}")
            return deadline
        window = timedelta(hours=self.config.account_health_hours)
        deadline = arrival + window
        trace.append(f"deadline {deadline.isoformat()}: arrival + {_human(window)} ([gateway] account_health_hours, "
                     f"the mail states no deadline; {rule.name})")
        return deadline


def _human(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    if hours % 24 == 0 and hours >= 48:
        return f"{int(hours // 24)} days"
    return f"{hours:g} hours"


