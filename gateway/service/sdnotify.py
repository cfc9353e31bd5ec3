"""systemd's notify protocol, spoken directly: one datagram to $NOTIFY_SOCKET per message.

A dozen lines do not call for a library. Outside systemd ($NOTIFY_SOCKET unset) every call does
nothing. An abstract socket is named with a leading "@" (a NUL byte on the wire).
"""

from __future__ import annotations

import logging
import os
import socket

from gateway.mail.text import one_line

log = logging.getLogger("gateway.systemd")


class Notifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        address = environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_seconds = self._watchdog(environ)

    @staticmethod
    def _watchdog(environ: dict[str, str]) -> float | None:
        """WatchdogSec= as seconds, when it is meant for this process."""
        usec, pid = environ.get("WATCHDOG_USEC", ""), environ.get("WATCHDOG_PID", "")
        if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
            return None
        return int(usec) / 1_000_000

    def send(self, *fields: str) -> bool:
        if not self.address:
            return False
        message = "\n".join(fields).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self.address)
                sock.sendall(message)
        except OSError as exc:
            log.warning("cannot notify systemd at %s: %s", self.address.replace("\0", "@"), exc)
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.send("READY=1", f"STATUS={one_line(status)}", f"MAINPID={os.getpid()}")

    def status(self, status: str) -> bool:
        return self.send(f"STATUS={one_line(status)}")

    def reloading(self) -> bool:
        return self.send("RELOADING=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1", "STATUS=stopping: finishing the mail at hand")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")
