"""Benchmark: the daemon against a real Dovecot on 127.0.0.1.

    .venv/bin/python bench/imap.py [--count 10000] [--arrivals 200]      (as root, like the tests)

1. Backlog: N mixed mails (tests/mailfactory.py) in INBOX, read and tagged in place by
   `Daemon.run_once()` (outbox not run: no [smtp]), side by side with
   a. the bare cost of the same IMAP work with imapclient alone: FETCH BODY.PEEK[] every mail,
      APPEND a copy and MOVE the original to the archive folder, for every mail;
   b. imapfilter (Debian package) flagging the mails whose subject says "Claim" / "Order".
   Each side gets a fresh Dovecot with the same mails.
2. Latency: the daemon running (IDLE); M mails appended one by one; time from APPEND until the
   tagged copy is confirmed and the original archived (another session asks every 10 ms); p50, p99.
   Arrivals are 0.2 to 0.5 s apart. Dovecot itself tells IDLE clients of new mail about 0.5 s
   after it arrives.
"""

from __future__ import annotations

import argparse
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import mailfactory  # noqa: E402
from servers import Dovecot  # noqa: E402

ARCHIVE = "Crisis Gateway/Archive"


def fill(server: Dovecot, mails: list[bytes]) -> None:
    with server.client() as client:
        for raw in mails:
            client.append("INBOX", raw)


def config_text(server: Dovecot, folder: Path) -> str:
    (folder / "password").write_text(server.password)
    return f"""
[gateway]
state_dir = "{folder / 'state'}"
[[mailbox]]
name = "bench"
address = "support@shop.example"
imap_host = "127.0.0.1"
imap_port = {server.imap_port}
imap_security = "none"
imap_user = "{server.user}"
password_file = "{folder / 'password'}"
backlog_days = 36500
timeout = 30
[trust]
authserv_ids = ["mx.example.test"]
[escalation]
tier1 = ["crisis@shop.example"]
"""


def gateway_backlog(server: Dovecot, folder: Path) -> float:
    from gateway.config import load_config
    from gateway.service.daemon import Daemon

    (folder / "gateway.toml").write_text(config_text(server, folder))
    config = load_config(folder / "gateway.toml")
    start = time.perf_counter()
    Daemon(config).run_once()
    return time.perf_counter() - start


def bare_backlog(server: Dovecot) -> float:
    start = time.perf_counter()
    with server.client() as client:
        if not client.folder_exists(ARCHIVE):
            client.create_folder(ARCHIVE)
        client.select_folder("INBOX")
        for uid in client.search("ALL"):
            data = client.fetch([uid], ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])[uid]
            client.append("INBOX", b"Subject: [x]\r\n" + data[b"BODY[]"], flags=["$CrisisTagged"], msg_time=data[b"INTERNALDATE"])
            client.move([uid], ARCHIVE)
    return time.perf_counter() - start


def imapfilter_backlog(server: Dovecot, folder: Path) -> float:
    lua = folder / "config.lua"
    lua.write_text(f"""
options.timeout = 60
account = IMAP {{ server = '127.0.0.1', port = {server.imap_port}, username = '{server.user}', password = '{server.password}' }}
results = account.INBOX:contain_subject('Claim') + account.INBOX:contain_subject('Order')
results:add_flags({{ '$Crisis' }})
""")
    start = time.perf_counter()
    subprocess.run(["imapfilter", "-c", str(lua)], check=True, capture_output=True)
    return time.perf_counter() - start


def latency(server: Dovecot, folder: Path, arrivals: int) -> list[float]:
    (folder / "gateway.toml").write_text(config_text(server, folder))
    log = open(folder / "daemon.log", "wb")
    daemon = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--config", str(folder / "gateway.toml")],
                              stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        time.sleep(3)  # connected and idling
        samples = []
        mails = [m.raw for m in mailfactory.generate(arrivals * 3, seed=99) if m.expected["tier"] is not None][:arrivals]
        pause = random.Random(200)
        with server.client() as sender, server.client() as observer:
            archived = 0
            for raw in mails:
                time.sleep(pause.uniform(0.2, 0.5))  # mail arrives on its own time, not as a scan ends
                started = time.perf_counter()
                sender.append("INBOX", raw)
                # The original reaches the archive only after its tagged copy is confirmed in INBOX,
                # so the archive's count tells when the copy is visible. STATUS of another folder
                # leaves INBOX alone: polling it does not slow the daemon down.
                while observer.folder_status(ARCHIVE, ["MESSAGES"])[b"MESSAGES"] == archived:
                    if time.perf_counter() - started > 60:
                        raise RuntimeError("not tagged within 60 s")
                    time.sleep(0.01)
                archived += 1
                samples.append(time.perf_counter() - started)
        return samples
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--arrivals", type=int, default=200)
    parser.add_argument("--only", choices=["backlog", "latency"], help="run one part")
    args = parser.parse_args()
    mails = [m.raw for m in mailfactory.generate(args.count, seed=7)] if args.only != "latency" else []
    rows = []
    for side in ("gateway", "bare", "imapfilter") if args.only != "latency" else ():
        if side == "imapfilter" and shutil.which("imapfilter") is None:
            rows.append((side, None))
            continue
        server = Dovecot(f"bench-{side}").start()
        folder = Path(tempfile.mkdtemp(prefix=f"bench-{side}-"))
        try:
            fill(server, mails)
            seconds = {"gateway": lambda: gateway_backlog(server, folder), "bare": lambda: bare_backlog(server),
                       "imapfilter": lambda: imapfilter_backlog(server, folder)}[side]()
            rows.append((side, seconds))
            print(f"  {side}: {seconds:.1f} s", file=sys.stderr)
        finally:
            server.stop()
            shutil.rmtree(server.base, ignore_errors=True)
    samples = []
    if args.only != "backlog":
        server = Dovecot("bench-latency").start()
        folder = Path(tempfile.mkdtemp(prefix="bench-latency-"))
        try:
            samples = latency(server, folder, args.arrivals)
        finally:
            server.stop()
            shutil.rmtree(server.base, ignore_errors=True)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}; {args.count} mails\n")
    if rows:
        print("| what | mails/s | total s |")
        print("|---|---:|---:|")
    labels = {"gateway": "crisis-gateway run --once: classify, record, APPEND tagged copy, MOVE original",
              "bare": "imapclient alone: FETCH + APPEND + MOVE of every mail",
              "imapfilter": "imapfilter: flag mails by a subject match"}
    for side, seconds in rows:
        print(f"| {labels[side]} | {args.count / seconds:,.0f} | {seconds:.1f} |" if seconds else f"| {labels[side]} | not installed | |")
    if not samples:
        return 0
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * len(ordered))) - 1)]
    print(f"\nlatency from APPEND to tagged copy visible, {len(samples)} mails one by one: "
          f"p50 {statistics.median(samples) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
