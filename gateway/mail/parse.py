"""Turn raw mail bytes into the facts the rules look at, within bounded time and memory.

mail-parser does the MIME walk, body decoding and defect collection. Around it this module keeps
the cost bounded (huge attachments are elided before parsing, absurd nesting falls back to the
headers) and decodes the headers that matter itself, because raw 8-bit header bytes (common from
old mail clients) lose their non-ASCII letters in mail-parser.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from email.parser import BytesHeaderParser
from functools import cached_property

import mailparser

from gateway.mail import charsets
from gateway.mail.bodyparser import BodyParser, Defects
from gateway.mail.bounds import Budget, bounded_headers, bounded_parts
from gateway.mail.htmltext import html_to_text_within
from gateway.mail.rewrite import header_end, line_ending
from gateway.mail.text import one_line

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Above this size, long runs of base64 lines (attachments) are elided before parsing: the text
# parts stay whole, and memory stays a small multiple of the threshold instead of the mail.
ELIDE_ABOVE_BYTES = 1024 * 1024
_KEEP_BASE64_LINES = 64
_BASE64_LINE = re.compile(rb"^[A-Za-z0-9+/=]{40,}\r?\n", re.M)
# Rules read at most this much body text: the verdict is in the first pages of any real mail.
MAX_TEXT_CHARS = 256 * 1024


MESSAGE_ID = re.compile(r"<[^<>\s]+>")  # one <id@host> in Message-ID, In-Reply-To, References


class MailError(ValueError):
    """The bytes cannot be treated as a mail at all (empty, too large, not a file)."""


@dataclass(frozen=True)
class ParsedMail:
    raw: bytes
    sha256: str
    message_id: str | None
    subject: str
    from_name: str
    from_address: str
    headers: tuple[tuple[str, str], ...]  # (name, raw unfolded value) in order
    text: str
    content_type: str
    date: datetime | None
    # what was wrong with the mail, in order (see Defects): read with `defects`
    defects_of: Callable[[], tuple[str, ...]] = field(default=tuple, compare=False, repr=False)
    # what of the mail was not read, to bound its cost (gateway.mail.bounds): said in the trace
    cuts: tuple[str, ...] = field(default=())

    @property
    def defects(self) -> tuple[str, ...]:
        return self.defects_of()

    @property
    def from_domain(self) -> str:
        return self.from_address.rpartition("@")[2]

    @property
    def key(self) -> str:
        """Identity used to dedupe: the Message-ID, else the content hash."""
        return self.message_id or f"sha256:{self.sha256}"

    def header(self, name: str) -> str:
        """First value of a header, unfolded to one line, '' when absent."""
        values = self.header_all(name)
        return values[0] if values else ""

    def header_all(self, name: str) -> list[str]:
        """Decoded values (RFC 2047, one line); decoded on demand, most headers are never read,
        and once: the rules, trust and blockers ask for the same few again and again."""
        lname = name.lower()
        decoded = self._decoded.get(lname)
        if decoded is None:
            decoded = self._decoded[lname] = tuple(decode_header_text(v) for v in self._by_name.get(lname, ()))
        return list(decoded)

    @cached_property
    def _decoded(self) -> dict[str, tuple[str, ...]]:
        return {}

    @cached_property
    def _by_name(self) -> dict[str, list[str]]:
        """Raw values by lower-case name, in order: one pass over the headers for all lookups."""
        index: dict[str, list[str]] = {}
        for name, value in self.headers:
            index.setdefault(name.lower(), []).append(value)
        return index

    def header_names(self) -> list[str]:
        return [n for n, _ in self.headers]

    @property
    def auto_submitted(self) -> str | None:
        """RFC 3834: the Auto-Submitted value of a mail sent by a program (an auto-reply, a
        notification), None for one a person sent ("no", or no such header)."""
        value = self.header("Auto-Submitted").strip().lower()
        return value if value and not value.startswith("no") else None


def parse_mail(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, cpu_seconds: float | None = None) -> ParsedMail:
    """The facts of a mail. Invariant: every str in the result is valid Unicode (no surrogate),
    and the work is bounded (gateway.mail.bounds): what was not read is in `cuts`."""
    budget = Budget(cpu_seconds) if cpu_seconds is not None else Budget()
    if not raw or not raw.strip():
        raise MailError("empty message")
    if len(raw) > max_bytes:
        raise MailError(f"message is {len(raw):,} bytes, over the limit of {max_bytes:,} bytes")
    defects: list[str] = []
    sha = hashlib.sha256(raw).hexdigest()
    data = raw
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
        defects.append("NUL bytes removed before parsing")
    data = _bare_cr_as_space(data, defects)
    if len(data) > ELIDE_ABOVE_BYTES:
        data, elided = elide_base64_runs(data)
        if elided:
            defects.append(f"{elided} long base64 part(s) elided for parsing; the original is kept whole")
    data = data[:ELIDE_ABOVE_BYTES * 8]
    cuts: list[str] = []
    data = bounded_parts(bounded_headers(data, cuts), cuts)

    message, body_text, parser_defects, categories = _parse_body(data, budget, cuts)
    # raw_items keeps raw 8-bit bytes (as surrogates); get() would already have replaced them.
    raw_headers = [(name, _raw_to_text(_unfold(value))) for name, value in message.raw_items()]

    def first(name: str) -> str:
        return next((v for n, v in raw_headers if n.lower() == name.lower()), "")

    from_name, from_address = _parse_from(first("From"))
    return ParsedMail(
        raw=raw,
        sha256=sha,
        message_id=_message_id(first("Message-ID")),
        subject=decode_header_text(first("Subject")),
        from_name=from_name,
        from_address=from_address,
        headers=tuple(raw_headers),
        text=body_text[:MAX_TEXT_CHARS],
        content_type=message.get_content_type(),
        date=parse_date(first("Date")),  # raw_headers are text already
        defects_of=Defects(defects, parser_defects, categories, message),
        cuts=tuple(cuts),
    )


_BARE_CR = re.compile(rb"\r(?!\n)")


def _bare_cr_as_space(data: bytes, defects: list[str]) -> bytes:
    """A bare CR in the header section of a CRLF or LF mail ends no line (RFC 5322), as in the
    tagged copy (gateway.mail.rewrite): Python's parser would make "Subject: x\\rBcc: y" two fields."""
    newline = line_ending(data)
    if newline == b"\r":
        return data
    end, _ = header_end(data, newline)
    if not _BARE_CR.search(data, 0, end):
        return data
    defects.append("bare CR in the header section read as a space")
    return _BARE_CR.sub(b" ", data[:end]) + data[end:]


