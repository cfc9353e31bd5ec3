"""Headless Chromium, the way the tests render the HTML the gateway mails: no network, no
profile of its own, a fresh one per run; a missing browser fails under CI and skips elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from servers import missing


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing("chromium (.ci/run installs it)")
    return found


def headless(page: Path, scratch: Path, width: int, height: int, *how: str) -> subprocess.CompletedProcess:
    """`page` rendered in a window `width` x `height` px, with `how` (--screenshot=FILE,
    --dump-dom, ...); the profile and HOME in `scratch`. Output captured as text."""
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         f"--user-data-dir={scratch / 'profile'}", f"--window-size={width},{height}", *how, page.as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(scratch)})
    assert done.returncode == 0, done.stderr[-2000:]
    return done
