"""Reading what the gateway left in a Dovecot INBOX: headers of a raw mail, the tagged copies,
the archive of the originals, and whether a stream of mail has all been handled."""

from __future__ import annotations

import email
import email.policy

ARCHIVE = "Crisis Gateway/Archive"


def subject_of(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])


def message_id(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]


def tagged_copy_of(server, mid: str):
    """(uid, flags, raw) of the tagged copy of the mail `mid` in the server's INBOX, or None."""
    for uid, flags, raw in server.messages():
        if message_id(raw) == mid and b"$CrisisTagged" in flags:
            return uid, flags, raw
    return None


def settled(server, stream) -> bool:
    """Every mail of `stream` (mailfactory mails) handled: each once in the INBOX, nothing left
    that should be tagged and is not."""
    expected = {message_id(m.raw): m.expected for m in stream}
    inbox = server.messages()
    if len(inbox) != len(stream):
        return False
    for _, flags, raw in inbox:
        want = expected.get(message_id(raw))
        if want is None:
            return False
        needs_tag = want["tier"] is not None or want["suspicious"]
        if needs_tag and b"$CrisisTagged" not in flags:
            return False
    return True


class Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs, no cleanup that would not run either."""


def crashing_store(crash_at: str) -> type:
    """An ImapStore that crashes at `crash_at`: "append_copy" (before the APPEND), "after_append"
    (the copy is there, its UID not told), "archive" (before the move), "after_archive"."""
    from gateway.intake.stores.imap import ImapStore

    class CrashingStore(ImapStore):
        def append_copy(self, *args):
            if crash_at == "append_copy":
                raise Crash()
            uid = super().append_copy(*args)
            if crash_at == "after_append":
                raise Crash()
            return uid

        def archive(self, uid):
            if crash_at == "archive":
                raise Crash()
            super().archive(uid)
            if crash_at == "after_archive":
                raise Crash()

    return CrashingStore
