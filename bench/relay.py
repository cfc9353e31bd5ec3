"""Benchmark: the inbound relay as a Postfix content filter, on 127.0.0.1.

    .venv/bin/python bench/relay.py [--count 5000] [--sessions 10] [--big 5] [--workers 4]    (as root, like the tests)

1. Throughput and latency. smtp-source (from the postfix package) sends N mails in S parallel
   sessions to a throwaway Postfix that relays everything to smtp-sink, side by side:
   a. the same chain without a filter:  smtp-source -> Postfix -> smtp-sink
   b. a pass-through filter (see 2.):   smtp-source -> Postfix -> filter -> Postfix -> smtp-sink
   c. with the gateway:                 smtp-source -> Postfix -> gateway -> Postfix -> smtp-sink
   d. a pass-through milter:            smtp-source -> Postfix (+ milter) -> smtp-sink
   e. the gateway as a milter:          smtp-source -> Postfix (+ gateway milter) -> smtp-sink
   (b) is the floor of any content filter: Postfix queues every mail twice, once before and once
   after the filter. Both filters keep one connection per worker to the re-injection port.
   (d), a milter that reads the packets and accepts, is the floor of any milter: Postfix queues
   once, and its smtpd waits for the milter's answer to the end of each mail.
   Measured: mails/s from the first mail sent until smtp-sink has them all; the CPU time the
   machine spent per mail (all processes, both cores: the chains keep them busy, so this is what
   bounds the rate) and the filter's own share of it; the time Postfix
   waits for the next hop's answer to the mail (the "d" of Postfix's delays=a/b/c/d: for (c) the
   gateway's answer, which includes its re-injection); and the end-to-end delay of each mail
   (Postfix's delay= summed over the queue entries carrying its Message-ID). Postfix logs these
   to 10 ms.
2. Memory. M mails of 25 MB (a base64 attachment) sent one after another through chain (c);
   the filter's resident memory sampled every 20 ms (VmRSS) and its peak (VmHWM), against its
   resident memory idle; side by side with the bare cost of the same I/O: a pass-through filter
   of a few lines on the same libraries (aiosmtpd in, smtplib out) that only relays the bytes.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from relays import content_filter, milter  # noqa: E402
from servers import POSTFIX_ROOT, Postfix, free_port  # noqa: E402

RECIPIENT = "support@shop.example"
BIG_LIMIT = 60 * 1024 * 1024
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))


def register_bench_slots() -> None:
    """Postfix folders of the benchmark's own (the tests' slots 0-7 are shared by every test run on
    the machine): Postfix starts with `-c DIR` only for folders the default main.cf lists."""
    wanted = [str(POSTFIX_ROOT / f"bench-{n}") for n in range(len(CHAINS))]
    current = subprocess.run(["postconf", "-h", "alternate_config_directories"], capture_output=True,
                             text=True).stdout.split()
    if not all(w in current for w in wanted):
        value = " ".join(dict.fromkeys(current + wanted))
        subprocess.run(["postconf", "-e", f"alternate_config_directories = {value}"], check=True)


def postfix(slot: int, sink: int, filter_port: int | None, as_milter: bool = False) -> tuple[Postfix, int | None]:
    # long queue ids: the short ones are reused within seconds, and the log is read by queue id
    main = (f"relayhost = [127.0.0.1]:{sink}\nmessage_size_limit = {BIG_LIMIT}\nenable_long_queue_ids = yes\n"
            "default_destination_concurrency_limit = 20\n")
    master = ""
    reinject = None
    if filter_port is not None and as_milter:
        main += milter(filter_port)
    elif filter_port is not None:
        reinject = free_port()
        filter_main, master = content_filter(filter_port, reinject)
        main += filter_main
    register_bench_slots()
    return Postfix(f"bench-{slot}", extra_main=main, extra_master=master).start(), reinject


def start_sink(port: int) -> subprocess.Popen:
    return subprocess.Popen(["smtp-sink", "-u", "postfix", f"127.0.0.1:{port}", "1000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bare_filter(listen: int, reinject: int) -> None:
    """The I/O the gateway cannot avoid: receive with aiosmtpd, pass on with smtplib, answer."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from aiosmtpd.controller import Controller

    workers = ThreadPoolExecutor(WORKERS)  # as many mails at once as the gateway's workers
    kept = threading.local()  # each worker keeps its connection to the re-injection port, as the gateway does

    def send(envelope) -> None:
        client = getattr(kept, "client", None)
        if client is None:
            client = kept.client = smtplib.SMTP("127.0.0.1", reinject)
        else:
            client.rset()
        client.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)

    class PassThrough:
        async def handle_DATA(self, server, session, envelope):
            await asyncio.get_running_loop().run_in_executor(workers, send, envelope)
            return "250 OK"

    controller = Controller(PassThrough(), hostname="127.0.0.1", port=listen, data_size_limit=BIG_LIMIT)
    controller.start()
    signal.sigwait({signal.SIGTERM})
    controller.stop()


