"""`crisis-gateway evidence ORDER`: the pack of a claim, its summary, checklist, the team's
statements and the draft answer to Amazon."""

import shutil
import tomllib
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import pytest
from configs import smarthost, smtp_capture, write_config
from corpus import corpus_or_factory
from mails import buyer, carrier, claim, shipping_notice
from processes import cli, status_rows
from recording import recorded
from relays import gateway

from gateway.config import load_config
from gateway.deadlines.evidence import Pack, build, claim_clock
from gateway.outgoing.outbox import Outbox
from gateway.state import State

ORDER = "114-2682884-2909064"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def berlin(folder: Path) -> dict:
    """[gateway] of a team in Berlin: its state in `folder`."""
    return {"gateway": {"state_dir": str(folder / "state"), "timezone": "Europe/Berlin"}}


# The team's own mail about the order, copied to the shared inbox: its statement, no proof.
TEAM = (
    "Received: from client by mx.example.test; Sun, 22 Nov 2026 12:00:03 +0000\r\n"
    "From: Support <support@shop.example>\r\nTo: k3j4h5g6f7d8@marketplace.amazon.co.uk\r\n"
    f"Subject: Re: order {ORDER}\r\nMessage-ID: <team-1@shop.example>\r\nDate: Sun, 22 Nov 2026 12:00:00 +0000\r\n\r\n"
    "Hello Ann,\r\nour courier confirmed it: the parcel was delivered to your door, tracking number JJD0099887766.\r\n"
    "\r\nOn Sun, 22 Nov 2026 Ann wrote:\r\n> Nothing was delivered here.\r\n"
).encode()

SHIPPING_NOTICE = shipping_notice(ORDER)


def claim_saying(reason_line: str, *, amount: str = "\u00a342.50", domain: str = "amazon.co.uk") -> bytes:
    return (
        f"Authentication-Results: mx.example.test; dkim=pass header.d={domain}; dmarc=pass\r\n"
        "Received: from ses by mx.example.test; Sun, 22 Nov 2026 11:00:03 +0000\r\n"
        f"From: Amazon A-to-z Guarantee <atoz-guarantee-no-reply@{domain}>\r\nTo: support@shop.example\r\n"
        f"Subject: Claim received on order {ORDER}\r\nMessage-ID: <claim-{ORDER}@example.test>\r\n"
        "Date: Sun, 22 Nov 2026 11:00:00 +0000\r\nX-Space-Notification-Type: A_Z_CLAIM_RESPONDENT_NOTIFY\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Order {ORDER}: {amount}.\r\n1 of Tea Kettle [ASIN: B0TEST0001]\r\n{reason_line}\r\n"
    ).encode("utf-8")


def pack(config_path, order: str = ORDER) -> tuple[list[str], dict[str, list[str]], str, Pack]:
    config = load_config(config_path)
    with State(config.state_dir) as state:
        made = build(state, config, order, config_path.parent / "out", NOW)
    with zipfile.ZipFile(made.path) as archive:
        names = archive.namelist()
        page = archive.read(f"evidence-{order}/index.html").decode()
        assert archive.read(f"evidence-{order}/answer-DRAFT.txt").decode() == made.draft
    return names, {c.label: c.found for c in made.checks}, page, made


def test_a_pack_for_every_open_tier1_order(tmp_path):
    config = write_config(tmp_path)
    recorded(config, *(raw for _, raw, _ in corpus_or_factory(120, seed=3)))
    orders = [row["order_id"] for row in status_rows(config, NOW.isoformat()) if row["order_id"] and row["tier"] == 1]
    assert orders
    for order in orders:
        done = cli("evidence", order, "--config", str(config), "--out", str(tmp_path / "packs"))
        assert done.returncode == 0, done.stderr
        with zipfile.ZipFile(tmp_path / "packs" / f"evidence-{order}.zip") as archive:
            names = archive.namelist()
            draft = archive.read(f"evidence-{order}/answer-DRAFT.txt").decode()
        assert f"evidence-{order}/index.html" in names and any(n.endswith(".eml") for n in names)
        assert draft.startswith("*** DRAFT") and order in draft and "None" not in draft


