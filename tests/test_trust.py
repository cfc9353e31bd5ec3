"""Only the topmost Authentication-Results from a trusted server counts."""

import pytest

BODY = b"From: A-to-z Guarantee <atoz-guarantee-no-reply@amazon.de>\r\nSubject: Erstattungsantrag erhalten f\xc3\xbcr Bestellung 302-1234567-1234567\r\n\r\nBitte antworten.\r\n"
PASS = b"Authentication-Results: mx.example.test; dkim=pass header.d=amazon.de; spf=pass; dmarc=pass header.from=amazon.de\r\n"
FAIL = b"Authentication-Results: mx.example.test; dkim=fail header.d=amazon.de; spf=fail; dmarc=fail header.from=amazon.de\r\n"
FOREIGN_PASS = b"Authentication-Results: evil.example; dkim=pass header.d=amazon.de; dmarc=pass\r\n"


@pytest.mark.parametrize(
    "headers, suspicious, verified",
    [
        (PASS, False, "pass"),
        (FAIL, True, "fail"),
        (FAIL + PASS, True, "fail"),          # a passing result below the real one was written by the sender
        (FOREIGN_PASS + FAIL, True, "fail"),   # an untrusted server's verdict does not count
        (FOREIGN_PASS, True, "none"),          # no trusted result at all
        (b"Authentication-Results: MX.Example.Test (comment); dkim=pass (good) header.d=amazon.de\r\n", False, "pass"),
        (b"Authentication-Results: mx.example.test; dkim=pass header.d=evil.example; dmarc=none\r\n", True, "fail"),
    ],
)
def test_trusted_result(classifier, headers, suspicious, verified):
    verdict = classifier.classify(headers + BODY)
    assert verdict.suspicious is suspicious
    assert verdict.verified == verified
    if suspicious:
        assert verdict.tier is None and verdict.order_id is None
        assert [a.kind for a in verdict.actions] == ["tag"]
        assert verdict.subject.startswith("[SUSPECT] ")
    else:
        assert verdict.tier == 1 and verdict.subject.startswith("[CRISIS: A-to-Z by ")


@pytest.mark.parametrize(
    "sender",
    [
        b'"Amazon Seller Central" <notice@seller-alerts.example>',
        b'"Support" <notice@amaz0n-support.example>',
        b'"Amazon.de" <service@gmail.example>',
    ],
)
def test_pretending_to_be_amazon_is_suspicious(classifier, sender):
    raw = PASS + b"From: " + sender + b"\r\nSubject: A-to-z claim on order 111-2223334-4445556\r\n\r\nVerify now.\r\n"
    verdict = classifier.classify(raw)
    assert verdict.suspicious and verdict.tier is None and verdict.action("forward") is None


def test_ordinary_senders_are_not_suspicious(classifier):
    raw = b"From: Petra Lang <petra@shop.example>\r\nSubject: Amazon A-to-z claims this week\r\n\r\nlist attached\r\n"
    verdict = classifier.classify(raw)
    assert not verdict.suspicious and verdict.category == "other" and verdict.actions == ()


@pytest.mark.parametrize(
    "header",
    [
        # a passing signature of the sender's own domain beside a failing one claiming amazon.de
        b"Authentication-Results: mx.example.test; dkim=pass header.d=evil.example; dkim=fail header.d=amazon.de; dmarc=fail header.from=amazon.de\r\n",
        # no DMARC result, only the sender's own passing signature
        b"Authentication-Results: mx.example.test; dkim=pass header.d=evil.example; dkim=fail header.d=amazon.de\r\n",
        # DMARC passed, but for another From domain
        b"Authentication-Results: mx.example.test; dmarc=pass header.from=evil.example; dkim=pass header.d=evil.example\r\n",
    ],
)
def test_forged_signatures_do_not_verify_amazon(classifier, header):
    verdict = classifier.classify(header + BODY)
    assert verdict.suspicious and verdict.verified == "fail" and verdict.tier is None
