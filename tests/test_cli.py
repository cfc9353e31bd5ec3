"""The command line as a user meets it: contract of classify --json, clear errors, the demo."""

import email
import email.policy
import json

import pytest
from captured import captured_mail, maildir_mails
from processes import cli

CONTRACT_KEYS = {
    "file", "message_id", "category", "tier", "suspicious", "order_id", "case_id", "case_status", "marketplace",
    "deadline", "subject", "actions", "rule", "trace",
}


def test_classify_json_contract(config_file, claim_file):
    result = cli("classify", "--config", str(config_file), "--json", str(claim_file))
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    verdict = json.loads(line)
    assert CONTRACT_KEYS <= set(verdict)
    assert verdict["file"] == str(claim_file)
    assert (verdict["category"], verdict["tier"], verdict["marketplace"]) == ("atoz_claim", 1, "ES")
    assert verdict["deadline"] == "2026-11-18T08:00:05+00:00"
    assert [a["kind"] for a in verdict["actions"]] == ["tag", "forward"]
    assert verdict["actions"][1]["to"] == ["crisis@shop.example"]
    assert verdict["subject"].startswith("[CRISIS: A-to-Z by ")


def test_classify_changes_nothing(config_file, claim_file, tmp_path):
    before = claim_file.read_bytes()
    cli("classify", "--config", str(config_file), str(claim_file))
    assert claim_file.read_bytes() == before
    assert not (tmp_path / "state").exists()


def test_classify_table(config_file, claim_file):
    result = cli("classify", "--config", str(config_file), str(claim_file))
    header, row = result.stdout.splitlines()
    assert header.split()[:5] == ["file", "category", "tier", "due", "actions"]
    assert "claim.eml" in row and "atoz_claim" in row and "[CRISIS: A-to-Z" in row


def test_classify_reports_bad_files_and_goes_on(config_file, claim_file, tmp_path):
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    result = cli("classify", "--config", str(config_file), "--json", str(empty), str(tmp_path / "missing.eml"), str(claim_file))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {"file": str(empty), "error": "empty message"}
    assert lines[1]["error"] == "No such file or directory"
    assert lines[2]["category"] == "atoz_claim"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("[trust]\nauthserv_ids = \"mx\"\n", "'authserv_ids' must be a list of strings"),
        ("[[mailbox]]\nname = \"x\"\n", "'address' is required"),
        ("[mailbox]\naddress = \"a@b.c\"\n", "write [[mailbox]] (double brackets)"),
        ("[gateway]\ntimezone = \"Mars/Olympus\"\n", "not a known timezone"),
        ("[gateway]\nstate_dri = \"/tmp\"\n", "unknown key 'state_dri' in [gateway]"),
        ("[escalation]\ntier1 = [\"not an address\"]\n", "must be one e-mail address"),
        ("[trust\n", "not valid TOML"),
        ("[tags]\natoz_claim = \"[x]\"\n", "[tags] maps a category"),
        ("[wat]\n", "unknown section [wat]"),
        ("[smtp]\nhost = \"mx\"\n", "[smtp] 'from' is required"),
        ("[smtp]\nfrom = \"a@b.c\"\n", "exactly one of 'host'"),
        ("[smtp]\nfrom = \"a@b.c\"\nhost = \"mx\"\nsecurity = \"ssl\"\n", "security must be"),
        ("[smtp]\nfrom = \"a@b.c\"\nhost = \"mx\"\npassword_file = \"p\"\n", "'user' is required"),
        ("[outbox]\nattempts = \"five\"\n", "[outbox] attempts must be a number"),
        ("[acknowledge]\nwindow_hours = true\n", "[acknowledge] window_hours must be a number"),
        ("[[mailbox]]\naddress = \"a@b.c\"\nimap_host = \"mx\"\n", "'imap_user' is required with imap_host"),
        ("[[mailbox]]\naddress = \"a@b.c\"\nimap_host = \"mx\"\nimap_user = \"u\"\n", "exactly one of password_file or oauth2_token_command"),
        ("[[mailbox]]\naddress = \"a@b.c\"\nimap_host = \"mx\"\nmaildir = \"m\"\n", "either imap_host"),
        ("[[mailbox]]\naddress = \"a@b.c\"\nimap_security = \"ssl\"\n", "imap_security must be"),
        ("[[mailbox]]\naddress = \"a@b.c\"\nfolder = \"X\"\narchive_folder = \"X\"\n", "archive_folder must differ"),
        ("[[mailbox]]\naddress = \"a@b.c\"\n[[mailbox]]\naddress = \"a@b.c\"\n", "same name"),
        ("[[mailbox]]\naddress = \"a@b.c\"\nbacklog_days = -1\n", "'backlog_days' must be a whole number"),
    ],
)
def test_config_errors_name_the_key(tmp_path, claim_file, text, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, "utf-8")
    result = cli("classify", "--config", str(bad), str(claim_file))
    assert result.returncode == 2
    assert message in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_config_file(claim_file, tmp_path):
    result = cli("classify", "--config", str(tmp_path / "nope.toml"), str(claim_file))
    assert result.returncode == 2 and "file not found" in result.stderr


