"""outbox list, run, retry and drop: the forwards, acknowledgements and notifications queued to be sent."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from gateway.cli.command import add_command, add_subcommand
from gateway.cli.output import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEMS, existing_state
from gateway.config import Config
from gateway.outgoing.outbox import Outbox
from gateway.outgoing.waiting import json_row, waiting
from gateway.state import State


def cmd_outbox(args: argparse.Namespace, config: Config) -> int:
    with existing_state(config) as state:
        outbox = Outbox(config, state)
        if args.outbox_command == "list":
            return list_outbox(config, state, outbox, args.status, args.json)
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


def list_outbox(config: Config, state: State, outbox: Outbox, status: str | None, as_json: bool) -> int:
    """What waits first, in the order it goes (most urgent, then oldest), each with why it waits,
    its age and what it is about; then what is finished, oldest first."""
    waits = [w for w in waiting(config, state, datetime.now(timezone.utc)) if status in (None, w.row["status"])]
    finished = [row for row in outbox.rows(status) if row["status"] not in ("pending", "sending")]
    for entry in waits:
        row = entry.row
        if as_json:
            print(json.dumps(json_row(row, entry), ensure_ascii=False))
        else:
            print(f"{row['id']:>5}  {row['status']:<8} {row['kind']:<12} {row['target']:<40} tries={row['attempts']} "
                  f"age {entry.age_text}  {entry.subject}")
            print(f"{'':7}waits: {entry.why}")
    for row in finished:
        if as_json:
            print(json.dumps(json_row(row, None), ensure_ascii=False))
        else:
            print(f"{row['id']:>5}  {row['status']:<8} {row['kind']:<12} {row['target']:<40} tries={row['attempts']} {row['last_error'] or ''}")
    if not as_json:
        print(f"{len(waits) + len(finished)} action(s)")
    return EXIT_OK


def add_outbox(sub: argparse._SubParsersAction) -> None:
    outbox_cmd = add_command(sub, "outbox", cmd_outbox,
                             "forwards, acknowledgements and notifications waiting or failed")
    outbox_sub = outbox_cmd.add_subparsers(dest="outbox_command", required=True, metavar="SUBCOMMAND")
    listing = add_subcommand(outbox_sub, "list", "list queued, sent and dead-lettered actions")
    listing.add_argument("--status", choices=["pending", "sending", "done", "dead", "dropped"])
    listing.add_argument("--json", action="store_true")
    add_subcommand(outbox_sub, "run", "run every pending action now (also those cut off by a crash)")
    for verb, text in (("retry", "queue dead-lettered actions again and run them"), ("drop", "give up on queued or dead actions")):
        command = add_subcommand(outbox_sub, verb, text)
        command.add_argument("ids", nargs="+", type=int, metavar="ID")
        if verb == "retry":
            command.add_argument("--no-send", action="store_true", help="only queue them")
