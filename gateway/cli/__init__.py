"""crisis-gateway: the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import shutil
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from gateway import __version__
from gateway.config import Config, ConfigError, load_config
from gateway.config.secrets_filter import SecretFilter
from gateway.config.shipped import shipped_dir
from gateway.deadlines import digest, evidence
from gateway.deadlines.status import clock_key, status_rows
from gateway.intake.pipeline import Pipeline
from gateway.intake.stores.factory import maildir_archive
from gateway.judging.classify import Classifier
from gateway.judging.rules import RuleFileErrors, load_rules
from gateway.judging.subject import format_due
from gateway.judging.verdict import Verdict
from gateway.mail import maildir
from gateway.mail.parse import MailError
from gateway.mail.text import one_line
from gateway.outgoing.outbox import Outbox
from gateway.relays.users import UsersFileError, set_user
from gateway.service import checkconfig
from gateway.service.daemon import Daemon, StartError, check_runnable
from gateway.state import State

EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2
log = logging.getLogger("gateway")


def _now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--now {value!r} is not an ISO 8601 time like 2026-11-23T10:00:00+00:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            found.append(path)  # reported as an error per file, the others still run
        else:
            found.extend(maildir.mail_files(path))
    return found


def _actions_text(verdict: Verdict) -> str:
    return ", ".join(a.kind for a in verdict.actions) or "-"


def cmd_classify(args: argparse.Namespace, config: Config) -> int:
    classifier = Classifier(config)
    now = _now(args.now)
    failures = 0
    rows = []
    for path in _files(args.files):
        try:
            raw = path.read_bytes()
            verdict = classifier.classify(raw, now)
        except Exception as exc:  # noqa: BLE001 - one odd mail never stops the batch
            failures += 1
            if isinstance(exc, (OSError, MailError)):
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            else:
                reason = f"internal error ({type(exc).__name__}); run it again as crisis-gateway --verbose COMMAND ... for details"
                log.debug("classifying %s failed", path, exc_info=True)
            if args.json:
                print(json.dumps({"file": str(path), "error": reason}, ensure_ascii=False))
            else:
                print(f"{path}: error: {reason}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(verdict.as_json(str(path)), ensure_ascii=False), flush=True)
        else:
            rows.append(verdict_row(str(path), verdict, config))
    if rows:
        print_table(["file", "category", "tier", "due", "actions", "subject"], rows)
    return EXIT_PROBLEMS if failures else EXIT_OK


def verdict_row(name: str, verdict: Verdict, config: Config) -> list[str]:
    due = verdict.deadline.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M %Z") if verdict.deadline else "-"
    tier = "suspect" if verdict.suspicious else (str(verdict.tier) if verdict.tier else "-")
    return [Path(name).name, verdict.category, tier, due, _actions_text(verdict), verdict.subject]


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(len(header) - 1)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[-1]  # noqa: E731
    print(line(header))
    for row in rows:
        print(line(row))


def cmd_rules_check(args: argparse.Namespace, config: Config) -> int:
    directory = Path(args.rules) if args.rules else config.rules_dir
    try:
        ruleset = load_rules(directory)
    except RuleFileErrors as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {directory}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{len(ruleset.rules)} rules in {len(ruleset.files)} files in {directory}: all valid")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, config: Config) -> int:
    with _existing_state(config) as state:
        if args.audit_command == "verify":
            result = state.verify_audit()
            for problem in result.problems:
                print(f"TAMPERED: {problem}")
            print(f"audit trail: {result.rows} rows, " + ("intact" if result.ok else f"{len(result.problems)} problem(s)"))
            return EXIT_OK if result.ok else EXIT_PROBLEMS
        rows = state.audit_rows(order_id=args.order, case_id=args.case)
        for row in rows:
            if args.json:
                print(json.dumps(row, ensure_ascii=False, default=str))
            else:
                ref = row["order_id"] or row["case_id"] or row["message_key"] or ""
                print(f"{row['id']:>6}  {row['at']}  {row['kind']:<14} {ref:<22} {_summary(row['detail'])}")
        return EXIT_OK


def _existing_state(config: Config) -> State:
    """The state for commands that read it; a missing one is a configuration error (exit 2)."""
    if not (config.state_dir / "state.db").exists():
        raise ConfigError(f"no state at {config.state_dir} (set [gateway] state_dir)")
    return State(config.state_dir)


def _left(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes = abs(seconds) // 60
    text = f"{minutes // 1440}d {minutes % 1440 // 60:02d}h" if minutes >= 1440 else f"{minutes // 60}h {minutes % 60:02d}m"
    return f"OVERDUE {text}" if seconds < 0 else text


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    with _existing_state(config) as state:
        rows = status_rows(state, _now(args.now) or datetime.now(timezone.utc))
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return EXIT_OK
    table = [[format_due(datetime.fromisoformat(r["deadline"]), config.timezone) if r["deadline"] else "-", _left(r["seconds_left"]),
              str(r["tier"] or "-"), r["category"], r["order_id"] or f"case {r['case_id']}",
              (r["last_action"] or {}).get("what", "-")] for r in rows]
    print_table(["due", "left", "tier", "category", "order / case", "last action"], table)
    overdue = sum(r["overdue"] for r in rows)
    print(f"{len(rows)} open, {overdue} overdue")
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace, config: Config) -> int:
    key = clock_key(args.reference)
    if key is None:
        print(f"error: {args.reference!r} is neither an order id like 114-2682884-2909064 nor a case id (digits)",
              file=sys.stderr)
        return EXIT_CONFIG
    with _existing_state(config) as state:
        stopped = state.stop_clock(key, f"resolved by hand: {one_line(args.note)}", _now(args.now) or datetime.now(timezone.utc),
                                   note=args.note, by=getpass.getuser())
    if not stopped:
        print(f"error: no open clock for {args.reference} (crisis-gateway status lists them)", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{key}: stopped ({args.note})")
    return EXIT_OK


def cmd_evidence(args: argparse.Namespace, config: Config) -> int:
    if clock_key(args.order) != f"order:{args.order}":
        print(f"error: {args.order!r} is not an order id like 114-2682884-2909064", file=sys.stderr)
        return EXIT_CONFIG
    with _existing_state(config) as state:
        try:
            path, checks, count = evidence.build(state, args.order, Path(args.out), config.templates_dir,
                                                 datetime.now(timezone.utc))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_PROBLEMS
    print(f"{path}: {count} mail(s), timeline in index.html")
    for check in checks:
        print(f"  [{'x' if check.ok else ' '}] {check.label}: " + ("; ".join(check.found) if check.ok else "MISSING"))
    return EXIT_OK


def _summary(detail: dict) -> str:
    if "subject" in detail:
        return f"{detail.get('category')} tier={detail.get('tier')} {detail['subject']}"
    return ", ".join(f"{k}={v}" for k, v in detail.items() if k != "trace")


def process(paths: list[Path], config: Config, out: Path | None, now: datetime | None,
            send: bool = True) -> dict[str, int]:
    """Classify and record each mail; write tagged copies into the `out` Maildir; run the outbox."""
    counts = {"recorded": 0, "duplicate": 0, "quarantined": 0, "sent": 0, "dead": 0, "queued": 0}
    show_progress = sys.stderr.isatty() and len(paths) > 50
    with State(config.state_dir) as state:
        pipeline = Pipeline(Classifier(config), state)
        for index, path in enumerate(paths, start=1):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                print(f"{path}: error: {exc.strerror or exc}", file=sys.stderr)
                continue
            outcome = pipeline.handle(raw, source=str(path), now=now)
            counts[outcome.status] += 1
            if outcome.status == "recorded" and out is not None:
                maildir.deliver(out, outcome.tagged)
            print(_outcome_line(path, outcome))
            if show_progress and index % 100 == 0:
                print(f"  {index}/{len(paths)} mails", file=sys.stderr)
        if send:
            ran = Outbox(config, state).run()
            counts.update(sent=ran["done"], dead=ran["dead"], queued=ran["waiting"])
        else:
            counts["queued"] = len(Outbox(config, state).pending())
    return counts


def _outcome_line(path: Path, outcome) -> str:
    if outcome.verdict is None:
        return f"{path.name}: quarantined: {outcome.reason}"
    v = outcome.verdict
    if outcome.status == "duplicate":
        return f"{path.name}: already processed ({v.message_key})"
    return f"{path.name}: {v.category} tier={v.tier or '-'}{' SUSPECT' if v.suspicious else ''} actions=[{_actions_text(v)}] {v.subject}"


def cmd_process(args: argparse.Namespace, config: Config) -> int:
    out = maildir.ensure(Path(args.out)) if args.out else None
    counts = process(_files(args.files), config, out, _now(args.now), send=not args.no_send)
    print(f"{counts['recorded']} recorded, {counts['duplicate']} already processed, {counts['quarantined']} quarantined; "
          f"outbox: {counts['sent']} sent, {counts['dead']} dead-lettered, {counts['queued']} queued")
    if counts["queued"] and config.smtp is None:
        print("note: actions stay queued until [smtp] is configured (crisis-gateway outbox list)", file=sys.stderr)
    return EXIT_PROBLEMS if counts["quarantined"] or counts["dead"] else EXIT_OK


def cmd_outbox(args: argparse.Namespace, config: Config) -> int:
    with State(config.state_dir) as state:
        outbox = Outbox(config, state)
        if args.outbox_command == "list":
            rows = outbox.rows(args.status)
            for row in rows:
                if args.json:
                    print(json.dumps(row, ensure_ascii=False))
                else:
                    print(f"{row['id']:>5}  {row['status']:<8} {row['kind']:<12} {row['target']:<40} tries={row['attempts']} {row['last_error'] or ''}")
            if not args.json:
                print(f"{len(rows)} action(s)")
            return EXIT_OK
        if args.outbox_command == "run":
            if config.smtp is None:
                print("error: no [smtp] in the configuration: nothing can be sent", file=sys.stderr)
                return EXIT_CONFIG
            ran = outbox.run()
            print(f"{ran['done']} sent, {ran['dead']} dead-lettered, {ran['waiting']} waiting")
            return EXIT_PROBLEMS if ran["dead"] else EXIT_OK
        if args.outbox_command == "retry":
            changed = outbox.set_status(args.ids, "pending", ("dead",))
            print(f"{changed} action(s) queued again")
            if changed and not args.no_send:
                ran = outbox.run()
                print(f"{ran['done']} sent, {ran['dead']} dead-lettered, {ran['waiting']} waiting")
                return EXIT_PROBLEMS if ran["dead"] else EXIT_OK
            return EXIT_OK if changed == len(args.ids) else EXIT_PROBLEMS
        changed = outbox.set_status(args.ids, "dropped", ("pending", "dead", "sending"))
        print(f"{changed} action(s) dropped")
        return EXIT_OK if changed == len(args.ids) else EXIT_PROBLEMS


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    problems = check_runnable(config)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return EXIT_CONFIG
    if config.smtp is None and (config.tier1 or config.escalation_by_category):
        log.warning("no [smtp]: forwards and acknowledgements are queued, not sent (crisis-gateway outbox list)")
    daemon = Daemon(config)
    if args.once:
        return EXIT_PROBLEMS if daemon.run_once() else EXIT_OK
    try:
        daemon.run_forever()
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_relay_user(args: argparse.Namespace, config: Config) -> int:
    """Add a user of the outbound relay, or change a password; the file keeps only a hash."""
    path = Path(args.users_file) if args.users_file else (config.outbound_relay.users_file if config.outbound_relay else None)
    if path is None:
        print("error: give --users-file, or a --config whose [relay.outbound] has users_file", file=sys.stderr)
        return EXIT_CONFIG
    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return EXIT_PROBLEMS
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 12:
        print("error: use a password of at least 12 characters", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        new = set_user(path, args.name, password)
    except UsersFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{'added' if new else 'changed the password of'} {args.name} in {path}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, _config: Config) -> int:
    """The daemon's own path, once, on a copy of the bundled sample mailbox (a local Maildir)."""
    samples = shipped_dir("samples")
    out = Path(args.out).resolve()
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(f"error: {out} is not empty; pass --force to replace it or choose another --out", file=sys.stderr)
            return EXIT_CONFIG
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(samples / "maildir", out / "inbox")
    (out / "demo.toml").write_text((samples / "demo.toml").read_text("utf-8").replace("@DIR@", str(out)), "utf-8")
    config = load_config(out / "demo.toml")
    print(f"Sample mailbox copied to {out / 'inbox'}; configuration {out / 'demo.toml'}\n")
    shown = logging.StreamHandler(sys.stdout)
    shown.setFormatter(logging.Formatter("  %(message)s"))
    shown.addFilter(lambda record: " uid " in record.getMessage())
    watch_log = logging.getLogger("gateway.watch")  # the daemon's one line per mail, on stdout here
    watch_log.addHandler(shown)
    watch_log.setLevel(logging.INFO)
    watch_log.propagate = False
    failures = Daemon(config).run_once()
    mailbox = config.mailboxes[0]
    inbox = list(maildir.mail_files(mailbox.maildir))
    archived = list(maildir.mail_files(maildir_archive(mailbox)))
    sent = list(maildir.mail_files(config.smtp.capture_dir)) if config.smtp.capture_dir.exists() else []
    with State(config.state_dir) as state:
        clocks = state.open_clocks()
        verified = state.verify_audit()
        quarantined = state.db.execute("SELECT count(*) FROM audit WHERE kind = 'quarantined'").fetchone()[0]
        html, _ = write_digest(config, state, datetime.now(timezone.utc), out)
    print(f"\nInbox {mailbox.maildir}: {len(inbox)} mails, crises tagged in place; "
          f"{len(archived)} originals moved to {mailbox.archive_folder}; {quarantined} unreadable mail(s) left in place, marked.")
    print(f"Outgoing mail (forwards and reminders to the escalation team, acknowledgements to buyers), kept instead of sent: "
          f"{len(sent)} in {config.smtp.capture_dir}")
    print(f"State and audit trail: {config.state_dir}/state.db ({verified.rows} audit rows, {'intact' if verified.ok else 'TAMPERED'})")
    print(f"Open clocks: {len(clocks)}")
    for clock in clocks:
        print(f"  {clock['key']:<28} {clock['category']:<14} due {clock['deadline'] or '-'}")
    print(f"The managers' digest, as it would be mailed: {html}")
    print(f"\nTry: crisis-gateway classify --config {out / 'demo.toml'} --json {samples / 'maildir'}")
    return EXIT_PROBLEMS if failures else EXIT_OK