def bare_milter(listen: int) -> None:
    """The I/O a milter cannot avoid: the packets of each mail read (asking Postfix, as the gateway
    does, to wait for no answer but the one to the end of the mail), that one answered "accept"."""
    import asyncio
    import struct

    no_reply = {b"C": 0x1000, b"M": 0x4000, b"R": 0x8000, b"N": 0x40000, b"B": 0x80000, b"L": 0x80}
    wanted = 0x02 | 0x100 | 0x200 | 0x100000 | 0x2000 | 0x10000 | 0x20000 | sum(no_reply.values())

    class Session(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer, self.steps = transport, bytearray(), 0
            self.socket = transport.get_extra_info("socket")

        def data_received(self, data):
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            self.buffer += data
            while len(self.buffer) >= 4 and len(self.buffer) >= 4 + int.from_bytes(self.buffer[:4], "big"):
                length = int.from_bytes(self.buffer[:4], "big")
                command, payload = bytes(self.buffer[4:5]), bytes(self.buffer[5:4 + length])
                del self.buffer[:4 + length]
                if command == b"O":
                    self.steps = struct.unpack("!III", payload[:12])[2] & wanted
                    self.transport.write(struct.pack("!IcIII", 13, b"O", 6, 0x11, self.steps))
                elif command == b"E":
                    self.transport.write(struct.pack("!Ic", 1, b"a"))
                elif command == b"Q":
                    self.transport.close()
                elif command not in (b"D", b"A", b"K") and not self.steps & no_reply.get(command, 0):
                    self.transport.write(struct.pack("!Ic", 1, b"c"))

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Session, "127.0.0.1", listen)
        await asyncio.get_running_loop().run_in_executor(None, signal.sigwait, {signal.SIGTERM})
        server.close()

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    asyncio.run(serve())


def start_filter(folder: Path, filter_port: int, reinject: int | None, chain: str) -> subprocess.Popen:
    if chain.startswith("gateway"):
        return start_gateway(folder, filter_port, reinject)
    bare = ["--bare-milter", str(filter_port)] if reinject is None else ["--bare-filter", str(filter_port), str(reinject)]
    process = subprocess.Popen([sys.executable, __file__, *bare])
    wait_listening(filter_port, process, folder, smtp=reinject is not None)
    return process


def wait_listening(port: int, process: subprocess.Popen, folder: Path, smtp: bool = True) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if smtp:
                smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            else:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                log = folder / "gateway.log"
                raise RuntimeError(log.read_text() if log.exists() else "the filter did not start")
            time.sleep(0.1)


def start_gateway(folder: Path, filter_port: int, reinject: int | None) -> subprocess.Popen:
    config = folder / "gateway.toml"
    hand_back = f'reinject = "127.0.0.1:{reinject}"' if reinject is not None else 'mode = "milter"'
    config.write_text(f"""
[gateway]
state_dir = "{folder / 'state'}"
max_message_bytes = {BIG_LIMIT}
[[mailbox]]
address = "{RECIPIENT}"
[relay.inbound]
listen = "127.0.0.1:{filter_port}"
{hand_back}
workers = {WORKERS}
""")
    log = open(folder / "gateway.log", "w")
    # this checkout's code (or --gateway-code's), whichever virtualenv runs the benchmark; run
    # from that folder, since `python -m` looks in the current folder before PYTHONPATH
    code = os.environ.get("BENCH_GATEWAY_CODE", str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--config", str(config)],
                               stdout=log, stderr=log, env={**os.environ, "PYTHONPATH": code}, cwd=code)
    wait_listening(filter_port, process, folder, smtp=reinject is not None)
    return process


def delivered(server: Postfix, sink: int) -> int:
    return server.log().count(f"relay=127.0.0.1[127.0.0.1]:{sink}, ")


