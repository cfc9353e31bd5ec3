"""Small realistic mails for tests, built per call."""

from __future__ import annotations

import base64
import email.utils
from datetime import datetime

import dkim
from configs import AUTHSERV

BUYER_ADDRESS = "k3j4h5g6f7d8@marketplace.amazon.co.uk"  # the buyer of buyer(), with its default token
DKIM_SELECTOR = b"sel1"
DKIM_SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]


def buyer(order: str, text: str, *, token: str = "k3j4h5g6f7d8", minute: int = 0, domain: str = "amazon.co.uk",
          name: str = "Ann", extra: str = "") -> bytes:
    return (
        f"Authentication-Results: mx.example.test; dkim=pass header.d=marketplace.{domain}; dmarc=pass\r\n"
        f"Received: from ses by mx.example.test; Sun, 22 Nov 2026 10:{minute % 60:02d}:03 +0000\r\n"
        f"From: {name} - Amazon Marketplace <{token}@marketplace.{domain}>\r\n"
        f"To: support@shop.example\r\n"
        f"Subject: Inquiry from Amazon customer {name} (Order: {order})\r\n"
        f"Message-ID: <buyer-{order}-{token}-{minute}@example.test>\r\n"
        f"Date: Sun, 22 Nov 2026 10:{minute % 60:02d}:00 +0000\r\n"
        f"X-Marketplace-ID: A1F83G8C2ARO7P\r\n"
        f"X-Space-Notification-Type: BBC_MESSAGE_SENT_TO_MERCHANT\r\n{extra}\r\n"
        f"Order ID {order}:\r\n1 of Tea Kettle [ASIN: B0TEST0001]\r\n\r\n"
        f"------------- Begin message -------------\r\n\r\n{text}\r\n\r\n------------- End message -------------\r\n"
    ).encode()


def claim(order: str, *, notification: str = "A_Z_CLAIM_RESPONDENT_NOTIFY", domain: str = "amazon.co.uk") -> bytes:
    return (
        f"Authentication-Results: mx.example.test; dkim=pass header.d={domain}; dmarc=pass\r\n"
        f"Received: from ses by mx.example.test; Sun, 22 Nov 2026 11:00:03 +0000\r\n"
        f"From: Amazon A-to-z Guarantee <atoz-guarantee-no-reply@{domain}>\r\n"
        f"To: support@shop.example\r\n"
        f"Subject: Claim received on order {order}\r\nMessage-ID: <{notification}-{order}@example.test>\r\n"
        f"Date: Sun, 22 Nov 2026 11:00:00 +0000\r\n"
        f"X-Space-Notification-Type: {notification}\r\n\r\n"
        f"We received an A-to-z Guarantee claim of \u00a342.50 on the order {order}. Claim reason: Item not received.\r\n"
    ).encode("utf-8")


def carrier(order: str, sender: str = "UPS Notifications <pkginfo@ups.com>",
            auth: str | None = "dkim=pass header.d=ups.com; dmarc=pass") -> bytes:
    """UPS says it delivered the order; `auth` is what our own server found (None: it wrote nothing)."""
    return (
        (f"Authentication-Results: {AUTHSERV}; {auth}\r\n" if auth is not None else "")
        + "Received: from mta.ups.com by mx.example.test; Sat, 21 Nov 2026 15:00:03 +0000\r\n"
        f"From: {sender}\r\nTo: support@shop.example\r\n"
        f"Subject: UPS Update: Delivered, order {order}\r\nMessage-ID: <ups-1@ups.example>\r\n"
        "Date: Sat, 21 Nov 2026 15:00:00 +0000\r\n\r\n"
        "Your package 1Z999AA10123456784 was delivered on Saturday 21 November at 14:52, signed by ANN.\r\n"
    ).encode()


def shipping_notice(order: str, auth: str | None = "dkim=pass header.d=amazon.co.uk; dmarc=pass") -> bytes:
    """Amazon's own delivery notice of the order; `auth` as for carrier()."""
    return (
        (f"Authentication-Results: {AUTHSERV}; {auth}\r\n" if auth is not None else "")
        + "Received: from ses by mx.example.test; Fri, 20 Nov 2026 09:00:03 +0000\r\n"
        'From: "Amazon.co.uk" <shipment-tracking@amazon.co.uk>\r\nTo: support@shop.example\r\n'
        f"Subject: Your order {order} has been delivered\r\nMessage-ID: <ship-{order}@amazon.example>\r\n"
        "Date: Fri, 20 Nov 2026 09:00:00 +0000\r\n\r\n"
        "Your package with Amazon Logistics TBA123456789012 was delivered. Left at: front door.\r\n"
    ).encode()


