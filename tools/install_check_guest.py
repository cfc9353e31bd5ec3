#!/usr/bin/python3
"""Inside a fresh Debian 12 machine: follow the README's install guide and check the result.

Run by tools/install_check.py as a boot-time unit, as root, with systemd as PID 1 and no network
but loopback. It plays the seller's mail servers first (Dovecot with IMAPS for
imap.shop.example, Postfix as smarthost and MX), then runs every block of the README's chapters
in CHAPTERS in order, as a newcomer would, filling in only what the prose asks for: the
checkout's path, the passwords typed at prompts, the sections "from Configuration", the second
instance's file, and the Postfix lines put into the files the text names. After the blocks that
change the running service it checks what the guide promises (CHECKPOINTS). The transcript goes
to /dev/ttyS1, its last line says PASSED or FAILED; then the machine powers off.

Standard library only: this runs on Debian's own python3, before anything is installed.
"""

from __future__ import annotations

import datetime
import email.header
import email.message
import email.utils
import json
import mailbox
import os
import re
import shlex
import signal
import smtplib
import subprocess
import sys
import time
import traceback
import urllib.request
from pathlib import Path
from typing import Any, Callable, NamedTuple

PAYLOAD = Path("/mnt/payload")
CHECKOUT = Path("/root/crisis-gateway")
REPORT = "/dev/ttyS1"
PASSWORD = "guide-check-password"
EU_PASSWORD = "guide-check-eu-password"
RELAY_PASSWORD = "guide-check-relay-password"
SECRET = "/etc/crisis-gateway/imap-password"
EU_SECRET = "/etc/crisis-gateway/eu/imap-password"
CONFIG = Path("/etc/crisis-gateway/gateway.toml")
UNIT = "crisis-gateway"
COMMAND_TIMEOUT = 600  # seconds; pip under software emulation takes about two minutes
ORDER = "113-4410293-5520417"
CLAIM = f"Claim received on order {ORDER}"

# The README's chapters that a newcomer follows to set up the service, in order; then the move of
# the inbound relay from the content filter to the milter, as a team that set up the first does it.
CHAPTERS = ["Install on Debian or Ubuntu", "The SMTP relays", "The inbound relay as a milter"]
# Where a chapter's part for this path begins, when not at its heading.
CHAPTER_STARTS = {"The inbound relay as a milter": "**Moving from the content filter.**"}

# The sections "from Configuration and the following chapters" that the guide asks to add: the
# sample mails' trusted receiver, who gets tier-1 crises, and the local Postfix as smarthost.
OTHER_SECTIONS = """
[trust]
authserv_ids = ["mx.example.test"]

[escalation]
tier1 = ["escalation@shop.example"]

[smtp]
host = "127.0.0.1"
port = 25
security = "none"
from = "crisis-gateway@shop.example"

[acknowledge]
shop_name = "Sample Shop"
"""

# What the guide's placeholders stand for on this machine.
PLACEHOLDERS = [
    ("/path/to/new/crisis-gateway", str(CHECKOUT)),
    ("/path/to/crisis-gateway", str(CHECKOUT)),
]

# The guide's commands run with these: pip takes the wheels built beforehand (the machine has no
# network); systemctl and journalctl print plainly.
GUIDE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "PIP_NO_INDEX": "1",
    "PIP_FIND_LINKS": str(PAYLOAD / "wheels"),
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "SYSTEMD_PAGER": "cat",
    "SYSTEMD_COLORS": "0",
    "DEBIAN_FRONTEND": "noninteractive",
}

report = sys.stdout  # the serial port, once main() runs in the machine
started = time.monotonic()
checks_passed = 0


class CheckFailed(Exception):
    pass


def say(text: str) -> None:
    report.write(f"[{time.monotonic() - started:6.1f}s] {text}\n")


def check(condition: bool, what: str, detail: str = "") -> None:
    global checks_passed
    if not condition:
        raise CheckFailed(what + (f"\n{detail}" if detail else ""))
    checks_passed += 1
    say(f"ok: {what}")


