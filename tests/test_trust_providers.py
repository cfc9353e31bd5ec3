"""Authentication-Results as the mailbox providers write them: a genuine A-to-z claim with the
provider's header on top is a tier-1 crisis; a forged one in the same format is suspect.

The headers follow each provider's documented format (folded as they arrive); the claim is
mails.claim without its own Authentication-Results.
"""

from __future__ import annotations

import pytest
from configs import make_config
from mails import claim

from gateway.config import ConfigError, config_from_dict
from gateway.judging.classify import Classifier
from gateway.judging.trust import assess, parse_arc_authentication_results, parse_authentication_results
from gateway.mail.parse import parse_mail

ORDER = "111-2223334-4445556"


def _headers(*values: str) -> bytes:
    return b"".join(b"Authentication-Results: " + v.encode() + b"\r\n" for v in values)


def with_results(*values: str, domain: str = "amazon.com") -> bytes:
    """The claim with these Authentication-Results on top, topmost first, and no other."""
    own, _, rest = claim(ORDER, domain=domain).partition(b"\r\n")
    assert own.startswith(b"Authentication-Results: ")
    return _headers(*values) + rest


# Microsoft 365 / Exchange Online / Outlook.com: no authserv-id; compauth is Microsoft's verdict
MICROSOFT_PASS = ("spf=pass (sender IP is 54.240.8.31)\r\n smtp.mailfrom=bounces.amazon.com; dkim=pass (signature was\r\n"
                  " verified) header.d=amazon.com;dmarc=pass action=none\r\n"
                  " header.from=amazon.com;compauth=pass reason=100")
MICROSOFT_FAIL = ("spf=fail (sender IP is 203.0.113.9)\r\n smtp.mailfrom=amazon.com; dkim=none (message not signed)\r\n"
                  " header.d=none;dmarc=fail action=quarantine\r\n header.from=amazon.com;compauth=fail reason=000")
MICROSOFT_ARC = ("i=1; mx.microsoft.com 1; spf=pass (sender ip is 54.240.8.31)\r\n smtp.mailfrom=bounces.amazon.com; "
                 "dmarc=pass (p=quarantine sp=quarantine\r\n pct=100) action=none header.from=amazon.com; dkim=pass\r\n"
                 " (signature was verified) header.d=amazon.com; arc=none")

# Gmail / Google Workspace: header.i=@domain, Amazon's two DKIM signatures
GOOGLE_PASS = ("mx.google.com;\r\n       dkim=pass header.i=@amazon.com header.s=rjtx5 header.b=Qm9vZ2xl;\r\n"
               "       dkim=pass header.i=@amazonses.com header.s=ug7n header.b=U0VTc2ln;\r\n"
               "       spf=pass (google.com: domain of 0100018c-aaaa@bounces.amazon.com designates 54.240.8.31 as "
               "permitted sender) smtp.mailfrom=0100018c-aaaa@bounces.amazon.com;\r\n"
               "       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=amazon.com")
GOOGLE_FAIL = ("mx.google.com;\r\n       dkim=pass header.i=@amazon-claims.example header.s=s1 header.b=ZXZpbA==;\r\n"
               "       spf=softfail (google.com: domain of transitioning claims@amazon.com does not designate "
               "203.0.113.9 as permitted sender) smtp.mailfrom=claims@amazon.com;\r\n"
               "       dmarc=fail (p=QUARANTINE sp=QUARANTINE dis=QUARANTINE) header.from=amazon.com")

# Yahoo / AOL: the host changes from one mail to the next; a comment glued to the result
YAHOO_PASS = ("atlas-production.v2.mail-smtp.yahoo.com;\r\n dkim=pass header.i=@amazon.com header.s=rjtx5;\r\n"
              " spf=pass smtp.mailfrom=bounces.amazon.com;\r\n dmarc=pass(p=QUARANTINE) header.from=amazon.com;")
YAHOO_FAIL = ("atlas-baseline-production.v2.mail-smtp.yahoo.com;\r\n dkim=unknown;\r\n spf=fail smtp.mailfrom=amazon.com;"
              "\r\n dmarc=fail(p=QUARANTINE) header.from=amazon.com;")

# Zoho: a bare dkim=pass, and header.from as an address in angle brackets
ZOHO_PASS = ("mx.zohomail.com;\r\n\tdkim=pass;\r\n\tspf=pass (zohomail.com: domain of bounces.amazon.com designates "
             "54.240.8.31 as permitted sender)  smtp.mailfrom=0100018c-aaaa@bounces.amazon.com;\r\n"
             "\tdmarc=pass(p=quarantine dis=none)  header.from=<atoz-guarantee-no-reply@amazon.com>")