CASE_SUBJECTS = {
    "opened": "We have received your request",
    "answered": "Amazon Selling Partner Support has replied",
    "closed": "Your case has been resolved",
}


def case(case_id: str, status: str, *, day: int = 22, hour: int = 20) -> bytes:
    """A Seller Central case mail: opened, answered or closed."""
    return (
        "Authentication-Results: mx.example.test; dkim=pass header.d=amazon.com; dmarc=pass\r\n"
        f"Received: from ses by mx.example.test; {day:02d} Nov 2026 {hour:02d}:00:03 +0000\r\n"
        'From: "Amazon Selling Partner Support" <donotreply@amazon.com>\r\nTo: support@shop.example\r\n'
        f"Subject: Case ID {case_id}: {CASE_SUBJECTS[status]}\r\n"
        f"Message-ID: <case-{case_id}-{status}-{day}-{hour}@amazonses.example>\r\n"
        f"Date: {day:02d} Nov 2026 {hour:02d}:00:00 +0000\r\n\r\n"
        f"Hello,\r\n\r\nThis is about your case {case_id}.\r\n\r\nAmazon\r\n"
    ).encode()


# An A-to-z claim of amazon.es, its headers encoded, its body 8-bit, with X-Crisis headers the
# sender forged; it states 24 hours to answer.
SPANISH_CLAIM = (
    f"Authentication-Results: {AUTHSERV}; dkim=pass header.d=amazon.es; dmarc=pass header.from=amazon.es\r\n"
    "Received: from ses by mx.example.test; Tue, 17 Nov 2026 08:00:05 +0000\r\n"
    "From: =?utf-8?q?Garant=C3=ADa_de_la_A_a_la_Z?= <atoz-guarantee-no-reply@amazon.es>\r\n"
    "To: support@shop.example\r\n"
    "Subject: =?utf-8?q?Reclamaci=C3=B3n_recibida_para_el_pedido?= 404-1112223-3334445\r\n"
    "X-Crisis-Tier: 1\r\n"
    "X-Crisis-Category: forged-by-sender\r\n"
    "Date: Tue, 17 Nov 2026 08:00:00 +0000\r\n"
    "Message-ID: <claim-es@example.test>\r\n"
    "X-Marketplace-ID: A1RKKUPIHCS9HS\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Hemos recibido una reclamación de la Garantía de la A a la Z para el pedido 404-1112223-3334445.\r\n"
    "Responda en un plazo de 24 horas.\r\n"
).encode("utf-8")


def arrived_now(raw: bytes, now: datetime) -> bytes:
    """The mail as if it had just arrived: its Received stamps and Date set to `now`."""
    stamp = email.utils.format_datetime(now).encode()
    lines = []
    for line in raw.split(b"\r\n"):
        if line.startswith(b"Received: ") and b";" in line:
            line = line.rsplit(b";", 1)[0] + b"; " + stamp
        elif line.startswith(b"Date: "):
            line = b"Date: " + stamp
        lines.append(line)
    return b"\r\n".join(lines)


def account_health(subject: str, body: str, *, domain: str = "amazon.co.uk", number: int = 1, day: int = 22) -> bytes:
    """A notice from Seller Performance (an account-health mail), its text as given."""
    return (
        f"Authentication-Results: mx.example.test; dkim=pass header.d={domain}; dmarc=pass\r\n"
        f"Received: from ses by mx.example.test; {day:02d} Nov 2026 09:00:03 +0000\r\n"
        f"From: Amazon Seller Performance <seller-performance@{domain}>\r\nTo: support@shop.example\r\n"
        f"Subject: =?utf-8?b?{base64.b64encode(subject.encode()).decode()}?=\r\n"
        f"Message-ID: <account-health-{number}-{day}@example.test>\r\nDate: {day:02d} Nov 2026 09:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode("utf-8")


def unauthenticated_claim(order: str = "205-1111111-2222222", domain: str = "amazon.co.uk") -> bytes:
    """An A-to-z claim without any Authentication-Results: the provider writes none."""
    return b"".join(line for line in claim(order, domain=domain).splitlines(keepends=True)
                    if not line.startswith(b"Authentication-Results:"))


def dkim_key_name(domain: str) -> bytes:
    """Where the key of DKIM_SELECTOR is looked up, as dkimpy asks for it."""
    return DKIM_SELECTOR + b"._domainkey." + domain.encode() + b"."


def dkim_signed(raw: bytes, key: bytes, domain: str) -> bytes:
    """`raw` with a DKIM-Signature of `domain` by `key` (the rsa_key fixture's PEM) on top."""
    return dkim.sign(raw, DKIM_SELECTOR, domain.encode(), key, include_headers=DKIM_SIGNED_HEADERS) + raw