def run(command: str, *, stdin: str | None = None, check_exit: bool = True) -> subprocess.CompletedProcess:
    """Run a shell command as the guide's reader would; its output goes to the transcript."""
    try:
        result = subprocess.run(["bash", "-c", command], input=stdin if stdin is not None else "", text=True,
                                capture_output=True, env=GUIDE_ENV, cwd="/root", timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired as expired:
        processes = subprocess.run(["ps", "-eo", "pid,etime,args"], capture_output=True, text=True).stdout
        # what it printed so far comes as bytes, whatever `text` said
        printed = b"".join(part if isinstance(part, bytes) else part.encode() for part in (expired.stdout, expired.stderr) if part)
        raise CheckFailed(f"still running after {COMMAND_TIMEOUT} s: {command}\n{printed.decode(errors='replace')}\n"
                          f"processes:\n{processes}") from None
    output = (result.stdout + result.stderr).rstrip()
    if check_exit and result.returncode != 0:
        raise CheckFailed(f"exit {result.returncode}: {command}\n{output}")
    return result


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120.0, step: float = 1.0) -> Any:
    """Wait until `condition` gives something true, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            check(True, what)
            return found
        time.sleep(step)
    raise CheckFailed(f"gave up after {timeout:.0f} s waiting: {what}")


# -- the seller's mail servers, on this machine ------------------------------------------------

def set_up_mail_servers() -> None:
    say("setting up imap.shop.example (Dovecot, IMAPS) and a smarthost (Postfix) on loopback")
    # apt's daily timers would try the network this machine does not have, holding apt's lock
    run("systemctl stop apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service")
    with open("/etc/hosts", "a") as hosts:
        hosts.write("127.0.0.1 imap.shop.example\n")
    # a certificate for imap.shop.example that this machine trusts, as a real server's would be
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=imap.shop.example "
        "-addext subjectAltName=DNS:imap.shop.example -keyout /etc/dovecot/imap.key -out /etc/dovecot/imap.pem")
    run("cp /etc/dovecot/imap.pem /usr/local/share/ca-certificates/imap-shop-example.crt && update-ca-certificates")
    run("groupadd -g 5000 vmail && useradd -u 5000 -g 5000 -d /var/vmail -M vmail && "
        "install -d -o vmail -g vmail /var/vmail")
    Path("/etc/dovecot/users").write_text(
        f"support@shop.example:{{PLAIN}}{PASSWORD}:5000:5000::/var/vmail/support\n"
        f"eu@shop.example:{{PLAIN}}{EU_PASSWORD}:5000:5000::/var/vmail/eu\n")
    Path("/etc/dovecot/dovecot.conf").write_text("""
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = </etc/dovecot/imap.pem
ssl_key = </etc/dovecot/imap.key
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
passdb {
  driver = passwd-file
  args = /etc/dovecot/users
}
userdb {
  driver = passwd-file
  args = /etc/dovecot/users
}
""")
    run("systemctl restart dovecot")
    # Postfix: loopback only; whatever the gateway sends lands in the local user "escalation".
    run("useradd -m escalation")
    Path("/etc/postfix/everything").write_text("/.*/ escalation@localhost\n")
    Path("/etc/postfix/main.cf").write_text("""
compatibility_level = 3.6
myhostname = mail.shop.example
mydestination = localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
virtual_alias_maps = regexp:/etc/postfix/everything
alias_maps =
alias_database =
""")
    run("systemctl restart postfix")
    check(run("systemctl is-active dovecot postfix", check_exit=False).returncode == 0, "Dovecot and Postfix run")


# -- the guide -----------------------------------------------------------------------------------

def guide_blocks(readme: str, chapter: str = CHAPTERS[0]) -> list[tuple[str, str, str]]:
    """The fenced blocks of a README chapter, in order: (language, text, the file a plain block goes
    into, as the line above it names it: "`/etc/postfix/main.cf`:")."""
    section = re.search(rf"^## {re.escape(chapter)}\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    if not section:
        raise CheckFailed(f"README.md has no section '## {chapter}'")
    text = section[1]
    start = CHAPTER_STARTS.get(chapter)
    if start is not None:
        if start not in text:
            raise CheckFailed(f"README.md's section '## {chapter}' has no {start!r}")
        text = text[text.index(start):]
    return [(m["language"], m["text"], m["target"] or "") for m in re.finditer(
        r"(?:^`(?P<target>/[^`]+)`:\n\n)?^```(?P<language>\w*)\n(?P<text>.*?)^```", text, re.S | re.M)]


def with_section(config: str, text: str) -> str:
    """The configuration with a block of the guide added, as its reader edits the file: a table
    the file has already is replaced by the block's, anything else is added at the end."""
    table = re.match(r"\s*(\[[^\[\]\n]+\])[ \t]*(?:#[^\n]*)?\n", text)
    if table:
        existing = re.compile(rf"^{re.escape(table[1])}[ \t]*(?:#[^\n]*)?\n.*?(?=^\[|\Z)", re.S | re.M)
        if existing.search(config):
            return existing.sub(lambda _: text.strip() + "\n\n", config, count=1)
    return config + "\n" + text


