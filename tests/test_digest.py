"""The managers' digest, with the time given: what it lists, when the daemon sends it, how it is
mailed, and how a real browser renders its HTML."""

import email
import email.policy
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser import headless
from captured import captured_mail
from configs import config_data, config_toml, smtp_capture
from mailfactory import make
from mails import buyer, case, claim
from recording import recorded

from gateway.cli import main
from gateway.config import config_from_dict
from gateway.deadlines import digest
from gateway.outgoing.outbox import Outbox
from gateway.state import State

OVERDUE = "204-1000000-0000001"    # a buyer message due Mon 23 Nov 10:00
TODAY = "204-1000000-0000002"      # a buyer message due Mon 23 Nov 15:00
LATER = "204-1000000-0000003"      # an A-to-z claim due Tue 24 Nov
CASE = "69794732962"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def settings(tmp_path: Path, **digest_settings) -> dict:
    return config_data(tmp_path, smtp=smtp_capture(tmp_path), digest={"to": ["boss@shop.example"], **digest_settings})


def at_hour(raw: bytes, hour: int) -> bytes:
    return raw.replace(b"22 Nov 2026 10:", f"22 Nov 2026 {hour:02d}:".encode())


@pytest.fixture
def config(tmp_path):
    config = config_from_dict(settings(tmp_path))
    recorded(config, buyer(OVERDUE, "Where is my parcel?"),
             at_hour(buyer(TODAY, "Where is my parcel?", token="aa11bb22cc33"), 15).replace(
                 b"Subject: Inquiry", b"Subject: <b>now</b> Inquiry"),
             claim(LATER), case(CASE, "opened", day=21), now=NOW - timedelta(hours=20))
    return config


def digests(config) -> list[bytes]:
    return [raw for raw in captured_mail(config.smtp.capture_dir) if b"X-Crisis-Digest:" in raw]


def content(config, now=NOW) -> dict:
    with State(config.state_dir) as state:
        return digest.gather(state, config, now)


def ids(made: dict, name: str) -> list[str]:
    return [r.get("order_id") or r["case_id"] for r in made[name]["rows"]]


def test_the_digest_leads_with_what_is_due_within_24_hours_and_keeps_tier_2_apart(config):
    made = content(config)
    assert ids(made, "soon") == [TODAY, LATER]  # due 15:00 today, then the claim due tomorrow 11:00
    assert ids(made, "overdue") == [] and ids(made, "later") == []
    assert ids(made, "tier2") == [OVERDUE]  # the buyer's message, due 10:00, tier 2
    assert ids(made, "cases") == [CASE]
    assert made["cases"]["rows"][0]["silent_for"] == "39 h 59 min"  # since Amazon's mail of Sat 21 Nov 20:00
    assert made["open"] == 4 and made["overdue_all"] == 1 and made["overdue_tier2"] == 1
    counts = made["counts"]
    assert counts["mails"] == 4 and counts["tier1"] == 1 and counts["missed"] == 1
    assert dict(counts["by_category"]) == {"buyer_message": 2, "atoz_claim": 1, "case": 1}
    # a week later the same mail no longer counts; the claim, overdue now, is a crisis overdue
    week_later = content(config, NOW + timedelta(days=8))
    assert week_later["counts"]["mails"] == 0
    assert ids(week_later, "soon") == [] and ids(week_later, "overdue") == [LATER]
    assert ids(week_later, "tier2") == [TODAY, OVERDUE]  # the most recent first


