"""`crisis-gateway preview` against a real Dovecot and a Maildir: the inbox is read as run's first
start would read it and left exactly as it was (UIDs, flags, keywords, HIGHESTMODSEQ, \\Recent,
the Maildir's files), no state is made, nothing is sent; the lines and the summary say what run
would do, held-back actions and the backlog report included."""

import json
import os
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import mailfactory
import mails
import pytest
from configs import imap_mailbox, smtp_capture, write_config

from gateway.cli import main
from gateway.mail import maildir

FRESH_ORDER = "302-5555555-6666666"
MAX_BYTES = 16384  # the configuration's max_message_bytes: a larger mail cannot be read
COLLEAGUE = (b"From: Petra <petra@shop.example>\r\nTo: support@shop.example\r\nSubject: Lunch\r\n"
             b"Message-ID: <lunch@shop.example>\r\n\r\nat noon\r\n")
# A topmost Authentication-Results as Microsoft 365 writes it: no authserv-id, a result first.
MICROSOFT_365 = ("Authentication-Results: spf=pass (sender IP is 54.240.8.10) smtp.mailfrom=amazon.co.uk; "
                 "dkim=pass (signature was verified) header.d=amazon.co.uk;dmarc=pass action=none "
                 "header.from=amazon.co.uk;compauth=pass reason=100\r\n")


def arrived(raw: bytes, at: datetime) -> bytes:
    """The mail with its Received stamp and its Date moved to `at`."""
    stamp = format_datetime(at.astimezone(timezone.utc)).encode()
    return re.sub(rb"(?m)^(Received: [^;\r\n]*; |Date: )[^\r\n]*", lambda m: m.group(1) + stamp, raw)


def known_mix(now: datetime) -> list[tuple[str, bytes]]:
    """A first start's inbox in the order it arrived: crises and buyer mail three days old (held
    back) and fresh, the same buyer twice about one order, one mail delivered twice, a spoof, a
    colleague, and a mail over max_message_bytes."""
    old, fresh_buyer = now - timedelta(days=3), mails.buyer(FRESH_ORDER, "Is it blue?", token="freshbuyer1")
    fresh_buyer = arrived(fresh_buyer, now - timedelta(hours=3))
    return [
        ("old claim", arrived(mails.claim("301-1111111-2222222"), old)),
        ("old buyer", arrived(mails.buyer("301-3333333-4444444", "Is it blue?", token="oldbuyer1"), old)),
        ("fresh buyer", fresh_buyer),
        ("fresh buyer again", arrived(mails.buyer(FRESH_ORDER, "Or red?", token="freshbuyer1", minute=7),
                                      now - timedelta(hours=2))),
        ("fresh buyer delivered twice", fresh_buyer),
        ("fresh claim", arrived(mails.claim(FRESH_ORDER), now - timedelta(hours=1))),
        ("spoof", mailfactory.make("spoof_dmarc", arrival=now - timedelta(hours=1)).raw),
        ("colleague", COLLEAGUE),
        ("too large", COLLEAGUE.replace(b"at noon", b"x" * (MAX_BYTES + 100))),
    ]


def local(inbox: Path, name: str = "local") -> dict:
    """A [[mailbox]] reading the Maildir `inbox`."""
    return {"name": name, "address": "support@shop.example", "maildir": str(inbox)}


def mix_config(tmp_path: Path, mailbox: dict, webhook_url: str, **sections) -> Path:
    """A webhook and an escalation list, so that notifications and escalations count too; outgoing
    mail captured in tmp_path/outgoing (none must be)."""
    return write_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "max_message_bytes": MAX_BYTES, "fresh_hours": 6},
                        mailbox=[mailbox], smtp=smtp_capture(tmp_path), notify={"webhooks": [webhook_url]},
                        reminders={"escalate_to": ["boss@shop.example"]}, **sections)