def fill_in(text: str) -> str:
    for placeholder, value in PLACEHOLDERS:
        text = text.replace(placeholder, value)
    # the restore example names a backup of some day: the one made today
    return re.sub(r"state-\d{4}-\d{2}-\d{2}\.db", f"state-{datetime.date.today()}.db", text)


CRON_LINE = re.compile(r"^(\S+\s+){5}root\s+(?P<command>.*)$", re.M)


def command_lines(text: str) -> list[str]:
    """A shell block's commands, one a line: a command continued over lines with a backslash is
    one, as for the reader's shell; a comment is never continued. (A backslash at a line's end
    inside quotes, which the shell keeps, is not told apart: the guide has none.)"""
    lines: list[str] = []
    continued = False
    for line in text.splitlines():
        if continued:
            lines[-1] += line
        else:
            lines.append(line)
        continued = not lines[-1].lstrip().startswith("#") and lines[-1].endswith("\\")
        if continued:
            lines[-1] = lines[-1][:-1]
    return lines


def run_block(language: str, text: str, target: str) -> None:
    text = fill_in(text)
    if language == "" and target:
        say(f"adding to {target}:\n{text.rstrip()}")
        with open(target, "a") as file:
            file.write(text)
        return
    if language == "toml":
        if "[[mailbox]]" in text:
            say(f"writing {CONFIG}: the guide's example, and the other sections it asks for")
            CONFIG.write_text(text + OTHER_SECTIONS)
        else:
            say(f"adding to {CONFIG}:\n{text.rstrip()}")
            CONFIG.write_text(with_section(CONFIG.read_text(), text))
        return
    if language != "sh":
        raise CheckFailed(f"the guide has a ```{language} block this check does not know how to follow")
    for line in command_lines(text):
        cron = CRON_LINE.match(line)
        if cron:
            # a line for /etc/cron.d: install it, and run its command now rather than at 03:30
            Path("/etc/cron.d").mkdir(exist_ok=True)
            Path("/etc/cron.d/crisis-gateway").write_text(line + "\n")
            line = cron["command"].replace("\\%", "%")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        # the passwords the guide asks to type at the prompt
        stdin = PASSWORD if re.search(r"cat > \S*imap-password", line) else None
        if re.search(r"crisis-gateway relay-user", line):
            stdin = RELAY_PASSWORD + "\n"
        say(f"$ {line}")
        result = run(line, stdin=stdin, check_exit=False)
        output = (result.stdout + result.stderr).rstrip()
        if output:
            say("  " + output.replace("\n", "\n  "))
        if result.returncode != 0:
            raise CheckFailed(f"the guide's command failed with exit {result.returncode}: {line}")


def prepare_instance() -> None:
    """What the prose asks before starting instance NAME: NAME.toml with its own state_dir, mailbox
    and ports, and its secret in /etc/crisis-gateway/NAME/."""
    say("preparing instance eu as the guide describes: eu.toml, its state_dir and its secret")
    config = CONFIG.read_text()
    for old, new in [('state_dir = "/var/lib/crisis-gateway"', 'state_dir = "/var/lib/crisis-gateway-eu"'),
                     ('"support@shop.example"', '"eu@shop.example"'),
                     ("/etc/crisis-gateway/imap-password", EU_SECRET),
                     ("127.0.0.1:9464", "127.0.0.1:9465")]:
        if old not in config:
            raise CheckFailed(f"{CONFIG} has no {old}: the instance would share it with the plain service")
        config = config.replace(old, new)
    Path("/etc/crisis-gateway/eu.toml").write_text(config)
    run("install -d -m 0700 /etc/crisis-gateway/eu")
    run(f"umask 077; cat > {EU_SECRET}", stdin=EU_PASSWORD)


