"""Bounds on the work one mail may cost before it is judged: the header section and the MIME
parts that are parsed, and a budget of CPU time.

The original bytes are never changed by these cuts: they only decide how much of a mail the
parser reads. Real mail stays far inside them (a few hundred header fields, a few dozen parts,
header values of a few kilobytes); a mail built to stall the gateway is judged on what fits, and
what was cut is said in its verdict's trace.
"""

from __future__ import annotations

import time

from gateway.mail.rewrite import field_starts, header_end, line_ending

MAX_HEADER_FIELDS = 2000
MAX_FIELD_BYTES = 32 * 1024
# Boundary delimiter lines ("--boundary") read; the parts after them are not parsed.
MAX_PARTS = 1000
DEFAULT_CPU_SECONDS = 2.0


class Budget:
    """CPU time (of the thread doing the work, so other threads' mail does not count) a mail may
    take to be read; once spent, the reading stops where it is."""

    def __init__(self, seconds: float | None = DEFAULT_CPU_SECONDS) -> None:
        self.seconds = seconds
        self.deadline = time.thread_time() + seconds if seconds is not None else None

    def spent(self) -> bool:
        return self.deadline is not None and time.thread_time() > self.deadline


def bounded_headers(data: bytes, cuts: list[str]) -> bytes:
    """The mail with its header section cut to MAX_HEADER_FIELDS fields of at most
    MAX_FIELD_BYTES each (the body follows unchanged); `cuts` says what was left out."""
    newline = line_ending(data)
    end, _ = header_end(data, newline)
    if end <= MAX_FIELD_BYTES:
        return data  # the common case: nothing to cut, no copy made
    pieces: list[bytes] = []
    long_fields = 0
    start = 0
    fields = 0
    too_many = False
    for match in field_starts(newline).finditer(data, 0, end):
        fields += 1
        if fields > MAX_HEADER_FIELDS:
            cuts.append(f"header fields after the first {MAX_HEADER_FIELDS:,} not read")
            too_many = True
            break
        if match.end() - start > MAX_FIELD_BYTES:
            long_fields += 1
            pieces.append(data[start:start + MAX_FIELD_BYTES].rstrip(b"\r\n") + newline)
        else:
            pieces.append(data[start:match.end()])
        start = match.end()
    else:
        if end - start > MAX_FIELD_BYTES:
            long_fields += 1
            pieces.append(data[start:start + MAX_FIELD_BYTES].rstrip(b"\r\n"))
        else:
            pieces.append(data[start:end])
    if long_fields:
        cuts.append(f"{long_fields:,} header field(s) longer than {MAX_FIELD_BYTES:,} bytes read only in part")
    if not (too_many or long_fields):
        return data
    return b"".join(pieces).rstrip(b"\r\n") + data[end:]


def bounded_parts(data: bytes, cuts: list[str]) -> bytes:
    """The mail up to its MAX_PARTS-th boundary line: later parts are not parsed."""
    position = 0
    for _ in range(MAX_PARTS):
        position = data.find(b"\n--", position)
        if position < 0:
            return data
        position += 3
    if data.find(b"\n--", position) < 0:
        return data
    cuts.append(f"MIME parts after the first {MAX_PARTS:,} not read")
    return data[:position - 3] + b"\n"