def test_the_checklist_finds_what_a_carrier_mail_proves_and_not_what_a_buyer_denies(tmp_path):
    config = write_config(tmp_path)
    recorded(config, claim(ORDER), buyer(ORDER, "The parcel was not delivered, UPS lost it. Where is the tracking information?"))
    _, found, page, _ = pack(config)
    assert found["Delivery date and proof"] == [] and "missing" in page
    assert found["Tracking number"] == []  # "tracking information" is no tracking number
    assert found["Buyer correspondence"]
    recorded(config, carrier(ORDER))
    names, found, page, _ = pack(config)
    assert any("1Z999AA10123456784" in f for f in found["Tracking number"])
    assert any("UPS" in f for f in found["Carrier"])
    assert any("delivered" in f for f in found["Delivery date and proof"])
    assert [n.rsplit("-", 1)[1] for n in names if n.endswith(".eml")] == ["carrier.eml", "buyer.eml", "amazon.eml"]  # by arrival


def test_proof_is_the_carriers_and_the_teams_words_are_its_statements(tmp_path):
    config = write_config(tmp_path, **berlin(tmp_path))
    recorded(config, carrier(ORDER), claim(ORDER), buyer(ORDER, "Where is my kettle?"), TEAM)
    _, found, page, made = pack(config)
    proof = found["Delivery date and proof"]
    assert proof == ["'Your package 1Z999AA10123456784 was delivered on Saturday 21 November at 14:52, signed by ANN.'"
                     " in 01-2026-11-21-carrier.eml"]
    statements = page.split("own statements (not proof)</h2>", 1)[1].split("<h2", 1)[0]
    assert "the parcel was delivered to your door, tracking number JJD0099887766." in statements
    assert "-team.eml" in statements and "carrier.eml" not in statements
    assert "Nothing was delivered here" not in statements  # the buyer's words it quotes are not the team's
    assert made.summary.delivery["file"] == "01-2026-11-21-carrier.eml"
    assert 'Delivery: confirmed by pkginfo@ups.com on Sat 21 Nov 16:00 CET: "Your package' in made.draft


def test_identifiers_keep_their_case_and_times_are_local(tmp_path):
    config = write_config(tmp_path, **berlin(tmp_path))
    recorded(config, carrier(ORDER), claim(ORDER), TEAM)
    _, found, page, made = pack(config)
    assert "1Z999AA10123456784" in page and "1z999aa10123456784" not in page
    assert any("JJD0099887766" in f for f in found["Tracking number"])
    assert made.summary.tracking == ["1Z999AA10123456784", "JJD0099887766"] and made.summary.carrier == "UPS"
    assert "Made Mon 23 Nov 13:00 CET" in page  # NOW, 12:00 UTC, in Berlin
    assert "Sat 21 Nov 16:00 CET" in page and "Sun 22 Nov 12:00 CET" in page  # the carrier's and the claim's arrival
    assert "+00:00" not in page and "T12:00" not in page


def test_the_summary_comes_first_with_amount_reason_deadline_and_what_was_done(tmp_path):
    config = write_config(tmp_path, smtp=smtp_capture(tmp_path), **berlin(tmp_path))
    recorded(config, claim(ORDER))
    loaded = load_config(config)
    with State(loaded.state_dir) as state:
        Outbox(loaded, state).run()
    _, _, page, made = pack(config)
    summary = made.summary
    assert (summary.amount, summary.reason.key, summary.reason.label) == ("\u00a342.50", "not_received", "Item not received")
    assert summary.deadline == "Tue 24 Nov 12:00 CET" and summary.left == "23 h 00 min"
    assert any(what == "forwarded to crisis@shop.example" for _, what in summary.done)
    head = page.split("What Amazon asks for", 1)[0]
    for shown in ("Summary", "\u00a342.50", "Item not received", "Tue 24 Nov 12:00 CET", "23 h 00 min", "forwarded to crisis@shop.example"):
        assert shown in head
    done = cli("evidence", ORDER, "--config", str(config), "--out", str(tmp_path / "cli"))
    assert done.returncode == 0, done.stderr
    assert "Item not received, \u00a342.50, due Tue 24 Nov 12:00 CET" in done.stdout


