"""[trust] verify_dkim: where no trusted Authentication-Results decides, the gateway verifies
Amazon's DKIM signature itself. Mails are signed with a key made for the tests (the rsa_key
fixture); dkimpy gets the key record through its DNS hook, never from the network."""

import zipfile
from datetime import datetime, timezone

import dkim
import pytest
from configs import make_config
from mails import buyer, carrier, dkim_key_name, dkim_signed, shipping_notice, unauthenticated_claim
from recording import recorded

from gateway.actions.forward import choose_evidence
from gateway.config import ConfigError
from gateway.deadlines.evidence import build
from gateway.judging import trust as trust_module
from gateway.judging.classify import Classifier
from gateway.judging.dkim_check import DkimChecker
from gateway.judging.trust import assess
from gateway.mail.parse import parse_mail
from gateway.state import State


class FakeDns:
    """The TXT records dkimpy asks for, by name; counts the questions."""

    def __init__(self, records: dict[bytes, bytes] | None = None, error: Exception | None = None):
        self.records, self.error, self.asked = records or {}, error, []

    def __call__(self, name: bytes, timeout: float = 5) -> bytes | None:
        self.asked.append(name)
        if self.error is not None:
            raise self.error
        return self.records.get(name)


@pytest.fixture
def dkim_classifier(tmp_path, monkeypatch):
    """A classifier of a config with verify_dkim and no authserv_ids, its DKIM check given `dns`."""

    def make(dns: FakeDns) -> tuple[Classifier, DkimChecker]:
        config = make_config(tmp_path, trust={"verify_dkim": True})
        assert config.verify_dkim and not config.authserv_ids
        classifier = Classifier(config)
        assert isinstance(classifier.dkim, DkimChecker)  # made from the configuration
        classifier.dkim = DkimChecker(dns)  # its DNS answers from the test, never the network
        return classifier, classifier.dkim

    return make


def test_a_genuine_signed_claim_passes_and_is_a_crisis(dkim_classifier, rsa_key):
    key, record = rsa_key
    classifier, _ = dkim_classifier(FakeDns({dkim_key_name("amazon.co.uk"): record}))
    verdict = classifier.classify(dkim_signed(unauthenticated_claim(), key, "amazon.co.uk"))
    assert verdict.verified == "pass" and not verdict.suspicious
    assert verdict.tier == 1 and verdict.subject.startswith("[CRISIS: A-to-Z by ")
    assert "trust: the gateway verified the DKIM signature of amazon.co.uk: authenticated as amazon.co.uk" in verdict.trace


def test_a_body_changed_after_signing_fails(dkim_classifier, rsa_key):
    key, record = rsa_key
    classifier, _ = dkim_classifier(FakeDns({dkim_key_name("amazon.co.uk"): record}))
    raw = dkim_signed(unauthenticated_claim(), key, "amazon.co.uk")
    # the body changed on the way in, as where Microsoft's Safe Links rewrite a mail's links
    rewritten = raw + b"https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fsellercentral.amazon.co.uk\r\n"
    verdict = classifier.classify(rewritten)
    assert verdict.verified == "fail" and verdict.suspicious
    assert verdict.tier is None and verdict.subject.startswith("[SUSPECT] ")
    assert any("the gateway's DKIM check of amazon.co.uk: the signature does not verify" in t for t in verdict.trace)


def test_a_signature_of_another_domain_is_not_aligned(dkim_classifier, rsa_key):
    key, record = rsa_key
    dns = FakeDns({dkim_key_name("evil.example"): record})
    classifier, _ = dkim_classifier(dns)
    verdict = classifier.classify(dkim_signed(unauthenticated_claim(), key, "evil.example"))
    assert verdict.verified == "fail" and verdict.suspicious and verdict.tier is None
    assert any("no DKIM signature of amazon.co.uk (signed by: evil.example)" in t for t in verdict.trace)
    assert dns.asked == []  # an unaligned signature is not even looked up


def test_an_unsigned_claim_fails():
    dns = FakeDns()
    trust = assess(parse_mail(unauthenticated_claim()), [], dkim=DkimChecker(dns))
    assert trust.verified == "fail" and trust.suspicious and dns.asked == []
    assert trust.reasons == ("claims amazon.co.uk but the gateway found no DKIM signature of amazon.co.uk (signed by: none)",)


@pytest.mark.parametrize("dns", [FakeDns(error=dkim.DnsTimeoutError("timed out")), FakeDns({})],
                         ids=["timeout", "no key"])
def test_a_failing_lookup_gives_none_not_fail(dkim_classifier, rsa_key, dns):
    key, _ = rsa_key
    classifier, _ = dkim_classifier(dns)
    verdict = classifier.classify(dkim_signed(unauthenticated_claim(), key, "amazon.co.uk"))
    assert verdict.verified == "none" and verdict.suspicious and verdict.tier is None
    trust_lines = [t for t in verdict.trace if t.startswith("trust: ")]
    assert trust_lines == ["trust: claims amazon.co.uk but no Authentication-Results from a trusted server",
                           "trust: the gateway could not look up the DKIM key of amazon.co.uk: not checked"]
    assert not any("fail" in t for t in trust_lines)


