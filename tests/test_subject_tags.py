"""Subject tags: format, idempotence, encoding, and that no input reaches a header raw."""

import email
import email.policy
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.config import DEFAULT_TAGS
from gateway.judging.subject import (
    TAG_STATES,
    compact_due,
    format_due,
    render_tag,
    strip_all_tags,
    strip_leading_tags,
    tag_pattern,
    tag_subject,
)
from gateway.mail.headers import MAX_LINE, encode_field
from gateway.mail.parse import decode_header_text
from gateway.mail.text import one_line

BERLIN = ZoneInfo("Europe/Berlin")
DUE = datetime(2026, 11, 25, 14, 2, tzinfo=timezone.utc)
PATTERN = tag_pattern(["A-to-Z", "A-to-Z risk", "Buyer", "Case", "Return", "Chargeback", "Account health"])
TAG = render_tag("A-to-Z", 1, DUE, BERLIN)


def decode_field(field: str) -> str:
    """What a mail client shows: parse the header the way the email package does."""
    message = email.message_from_string(field + "\r\n\r\n", policy=email.policy.default)
    return str(message["Subject"])


def test_tag_format_matches_the_design():
    assert TAG == "[CRISIS: A-to-Z by Wed 15:02]"
    assert format_due(datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc), BERLIN) == "Wed 01 Jul 14:00 CEST"
    assert render_tag("Buyer", 2, None, BERLIN) == "[Buyer]"
    assert render_tag("A-to-Z", 1, DUE, BERLIN, suspicious=True) == "[SUSPECT]"


def test_the_due_time_is_a_weekday_within_the_week_of_arrival_and_a_date_beyond():
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    assert render_tag("A-to-Z", 1, DUE, BERLIN, since=monday) == "[CRISIS: A-to-Z by Wed 15:02]"
    assert render_tag("Chargeback", 1, monday + timedelta(days=7), BERLIN, since=monday) == \
        "[CRISIS: Chargeback by 30 Nov 10:00]"
    assert render_tag("Buyer", 2, monday + timedelta(hours=24), BERLIN, since=monday) == "[Buyer by Tue 10:00]"
    late = datetime(2026, 11, 20, 23, 30, tzinfo=timezone.utc)  # Saturday 00:30 in Berlin
    assert compact_due(late, BERLIN, since=late - timedelta(hours=2)) == "Sat 00:30"


@pytest.mark.parametrize("word", [DEFAULT_TAGS[c] for c in ("atoz_claim", "atoz_risk", "chargeback", "account_health")])
def test_every_tier1_tag_is_about_30_characters_whatever_the_due_date(word):
    for days in range(0, 10):
        tag = render_tag(word, 1, DUE + timedelta(days=days, minutes=days * 97), BERLIN, since=DUE)
        weekday = tag.split(" by ")[1][:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        assert len(tag) <= (34 if weekday else 37), tag
        assert tag.startswith("[CRISIS: ")


def test_a_tag_says_what_became_of_its_clock():
    assert render_tag("A-to-Z", 1, DUE, BERLIN, state="overdue") == "[CRISIS OVERDUE: A-to-Z]"
    assert render_tag("Buyer", 2, DUE, BERLIN, state="overdue") == "[OVERDUE: Buyer]"
    assert render_tag("A-to-Z", 1, DUE, BERLIN, state="answered") == "[Answered: A-to-Z]"
    assert render_tag("A-to-Z risk", 1, DUE, BERLIN, state="decided") == "[Decided: A-to-Z risk]"
    assert render_tag("Buyer", 2, DUE, BERLIN, state="resolved") == "[Resolved: Buyer]"
    for state in ("answered", "decided", "resolved"):
        assert "CRISIS" not in render_tag("A-to-Z", 1, DUE, BERLIN, state=state)  # a CRISIS filter shows open work


@pytest.mark.parametrize("tagged", [
    "[CRISIS: A-to-Z | due Wed 25 Nov 15:02 CET] Claim received",      # the older, long form
    "[Buyer | due Tue 17 Nov 23:33 UTC] Claim received",
    "[CRISIS: A-to-Z by Wed 15:02] Claim received",
    "[CRISIS OVERDUE: A-to-Z] Claim received",
    "[Answered: A-to-Z] Claim received",
    "[OVERDUE: Buyer] Claim received",
])
def test_each_form_old_and_new_is_replaced_never_doubled(tagged):
    for state in TAG_STATES:
        tag = render_tag("A-to-Z", 1, DUE, BERLIN, state=state)
        assert tag_subject(tagged, tag, PATTERN) == f"{tag} Claim received"
    assert strip_all_tags(f"Re: {tagged}", PATTERN) == "Re: Claim received"


def test_new_due_time_replaces_the_old_tag():
    first = tag_subject("Claim received on order 111-1111111-1111111", TAG, PATTERN)
    later = render_tag("A-to-Z", 1, datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc), BERLIN)
    again = tag_subject(first, later, PATTERN)
    assert again == f"{later} Claim received on order 111-1111111-1111111"
    assert again.count("[CRISIS:") == 1


