"""The gateway's relays started in the test process, on free loopback ports; and the Postfix
they sit behind as an after-queue content filter."""

from __future__ import annotations

import contextlib
import email
import email.policy
import smtplib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from configs import write_config
from servers import Dovecot, Postfix, free_port

from gateway.config import Config, load_config
from gateway.relays.listener import SmtpListener
from gateway.service.daemon import Daemon
from gateway.state import State

SUPPORT = "support@shop.example"


@dataclass
class Gateway:
    config: Config
    daemon: Daemon
    listeners: dict[str, SmtpListener]

    def port(self, name: str) -> int:
        return self.listeners[name].port

    def smtp(self, name: str, **options) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port(name), timeout=30, **options)

    def state(self) -> State:
        return State(self.config.state_dir)

    def stop(self) -> None:
        for listener in self.listeners.values():
            listener.stop()


def relay_sections(*, reinject: int | None = None, inbound: dict | None = None, outbound: dict | None = None) -> dict:
    relay = {}
    if reinject is not None or inbound is not None:
        relay["inbound"] = {"listen": f"127.0.0.1:{free_port()}", **(inbound or {})}
        if reinject is not None:
            relay["inbound"]["reinject"] = f"127.0.0.1:{reinject}"
    if outbound is not None:
        relay["outbound"] = {"listen": f"127.0.0.1:{free_port()}", **outbound}
    return relay


@contextlib.contextmanager
def gateway(tmp_path: Path, *, reinject: int | None = None, inbound: dict | None = None, outbound: dict | None = None,
            **sections) -> Iterator[Gateway]:
    """Relays with the minimal configuration; `outbound` needs an [smtp] section in `sections`."""
    path = write_config(tmp_path, relay=relay_sections(reinject=reinject, inbound=inbound, outbound=outbound), **sections)
    config = load_config(path)
    daemon = Daemon(config)
    running = Gateway(config, daemon, {listener.name: listener for listener in daemon.start_relays()})
    try:
        yield running
    finally:
        running.stop()


def milter(milter_port: int, before: Sequence[int] = ()) -> str:
    """main.cf lines of the gateway's milter, as the README gives them: a mail is answered 451
    while the gateway cannot be reached (the client tries again), never accepted unjudged. The
    milters on the ports `before` see each mail first, in that order, with Postfix's defaults."""
    milters = " ".join([*(f"inet:127.0.0.1:{port}" for port in before),
                        f"{{ inet:127.0.0.1:{milter_port}, default_action=tempfail, protocol=6 }}"])
    return f"smtpd_milters = {milters}\nnon_smtpd_milters = {milters}\n"


def content_filter(filter_port: int, reinject_port: int) -> tuple[str, str]:
    """main.cf and master.cf lines of an after-queue content filter, as Postfix's FILTER_README
    sets one up: every mail to 127.0.0.1:filter_port, taken back on 127.0.0.1:reinject_port."""
    main = f"content_filter = scan:[127.0.0.1]:{filter_port}\n"
    master = f"""
scan      unix  -       -       n       -       10      smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
127.0.0.1:{reinject_port} inet n  -       n       -       10      smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
"""
    return main, master


@dataclass
class Chain:
    """A Postfix handing every mail to the inbound relay on 127.0.0.1:filter_port, taking the
    result back on 127.0.0.1:reinject (or, with `milter`, showing it to the relay as a milter
    there), and delivering shop.example into Dovecot over LMTP."""

    postfix: Postfix
    dovecot: Dovecot
    filter_port: int
    reinject: int | None

    @classmethod
    def start(cls, make_postfix: Callable[..., Postfix], dovecot: Dovecot, as_milter: bool = False,
              milters_before: Sequence[int] = ()) -> "Chain":
        """The chain with a Postfix from `make_postfix` (the postfix_factory fixture); as a milter,
        after the milters on the ports `milters_before`."""
        filter_port = free_port()
        reinject = None if as_milter else free_port()
        main, master = ((milter(filter_port, milters_before), "") if reinject is None
                        else content_filter(filter_port, reinject))
        postfix = make_postfix(extra_main=main + f"""
virtual_mailbox_domains = shop.example
virtual_transport = lmtp:inet:127.0.0.1:{dovecot.lmtp_port}
smtpd_reject_unlisted_recipient = no
""", extra_master=master)
        return cls(postfix, dovecot, filter_port, reinject)

    def inbound(self, **options) -> dict:
        """A [relay.inbound] section listening where this Postfix hands its mail."""
        mode = {"mode": "milter"} if self.reinject is None else {}
        return {"listen": f"127.0.0.1:{self.filter_port}", **mode, **options}

    def send(self, raw: bytes, sender: str = "bounce@amazon.co.uk", recipients=(SUPPORT,)) -> None:
        with smtplib.SMTP("127.0.0.1", self.postfix.port, timeout=30) as client:
            client.sendmail(sender, list(recipients), raw)

    def inbox(self, count: int, timeout: float = 60.0) -> list[email.message.EmailMessage]:
        """Waits for `count` mails in the INBOX (a little longer, to see any extra one)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.dovecot.messages()
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        return [email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in self.dovecot.messages()]

    def wait_log(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.postfix.log():
            assert time.monotonic() < deadline, f"{text!r} not in the Postfix log:\n{self.postfix.log()[-3000:]}"
            time.sleep(0.2)
        return self.postfix.log()
