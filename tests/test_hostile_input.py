"""Malformed mail gets a verdict or a clear MailError, in bounded time and memory: never a traceback."""

import tracemalloc

import pytest
from hostile_corpus import HEAD

from gateway.mail.parse import MailError, parse_mail

ORDER = b"303-1234567-7654321"


def nested(depth: int) -> bytes:
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return HEAD + b"Subject: Frage (Bestellung: " + ORDER + b")\r\nMIME-Version: 1.0\r\n" + opening + b"Content-Type: text/plain\r\n\r\nDas Paket ist nicht angekommen." + closing


def big_attachment(megabytes: int) -> bytes:
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n"
    payload = line * (megabytes * 1024 * 1024 // len(line))
    return (
        HEAD + b"Subject: Foto (Bestellung: " + ORDER + b")\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
        b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDer Artikel ist kaputt angekommen, Foto anbei.\r\n"
        b"--zz\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=foto.jpg\r\n\r\n"
        + payload + b"--zz--\r\n"
    )


CASES = {
    "missing closing boundary": HEAD + b"Subject: Frage (Bestellung: " + ORDER + b")\r\nContent-Type: multipart/alternative; boundary=nowhere\r\n\r\n--nowhere\r\nContent-Type: text/plain\r\n\r\nDas Paket ist nicht angekommen.\r\n",
    "boundary never used": HEAD + b"Subject: Frage (Bestellung: " + ORDER + b")\r\nContent-Type: multipart/mixed; boundary=abc\r\n\r\nDas Paket ist nicht angekommen.\r\n",
    "bogus charset": HEAD + b"Subject: =?x-no-such-charset?q?Frage?= (Bestellung: " + ORDER + b")\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nDas Paket ist nicht angekommen. \xe4\xf6\xfc\r\n",
    "raw 8-bit latin-1 headers": HEAD + "Subject: Frage zur Bestellung: 303-1234567-7654321 \u2013 Lieferung über Nacht?\r\n".encode("cp1252") + b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n" + "Das Paket ist nicht angekommen, bitte prüfen.".encode("latin-1"),
    "raw 8-bit utf-8 headers": HEAD + "Subject: Frage zur Bestellung: 303-1234567-7654321 Größe?\r\n".encode("utf-8") + b"\r\nWelche Gr\xc3\xb6\xc3\x9fe?\r\n",
    "truncated in the middle of a part": (HEAD + b"Subject: Frage (Bestellung: " + ORDER + b")\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nRGFzIFBha2V0IGlzdCBuaWNodCBhbmdla29tbW")[:-3],
    "truncated inside the headers": HEAD[:150],
    "NUL bytes": HEAD + b"Subject: Fra\x00ge (Bestellung: " + ORDER + b")\r\n\r\nDas Paket\x00 ist nicht angekommen.\r\n",
    "1,000-level MIME nesting": nested(1000),
    "header without colon and bare CR": HEAD + b"Subject: Frage (Bestellung: " + ORDER + b")\r\nThis line is no header\rX-Evil: yes\r\n\r\nbody\r\n",
    "binary garbage": bytes(range(256)) * 50,
}


@pytest.mark.parametrize("name", CASES)
def test_malformed_mail_yields_a_verdict(classifier, name):
    verdict = classifier.classify(CASES[name])
    assert verdict.category  # a verdict, with a category, whatever the damage
    assert "\n" not in verdict.subject and "\r" not in verdict.subject and "\x00" not in verdict.subject


def test_raw_8bit_headers_keep_their_letters(classifier):
    latin = parse_mail(CASES["raw 8-bit latin-1 headers"])
    assert "über Nacht" in latin.subject and "\u2013" in latin.subject
    assert "Größe" in parse_mail(CASES["raw 8-bit utf-8 headers"]).subject


def test_nul_bytes_do_not_hide_the_buyer_words(classifier):
    verdict = classifier.classify(CASES["NUL bytes"])
    assert verdict.category == "atoz_risk"
    assert any("NUL" in d for d in verdict.defects)


def test_deep_nesting_falls_back_to_headers(classifier):
    verdict = classifier.classify(nested(1000))
    assert verdict.order_id == ORDER.decode()
    assert any("nesting" in d for d in verdict.defects)


def test_moderate_nesting_is_read_whole(classifier):
    verdict = classifier.classify(nested(40))
    assert verdict.category == "atoz_risk"


def test_25_mb_attachment_in_bounded_memory(classifier):
    raw = big_attachment(25)
    tracemalloc.start()
    try:
        verdict = classifier.classify(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.category == "atoz_risk"  # the text part is still read: "kaputt"
    # The mail itself is 25 MB; parsing it whole costs about 8 times that. Elided, far less.
    assert peak < 60 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n  "])
def test_empty_input_is_a_clear_error(classifier, raw):
    with pytest.raises(MailError, match="empty"):
        classifier.classify(raw)


def test_oversized_mail_is_a_clear_error():
    with pytest.raises(MailError, match="over the limit"):
        parse_mail(b"Subject: x\r\n\r\n" + b"a" * 5000, max_bytes=1024)


@pytest.fixture
def hang_guard():
    """Fails a test that runs for minutes instead of milliseconds (quadratic regexes on hostile
    input); not a speed measurement."""
    import signal

    def expired(*_):
        raise TimeoutError("still running after 20 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "body",
    [
        "-" * 200_000 + "x",                        # a dashed "marker" line that never ends
        "case" + " " * 200_000 + "x",               # a case word followed by endless blanks
        "1" * 200_000 + " EUR",                      # an endless amount
        ("------ a ------\n" * 5000) + "x",         # thousands of marker lines
    ],
)
def test_hostile_bodies_take_linear_time(classifier, hang_guard, body):
    from gateway.actions.forward import claim_details

    raw = HEAD + b"Subject: Frage (Bestellung: " + ORDER + b")\r\n\r\n" + body.encode() + b"\r\n"
    assert classifier.classify(raw).category
    claim_details(body)
