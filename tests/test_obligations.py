"""One clock per obligation: an order's buyer, claim and chargeback clocks each with its own
deadline and its own stop; account-health notices with a clock of their own; resolve by order,
obligation or clock."""

import json
from datetime import datetime, timezone

import mails
import pytest
from configs import make_config, write_config
from processes import cli, status_rows
from recording import recorded

from gateway.config import ConfigError, load_config
from gateway.deadlines import digest, reminders
from gateway.intake.replies import judge, record_reply
from gateway.judging.classify import Classifier
from gateway.mail.parse import parse_mail
from gateway.state import State

ORDER = "114-2682884-2909064"
NOW = "2026-11-23T12:00:00+00:00"
CHARGEBACK = (
    "Authentication-Results: mx.example.test; dkim=pass header.d=amazon.co.uk; dmarc=pass\r\n"
    "Received: from ses by mx.example.test; Sun, 22 Nov 2026 12:00:03 +0000\r\n"
    "From: Amazon <cb-seller-notification@amazon.co.uk>\r\nTo: support@shop.example\r\n"
    f"Subject: Chargeback dispute on order {ORDER}: response required\r\n"
    "Message-ID: <chargeback-1@example.test>\r\nDate: Sun, 22 Nov 2026 12:00:00 +0000\r\n"
    "X-Space-Notification-Type: CB_NOTIFICATION\r\n\r\n"
    f"There is a chargeback dispute on the order {ORDER}.\r\n"
).encode()
DEACTIVATED_EN = mails.account_health(
    "Your Amazon selling account has been deactivated",
    "Hello,\n\nYour selling privileges have been removed. To reactivate your account, submit a plan of action"
    " within 17 days.\n\nSeller Performance Team")
DEACTIVATED_DE = mails.account_health(
    "Ihr Verkäuferkonto wurde deaktiviert",
    "Guten Tag,\n\nIhr Konto wurde deaktiviert. Bitte reichen Sie innerhalb von 17 Tagen einen Maßnahmenplan ein."
    "\n\nIhr Seller-Performance-Team", domain="amazon.de", number=2)


def with_both(tmp_path, *extra: bytes):
    """A buyer's message and Amazon's claim on ORDER (and `extra`) recorded; the config's path."""
    config = write_config(tmp_path)
    recorded(config, mails.buyer(ORDER, "It never arrived. Where is my parcel?"), mails.claim(ORDER), *extra)
    return config


def send(config_path, to: str, *, message_id: str = "<reply-1@shop.example>") -> bool:
    """The team's mail about ORDER to `to`, recorded as the outbound relay records it; True when a clock stopped."""
    raw = (f"From: support@shop.example\r\nTo: {to}\r\nSubject: Re: order {ORDER}\r\nMessage-ID: {message_id}\r\n"
           f"\r\nWe are on it.\r\n").encode()
    loaded = load_config(config_path)
    mail = parse_mail(raw)
    with State(loaded.state_dir) as state:
        judgement = judge(state, mail, [to])
        return record_reply(state, mail, judgement, direction="outbound", key=message_id, recipients=[to], detail={},
                            tag_pattern=Classifier(loaded).tag_pattern)


def statuses(config_path) -> dict[str, str]:
    with State(load_config(config_path).state_dir) as state:
        return {c["obligation"]: c["status"] for c in state.order_clocks(ORDER)}


def test_a_buyer_message_and_a_claim_on_one_order_are_two_clocks_with_their_own_deadlines(tmp_path):
    config = with_both(tmp_path)
    rows = {r["obligation"]: r for r in status_rows(config, NOW)}
    assert set(rows) == {"buyer", "claim"}
    assert rows["buyer"]["clock"] == f"order:{ORDER}:buyer" and rows["buyer"]["deadline"] == "2026-11-23T10:00:03+00:00"
    assert rows["claim"]["clock"] == f"order:{ORDER}:claim" and rows["claim"]["deadline"] == "2026-11-24T11:00:03+00:00"
    assert rows["claim"]["tier"] == 1 and rows["claim"]["category"] == "atoz_claim"
    table = cli("status", "--config", str(config), "--now", NOW).stdout
    assert "answer buyer" in table and "answer Amazon (claim)" in table and "2 open, 1 overdue" in table


def test_a_reply_to_the_buyer_stops_only_the_buyers_clock(tmp_path):
    config = with_both(tmp_path)
    assert send(config, mails.BUYER_ADDRESS)
    assert statuses(config) == {"buyer": "stopped", "claim": "open"}


def test_a_mail_to_amazon_stops_the_claim_and_the_chargeback_not_the_buyer(tmp_path):
    config = with_both(tmp_path, CHARGEBACK)
    assert statuses(config) == {"buyer": "open", "claim": "open", "chargeback": "open"}
    assert send(config, "atoz-guarantee@amazon.co.uk")
    assert statuses(config) == {"buyer": "open", "claim": "stopped", "chargeback": "stopped"}


def test_amazons_decision_stops_only_the_claim(tmp_path):
    config = with_both(tmp_path, CHARGEBACK)
    recorded(config, mails.claim(ORDER, notification="A_Z_CLAIM_RESPONDENT_DECISION"))
    assert statuses(config) == {"buyer": "open", "claim": "stopped", "chargeback": "open"}


def test_resolve_an_order_stops_every_open_clock_and_says_each(tmp_path):
    config = with_both(tmp_path)
    done = cli("resolve", ORDER, "--config", str(config), "--note", "answered both")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"order:{ORDER}:buyer (answer buyer): stopped (answered both)",
                                        f"order:{ORDER}:claim (answer Amazon (claim)): stopped (answered both)"]
    assert statuses(config) == {"buyer": "stopped", "claim": "stopped"}


