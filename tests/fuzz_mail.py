"""Fuzz target: arbitrary bytes through parse, classify and tag, as the gateway handles a mail.

The only exception allowed out is MailError (a clear "this is no mail"); the tagged copy's
gateway-written fields must be printable ASCII. Coverage comes from the code a mail goes
through (MAIL_PATH: the gateway, the email package, mail-parser, the codecs...), not from every
module loaded: instrumenting all 7,000 functions took 15 to 30 s before the first input. Long
runs, coverage-guided with atheris:

    python tests/fuzz_mail.py tests/fuzz/seeds -max_total_time=3600 -rss_limit_mb=2048

New crashes are written by libFuzzer as crash-* files: copy them into tests/fuzz/regressions/
(as NAME.eml), where tests/test_fuzz.py keeps them passing. Without atheris, tests/test_fuzz.py
runs the same target under hypothesis, mutating the seeds.
"""

from __future__ import annotations

import gc
import json
import re
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE / "fuzz" / "seeds"
REGRESSIONS = HERE / "fuzz" / "regressions"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from configs import MINIMAL_CONFIG  # noqa: E402

from gateway.config import config_from_dict  # noqa: E402
from gateway.judging.classify import Classifier  # noqa: E402
from gateway.judging.tagging import apply_verdict  # noqa: E402
from gateway.mail.parse import MailError  # noqa: E402
from gateway.mail.rewrite import line_ending, split_message  # noqa: E402

# the top-level packages whose Python code a mail runs through in one_input
MAIL_PATH = frozenset({"gateway", "email", "mailparser", "html", "encodings", "codecs", "quopri", "base64", "dkim",
                       "fuzz_mail", "__main__"})
_classifier: Classifier | None = None
_FIELD = re.compile(rb"(?im)^(x-crisis-[^:\s]*|subject)[ \t]*:.*(?:\r?\n[ \t].*)*")
_CLEAN = re.compile(rb"[ -~]+(?:\r?\n[ \t][ -~]+)*\r?")


def classifier() -> Classifier:
    global _classifier
    if _classifier is None:
        _classifier = Classifier(config_from_dict(MINIMAL_CONFIG))
    return _classifier


def written_fields(tagged: bytes, tag: bool) -> list[bytes]:
    """The fields of the tagged copy the gateway wrote: every X-Crisis-* (forged ones are
    dropped), and the Subject when it was tagged."""
    head = split_message(tagged)[0]
    if line_ending(tagged) == b"\r":
        head = head.replace(b"\r", b"\n")  # a CR-only mail: its lines end in CR
    return [m.group(0) for m in _FIELD.finditer(head) if tag or m.group(1).lower() != b"subject"]


def one_input(data: bytes) -> None:
    """Raises AssertionError (or whatever broke) for a finding; returns for a mail handled."""
    try:
        verdict = classifier().classify(data)
    except MailError:
        return
    json.dumps(verdict.as_json(), ensure_ascii=False).encode("utf-8")  # valid Unicode throughout
    tagged = apply_verdict(data, verdict)
    for field in written_fields(tagged, verdict.action("tag") is not None):
        assert _CLEAN.fullmatch(field), field[:200]


def instrument_mail_path() -> int:
    """Instruments every loaded function of MAIL_PATH, as atheris.instrument_all does for all of
    them; returns how many."""
    import atheris

    functions = [f for f in gc.get_objects() if isinstance(f, types.FunctionType)
                 and (f.__module__ or "").split(".")[0] in MAIL_PATH and f.__module__ in sys.modules]
    for function in functions:
        atheris.instrument_func(function)
    return len(functions)


def main() -> None:
    import atheris

    classifier()  # its rules compiled, and every module it uses loaded, before the instrumentation
    print(f"INFO: Instrumenting {instrument_mail_path()} functions on the mail's path", file=sys.stderr)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