def wait_delivered(server: Postfix, sink: int, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while delivered(server, sink) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {delivered(server, sink)} of {count} delivered; queue:\n{server.queue()[-2000:]}")
        time.sleep(0.2)
    return time.monotonic()


_SENT = re.compile(r": ([0-9A-Za-z]+): to=<[^>]*>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:(\d+),(?: conn_use=\d+,)? "
                   r"delay=([\d.]+), "
                   r"delays=[\d.]+/[\d.]+/[\d.]+/([\d.]+), .*status=sent")
_MSGID = re.compile(r"cleanup\[\d+\]: ([0-9A-Za-z]+): message-id=(\S+)")


def log_figures(text: str, hop_port: int) -> tuple[list[float], list[float]]:
    """(answer times of the hop on hop_port, end-to-end delays per Message-ID)."""
    message_of = dict(m.groups() for m in _MSGID.finditer(text))
    hop, total = [], defaultdict(float)
    for match in _SENT.finditer(text):
        queue_id, port, delay, answer = match.groups()
        if int(port) == hop_port:
            hop.append(float(answer))
        total[message_of.get(queue_id, queue_id)] += float(delay)
    return hop, list(total.values())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def machine_busy_seconds() -> float:
    """CPU time the machine spent on anything but idling, all cores, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


def process_seconds(pid: int) -> float:
    """User and system CPU time of a process, its threads included."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CHAINS = {  # name: what the table calls it
    "postfix": "Postfix -> smtp-sink",
    "bare": "Postfix -> pass-through filter -> Postfix -> smtp-sink",
    "gateway": "Postfix -> gateway -> Postfix -> smtp-sink",
    "bare-milter": "Postfix (+ pass-through milter) -> smtp-sink",
    "gateway-milter": "Postfix (+ gateway as milter) -> smtp-sink",
}


def run_chain(slot: int, count: int, sessions: int, chain: str) -> dict:
    """chain: one of CHAINS."""
    sink_port = free_port()
    sink = start_sink(sink_port)
    filter_port = free_port() if chain != "postfix" else None
    as_milter = chain.endswith("milter")
    server, reinject = postfix(slot, sink_port, filter_port, as_milter)
    folder = Path(tempfile.mkdtemp(prefix="crisis-bench-relay-"))
    gateway = start_filter(folder, filter_port, reinject, chain) if filter_port is not None else None
    try:
        busy = machine_busy_seconds()
        filter_cpu = process_seconds(gateway.pid) if gateway is not None else 0.0
        started = time.monotonic()
        source = subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(count), "-l", "2048", "-f",
                                 "bench@source.test", "-t", RECIPIENT, f"127.0.0.1:{server.port}"], capture_output=True)
        if source.returncode != 0:
            raise RuntimeError(f"smtp-source failed: {source.stderr.decode(errors='replace')[-2000:]}")
        finished = wait_delivered(server, sink_port, count, timeout=1800)
        busy = machine_busy_seconds() - busy
        filter_cpu = (process_seconds(gateway.pid) if gateway is not None else 0.0) - filter_cpu
        hop, ends = log_figures(server.log(), filter_port if reinject is not None else sink_port)
        return {"rate": count / (finished - started), "seconds": finished - started, "hop": hop, "ends": ends,
                "bounced": server.log().count("status=bounced"), "busy_ms": busy / count * 1000,
                "filter_ms": filter_cpu / count * 1000}
    finally:
        if gateway is not None:
            gateway.send_signal(signal.SIGTERM)
            gateway.wait(60)
        server.stop()
        sink.terminate()
        shutil.rmtree(folder, ignore_errors=True)


