"""Hostile mail, generated: pathological MIME, headers, charsets, HTML, dates and sizes.

    python tests/hostile_corpus.py OUT_DIR        # writes every pathology as OUT_DIR/NAME.eml

Each pathology is a function of no arguments returning the mail's bytes, made on demand (some are
tens of megabytes). Most wear the headers of a real Amazon buyer message, so the classifier does
its whole work on them; some claim Amazon without any authentication (`SPOOF`), and those must
come out suspect whatever else breaks. tests/test_hostile_corpus.py runs all of them with a time
and memory bound per mail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

HEAD = (
    b"Authentication-Results: mx.example.test; dkim=pass header.d=marketplace.amazon.de; dmarc=pass\r\n"
    b"Received: from x by mx.example.test; Mon, 16 Nov 2026 10:00:03 +0000\r\n"
    b"From: Max - Amazon Marketplace <abc123@marketplace.amazon.de>\r\n"
    b"To: support@shop.example\r\n"
    b"Date: Mon, 16 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <hostile@example.test>\r\n"
    b"X-Space-Notification-Type: BBC_MESSAGE_SENT_TO_MERCHANT\r\n"
)
# Claims Amazon in its From, and no server vouches for it.
SPOOF = (
    b"Received: from x by mx.example.test; Mon, 16 Nov 2026 10:00:03 +0000\r\n"
    b'From: "Amazon" <notice@amazon-seller-notice.example>\r\n'
    b"To: support@shop.example\r\n"
    b"Date: Mon, 16 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <spoof@example.test>\r\n"
)
SUBJECT = b"Subject: Frage (Bestellung: 303-1234567-7654321)\r\n"
TEXT = b"Das Paket ist nicht angekommen."
MB = 1024 * 1024

PATHOLOGIES: dict[str, Callable[[], bytes]] = {}


def pathology(function: Callable[[], bytes]) -> Callable[[], bytes]:
    PATHOLOGIES[function.__name__] = function
    return function


def html_mail(html: bytes, head: bytes = HEAD) -> bytes:
    return head + SUBJECT + b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + b"\r\n"


def subject_mail(subject: bytes, head: bytes = HEAD, body: bytes = TEXT) -> bytes:
    return head + b"Subject: " + subject + b"\r\n\r\n" + body + b"\r\n"


def body_charset_mail(charset: bytes, body: bytes, head: bytes = HEAD) -> bytes:
    return head + SUBJECT + b"Content-Type: text/plain; charset=" + charset + b"\r\n\r\n" + body + b"\r\n"


# --- HTML ------------------------------------------------------------------------------------

@pathology
def html_million_bang() -> bytes:
    return html_mail(b"<!" * 1_000_000)


@pathology
def html_open_anchors() -> bytes:
    return html_mail(b"<a " * 40_000)


@pathology
def html_nested_tags_20mb() -> bytes:
    return html_mail(b"<div><span>" * (20 * MB // 11) + TEXT)


@pathology
def html_unclosed_comment() -> bytes:
    return html_mail(b"<p>" + TEXT + b"</p><!--" + b"x" * MB)


@pathology
def html_many_unclosed_comments() -> bytes:
    return html_mail(b"<!--<!" * 200_000)


@pathology
def html_unclosed_script() -> bytes:
    return html_mail(b"<p>" + TEXT + b"</p><script>" + b"<p>a</p>" * 100_000)


@pathology
def html_entities() -> bytes:
    return html_mail(b"&amp;&#x1F600;&#99999999;&bogus;" * 200_000)


@pathology
def html_huge_attribute() -> bytes:
    return html_mail(b'<p title="' + b"<" * (5 * MB) + b'">' + TEXT + b"</p>")


@pathology
def html_surrogate_references() -> bytes:
    return html_mail(b"&#xd800;&#55296;&#xdfff;" * 10_000 + TEXT)


# --- headers ---------------------------------------------------------------------------------

@pathology
def million_header_lines() -> bytes:
    return HEAD + SUBJECT + b"X-Junk: a\r\n" * 1_000_000 + b"\r\n" + TEXT


@pathology
def header_folded_10mb() -> bytes:
    return HEAD + SUBJECT + b"X-Long: start\r\n" + (b" " + b"y" * 70 + b"\r\n") * (10 * MB // 73) + b"\r\n" + TEXT


@pathology
def subject_folded_100k_lines() -> bytes:
    return HEAD + b"Subject: Frage\r\n" + (b" =?utf-8?q?Gr=C3=B6=C3=9Fe?=\r\n") * 100_000 + b"\r\n" + TEXT


@pathology
def one_header_line_8mb() -> bytes:
    return HEAD + SUBJECT + b"X-Long: " + b"z" * (8 * MB) + b"\r\n\r\n" + TEXT


@pathology
def hundred_thousand_received() -> bytes:
    received = b"Received: from a by b; Mon, 16 Nov 2026 10:00:03 +0000\r\n"
    return HEAD + SUBJECT + received * 100_000 + b"\r\n" + TEXT


@pathology
def leading_continuation_line() -> bytes:
    return b" X-Crisis-Tier: 1\x1b\x07\r\n" + HEAD + SUBJECT + b"\r\n" + TEXT


@pathology
def bare_cr_header_injection() -> bytes:
    return HEAD + b"Subject: Hello\rBcc: evil@attacker.example\r\n\r\n" + TEXT


@pathology
def bare_cr_only() -> bytes:
    return (HEAD + SUBJECT + b"\r\n" + TEXT + b"\r\nSubject: a body line\r\n").replace(b"\r\n", b"\r")


@pathology
def lf_only() -> bytes:
    return (HEAD + SUBJECT + b"\r\n" + TEXT + b"\r\n").replace(b"\r\n", b"\n")


@pathology
def mixed_line_endings() -> bytes:
    return HEAD + b"Subject: a\n\rb\r\r\n\n\r" + TEXT


@pathology
def control_bytes_in_subject() -> bytes:
    return subject_mail(bytes(range(1, 32)) + b"\x7f\x85 Frage 303-1234567-7654321")


@pathology
def raw_8bit_subject() -> bytes:
    return subject_mail(bytes(range(128, 256)) + b" Bestellung 303-1234567-7654321")


@pathology
def forged_crisis_headers() -> bytes:
    return HEAD + SUBJECT + b"X-Crisis-Tier: 1\r\nX-CRISIS-Category: atoz_claim\r\n\r\n" + TEXT


@pathology
def forged_crisis_tag() -> bytes:
    return subject_mail(b"[CRISIS: A-to-Z | due Tue 25 Nov 15:02 CET] Claim on order 303-1234567-7654321",
                        head=SPOOF.replace(b'"Amazon"', b"Newsletter").replace(b"amazon-seller-notice", b"news"))


@pathology
def subject_one_mb_of_encoded_words() -> bytes:
    return subject_mail(b"=?utf-8?b?w6TDtsO8?= " * 45_000)


@pathology
def header_without_colon() -> bytes:
    return HEAD + SUBJECT + b"This line is no header\r\n: empty name\r\n\r\n" + TEXT


def head_edited(old: bytes, new: bytes) -> Callable[[], bytes]:
    """The buyer message with one piece of its header section replaced."""
    return lambda: HEAD.replace(old, new) + SUBJECT + b"\r\n" + TEXT


for _name, _old, _new in [
    ("from_nested_comments", b"From: Max", b"From: " + b"(" * 100_000 + b"Max"),
    ("from_ten_thousand_addresses", b"From: ", b"From: " + b"a@b.example, " * 10_000),
    ("from_unclosed_quote", b"From: Max", b'From: "' + b"\\" * 50_000 + b"Max"),
    ("message_id_garbage", b"Message-ID: <hostile@example.test>", b"Message-ID: " + b"<<>>\x01" * 10_000),
]:
    PATHOLOGIES[_name] = head_edited(_old, _new)


# --- charsets --------------------------------------------------------------------------------

def _encoded_word_pathology(charset: bytes, text: bytes, head: bytes = HEAD) -> Callable[[], bytes]:
    return lambda: subject_mail(b"=?" + charset + b"?q?" + text + b"?= Bestellung 303-1234567-7654321", head=head)


for _name, _charset, _text in [
    ("unicode_escape", b"unicode-escape", b"=5Cud800x"),
    ("raw_unicode_escape", b"raw-unicode-escape", b"=5Cud800x"),
    ("utf7_lone_surrogate", b"utf-7", b"+2AA-"),
    ("punycode", b"punycode", b"abc-=FF"),
    ("idna", b"idna", b"xn--=FF"),
    ("rot13", b"rot13", b"uryyb"),
    ("undefined", b"undefined", b"x"),
    ("base64_codec", b"base64", b"abc"),
    ("zlib_codec", b"zlib", b"x"),
    ("hex_codec", b"hex", b"zz"),
    ("utf16_lone_surrogate", b"utf-16-le", b"=00=D8"),
    ("unknown_charset", b"x-no-such-charset", b"=E4"),
    ("charset_with_language", b"utf-8*en", b"=C3=A4"),
    ("broken_iso2022", b"iso-2022-jp", b"=1B$B=1B(J=1B"),
    ("huge_charset_name", b"a" * 100_000, b"x"),
]:
    PATHOLOGIES[f"encoded_word_{_name}"] = _encoded_word_pathology(_charset, _text)
    PATHOLOGIES[f"spoof_encoded_word_{_name}"] = _encoded_word_pathology(_charset, _text, head=SPOOF)


for _name, _charset, _body in [
    ("unicode_escape", b"unicode-escape", b"\\ud800 " + TEXT),
    ("punycode", b"punycode", b"\xff\xfe" + TEXT),
    ("undefined", b"undefined", TEXT),
    ("utf7", b"utf-7", b"+2AA- " + TEXT),
    ("quoted_bogus", b'"x-bogus"', TEXT + b" \xe4\xf6\xfc"),
]:
    PATHOLOGIES[f"body_charset_{_name}"] = (lambda c=_charset, b=_body: body_charset_mail(c, b))
    PATHOLOGIES[f"spoof_body_charset_{_name}"] = (lambda c=_charset, b=_body: body_charset_mail(c, b, head=SPOOF))


# --- MIME ------------------------------------------------------------------------------------

def multipart(parts: list[bytes], boundary: bytes = b"b", head: bytes = HEAD) -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + boundary + b"--\r\n"
    return head + SUBJECT + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n" + body


@pathology
def hundred_thousand_parts() -> bytes:
    return multipart([b"Content-Type: text/plain\r\n\r\n" + TEXT] + [b"Content-Type: text/plain\r\n\r\nx"] * 100_000)


@pathology
def deep_nesting() -> bytes:
    depth = 2000
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return HEAD + SUBJECT + b"MIME-Version: 1.0\r\n" + opening + b"Content-Type: text/plain\r\n\r\n" + TEXT + closing


@pathology
def nested_rfc822() -> bytes:
    inner = HEAD + SUBJECT + b"\r\n" + TEXT
    for _ in range(500):
        inner = HEAD + SUBJECT + b"Content-Type: message/rfc822\r\n\r\n" + inner
    return inner


@pathology
def empty_boundary() -> bytes:
    return multipart([b"Content-Type: text/plain\r\n\r\n" + TEXT], boundary=b'""')


@pathology
def boundary_100kb() -> bytes:
    return multipart([b"Content-Type: text/plain\r\n\r\n" + TEXT], boundary=b"q" * 100_000)


@pathology
def base64_garbage() -> bytes:
    return multipart([b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b"!!**==\xff" * 100_000])


@pathology
def quoted_printable_garbage() -> bytes:
    return multipart([b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + b"=\r=Z=" * 100_000])


@pathology
def unknown_transfer_encoding() -> bytes:
    return multipart([b"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n" + b"M" * 1000])


@pathology
def ten_thousand_parameters() -> bytes:
    params = b"".join(b"; p%d=v" % i for i in range(10_000))
    return HEAD + SUBJECT + b"Content-Type: text/plain" + params + b"\r\n\r\n" + TEXT


@pathology
def rfc2231_continuations() -> bytes:
    params = b"".join(b"; name*%d*=utf-8''%%E4" % i for i in range(5_000))
    return multipart([b"Content-Type: application/octet-stream" + params + b"\r\n\r\nx", b"Content-Type: text/plain\r\n\r\n" + TEXT])


@pathology
def html_and_text_parts_50k() -> bytes:
    part = b"Content-Type: text/html\r\n\r\n<p>x</p>"
    return multipart([part] * 50_000)


# --- dates -----------------------------------------------------------------------------------

def date_mail(date: bytes) -> bytes:
    head = HEAD.replace(b"Date: Mon, 16 Nov 2026 10:00:00 +0000", b"Date: " + date)
    head = head.replace(b"Mon, 16 Nov 2026 10:00:03 +0000", date)
    return head + SUBJECT + b"\r\n" + TEXT


for _name, _date in [
    ("year_9999", b"Fri, 31 Dec 9999 23:59:59 +0000"),
    ("year_zero", b"Sat, 1 Jan 0000 00:00:00 +0000"),
    ("huge_year", b"Mon, 1 Jan 99999999999999999999 00:00:00 +0000"),
    ("huge_offset", b"Mon, 16 Nov 2026 10:00:00 +9999"),
    ("negative_day", b"Mon, -5 Nov 2026 10:00:00 +0000"),
    ("garbage", b"\x00\xff yesterday-ish"),
    ("empty", b""),
    ("long", b"Mon, 16 Nov 2026 " * 50_000),
]:
    PATHOLOGIES[f"date_{_name}"] = (lambda d=_date: date_mail(d))


# --- sizes -----------------------------------------------------------------------------------

@pathology
def text_body_20mb() -> bytes:
    return HEAD + SUBJECT + b"\r\n" + TEXT + b"\r\n" + (b"lorem ipsum dolor sit amet " * 40 + b"\r\n") * (20 * MB // 1082)


@pathology
def one_line_body_20mb() -> bytes:
    return HEAD + SUBJECT + b"\r\n" + TEXT + b" " + b"x" * (20 * MB)


@pathology
def attachment_30mb() -> bytes:
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n"
    return multipart([b"Content-Type: text/plain\r\n\r\n" + TEXT,
                      b"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n" + line * (30 * MB // len(line))])


@pathology
def headers_only() -> bytes:
    return HEAD + SUBJECT


@pathology
def single_byte() -> bytes:
    return b"x"


@pathology
def body_only() -> bytes:
    return b"\r\n\r\n" + TEXT


@pathology
def binary_garbage() -> bytes:
    return bytes(range(256)) * 4096


@pathology
def nul_everywhere() -> bytes:
    return (HEAD + SUBJECT + b"\r\n" + TEXT).replace(b" ", b"\x00")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, make in PATHOLOGIES.items():
        (out / f"{name}.eml").write_bytes(make())
    print(f"{len(PATHOLOGIES)} mails written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