def elide_base64_runs(data: bytes) -> tuple[bytes, int]:
    """Keep the first lines of every long run of base64 lines, drop the rest. One pass, and no
    memory beyond the result: a regex repeating over the run would stack state per line."""
    pieces: list[bytes] = []
    last = 0
    run_end = -1
    run_lines = 0
    cut_from: int | None = None
    elided = 0
    for match in _BASE64_LINE.finditer(data):
        if match.start() != run_end:
            if cut_from is not None:
                pieces.append(data[last:cut_from])
                last, elided = run_end, elided + 1
            run_lines, cut_from = 0, None
        run_lines += 1
        run_end = match.end()
        if run_lines == _KEEP_BASE64_LINES:
            cut_from = run_end
    if cut_from is not None:
        pieces.append(data[last:cut_from])
        last, elided = run_end, elided + 1
    pieces.append(data[last:])
    return b"".join(pieces), elided


def _parse_body(data: bytes, budget: Budget, cuts: list[str]) -> tuple[Message, str, list[str], set[str] | None]:
    """The message and its readable text, through mail-parser; the headers alone if that fails
    or when the budget is spent before the body is read. Then what went wrong: as text when
    mail-parser did not read the body, else None, and the defect categories of its parts."""
    if budget.spent():
        cuts.append(f"CPU budget of {budget.seconds:g} s spent before the body: headers only")
        return BytesHeaderParser().parsebytes(data), "", [], None
    try:
        message = email.message_from_bytes(data)
        parsed = BodyParser(message)
    except (RecursionError, mailparser.exceptions.MailParserRecursionError):
        return BytesHeaderParser().parsebytes(data), "", ["MIME nesting too deep: body not read, headers only"], None
    except Exception as exc:  # noqa: BLE001 - any parser failure on hostile input degrades to headers
        return BytesHeaderParser().parsebytes(data), "", [f"body unreadable ({type(exc).__name__}): headers only"], None
    plain, html = parsed.text_plain, parsed.text_html
    if any(_needs_own_decoding(_declared_charset(part)) for part in message.walk()):
        plain, html = _decode_text_parts(message)
    plain_text = "\n".join(p for p in plain if p.strip())
    text = plain_text
    if not plain_text.strip() and html:
        if budget.spent():
            cuts.append(f"CPU budget of {budget.seconds:g} s spent before the HTML body was read")
            text = ""
        else:
            text, whole = html_to_text_within("\n".join(html), budget.deadline, MAX_TEXT_CHARS)
            if not whole:
                cuts.append(f"CPU budget of {budget.seconds:g} s spent: HTML body read in part")
    return message, charsets.valid_unicode(text), [], set(parsed.defects_categories)


