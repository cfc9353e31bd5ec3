"""Rewrite the header section of raw mail bytes; the body bytes stay exactly as they came.

Lines end where the mail's own line ending says: CRLF or LF, and CR only for a mail that has no
LF at all (old Mac clients). A bare CR inside a CRLF or LF mail ends no line (RFC 5322: CR and LF
occur only together), so "Subject: x\\rBcc: y" stays one Subject field and is dropped whole when
the Subject is replaced; it never becomes a header line of its own. Time is linear in the size
of the header section, however many continuation lines it has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.mail.headers import encode_field

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def line_ending(raw: bytes) -> bytes:
    """The mail's line ending: CRLF, LF, or CR for a mail without any LF."""
    head = raw[:4000]
    if b"\n" in head:
        return b"\r\n" if b"\r\n" in head else b"\n"
    if b"\n" not in raw and b"\r" in raw:
        return b"\r"
    return b"\r\n" if b"\r\n" in raw else b"\n"


def header_end(raw: bytes, newline: bytes) -> tuple[int, int]:
    """(end of the header section, start of the body); both len(raw) for a mail without a body."""
    if newline == b"\r":
        at = raw.find(b"\r\r")
        return (len(raw), len(raw)) if at < 0 else (at, at + 2)
    match = _HEADER_END.search(raw)
    return (match.start(), match.end()) if match else (len(raw), len(raw))


