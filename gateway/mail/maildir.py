"""A local Maildir: the source that needs no server, and where captured output goes."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Iterator

_counter = 0


def ensure(path: Path) -> Path:
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def deliver(path: Path, data: bytes, name: str | None = None) -> Path:
    """Write into tmp/, fsync, then rename into new/: readers never see half a mail. A given
    `name` makes delivery idempotent (the same name replaces the same mail)."""
    global _counter
    _counter += 1
    ensure(path)
    name = name or f"{time.time_ns()}.P{os.getpid()}Q{_counter}.{socket.gethostname().replace('/', '_')}"
    temporary = path / "tmp" / f"{name}.{os.getpid()}.{_counter}"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    final = path / "new" / name
    os.replace(temporary, final)
    return final


def mail_files(path: Path) -> Iterator[Path]:
    """The mails of a Maildir (new/ and cur/), a plain folder of files, or one file."""
    path = Path(path)
    if path.is_file():
        yield path
        return
    folders = [path / "new", path / "cur"] if (path / "new").is_dir() or (path / "cur").is_dir() else [path]
    for folder in (f for f in folders if f.is_dir()):
        for entry in sorted(folder.iterdir()):
            if entry.is_file() and not entry.name.startswith("."):
                yield entry