def test_a_carrier_mail_that_fails_authentication_is_no_proof(tmp_path):
    config = write_config(tmp_path)
    forged = carrier(ORDER, auth="dkim=fail header.d=ups.com; dmarc=fail header.from=ups.com")
    recorded(config, claim(ORDER), forged)
    _, found, page, made = pack(config)
    assert found["Delivery date and proof"] == [] and made.summary.delivery is None
    assert "Not counted as proof" in page and "did not pass authentication" in page
    assert "attach the carrier&#39;s proof of delivery" in page


def test_amazons_own_shipping_notice_is_proof(tmp_path):
    config = write_config(tmp_path)
    recorded(config, SHIPPING_NOTICE, claim(ORDER))
    _, found, _, made = pack(config)
    assert found["Delivery date and proof"] == [
        "'Your package with Amazon Logistics TBA123456789012 was delivered. Left at: front door.' in 01-2026-11-20-shipping.eml"]
    assert "TBA123456789012" in made.summary.tracking


def test_a_shipping_notice_nothing_authenticated_is_no_proof(tmp_path):
    """From Amazon's shipping address with [trust] unset: nothing is checked, so the mail is not
    suspicious (and is in the pack), but nothing proves who sent it either."""
    config = write_config(tmp_path, trust={})
    recorded(config, shipping_notice(ORDER, auth=None), claim(ORDER))
    _, found, page, made = pack(config)
    assert found["Delivery date and proof"] == [] and made.summary.delivery is None
    assert "Not counted as proof" in page
    assert "01-2026-11-20-shipping.eml: its sender (shipment-tracking@amazon.co.uk) did not pass authentication" in page


@pytest.mark.parametrize(("reason_line", "reason", "argument"), [
    ("Claim reason: Item not received", "not_received", "The carrier confirms the delivery"),
    ("Claim reason: Item not as described", "not_as_described", "the detail page the buyer ordered from (B0TEST0001)"),
    ("Claim reason: Item arrived damaged", "damaged", "a replacement or a return"),
    ("Claim reason: Counterfeit item", "counterfeit", "The item is genuine (B0TEST0001)"),
    ("Claim reason: Wrong item", "wrong_item", "We shipped the item that was ordered (B0TEST0001)"),
    ("The buyer has asked for a refund.", "general", "[What the buyer claims"),
])
def test_the_draft_for_each_reason_is_filled_and_marked(tmp_path, reason_line, reason, argument):
    config = write_config(tmp_path)
    recorded(config, carrier(ORDER), claim_saying(reason_line))
    _, _, page, made = pack(config)
    draft = made.draft
    assert made.summary.reason.key == reason
    assert draft.startswith("*** DRAFT: for the manager to check. Crisis Gateway does not send it. ***")
    assert argument in draft
    for fact in (ORDER, "\u00a342.50", made.summary.reason.label, "UPS", "1Z999AA10123456784", "Sun 22 Nov 11:00 UTC",
                 "Sat 21 Nov 15:00 UTC", "signed by ANN"):
        assert fact in draft, fact
    assert "None" not in draft and not any("  " in line or line.endswith(" ") for line in draft.splitlines())
    assert "Draft answer to Amazon" in page and "*** DRAFT" in page


@pytest.mark.parametrize(("line", "reason", "amount"), [
    ("Grund: Artikel nicht erhalten", "not_received", "42,50 \u20ac"),
    ("Motif : Article non conforme à la description", "not_as_described", "42,50 \u20ac"),
    ("Motivo: articolo danneggiato", "damaged", "\u20ac 42,50"),
    ("Motivo: artículo falsificado", "counterfeit", "42,50 \u20ac"),
    ("Reden: verkeerd artikel ontvangen", "wrong_item", "\u20ac 42,50"),
    ("Powód: nie otrzymano przedmiotu", "not_received", "42,50 zł"),
    ("Orsak: varan är skadad", "damaged", "425,00 kr"),
    ("理由：商品未着", "not_received", "￥4,250"),
    ("Motivo: item não recebido", "not_received", "R$ 129,90"),
    ("Neden: ürün açıklamadaki gibi değil", "not_as_described", "42,50 TL"),
    ("السبب: منتج مقلد", "counterfeit", "150 درهم"),
    ("Claim reason: Wrong item", "wrong_item", "$42.50"),
])
def test_claim_reasons_and_amounts_in_every_marketplace_language(tmp_path, line, reason, amount):
    config = write_config(tmp_path)
    recorded(config, claim_saying(line, amount=amount))
    _, _, _, made = pack(config)
    assert made.summary.reason.key == reason
    assert made.summary.amount.replace("\uffe5", "\u00a5") == amount.replace("\uffe5", "\u00a5")


