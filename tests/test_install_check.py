"""The README's install guide stays one that tools/install_check.py can follow.

The check itself boots a Debian machine and takes minutes (run by hand, see the README); these
tests only read the guide as it does: every step it checks is still there, once, and the
configuration the guide shows loads."""

import email
import email.utils
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gateway.config import load_config

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import install_check  # noqa: E402
import install_check_guest as guest  # noqa: E402

README = (REPO / "README.md").read_text(encoding="utf-8")


def all_blocks() -> list[tuple[str, str, str]]:
    return [block for chapter in guest.CHAPTERS for block in guest.guide_blocks(README, chapter)]


def test_the_guide_is_made_of_blocks_the_check_can_follow():
    install = guest.guide_blocks(README)
    assert len(install) >= 5
    assert sum("[[mailbox]]" in text for language, text, _ in install if language == "toml") == 1
    for language, text, target in all_blocks():
        # a shell command, configuration, or lines for a file the text above the block names
        assert language in ("sh", "toml") or (language == "" and target.startswith("/etc/")), (language, text)


def test_a_plain_block_goes_into_the_file_named_above_it():
    relays = guest.guide_blocks(README, "The SMTP relays")
    assert [target for _, _, target in relays if target] == ["/etc/postfix/main.cf", "/etc/postfix/master.cf"]


@pytest.mark.parametrize("name, mark", [(checkpoint.name, checkpoint.mark) for checkpoint in guest.CHECKPOINTS])
def test_each_step_the_check_verifies_is_in_exactly_one_block(name, mark):
    holding = [text for _, text, _ in all_blocks() if mark.search(text)]
    assert len(holding) == 1, f"{name}: {mark.pattern!r} is in {len(holding)} blocks of the guide"


def test_a_guide_without_its_section_is_a_clear_error():
    with pytest.raises(guest.CheckFailed, match="no section '## Install on Debian or Ubuntu'"):
        guest.guide_blocks("# Crisis Gateway\n\n## Install\n")
    with pytest.raises(guest.CheckFailed, match="no section '## The SMTP relays'"):
        guest.guide_blocks("# Crisis Gateway\n\n## Install\n", "The SMTP relays")


def test_the_guides_configuration_loads_with_the_sections_it_asks_for(tmp_path):
    blocks = all_blocks()
    config = next(text for language, text, _ in blocks if language == "toml" and "[[mailbox]]" in text)
    config += guest.OTHER_SECTIONS
    secret = tmp_path / "imap-password"
    secret.write_text("x")
    path = tmp_path / "gateway.toml"
    modes = []
    for language, text, _ in blocks:  # each state of the file the guide leads through loads
        if language == "toml" and "[[mailbox]]" not in text:
            config = guest.with_section(config, text)
            path.write_text(config.replace("/etc/crisis-gateway/imap-password", str(secret)))
            loaded = load_config(path)
            modes.append(loaded.inbound_relay.mode if loaded.inbound_relay else None)
    assert loaded.state_dir == Path("/var/lib/crisis-gateway")
    assert [m.imap_host for m in loaded.mailboxes] == ["imap.shop.example"]
    assert loaded.metrics_listen == ("127.0.0.1", 9464)
    assert modes[-2:] == ["content_filter", "milter"] and loaded.outbound_relay is not None


def test_a_section_the_configuration_has_is_replaced_and_a_new_one_added():
    head, tail = '[gateway]\nstate_dir = "/s"\n\n', '[relay.outbound]\nlisten = "y"\n'
    config = head + '[relay.inbound]\nlisten = "127.0.0.1:10025"\nreinject = "x"\n\n' + tail
    moved = guest.with_section(config, '[relay.inbound]\nmode = "milter"\n')
    assert moved == head + '[relay.inbound]\nmode = "milter"\n\n' + tail
    assert guest.with_section(config, "[smtp]\nhost = 1\n").endswith('listen = "y"\n\n[smtp]\nhost = 1\n')
    assert guest.with_section(config, "[[mailbox]]\naddress = 1\n").endswith("\n[[mailbox]]\naddress = 1\n")
    commented = config.replace("[relay.inbound]\n", "[relay.inbound]   # the content filter\n")
    assert guest.with_section(commented, '[relay.inbound]\nmode = "milter"\n') == moved


def test_the_machine_gets_what_the_guide_installs_with_apt():
    packages = install_check.guide_packages(README)
    assert "python3-venv" in packages
    # the backup line copies the raw mails with rsync: the guide must install it
    if any("rsync " in text for _, text, _ in guest.guide_blocks(README)):
        assert "rsync" in packages


def test_placeholders_become_the_checkout():
    assert guest.fill_in("pip install /path/to/crisis-gateway") == f"pip install {guest.CHECKOUT}"
    assert guest.fill_in("pip install --upgrade /path/to/new/crisis-gateway") == f"pip install --upgrade {guest.CHECKOUT}"


def test_a_sample_arrives_now_whenever_the_check_runs(monkeypatch):
    """The samples carry the dates they were written with; a crisis seen days later is reported in
    the backlog instead of forwarded, which the check waits for."""
    monkeypatch.setattr(guest, "CHECKOUT", REPO)
    message = email.message_from_bytes(guest.sample(".M2P1.", minutes_ago=5))
    stamps = [email.utils.parsedate_to_datetime(message["Date"])]
    stamps += [email.utils.parsedate_to_datetime(line.rsplit(";", 1)[1]) for line in message.get_all("Received")]
    now = datetime.now(timezone.utc)
    assert all(timedelta(minutes=4) < now - stamp < timedelta(minutes=6) for stamp in stamps), stamps
    assert "Order delivery inquiry" in message["Subject"]  # the rest as it was


def test_a_comment_is_never_continued():
    assert guest.command_lines("# moves Postfix \\\npostfix reload\na \\\n  b\n") == \
        ["# moves Postfix \\", "postfix reload", "a   b"]


def test_a_command_continued_over_lines_is_run_whole():
    lines = [line for language, text, _ in all_blocks() if language == "sh" for line in guest.command_lines(text)]
    assert not [line for line in lines if line.rstrip().endswith("\\")]
    [moving] = [line for line in lines if line.startswith("postconf -e")]
    assert "smtpd_milters" in moving and "non_smtpd_milters" in moving and moving.count("default_action=tempfail") == 2
