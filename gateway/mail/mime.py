"""A small MIME writer for the mail the gateway sends. Headers go through gateway.headers (never
through Python's email generator, see there); attached mails are carried byte for byte."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime
from email.utils import format_datetime

from gateway.mail.headers import encode_field

CRLF = b"\r\n"


def header_block(fields: list[tuple[str, str] | str]) -> bytes:
    """(name, value) pairs are encoded here; a str is a field already built by gateway.headers."""
    return b"".join((field if isinstance(field, str) else encode_field(*field)).encode("ascii") + CRLF for field in fields)


def text_payload(text: str) -> bytes:
    """UTF-8 text as base64 lines: safe through any relay, whatever the language."""
    return base64.encodebytes(text.encode("utf-8")).replace(b"\n", CRLF)


def text_part(text: str, subtype: str = "plain") -> bytes:
    fields = [("Content-Type", f"text/{subtype}; charset=utf-8"), ("Content-Transfer-Encoding", "base64")]
    return header_block(fields) + CRLF + text_payload(text)


def attached_message(raw: bytes, filename: str) -> bytes:
    """message/rfc822 with the original bytes unchanged (8bit: RFC 2046 forbids encoding it)."""
    body = raw.replace(b"\r\n", b"\n").replace(b"\n", CRLF)
    return header_block([
        ("Content-Type", "message/rfc822"),
        ("Content-Disposition", f'attachment; filename="{filename}"'),
        ("Content-Transfer-Encoding", "8bit"),
    ]) + CRLF + body


# RFC 5322: 998 octets a line without its CRLF; a strict smarthost refuses longer ones
_LONG_LINE = re.compile(rb"[^\r\n]{999}")


def attached_mail(raw: bytes, filename: str) -> bytes:
    """A mail attached so that every relay takes it: as message/rfc822 byte for byte when its
    lines fit, else as a base64 .eml file (message/rfc822 may not be encoded, RFC 2046)."""
    if not _LONG_LINE.search(raw):
        return attached_message(raw, filename)
    return header_block([
        ("Content-Type", f'application/octet-stream; name="{filename}"'),
        ("Content-Disposition", f'attachment; filename="{filename}"'),
        ("Content-Transfer-Encoding", "base64"),
    ]) + CRLF + base64.encodebytes(raw).replace(b"\n", CRLF)


def multipart_mixed(parts: list[bytes], subtype: str = "mixed") -> tuple[str, bytes]:
    """(Content-Type value, body) with a boundary found in none of the parts; "alternative" for
    the same content as text and HTML, the preferred (richer) one last (RFC 2046)."""
    while True:
        boundary = "=_crisis_" + secrets.token_hex(12)
        marker = b"--" + boundary.encode("ascii")
        if not any(marker in part for part in parts):
            break
    body = b"".join(marker + CRLF + part + (b"" if part.endswith(CRLF) else CRLF) for part in parts) + marker + b"--" + CRLF
    return f'multipart/{subtype}; boundary="{boundary}"', body


def message(fields: list[tuple[str, str] | str], content_type: str, body: bytes, extra: list[tuple[str, str]] = ()) -> bytes:
    return header_block([*fields, ("MIME-Version", "1.0"), ("Content-Type", content_type), *extra]) + CRLF + body


def date(value: datetime) -> str:
    return format_datetime(value)
