"""Rewrite the header section of raw mail bytes; the body bytes stay exactly as they came."""

from __future__ import annotations

import re

from gateway.mail.headers import encode_field

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_START = re.compile(rb"^([^\s:]+)[ \t]*:", re.M)


def split_message(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header section, separator, body). A mail with no body has an empty separator."""
    match = _HEADER_END.search(raw)
    if not match:
        return raw, b"", b""
    return raw[: match.start()], raw[match.start() : match.end()], raw[match.end() :]


def _fields(header_section: bytes) -> list[bytes]:
    """Each header field with its continuation lines, as it was."""
    lines = header_section.splitlines(keepends=True)
    fields: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def field_name(field: bytes) -> str:
    match = _FIELD_START.match(field)
    return match.group(1).decode("ascii", "replace").lower() if match else ""


def rewrite_headers(raw: bytes, replace: dict[str, str | None], add_on_top: list[tuple[str, str]] = ()) -> bytes:
    """New mail bytes: fields named in `replace` dropped (all of them, also any forged copies) and
    written once with the new value (None drops them); `add_on_top` fields put first. Names in
    `replace` are compared case-insensitively; a name ending in '*' drops every field with that prefix."""
    match = _HEADER_END.search(raw)
    header_section = raw[: match.start()] if match else raw
    # The body is not sliced out (a copy of a 25 MB attachment): joined from a view of the original.
    body = memoryview(raw)[match.end():] if match else b""
    newline = b"\r\n" if b"\r\n" in header_section[:2000] or not header_section else b"\n"
    prefixes = [n[:-1].lower() for n in replace if n.endswith("*")]
    exact = {n.lower() for n in replace if not n.endswith("*")}

    def dropped(name: str) -> bool:
        return name in exact or any(name.startswith(p) for p in prefixes)

    kept: list[bytes] = []
    replaced_at: int | None = None
    for field in _fields(header_section):
        name = field_name(field)
        if name and dropped(name):
            if replaced_at is None and name in exact:
                replaced_at = len(kept)
            continue
        kept.append(field if field.endswith(b"\n") else field + newline)

    def encoded(name: str, value: str) -> bytes:
        return encode_field(name, value).encode("ascii").replace(b"\r\n", newline) + newline

    top = [encoded(n, v) for n, v in add_on_top]
    in_place = [encoded(n, v) for n, v in replace.items() if v is not None and not n.endswith("*")]
    position = replaced_at if replaced_at is not None else len(kept)
    new_header = b"".join(top + kept[:position] + in_place + kept[position:])
    return b"".join((new_header, newline, body))
