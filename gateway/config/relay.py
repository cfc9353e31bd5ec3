"""The [relay.inbound] and [relay.outbound] sections: the content filter beside Postfix and the
team's submission relay."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from gateway.config.keys import check_keys, section_table
from gateway.config.model import InboundRelayConfig, OutboundRelayConfig, SmtpConfig
from gateway.config.values import fail, host_port, is_loopback, number, secret_file, string_list


def relays(where: str, relay: object, max_bytes: int, smtp: SmtpConfig | None,
           base: Path) -> tuple[InboundRelayConfig | None, OutboundRelayConfig | None]:
    """[relay]: the inbound and the outbound relay, each None when not configured. max_bytes,
    [gateway] max_message_bytes, is their default."""
    if not isinstance(relay, dict):
        raise fail(where, "write the relay settings as [relay.inbound] and [relay.outbound]")
    check_keys(where, "relay", relay)
    inbound = inbound_relay(where, relay["inbound"], max_bytes) if "inbound" in relay else None
    outbound = outbound_relay(where, relay["outbound"], max_bytes, base) if "outbound" in relay else None
    if outbound is not None and (smtp is None or smtp.host is None):
        raise fail(where, "[relay.outbound] sends through the [smtp] smarthost: add an [smtp] section with host "
                          "(with capture_dir the team's mail would never leave)")
    if inbound and outbound and inbound.listen == outbound.listen:
        raise fail(where, "[relay.inbound] and [relay.outbound] cannot listen on the same address")
    return inbound, outbound


def _relay_common(where: str, table: dict, max_bytes: int) -> dict:
    values: dict = {"listen": host_port(where, "listen", table.get("listen")),
                    "max_message_bytes": number(where, table.get("max_message_bytes", max_bytes),
                                                "max_message_bytes must be a whole number of bytes, at least 1024",
                                                whole=True, minimum=1024)}
    if "workers" in table:
        values["workers"] = number(where, table["workers"], "workers must be a whole number from 1 to 64",
                                   whole=True, minimum=1, maximum=64)
    for key in ("timeout", "drain_seconds"):
        if key in table:
            values[key] = float(number(where, table[key], f"{key} must be a number of seconds", positive=True))
    return values


INBOUND_MODES = ("content_filter", "milter")


def inbound_relay(where: str, table: object, max_bytes: int) -> InboundRelayConfig:
    where, table = section_table(where, "relay.inbound", table)
    mode = table.get("mode", "content_filter")
    if mode not in INBOUND_MODES:
        raise fail(where, f"mode must be \"content_filter\" (Postfix's content_filter, the tagged copy re-injected) or "
                          f"\"milter\" (Postfix's smtpd_milters, the mail edited in Postfix's queue), not {mode!r}")
    if mode == "milter":
        if "listen" not in table:
            raise fail(where, "needs listen, where Postfix's smtpd_milters connects, e.g. \"127.0.0.1:10027\"")
        if "reinject" in table:
            raise fail(where, "a milter re-injects nothing (Postfix edits the mail in its own queue): remove reinject, "
                              "or set mode = \"content_filter\"")
        if "timeout" in table:
            raise fail(where, "timeout is the content filter's, for the re-injection: a milter has none; remove it")
    elif "listen" not in table or "reinject" not in table:
        raise fail(where, "needs listen (where Postfix hands mail over, e.g. \"127.0.0.1:10025\") and reinject "
                          "(Postfix's re-injection smtpd, e.g. \"127.0.0.1:10026\"); or mode = \"milter\" with listen")
    values = _relay_common(where, table, max_bytes)
    values["mode"] = mode
    if not is_loopback(values["listen"][0]):
        # Postfix's re-injection smtpd trusts the gateway: anyone reaching it could relay anywhere;
        # a milter's edits change what the team sees.
        raise fail(where, f"listen must be a loopback address (127.0.0.1 or ::1): the {mode.replace('_', ' ')} runs "
                          "beside Postfix")
    if mode == "content_filter":
        values["reinject"] = host_port(where, "reinject", table["reinject"])
        if values["reinject"] == values["listen"]:
            raise fail(where, "reinject must differ from listen, or every mail would loop")
    return InboundRelayConfig(**values)


def outbound_relay(where: str, table: object, max_bytes: int, base: Path) -> OutboundRelayConfig:
    where, table = section_table(where, "relay.outbound", table)
    if "listen" not in table:
        raise fail(where, "needs listen, the address the team's mail client sends to, e.g. \"127.0.0.1:10587\"")
    values = _relay_common(where, table, max_bytes)
    for key in ("users_file", "tls_cert", "tls_key"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                raise fail(where, f"{key} must be a file path")
            values[key] = secret_file(base, table[key], where=where, key=key)
    if bool(values.get("tls_cert")) != bool(values.get("tls_key")):
        raise fail(where, "give both tls_cert and tls_key (PEM files) for STARTTLS, or neither")
    if values.get("users_file") and not values.get("tls_cert") and not is_loopback(values["listen"][0]):
        raise fail(where, "passwords would cross the network in clear: set tls_cert and tls_key, or listen on loopback")
    if "local_networks" in table:
        networks = string_list(where, "local_networks", table["local_networks"]) if table["local_networks"] else ()
        for network in networks:
            try:
                parsed = ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise fail(where, f"local_networks entry {network!r} is not a network like \"127.0.0.0/8\"") from None
            if parsed.prefixlen == 0:
                raise fail(where, f"local_networks entry {network!r} is every address: that is an open relay")
        values["local_networks"] = networks
    return OutboundRelayConfig(**values)