def test_the_last_7_days_count_the_mails_recorded_in_them_whatever_their_date(tmp_path):
    """Mail read on a first start is weeks old by its Date and Received stamp: it counts in the
    week the gateway recorded it, as the actions it caused do; mail recorded before the week, or
    after the time the digest is made for, does not."""
    config = config_from_dict(settings(tmp_path))
    weeks_old = [make(kind, seed=n, arrival=NOW - timedelta(days=21)).raw
                 for n, kind in enumerate(["buyer_message", "atoz_claim", "chargeback", "other"])]
    recorded(config, *weeks_old[:3], now=NOW - timedelta(days=2))
    recorded(config, weeks_old[3], now=NOW - timedelta(days=8))
    recorded(config, make("buyer_message", seed=9, arrival=NOW).raw, now=NOW + timedelta(hours=1))
    counts = content(config)["counts"]
    assert counts["mails"] == 3 and counts["tier1"] == 2
    assert dict(counts["by_category"]) == {"buyer_message": 1, "atoz_claim": 1, "chargeback": 1}
    with State(config.state_dir) as state:
        made = digest.compose(state, config, NOW)
    assert "3 mails, 2 of them crises (tier 1)" in made.text
    assert "3 mails recorded, 2 of them crises (tier 1)" in made.html


def test_the_daemon_queues_one_digest_a_day_from_the_configured_hour(config):
    def fire(at, using=config):
        with State(using.state_dir) as state:  # a fresh State each time: restarts change nothing
            return digest.fire_due(state, using, at)

    day = datetime(2026, 11, 23, tzinfo=timezone.utc)
    assert fire(day + timedelta(hours=7, minutes=59)) is None
    assert fire(day + timedelta(hours=8, minutes=1)) is not None
    assert fire(day + timedelta(hours=9)) is None
    assert fire(day + timedelta(hours=23)) is None
    assert fire(day + timedelta(days=1, hours=7)) is None
    assert fire(day + timedelta(days=1, hours=15)) is not None  # down at 8: sent when back, that day
    berlin = config_from_dict({**settings(Path(config.state_dir).parent), "gateway": {
        "state_dir": str(config.state_dir), "timezone": "Europe/Berlin"}})
    # 07:30 UTC is 08:30 in Berlin: the hour is local time
    assert fire(day + timedelta(days=2, hours=7, minutes=30), berlin) is not None
    disabled = config_from_dict({**settings(Path(config.state_dir).parent, enabled=False),
                                 "gateway": {"state_dir": str(config.state_dir)}})
    assert fire(day + timedelta(days=3, hours=9), disabled) is None


def test_the_digest_is_mailed_as_text_and_html_without_external_assets(config):
    with State(config.state_dir) as state:
        assert digest.queue(state, config, NOW, key="digest|test", to=("boss@shop.example",)) is not None
        assert Outbox(config, state).run(now=lambda: NOW)["dead"] == 0
    [raw] = digests(config)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Crisis digest Mon 23 Nov 2026: 2 due within 24 h, 1 overdue, 4 open"
    assert message["To"] == "boss@shop.example" and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in message.iter_parts())
    assert "DUE WITHIN 24 HOURS (2)" in text and "TIER 2 (1)" in text and OVERDUE in text and f"case {CASE}" in text
    assert html.lstrip().startswith("<!DOCTYPE html>")
    # everything inline: no style sheet, no script, no image, nothing fetched from outside
    assert not re.search(r"<(style|link|script|img)\b", html, re.I)
    assert not re.search(r"(src|href)\s*=|url\(", html, re.I)
    assert "&lt;b&gt;now&lt;/b&gt;" in html and "<b>now</b>" not in html  # the buyer's words are escaped


def test_each_row_says_what_its_obligation_asks_in_both_parts(config):
    """A clock per obligation (buyer, claim, chargeback, account, case): each row says which, in
    the words of `crisis-gateway status`."""
    made = content(config)
    assert [r["obligation"] for r in made["soon"]["rows"]] == ["buyer", "claim"]
    shown = digest.render(config, made)
    assert "A-to-Z | tier 1 | answer Amazon (claim)" in shown.text and "| tier 2 | answer buyer" in shown.text
    assert "answer Amazon (claim)" in shown.html and "answer buyer" in shown.html