def test_the_key_cache_is_used(rsa_key):
    key, record = rsa_key
    dns = FakeDns({dkim_key_name("amazon.co.uk"): record})
    checker = DkimChecker(dns)
    for order in ("205-1111111-2222222", "205-3333333-4444444"):
        mail = parse_mail(dkim_signed(unauthenticated_claim(order), key, "amazon.co.uk"))
        assert assess(mail, [], dkim=checker).verified == "pass"
    assert dns.asked == [dkim_key_name("amazon.co.uk")] and checker.lookups == 1


def test_a_failed_lookup_is_not_cached(rsa_key):
    key, _ = rsa_key
    dns = FakeDns(error=dkim.DnsTimeoutError("timed out"))
    checker = DkimChecker(dns)
    mail = parse_mail(dkim_signed(unauthenticated_claim(), key, "amazon.co.uk"))
    assert [assess(mail, [], dkim=checker).verified for _ in range(2)] == ["none", "none"]
    assert len(dns.asked) == 2


def test_a_trusted_result_decides_before_the_dkim_check(rsa_key):
    """Topmost trusted result first: a trusted fail stays a fail, even with a good signature."""
    key, record = rsa_key
    dns = FakeDns({dkim_key_name("amazon.co.uk"): record})
    failing = b"Authentication-Results: mx.example.test; dkim=fail header.d=amazon.co.uk; dmarc=fail\r\n"
    mail = parse_mail(dkim_signed(failing + unauthenticated_claim(), key, "amazon.co.uk"))
    trust = assess(mail, ["mx.example.test"], dkim=DkimChecker(dns))
    assert trust.verified == "fail" and trust.suspicious and dns.asked == []


def test_verify_dkim_must_be_a_boolean(tmp_path):
    with pytest.raises(ConfigError, match="verify_dkim must be true or false"):
        make_config(tmp_path, trust={"verify_dkim": "yes"})


ORDER = "114-2682884-2909064"


@pytest.fixture
def evidence_dns(monkeypatch, rsa_key):
    """The DKIM check of the evidence answered from the test: the keys of Amazon's domains and UPS's."""
    _, record = rsa_key
    dns = FakeDns({dkim_key_name(domain): record for domain in ("amazon.co.uk", "marketplace.amazon.co.uk", "ups.com")})
    monkeypatch.setattr(trust_module, "shared_dkim_checker", lambda: DkimChecker(dns))
    return dns


def test_with_verify_dkim_signed_mail_is_delivery_proof_and_unsigned_is_not(tmp_path, rsa_key, evidence_dns):
    """Recorded with [trust] unset (nothing suspicious), packed with verify_dkim alone: the signed
    shipping notice and carrier mail are proof, their unsigned copies for another order are not."""
    key, _ = rsa_key
    other = "114-0000000-0000001"
    recorded(make_config(tmp_path, trust={}),
             dkim_signed(shipping_notice(ORDER, auth=None), key, "amazon.co.uk"),
             dkim_signed(carrier(ORDER, auth=None), key, "ups.com"),
             shipping_notice(other, auth=None).replace(b"<ship-", b"<unsigned-ship-"),
             carrier(other, auth=None).replace(b"<ups-1@", b"<ups-2@"))
    config = make_config(tmp_path, trust={"verify_dkim": True})
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    with State(config.state_dir) as state:
        proven = build(state, config, ORDER, tmp_path / "out", now)
        unproven = build(state, config, other, tmp_path / "out", now)
    proof = {c.name: c.found for c in proven.checks}["delivery"]
    assert [f.rsplit(" in ", 1)[1] for f in proof] == ["01-2026-11-20-shipping.eml", "02-2026-11-21-carrier.eml"]
    assert {c.name: c.found for c in unproven.checks}["delivery"] == []
    with zipfile.ZipFile(unproven.path) as archive:
        page = archive.read(f"evidence-{other}/index.html").decode()
    assert "shipment-tracking@amazon.co.uk) did not pass authentication" in page
    assert "pkginfo@ups.com) did not pass authentication" in page


def test_with_verify_dkim_a_forward_attaches_signed_mail_only(tmp_path, rsa_key, evidence_dns):
    key, _ = rsa_key
    config = make_config(tmp_path, trust={"verify_dkim": True})
    unsigned = b"".join(line for line in buyer(ORDER, "Where is it?").splitlines(keepends=True)
                        if not line.startswith(b"Authentication-Results:"))
    rows = [{"arrival": "2026-11-22T10:00:03+00:00", "from_address": "k3j4h5g6f7d8@marketplace.amazon.co.uk",
             "original_subject": subject} for subject in ("signed", "unsigned")]
    attached, left_out = choose_evidence([(rows[0], dkim_signed(unsigned, key, "marketplace.amazon.co.uk")),
                                          (rows[1], unsigned)], config)
    assert [row["original_subject"] for row, _ in attached] == ["signed"]
    assert left_out == [
        "2026-11-22T10:00 from k3j4h5g6f7d8@marketplace.amazon.co.uk: unsigned (sender not authenticated)"]
    assert evidence_dns.asked == [dkim_key_name("marketplace.amazon.co.uk")]
