"""`crisis-gateway evidence ORDER`: the pack of a claim, and its checklist."""

import zipfile
from datetime import datetime, timezone

from configs import smarthost, write_config
from corpus import corpus_or_factory
from mails import buyer, claim
from processes import cli, status_rows
from recording import recorded
from relays import gateway

from gateway.config import load_config
from gateway.deadlines.evidence import build
from gateway.state import State

ORDER = "114-2682884-2909064"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)

CARRIER = (
    "From: UPS Notifications <pkginfo@ups.example>\r\nTo: support@shop.example\r\n"
    f"Subject: Delivered: order {ORDER}\r\nMessage-ID: <ups-1@ups.example>\r\n"
    "Date: Sat, 21 Nov 2026 15:00:00 +0000\r\n\r\n"
    "Your package 1Z999AA10123456784 was delivered on Saturday 21 November at 14:52, signed by ANN.\r\n"
).encode()


def pack(config_path, order: str = ORDER) -> tuple[list[str], dict[str, list[str]], str]:
    config = load_config(config_path)
    with State(config.state_dir) as state:
        path, checks, _ = build(state, order, config_path.parent / "out", config.templates_dir, NOW)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        page = archive.read(f"evidence-{order}/index.html").decode()
    return names, {c.label: c.found for c in checks}, page


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
        assert f"evidence-{order}/index.html" in names and any(n.endswith(".eml") for n in names)


def test_the_checklist_finds_what_a_carrier_mail_proves_and_not_what_a_buyer_denies(tmp_path):
    config = write_config(tmp_path)
    recorded(config, claim(ORDER), buyer(ORDER, "The parcel was not delivered, UPS lost it."))
    _, found, page = pack(config)
    assert found["Delivery date and proof"] == [] and "missing" in page
    assert found["Buyer correspondence"]
    recorded(config, CARRIER)
    names, found, page = pack(config)
    assert any("1z999aa10123456784" in f for f in found["Tracking number"])
    assert any("ups" in f for f in found["Carrier"])
    assert any("delivered" in f for f in found["Delivery date and proof"])
    assert [n.rsplit("-", 1)[1] for n in names if n.endswith(".eml")] == ["other.eml", "buyer.eml", "amazon.eml"]  # by arrival


def test_the_teams_reply_through_the_relay_is_in_the_pack(tmp_path, sink):
    with gateway(tmp_path, outbound={}, smtp=smarthost(sink.port)) as gw:
        recorded(gw.config, buyer(ORDER, "Where is it?"))
        with gw.smtp("outbound") as client:
            client.sendmail("support@shop.example", ["k3j4h5g6f7d8@marketplace.amazon.co.uk"],
                            f"From: support@shop.example\r\nTo: k3j4h5g6f7d8@marketplace.amazon.co.uk\r\n"
                            f"Subject: Re: order {ORDER}\r\n\r\nIt left with DHL, tracking number JJD0099887766.\r\n")
    names, found, _ = pack(gw.config.path)
    assert any(n.endswith("-team.eml") for n in names)
    assert any("jjd0099887766" in f for f in found["Tracking number"])


def test_the_timeline_escapes_what_mails_say(tmp_path):
    config = write_config(tmp_path)
    recorded(config, buyer(ORDER, "<script>alert(1)</script> where is it?"))
    _, _, page = pack(config)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_an_unknown_order_is_an_error(tmp_path):
    config = write_config(tmp_path)
    recorded(config, claim(ORDER))
    done = cli("evidence", "999-9999999-9999999", "--config", str(config))
    assert done.returncode == 1 and "no mail about order" in done.stderr