def big_mail(megabytes: int = 25) -> bytes:
    """A mail of about `megabytes` MB: base64 makes 3 bytes 4."""
    payload = base64.encodebytes(os.urandom(megabytes * 1000 * 1000 * 3 // 4)).replace(b"\n", b"\r\n")
    return (b"From: Ann <ann@example.test>\r\nTo: support@shop.example\r\nSubject: Photos of the damage, order "
            b"114-2682884-2909064\r\nMessage-ID: <big-%d@example.test>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the photos.\r\n"
            b"--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n" + payload + b"\r\n--b--\r\n")


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def run_big(slot: int, mails: int, chain: str) -> dict:
    """chain: "bare", "gateway" or "gateway-milter"."""
    sink_port = free_port()
    sink = start_sink(sink_port)
    filter_port = free_port()
    server, reinject = postfix(slot, sink_port, filter_port, as_milter=chain.endswith("milter"))
    folder = Path(tempfile.mkdtemp(prefix="crisis-bench-relay-"))
    gateway = start_filter(folder, filter_port, reinject, chain)
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(memory_kib(gateway.pid)[0])
            stop.wait(0.02)

    try:
        time.sleep(1)
        idle = memory_kib(gateway.pid)[0]
        sampler = threading.Thread(target=sample)
        sampler.start()
        size = 0
        started = time.monotonic()
        for number in range(mails):
            raw = big_mail().replace(b"<big-%d@", b"<big-" + str(number).encode() + b"@")
            size = len(raw)
            with smtplib.SMTP("127.0.0.1", server.port, timeout=300) as client:
                client.sendmail("ann@example.test", [RECIPIENT], raw)
            wait_delivered(server, sink_port, number + 1, timeout=600)
        seconds = time.monotonic() - started
        stop.set()
        sampler.join()
        peak = memory_kib(gateway.pid)[1]
        return {"idle": idle, "peak_sampled": max(samples), "peak": peak, "size": size, "seconds": seconds,
                "mails": mails}
    finally:
        stop.set()
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(60)
        server.stop()
        sink.terminate()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--big", type=int, default=5, help="how many 25 MB mails")
    parser.add_argument("--only", choices=["throughput", "memory"])
    parser.add_argument("--workers", type=int, default=WORKERS, help="the filters' workers (the gateway's default: 4)")
    parser.add_argument("--gateway-code", type=Path, metavar="DIR",
                        help="the checkout whose gateway runs (another revision's, to compare); default: this one")
    parser.add_argument("--chains", default=",".join(CHAINS), help=f"which, of {', '.join(CHAINS)}")
    parser.add_argument("--bare-filter", nargs=2, type=int, metavar=("LISTEN", "REINJECT"), help=argparse.SUPPRESS)
    parser.add_argument("--bare-milter", type=int, metavar="LISTEN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["BENCH_WORKERS"] = str(args.workers)  # for the filters this process starts
    if args.gateway_code:
        os.environ["BENCH_GATEWAY_CODE"] = str(args.gateway_code.resolve())
    globals()["WORKERS"] = args.workers
    if args.bare_filter:
        bare_filter(*args.bare_filter)
        return
    if args.bare_milter:
        bare_milter(args.bare_milter)
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.only in (None, "throughput"):
        print(f"{args.count} mails from smtp-source, {args.sessions} sessions, 2 KB each")
        print("| chain | mails/s | total s | next hop answers p50 / p99 ms | end-to-end p50 / p99 ms | bounced "
              "| machine CPU ms per mail | filter CPU ms per mail |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        rates = {}
        chosen = [c for c in CHAINS if c in args.chains.split(",")]
        for chain in chosen:
            name = CHAINS[chain]
            r = run_chain(list(CHAINS).index(chain), args.count, args.sessions, chain)
            rates[chain] = r["rate"]
            print(f"| {name} | {r['rate']:,.0f} | {r['seconds']:.1f} | {percentile(r['hop'], 50) * 1000:.0f} / "
                  f"{percentile(r['hop'], 99) * 1000:.0f} | {percentile(r['ends'], 50) * 1000:.0f} / "
                  f"{percentile(r['ends'], 99) * 1000:.0f} | {r['bounced']} | {r['busy_ms']:.1f} | "
                  f"{r['filter_ms']:.1f} |", flush=True)
        ratios = [(f"{a} / {b}", rates[a] / rates[b]) for a, b in (
            ("gateway", "postfix"), ("bare", "postfix"), ("gateway", "bare"), ("gateway-milter", "postfix"),
            ("bare-milter", "postfix"), ("gateway-milter", "bare-milter")) if a in rates and b in rates]
        print("\n" + "; ".join(f"{what}: {ratio:.2f}" for what, ratio in ratios))
    if args.only in (None, "memory"):
        print(f"\n{args.big} mails of 25 MB, one after another")
        print("| filter | s per mail | RSS idle MB | peak RSS MB |")
        print("|---|---:|---:|---:|")
        for name, chain in (("pass-through (aiosmtpd + smtplib only)", "bare"), ("crisis-gateway", "gateway"),
                            ("crisis-gateway as a milter", "gateway-milter")):
            r = run_big(2, args.big, chain)
            print(f"| {name} | {r['seconds'] / r['mails']:.2f} | {r['idle'] / 1024:.0f} | {r['peak'] / 1024:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
