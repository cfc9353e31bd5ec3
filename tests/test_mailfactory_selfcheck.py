"""Self-check of tests/mailfactory.py alone (no classifier): the mails parse, say what they claim."""

import email
import email.policy
import html
import re
from collections import Counter
from datetime import datetime

import mailfactory as mf
import pytest

ORDER_RE = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def _text(raw: bytes) -> tuple[str, str, email.message.EmailMessage]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            content = part.get_content()
            if part.get_content_subtype() == "html":
                content = html.unescape(re.sub(r"<[^>]+>", " ", content))
            parts.append(content)
    return str(msg["subject"]), "\n".join(parts), msg


@pytest.fixture(scope="module")
def variants():
    return mf.all_variants()


@pytest.fixture(scope="module")
def stream():
    return list(mf.generate(300, seed=7))


def _check(mail: mf.FactoryMail) -> None:
    assert set(mail.expected) == set(mf.EXPECTED_KEYS), mail.name
    assert b"\r\n" in mail.raw and b"\n" not in mail.raw.replace(b"\r\n", b""), mail.name
    assert mail.raw.startswith(b"Authentication-Results: "), mail.name
    subject, body, msg = _text(mail.raw)
    assert not msg.defects, (mail.name, msg.defects)
    assert msg["from"] and msg["date"] and msg["message-id"] and msg["received"], mail.name
    assert "mx.example.test" in str(msg["received"])
    assert "\ufffd" not in subject + body, mail.name
    exp = mail.expected
    assert exp["tier"] in (1, 2, None)
    assert exp["case_status"] in ("opened", "answered", "closed", None)
    if exp["order_id"]:
        assert ORDER_RE.match(exp["order_id"])
        assert exp["order_id"] in subject + "\n" + body, mail.name
    if exp["case_id"]:
        assert len(exp["case_id"]) in (10, 11)
        assert exp["case_id"] in subject + "\n" + body, mail.name
    if exp["deadline"]:
        deadline = datetime.fromisoformat(exp["deadline"])
        assert deadline.tzinfo is not None
        received = email.utils.parsedate_to_datetime(str(msg["received"]).rpartition(";")[2].strip())
        assert deadline > received
    if exp["marketplace"]:
        assert exp["marketplace"] in mf.MARKETPLACES
    if exp["suspicious"]:
        assert exp["category"] is None and not exp["ack"] and not exp["forward"] and exp["order_id"] is None


def test_all_variants_parse_and_carry_their_ids(variants):
    assert len(variants) == len(mf.KINDS) * len(mf.LANGUAGES)
    assert len({m.name for m in variants}) == len(variants)
    for mail in variants:
        _check(mail)


def test_all_variants_cover_pairs_and_encodings(variants):
    pairs = {(m.name.split("-")[0], m.name.split("-")[1]) for m in variants}
    assert pairs == {(k, lang) for k in mf.KINDS for lang in mf.LANGUAGES}
    used = Counter(enc for m in variants for enc in mf.ENCODINGS if f"-{enc}-" in m.name)
    for enc in mf.ENCODINGS:
        assert used[enc] >= 2, (enc, used)


def test_generate_parses_and_is_deterministic(stream):
    assert len({m.name for m in stream}) == 300
    for mail in stream:
        _check(mail)
    again = list(mf.generate(300, seed=7))
    assert [m.raw for m in again] == [m.raw for m in stream]
    other = list(mf.generate(50, seed=8))
    assert [m.raw for m in other] != [m.raw for m in stream[:50]]


def test_generate_covers_kinds_and_languages(stream):
    kinds = Counter(m.name.split("-")[1] for m in stream)
    langs = {m.name.split("-")[2] for m in stream}
    assert set(kinds) == set(mf.KINDS)
    assert langs == set(mf.LANGUAGES)
    assert kinds["buyer_message"] == max(kinds.values())   # shaped like a real inbox


def test_phrase_tables_complete():
    for lang in mf.LANGUAGES:
        missing = set(mf.PHRASES["en"]) - set(mf.PHRASES[lang])
        assert not missing, (lang, sorted(missing))


def test_expected_values_by_kind(variants):
    for mail in variants:
        kind, exp = mail.name.split("-")[0], mail.expected
        if kind == "atoz_claim":
            assert exp["tier"] == 1 and exp["forward"] and not exp["ack"] and exp["deadline"]
        elif kind == "atoz_risk":
            assert exp["tier"] == 1 and exp["forward"] and exp["ack"] and exp["deadline"]
        elif kind == "buyer_autoreply":
            assert exp["category"] == "buyer_message" and not exp["ack"] and exp["deadline"]
            assert b"Auto-Submitted: auto-replied" in mail.raw
        elif kind == "case":
            assert exp["case_id"] and exp["case_status"]
        elif kind in ("spoof_dmarc", "spoof_lookalike"):
            assert exp["suspicious"]
        elif kind == "other":
            assert exp["category"] == "other" and exp["tier"] is None


def test_make_is_deterministic_and_honours_arguments():
    a = mf.make("atoz_claim", lang="de", marketplace="DE", encoding="latin-1", seed=5)
    b = mf.make("atoz_claim", lang="de", marketplace="DE", encoding="latin-1", seed=5)
    assert a == b and a.expected["marketplace"] == "DE"
    arrival = datetime.fromisoformat("2026-11-20T10:00:00+00:00")
    c = mf.make("chargeback", lang="fr", seed=1, arrival=arrival)
    assert datetime.fromisoformat(c.expected["deadline"]) == datetime.fromisoformat("2026-11-27T10:00:00+00:00")
    with pytest.raises(ValueError):
        mf.make("nope")