def test_demo_runs_from_any_folder(tmp_path):
    result = cli("demo", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout and "atoz_claim tier=1" in result.stdout
    inbox = maildir_mails(tmp_path / "demo" / "inbox")
    archive = maildir_mails(tmp_path / "demo" / "inbox" / ".Crisis Gateway.Archive")
    assert len(inbox) == 15  # every sample mail once: tagged copies, untouched mail, the unreadable one
    subjects = [str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"]) for raw in inbox]
    # the sample mails' clocks are long past their deadlines: their tags say overdue
    assert sum(s.startswith("[CRISIS OVERDUE: A-to-Z") for s in subjects) >= 3, subjects
    # the archive: the original of each tagged copy, and each tagged copy a newer tag replaced
    originals = [raw for raw in archive if b"X-Crisis-Key:" not in raw]
    assert len(originals) == sum(b"X-Crisis-Key:" in raw for raw in inbox)
    assert len(archive) - len(originals) == sum(s.startswith(("[CRISIS OVERDUE:", "[OVERDUE:")) for s in subjects)
    # and the summary says so, the originals apart from the replaced copies
    assert (f"{len(originals)} originals moved to Crisis Gateway/Archive, with {len(archive) - len(originals)} tagged "
            "copies whose tag moved on") in result.stdout
    # the sample mails are days old: a first start holds their forwards and acknowledgements back
    # and lists the crises in one backlog report
    sent = captured_mail(tmp_path / "demo" / "outgoing")
    reports = [raw for raw in sent if b"X-Crisis-Report: backlog" in raw]
    assert len(reports) == 1
    assert email.message_from_bytes(reports[0], policy=email.policy.default).get_content().count("[CRISIS: ") >= 5
    assert not [raw for raw in sent if b"Auto-Submitted: auto-replied" in raw]  # no acknowledgement
    assert "held back" in result.stdout and "1 backlog report(s)" in result.stdout
    # the order the buyer wrote about and Amazon claimed has two clocks, each with its own deadline
    clocks = [line.split() for line in result.stdout.splitlines() if line.startswith("  order:113-4410293-5520417:")]
    assert [(c[0], " ".join(c[-5:])) for c in clocks] == [("order:113-4410293-5520417:buyer", "Mon 23 Nov 09:10 CET"),
                                                          ("order:113-4410293-5520417:claim", "Tue 24 Nov 14:00 CET")]
    assert any(line.startswith("  account:") and "act on account health" in line for line in result.stdout.splitlines())
    again = cli("demo", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr


def test_python_dash_m_and_version():
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("crisis-gateway ")


def test_maildir_with_only_cur(tmp_path, config_file):
    """A Maildir copied without its empty folders (git keeps no empty folder) still reads."""
    (tmp_path / "box" / "cur").mkdir(parents=True)
    (tmp_path / "box" / "cur" / "1.eml").write_bytes(b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n")
    result = cli("classify", "--config", str(config_file), "--json", str(tmp_path / "box"))
    assert result.returncode == 0 and json.loads(result.stdout)["category"] == "other"


def test_run_without_anything_to_watch_says_so(config_file):
    result = cli("run", "--config", str(config_file))
    assert result.returncode == 2 and "nothing to do" in result.stderr and "[relay.inbound]" in result.stderr