# -- what the guide promises ---------------------------------------------------------------------

def show(unit: str, *properties: str) -> dict[str, str]:
    result = run(f"systemctl show {unit} " + " ".join(f"-p {p}" for p in properties))
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def service_active(unit: str) -> bool:
    return run(f"systemctl is-active {unit}", check_exit=False).stdout.strip() == "active"


def check_service_runs(unit: str) -> str:
    """The unit is active and says it runs; returns its status line."""
    wait_for(lambda: service_active(unit), f"{unit} is active", timeout=180)
    status = show(unit, "StatusText")["StatusText"]
    check(status.startswith("running"), f"{unit} says it is running: {status!r}",
          run(f"journalctl -u {unit} --no-pager -n 40", check_exit=False).stdout)
    return status


def main_pid(unit: str) -> int:
    return int(show(unit, "MainPID")["MainPID"])


def check_hardening(unit: str, secret: str) -> None:
    pid = main_pid(unit)
    check(pid != 0, f"{unit} has a main process")
    status = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":\t" in line)
    uid = int(status["Uid"].split()[0])
    check(uid != 0, f"{unit} runs as a dynamic user (uid {uid}), not root")
    check(status["NoNewPrivs"].strip() == "1", f"{unit} has NoNewPrivs")
    check(status["Seccomp"].strip() == "2", f"{unit} runs under a seccomp filter")
    check(int(status["CapEff"], 16) == 0 and int(status["CapBnd"], 16) == 0, f"{unit} has no capabilities")
    # it logged in, so it read the password: from its credentials, as its own user cannot read the file
    read = run(f"setpriv --reuid={uid} --regid={uid} --clear-groups cat {secret}", check_exit=False)
    check(read.returncode != 0 and not read.stdout, f"{unit}'s user cannot read the root-only {secret}")
    analysis = run(f"systemd-analyze security {unit}", check_exit=False).stdout
    score = re.search(r"Overall exposure level for \S+: ([\d.]+)", analysis)
    check(bool(score) and float(score[1]) <= 2.0, f"systemd-analyze security {unit}: {score[1] if score else '?'}",
          analysis[-3000:])


def subjects(user: str, mailbox: str = "INBOX") -> list[str]:
    result = run(f"doveadm -f json fetch -u {user} hdr.subject mailbox {shlex.quote(mailbox)}", check_exit=False)
    if result.returncode != 0:
        return []
    # the header as stored: a long tagged subject is folded over lines
    return [re.sub(r"\r?\n[ \t]+", " ", row["hdr.subject"]).strip() for row in json.loads(result.stdout or "[]")]


def sample(name_part: str, minutes_ago: int = 0) -> bytes:
    """A sample mail as if it had just arrived: its Date and Received stamps `minutes_ago` before
    now. The samples carry the dates they were written with, and a crisis first seen days after it
    arrived goes into the backlog report instead of being forwarded."""
    raw = next((CHECKOUT / "samples/maildir/cur").glob(f"*{name_part}*")).read_bytes()
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago)
    stamp = email.utils.format_datetime(when).encode()
    header, blank, body = re.split(rb"(\r?\n\r?\n)", raw, maxsplit=1)
    header = re.sub(rb"(?mi)^(Date:[ \t]*)[^\r\n]*", lambda m: m[1] + stamp, header, count=1)
    header = re.sub(rb"(?mi)^(Received:[^\r\n]*;[ \t]*)[^\r\n;]*(?=\r?$)", lambda m: m[1] + stamp, header)
    return header + blank + body


