"""Benchmark: peak memory and time to classify one mail with a 25 MB attachment, against the bare
cost of parsing it with mail-parser. Each side in its own process (max RSS is per process).

    .venv/bin/python bench/bigmail.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

MEGABYTES = 25


def big_mail() -> bytes:
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n"
    payload = line * (MEGABYTES * 1024 * 1024 // len(line))
    return (
        b"Authentication-Results: mx.example.test; dkim=pass header.d=marketplace.amazon.de; dmarc=pass\r\n"
        b"From: Max - Amazon Marketplace <abc@marketplace.amazon.de>\r\nSubject: Foto (Bestellung: 303-1234567-7654321)\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
        b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDer Artikel ist kaputt angekommen.\r\n"
        b"--zz\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=a.jpg\r\n\r\n"
        + payload + b"--zz--\r\n"
    )


def side(name: str) -> dict:
    raw = big_mail()
    start = time.perf_counter()
    if name == "parse":
        import mailparser

        mailparser.parse_from_bytes(raw)
    else:
        from gateway.config import config_from_dict
        from gateway.judging.classify import Classifier

        Classifier(config_from_dict({"trust": {"authserv_ids": ["mx.example.test"]}})).classify(raw)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"side": name, "seconds": seconds, "peak_mb": peak / 1024, "size_mb": len(raw) / 1e6}


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(side(sys.argv[1])))
        raise SystemExit(0)
    print("| what | seconds | peak RSS MB |")
    print("|---|---:|---:|")
    for name, label in (("parse", "mail-parser alone"), ("classify", "crisis-gateway classify")):
        r = json.loads(subprocess.run([sys.executable, __file__, name], capture_output=True, text=True, check=True).stdout)
        print(f"| {label}, {r['size_mb']:.1f} MB mail | {r['seconds']:.2f} | {r['peak_mb']:.0f} |")
