"""audit verify and show, and backup: the record of what the gateway did, checked, read and copied."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from gateway.cli.command import add_command, add_subcommand
from gateway.cli.output import EXIT_OK, EXIT_PROBLEMS, existing_state
from gateway.config import Config
from gateway.state import RAW_IN_DATABASE_MAX, BackupFailed


def cmd_audit(args: argparse.Namespace, config: Config) -> int:
    with existing_state(config) as state:
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


def _summary(detail: dict) -> str:
    if "subject" in detail:
        return f"{detail.get('category')} tier={detail.get('tier')} {detail['subject']}"
    return ", ".join(f"{k}={v}" for k, v in detail.items() if k != "trace")


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    destination = Path(args.destination)
    # "DIR/" names a folder even before it exists
    if destination.is_dir() or args.destination.endswith(("/", os.sep)):
        destination = destination / f"state-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.db"
    with existing_state(config) as state:
        try:
            # The backup's own folder, if made here, is private to its owner: it holds the whole
            # state, mail addresses included. Folders above it are made as usual.
            destination.parent.parent.mkdir(parents=True, exist_ok=True)
            destination.parent.mkdir(mode=0o700, exist_ok=True)
            size = state.backup(destination)
        except (OSError, BackupFailed) as error:
            print(f"error: cannot write the backup {destination}: {error}", file=sys.stderr)
            return EXIT_PROBLEMS
        rows = state.verify_audit().rows
    print(f"{destination}: {size} bytes, {rows} audit rows, the mails up to {RAW_IN_DATABASE_MAX // 1024} KiB; "
          f"copy {config.state_dir / 'mail'} too (e.g. with rsync): the larger mails, the team's replies and "
          f"those recorded before the database kept them")
    return EXIT_OK


def add_audit(sub: argparse._SubParsersAction) -> None:
    audit_cmd = add_command(sub, "audit", cmd_audit, "the audit trail")
    audit_sub = audit_cmd.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    add_subcommand(audit_sub, "verify", "check the hash chain: finds edited, deleted or cut-off rows")
    show = add_subcommand(audit_sub, "show", "print the audit trail")
    show.add_argument("--order", metavar="ID", help="only rows about this order")
    show.add_argument("--case", metavar="ID", help="only rows about this case")
    show.add_argument("--json", action="store_true", help="one JSON object per line")


def add_backup(sub: argparse._SubParsersAction) -> None:
    backup = add_command(sub, "backup", cmd_backup,
                         "copy the state database while the daemon runs (SQLite online backup)")
    backup.add_argument("destination", metavar="FILE|DIR", help="the copy; in a folder, state-TIME.db")