def split_message(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header section, separator, body). A mail with no body has an empty separator."""
    end, body_start = header_end(raw, line_ending(raw))
    return raw[:end], raw[end:body_start], raw[body_start:]


def field_starts(newline: bytes) -> re.Pattern[bytes]:
    """Where a field begins: after a line ending not followed by folding whitespace."""
    return re.compile(re.escape(newline) + rb"(?![ \t])")


def _first_field(header_section: bytes, newline: bytes) -> int:
    """Offset of the first field. Continuation lines before it belong to no field and are left
    out: kept, they would join onto whatever field is written above them."""
    if header_section[:1] not in (b" ", b"\t"):
        return 0
    match = field_starts(newline).search(header_section)
    return match.end() if match else len(header_section)


def _named(names: dict[str, str | None], newline: bytes) -> re.Pattern[bytes]:
    """The start of a field with one of the names (a name ending in '*' is a prefix), with the line
    ending before it (the header section is searched with a line ending put in front)."""
    alternatives = [re.escape(n[:-1].encode("ascii")) + rb"[^\s:]*" if n.endswith("*") else re.escape(n.encode("ascii"))
                    for n in names]
    return re.compile(re.escape(newline[-1:]) + rb"(?:" + b"|".join(alternatives) + rb")[ \t]*:", re.I)


def _named_fields(header_section: bytes, names: dict[str, str | None], newline: bytes):
    """(start, end of the name) of each field with one of the names. A line ending is searched
    for first (a literal the regex engine finds fast), then the names after it."""
    pattern = _named(names, newline)
    text = newline[-1:] + header_section
    for match in pattern.finditer(text):
        yield match.start(), match.end() - 1


@dataclass(frozen=True)
class HeaderChange:
    """A rewrite of a header section: the fields named in `replace` dropped (all of them, also any
    forged copies) and written once with the new value (None drops them); `add_on_top` fields put
    first. Names are compared case-insensitively; a name ending in '*' drops every field with that
    prefix."""

    replace: dict[str, str | None]
    add_on_top: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FieldEdit:
    """One edit of a header section as an MTA applies it to a mail in its own queue (a milter's
    edits): "insert" puts the field first (edits in order: each insert goes above the ones
    before it, so they are given last field first), "change" gives the `index`-th field of that
    name (1-based, names compared case-insensitively) a new value, "delete" drops it, "append" puts
    the field last; each edit applies to the section the edits before it left. `value` is what
    follows the colon, its leading space and folding (CRLF and a space) included."""

    kind: str
    name: str
    index: int = 0
    value: bytes = b""


@dataclass
class _Scan:
    """Where the fields a change drops are, in the header section of a mail."""

    newline: bytes
    body_start: int
    kept: list[bytes]               # the header section cut around the dropped fields
    dropped: list[str]              # the names of the dropped fields, as written, in order
    replaced_at: int | None         # the piece of `kept` the first field of an exact name followed


def _scan(raw: bytes, replace: dict[str, str | None]) -> _Scan:
    newline = line_ending(raw)
    end, body_start = header_end(raw, newline)
    header_section = raw[_first_field(raw[:end], newline):end]
    if header_section and not header_section.endswith(newline):
        header_section += newline
    starts = field_starts(newline)
    kept: list[bytes] = []
    dropped: list[str] = []
    replaced_at: int | None = None
    position = 0
    exact = {n.lower() for n in replace if not n.endswith("*")}
    for start, name_end in _named_fields(header_section, replace, newline) if replace else ():
        if start < position:
            continue  # inside a field already dropped
        kept.append(header_section[position:start])
        # latin-1: a forged name may carry 8-bit bytes; only ASCII names are compared
        name = header_section[start:name_end].rstrip(b": \t").decode("latin-1")
        dropped.append(name)
        if replaced_at is None and name.lower() in exact:
            replaced_at = len(kept)
        field_end = starts.search(header_section, name_end)
        position = field_end.end() if field_end else len(header_section)
    kept.append(header_section[position:])
    return _Scan(newline, body_start, kept, dropped, replaced_at)


def _encoded(name: str, value: str, newline: bytes) -> bytes:
    return encode_field(name, value).encode("ascii").replace(b"\r\n", newline) + newline


def rewrite(raw: bytes, change: HeaderChange) -> bytes:
    """New mail bytes with the change made. Only the fields to drop are looked at; the others are
    copied as they are, in one piece."""
    scan = _scan(raw, change.replace)
    # The body is not sliced out (a copy of a 25 MB attachment): joined from a view of the original.
    body = memoryview(raw)[scan.body_start:] if scan.body_start < len(raw) else b""
    top = [_encoded(n, v, scan.newline) for n, v in change.add_on_top]
    in_place = [_encoded(n, v, scan.newline) for n, v in change.replace.items() if v is not None and not n.endswith("*")]
    kept = scan.kept
    at = scan.replaced_at if scan.replaced_at is not None else len(kept)
    return b"".join((*top, *kept[:at], *in_place, *kept[at:], scan.newline, body))


def rewrite_headers(raw: bytes, replace: dict[str, str | None], add_on_top: list[tuple[str, str]] = ()) -> bytes:
    """`rewrite` of HeaderChange(replace, add_on_top)."""
    return rewrite(raw, HeaderChange(replace, tuple(add_on_top)))


def field_edits(raw: bytes, change: HeaderChange) -> list[FieldEdit]:
    """The change as edits of the fields of `raw`, for an MTA to apply (see FieldEdit): the same
    header section as `rewrite` makes when `replace` names one field to write (a prefix besides:
    the gateway's Subject and X-Crisis-*). With several, each is written where its own first
    field was. Every dropped field is deleted last occurrence first, so no index moves under a
    later edit, and the fields put on top come last."""
    scan = _scan(raw, change.replace)
    seen: dict[str, int] = {}
    occurrences: list[tuple[str, int]] = []
    for name in scan.dropped:
        seen[name.lower()] = seen.get(name.lower(), 0) + 1
        occurrences.append((name, seen[name.lower()]))

    def value(name: str, text: str) -> bytes:
        return _encoded(name, text, b"\r\n")[len(name) + 1:-2]

    written = {n.lower() for n, v in change.replace.items() if v is not None and not n.endswith("*")}
    # the first field of a name written again is changed in place, not deleted
    edits = [FieldEdit("delete", name, index) for name, index in reversed(occurrences)
             if not (index == 1 and name.lower() in written)]
    for name, text in change.replace.items():
        if text is not None and not name.endswith("*"):
            edits.append(FieldEdit("change", name, 1, value(name, text)) if seen.get(name.lower())
                         else FieldEdit("append", name, 0, value(name, text)))
    # last: a field put on top must not be among those an index above counts
    edits += [FieldEdit("insert", n, 0, value(n, v)) for n, v in reversed(change.add_on_top)]
    return edits


def first_field_value(raw: bytes, name: str) -> bytes | None:
    """The raw value of the first field with this name (continuation lines included), or None."""
    newline = line_ending(raw)
    end, _ = header_end(raw, newline)
    header_section = raw[:end]
    first = _first_field(header_section, newline)
    start, name_end = next(((s, e) for s, e in _named_fields(header_section, {name: None}, newline) if s >= first),
                           (None, None))
    if start is None:
        return None
    field_end = field_starts(newline).search(header_section, name_end)
    return header_section[name_end:field_end.start() if field_end else len(header_section)]
