"""Benchmark: many seller mailboxes on one daemon against one Dovecot on 127.0.0.1.

    .venv/bin/python bench/mailboxes.py [--sizes 20,100,200,500] [--mails 3] [--arrivals 100]   (as root)

For each size N, on a fresh Dovecot with N users (inbox and Sent folder each, limits raised as in
tests/servers.py):
1. the floor: one process holding 2N bare imapclient connections (logged in, folder selected,
   IDLE started) and doing nothing: its resident memory, threads, descriptors and login time;
2. the daemon (`python -m gateway run`) on N mailboxes of `--mails` mails each (a buyer message,
   a claim, a case mail...): time from start until every inbox is logged in, until every folder
   is (its "connected" line: the Sent folders log in after the inboxes), and until every mail is
   recorded and every inbox's cursor past its backlog; then
   `--arrivals` fresh claims appended one by one, each to a mailbox picked at random, 0.2 to 0.5 s
   apart: time from APPEND until the original reaches the archive (after its tagged copy is
   confirmed); p50, p99, max. Resident memory (VmRSS), threads and descriptors after the
   backlog and after the arrivals; failures and tracebacks in its log.

Targets: every mailbox logged in and its backlog read within 60 s, p99 under 2 s, resident memory
under 80 MB + 1 MB per mailbox.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import mails  # noqa: E402
from configs import config_data, config_toml, imap_mailbox, smtp_capture  # noqa: E402
from servers import Dovecot  # noqa: E402

ARCHIVE = "Crisis Gateway.Archive"  # a stock Dovecot's name of "Crisis Gateway/Archive"


def proc(pid: int) -> dict[str, float]:
    """Resident memory (MB), threads and open descriptors of a process."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "threads": int(fields["Threads"]),
            "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def backlog_mail(n: int, k: int) -> bytes:
    order = f"{200 + k:03d}-{n:07d}-{4000000 + n:07d}"
    kinds = [lambda: mails.buyer(order, "Where is my parcel?", token=f"b{n:05d}"), lambda: mails.claim(order),
             lambda: mails.case(f"{1000000000 + n * 10 + k}", "answered")]
    return kinds[k % len(kinds)]()


def fill(server: Dovecot, count: int) -> None:
    for n, user in enumerate(server.users, 1):
        with server.client(user) as client:
            for k in range(count):
                client.append("INBOX", backlog_mail(n, k))


# --- the floor: bare imapclient IDLE connections doing nothing ---------------------------------

def floor_child(port: int, users: list[str], password: str) -> None:
    """Run in a process of its own: 2 connections per user, IDLE started on each, then wait."""
    from imapclient import IMAPClient

    started = time.monotonic()
    clients = []
    for user in users:
        for folder in ("INBOX", "Gesendet"):
            client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=30)
            client.login(user, password)
            client.select_folder(folder, readonly=folder != "INBOX")
            client.idle()
            clients.append(client)
    print(f"{time.monotonic() - started:.2f}", flush=True)
    sys.stdin.readline()  # until the parent has measured


