"""Hostile mail from the field: every input that once broke the gateway, kept passing.

tests/fuzz/regressions holds them as files (the fuzz target runs them too); here each gets the
assertion that says what went wrong before.
"""

import email
import email.header
import email.policy
from datetime import datetime, timezone
from pathlib import Path

import mails
import pytest
from configs import config_data
from hypothesis import given, settings
from hypothesis import strategies as st
from processes import cli
from recording import recorded

from gateway.config import config_from_dict
from gateway.judging.classify import Classifier
from gateway.judging.tagging import apply_verdict
from gateway.mail.headers import address_field, encode_field
from gateway.mail.parse import parse_mail
from gateway.mail.rewrite import rewrite_headers, split_message
from gateway.outgoing.outbox import Outbox
from gateway.state import State

REGRESSIONS = Path(__file__).parent / "fuzz" / "regressions"
NOW = datetime(2026, 11, 16, 12, 0, tzinfo=timezone.utc)


def regression(name: str) -> bytes:
    return (REGRESSIONS / name).read_bytes()


def header_lines(raw: bytes) -> list[bytes]:
    return split_message(raw)[0].split(b"\r\n")


@pytest.mark.parametrize("name", ["unicode-escape-lone-surrogate.eml", "raw-unicode-escape.eml",
                                  "utf-7-lone-surrogate.eml", "punycode-unicode-error.eml", "idna-unicode-error.eml"])
def test_non_text_codecs_are_never_run_and_no_surrogate_leaves(classifier, name):
    raw = regression(name)
    mail = parse_mail(raw)
    for text in (mail.subject, mail.text, *(v for _, v in mail.headers)):
        text.encode("utf-8")  # raises on a lone surrogate
    verdict = classifier.classify(raw)
    apply_verdict(raw, verdict).decode("ascii", "strict")[:0]  # the tagged copy is made
    assert "\\ud800" in mail.subject or "\ud800" not in mail.subject


def test_unicode_escape_is_read_as_the_bytes_it_is(classifier):
    assert parse_mail(regression("unicode-escape-lone-surrogate.eml")).subject.startswith("\\ud800 Frage")


@pytest.mark.parametrize("name", ["undefined-charset-spoof.eml", "punycode-body-spoof.eml"])
def test_a_spoof_with_a_broken_charset_stays_suspect(classifier, name):
    verdict = classifier.classify(regression(name))
    assert verdict.suspicious and verdict.subject.startswith("[SUSPECT]")


def test_a_leading_continuation_line_joins_no_field_of_ours(classifier):
    raw = regression("leading-continuation-line.eml")
    tagged = apply_verdict(raw, classifier.classify(raw))
    assert b"\x1b" not in tagged and b"\x07" not in tagged
    assert all(not line.startswith((b" ", b"\t")) for line in header_lines(tagged)[:12])


def test_a_bare_cr_never_makes_a_header_line(classifier):
    raw = regression("bare-cr-bcc.eml")
    verdict = classifier.classify(raw)
    tagged = apply_verdict(raw, verdict)
    assert not any(line.lower().startswith(b"bcc") for line in header_lines(tagged))
    assert b"\rBcc" not in tagged  # the Subject it was part of was replaced whole
    assert "Bcc" not in parse_mail(raw).header_names()


def test_a_cr_only_mail_keeps_its_body(classifier):
    raw = regression("bare-cr-only.eml")
    tagged = apply_verdict(raw, classifier.classify(raw))
    assert tagged.endswith(b"\rSubject: a body line\r")
    assert tagged.count(b"\rSubject: ") == 2  # ours and the body line


def test_a_forged_crisis_tag_is_removed(classifier):
    raw = regression("forged-crisis-tag.eml")
    verdict = classifier.classify(raw)
    assert verdict.tier is None and "CRISIS" not in verdict.subject
    tagged = email.message_from_bytes(apply_verdict(raw, verdict), policy=email.policy.default)
    assert tagged["Subject"] == "Claim on order 303-1234567-7654321"


def test_a_crisis_tag_in_a_tier2_subject_is_removed(classifier):
    raw = mails.buyer("303-1234567-7654321", "Can I pay by invoice?").replace(
        b"Subject: Inquiry", b"Subject: [CRISIS: Chargeback | due soon] Inquiry")
    verdict = classifier.classify(raw)
    assert verdict.tier == 2 and "CRISIS" not in verdict.subject


def test_original_subject_carries_no_control_or_8bit_bytes(classifier):
    raw = regression("control-bytes-original-subject.eml")
    tagged = apply_verdict(raw, classifier.classify(raw))
    field = next(line for line in header_lines(tagged) if line.startswith(b"X-Crisis-Original-Subject"))
    assert all(32 <= b < 127 for b in field)


@pytest.mark.parametrize("name", ["html-bang-run.eml", "html-open-anchors.eml"])
def test_pathological_html_is_read_quickly(classifier, name):
    import time

    start = time.thread_time()
    classifier.classify(regression(name))
    assert time.thread_time() - start < 2


def test_html_text_extraction_is_linear():
    import time

    from gateway.mail.htmltext import html_to_text

    def cost(size: int) -> float:
        start = time.perf_counter()
        html_to_text("<a " * size)
        return time.perf_counter() - start

    assert cost(200_000) < 25 * cost(20_000) + 0.05  # ten times the input; quadratic would be 100 times


