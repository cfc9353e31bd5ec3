"""What running the service takes: run (the daemon), check-config, relay-user and rules check."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from gateway.cli.command import add_command, add_subcommand
from gateway.cli.output import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEMS
from gateway.config import Config
from gateway.judging.rules import RuleFileErrors, load_rules
from gateway.relays.users import UsersFileError, set_user
from gateway.service import checkconfig
from gateway.service.daemon import Daemon, StartError, check_runnable

log = logging.getLogger("gateway")


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


def add_rules(sub: argparse._SubParsersAction) -> None:
    rules = add_command(sub, "rules", cmd_rules_check, "work with rule files")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    check = add_subcommand(rules_sub, "check", "validate every rule file, naming the file and rule of each error")
    check.add_argument("--rules", metavar="DIR", help="rules directory (default: [gateway] rules_dir or the shipped rules)")


def add_check_config(sub: argparse._SubParsersAction) -> None:
    add_command(sub, "check-config", cmd_check_config,
                "check the configuration, rules and templates, log in to each mailbox "
                "and greet the smarthost (mail is only read, never moved or sent); say what works and what to fix")


def add_run(sub: argparse._SubParsersAction) -> None:
    run = add_command(sub, "run", cmd_run, "watch the mailboxes and act on every mail: the daemon")
    run.add_argument("--once", action="store_true", help="read every mailbox once, send what is due, and exit")


def add_relay_user(sub: argparse._SubParsersAction) -> None:
    user = add_command(sub, "relay-user", cmd_relay_user, "add a user of the outbound relay or change a password "
                       "(read from the terminal, or one line on stdin)")
    user.add_argument("--users-file", metavar="FILE", help="the users file (default: [relay.outbound] users_file)")
    user.add_argument("name", help="the user name the mail client logs in with")
