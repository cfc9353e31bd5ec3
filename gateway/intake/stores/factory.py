"""Which store a [[mailbox]] gets: its inbox (or, for a preview, the inbox only read), and its Sent
folder (only read)."""

from __future__ import annotations

from pathlib import Path

from gateway.config import Mailbox
from gateway.intake.stores.base import MailStore
from gateway.intake.stores.imap import ImapStore
from gateway.intake.stores.maildir import MaildirStore


def maildir_folder(mailbox: Mailbox, folder: str) -> Path:
    """Maildir++: a folder "Crisis Gateway/Archive" is the subfolder ".Crisis Gateway.Archive"."""
    return mailbox.maildir / ("." + folder.replace("/", "."))


def maildir_archive(mailbox: Mailbox) -> Path:
    return maildir_folder(mailbox, mailbox.archive_folder)


def store_for(mailbox: Mailbox, *, readonly: bool = False) -> MailStore:
    """The watched folder and its archive; with `readonly`, the folder only read (a preview):
    nothing in it changes, no archive is made."""
    if mailbox.maildir is not None:
        archive = None if readonly else maildir_archive(mailbox)
        return MaildirStore(mailbox.name, mailbox.maildir, archive, poll_seconds=min(mailbox.poll_seconds, 2.0),
                            readonly=readonly)
    return ImapStore(mailbox, readonly=readonly)


def sent_store_for(mailbox: Mailbox) -> MailStore | None:
    """The mailbox's Sent folder, only read; None when sent_folder = "none"."""
    if mailbox.sent_folder == "none":
        return None
    if mailbox.maildir is not None:
        folder = "Sent" if mailbox.sent_folder == "auto" else mailbox.sent_folder
        return MaildirStore(f"{mailbox.name} (sent)", maildir_folder(mailbox, folder), None,
                            poll_seconds=min(mailbox.poll_seconds, 2.0))
    return ImapStore(mailbox, sent=True)