ZOHO_FAIL = ("mx.zohomail.com;\r\n\tdkim=fail;\r\n\tspf=fail (zohomail.com: domain of amazon.com does not designate "
             "203.0.113.9 as permitted sender)  smtp.mailfrom=claims@amazon.com;\r\n"
             "\tdmarc=fail(p=quarantine dis=quarantine)  header.from=<atoz-guarantee-no-reply@amazon.com>")

# Fastmail: mx1 to mx6, many methods and x- results, a comment with commas
FASTMAIL_PASS = ("mx4.messagingengine.com;\r\n    dkim=pass (2048-bit rsa key sha256) header.d=amazon.com\r\n"
                 "      header.i=@amazon.com header.b=QUJD header.a=rsa-sha256 header.s=rjtx5 x-bits=2048;\r\n"
                 "    dmarc=pass policy.published-domain-policy=quarantine\r\n"
                 "      policy.applied-disposition=none policy.evaluated-disposition=none\r\n"
                 "      (p=quarantine,d=none,d.eval=none) policy.policy-from=p header.from=amazon.com;\r\n"
                 "    iprev=pass smtp.remote-ip=54.240.8.31 (a8-31.smtp-out.amazonses.com);\r\n"
                 "    spf=pass smtp.mailfrom=0100018c-aaaa@bounces.amazon.com smtp.helo=a8-31.smtp-out.amazonses.com;\r\n"
                 "    x-aligned-from=pass (Address match);\r\n    x-me-sender=none")
FASTMAIL_FAIL = ("mx1.messagingengine.com;\r\n    dkim=none (no signatures found);\r\n"
                 "    dmarc=fail policy.published-domain-policy=quarantine (p=quarantine,d=quarantine,d.eval=quarantine)"
                 "\r\n      policy.policy-from=p header.from=amazon.com;\r\n    spf=fail smtp.mailfrom=claims@amazon.com")

# GMX / web.de name their domain and write DKIM only
GMX_PASS = "gmx.net; dkim=pass header.i=@amazon.com"
GMX_FAIL = "gmx.net; dkim=fail header.i=@amazon.com"
WEBDE_PASS = "web.de; dkim=pass header.i=@amazon.com"
IONOS_PASS = "kundenserver.de; dkim=pass header.i=@amazon.com; dmarc=pass header.from=amazon.com"

# iCloud: one header per method, each from its own server
ICLOUD_PASS = ('bimi.icloud.com; bimi=skipped reason="insufficient dmarc"',
               "dmarc.icloud.com; dmarc=pass header.from=amazon.com",
               "dkim-verifier.icloud.com;\r\n\tdkim=pass (2048-bit key) header.d=amazon.com header.i=@amazon.com "
               "header.b=QUJD",
               "spf.icloud.com; spf=pass (spf.icloud.com: domain of 0100018c-aaaa@bounces.amazon.com designates "
               "54.240.8.31 as permitted sender) smtp.mailfrom=0100018c-aaaa@bounces.amazon.com")
ICLOUD_FAIL = ('bimi.icloud.com; bimi=skipped reason="insufficient dmarc"',
               "dmarc.icloud.com; dmarc=fail header.from=amazon.com",
               "dkim-verifier.icloud.com; dkim=none",
               "spf.icloud.com; spf=fail (spf.icloud.com: domain of amazon.com does not designate 203.0.113.9 as "
               "permitted sender) smtp.mailfrom=claims@amazon.com")

# Self-hosted: OpenDKIM and OpenDMARC write a header each (a ";" inside OpenDKIM's comment);
# rspamd and Amavis one
OPENDKIM_PASS = ("mail.shop.example;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=amazon.com "
                 "header.i=@amazon.com header.a=rsa-sha256 header.s=rjtx5 header.b=QUJD")
OPENDMARC_PASS = "mail.shop.example; dmarc=pass (p=quarantine dis=none) header.from=amazon.com"
OPENDMARC_FAIL = "mail.shop.example; dmarc=fail (p=quarantine dis=quarantine) header.from=amazon.com"
RSPAMD_PASS = ("mail.shop.example;\r\n\tdkim=pass header.d=amazon.com header.s=rjtx5 header.b=QUJD;\r\n"
               "\tspf=pass (mail.shop.example: domain of 0100018c-aaaa@bounces.amazon.com designates 54.240.8.31 as "
               "permitted sender) smtp.mailfrom=0100018c-aaaa@bounces.amazon.com;\r\n"
               "\tdmarc=pass reason=\"SPF not aligned (relaxed)\" header.from=amazon.com (policy=quarantine)")
