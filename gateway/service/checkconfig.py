"""`crisis-gateway check-config`: everything the daemon needs, tried once, told in plain words.

Each check is a small function in CHECKS, run in order; it returns findings (ok, warn or fail,
with what to fix). Nothing is created, changed or deleted: the mailboxes are logged in to and
their folders examined (EXAMINE, LIST and STATUS, never SELECT or CREATE: a missing archive
folder is only said), the smarthost greeted, but no mail is moved or sent, and the state is only
looked at. The only mail read is the inbox's last TRUST_DAYS days (at most TRUST_MAILS mails,
through the read-only store: BODY.PEEK, no flag changes), judged to tell whether Amazon's mail
passes [trust].
"""

from __future__ import annotations

import imaplib
import os
import resource
import smtplib
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import jinja2
from imapclient.exceptions import LoginError

from gateway.config import Config, Mailbox
from gateway.config.notify import SCHEME, step_labels
from gateway.deadlines import digest
from gateway.intake.stores.base import TAGGED, FolderMissing
from gateway.intake.stores.factory import sent_store_for, store_for
from gateway.intake.stores.imap import FolderRefused, ImapStore, shown
from gateway.judging.classify import Classifier
from gateway.judging.rules import RuleFileErrors, load_rules
from gateway.judging.trust_survey import TrustSurvey
from gateway.mail.parse import MailError, parse_mail
from gateway.outgoing.transport import DeliveryError, SmtpTransport
from gateway.service.daemon import check_runnable, open_files_needed
from gateway.state import State, schema_is_current


@dataclass(frozen=True)
class Finding:
    level: str          # "ok", "warn" or "fail"
    what: str
    fix: str = ""


TRUST_DAYS = 14
TRUST_MAILS = 300   # the newest ones: enough to see how Amazon's mail fares, quick on a big inbox
IMAP_LOGIN_FIX = ("check imap_user and the password file; Gmail and Microsoft 365 refuse passwords: "
                  "use oauth2_token_command (XOAUTH2)")


def network_problem(exc: BaseException, where: str, ca_key: str) -> str:
    """A connection failure in words, with the fix most likely to help."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the certificate of {where} is not trusted ({exc.verify_message}): if it is an internal CA, set {ca_key}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed ({exc.reason}): check the port and the security setting (tls on 993/465, starttls on 143/587)"
    if isinstance(exc, socket.gaierror):
        return f"the host name of {where} does not resolve: check it"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection: check the host and port, and that the server runs"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"{where} did not answer in time: check the host, the port and any firewall"
    return f"{type(exc).__name__}: {exc}"


def check_rules(config: Config) -> Iterator[Finding]:
    try:
        rules = load_rules(config.rules_dir)
    except RuleFileErrors as exc:
        for problem in exc.problems:
            yield Finding("fail", f"rules: {problem}", "correct the rule file; `crisis-gateway rules check` lists every error")
        return
    yield Finding("ok", f"rules: {len(rules.rules)} rules from {len(rules.files)} file(s) in {config.rules_dir}")


def check_templates(config: Config) -> Iterator[Finding]:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(config.templates_dir)))
    names = sorted(str(p.relative_to(config.templates_dir)) for p in config.templates_dir.rglob("*.j2"))
    broken = 0
    for name in names:
        try:
            environment.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            broken += 1
            yield Finding("fail", f"template {name}, line {exc.lineno}: {exc.message}", "correct the template")
    if not (config.templates_dir / "acknowledge" / "en.txt.j2").exists():
        broken += 1
        yield Finding("fail", f"templates: {config.templates_dir}/acknowledge/en.txt.j2 is missing",
                      "copy the shipped templates/ folder and edit the copy")
    with tempfile.TemporaryDirectory() as scratch:  # the digest rendered from an empty state
        state = State(Path(scratch))
        try:
            digest.render(config, digest.gather(state, config, datetime.now(timezone.utc)))
        except Exception as exc:  # noqa: BLE001 - any template error is a finding
            broken += 1
            yield Finding("fail", f"template digest/: {type(exc).__name__}: {exc}", "correct the digest templates")
        finally:
            state.close()
    if not broken:
        yield Finding("ok", f"templates: {len(names)} in {config.templates_dir} compile, the digest renders")


def check_state(config: Config) -> Iterator[Finding]:
    folder = Path(config.state_dir)
    existing = folder if folder.exists() else folder.parent
    if not existing.exists():
        yield Finding("fail", f"state_dir {folder}: its parent folder does not exist", "create it, or set [gateway] state_dir")
    elif not os.access(existing, os.W_OK | os.X_OK):
        yield Finding("fail", f"state_dir {folder}: not writable by this user",
                      "run as the service user, or as root (under systemd the service's own user owns it)")
    else:
        known = (folder / "state.db").exists()
        yield Finding("ok", f"state: {folder}" + (" (existing)" if known else " (made at first start)"))


def check_threads(config: Config) -> Iterator[Finding]:
    """The daemon's threads that failed (and were restarted) in the last day, from the audit trail."""
    if not (Path(config.state_dir) / "state.db").exists():
        return
    if not schema_is_current(Path(config.state_dir)):  # opening it would upgrade it, under a daemon still running
        yield Finding("ok", "daemon: the state is from an earlier release; `run` upgrades it at start")
        return
    state = State(Path(config.state_dir))
    try:
        rows = state.audit_since("thread_failed", datetime.now(timezone.utc) - timedelta(days=1))
    finally:
        state.close()
    if not rows:
        yield Finding("ok", "daemon: no thread failed in the last 24 hours")
        return
    last: dict[str, dict] = {}
    for row in rows:
        last[row["detail"].get("thread", "?")] = row
    yield Finding("warn", f"daemon: {len(rows)} thread failure(s) in the last 24 hours, each restarted: " + "; ".join(
        f"{thread} (last at {row['at']}: {row['detail'].get('error', '?')})" for thread, row in sorted(last.items())),
        "see `journalctl -u crisis-gateway` around those times; a failure that repeats is a bug to report, "
        "or a server the gateway needs that is failing")