def check_mail_flow() -> None:
    say("delivering an A-to-z claim and the buyer's earlier message to support@shop.example's INBOX")
    for name, minutes_ago in ((".M2P1.", 5), (".M1P1.", 0)):
        run("doveadm save -u support@shop.example -m INBOX", stdin=sample(name, minutes_ago).decode())
    wait_for(lambda: any("A-to-Z" in s and CLAIM in s for s in subjects("support@shop.example")),
             "the claim's subject in INBOX carries the A-to-Z tag and its due time", timeout=180)
    say("  INBOX: " + " | ".join(subjects("support@shop.example")))
    mailbox = Path("/var/mail/escalation")
    wait_for(lambda: mailbox.exists() and ORDER in mailbox.read_text(errors="replace"),
             "the claim was forwarded to escalation@shop.example through the smarthost", timeout=180)
    journal = run(f"journalctl -u {UNIT} --no-pager -o cat", check_exit=False).stdout
    check("atoz_claim" in journal, "journalctl -u crisis-gateway has a line with the claim's verdict",
          journal[-3000:])


def check_reload() -> None:
    pid = main_pid(UNIT)
    run(f"systemctl reload {UNIT}")
    time.sleep(2)
    check(service_active(UNIT) and main_pid(UNIT) == pid, "systemctl reload keeps the same process running")


def check_watchdog() -> None:
    # The shipped WatchdogSec=60 with a frozen process: shortened here, same mechanism.
    say("freezing the main process with SIGSTOP, with WatchdogSec shortened to 10 s")
    dropin = Path(f"/run/systemd/system/{UNIT}.service.d/watchdog.conf")
    dropin.parent.mkdir(parents=True, exist_ok=True)
    dropin.write_text("[Service]\nWatchdogSec=10\nTimeoutAbortSec=5\n")
    run("systemctl daemon-reload")
    run(f"systemctl restart {UNIT}")
    check_service_runs(UNIT)
    frozen = main_pid(UNIT)
    restarts = int(show(UNIT, "NRestarts")["NRestarts"])
    os.kill(frozen, signal.SIGSTOP)
    wait_for(lambda: int(show(UNIT, "NRestarts")["NRestarts"]) > restarts and main_pid(UNIT) not in (0, frozen),
             "systemd restarts the service when its watchdog pings stop", timeout=120)
    dropin.unlink()
    run("systemctl daemon-reload")
    run(f"systemctl restart {UNIT}")
    check_service_runs(UNIT)


def check_metrics() -> None:
    with urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=10) as answer:
        metrics = answer.read().decode()
    check(re.search(r'crisis_gateway_imap_connected\{mailbox="EU shop[^"]*"\} 1\.0', metrics) is not None,
          "the metrics endpoint says the mailbox is connected", metrics[-3000:])
    check(re.search(r'crisis_gateway_mails_total\{category="atoz_claim"[^}]*\} [1-9]', metrics) is not None,
          "the metrics endpoint counts the A-to-z claim", metrics[-3000:])


def open_clocks() -> str:
    return run(f"crisis-gateway status --config {CONFIG}").stdout


def check_backup() -> None:
    backup = Path(f"/root/backup/state-{datetime.date.today()}.db")
    check(backup.exists(), f"the backup command wrote {backup}")
    integrity = run(f"sqlite3 {backup} 'pragma integrity_check'").stdout.strip()
    check(integrity == "ok", f"the backup passes SQLite's integrity check ({integrity})")
    # a change after the backup, which the restore must take back
    run(f"crisis-gateway resolve {ORDER} --config {CONFIG} --note 'answered by phone'")
    check(ORDER not in open_clocks(), f"after the backup, the claim's clock is stopped by hand ({ORDER})")


def check_restored() -> None:
    clocks = open_clocks()
    check(ORDER in clocks, "after the restore, `crisis-gateway status` shows the claim's clock open again", clocks)


def check_first_start() -> None:
    check_service_runs(UNIT)
    check_hardening(UNIT, SECRET)
    check_mail_flow()
    check_reload()
    check_watchdog()


def check_instance() -> None:
    check_service_runs(f"{UNIT}@eu")
    check_hardening(f"{UNIT}@eu", EU_SECRET)
    users = {unit: run(f"ps -o user= -p {main_pid(unit)}").stdout.strip() for unit in (UNIT, f"{UNIT}@eu")}
    check(len(set(users.values())) == 2, f"each instance has a user of its own: {users}")
    check(service_active(UNIT), "the plain service still runs beside the instance")


