"""A header change as field edits (what the milter asks Postfix to do) makes the same header
section as the rewrite of the bytes (what the content filter re-injects)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from mails import buyer, claim

from gateway.judging.tagging import verdict_change
from gateway.mail.rewrite import FieldEdit, HeaderChange, field_edits, rewrite, split_message


def fields_of(raw: bytes) -> list[tuple[str, bytes]]:
    """(name, value after the colon) of each field of a CRLF mail, as an MTA holds them."""
    header = split_message(raw)[0]
    found: list[tuple[str, bytes]] = []
    for line in header.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and found:
            found[-1] = (found[-1][0], found[-1][1] + b"\r\n" + line)
        elif line:
            name, _, value = line.partition(b":")
            found.append((name.decode("latin-1"), value))
    return found


def applied(fields: list[tuple[str, bytes]], edits: list[FieldEdit]) -> list[tuple[str, bytes]]:
    """The edits made as an MTA makes a milter's: insert at the top, change or delete the
    index-th field of a name (compared case-insensitively), append at the end."""
    fields = list(fields)
    for edit in edits:
        if edit.kind == "insert":
            fields.insert(0, (edit.name, edit.value))
        elif edit.kind == "append":
            fields.append((edit.name, edit.value))
        else:
            at = [i for i, (name, _) in enumerate(fields) if name.lower() == edit.name.lower()][edit.index - 1]
            if edit.kind == "delete":
                del fields[at]
            else:
                fields[at] = (edit.name, edit.value)
    return fields


def same_section(raw: bytes, change: HeaderChange) -> None:
    expected = fields_of(rewrite(raw, change))
    got = applied(fields_of(raw), field_edits(raw, change))
    assert [(n.lower(), v) for n, v in got] == [(n.lower(), v) for n, v in expected]


def test_a_tagged_claim_with_forged_fields_as_edits(classifier):
    raw = claim("114-2682884-2909064").replace(
        b"To: ", b"X-Crisis-Tier: 1\r\nx-crisis-tier: 2\r\nSubject: second\r\nTo: ", 1)
    verdict = classifier.classify(raw)
    change = verdict_change(raw, verdict)
    same_section(raw, change)
    edits = field_edits(raw, change)
    # deleted last occurrence first, so no index moves under a later edit
    assert [(e.kind, e.name.lower(), e.index) for e in edits if e.kind == "delete"] == [
        ("delete", "subject", 2), ("delete", "x-crisis-tier", 2), ("delete", "x-crisis-tier", 1)]
    assert [e for e in edits if e.kind == "change"][0].value.startswith(b" [CRISIS: A-to-Z by ")


def test_a_mail_without_subject_gets_it_appended(classifier):
    raw = buyer("114-2682884-2909064", "Where is my parcel? I will open an A-to-z claim.")
    raw = b"\r\n".join(line for line in raw.split(b"\r\n") if not line.startswith(b"Subject:"))
    change = verdict_change(raw, classifier.classify(raw))
    same_section(raw, change)
    assert [e.kind for e in field_edits(raw, change) if e.name == "Subject"] == ["append"]


NAMES = st.sampled_from(["Subject", "subject", "SUBJECT", "X-Crisis-Tier", "x-crisis-key", "X-Crisis-Rule", "From",
                         "To", "Received", "X-Other", "Message-ID"])
WORDS = st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=":"), min_size=1, max_size=12)
VALUE = st.lists(WORDS, min_size=1, max_size=4).map(lambda words: " " + "\r\n ".join(words))
TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cs", "Cc")), max_size=120)


@settings(max_examples=300, deadline=None)
@given(fields=st.lists(st.tuples(NAMES, VALUE), max_size=10), subject=st.none() | TEXT,
       top=st.lists(st.tuples(st.sampled_from(["X-Crisis-Category", "X-Crisis-Key"]), TEXT), max_size=3))
def test_edits_make_the_rewritten_header_section(fields, subject, top):
    # Postfix shows a milter at least the header fields it adds itself (Date, Message-ID)
    raw = b"".join(f"{name}:{value}\r\n".encode() for name, value in [*fields, ("Date", " today")]) + b"\r\nbody\r\n"
    replace: dict[str, str | None] = {"X-Crisis-*": None}
    if subject is not None:
        replace["Subject"] = subject
    same_section(raw, HeaderChange(replace, tuple(top)))