def write_digest(config: Config, state: State, now: datetime, out: Path) -> tuple[Path, Path]:
    """digest.html and digest.txt (its first line the subject) in `out`, for a look or a browser."""
    made = digest.render(config, digest.gather(state, config, now))
    out.mkdir(parents=True, exist_ok=True)
    (out / "digest.html").write_text(made.html, "utf-8")
    (out / "digest.txt").write_text(f"Subject: {made.subject}\n\n{made.text}", "utf-8")
    return out / "digest.html", out / "digest.txt"


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    now = _now(args.now) or datetime.now(timezone.utc)
    with _existing_state(config) as state:
        if args.out:
            html, text = write_digest(config, state, now, Path(args.out))
            print(f"{html}\n{text}")
            return EXIT_OK
        to = tuple(args.to) if args.to else config.digest_to
        if not to:
            raise ConfigError("the digest has nobody to go to: set [digest] to (or [reminders] escalate_to), or give --to")
        if config.smtp is None:
            raise ConfigError("sending the digest needs an [smtp] section; --out DIR writes it to files instead")
        made = digest.queue(state, config, now, key=f"digest|by hand|{now.isoformat()}", to=to)
        counts = Outbox(config, state).run()
    print(f"{made.subject}: to {', '.join(to)}, " + ("sent" if counts["done"] else "queued (crisis-gateway outbox list)"))
    return EXIT_OK if counts["dead"] == 0 else EXIT_PROBLEMS


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    destination = Path(args.destination)
    # "DIR/" names a folder even before it exists
    if destination.is_dir() or args.destination.endswith(("/", os.sep)):
        destination = destination / f"state-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.db"
    with _existing_state(config) as state:
        try:
            # The backup's own folder, if made here, is private to its owner: it holds the whole
            # state, mail addresses included. Folders above it are made as usual.
            destination.parent.parent.mkdir(parents=True, exist_ok=True)
            destination.parent.mkdir(mode=0o700, exist_ok=True)
            size = state.backup(destination)
        except (OSError, sqlite3.DatabaseError) as error:
            print(f"error: cannot write the backup {destination}: {error}", file=sys.stderr)
            return EXIT_PROBLEMS
        rows = state.verify_audit().rows
    print(f"{destination}: {size} bytes, {rows} audit rows; the raw mails are in {config.state_dir / 'mail'} "
          f"(copy that folder too, e.g. with rsync)")
    return EXIT_OK


