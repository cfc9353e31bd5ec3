"""mail-parser, run for what the gateway reads of it: the MIME walk, the text parts, the defects.

Its work on the header fields is left out of the parse (the gateway decodes the fields it reads
itself, see gateway.mail.parse); its diagnostics of them are kept, computed when first asked for.
"""

from __future__ import annotations

import copy
from email.message import Message

import mailparser


class BodyParser(mailparser.MailParser):
    """mail-parser's MIME walk, text parts and defects of the parts, without its work on the
    header fields: the two dicts of every header (`mail`, `mail_partial`) it builds at the end of
    each parse, which nothing here reads (a sixth of mail-parser's time), and its diagnostics of
    the address, date and Received fields (another quarter), which only `classify --json` shows:
    Defects runs those when asked for."""

    def _reset(self) -> None:
        # mail-parser's own reset, shown no message: every attribute set, no header field read
        message, self._message = self._message, None
        try:
            super()._reset()
        finally:
            self._message = message

    def _make_mail(self, complete: bool = True) -> dict:
        return {}


class Defects:
    """A mail's defects in order: ours (NUL, bare CR, elided parts), then what mail-parser found
    (its categories sorted, those of its diagnostics of the header fields among them), exactly as
    its whole parse would give them. The header diagnostics run on the first call, not before:
    the rules, trust and actions never read them, so the daemon never pays for them."""

    def __init__(self, ours: list[str], parser: list[str], categories: set[str] | None = None,
                 message: Message | None = None) -> None:
        """`categories`: those of BodyParser, which read `message`; None when it read no body
        (`parser` says why), and then there are no header diagnostics either."""
        self._ours, self._parser, self._categories = ours, parser, categories
        self._headers: Message | None = None
        if categories is not None and message is not None:
            self._headers = copy.copy(message)  # the same header fields (never changed), no parts
            self._headers.set_payload(None)
        self._value: tuple[str, ...] | None = None

    def __call__(self) -> tuple[str, ...]:
        if self._value is None:
            parser = self._parser
            if self._categories is not None:
                parser = sorted(self._categories | header_defect_categories(self._headers))
            self._value = tuple(self._ours) + tuple(parser)
            self._headers = None  # the header fields are not needed again
        return self._value


def header_defect_categories(headers: Message | None) -> set[str]:
    """mail-parser's own reset on the header fields, as its parse would have run it."""
    if headers is None:
        return set()
    probe = mailparser.MailParser.__new__(mailparser.MailParser)
    probe._message, probe._header_index = headers, {}
    try:
        mailparser.MailParser._reset(probe)
    except Exception as exc:  # noqa: BLE001 - a diagnostic that fails on hostile headers is a defect
        return {f"header fields unreadable for diagnostics ({type(exc).__name__})"}
    return set(probe.defects_categories)
