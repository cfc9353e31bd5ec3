"""What the commands share: exit codes, reading --now and the mail paths given, the tables they print,
and the state of the commands that only read it."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from gateway.config import Config, ConfigError
from gateway.judging.verdict import Verdict
from gateway.mail import maildir
from gateway.state import State

EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2


def parse_now(value: str | None) -> datetime | None:
    """The time of a --now option; a time without a zone is UTC. None when the option is not given."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--now {value!r} is not an ISO 8601 time like 2026-11-23T10:00:00+00:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def mail_paths(paths: list[str]) -> list[Path]:
    """The mail files of the paths given: files as they are, Maildirs and folders by their mail files."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            found.append(path)  # reported as an error per file, the others still run
        else:
            found.extend(maildir.mail_files(path))
    return found


def actions_text(verdict: Verdict) -> str:
    return ", ".join(a.kind for a in verdict.actions) or "-"


def verdict_row(name: str, verdict: Verdict, config: Config) -> list[str]:
    due = verdict.deadline.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M %Z") if verdict.deadline else "-"
    tier = "suspect" if verdict.suspicious else (str(verdict.tier) if verdict.tier else "-")
    return [Path(name).name, verdict.category, tier, due, actions_text(verdict), verdict.subject]


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(len(header) - 1)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[-1]  # noqa: E731
    print(line(header))
    for row in rows:
        print(line(row))


def existing_state(config: Config) -> State:
    """The state for commands that read it; a missing one is a configuration error (exit 2)."""
    if not (config.state_dir / "state.db").exists():
        raise ConfigError(f"no state at {config.state_dir}: state.db was looked for in [gateway] state_dir of "
                          f"{config.path or 'the defaults'} (./state of the current folder when left out); set "
                          "state_dir to the daemon's state folder (/var/lib/crisis-gateway under the shipped unit), "
                          "or pass --config naming the daemon's configuration")
    return State(config.state_dir)