def cmd_check_config(args: argparse.Namespace, config: Config) -> int:
    findings = checkconfig.run(config)
    for finding in findings:
        print(f"{finding.level.upper() if finding.level == 'fail' else finding.level:<5} {finding.what}")
        if finding.fix:
            print(f"      fix: {finding.fix}")
    failed = sum(f.level == "fail" for f in findings)
    warned = sum(f.level == "warn" for f in findings)
    print(f"{failed} problem(s) to fix, {warned} warning(s)" if failed or warned else "everything works")
    return EXIT_PROBLEMS if failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crisis-gateway", description="Find and track the crises in an Amazon seller's support inbox.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
        command.set_defaults(handler=handler)
        return command

    classify = add("classify", cmd_classify, "show what the gateway would do with mail files; changes nothing")
    classify.add_argument("--json", action="store_true", help="one JSON object per line")
    classify.add_argument("--now", help="pretend the time is this (ISO 8601), for mails without Received/Date")
    classify.add_argument("files", nargs="+", metavar="FILE.eml", help="mail files, Maildirs or folders of mail files")

    rules = add("rules", cmd_rules_check, "work with rule files")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    check = rules_sub.add_parser("check", help="validate every rule file, naming the file and rule of each error")
    check.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    check.add_argument("--rules", metavar="DIR", help="rules directory (default: [gateway] rules_dir or the shipped rules)")

    audit_cmd = add("audit", cmd_audit, "the audit trail")
    audit_sub = audit_cmd.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    verify = audit_sub.add_parser("verify", help="check the hash chain: finds edited, deleted or cut-off rows")
    verify.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    show = audit_sub.add_parser("show", help="print the audit trail")
    show.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    show.add_argument("--order", metavar="ID", help="only rows about this order")
    show.add_argument("--case", metavar="ID", help="only rows about this case")
    show.add_argument("--json", action="store_true", help="one JSON object per line")

    proc = add("process", cmd_process, "classify mail files, record them in the state and write tagged copies")
    proc.add_argument("--out", metavar="MAILDIR", help="write tagged copies into this Maildir")
    proc.add_argument("--now", help="processing time (ISO 8601)")
    proc.add_argument("--no-send", action="store_true", help="queue forwards, acknowledgements and notifications without running them")
    proc.add_argument("files", nargs="+", metavar="PATH", help="mail files, Maildirs or folders of mail files")

    outbox_cmd = add("outbox", cmd_outbox, "forwards, acknowledgements and notifications waiting or failed")
    outbox_sub = outbox_cmd.add_subparsers(dest="outbox_command", required=True, metavar="SUBCOMMAND")
    listing = outbox_sub.add_parser("list", help="list queued, sent and dead-lettered actions")
    listing.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    listing.add_argument("--status", choices=["pending", "sending", "done", "dead", "dropped"])
    listing.add_argument("--json", action="store_true")
    run_cmd = outbox_sub.add_parser("run", help="run every pending action now (also those cut off by a crash)")
    run_cmd.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    for verb, text in (("retry", "queue dead-lettered actions again and run them"), ("drop", "give up on queued or dead actions")):
        command = outbox_sub.add_parser(verb, help=text)
        command.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
        command.add_argument("ids", nargs="+", type=int, metavar="ID")
        if verb == "retry":
            command.add_argument("--no-send", action="store_true", help="only queue them")

    status = add("status", cmd_status, "open clocks, the most urgent first: time left, tier, category, last action")
    status.add_argument("--json", action="store_true", help="one JSON object per line")
    status.add_argument("--now", help="pretend the time is this (ISO 8601)")

    resolve = add("resolve", cmd_resolve, "stop the clock of an order or a case by hand, with a note for the audit trail")
    resolve.add_argument("reference", metavar="ORDER|CASE", help="an order id (114-2682884-2909064) or a case id")
    resolve.add_argument("--note", required=True, help="why: what was done")
    resolve.add_argument("--now", help=argparse.SUPPRESS)

    pack = add("evidence", cmd_evidence, "the evidence pack of a claim: every mail about the order as an HTML "
               "timeline with the .eml files, and what Amazon asks for, found or missing; zipped")
    pack.add_argument("order", metavar="ORDER", help="the order id")
    pack.add_argument("--out", default=".", metavar="DIR", help="where to write evidence-ORDER.zip (default: here)")

    backup = add("backup", cmd_backup, "copy the state database while the daemon runs (SQLite online backup)")
    backup.add_argument("destination", metavar="FILE|DIR", help="the copy; in a folder, state-TIME.db")

    add("check-config", cmd_check_config, "check the configuration, rules and templates, log in to each mailbox "
        "and greet the smarthost (nothing is read, moved or sent); say what works and what to fix")

    daily = add("digest", cmd_digest, "send the digest to managers now: overdue, due today, open crises, cases "
                "waiting for Amazon, the last 7 days (the daemon sends it daily at [digest] hour)")
    daily.add_argument("--now", help="pretend the time is this (ISO 8601)")
    daily.add_argument("--to", action="append", metavar="ADDRESS", help="send to this address instead (repeatable)")
    daily.add_argument("--out", metavar="DIR", help="write digest.html and digest.txt here instead of sending")

    run = add("run", cmd_run, "watch the mailboxes and act on every mail: the daemon")
    run.add_argument("--once", action="store_true", help="read every mailbox once, send what is due, and exit")

    user = add("relay-user", cmd_relay_user, "add a user of the outbound relay or change a password "
               "(read from the terminal, or one line on stdin)")
    user.add_argument("--users-file", metavar="FILE", help="the users file (default: [relay.outbound] users_file)")
    user.add_argument("name", help="the user name the mail client logs in with")

    demo = add("demo", cmd_demo, "run the gateway on the bundled sample mailbox, no server needed")
    demo.add_argument("--out", default="crisis-gateway-demo", metavar="DIR", help="where to put state and tagged mail")
    demo.add_argument("--force", action="store_true", help="replace --out if it exists")
    return parser


def _logging(verbose: bool, info: bool) -> None:
    """To stderr, where journald picks it up; one line per message at INFO for the daemon."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO if info else logging.WARNING)
    if not verbose:
        logging.getLogger("imapclient").setLevel(logging.WARNING)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per SMTP command


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _logging(args.verbose, info=args.command == "run")
    try:
        config = load_config(getattr(args, "config", None))
        return args.handler(args, config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except RuleFileErrors as exc:
        for problem in exc.problems:
            print(f"error: rules: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK  # the reader (| head) has all it wanted
    except Exception as exc:  # noqa: BLE001 - a user sees one line; --verbose shows where
        log.debug("unexpected error", exc_info=True)
        print(f"error: {type(exc).__name__}: {exc} (run it again as crisis-gateway --verbose COMMAND ... for details)", file=sys.stderr)
        return EXIT_PROBLEMS