def test_a_digest_over_its_budget_shows_fewer_rows_but_every_count(config, monkeypatch):
    with State(config.state_dir) as state:
        full = digest.compose(state, config, NOW)
        monkeypatch.setattr(digest, "BUDGET", digest.mailed_size(full) - 1)
        shorter = digest.compose(state, config, NOW)
    assert digest.mailed_size(shorter) <= digest.BUDGET
    assert TODAY in full.text and TODAY not in shorter.text and TODAY not in shorter.html
    assert "DUE WITHIN 24 HOURS (2)" in shorter.text and "and 2 more: crisis-gateway status --due-within 24" in shorter.text
    assert "Due within 24 hours (2)" in shorter.html and "and 2 more" in shorter.html
    assert shorter.subject == full.subject


def test_digest_command_sends_now_or_writes_files(config, tmp_path, capsys):
    config_file = tmp_path / "gateway.toml"
    config_file.write_text(config_toml(settings(tmp_path)), "utf-8")
    assert main(["digest", "--config", str(config_file), "--now", NOW.isoformat(), "--out", str(tmp_path / "preview")]) == 0
    assert (tmp_path / "preview" / "digest.txt").read_text().startswith("Subject: Crisis digest Mon 23 Nov 2026")
    assert digests(config) == []
    assert main(["digest", "--config", str(config_file), "--now", NOW.isoformat(), "--to", "ceo@shop.example"]) == 0
    assert "to ceo@shop.example, sent" in capsys.readouterr().out
    [raw] = digests(config)
    assert b"To: ceo@shop.example" in raw
    nobody = {**settings(tmp_path), "digest": {}, "escalation": {}}
    config_file.write_text(config_toml(nobody), "utf-8")
    assert main(["digest", "--config", str(config_file)]) == 2
    assert "has nobody to go to" in capsys.readouterr().err


def test_the_html_digest_renders_in_a_real_browser(config, tmp_path):
    """Headless Chromium renders the digest at a mail client's width: the inline colours show
    (red for overdue, blue for the cases), and nothing runs past the right edge."""
    from PIL import Image

    with State(config.state_dir) as state:
        html = digest.render(config, digest.gather(state, config, NOW)).html
    page = tmp_path / "digest.html"
    page.write_text(html, "utf-8")
    shot = tmp_path / "digest.png"
    headless(page, tmp_path, 600, 1400, f"--screenshot={shot}")
    assert shot.exists()
    image = Image.open(shot).convert("RGB")
    assert image.size == (600, 1400)
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    near = lambda wanted: any(all(abs(a - b) <= 8 for a, b in zip(c, wanted)) for c in colours)  # noqa: E731
    assert near((0xB0, 0x00, 0x20)), "the overdue figures are not red"
    assert near((0x18, 0x64, 0xAB)), "the cases heading is not blue"
    assert near((0x21, 0x25, 0x29)), "the dark title bar is missing"
    background = (0xF4, 0xF5, 0xF7)
    right_edge = {image.getpixel((x, y)) for x in range(592, 600) for y in range(0, 1400, 4)}
    assert all(all(abs(a - b) <= 2 for a, b in zip(c, background)) for c in right_edge), \
        "content runs into the right edge at 600 px"


def test_a_shortened_digest_reads_the_state_once(config, monkeypatch):
    """Shortened down to the counts (four renders): the clocks, their last actions and the week's
    counts are read once, the same digest as from the content gathered alone."""
    monkeypatch.setattr(digest, "BUDGET", 0)
    with State(config.state_dir) as state:
        calls = {"open_clocks": 0, "latest_audit": 0, "audit_counts_between": 0}

        def counted(name):
            method = getattr(state, name)

            def call(*args, **kwargs):
                calls[name] += 1
                return method(*args, **kwargs)
            return call

        for name in calls:
            monkeypatch.setattr(state, name, counted(name))
        shortest = digest.compose(state, config, NOW)
        assert calls == {"open_clocks": 1, "latest_audit": 3, "audit_counts_between": 1}  # three clocks listed
        assert shortest == digest.render(config, digest.gather(state, config, NOW, share=0.0))