def floor(server: Dovecot) -> dict[str, float]:
    child = subprocess.Popen([sys.executable, __file__, "--floor-child", str(server.imap_port), server.password,
                              *server.users], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        login = float(child.stdout.readline())
        time.sleep(2)
        return {"login_s": login, **proc(child.pid)}
    finally:
        child.stdin.close()
        child.wait(timeout=60)


# --- the daemon ----------------------------------------------------------------------------------

def config_text(server: Dovecot, folder: Path) -> str:
    """The tests' configuration (captured outgoing mail, every mail fresh) with a mailbox per user."""
    boxes = [imap_mailbox(folder, server, name=user, address=f"{user}@shop.example", imap_user=user,
                          backlog_days=36500, timeout=30) for user in server.users]
    return config_toml(config_data(folder, mailbox=boxes, smtp=smtp_capture(folder)))


def backlog_read(state_db: Path, users: int, mails_each: int) -> bool:
    """Every mail recorded and every inbox's cursor past its backlog (read-only look at the state)."""
    if not state_db.exists():
        return False
    db = sqlite3.connect(f"file:{state_db}?mode=ro", uri=True, timeout=5)
    try:
        recorded = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        past = db.execute("SELECT count(*) FROM sources WHERE mailbox NOT LIKE '% (sent)' AND last_uid >= ?",
                          [mails_each]).fetchone()[0]
    except sqlite3.Error:
        return False
    finally:
        db.close()
    return recorded >= users * mails_each and past >= users


def arrivals(server: Dovecot, count: int, seed: int) -> list[float]:
    picks = random.Random(seed)
    samples = []
    for i in range(count):
        time.sleep(picks.uniform(0.2, 0.5))  # mail arrives on its own time
        n = picks.randrange(len(server.users))
        user = server.users[n]
        raw = mails.arrived_now(mails.claim(f"999-{i:07d}-{n:07d}"), datetime.now(timezone.utc))
        with server.client(user) as client:
            before = client.folder_status(ARCHIVE, ["MESSAGES"])[b"MESSAGES"]
            started = time.perf_counter()
            client.append("INBOX", raw)
            # the original reaches the archive only after its tagged copy is confirmed in INBOX
            while client.folder_status(ARCHIVE, ["MESSAGES"])[b"MESSAGES"] == before:
                if time.perf_counter() - started > 60:
                    raise RuntimeError(f"{user}: not tagged within 60 s")
                time.sleep(0.01)
            samples.append(time.perf_counter() - started)
    return samples


def daemon(server: Dovecot, folder: Path, mails_each: int, count: int) -> dict[str, float]:
    users = len(server.users)
    (folder / "gateway.toml").write_text(config_text(server, folder))
    log_path = folder / "daemon.log"
    with open(log_path, "wb") as log:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--config", str(folder / "gateway.toml")],
                                   stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    result: dict[str, float] = {}
    try:
        while any(key not in result for key in ("inboxes_s", "login_s", "backlog_s")):
            if process.poll() is not None:
                raise RuntimeError(f"the daemon ended: {log_path.read_text()[-2000:]}")
            if time.monotonic() - started > 900:
                raise RuntimeError("not read within 15 minutes")
            text = log_path.read_text(errors="replace")
            if "inboxes_s" not in result and text.count(": connected") - text.count(" (sent): connected") >= users:
                result["inboxes_s"] = time.monotonic() - started
            if "login_s" not in result and text.count(": connected") >= 2 * users:
                result["login_s"] = time.monotonic() - started
            if "backlog_s" not in result and backlog_read(folder / "state" / "state.db", users, mails_each):
                result["backlog_s"] = time.monotonic() - started
            time.sleep(0.2)
        time.sleep(2)
        result.update({f"{k}_backlog": v for k, v in proc(process.pid).items()})
        samples = arrivals(server, count, seed=users)
        ranked = sorted(samples)
        result.update(p50=statistics.median(ranked), p99=ranked[math.ceil(0.99 * len(ranked)) - 1], max=ranked[-1])
        result.update({f"{k}_after": v for k, v in proc(process.pid).items()})
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    text = log_path.read_text(errors="replace")
    result.update(failures=text.count("failed with"), tracebacks=text.count("Traceback"))
    return result


def run(size: int, mails_each: int, count: int, work: Path) -> tuple[dict, dict]:
    results = []
    for side in ("floor", "daemon"):
        server = Dovecot(f"bench-{os.getpid()}-{size}-{side}", users=size).start()
        folder = work / f"{size}-{side}"
        folder.mkdir()
        try:
            if side == "floor":
                results.append(floor(server))
            else:
                fill(server, mails_each)
                results.append(daemon(server, folder, mails_each, count))
        finally:
            server.stop()
            shutil.rmtree(server.base, ignore_errors=True)
    return results[0], results[1]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--floor-child":
        floor_child(int(sys.argv[2]), sys.argv[4:], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20,100,200,500")
    parser.add_argument("--mails", type=int, default=3, help="backlog mails per mailbox")
    parser.add_argument("--arrivals", type=int, default=100)
    args = parser.parse_args()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; load average {load}; "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print("| mailboxes | floor RSS MB | floor login s | inboxes in s | all folders in s | backlog read s "
          "| p50 s | p99 s | max s "
          "| RSS MB after backlog | RSS MB after arrivals | target MB | threads | fds | failures |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-mailboxes-") as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            bare, gw = run(size, args.mails, args.arrivals, Path(scratch))
            print(f"| {size} | {bare['rss_mb']:.0f} | {bare['login_s']:.1f} | {gw['inboxes_s']:.1f} "
                  f"| {gw['login_s']:.1f} | {gw['backlog_s']:.1f} "
                  f"| {gw['p50']:.2f} | {gw['p99']:.2f} | {gw['max']:.2f} | {gw['rss_mb_backlog']:.0f} "
                  f"| {gw['rss_mb_after']:.0f} | {80 + size} | {gw['threads_after']:.0f} | {gw['fds_after']:.0f} "
                  f"| {gw['failures'] + gw['tracebacks']:.0f} |", flush=True)
            print("  load average now " + ", ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