def test_resolve_only_one_obligation_or_one_clock(tmp_path):
    config = with_both(tmp_path, CHARGEBACK)
    done = cli("resolve", ORDER, "--only", "claim", "--config", str(config), "--note", "answered in Seller Central")
    assert done.returncode == 0 and statuses(config) == {"buyer": "open", "claim": "stopped", "chargeback": "open"}
    again = cli("resolve", ORDER, "--only", "claim", "--config", str(config), "--note", "twice")
    assert again.returncode == 1 and "no open claim clock" in again.stderr and f"order:{ORDER}:claim" in again.stderr
    by_key = cli("resolve", f"order:{ORDER}:chargeback", "--config", str(config), "--note", "proof sent")
    assert by_key.returncode == 0 and statuses(config) == {"buyer": "open", "claim": "stopped", "chargeback": "stopped"}
    audit = cli("audit", "show", "--config", str(config), "--order", ORDER, "--json").stdout
    stopped = [json.loads(line)["detail"] for line in audit.splitlines() if '"clock_stopped"' in line]
    assert [d["obligation"] for d in stopped] == ["claim", "chargeback"]


@pytest.mark.parametrize("arguments, said", [
    (["302-0000000-0000001", "--only", "claim"], "no open claim clock for order 302-0000000-0000001; the state has no"),
    (["12345678901", "--only", "claim"], "--only claim needs an order id"),
    (["account:nothing"], "the state has no such clock"),
])
def test_resolve_says_what_exists(tmp_path, arguments, said):
    config = with_both(tmp_path)
    done = cli("resolve", *arguments, "--config", str(config), "--note", "x")
    assert done.returncode in (1, 2) and said in done.stderr, done.stderr


@pytest.mark.parametrize("raw, deadline", [
    (DEACTIVATED_EN, "2026-12-09T09:00:03+00:00"),   # "within 17 days"
    (DEACTIVATED_DE, "2026-12-09T09:00:03+00:00"),   # "innerhalb von 17 Tagen"
])
def test_an_account_deactivation_is_a_status_row_with_the_deadline_it_states(tmp_path, raw, deadline):
    config = write_config(tmp_path)
    recorded(config, raw)
    [row] = status_rows(config, NOW)
    assert row["obligation"] == "account" and row["category"] == "account_health" and row["tier"] == 1
    assert row["clock"].startswith("account:notice-") and row["deadline"] == deadline
    table = cli("status", "--config", str(config), "--now", NOW).stdout
    assert "act on account health" in table and row["clock"] in table


def test_an_account_notice_without_a_deadline_gets_the_configured_window(tmp_path):
    removed = mails.account_health("Listing removed: B0ABCDEF12",
                                   "We removed your listing B0ABCDEF12 for a safety complaint.")
    config = write_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "account_health_hours": 48})
    recorded(config, removed)
    [row] = status_rows(config, NOW)
    assert row["clock"] == "account:B0ABCDEF12" and row["deadline"] == "2026-11-24T09:00:03+00:00"
    (tmp_path / "default").mkdir()
    default = write_config(tmp_path / "default")
    recorded(default, removed)
    assert status_rows(default, NOW)[0]["deadline"] == "2026-11-25T09:00:03+00:00"  # 72 hours


@pytest.mark.parametrize("words, hours", [
    ("Please respond within 72 hours.", 72), ("Bitte reagieren Sie innerhalb von 17 Tagen.", 17 * 24),
    ("Veuillez répondre dans les 17 jours.", 17 * 24), ("Si prega di rispondere entro 72 ore.", 72),
    ("Responda en un plazo de 17 días.", 17 * 24), ("72時間以内にご対応ください。", 72),
])
def test_the_deadline_an_account_notice_states_counts_in_its_language(tmp_path, words, hours):
    verdict = Classifier(make_config(tmp_path)).classify(mails.account_health("Account at risk", words))
    assert verdict.category == "account_health"
    assert (verdict.deadline - verdict.arrival).total_seconds() == hours * 3600


def test_a_second_mail_about_the_same_notice_updates_its_clock(tmp_path):
    config = write_config(tmp_path)
    first = mails.account_health("Policy warning", "Your listing B0ABCDEF12 may be removed within 72 hours.")
    second = mails.account_health("RE: Policy warning", "Reminder: act on B0ABCDEF12 within 24 hours.", number=2, day=23)
    recorded(config, first, second)
    [row] = status_rows(config, NOW)
    assert row["clock"] == "account:B0ABCDEF12" and row["deadline"] == "2026-11-24T09:00:03+00:00"  # the earlier


def test_account_health_reminders_have_default_steps(tmp_path):
    config = load_config(write_config(tmp_path))
    recorded(config, mails.account_health("Policy warning", "Act on B0ABCDEF12 within 72 hours."))
    with State(config.state_dir) as state:
        fired = reminders.fire_due(state, config, datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc))
    assert [(f["step"], f["obligation"], f["clock"]) for f in fired] == [("T-24h", "account", "account:B0ABCDEF12")]


@pytest.mark.parametrize("value", [0, -1, "72", True])
def test_a_bad_account_health_window_names_key_and_fix(tmp_path, value):
    with pytest.raises(ConfigError, match=r"\[gateway\] account_health_hours must be a number of hours above 0"):
        make_config(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "account_health_hours": value})


def test_the_digest_lists_an_account_health_notice_among_the_open_crises(tmp_path):
    config = load_config(write_config(tmp_path))
    recorded(config, mails.account_health("Policy warning", "Act on B0ABCDEF12 within 72 hours."))
    with State(config.state_dir) as state:
        made = digest.render(config, digest.gather(state, config, datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)))
    assert "account:B0ABCDEF12" in made.text and "account:B0ABCDEF12" in made.html
