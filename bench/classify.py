"""Benchmark: classify over N generated mails, against the bare cost of parsing them with mail-parser.

    .venv/bin/python bench/classify.py            # 10,000 mails
    .venv/bin/python bench/classify.py --count 2000 --rounds 5

Each side runs in its own process so that its peak memory (max RSS) is its own. The mails are
generated once into bench/out/mails by tests/mailfactory.py (the corpus's kinds, every language
and encoding it knows) and read from disk into memory before the clock starts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "mails"
sys.path.insert(0, str(ROOT))  # this checkout's gateway, whichever virtualenv runs the benchmark


def generate(count: int) -> list[Path]:
    existing = sorted(OUT.glob("*.eml"))
    if len(existing) == count:
        return existing
    sys.path.insert(0, str(ROOT / "tests"))
    import mailfactory

    OUT.mkdir(parents=True, exist_ok=True)
    for old in existing:
        old.unlink()
    for index, mail in enumerate(mailfactory.generate(count, seed=7)):
        (OUT / f"{index:05d}.eml").write_bytes(mail.raw)
        if index % 2000 == 0:
            print(f"  generated {index}/{count}", file=sys.stderr)
    return sorted(OUT.glob("*.eml"))


def run_side(side: str) -> dict:
    mails = [p.read_bytes() for p in sorted(OUT.glob("*.eml"))]
    if side == "parse":
        import mailparser

        work = mailparser.parse_from_bytes
    else:
        from gateway.config import config_from_dict
        from gateway.judging.classify import Classifier

        classifier = Classifier(config_from_dict({
            "mailbox": [{"address": "support@shop.example"}],
            "trust": {"authserv_ids": ["mx.example.test"]},
            "escalation": {"tier1": ["crisis@shop.example"]},
        }))
        work = classifier.classify
    start, cpu = time.perf_counter(), time.process_time()
    for raw in mails:
        work(raw)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "side": side,
        "mails": len(mails),
        "bytes": sum(map(len, mails)),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--side", choices=["parse", "classify"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(run_side(args.side)))
        return 0
    generate(args.count)
    # The sides take turns, round after round, so that a machine shared with other work slows both
    # alike; each side's best round is reported, with the ratio of every round.
    rounds: list[dict[str, dict]] = []
    for _ in range(args.rounds):
        results = {}
        for side in ("parse", "classify"):
            out = subprocess.run([sys.executable, __file__, "--side", side], capture_output=True, text=True, check=True)
            results[side] = json.loads(out.stdout)
        rounds.append(results)
    parse = min((r["parse"] for r in rounds), key=lambda r: r["seconds"])
    classify = min((r["classify"] for r in rounds), key=lambda r: r["seconds"])
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{parse['mails']} mails, {parse['bytes'] / 1e6:.1f} MB, best of {args.rounds} rounds\n")
    print("| what | mails/s | total s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, r in (("mail-parser alone (parse_from_bytes)", parse), ("crisis-gateway classify", classify)):
        print(f"| {name} | {r['mails'] / r['seconds']:,.0f} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} "
              f"| {r['max_rss_mb']:.0f} |")
    print(f"\nclassify costs {classify['seconds'] / parse['seconds']:.2f}x the bare parse (best rounds; "
          f"{classify['cpu_seconds'] / parse['cpu_seconds']:.2f}x in CPU time)")
    ratios = [r["classify"]["cpu_seconds"] / r["parse"]["cpu_seconds"] for r in rounds]
    print(f"CPU-time ratio of each round: {', '.join(f'{x:.2f}' for x in ratios)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
