"""crisis-gateway: the command line. Each module of this package holds a group of commands, each
command with the options it adds to the parser; this one reads the command line and runs one."""

from __future__ import annotations

import argparse
import logging
import sys

from gateway import __version__
from gateway.cli import audit, clocks, demo, mail, outbox, preview, service
from gateway.cli.command import command_config
from gateway.cli.output import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEMS
from gateway.config import ConfigError
from gateway.config.secrets_filter import SecretFilter
from gateway.judging.rules import RuleFileErrors

log = logging.getLogger("gateway")

# Each adds one command to the parser; `crisis-gateway --help` lists them in this order.
COMMANDS = (
    mail.add_classify, preview.add_preview, service.add_rules, audit.add_audit, mail.add_process, outbox.add_outbox,
    clocks.add_status, clocks.add_resolve, clocks.add_evidence, audit.add_backup, service.add_check_config,
    clocks.add_digest, service.add_run, service.add_relay_user, demo.add_demo,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crisis-gateway", description="Find and track the crises in an Amazon seller's support inbox.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
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
        logging.getLogger("apprise").setLevel(logging.WARNING)  # the outbox logs each notification's result


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _logging(args.verbose, info=args.command == "run")
    try:
        config = command_config(args)
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