RSPAMD_FAIL = ("mail.shop.example;\r\n\tdkim=none;\r\n\tspf=fail (mail.shop.example: domain of claims@amazon.com does "
               "not designate 203.0.113.9 as permitted sender) smtp.mailfrom=claims@amazon.com;\r\n"
               "\tdmarc=fail reason=\"No valid SPF, No valid DKIM\" header.from=amazon.com (policy=quarantine)")
AMAVIS_PASS = ("mail.shop.example (amavisd-new);\r\n\tdkim=pass (2048-bit key) header.d=amazon.com "
               "header.b=\"QUJD\"")
AMAVIS_FAIL = "mail.shop.example (amavisd-new);\r\n\tdkim=fail (2048-bit key) reason=\"fail (bad RSA signature)\"\r\n" \
              "\theader.d=amazon.com header.b=\"QUJD\""

SELF_HOSTED = ["mail.shop.example"]

# (name, [trust] authserv_ids, genuine topmost-first, forged topmost-first): trust by patterns
BY_AUTHSERV_ID = [
    ("google", ["mx.google.com"], [GOOGLE_PASS], [GOOGLE_FAIL]),
    ("google, forged result below", ["mx.google.com"], [GOOGLE_PASS], [GOOGLE_FAIL, GOOGLE_PASS]),
    ("yahoo", ["*.mail-smtp.yahoo.com"], [YAHOO_PASS], [YAHOO_FAIL]),
    ("yahoo, forged result below", ["*.mail-smtp.yahoo.com"], [YAHOO_PASS], [YAHOO_FAIL, YAHOO_PASS]),
    ("zoho", ["mx.zohomail.com"], [ZOHO_PASS], [ZOHO_FAIL]),
    ("zoho, bare dkim=pass proves no domain", ["mx.zohomail.com"], [ZOHO_PASS], ["mx.zohomail.com; dkim=pass; spf=pass"]),
    ("fastmail", ["mx*.messagingengine.com"], [FASTMAIL_PASS], [FASTMAIL_FAIL]),
    ("fastmail, forged result below", ["mx*.messagingengine.com"], [FASTMAIL_PASS], [FASTMAIL_FAIL, FASTMAIL_PASS]),
    ("gmx", ["gmx.net"], [GMX_PASS], [GMX_FAIL]),
    ("gmx, the sender's own signature", ["gmx.net"], [GMX_PASS], ["gmx.net; dkim=pass header.i=@amazon-claims.example"]),
    ("web.de", ["web.de"], [WEBDE_PASS], ["web.de; dkim=fail header.i=@amazon.com", WEBDE_PASS]),
    ("ionos", ["kundenserver.de"], [IONOS_PASS], ["kundenserver.de; dkim=none; dmarc=fail header.from=amazon.com"]),
    ("opendkim and opendmarc", SELF_HOSTED, [OPENDMARC_PASS, OPENDKIM_PASS], [OPENDMARC_FAIL, OPENDKIM_PASS]),
    ("opendkim alone", SELF_HOSTED, [OPENDKIM_PASS], [AMAVIS_FAIL, OPENDKIM_PASS]),
    ("rspamd", SELF_HOSTED, [RSPAMD_PASS], [RSPAMD_FAIL]),
    ("rspamd, forged result below", SELF_HOSTED, [RSPAMD_PASS], [RSPAMD_FAIL, RSPAMD_PASS]),
    ("amavis", SELF_HOSTED, [AMAVIS_PASS], [AMAVIS_FAIL]),
]


@pytest.mark.parametrize("name, authserv_ids, genuine, forged", BY_AUTHSERV_ID, ids=[c[0] for c in BY_AUTHSERV_ID])
def test_provider_results_by_authserv_id(tmp_path, name, authserv_ids, genuine, forged):
    classifier = Classifier(make_config(tmp_path, trust={"authserv_ids": authserv_ids}))
    real = classifier.classify(with_results(*genuine))
    assert (real.suspicious, real.verified, real.tier) == (False, "pass", 1)
    assert real.subject.startswith("[CRISIS: A-to-Z by ")
    fake = classifier.classify(with_results(*forged))
    assert (fake.suspicious, fake.verified, fake.tier) == (True, "fail", None)
    assert fake.subject.startswith("[SUSPECT] ") and fake.action("forward") is None


def test_a_lookalike_domain_that_passes_its_own_checks_is_suspect(tmp_path):
    classifier = Classifier(make_config(tmp_path, trust={"authserv_ids": ["mx.google.com"]}))
    own = GOOGLE_PASS.replace("amazon.com", "amazon-claims.example")
    verdict = classifier.classify(with_results(own, domain="amazon-claims.example"))
    assert verdict.suspicious and verdict.tier is None and verdict.action("forward") is None