def check_upgraded() -> None:
    check_service_runs(UNIT)
    check_metrics()


def check_restarted_from_backup() -> None:
    check_service_runs(UNIT)
    check_restored()


def delivered(match: Callable[[email.message.Message], bool]) -> list[email.message.Message]:
    """The mails in the local mailbox where Postfix delivers everything, that `match` picks."""
    path = Path("/var/mail/escalation")
    if not path.exists():
        return []
    return [message for message in mailbox.mbox(path) if match(message)]


def decoded(message: email.message.Message, field: str) -> str:
    """A header as a reader sees it: unfolded, encoded words decoded."""
    return str(email.header.make_header(email.header.decode_header(str(message.get(field, "")))))


def check_relays() -> None:
    status = check_service_runs(UNIT)
    check("2 relay(s)" in status, f"the relays run: {status!r}")
    users = Path("/etc/crisis-gateway/relay-users")
    check(users.exists() and RELAY_PASSWORD not in users.read_text(), "relay-user wrote the users file, without the password")
    claim = sample(".M3P1.")  # a Spanish claim, its subject in encoded words
    original = email.message_from_bytes(claim)
    amazon = email.utils.parseaddr(original["From"])[1]
    claimed = decoded(original, "Subject")
    order = re.search(r"\d{3}-\d{7}-\d{7}", claimed)[0]
    say(f"sending an A-to-z claim from {amazon} to support@shop.example through Postfix on port 25")
    with smtplib.SMTP("127.0.0.1", 25, timeout=60) as smtp:
        smtp.sendmail(amazon, ["support@shop.example"], claim)

    def claims(message: email.message.Message) -> bool:
        return amazon in str(message["From"]) and order in decoded(message, "Subject")

    wait_for(lambda: delivered(claims), "Postfix delivered the claim after the content filter", timeout=180)
    wait_for(lambda: "Mail queue is empty" in run("postqueue -p", check_exit=False).stdout,
             "Postfix's queue is empty: nothing deferred, nothing looping", timeout=180)
    copies = delivered(claims)  # counted once nothing more can come
    subject = decoded(copies[0], "Subject")
    check(len(copies) == 1 and subject.startswith("[CRISIS: A-to-Z") and subject.endswith(claimed),
          f"once, tagged by the inbound relay: {subject!r}")

    say("the team replies through the outbound relay on 127.0.0.1:10587")
    reply = email.message.EmailMessage()
    reply["From"] = "support@shop.example"
    reply["To"] = amazon
    reply["Subject"] = "Re: " + subject
    reply["Message-ID"] = email.utils.make_msgid(domain="shop.example")
    reply["In-Reply-To"] = original["Message-ID"]
    reply.set_content(f"El pedido {order} se entregó el lunes; adjuntamos el seguimiento.\n")
    with smtplib.SMTP("127.0.0.1", 10587, timeout=60) as smtp:
        smtp.send_message(reply)

    def replies(message: email.message.Message) -> bool:
        return message["Message-ID"] == reply["Message-ID"]

    sent = wait_for(lambda: delivered(replies), "the reply reached the smarthost and was delivered", timeout=180)
    subject = decoded(sent[0], "Subject")
    crisis_fields = [name for name in sent[0].keys() if name.lower().startswith("x-crisis")]
    check(len(sent) == 1 and subject == f"Re: {claimed}" and not crisis_fields,
          f"delivered once, without the gateway's tags: {subject!r} {crisis_fields}")
    trail = run(f"crisis-gateway audit show --config {CONFIG} --order {order}", check_exit=False).stdout
    check("reply_sent" in trail, "the audit trail has the reply", trail[-2000:])