def test_strip_all_tags_for_replies():
    subject = f"Re: {TAG} [Buyer by Tue 23:33] Where is my parcel?"
    assert strip_all_tags(subject, PATTERN) == "Re: Where is my parcel?"


# Subjects as buyers and spammers write them: any Unicode, line breaks, controls, look-alike tags.
subjects = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(max_examples=300, deadline=None)
@given(subjects)
def test_decoding_the_tagged_subject_gives_tag_and_old_subject(old):
    new = tag_subject(old, TAG, PATTERN)
    field = encode_field("Subject", new)
    expected = f"{TAG} {strip_leading_tags(old, PATTERN)}".rstrip()
    assert decode_header_text(field.split(":", 1)[1]) == expected
    assert one_line(decode_field(field)) == expected


@settings(max_examples=300, deadline=None)
@given(subjects)
def test_retagging_changes_nothing(old):
    once = tag_subject(old, TAG, PATTERN)
    assert tag_subject(once, TAG, PATTERN) == once
    assert tag_subject(decode_header_text(encode_field("Subject", once).split(":", 1)[1]), TAG, PATTERN) == once


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["Subject", "X-Crisis-Original-Subject", "X-Crisis-Order"]), subjects)
def test_no_line_break_or_control_character_reaches_a_header(name, value):
    field = encode_field(name, value)
    lines = field.split("\r\n")
    for index, line in enumerate(lines):
        assert "\r" not in line and "\n" not in line
        assert all(ord(c) >= 0x20 and ord(c) != 0x7F for c in line)
        assert line.isascii()
        if index:
            assert line.startswith(" ")  # a continuation, never a new field
    # folded within 78 characters unless one unbreakable ASCII word is longer
    assert all(len(line) <= MAX_LINE for line in lines) or value.isascii()


def test_injection_attempt_stays_inside_the_subject():
    field = encode_field("Subject", "Hello\r\nBcc: victim@example.com\r\n\r\nbody")
    parsed = email.message_from_string(field + "\r\n\r\n", policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert "Bcc: victim@example.com" in str(parsed["Subject"])


def test_structured_fields_encode_only_what_may_be_encoded():
    from gateway.mail.headers import HeaderInjection, address_field, msgid_field

    field = address_field("From", "Müller Küchen & Söhne", "support@shop.example")
    parsed = email.message_from_string(field + "\r\n\r\n", policy=email.policy.default)
    assert parsed["From"].addresses[0].display_name == "Müller Küchen & Söhne"
    assert parsed["From"].addresses[0].addr_spec == "support@shop.example"
    assert field.endswith("<support@shop.example>")
    assert address_field("From", 'Say "hi"', "a@b.example") == 'From: "Say \\"hi\\"" <a@b.example>'
    with pytest.raises(HeaderInjection):
        address_field("From", "x", "a@b.example>\r\nBcc: victim@example.com")
    long_id = "<0102019a8f1c2d3e4f5a6b7c-1b2c3d4e-0000-0000-0000-001122334455-000000@eu-west-1.amazonses.com>"
    assert msgid_field("In-Reply-To", long_id) == f"In-Reply-To: {long_id}"
    assert msgid_field("In-Reply-To", "<a b@c>") is None and msgid_field("References", "<x>\r\nBcc: y") is None
