"""demo: the gateway on the bundled sample mailbox, with no server."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from gateway.cli.clocks import write_digest
from gateway.cli.command import add_command
from gateway.cli.output import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEMS
from gateway.config import Config, load_config
from gateway.config.shipped import shipped_dir
from gateway.intake.stores.factory import maildir_archive
from gateway.judging import obligations
from gateway.judging.subject import format_due
from gateway.judging.tagging import field_text
from gateway.mail import maildir
from gateway.service.daemon import Daemon
from gateway.state import State


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
        quarantined = state.audit_count("quarantined")
        held, reports = state.audit_count("held_back"), state.audit_count("backlog_report")
        html, _ = write_digest(config, state, datetime.now(timezone.utc), out)
    # the archive also holds the copies whose tag moved on (overdue, answered): a copy carries X-Crisis-Key
    replaced = sum(1 for path in archived if field_text(path.read_bytes(), "X-Crisis-Key"))
    print(f"\nInbox {mailbox.maildir}: {len(inbox)} mails, crises tagged in place; "
          f"{len(archived) - replaced} originals moved to {mailbox.archive_folder}"
          + (f", with {replaced} tagged copies whose tag moved on (a new copy in the inbox shows it)" if replaced else "")
          + f"; {quarantined} unreadable mail(s) left in place, marked.")
    print(f"Outgoing mail (forwards and reminders to the escalation team, acknowledgements to buyers), kept instead of sent: "
          f"{len(sent)} in {config.smtp.capture_dir}")
    print(f"First start: the sample mails are days old, more than [gateway] fresh_hours ({config.fresh_hours:g} h): "
          f"{held} forward(s), acknowledgement(s) and notification(s) held back; their crises are listed in "
          f"{reports} backlog report(s) instead")
    print(f"State and audit trail: {config.state_dir}/state.db ({verified.rows} audit rows, {'intact' if verified.ok else 'TAMPERED'})")
    print(f"Open clocks: {len(clocks)}, one per obligation (an order a buyer wrote about and Amazon claimed has two)")
    for clock in clocks:
        print(f"  {clock['key']:<38} {obligations.label(clock.get('obligation')):<28} {clock['category']:<14} "
              f"due {format_due(datetime.fromisoformat(clock['deadline']), config.timezone) if clock['deadline'] else '-'}")
    print(f"The managers' digest, as it would be mailed: {html}")
    print(f"\nTry: crisis-gateway classify --config {out / 'demo.toml'} --json {samples / 'maildir'}")
    return EXIT_PROBLEMS if failures else EXIT_OK


def add_demo(sub: argparse._SubParsersAction) -> None:
    demo = add_command(sub, "demo", cmd_demo, "run the gateway on the bundled sample mailbox, no server needed")
    demo.add_argument("--out", default="crisis-gateway-demo", metavar="DIR", help="where to put state and tagged mail")
    demo.add_argument("--force", action="store_true", help="replace --out if it exists")
