"""`crisis-gateway status` and `resolve`: what is open, how urgent, and closing by hand."""

import json
from datetime import datetime, timedelta

import pytest
from configs import write_config
from corpus import corpus_or_factory
from mails import buyer, claim
from processes import cli, status_rows
from recording import recorded

from gateway.judging import obligations

ORDER = "114-2682884-2909064"
NOW = "2026-11-23T12:00:00+00:00"


def test_one_open_clock_per_obligation_of_a_tier1_order_with_its_deadline(tmp_path):
    mails = corpus_or_factory(120, seed=3)
    config = write_config(tmp_path)
    recorded(config, *(raw for _, raw, _ in mails))
    rows = [row for row in status_rows(config, NOW) if row["order_id"]]
    clocks = {(row["order_id"], row["obligation"]): row for row in rows}
    expected = {}
    for _, _, entry in mails:
        duty = obligations.of_category(entry["category"] or "")
        if entry["tier"] == 1 and entry["order_id"] and entry["deadline"] and not entry["suspicious"] and duty:
            deadline = datetime.fromisoformat(entry["deadline"])
            key = (entry["order_id"], duty.name)
            expected[key] = min(deadline, expected.get(key, deadline))
    assert expected, "no tier-1 order to check"
    for key, deadline in expected.items():
        assert key in clocks, key
        assert abs(datetime.fromisoformat(clocks[key]["deadline"]) - deadline) <= timedelta(minutes=2), key
    assert len(rows) == len(clocks)  # one per obligation of an order
    assert all(row["clock"] == f"order:{order}:{name}" for (order, name), row in clocks.items())


def test_status_puts_the_overdue_first_and_says_the_last_action(tmp_path):
    config = write_config(tmp_path)
    recorded(config, claim(ORDER), buyer("305-1111111-2222222", "Is it blue?", token="zz"))
    rows = status_rows(config, "2026-11-24T16:00:00+00:00")  # the claim's deadline (24 Nov 11:00) has passed
    assert [r["order_id"] for r in rows] == ["305-1111111-2222222", ORDER]  # the longest overdue first
    assert all(r["overdue"] and r["seconds_left"] < 0 for r in rows)
    claim_row = next(r for r in rows if r["order_id"] == ORDER)
    assert claim_row["tier"] == 1 and claim_row["category"] == "atoz_claim" and claim_row["last_action"]["what"]
    text = cli("status", "--config", str(config), "--now", "2026-11-24T16:00:00+00:00").stdout
    assert "OVERDUE" in text and ORDER in text and "2 open, 2 overdue" in text


def test_resolve_stops_the_clock_with_the_note_in_the_audit_trail(tmp_path):
    config = write_config(tmp_path)
    recorded(config, claim(ORDER))
    done = cli("resolve", ORDER, "--config", str(config), "--note", "refunded in Seller Central")
    assert done.returncode == 0, done.stderr
    assert status_rows(config, NOW) == []
    # the table, with nothing open: its header and the count, no error
    table = cli("status", "--config", str(config), "--now", NOW)
    assert table.returncode == 0 and table.stdout.splitlines()[-1] == "0 open, 0 overdue", table.stderr
    again = cli("resolve", ORDER, "--config", str(config), "--note", "twice")
    assert again.returncode == 1 and "no open clock" in again.stderr
    audit = cli("audit", "show", "--config", str(config), "--order", ORDER, "--json").stdout
    stopped = [json.loads(line) for line in audit.splitlines() if '"clock_stopped"' in line]
    assert len(stopped) == 1 and stopped[0]["detail"]["note"] == "refunded in Seller Central"


@pytest.mark.parametrize("reference", ["114-2682884", "order 1", ""])
def test_resolve_names_a_bad_reference(tmp_path, reference):
    done = cli("resolve", reference, "--config", str(write_config(tmp_path)), "--note", "x")
    assert done.returncode == 2 and "neither an order id" in done.stderr


def test_status_filters_by_tier_overdue_and_due_within(tmp_path):
    """The digest's "and N more" commands: --tier, --overdue and --due-within, together or alone."""
    config = write_config(tmp_path)
    recorded(config, claim(ORDER), buyer("305-1111111-2222222", "Is it blue?", token="zz"))

    def listed(*filters: str) -> list[str]:
        done = cli("status", "--config", str(config), "--json", "--now", NOW, *filters)
        assert done.returncode == 0, done.stderr
        return [json.loads(line)["order_id"] for line in done.stdout.splitlines()]

    # at NOW the buyer's message (tier 2) is 2 h overdue, the claim (tier 1) due in 23 h
    assert listed() == ["305-1111111-2222222", ORDER]
    assert listed("--tier", "1") == [ORDER] and listed("--tier", "2") == ["305-1111111-2222222"]
    assert listed("--overdue") == ["305-1111111-2222222"] and listed("--overdue", "--tier", "1") == []
    assert listed("--due-within", "24") == [ORDER] and listed("--due-within", "12") == []
    table = cli("status", "--config", str(config), "--now", NOW, "--tier", "1").stdout
    assert table.splitlines()[-1] == "1 listed, of 2 open, 0 overdue" and "305-1111111-2222222" not in table
