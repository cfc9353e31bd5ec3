"""The service as systemd runs it: the unit files pass `systemd-analyze verify` and score 2.0 or
less in `systemd-analyze security`; the daemon speaks the notify protocol to a fake
NOTIFY_SOCKET (READY=1 only once it can work, WATCHDOG=1 while it lives, STOPPING=1); secrets
come from $CREDENTIALS_DIRECTORY and the state from $STATE_DIRECTORY."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from configs import imap_mailbox, smtp_capture, write_config
from processes import FakeSystemd
from servers import free_port, listening, missing, wait_until

from gateway.config import load_config, secret_file
from gateway.service.sdnotify import Notifier

REPO = Path(__file__).resolve().parent.parent
UNITS = ["crisis-gateway.service", "crisis-gateway@.service"]


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        missing("systemd-analyze (.ci/run installs the systemd package)")
    return found


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_passes_systemd_analyze_verify(unit, tmp_path):
    analyze = _systemd_analyze()
    # the unit as installed, but starting this checkout's command (verify wants it to exist)
    name = unit.replace("@.", "@example.")
    text = (REPO / "systemd" / unit).read_text()
    assert "/opt/crisis-gateway/bin/crisis-gateway run --config /etc/crisis-gateway/" in text
    (tmp_path / name).write_text(text.replace("/opt/crisis-gateway/bin/crisis-gateway", str(Path(sys.prefix) / "bin" / "crisis-gateway")))
    done = subprocess.run([analyze, "verify", str(tmp_path / name)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr  # unknown keys are only warned about


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_scores_2_or_less_in_systemd_analyze_security(unit, tmp_path):
    analyze = _systemd_analyze()
    done = subprocess.run([analyze, "security", "--offline=true", "--no-pager", str(REPO / "systemd" / unit)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert match, done.stdout[-2000:] + done.stderr[-2000:]
    assert float(match.group(1)) <= 2.0, done.stdout


def test_the_unit_is_hardened_as_promised():
    text = (REPO / "systemd" / "crisis-gateway.service").read_text()
    for line in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "DynamicUser=yes", "StateDirectory=crisis-gateway",
                 "ConfigurationDirectory=crisis-gateway", "LoadCredential=imap-password:", "ProtectSystem=strict",
                 "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes", "\nCapabilityBoundingSet=\n",
                 "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service"):
        assert line in text, line


def _setting(unit: str, key: str) -> str:
    found = re.search(rf"^{key}=(.*)$", (REPO / "systemd" / unit).read_text(), re.M)
    assert found, f"{unit} has no {key}="
    return found.group(1).strip()


def test_an_instance_keeps_its_state_beside_the_plain_units_not_inside():
    # Under DynamicUser /var/lib/NAME is a link into /var/lib/private: systemd cannot make an
    # instance's below another service's ("Failed to set up special execution directory: File exists").
    plain = _setting("crisis-gateway.service", "StateDirectory")
    instance = _setting("crisis-gateway@.service", "StateDirectory")
    assert "%i" in instance and not instance.startswith(plain + "/")


def test_notifier_speaks_to_a_path_or_an_abstract_socket(tmp_path):
    fake = FakeSystemd(str(tmp_path / "notify"))
    try:
        assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "notify")}).ready("running:\nall\r\nfine")
        assert wait_until(lambda: fake.first("READY"), 5, 0.05)
        assert fake.first("READY")[1]["STATUS"] == "running: all fine"  # one line: no field injected
    finally:
        fake.close()
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"crisis-gateway-test-{os.getpid()}"
    abstract.bind("\0" + name)
    try:
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).watchdog()
        assert abstract.recv(100) == b"WATCHDOG=1"
    finally:
        abstract.close()
    assert not Notifier({}).ready("nobody listens")  # outside systemd: nothing, no error
    assert Notifier({"WATCHDOG_USEC": "4000000"}).watchdog_seconds == 4.0
    assert Notifier({"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"}).watchdog_seconds is None  # not for us


def test_credentials_and_state_directory_come_from_systemd(tmp_path, monkeypatch):
    secret = tmp_path / "etc" / "imap-password"
    secret.parent.mkdir()
    secret.write_text("root-only\n")
    assert secret_file(tmp_path, "etc/imap-password") == secret
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "imap-password").write_text("service copy\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "var-lib"))
    assert secret_file(tmp_path, "etc/imap-password") == credentials / "imap-password"
    assert secret_file(tmp_path, "etc/smtp-password") == tmp_path / "etc" / "smtp-password"  # no such credential
    config = load_config(write_config(tmp_path, gateway={}, mailbox=[{
        "address": "support@shop.example", "imap_host": "127.0.0.1", "imap_user": "support",
        "password_file": str(secret)}]))
    assert config.mailboxes[0].password_file == credentials / "imap-password"
    assert config.state_dir == tmp_path / "var-lib"


def service_config(tmp_path: Path, server, password: str, relay_port: int) -> Path:
    """A mailbox on `server` logging in with `password`, and the inbound relay on relay_port."""
    return write_config(
        tmp_path, mailbox=[imap_mailbox(tmp_path, server, password)], smtp=smtp_capture(tmp_path),
        relay={"inbound": {"listen": f"127.0.0.1:{relay_port}", "reinject": f"127.0.0.1:{free_port()}"}})


WATCHDOG_1S = {"WATCHDOG_USEC": "1000000"}


def test_ready_only_once_the_relay_listens_and_the_mailbox_logged_in_then_watchdog_and_stopping(dovecot, run_daemon,
                                                                                               tmp_path):
    relay_port = free_port()
    service = run_daemon(service_config(tmp_path, dovecot, dovecot.password, relay_port), notify=True, env=WATCHDOG_1S)
    fake = service.notify
    try:
        ready = wait_until(lambda: fake.first("READY"), 30, 0.05)
        assert ready, service.log_text()[-3000:]
        assert ready[1]["STATUS"] == "running: 1 mailbox(es), 1 relay(s)"
        assert ready[1]["MAINPID"] == str(service.pid)
        assert listening(relay_port) and "shop: connected" in service.log_text()
        # with WatchdogSec=1s, a ping every half second
        pings = fake.count("WATCHDOG")
        time.sleep(2.2)
        assert fake.count("WATCHDOG") - pings >= 3
    finally:
        assert service.stop() == 0
    assert fake.first("STOPPING")


def test_no_ready_while_a_mailbox_cannot_log_in_and_the_status_says_why(dovecot, run_daemon, tmp_path):
    service = run_daemon(service_config(tmp_path, dovecot, "wrong-password", free_port()), notify=True, env=WATCHDOG_1S)
    fake = service.notify
    try:
        assert wait_until(lambda: any("Error" in m.get("STATUS", "") for _, m in fake.messages), 30, 0.05), \
            service.log_text()[-3000:]
        time.sleep(1)
        assert fake.first("READY") is None
        status = [m["STATUS"] for _, m in fake.messages if "STATUS" in m][-1]
        assert status.startswith("starting: logging in to shop: ") and "LoginError" in status, status
        assert "wrong-password" not in status
    finally:
        assert service.stop() == 0