def _assess(raw: bytes, *, provider: str | None, authserv_ids: tuple[str, ...] = ()):
    return assess(parse_mail(raw), list(authserv_ids), provider)


# (name, provider, genuine topmost-first, forged topmost-first): trust that needs the provider
BY_PROVIDER = [
    ("microsoft365", "microsoft365", [MICROSOFT_PASS], [MICROSOFT_FAIL]),
    ("microsoft365, forged result below", "microsoft365", [MICROSOFT_PASS], [MICROSOFT_FAIL, MICROSOFT_PASS]),
    ("microsoft365, compauth alone fails", "microsoft365", [MICROSOFT_PASS],
     [MICROSOFT_PASS.replace("compauth=pass reason=100", "compauth=fail reason=601")]),
    ("icloud", "icloud", list(ICLOUD_PASS), list(ICLOUD_FAIL)),
    ("icloud, forged results below", "icloud", list(ICLOUD_PASS), list(ICLOUD_FAIL) + list(ICLOUD_PASS)),
    # iCloud's own DMARC check could not decide: a passing dmarc.icloud.com header below it is the sender's
    ("icloud, a forged server's second header", "icloud", list(ICLOUD_PASS),
     [ICLOUD_FAIL[0], "dmarc.icloud.com; dmarc=temperror header.from=amazon.com", ICLOUD_FAIL[2], ICLOUD_PASS[1]]),
    ("google", "google", [GOOGLE_PASS], [GOOGLE_FAIL, GOOGLE_PASS]),
    ("yahoo", "yahoo", [YAHOO_PASS], [YAHOO_FAIL]),
    ("zoho", "zoho", [ZOHO_PASS], [ZOHO_FAIL]),
    ("fastmail", "fastmail", [FASTMAIL_PASS], [FASTMAIL_FAIL, FASTMAIL_PASS]),
    ("gmx", "gmx", [GMX_PASS], [GMX_FAIL]),
    ("ionos", "ionos", [IONOS_PASS], ["kundenserver.de; dkim=none; dmarc=fail header.from=amazon.com", IONOS_PASS]),
]


@pytest.mark.parametrize("name, provider, genuine, forged", BY_PROVIDER, ids=[c[0] for c in BY_PROVIDER])
def test_provider_results_by_provider(name, provider, genuine, forged):
    real = _assess(with_results(*genuine), provider=provider)
    assert (real.verified, real.suspicious) == ("pass", False)
    fake = _assess(with_results(*forged), provider=provider)
    assert (fake.verified, fake.suspicious) == ("fail", True)


def test_without_the_provider_microsofts_result_is_nobodys():
    verdict = _assess(with_results(MICROSOFT_PASS), provider=None, authserv_ids=("mx.shop.example",))
    assert (verdict.verified, verdict.suspicious) == ("none", True)


def test_a_named_header_on_top_is_not_microsofts():
    """With microsoft365, only a header without an authserv-id is Microsoft's: a sender's named one
    above it (never there in practice) is skipped, and the topmost unnamed one decides."""
    forged = with_results("mx.evil.example; dkim=pass header.d=amazon.com; dmarc=pass header.from=amazon.com",
                          MICROSOFT_FAIL)
    assert _assess(forged, provider="microsoft365").verified == "fail"


def test_microsofts_arc_result_is_never_trusted():
    raw = b"ARC-Authentication-Results: " + MICROSOFT_ARC.encode() + b"\r\n" + with_results(MICROSOFT_FAIL)
    assert _assess(raw, provider="microsoft365").verified == "fail"


def test_icloud_by_pattern_alone_sees_only_the_topmost_server():
    """The topmost iCloud header holds BIMI only: without provider = "icloud" it proves nothing."""
    verdict = _assess(with_results(*ICLOUD_PASS), provider=None, authserv_ids=("*.icloud.com",))
    assert verdict.verified == "fail"


