"""What a configuration is: the dataclasses of its sections, their defaults, and ConfigError.
Nothing here reads a file or checks a value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_TAGS = {
    "atoz_claim": "A-to-Z",
    "atoz_decision": "A-to-Z decision",
    "atoz_risk": "A-to-Z risk",
    "chargeback": "Chargeback",
    "account_health": "Account",
    "buyer_message": "Buyer",
    "case": "Case",
    "return_request": "Return",
    "refund": "Refund",
    "cancellation_request": "Cancel request",
    "feedback": "Feedback",
}


# The values of [trust] provider: the mailbox providers whose Authentication-Results the gateway
# knows (gateway/judging/providers.py says how each writes them).
TRUST_PROVIDERS = ("microsoft365", "google", "yahoo", "zoho", "fastmail", "gmx", "ionos", "icloud")


class ConfigError(ValueError):
    """A configuration problem; the message names the file, the key and what to write instead."""


@dataclass(frozen=True)
class Mailbox:
    """A seller inbox: on an IMAP server (imap_host) or a local Maildir (maildir), or only an
    address (enough to classify)."""

    address: str
    name: str
    imap_host: str | None = None
    imap_port: int = 993
    imap_security: str = "tls"           # tls, starttls, none
    imap_user: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    maildir: Path | None = None
    folder: str = "INBOX"
    archive_folder: str = "Crisis Gateway/Archive"
    # where the team's client keeps what it sent: replies found there stop clocks too. "auto": the
    # server's \Sent folder (RFC 6154), else one named like Sent; "none": not watched
    sent_folder: str = "auto"
    backlog_days: int = 14               # on first start, mail of the last N days is processed
    since: date | None = None            # or mail since this date, if given
    poll_seconds: float = 30.0           # when the server offers no IDLE
    timeout: float = 60.0                # socket timeout for every IMAP command
    ca_file: Path | None = None

    @property
    def watched(self) -> bool:
        return bool(self.imap_host or self.maildir)


@dataclass(frozen=True)
class SmtpConfig:
    """Where outgoing mail goes: a smarthost, or a Maildir that captures it (demo, tests)."""

    sender: str
    host: str | None = None
    port: int = 587
    security: str = "starttls"          # tls, starttls, none
    user: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    timeout: float = 30.0
    capture_dir: Path | None = None
    ca_file: Path | None = None         # trust this CA (PEM) instead of the system's, for an internal relay
    # at most this many mails from the outbox in any 60 seconds (Microsoft 365 takes about 30 a
    # minute from one mailbox, then refuses); 0: no limit. A capture_dir is never limited.
    max_per_minute: int = 30

    @property
    def send_limit(self) -> int:
        """Mails the outbox may hand the smarthost in any 60 seconds; 0 for no limit."""
        return self.max_per_minute if self.host else 0


@dataclass(frozen=True)
class AcknowledgeConfig:
    window_hours: float = 24.0          # at most one acknowledgement per buyer and order in this window
    reply_within_hours: int = 24        # what the acknowledgement promises
    shop_name: str = "Customer Service"


@dataclass(frozen=True)
class OutboxConfig:
    attempts: int = 5                   # per action, then dead-lettered
    max_seconds: float = 300.0          # total time spent retrying one action
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


DEFAULT_REMINDER_STEPS = {
    "atoz_claim": (24.0, 6.0, 1.0),
    "chargeback": (24.0, 6.0, 1.0),
    "atoz_risk": (4.0,),
    "buyer_message": (4.0,),
    "account_health": (24.0, 6.0, 1.0),
}


@dataclass(frozen=True)
class RemindersConfig:
    """The ladder before a deadline: reminders to the category's escalation addresses at each
    step (hours before), and for tier-1 clocks still open at escalate_hours, an escalation to
    escalate_to (the second list)."""

    steps: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_REMINDER_STEPS))
    escalate_hours: float = 6.0
    escalate_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class CasesConfig:
    """Seller/Vendor Central cases: after Amazon closes one, reopening is possible for reopen_days;
    a reminder says so after reopen_reminder_days. While Amazon is silent on an open case, the
    team is nudged every nudge_hours to follow up."""

    reopen_days: float = 14.0
    reopen_reminder_days: float = 1.0
    nudge_hours: float = 24.0


@dataclass(frozen=True)
class DigestConfig:
    """The daily digest to managers: sent at `hour` (local time, [gateway] timezone) to `to`;
    without `to`, to the escalation list (escalate_to), else to [escalation] tier1."""

    to: tuple[str, ...] = ()
    hour: int = 8
    enabled: bool = True


@dataclass(frozen=True)
class NotifyTarget:
    """One of [notify] urls: an Apprise URL and the names (Apprise tags) it goes by. The URL is a
    secret: everything the gateway writes (verdicts, the outbox, the audit, logs, errors) names the
    target by its `label`, never by its URL; `fingerprint` finds it again after the list changed."""

    url: str = field(repr=False)
    names: tuple[str, ...]
    position: int                       # 1 for the first of [notify] urls
    fingerprint: str                    # a short hash of the URL

    @property
    def label(self) -> str:
        """'chat #1a2b3c4d', or 'url 2 #1a2b3c4d' for a URL without a name."""
        return f"{','.join(self.names) or f'url {self.position}'} #{self.fingerprint}"


@dataclass(frozen=True)
class NotifyConfig:
    """[notify] urls, and where each notification goes: a crisis at its arrival to `default`, a
    reminder step to the names `steps` gives its label ("T-1h", "escalate"), else to `default`.
    A name list that is empty means every URL."""

    targets: tuple[NotifyTarget, ...] = ()
    default: tuple[str, ...] = ()
    steps: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def named(self, names: tuple[str, ...]) -> tuple[NotifyTarget, ...]:
        return tuple(t for t in self.targets if not names or set(t.names) & set(names))

    def for_arrival(self) -> tuple[NotifyTarget, ...]:
        return self.named(self.default)

    def for_step(self, label: str) -> tuple[NotifyTarget, ...]:
        if label in self.steps and not self.steps[label]:
            return ()  # the step says "nowhere": mail only
        return self.named(self.steps.get(label) or self.default)

    def by_fingerprint(self, fingerprint: str) -> NotifyTarget | None:
        return next((t for t in self.targets if t.fingerprint == fingerprint), None)


LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class InboundRelayConfig:
    """As a content filter (mode "content_filter"), Postfix hands every mail to `listen`; the
    tagged copy goes back to `reinject` (Postfix's second smtpd, without content_filter) with the
    same envelope. As a milter (mode "milter"), Postfix's smtpd connects to `listen` and makes
    the gateway's edits in its own queue: nothing is re-injected."""

    listen: tuple[str, int]
    max_message_bytes: int
    reinject: tuple[str, int] | None = None
    mode: str = "content_filter"
    timeout: float = 60.0               # for the re-injection, per SMTP command
    workers: int = 4                    # mails classified and re-injected at the same time
    drain_seconds: float = 30.0         # on stop: how long mails being received may take to finish


@dataclass(frozen=True)
class OutboundRelayConfig:
    """The team's submission relay: mail goes out through the [smtp] smarthost, without our tags."""

    listen: tuple[str, int]
    max_message_bytes: int
    users_file: Path | None = None      # with it, every client authenticates (AUTH PLAIN/LOGIN)
    tls_cert: Path | None = None        # with tls_cert and tls_key: STARTTLS, required before AUTH
    tls_key: Path | None = None
    local_networks: tuple[str, ...] = LOOPBACK_NETWORKS  # may send without AUTH when no users_file
    workers: int = 4
    drain_seconds: float = 30.0


# What a subject tag can come to say once its mail's clock moves on (see gateway.judging.subject).
TAG_CHANGES = ("overdue", "answered", "decided", "resolved")


@dataclass(frozen=True)
class TagsConfig:
    """[tags]: a tag word per category, and how the tagged copy in the inbox is marked.

    `subject` false leaves subjects as they came (keywords, labels and X-Crisis-* fields only),
    for teams whose replies cannot go through the outbound relay. `follow` names the changes of
    a clock that rewrite the subject tag; keywords follow every change."""

    words: dict[str, str] = field(default_factory=dict)
    subject: bool = True
    follow: tuple[str, ...] = TAG_CHANGES


@dataclass(frozen=True)
class Config:
    path: Path | None
    mailboxes: tuple[Mailbox, ...]
    authserv_ids: tuple[str, ...]        # [trust]: shell patterns, matched case-insensitively
    tier1: tuple[str, ...]
    timezone: ZoneInfo
    state_dir: Path
    rules_dir: Path
    templates_dir: Path
    tags: TagsConfig = TagsConfig()
    webhooks: tuple[str, ...] = ()
    notify: NotifyConfig = NotifyConfig()  # [notify] urls, through Apprise
    escalation_by_category: dict[str, tuple[str, ...]] = field(default_factory=dict)
    smtp: SmtpConfig | None = None
    acknowledge: AcknowledgeConfig = AcknowledgeConfig()
    outbox: OutboxConfig = OutboxConfig()
    inbound_relay: InboundRelayConfig | None = None
    outbound_relay: OutboundRelayConfig | None = None
    reminders: RemindersConfig = RemindersConfig()
    cases: CasesConfig = CasesConfig()
    digest: DigestConfig = DigestConfig()
    trust_provider: str | None = None   # [trust] provider: one of TRUST_PROVIDERS
    # [trust] verify_dkim: where no trusted Authentication-Results decides, the gateway verifies
    # Amazon's DKIM signature itself (gateway/judging/dkim_check.py)
    verify_dkim: bool = False
    metrics_listen: tuple[str, int] | None = None  # [metrics] listen: Prometheus, on loopback
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES  # [gateway]; the relays' default too
    # [gateway]: a mail the gateway first sees more than this long after it arrived (an inbox's
    # history on the first start, a catch-up after downtime) is tagged and gets its clock, but is
    # not acknowledged nor forwarded one by one: its crises go in one backlog report per mailbox.
    # 6 hours: an acknowledgement is meant to come at once and promises a reply within a day; a
    # restart or a short outage still gets the usual handling.
    fresh_hours: float = 6.0
    # [gateway]: an account-health notice that states no deadline must be acted on within this
    # many hours. 72: Amazon's notices that give a time mostly give 72 hours (or days for a plan of
    # action, which they then state); three days also spans a weekend without letting it sit.
    account_health_hours: float = 72.0
    # [gateway]: CPU seconds one mail may take to be read (gateway.mail.bounds); a mail built to
    # stall the gateway is judged on its headers and what was read by then
    mail_cpu_seconds: float = 2.0

    @property
    def message_id_domain(self) -> str:
        """The right side of the Message-IDs the gateway writes."""
        return self.smtp.sender.rpartition("@")[2] if self.smtp else "crisis-gateway.invalid"

    def escalation_addresses(self, category: str) -> tuple[str, ...]:
        return self.escalation_by_category.get(category) or self.tier1

    @property
    def digest_to(self) -> tuple[str, ...]:
        return self.digest.to or self.reminders.escalate_to or self.tier1

    def tag_word(self, category: str) -> str:
        return self.tags.words.get(category) or DEFAULT_TAGS.get(category) or category.replace("_", " ").capitalize()

