"""Writing header fields safely: encoded, folded, and free of anything that could inject a header.

Python 3.11 here still has CVE-2024-6923 (email.generator does not quote newlines in some
headers), so this module never hands untrusted text to the email package for output: every value
is reduced to one line without control characters, then encoded and folded by hand.
"""

from __future__ import annotations

import base64
import re

from gateway.mail.text import one_line

MAX_LINE = 78
# The X-Loop value of every mail the gateway writes (RFC 3834): its own mail is never answered or
# counted as a reply.
X_LOOP = "crisis-gateway"
_WORD_OVERHEAD = len("=?utf-8?b??=")
_FIELD_NAME = re.compile(r"^[!-9;-~]+$")


class HeaderInjection(ValueError):
    """A value would have carried a line break into the header section."""


def encode_field(name: str, value: str) -> str:
    """`Name: value` folded to MAX_LINE, RFC 2047 encoded when not plain ASCII. No trailing CRLF;
    continuation lines are joined with CRLF + space. Any text is accepted: control characters
    and lone surrogates become spaces; the result is printable ASCII, checked before it leaves."""
    if not _FIELD_NAME.match(name):
        raise HeaderInjection(f"invalid header field name {name!r}")
    value = one_line(value)
    longest_word = max((len(w) for w in value.split(" ")), default=0)
    if value.isascii() and "=?" not in value and longest_word <= MAX_LINE - len(name) - 2:
        lines = _fold_ascii(f"{name}: ", value)
    else:
        lines = _encoded_words(f"{name}: ", value)
    return _checked(name, "\r\n ".join(lines))


# What every field the gateway writes is made of: printable ASCII (and spaces), its lines joined
# by CRLF and a space. Anything else (a line break, a control character, 8-bit text) is refused.
_WRITTEN_FIELD = re.compile(r"[ -~]+(?:\r\n [ -~]+)*")


def _checked(name: str, field: str) -> str:
    if not _WRITTEN_FIELD.fullmatch(field):
        raise HeaderInjection(f"{name}: a line break, control character or 8-bit text would be written")
    return field


def _fold_ascii(prefix: str, value: str) -> list[str]:
    """Fold before spaces: unfolding (removing CRLF) restores the exact value."""
    lines: list[str] = []
    current = prefix
    for index, word in enumerate(value.split(" ")):
        piece = word if index == 0 else " " + word
        if len(current) + len(piece) > MAX_LINE and current.strip() and current != prefix:
            lines.append(current)
            current = piece.lstrip(" ")
            # the space that separated the words is the folding whitespace
        else:
            current += piece
    lines.append(current)
    return lines


def _encoded_words(prefix: str, value: str) -> list[str]:
    """UTF-8 base64 encoded words, never splitting a character, each line within MAX_LINE.
    Linear in the value: the byte count of the word being built is kept, not recomputed."""
    lines: list[str] = []
    budget = MAX_LINE - len(prefix)
    current: list[str] = []
    current_bytes = 0
    for char in value:
        size = len(char.encode("utf-8"))
        if _WORD_OVERHEAD + _b64_len(current_bytes + size) > budget and current:
            lines.append(_word("".join(current)))
            budget = MAX_LINE - 1
            current, current_bytes = [char], size
        else:
            current.append(char)
            current_bytes += size
    lines.append(_word("".join(current)))
    lines[0] = prefix + lines[0]
    return lines


def _b64_len(octets: int) -> int:
    return 4 * ((octets + 2) // 3)


def _word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


_MSG_ID = re.compile(r"<[!-;=?-~]{1,900}>")  # printable ASCII without <, > or spaces inside
_ADDRESS = re.compile(r"[!#-'*+\-/-9=?A-Z^-~.]{1,64}@[A-Za-z0-9.\-]{1,253}")


def msgid_field(name: str, value: str | None) -> str | None:
    """A Message-ID, In-Reply-To or References field written as is, never encoded (threading
    depends on it), or None when the value is not a plain msg-id."""
    value = one_line(value or "")
    return _checked(name, f"{name}: {value}") if _MSG_ID.fullmatch(value) else None


def address_field(name: str, display: str, address: str) -> str:
    """`Name: display <address>`: only the display name is encoded; an encoded address would be
    undeliverable."""
    if not _ADDRESS.fullmatch(address):
        raise HeaderInjection(f"{name}: not a plain address: {address!r}")
    display = one_line(display)
    if not display:
        return _checked(name, f"{name}: {address}")
    if display.isascii() and "=?" not in display:
        phrase = '"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines = _fold_ascii(f"{name}: ", f"{phrase} <{address}>")
    else:
        lines = _encoded_words(f"{name}: ", display)
        lines.append(f"<{address}>")
    return _checked(name, "\r\n ".join(lines))