def test_every_reason_has_words_in_every_language_the_rules_know():
    root = Path(__file__).resolve().parent.parent
    rules = tomllib.loads((root / "rules" / "10-atoz.toml").read_text("utf-8"))
    languages = {k for rule in rules["rule"] for k in rule.get("when", {}).get("subject", {}) if len(k) == 2}
    reasons = tomllib.loads((root / "gateway" / "data" / "claims.toml").read_text("utf-8"))["reason"]
    assert len(languages) >= 12
    for name, reason in reasons.items():
        if name != "general":
            assert languages <= set(reason), (name, languages - set(reason))
    assert {p.stem.removesuffix(".txt") for p in (root / "templates" / "evidence" / "answer").glob("[!_]*.j2")} == set(reasons)


def test_the_pack_follows_the_claims_clock_not_the_buyers(tmp_path):
    config = write_config(tmp_path, **berlin(tmp_path))
    recorded(config, claim(ORDER), buyer(ORDER, "Where is my kettle?"))
    with State(load_config(config).state_dir) as state:
        assert claim_clock(state, ORDER)["key"] == f"order:{ORDER}:claim"
    _, _, _, made = pack(config)
    assert made.summary.deadline == "Tue 24 Nov 12:00 CET"  # the claim's 48 hours, not the buyer's 24


def test_the_teams_reply_through_the_relay_is_in_the_pack(tmp_path, sink):
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        recorded(gw.config, buyer(ORDER, "Where is it?"))
        with gw.smtp("outbound") as client:
            client.sendmail("support@shop.example", ["k3j4h5g6f7d8@marketplace.amazon.co.uk"],
                            f"From: support@shop.example\r\nTo: k3j4h5g6f7d8@marketplace.amazon.co.uk\r\n"
                            f"Subject: Re: order {ORDER}\r\n\r\nIt left with DHL, tracking number JJD0099887766.\r\n")
    names, found, page, made = pack(gw.config.path)
    assert any(n.endswith("-team.eml") for n in names)
    assert any("JJD0099887766" in f for f in found["Tracking number"])
    assert found["Delivery date and proof"] == []
    assert any("the team replied to k3j4h5g6f7d8@marketplace.amazon.co.uk" in what for _, what in made.summary.done)
    assert "It left with DHL, tracking number JJD0099887766." in page.split("own statements", 1)[1].split("<h2", 1)[0]


def test_the_timeline_escapes_what_mails_say(tmp_path):
    config = write_config(tmp_path)
    recorded(config, buyer(ORDER, "<script>alert(1)</script> where is it?"))
    _, _, page, _ = pack(config)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_the_timeline_template_is_sandboxed_like_the_answers(tmp_path):
    """timeline.html.j2 is in the same user-edited folder as answer/*.j2: neither may reach
    Python's internals."""
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates", templates)
    config = write_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "templates_dir": str(templates)})
    recorded(config, claim(ORDER))
    pack(config)  # the shipped templates as they are, then a changed one: read again
    (templates / "evidence" / "timeline.html.j2").write_text("{{ order_id.__class__.__mro__ }}", "utf-8")
    with pytest.raises(jinja2.exceptions.SecurityError):
        pack(config)


def test_an_unknown_order_is_an_error(tmp_path):
    config = write_config(tmp_path)
    recorded(config, claim(ORDER))
    done = cli("evidence", "999-9999999-9999999", "--config", str(config))
    assert done.returncode == 1 and "no mail about order" in done.stderr
