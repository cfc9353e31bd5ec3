"""How a command of crisis-gateway is put on the parser: every command and subcommand reads --config."""

from __future__ import annotations

import argparse
from typing import Callable

from gateway.config import Config

Handler = Callable[[argparse.Namespace, Config], int]


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="configuration file (TOML)")


def add_command(sub: argparse._SubParsersAction, name: str, handler: Handler,
                help_text: str) -> argparse.ArgumentParser:
    """A command: its one line in `crisis-gateway --help` is also the description of its own --help."""
    command = sub.add_parser(name, help=help_text, description=help_text)
    add_config_option(command)
    command.set_defaults(handler=handler)
    return command


def add_subcommand(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
    """A subcommand (audit verify, outbox list, ...); its command's handler runs it."""
    command = sub.add_parser(name, help=help_text)
    add_config_option(command)
    return command