# 7-bit charsets that switch scripts with escape sequences (ISO-2022-JP is still the common
# Japanese mail charset). mail-parser hands their 7bit bodies back undecoded, escapes and all.
_STATEFUL_7BIT = {"iso-2022-jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3", "iso-2022-jp-ext", "iso-2022-kr", "utf-7", "hz-gb-2312"}


def _needs_own_decoding(charset: str) -> bool:
    """mail-parser decodes with whatever codec a part names; unknown or non-text ones are ours."""
    return bool(charset) and (charset in _STATEFUL_7BIT or not charsets.is_known(charset))


_CHARSET_PARAM = re.compile(r'charset\s*=\s*"?([^";\s]+)', re.I)


def _declared_charset(part: Message) -> str:
    """The charset a part's Content-Type names, lowercased. Read from the field's text for the
    usual forms (email's get_content_charset parses every parameter again, a part at a time);
    an RFC 2231 form (charset*=) goes to it."""
    value = str(part.get("content-type", ""))
    if "*" in value:
        return (part.get_content_charset() or "").lower()
    match = _CHARSET_PARAM.search(value)
    return match.group(1).lower() if match else ""


def _decode_text_parts(message: Message) -> tuple[list[str], list[str]]:
    plain: list[str] = []
    html: list[str] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text" or part.get_filename():
            continue
        payload = part.get_payload(decode=True) or b""
        text = _decode_bytes(payload, _declared_charset(part) or None)
        (html if part.get_content_subtype() == "html" else plain).append(text)
    return plain, html


_FOLD = re.compile(r"\r?\n[ \t]")
_SURROGATE = re.compile("[\udc80-\udcff]")


def _unfold(value: object) -> str:
    return _FOLD.sub(" ", str(value))


def _raw_to_text(value: str) -> str:
    """Header text with raw 8-bit bytes (kept as surrogates by the parser) read as UTF-8, else cp1252."""
    if value.isascii() or not _SURROGATE.search(value):
        return value
    return charsets.decode(value.encode("utf-8", "surrogateescape"), "utf-8")


def decode_header_text(value: object) -> str:
    """RFC 2047 decoded, one line, no control characters; never raises on bad charsets."""
    text = _raw_to_text(_unfold(value))
    if "=?" not in text:
        return one_line(text)  # no encoded word: what decode_header would give back, for less
    try:
        parts = email.header.decode_header(text)
    except (email.errors.HeaderParseError, ValueError, LookupError, TypeError):
        return one_line(text)
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        out.append(_decode_bytes(chunk, charset))
    # decode_header drops the whitespace between an encoded word and plain text only when every
    # piece was encoded; make_header's joining rules are mirrored here without its charset errors.
    joined = out[0] if len(out) == 1 else _join_decoded(parts, out)
    return one_line(joined)


def _decode_bytes(chunk: bytes, charset: str | None) -> str:
    return charsets.decode(chunk, charset)


def _join_decoded(parts: list[tuple[bytes | str, str | None]], texts: list[str]) -> str:
    result = ""
    previous_charset: str | None = "unset"
    for (_, charset), text in zip(parts, texts):
        if result and (charset is None or previous_charset is None):
            # plain text next to an encoded word: decode_header stripped the separating space
            if not result.endswith(" ") and not text.startswith(" "):
                result += " "
        result += text
        previous_charset = charset
    return result


def _parse_from(value: str) -> tuple[str, str]:
    if not value:
        return "", ""
    raw = _raw_to_text(value)[:2000]
    try:
        name, address = email.utils.parseaddr(raw)
    except (RecursionError, ValueError, IndexError):
        return "", ""  # a From header built to break parsers: no sender
    address = one_line(address).lower()
    if "@" not in address:
        address = ""
    return decode_header_text(name), address


def _message_id(value: object) -> str | None:
    if not value:
        return None
    text = one_line(_raw_to_text(_unfold(value)))
    match = MESSAGE_ID.search(text)
    return match.group(0) if match else (text.split()[0] if text else None)


def parse_date(value: object) -> datetime | None:
    """An RFC 5322 date as an aware datetime; None when absent or nonsense."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(one_line(str(value)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if not 1990 <= parsed.year <= 2200:
        return None  # a forged or broken date; deadlines from it would overflow or mislead
    return parsed


def first_received_date(mail: ParsedMail) -> datetime | None:
    """The date of the topmost Received stamp with a readable one (our own server's); the
    stamps below it are not read."""
    for value in mail.header_all("Received"):
        _, _, stamp = value.rpartition(";")
        parsed = parse_date(stamp)
        if parsed is not None:
            return parsed
    return None