@pytest.mark.parametrize(
    "value, authserv_id, named, expected",
    [
        (MICROSOFT_PASS, "spf=pass", False,
         [("spf", "pass", {"smtp.mailfrom": "bounces.amazon.com"}), ("dkim", "pass", {"header.d": "amazon.com"}),
          ("dmarc", "pass", {"header.from": "amazon.com"}), ("compauth", "pass", {})]),
        (GOOGLE_PASS, "mx.google.com", True,
         [("dkim", "pass", {"header.i": "@amazon.com", "header.s": "rjtx5", "header.b": "qm9vz2xl"}),
          ("dkim", "pass", {"header.i": "@amazonses.com", "header.s": "ug7n", "header.b": "u0vtc2ln"}),
          ("spf", "pass", {"smtp.mailfrom": "0100018c-aaaa@bounces.amazon.com"}),
          ("dmarc", "pass", {"header.from": "amazon.com"})]),
        (ZOHO_PASS, "mx.zohomail.com", True,
         [("dkim", "pass", {}), ("spf", "pass", {"smtp.mailfrom": "0100018c-aaaa@bounces.amazon.com"}),
          ("dmarc", "pass", {"header.from": "amazon.com"})]),
        (AMAVIS_PASS, "mail.shop.example", True, [("dkim", "pass", {"header.d": "amazon.com", "header.b": "qujd"})]),
        (OPENDKIM_PASS, "mail.shop.example", True,
         [("dkim", "pass", {"header.d": "amazon.com", "header.i": "@amazon.com", "header.a": "rsa-sha256",
                            "header.s": "rjtx5", "header.b": "qujd"})]),
    ],
)
def test_parsing(value, authserv_id, named, expected):
    result = parse_authentication_results(" ".join(value.split()))
    assert (result.authserv_id, result.named) == (authserv_id, named)
    assert [(r.method, r.result, r.properties) for r in result.results] == expected


def test_parsing_fastmail_and_microsofts_arc():
    fastmail = parse_authentication_results(FASTMAIL_PASS)
    assert [r.method for r in fastmail.results] == ["dkim", "dmarc", "iprev", "spf", "x-aligned-from", "x-me-sender"]
    assert fastmail.of("dmarc")[0].properties["header.from"] == "amazon.com"
    assert fastmail.of("dkim")[0].signing_domain == "amazon.com"
    arc = parse_arc_authentication_results(MICROSOFT_ARC)
    assert arc.authserv_id == "mx.microsoft.com" and [r.method for r in arc.results] == ["spf", "dmarc", "dkim", "arc"]
    assert parse_arc_authentication_results(MICROSOFT_PASS) is None


@pytest.mark.parametrize(
    "pattern, authserv_id, trusted",
    [
        ("*.mail-smtp.yahoo.com", "atlas-production.v2.mail-smtp.yahoo.com", True),
        ("*.mail-smtp.yahoo.com", "ATLAS122.free.MAIL-SMTP.yahoo.com", True),
        ("*.mail-smtp.yahoo.com", "mail-smtp.yahoo.com.evil.example", False),
        ("mx*.messagingengine.com", "mx6.messagingengine.com", True),
        ("mx*.messagingengine.com", "smtp.messagingengine.com", False),
        ("MX.Example.Test", "mx.example.test", True),
    ],
)
def test_authserv_id_patterns(pattern, authserv_id, trusted):
    header = f"{authserv_id}; dkim=pass header.d=amazon.com; dmarc=pass header.from=amazon.com"
    verdict = _assess(with_results(header), provider=None, authserv_ids=(pattern,))
    assert verdict.verified == ("pass" if trusted else "none")


def test_provider_setting_is_read_and_checked():
    base = {"mailbox": [{"address": "support@shop.example"}], "escalation": {"tier1": ["crisis@shop.example"]}}
    assert config_from_dict({**base, "trust": {"provider": "Microsoft365"}}).trust_provider == "microsoft365"
    assert config_from_dict(base).trust_provider is None
    with pytest.raises(ConfigError) as error:
        config_from_dict({**base, "trust": {"provider": "hotmail"}})
    assert "unknown provider 'hotmail'" in str(error.value)
    assert "microsoft365, google, yahoo, zoho, fastmail, gmx, ionos, icloud" in str(error.value)
    with pytest.raises(ConfigError):
        config_from_dict({**base, "trust": {"provider": 365}})


@pytest.mark.parametrize("provider, expected_tier", [("microsoft365", 1), (None, None)])
def test_the_classifier_reads_the_provider_setting_of_the_configuration(tmp_path, provider, expected_tier):
    """Through the daemon's own classifier: with provider = "microsoft365" a genuine claim in a
    Microsoft 365 inbox is a crisis; without it the same mail is suspect (no authserv-id to trust)."""
    trust = {"authserv_ids": ["mx.example.test"], **({"provider": provider} if provider else {})}
    verdict = Classifier(make_config(tmp_path, trust=trust)).classify(with_results(MICROSOFT_PASS))
    assert (verdict.tier, verdict.suspicious) == (expected_tier, provider is None)
    forged = Classifier(make_config(tmp_path, trust=trust)).classify(with_results(MICROSOFT_FAIL))
    assert forged.suspicious and forged.tier is None