UNLIMITED = 2**63 - 1


def unit_open_files(unit: str = "crisis-gateway.service") -> int | None:
    """LimitNOFILE= of the installed service as systemd has it, or None (no systemd, or the unit
    is not installed: systemctl then shows the manager's default)."""
    try:
        done = subprocess.run(["systemctl", "show", "--property=LoadState", "--property=LimitNOFILE", unit],
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    shown = dict(line.partition("=")[::2] for line in done.stdout.splitlines())
    value = shown.get("LimitNOFILE", "").strip()
    if done.returncode != 0 or shown.get("LoadState", "").strip() != "loaded":
        return None
    return UNLIMITED if value == "infinity" else int(value) if value.isdigit() else None


def check_open_files(config: Config) -> Iterator[Finding]:
    """Enough open files for one IMAP connection per watched folder: under systemd the unit's
    LimitNOFILE=, by hand this shell's hard limit (the daemon raises its soft limit to it)."""
    need = open_files_needed(config.mailboxes)
    fix = ("raise LimitNOFILE= (`systemctl edit crisis-gateway`, [Service] LimitNOFILE=...), or split the "
           "mailboxes over several instances (README: Many mailboxes, several instances)")
    unit = unit_open_files()
    if unit is not None and need > unit:
        yield Finding("fail", f"open files: the watched folders need about {need}, crisis-gateway.service allows {unit}", fix)
        return
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if need > hard:
        level = "warn" if unit is not None else "fail"  # the service is fine; `run` from this shell is not
        yield Finding(level, f"open files: the watched folders need about {need}, this shell allows {hard} "
                      "(`crisis-gateway run` started here would fail to connect some)", "ulimit -Hn, or " + fix)
        return
    yield Finding("ok", f"open files: about {need} needed, {unit if unit is not None else hard} allowed")


def _login(mailbox: Mailbox) -> Iterator[Finding]:
    where = f"{mailbox.imap_host}:{mailbox.imap_port}"
    store = ImapStore(mailbox, readonly=True)  # EXAMINE, never SELECT; no archive folder made
    try:
        store.connect()
        count = len(store.list_uids(0, None))
        archive_exists = store.check_archive()
    except FolderRefused as exc:
        yield Finding("fail", f"mailbox {mailbox.name}: {exc.problem}", exc.fix)
        return
    except LoginError:
        yield Finding("fail", f"mailbox {mailbox.name}: {where} refused the login of {mailbox.imap_user}", IMAP_LOGIN_FIX)
        return
    except PermissionError as exc:
        yield Finding("fail", f"mailbox {mailbox.name}: {exc}", "make the secret readable (under systemd: LoadCredential=)")
        return
    except (OSError, imaplib.IMAP4.error) as exc:
        yield Finding("fail", f"mailbox {mailbox.name}: {network_problem(exc, where, 'ca_file')}")
        return
    finally:
        store.close()
    yield Finding("ok", f"mailbox {mailbox.name}: logged in to {where} as {mailbox.imap_user}; {mailbox.folder} has {count} mail(s)")
    archive = "exists" if archive_exists else "does not exist yet; run creates it"
    yield Finding("ok", f"mailbox {mailbox.name}: archive folder {shown(mailbox.archive_folder, store.server_archive)} {archive}")
    sent = sent_store_for(mailbox)
    if sent is None:
        yield Finding("warn", f"mailbox {mailbox.name}: Sent folder not watched (sent_folder = \"none\")",
                      "replies sent past the outbound relay will not stop clocks")
        return
    try:
        sent.connect()
        yield Finding("ok", f"mailbox {mailbox.name}: Sent folder found")
    except FolderMissing as exc:
        yield Finding("warn", f"mailbox {mailbox.name}: {exc}", "set sent_folder (Gmail: \"[Gmail]/Sent Mail\")")
    except (OSError, imaplib.IMAP4.error) as exc:
        yield Finding("fail", f"mailbox {mailbox.name} Sent folder: {type(exc).__name__}: {exc}")
    finally:
        sent.close()


def check_mailboxes(config: Config) -> Iterator[Finding]:
    for mailbox in config.mailboxes:
        if mailbox.maildir is not None:
            if (mailbox.maildir / "cur").is_dir():
                yield Finding("ok", f"mailbox {mailbox.name}: Maildir {mailbox.maildir}")
            else:
                yield Finding("fail", f"mailbox {mailbox.name}: {mailbox.maildir} is not a Maildir (no cur/ inside)")
        elif mailbox.imap_host:
            yield from _login(mailbox)


def _trust_survey(config: Config, mailbox: Mailbox, classifier: Classifier, now: datetime) -> TrustSurvey:
    survey = TrustSurvey(config.authserv_ids)
    store = store_for(mailbox, readonly=True)
    try:
        store.connect()
        for uid in store.list_uids(0, (now - timedelta(days=TRUST_DAYS)).date())[-TRUST_MAILS:]:
            stored = store.fetch(uid)
            if stored is None or TAGGED in stored.flags or "\\Deleted" in stored.flags:
                continue  # gone, a copy the gateway appended, or deleted: run leaves it
            try:
                mail = parse_mail(stored.raw, max_bytes=config.max_message_bytes)
            except MailError:
                continue
            survey.add(mail, classifier.classify_parsed(mail, now))
    finally:
        store.close()
    return survey


def check_trust(config: Config) -> Iterator[Finding]:
    """Whether the Amazon mail of the last TRUST_DAYS days in each watched inbox passes [trust];
    when none does, the trust survey's diagnosis and what to set."""
    watched = [m for m in config.mailboxes if m.watched]
    if not watched:
        return
    try:
        classifier = Classifier(config, load_rules(config.rules_dir))
    except RuleFileErrors:
        return  # check_rules says why
    now = datetime.now(timezone.utc)
    for mailbox in watched:
        try:
            survey = _trust_survey(config, mailbox, classifier, now)
        except Exception as exc:  # noqa: BLE001 - the mailbox check says why it cannot be read
            yield Finding("warn", f"mailbox {mailbox.name}: trust not checked, the inbox cannot be read "
                                  f"({type(exc).__name__}: {exc})")
            continue
        counted = (f"mailbox {mailbox.name}: {survey.amazon_mails} Amazon mail(s) in the last {TRUST_DAYS} days: "
                   f"{survey.amazon['pass']} pass")
        if survey.misconfigured:
            yield Finding("warn", counted, "; ".join(survey.advice()))
        elif survey.amazon_mails:
            yield Finding("ok", counted)
        else:
            yield Finding("ok", f"mailbox {mailbox.name}: no Amazon mail in the last {TRUST_DAYS} days: trust not tried")


def check_smarthost(config: Config) -> Iterator[Finding]:
    smtp = config.smtp
    if smtp is None:
        yield Finding("warn", "smtp: no [smtp] section: forwards, acknowledgements, reminders and the digest stay queued",
                      "add [smtp] with from and host")
        return
    if smtp.host is None:
        yield Finding("warn", f"smtp: outgoing mail is kept in {smtp.capture_dir}, not sent", "set [smtp] host to send it")
        return
    where = f"{smtp.host}:{smtp.port}"
    try:
        yield Finding("ok", f"smarthost: {SmtpTransport(smtp).greet()}")
    except smtplib.SMTPAuthenticationError as exc:
        yield Finding("fail", f"smarthost {where} refused the login of {smtp.user}: {exc.smtp_code}",
                      "check [smtp] user and the password file; Gmail and Microsoft 365 need oauth2_token_command")
    except smtplib.SMTPNotSupportedError as exc:
        yield Finding("fail", f"smarthost {where}: {exc}", "check [smtp] security (starttls on 587, tls on 465)")
    except (smtplib.SMTPException, DeliveryError, PermissionError) as exc:
        yield Finding("fail", f"smarthost {where}: {type(exc).__name__}: {exc}")
    except OSError as exc:
        yield Finding("fail", f"smarthost {where}: {network_problem(exc, where, '[smtp] ca_file')}")


def check_relays(config: Config) -> Iterator[Finding]:
    for problem in check_runnable(config):
        yield Finding("fail", problem)
    if config.tags.subject and config.outbound_relay is None and any(m.watched for m in config.mailboxes):
        # most teams reply from their own client through their provider: the tag goes with the reply
        yield Finding("warn", "tags: subjects are tagged, but there is no [relay.outbound] to remove the tags from "
                              "replies: a reply sent past it carries the tag to the buyer or to Amazon",
                      "add [relay.outbound] and send replies through it (README: \"Sending replies through the "
                      "outbound relay\"), or set [tags] subject = false")
    for name, relay in (("inbound", config.inbound_relay), ("outbound", config.outbound_relay)):
        if relay is None:
            continue
        host, port = relay.listen
        if getattr(relay, "mode", "") == "milter":
            name = "inbound (milter: smtpd_milters = inet:" + (f"[{host}]" if ":" in host else host) + f":{port})"
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
                yield Finding("ok", f"relay {name}: {host}:{port} is free to listen on")
            except OSError as exc:
                yield Finding("warn", f"relay {name}: {host}:{port} is in use ({exc.strerror})",
                              "fine if the service runs now; else another program holds the port")


def check_notify(config: Config) -> Iterator[Finding]:
    """Where notifications go, each [notify] url named by its label and scheme only (the URL is a
    secret); nothing is sent: a test notification would page someone."""
    notify = config.notify
    if not notify.targets:
        hooks = f"{len(config.webhooks)} webhook(s)" if config.webhooks else "no webhooks"
        yield Finding("ok", f"notify: {hooks}, no [notify] urls: crises are told by mail only"
                      + (" and the webhooks" if config.webhooks else ""))
        return
    steps = step_labels(config.reminders)
    for target in notify.targets:
        scheme = SCHEME.match(target.url)
        gets = (["crises at arrival"] if target in notify.for_arrival() else []) + [
            step for step in steps if target in notify.for_step(step)]
        yield Finding("ok" if gets else "warn",
                      f"notify: {target.label} ({scheme.group(1) if scheme else '?'}://...) gets "
                      + (", ".join(gets) if gets else "nothing"),
                      None if gets else "name it in [notify] default or [notify.steps], or remove it")


CHECKS: list[tuple[str, Callable[[Config], Iterator[Finding]]]] = [
    ("rules", check_rules), ("templates", check_templates), ("state", check_state), ("threads", check_threads),
    ("open files", check_open_files), ("mailboxes", check_mailboxes), ("trust", check_trust),
    ("smarthost", check_smarthost), ("relays", check_relays), ("notify", check_notify),
]


def run(config: Config) -> list[Finding]:
    findings = [Finding("ok", f"configuration: {config.path or 'defaults'} is valid")]
    for name, check in CHECKS:
        try:
            findings += list(check(config))
        except Exception as exc:  # noqa: BLE001 - one check failing must not hide the others
            findings.append(Finding("fail", f"{name}: {type(exc).__name__}: {exc}"))
    return findings