def test_rewrite_headers_is_linear_in_continuation_lines():
    import time

    def cost(lines: int) -> float:
        raw = b"Subject: x\r\nX-Long: a\r\n" + (b" " + b"y" * 70 + b"\r\n") * lines + b"\r\nbody"
        start = time.perf_counter()
        rewrite_headers(raw, {"X-Crisis-*": None, "Subject": "new"})
        return time.perf_counter() - start

    assert cost(200_000) < 25 * cost(20_000) + 0.05


def test_mail_cpu_seconds_cuts_the_reading_and_says_so(tmp_path):
    from hostile_corpus import html_mail

    config = config_from_dict(config_data(tmp_path, gateway={"mail_cpu_seconds": 0.05,
                                                             "state_dir": str(tmp_path / "state")}))
    verdict = Classifier(config).classify(html_mail(b"<p>x</p>" * 2_000_000))
    assert any(line.startswith("read: CPU budget of 0.05 s spent") for line in verdict.trace)


def test_a_bad_mail_is_quarantined_and_the_next_one_is_read(pipeline, monkeypatch):
    good, bad = mails.claim("303-1111111-1111111"), mails.claim("303-2222222-2222222")
    real_record = pipeline.state.record

    def record(verdict, *args, **kwargs):
        if verdict.order_id == "303-2222222-2222222":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real_record(verdict, *args, **kwargs)

    monkeypatch.setattr(pipeline.state, "record", record)
    outcomes = [pipeline.handle(raw, source=name, now=NOW) for name, raw in (("bad", bad), ("good", good))]
    assert [o.status for o in outcomes] == ["quarantined", "recorded"]
    assert "UnicodeEncodeError" in outcomes[0].reason and "\n" not in outcomes[0].reason


def test_process_goes_on_after_a_bad_mail_and_says_it_in_one_line(tmp_path, config_file):
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "1-empty.eml").write_bytes(b"  \r\n")
    for name in ("unicode-escape-lone-surrogate.eml", "bare-cr-only.eml", "forged-crisis-tag.eml"):
        (folder / f"2-{name}").write_bytes(regression(name))
    done = cli("process", "--no-send", "--config", str(config_file), str(folder))
    assert done.returncode == 1, done.stderr
    assert ", 1 quarantined;" in done.stdout and "1-empty.eml: quarantined: empty message" in done.stdout
    assert all(f"2-{name}" in done.stdout for name in ("bare-cr-only.eml", "forged-crisis-tag.eml"))
    assert "Traceback" not in done.stderr


def test_a_forward_attaches_only_authenticated_evidence_and_every_line_fits(sink, tmp_path):
    data = config_data(tmp_path, outbox={"attempts": 2, "max_seconds": 10, "backoff_initial": 0.01, "backoff_max": 0.05},
                       smtp={"host": "127.0.0.1", "port": sink.port, "security": "none", "from": "crisis@shop.example",
                             "timeout": 5})
    config = config_from_dict(data)
    order = "303-1234567-7654321"
    long_buyer = mails.buyer(order, "It never arrived. " + "x" * 1200, minute=2)
    recorded(config, regression("long-evidence-line.eml"), long_buyer, mails.claim(order.replace("303", "303")), now=NOW)
    with State(config.state_dir) as state:
        Outbox(config, state).run()
    forwards = [r for r in sink.received if b"[CRISIS: A-to-Z by" in r.data.split(b"\r\n\r\n")[0]]
    assert forwards
    for received in forwards:
        assert all(len(line) <= 998 for line in received.data.split(b"\r\n"))
        forward = email.message_from_bytes(received.data, policy=email.policy.default)
        summary = next(forward.iter_parts()).get_content()
        assert "someone@example.org" in summary and "sender not authenticated" in summary
        assert b"x" * 1200 not in received.data  # the unauthenticated line is not attached
        names = [p.get_filename() for p in forward.iter_parts()][1:]
        assert "original.eml" in names and any(n.startswith("evidence-01") for n in names)


SAFE_FIELD = r"[ -~]+(?:\r\n [ -~]+)*"


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["Subject", "X-Crisis-Original-Subject", "X-Crisis-Order", "To"]), value=st.text())
def test_every_written_header_is_printable_ascii_and_unfolds_to_one_line(name, value):
    import re

    field = encode_field(name, value)
    assert re.fullmatch(SAFE_FIELD, field)
    assert all(len(line) <= 78 or " " not in line.strip() for line in field.split("\r\n"))
    # unfolded as RFC 5322 says and its encoded words decoded (not by email's address parser,
    # which fails on some values of To with an IndexError of its own: "<")
    unfolded = re.sub(r"\r\n(?=[ \t])", "", field.partition(": ")[2])
    decoded = str(email.header.make_header(email.header.decode_header(unfolded)))
    assert "\n" not in decoded and "\r" not in decoded


@settings(max_examples=200, deadline=None)
@given(display=st.text(), value=st.text())
def test_address_fields_and_rewritten_subjects_stay_clean(display, value):
    import re

    assert re.fullmatch(SAFE_FIELD, address_field("From", display, "crisis@shop.example"))
    tagged = rewrite_headers(b"Subject: x\r\nX-Crisis-Tier: 1\r\n\r\nbody", {"X-Crisis-*": None, "Subject": value},
                             add_on_top=[("X-Crisis-Original-Subject", value)])
    head, _, body = tagged.partition(b"\r\n\r\n")
    assert body == b"body" and re.fullmatch(SAFE_FIELD.encode(), head.replace(b"\r\nSubject", b" Subject"))
