"""Mail the gateway wrote to a Maildir: what the outbox captured instead of sending ([smtp]
capture_dir), and what a server delivered into a user's Maildir."""

from __future__ import annotations

from pathlib import Path


def maildir_mails(folder: Path) -> list[bytes]:
    """The mails in new/ and cur/ of the Maildir `folder`, by file name (the order they were
    written in); none while the folder does not exist yet."""
    return [path.read_bytes() for sub in ("new", "cur") if (folder / sub).is_dir()
            for path in sorted((folder / sub).iterdir())]


def captured_mail(capture_dir: Path, *, reminders: bool = True) -> list[bytes]:
    """What the outbox wrote to the [smtp] capture_dir; without `reminders`, only the mail about
    a mail (forwards, acknowledgements, warnings): no reminder, nudge or escalation of a clock."""
    sent = maildir_mails(capture_dir)
    return sent if reminders else [raw for raw in sent if b"X-Crisis-Reminder:" not in raw]
