"""classify and process: mail files given on the command line, judged only or also recorded."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gateway.cli.command import add_command
from gateway.cli.output import EXIT_OK, EXIT_PROBLEMS, actions_text, mail_paths, parse_now, print_table, verdict_row
from gateway.config import Config
from gateway.deadlines import backlog
from gateway.intake.pipeline import Pipeline
from gateway.judging.classify import Classifier
from gateway.mail import maildir
from gateway.mail.parse import MailError
from gateway.outgoing.outbox import Outbox
from gateway.state import State

log = logging.getLogger("gateway")


def cmd_classify(args: argparse.Namespace, config: Config) -> int:
    classifier = Classifier(config)
    now = parse_now(args.now)
    failures = 0
    rows = []
    for path in mail_paths(args.files):
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


def process(paths: list[Path], config: Config, out: Path | None, now: datetime | None,
            send: bool = True) -> dict[str, int]:
    """Classify and record each mail; write tagged copies into the `out` Maildir; run the outbox."""
    counts = {"recorded": 0, "duplicate": 0, "quarantined": 0, "unreadable": 0, "sent": 0, "dead": 0, "queued": 0}
    show_progress = sys.stderr.isatty() and len(paths) > 50
    with State(config.state_dir) as state:
        pipeline = Pipeline(Classifier(config), state)
        for index, path in enumerate(paths, start=1):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                counts["unreadable"] += 1
                print(f"{path}: error: {exc.strerror or exc}", file=sys.stderr)
                continue
            outcome = pipeline.handle(raw, source=str(path), now=now)
            counts[outcome.status] += 1
            if outcome.status == "recorded" and out is not None:
                maildir.deliver(out, outcome.tagged)
            print(_outcome_line(path, outcome))
            if show_progress and index % 100 == 0:
                print(f"  {index}/{len(paths)} mails", file=sys.stderr)
        # every file is read: the crises of those first seen late go in their backlog report now
        backlog.fire_due(state, config, now or datetime.now(timezone.utc), settle=timedelta(0))
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
    return f"{path.name}: {v.category} tier={v.tier or '-'}{' SUSPECT' if v.suspicious else ''} actions=[{actions_text(v)}] {v.subject}"


def cmd_process(args: argparse.Namespace, config: Config) -> int:
    out = maildir.ensure(Path(args.out)) if args.out else None
    counts = process(mail_paths(args.files), config, out, parse_now(args.now), send=not args.no_send)
    unreadable = f", {counts['unreadable']} unreadable" if counts["unreadable"] else ""
    print(f"{counts['recorded']} recorded, {counts['duplicate']} already processed, {counts['quarantined']} quarantined"
          f"{unreadable}; outbox: {counts['sent']} sent, {counts['dead']} dead-lettered, {counts['queued']} queued")
    if counts["queued"] and config.smtp is None:
        print("note: actions stay queued until [smtp] is configured (crisis-gateway outbox list)", file=sys.stderr)
    return EXIT_PROBLEMS if counts["quarantined"] or counts["dead"] else EXIT_OK


def add_classify(sub: argparse._SubParsersAction) -> None:
    classify = add_command(sub, "classify", cmd_classify,
                           "show what the gateway would do with mail files; changes nothing")
    classify.add_argument("--json", action="store_true", help="one JSON object per line")
    classify.add_argument("--now", help="pretend the time is this (ISO 8601), for mails without Received/Date")
    classify.add_argument("files", nargs="+", metavar="FILE.eml", help="mail files, Maildirs or folders of mail files")


def add_process(sub: argparse._SubParsersAction) -> None:
    proc = add_command(sub, "process", cmd_process,
                       "classify mail files, record them in the state and write tagged copies")
    proc.add_argument("--out", metavar="MAILDIR", help="write tagged copies into this Maildir")
    proc.add_argument("--now", help="processing time (ISO 8601)")
    proc.add_argument("--no-send", action="store_true", help="queue forwards, acknowledgements and notifications without running them")
    proc.add_argument("files", nargs="+", metavar="PATH", help="mail files, Maildirs or folders of mail files")
