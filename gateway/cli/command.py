"""How a command of crisis-gateway is put on the parser: every command and subcommand reads --config;
and which configuration a command runs with."""

from __future__ import annotations

import argparse
from typing import Callable

from gateway.config import Config, ConfigError, load_config
from gateway.config.loading import find_config, no_config

Handler = Callable[[argparse.Namespace, Config], int]

# The commands that need only the rules and the defaults: with no configuration found they run on
# the shipped rules and the defaults. Every other command, a new one too, needs a configuration.
RUN_ON_DEFAULTS = frozenset({"classify", "rules", "demo"})


def command_config(args: argparse.Namespace) -> Config:
    """The configuration a command runs with: --config, else $CRISIS_GATEWAY_CONFIG, else
    /etc/crisis-gateway/gateway.toml (find_config); with none of them, the defaults for the
    commands of RUN_ON_DEFAULTS (and relay-user given --users-file), a ConfigError for the others."""
    path = find_config(getattr(args, "config", None))
    on_defaults = args.command in RUN_ON_DEFAULTS or (args.command == "relay-user" and args.users_file)
    if path is None and not on_defaults:
        raise ConfigError(no_config())
    return load_config(path)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="configuration file (TOML); default: $CRISIS_GATEWAY_CONFIG, "
                        "else /etc/crisis-gateway/gateway.toml if it exists")


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