def preview(capsys, config: Path, *args: str) -> tuple[int, str, str]:
    code = main(["preview", "--config", str(config), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def preview_json(capsys, config: Path, *args: str) -> tuple[int, list[dict], dict, str]:
    """(exit code, the mail lines, the summary, stderr): every line of stdout is JSON."""
    code, out, err = preview(capsys, config, "--json", *args)
    lines = [json.loads(line) for line in out.splitlines()]
    assert "summary" in lines[-1] and all("summary" not in line for line in lines[:-1])
    return code, lines[:-1], lines[-1]["summary"], err


def assert_known_mix_summary(summary: dict, name: str) -> None:
    """What run would do with known_mix: held back, what the first run's state would know (the
    buyer acknowledged once, the second delivery done once, one clock per order)."""
    (box,) = summary["mailboxes"]
    assert box["mailbox"] == name and box["error"] is None
    assert box["read"] == 9 and box["report"] == 1  # the old claim is the one crisis of the backlog report
    assert summary["duplicates"] == 1 and summary["unreadable"] == 1
    assert summary["categories"] == {"atoz_claim": 3, "buyer_message": 3, "other": 1}
    assert summary["tiers"] == {"2": 3, "1": 2, "suspect": 1, "-": 1}
    # tagged: 2 claims, 3 buyer mails, the spoof; forwarded and notified: the fresh claim; the
    # fresh buyer acknowledged once (its second mail and the claim about its order are not)
    assert summary["actions"] == {"tag": 6, "forward": 1, "notify": 1, "acknowledge": 1}
    assert summary["held_back"] == {"forward": 1, "notify": 1, "acknowledge": 1}
    # the clocks of the old claim and old buyer mail (every step past) and the two of the fresh
    # order: its buyer's (answer the buyer) and its claim's (T-24h, T-6h, T-1h still ahead, the
    # escalation too), each with its own deadline
    assert summary["clocks"] == 4
    assert summary["steps_ahead"] == {"remind": 4, "escalate": 1}  # the buyer's T-4h too
    assert summary["steps_past"] == {"remind": 4, "escalate": 1}
    trust = summary["trust"]
    assert trust["amazon"] == {"mails": 6, "pass": 5, "fail": 0, "none": 1, "unchecked": 0}
    assert trust["topmost"]["mx.example.test"] == 5 and trust["topmost"]["no Authentication-Results"] == 1
    assert not trust["misconfigured"] and trust["advice"] == []


def kinds(actions: list[dict]) -> list[str]:
    return [action["kind"] for action in actions]


def assert_known_mix_lines(lines: list[dict], name: str, uids: list[int]) -> None:
    """The lines of known_mix, read in `uids` order."""
    assert [line["mailbox"] for line in lines] == [name] * 9 and [line["uid"] for line in lines] == uids
    old_claim, old_buyer, fresh_buyer, again, twice, fresh_claim, spoof, colleague, too_large = lines
    assert old_claim["category"] == "atoz_claim" and old_claim["tier"] == 1
    assert kinds(old_claim["actions"]) == ["tag"] and kinds(old_claim["held_back"]) == ["forward", "notify"]
    assert any("fresh_hours" in t and "backlog report" in t for t in old_claim["trace"])
    assert kinds(old_buyer["actions"]) == ["tag"] and kinds(old_buyer["held_back"]) == ["acknowledge"]
    assert kinds(fresh_buyer["actions"]) == ["tag", "acknowledge"] and fresh_buyer["held_back"] == []
    assert kinds(again["actions"]) == ["tag"]
    assert any(t.startswith("acknowledge: not done,") and "already acknowledged" in t for t in again["trace"])
    assert twice["duplicate_of"] == f"{name} {uids[2]}"
    assert kinds(fresh_claim["actions"]) == ["tag", "forward", "notify"]
    assert spoof["suspicious"] and spoof["subject"].startswith("[SUSPECT]")
    assert colleague["category"] == "other" and colleague["actions"] == []
    assert too_large == {"mailbox": name, "uid": uids[8], "error": too_large["error"]}
    assert "over the limit" in too_large["error"] or too_large["error"] == "empty message"


def imap_snapshot(dovecot) -> dict:
    """What a preview must leave as it was: the folders, INBOX's status (\\Recent and
    HIGHESTMODSEQ among it), its keywords, and each mail's UID and flags."""
    with dovecot.client() as client:
        folders = sorted(name for _, _, name in client.list_folders())
        status = client.folder_status("INBOX", ["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
                                                "HIGHESTMODSEQ"])
        examined = client.select_folder("INBOX", readonly=True)
        flags = {uid: sorted(data[b"FLAGS"]) for uid, data in client.fetch(client.search("ALL"), ["FLAGS"]).items()}
    return {"folders": folders, "status": status, "keywords": sorted(examined[b"FLAGS"]), "flags": flags}


@pytest.fixture
def imap_mix(dovecot):
    """known_mix in Dovecot's INBOX: the first three read and flagged by a client (one \\Seen, one
    with a keyword), so that they are not \\Recent and the others are; and a mail of 40 days ago,
    older than the backlog."""
    now = datetime.now(timezone.utc)
    mix = known_mix(now)
    with dovecot.client() as client:
        client.append("INBOX", mails.buyer("301-7777777-8888888", "Old news", token="ancient1"),
                      msg_time=now - timedelta(days=40))
        for _, raw in mix[:3]:
            client.append("INBOX", raw)
        client.select_folder("INBOX")  # takes \Recent of what is there
        client.add_flags([2], ["\\Seen"])
        client.add_flags([3], ["$Label1"])
        client.unselect_folder()
        for _, raw in mix[3:]:
            client.append("INBOX", raw)
    return mix


@pytest.mark.parametrize("output", ["json", "table"])
def test_an_imap_preview_changes_nothing_and_tells_what_run_would_do(dovecot, imap_mix, tmp_path, capsys, webhook,
                                                                     output):
    config = mix_config(tmp_path, imap_mailbox(tmp_path, dovecot, backlog_days=14), webhook.url)
    before = imap_snapshot(dovecot)
    assert before["status"][b"RECENT"] == 6 and b"$Label1" in before["keywords"]

    if output == "json":
        code, lines, summary, err = preview_json(capsys, config)
        assert code == 0, err
        assert_known_mix_lines(lines, "shop", list(range(2, 11)))  # UID 1 is older than the 14 days
        assert_known_mix_summary(summary, "shop")
    else:
        code, out, err = preview(capsys, config)
        assert code == 0, err
        rows = {row.split("  ")[0]: row for row in out.splitlines() if row.startswith("shop ")}
        assert list(rows) == [f"shop {uid}" for uid in range(2, 11)]
        assert re.search(r"atoz_claim +1 .* tag; held back: forward, notify +\[CRISIS: A-to-Z by ", rows["shop 2"])
        assert re.search(r" tag, acknowledge +\[Buyer by ", rows["shop 4"])
        assert "none: the same mail as shop 4; archived" in rows["shop 6"]
        assert re.search(r" tag, forward, notify +\[CRISIS: A-to-Z", rows["shop 7"])
        assert re.search(r"error +- +- +quarantine +message is .* over the limit", rows["shop 10"])
        assert "shop: 9 mail(s) since " in out
        assert "  forward: 1 crisis mail(s); 1 held back" in out
        assert "  acknowledge: 1 buyer(s); 1 held back" in out
        assert "  notify: 1 notification(s) to webhooks and [notify] urls; 1 held back" in out
        assert "  tag: 6 mail(s)" in out
        assert ("  remind: 4 reminder step(s) still to come on 4 open clock(s), 1 escalation(s); "
                "5 step(s) already past, not sent") in out
        assert "  report: shop: one backlog report listing 1 crisis mail(s)" in out
        assert "5 pass, 1 without a trusted result" in out
    assert err == ""  # no progress for a short folder

    assert imap_snapshot(dovecot) == before  # UIDs, flags, keywords, HIGHESTMODSEQ, \Recent, no archive folder
    with dovecot.client() as client:
        assert client.select_folder("INBOX")[b"RECENT"] == 6  # a SELECT of our own still finds them \Recent
    assert not (tmp_path / "state").exists()
    assert not (tmp_path / "outgoing").exists() and webhook.bodies == []


def test_days_and_since_choose_the_mail_as_a_first_start_would(dovecot, imap_mix, tmp_path, capsys, webhook):
    config = mix_config(tmp_path, imap_mailbox(tmp_path, dovecot, backlog_days=14), webhook.url)
    code, lines, summary, _ = preview_json(capsys, config, "--days", "60")
    assert code == 0 and [line["uid"] for line in lines] == list(range(1, 11))
    assert summary["mailboxes"][0]["since"] == (datetime.now(timezone.utc) - timedelta(days=60)).date().isoformat()
    code, lines, summary, _ = preview_json(capsys, config, "--since", datetime.now(timezone.utc).date().isoformat())
    assert code == 0 and [line["uid"] for line in lines] == list(range(2, 11))
    assert main(["preview", "--config", str(config), "--since", "last week"]) == 2
    assert "--since 'last week' is not a date like 2026-11-01" in capsys.readouterr().err


def maildir_tree(root: Path) -> dict[str, bytes | None]:
    """Every folder (None) and file (its bytes) below root, by path."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


def test_a_maildir_preview_writes_nothing(tmp_path, capsys, webhook):
    now = datetime.now(timezone.utc)
    inbox = maildir.ensure(tmp_path / "Maildir")
    mix = known_mix(now)
    mix[8] = ("empty", b"")  # a Maildir may hold what no server would take
    written = [maildir.deliver(inbox, raw, name=f"{index:02d}-mail") for index, (_, raw) in enumerate(mix)]
    for path in written[:4]:  # read by a client: in cur/, one of them seen
        os.replace(path, inbox / "cur" / f"{path.name}:2,{'S' if path.name.startswith('01') else ''}")
    old = maildir.deliver(inbox, mails.buyer("301-7777777-8888888", "Old news", token="ancient1"), name="00-old")
    ours = maildir.deliver(inbox, COLLEAGUE.replace(b"lunch@", b"tagged@"), name="99-tagged")
    (inbox / ".crisis-uids").write_text("1 99-tagged\n")
    (inbox / ".crisis-keywords").write_text("99-tagged $CrisisTagged\n")  # a copy a run appended before
    stamps = {old: now - timedelta(days=40), ours: now - timedelta(minutes=30)}
    for path in list(maildir.mail_files(inbox)):
        at = stamps.get(path, now - timedelta(minutes=20 - int(path.name[:2])))
        os.utime(path, (at.timestamp(), at.timestamp()))
    config = mix_config(tmp_path, local(inbox), webhook.url)
    before = maildir_tree(tmp_path / "Maildir")

    code, lines, summary, err = preview_json(capsys, config)
    assert code == 0, err
    # the tagged copy keeps its UID 1, the old mail (2) is older than the backlog; the others are
    # numbered by time, as a first start numbers them
    assert_known_mix_lines(lines, "local", list(range(3, 12)))
    assert lines[8]["error"] == "empty message"
    assert_known_mix_summary(summary, "local")
    assert summary["mailboxes"][0]["skipped"] == 1  # the tagged copy

    assert maildir_tree(tmp_path / "Maildir") == before  # no file renamed, added or changed; no archive
    assert not (tmp_path / "state").exists()
    assert not (tmp_path / "outgoing").exists() and webhook.bodies == []


def test_a_long_folder_tells_its_progress_on_stderr(tmp_path, capsys):
    inbox = maildir.ensure(tmp_path / "Maildir")
    for n in range(120):
        maildir.deliver(inbox, COLLEAGUE.replace(b"lunch@", f"lunch-{n}@".encode()), name=f"{n:03d}")
    config = write_config(tmp_path, mailbox=[local(inbox)])
    code, lines, summary, err = preview_json(capsys, config)
    assert code == 0 and len(lines) == 120 and summary["categories"] == {"other": 120}
    assert err.splitlines() == ["local: 100/120 read", "local: 120/120 read"]


def test_trust_that_passes_no_amazon_mail_is_called_misconfigured(tmp_path, capsys):
    now = datetime.now(timezone.utc)
    inbox = maildir.ensure(tmp_path / "Maildir")
    maildir.deliver(inbox, arrived(mails.claim("301-1111111-2222222"), now), name="1")
    maildir.deliver(inbox, arrived(mails.buyer("301-3333333-4444444", "Is it blue?"), now), name="2")
    office = re.sub(rb"^Authentication-Results: [^\r\n]*\r\n", MICROSOFT_365.encode(),
                    mails.claim("301-5555555-6666666"))
    maildir.deliver(inbox, arrived(office, now), name="3")
    config = write_config(tmp_path, mailbox=[local(inbox)],
                          trust={"authserv_ids": ["mx.wrong.example"]})
    code, out, _ = preview(capsys, config)
    assert code == 0
    assert 'authserv_ids = ["mx.wrong.example"]: 3 mail(s) from Amazon: 3 without a trusted result' in out
    assert ("topmost Authentication-Results: mx.example.test: 2, "
            "a result with no authserv-id (as Microsoft 365 writes it): 1") in out
    assert "trust is probably misconfigured: none of the 3 mail(s) from Amazon passes" in out
    assert 'set [trust] authserv_ids = ["mx.example.test"]' in out
    assert ("1 of them carry a result with no authserv-id (as Microsoft 365 writes it): "
            'set [trust] provider = "microsoft365"') in out

    config = write_config(tmp_path, mailbox=[local(inbox)])
    code, out, _ = preview(capsys, config)
    assert "2 pass, 1 without a trusted result" in out and "misconfigured" not in out


def test_a_wrong_mailbox_name_names_the_known_ones(tmp_path, capsys):
    inbox = maildir.ensure(tmp_path / "Maildir")
    config = write_config(tmp_path, mailbox=[local(inbox), {**local(inbox, "EU shop"), "address": "eu@shop.example"}])
    code, out, err = preview(capsys, config, "--mailbox", "US shop")
    assert code == 2 and out == ""
    assert err == "error: no watched [[mailbox]] is named 'US shop'; the watched ones: 'local', 'EU shop'\n"
    code, lines, summary, _ = preview_json(capsys, config, "--mailbox", "EU shop")
    assert code == 0 and [m["mailbox"] for m in summary["mailboxes"]] == ["EU shop"]


def test_a_wrong_password_is_one_line_and_the_other_mailboxes_are_still_read(dovecot, tmp_path, capsys):
    dovecot.append(COLLEAGUE)
    inbox = maildir.ensure(tmp_path / "Maildir")
    maildir.deliver(inbox, COLLEAGUE)
    config = write_config(tmp_path, mailbox=[
        imap_mailbox(tmp_path, dovecot, "wrong-password"),
        {**local(inbox), "address": "orders@shop.example"}])
    code, out, err = preview(capsys, config)
    assert code == 1
    assert err == (f"error: mailbox shop: 127.0.0.1:{dovecot.imap_port} refused the login of support: check "
                   "imap_user and the password file; Gmail and Microsoft 365 refuse passwords: use "
                   "oauth2_token_command (XOAUTH2)\n")
    assert "local 1  other" in out and "local: 1 mail(s) since" in out
    assert "shop: 0 mail(s) since" in out and "could not be read: mailbox shop:" in out
    assert "wrong-password" not in out + err
    assert not (tmp_path / "state").exists()
