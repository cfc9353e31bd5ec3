"""`crisis-gateway check-config` against a real Dovecot and a listening SMTP server: what works
is said, what does not is said with its fix, and any problem gives a non-zero exit."""

import shutil
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from configs import imap_mailbox, make_config, write_config
from servers import Sink, SinkHandler, free_port

from gateway.cli import main
from gateway.config.shipped import shipped_dir
from gateway.service import checkconfig
from gateway.service.daemon import SPARE_DESCRIPTORS, open_files_needed


def check(capsys, config) -> tuple[int, str]:
    code = main(["check-config", "--config", str(config)])
    return code, capsys.readouterr().out


def test_everything_works_and_is_said(dovecot, tmp_path, capsys):
    dovecot.append(b"From: a@b.example\r\nSubject: hello\r\n\r\nhi\r\n")
    with Sink() as sink:
        config = write_config(tmp_path, mailbox=[imap_mailbox(tmp_path, dovecot)],
                              smtp={"from": "crisis@shop.example", "host": "127.0.0.1", "port": sink.port, "security": "none"},
                              relay={"inbound": {"listen": f"127.0.0.1:{free_port()}", "reinject": f"127.0.0.1:{free_port()}"},
                                     "outbound": {"listen": f"127.0.0.1:{free_port()}"}})
        code, out = check(capsys, config)
        assert sink.received == []  # greeted, nothing sent
    assert code == 0, out
    assert f"ok    mailbox shop: logged in to 127.0.0.1:{dovecot.imap_port} as support; INBOX has 1 mail(s)" in out
    assert "ok    mailbox shop: Sent folder found" in out
    assert f"ok    smarthost: greeted 127.0.0.1:{sink.port}, no TLS" in out
    assert "ok    relay inbound:" in out and "ok    relay outbound:" in out and out.rstrip().endswith("everything works")
    assert len(dovecot.messages()) == 1 and dovecot.messages("Crisis Gateway/Archive") == []  # nothing moved


def test_the_milter_is_named_with_the_postfix_setting_that_reaches_it(tmp_path, capsys):
    port = free_port()
    config = write_config(tmp_path, relay={"inbound": {"listen": f"127.0.0.1:{port}", "mode": "milter"}})
    code, out = check(capsys, config)
    assert f"ok    relay inbound (milter: smtpd_milters = inet:127.0.0.1:{port}): 127.0.0.1:{port} is free" in out, out


def test_each_problem_is_named_with_its_fix(dovecot, tmp_path, capsys):
    templates = tmp_path / "templates"
    shutil.copytree(shipped_dir("templates"), templates)
    (templates / "reminder" / "en.txt.j2").write_text("Subject: {{ broken\n")

    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    password = tmp_path / "smtp-password"
    password.write_text("nope\n")
    refusing = Controller(SinkHandler(), hostname="127.0.0.1", port=free_port(), authenticator=refuse,
                          auth_require_tls=False, ready_timeout=10)
    refusing.start()
    try:
        config = write_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "templates_dir": str(templates)},
                              mailbox=[imap_mailbox(tmp_path, dovecot, "wrong-password")],
                              smtp={"from": "crisis@shop.example", "host": "127.0.0.1", "port": refusing.port,
                                    "security": "none", "user": "crisis", "password_file": str(password)})
        code, out = check(capsys, config)
    finally:
        refusing.stop()
    assert code == 1, out
    assert "FAIL  template reminder/en.txt.j2, line 1:" in out
    assert "FAIL  mailbox shop: 127.0.0.1" in out and "refused the login of support" in out
    assert "use oauth2_token_command (XOAUTH2)" in out
    assert f"FAIL  smarthost 127.0.0.1:{refusing.port} refused the login of crisis: 535" in out
    assert "wrong-password" not in out and "nope" not in out
    assert "3 problem(s) to fix" in out
    # no [relay.outbound]: a reply from the team's own client takes the subject tag to the buyer
    assert "warn  tags: subjects are tagged, but there is no [relay.outbound]" in out
    assert "or set [tags] subject = false" in out

    (tmp_path / "closed").mkdir()
    closed = write_config(tmp_path / "closed", smtp={"from": "crisis@shop.example", "host": "127.0.0.1", "port": free_port(), "security": "none"})
    code, out = check(capsys, closed)
    assert code == 1 and "refused the connection: check the host and port, and that the server runs" in out, out


