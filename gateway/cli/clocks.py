"""The open clocks: status lists them, resolve stops one by hand, evidence packs a claim's mails,
digest sends the managers' summary."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from gateway.cli.command import add_command
from gateway.cli.output import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEMS, existing_state, parse_now, print_table
from gateway.config import Config, ConfigError
from gateway.deadlines import digest, evidence
from gateway.deadlines.status import NoClock, clocks_to_resolve, is_order_id, resolve_target, status_rows
from gateway.judging import obligations
from gateway.judging.subject import format_due
from gateway.mail.text import one_line
from gateway.outgoing.outbox import Outbox
from gateway.state import State


def _left(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes = abs(seconds) // 60
    text = f"{minutes // 1440}d {minutes % 1440 // 60:02d}h" if minutes >= 1440 else f"{minutes // 60}h {minutes % 60:02d}m"
    return f"OVERDUE {text}" if seconds < 0 else text


def _wanted(row: dict, args: argparse.Namespace) -> bool:
    """The filters of status: --tier, --overdue, --due-within (each, when given, must hold)."""
    if args.tier is not None and row["tier"] != args.tier:
        return False
    if args.overdue and not row["overdue"]:
        return False
    left = row["seconds_left"]
    return args.due_within is None or (left is not None and 0 <= left < args.due_within * 3600)


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    with existing_state(config) as state:
        every = status_rows(state, parse_now(args.now) or datetime.now(timezone.utc))
    rows = [row for row in every if _wanted(row, args)]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return EXIT_OK
    table = [[format_due(datetime.fromisoformat(r["deadline"]), config.timezone) if r["deadline"] else "-", _left(r["seconds_left"]),
              str(r["tier"] or "-"), obligations.label(r["obligation"]), r["category"], reference(r),
              (r["last_action"] or {}).get("what", "-")] for r in rows]
    print_table(["due", "left", "tier", "obligation", "category", "order / case / notice", "last action"], table)
    overdue = sum(r["overdue"] for r in rows)
    shown = f" listed, of {len(every)} open" if len(rows) != len(every) else " open"
    print(f"{len(rows)}{shown}, {overdue} overdue")
    return EXIT_OK


def reference(row: dict) -> str:
    """What a status row is about, as resolve takes it: the order id, "case ID", or the notice's clock key."""
    if row["clock"].startswith("account:"):
        return row["clock"]
    return row["order_id"] or f"case {row['case_id']}"


def cmd_resolve(args: argparse.Namespace, config: Config) -> int:
    now = parse_now(args.now) or datetime.now(timezone.utc)
    try:
        target = resolve_target(args.reference, args.only)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    with existing_state(config) as state:
        try:
            clocks = clocks_to_resolve(state, target, args.only)
        except NoClock as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_PROBLEMS
        with state.transaction():
            for clock in clocks:
                state.stop_clock(clock["key"], f"resolved by hand: {one_line(args.note)}", now, note=args.note,
                                 by=getpass.getuser(), obligation=clock.get("obligation"))
    for clock in clocks:
        print(f"{clock['key']} ({obligations.label(clock.get('obligation'))}): stopped ({args.note})")
    return EXIT_OK


def cmd_evidence(args: argparse.Namespace, config: Config) -> int:
    if not is_order_id(args.order):
        print(f"error: {args.order!r} is not an order id like 114-2682884-2909064", file=sys.stderr)
        return EXIT_CONFIG
    with existing_state(config) as state:
        try:
            pack = evidence.build(state, config, args.order, Path(args.out), datetime.now(timezone.utc))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_PROBLEMS
    print(f"{pack.path}: {pack.count} mail(s), summary and timeline in index.html, the DRAFT answer in answer-DRAFT.txt")
    summary = pack.summary
    print(f"  {summary.reason.label}, {summary.amount or 'amount not stated'}, "
          + (f"due {summary.deadline} ({summary.left})" if summary.deadline else f"no clock open ({summary.left})"))
    for check in pack.checks:
        print(f"  [{'x' if check.ok else ' '}] {check.label}: " + ("; ".join(check.found) if check.ok else "MISSING"))
    return EXIT_OK


def write_digest(config: Config, state: State, now: datetime, out: Path) -> tuple[Path, Path]:
    """digest.html and digest.txt (its first line the subject) in `out`, for a look or a browser."""
    made = digest.compose(state, config, now)
    out.mkdir(parents=True, exist_ok=True)
    (out / "digest.html").write_text(made.html, "utf-8")
    (out / "digest.txt").write_text(f"Subject: {made.subject}\n\n{made.text}", "utf-8")
    return out / "digest.html", out / "digest.txt"


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    now = parse_now(args.now) or datetime.now(timezone.utc)
    with existing_state(config) as state:
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


def add_status(sub: argparse._SubParsersAction) -> None:
    status = add_command(sub, "status", cmd_status,
                         "open clocks, the most urgent first: time left, tier, obligation, category, last action")
    status.add_argument("--json", action="store_true", help="one JSON object per line")
    status.add_argument("--tier", type=int, choices=(1, 2), help="only the clocks of this tier")
    status.add_argument("--overdue", action="store_true", help="only the clocks whose deadline has passed")
    status.add_argument("--due-within", type=float, metavar="HOURS", help="only the clocks due in the next HOURS, not yet overdue")
    status.add_argument("--now", help="pretend the time is this (ISO 8601)")


def add_resolve(sub: argparse._SubParsersAction) -> None:
    resolve = add_command(sub, "resolve", cmd_resolve,
                          "stop clocks by hand, with a note for the audit trail: every open one of an order "
                          "(or --only one obligation), a case's, or one clock as status shows it")
    resolve.add_argument("reference", metavar="ORDER|CASE|CLOCK",
                         help="an order id (114-2682884-2909064), a case id, or a clock (order:ID:claim, account:B0...)")
    resolve.add_argument("--only", choices=obligations.names(), help="with an order id: stop only this obligation's clock")
    resolve.add_argument("--note", required=True, help="why: what was done")
    resolve.add_argument("--now", help=argparse.SUPPRESS)


def add_evidence(sub: argparse._SubParsersAction) -> None:
    pack = add_command(sub, "evidence", cmd_evidence,
                       "the evidence pack of a claim: every mail about the order as an HTML "
                       "timeline with the .eml files, and what Amazon asks for, found or missing; zipped")
    pack.add_argument("order", metavar="ORDER", help="the order id")
    pack.add_argument("--out", default=".", metavar="DIR", help="where to write evidence-ORDER.zip (default: here)")


def add_digest(sub: argparse._SubParsersAction) -> None:
    daily = add_command(sub, "digest", cmd_digest,
                        "send the digest to managers now: due within 24 hours, crises overdue, tier 2, cases "
                        "waiting for Amazon, the last 7 days (the daemon sends it daily at [digest] hour)")
    daily.add_argument("--now", help="pretend the time is this (ISO 8601)")
    daily.add_argument("--to", action="append", metavar="ADDRESS", help="send to this address instead (repeatable)")
    daily.add_argument("--out", metavar="DIR", help="write digest.html and digest.txt here instead of sending")