def check_milter() -> None:
    status = check_service_runs(UNIT)
    check("2 relay(s)" in status, f"the relays run: {status!r}")
    named = run(f"crisis-gateway check-config --config {CONFIG}").stdout
    check("smtpd_milters = inet:127.0.0.1:10027" in named, "check-config names the milter's Postfix line", named)
    # another claim than the content filter's: a new order and Message-ID in the Spanish sample
    claim = sample(".M3P1.")
    order = re.search(rb"\d{3}-\d{7}-\d{7}", claim)[0]
    claim = claim.replace(order, b"407-7777777-7777777")
    claim = re.sub(rb"(?im)^(Message-ID:\s*<)", rb"\1milter-", claim, count=1)
    original = email.message_from_bytes(claim)
    amazon = email.utils.parseaddr(original["From"])[1]
    say(f"sending an A-to-z claim on 407-7777777-7777777 from {amazon} through Postfix on port 25")
    with smtplib.SMTP("127.0.0.1", 25, timeout=60) as smtp:
        smtp.sendmail(amazon, ["support@shop.example"], claim)

    def claims(message: email.message.Message) -> bool:
        return message["Message-ID"] == original["Message-ID"]

    wait_for(lambda: delivered(claims), "Postfix delivered the claim after the gateway's milter", timeout=180)
    wait_for(lambda: "Mail queue is empty" in run("postqueue -p", check_exit=False).stdout,
             "Postfix's queue is empty: nothing deferred, nothing waiting for the content filter", timeout=180)
    copies = delivered(claims)
    subject = decoded(copies[0], "Subject")
    check(len(copies) == 1 and subject.startswith("[CRISIS: A-to-Z") and "407-7777777-7777777" in subject,
          f"once, tagged by the milter: {subject!r}")
    trail = run(f"crisis-gateway audit show --config {CONFIG} --order 407-7777777-7777777", check_exit=False).stdout
    check("milter_accepted" in trail, "the audit trail has the milter's row", trail[-2000:])


class Checkpoint(NamedTuple):
    """A block of the guide that brings something about, known by a mark in its text."""
    name: str
    mark: re.Pattern[str]
    after: Callable[[], None]                   # checks what the block promises
    before: Callable[[], None] | None = None    # does what the prose asks before the block


# Each mark must be found in exactly one block (tests/test_install_check.py).
CHECKPOINTS = [
    Checkpoint("first start", re.compile(r"enable --now crisis-gateway(\s|$)", re.M), check_first_start),
    Checkpoint("second instance", re.compile(r"enable --now crisis-gateway@"), check_instance, before=prepare_instance),
    Checkpoint("upgrade", re.compile(r"pip install --upgrade"), check_upgraded),
    Checkpoint("daily backup", CRON_LINE, check_backup),
    Checkpoint("restore", re.compile(r"^systemctl start crisis-gateway$", re.M), check_restarted_from_backup),
    Checkpoint("relays", re.compile(r"restart crisis-gateway && postfix reload"), check_relays),
    Checkpoint("milter", re.compile(r"check-config .*&& systemctl restart crisis-gateway"), check_milter),
]


def checkpoints_of(text: str) -> list[Checkpoint]:
    return [checkpoint for checkpoint in CHECKPOINTS if checkpoint.mark.search(text)]


def main() -> int:
    global report
    report = open(REPORT, "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        say("install check: a fresh Debian " + Path("/etc/debian_version").read_text().strip()
            + ", systemd " + run("systemctl --version").stdout.split()[1])
        run(f"cp -a {PAYLOAD / 'crisis-gateway'} {CHECKOUT}")
        set_up_mail_servers()
        readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
        for chapter in CHAPTERS:
            blocks = guide_blocks(readme, chapter)
            say(f"following the README's chapter {chapter!r}: {len(blocks)} blocks")
            for number, (language, text, target) in enumerate(blocks, 1):
                say(f"-- {chapter}, block {number} ({language or target})")
                checkpoints = checkpoints_of(text)
                for checkpoint in checkpoints:
                    if checkpoint.before:
                        checkpoint.before()
                run_block(language, text, target)
                for checkpoint in checkpoints:
                    checkpoint.after()
        say(f"INSTALL-CHECK PASSED: {checks_passed} checks")
        return 0
    except CheckFailed as failure:
        say(f"FAILED: {failure}")
    except Exception:
        say("FAILED with an error in the check itself:\n" + traceback.format_exc())
    journal = run("journalctl -u 'crisis-gateway*' --no-pager -n 80", check_exit=False).stdout
    say("the service's journal, last lines:\n" + journal)
    say(f"INSTALL-CHECK FAILED after {checks_passed} checks")
    return 1


if __name__ == "__main__":
    sys.exit(main())