def test_a_broken_configuration_is_a_usage_error(tmp_path, capsys):
    config = tmp_path / "gateway.toml"
    config.write_text("[gateway]\nstate_dir = 1\n[[mailbox]]\naddress = 'support@shop.example'\n[digest]\nhour = 25\n")
    assert main(["check-config", "--config", str(config)]) == 2
    assert "error:" in capsys.readouterr().err


def test_untagged_subjects_need_no_outbound_relay(dovecot, tmp_path, capsys):
    config = write_config(tmp_path, mailbox=[imap_mailbox(tmp_path, dovecot)], tags={"subject": False})
    code, out = check(capsys, config)
    assert "tags: subjects are tagged" not in out, out


def mailboxes(folder, count: int) -> list[dict]:
    secret = folder / "imap-password"
    secret.write_text("x\n")
    return [{"name": f"shop{n}", "address": f"support{n}@shop.example", "imap_host": "127.0.0.1", "imap_port": 1143,
             "imap_user": f"support{n}", "password_file": str(secret)} for n in range(count)]


@pytest.mark.parametrize("unit, hard, level, words", [
    (None, 10_000, "ok", "allowed"),
    (8192, 100, "warn", "this shell allows 100"),
    (100, 10_000, "fail", "crisis-gateway.service allows 100"),
    (None, 100, "fail", "this shell allows 100"),
])
def test_open_files_are_checked_against_the_service_limit_and_the_shell(tmp_path, monkeypatch, unit, hard, level, words):
    config = make_config(tmp_path, mailbox=mailboxes(tmp_path, 3))
    need = open_files_needed(list(config.mailboxes))
    assert need == 3 * 2 + SPARE_DESCRIPTORS  # an inbox and a Sent folder each
    monkeypatch.setattr(checkconfig, "unit_open_files", lambda: unit)
    monkeypatch.setattr(checkconfig.resource, "getrlimit", lambda which: (hard, hard))
    [finding] = checkconfig.check_open_files(config)
    assert finding.level == level and words in finding.what and f"about {need}" in finding.what
    assert (finding.fix != "") == (level != "ok")


def test_the_unit_limit_is_none_without_systemd(monkeypatch):
    def no_systemctl(*args, **kwargs):
        raise FileNotFoundError("systemctl")

    monkeypatch.setattr(checkconfig.subprocess, "run", no_systemctl)
    assert checkconfig.unit_open_files() is None


@pytest.mark.parametrize("shown, limit", [
    ("LoadState=loaded\nLimitNOFILE=8192\n", 8192),
    ("LoadState=loaded\nLimitNOFILE=infinity\n", checkconfig.UNLIMITED),
    ("LoadState=not-found\nLimitNOFILE=524288\n", None),  # not installed: the manager's default, not the unit's
])
def test_the_unit_limit_is_the_installed_units_own(monkeypatch, shown, limit):
    monkeypatch.setattr(checkconfig.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, shown, ""))
    assert checkconfig.unit_open_files() == limit


def test_a_mailbox_the_daemon_does_not_watch_needs_no_connection(tmp_path, monkeypatch):
    boxes = mailboxes(tmp_path, 3) + [{"name": "relay-only", "address": "orders@shop.example"}]  # known to the relays only
    config = make_config(tmp_path, mailbox=boxes)
    monkeypatch.setattr(checkconfig, "unit_open_files", lambda: None)
    [finding] = checkconfig.check_open_files(config)
    assert f"about {3 * 2 + SPARE_DESCRIPTORS} needed" in finding.what
