"""Notifications through Apprise ([notify] urls): what each service receives, as Apprise sends it,
on 127.0.0.1 (a JSON receiver; Slack, Teams and PagerDuty through the test proxy); where each
reminder step goes; and that no URL shows in the verdict, the outbox, the audit or the logs."""

import json
import logging
from datetime import datetime, timezone

import mails
import pytest
from configs import config_data, write_config
from processes import cli
from recording import recorded

from gateway.config import ConfigError, config_from_dict
from gateway.config.notify import step_labels
from gateway.config.secrets_filter import SecretFilter, scrubbed
from gateway.deadlines import reminders
from gateway.judging.classify import Classifier
from gateway.outgoing.outbox import Outbox
from gateway.service.checkconfig import check_notify
from gateway.state import State

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
ORDER = "206-6666666-6666666"   # mails.claim: due Tue 24 Nov 11:00 UTC
FAST = {"attempts": 3, "max_seconds": 20, "backoff_initial": 0.01, "backoff_max": 0.05}
SLACK = "slack://T0SECRET1/B0SECRET2/slacktokensecret3"
TEAMS = ("https://prod-00.westus.logic.azure.com:443/workflows/wfsecret4/triggers/manual/paths/invoke"
         "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=teamssignaturesecret5")
PAGERDUTY = "pagerduty://integrationsecret6@routingsecret7"
SECRETS = ("SECRET1", "SECRET2", "tokensecret3", "wfsecret4", "signaturesecret5", "integrationsecret6",
           "routingsecret7", "hooksecret8")


def notify_config(tmp_path, urls, **notify):
    data = config_data(tmp_path, gateway={"state_dir": str(tmp_path / "state"), "timezone": "Europe/Berlin"},
                       outbox=FAST, smtp={"capture_dir": str(tmp_path / "outgoing"), "from": "crisis@shop.example"},
                       notify={"urls": urls, **notify})
    data["reminders"] = {"escalate_to": ["boss@shop.example"]}
    return config_from_dict(data)


def json_url(webhook, name="hooksecret8"):
    return f"json://127.0.0.1:{webhook.server.server_address[1]}/{name}"


def run(config, at=NOW):
    with State(config.state_dir) as state:
        counts = Outbox(config, state).run(lambda: at)
        return counts, state.outbox_rows(), state.audit_rows()


def logged(caplog):
    """Every log line, through the secrets filter the daemon's log handler has."""
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(SecretFilter())


def without_secrets(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {text[:300]}"


def test_a_crisis_reaches_a_json_receiver_short_and_in_local_time(tmp_path, webhook, service_proxy, caplog):
    config = notify_config(tmp_path, [f"chat={json_url(webhook)}"])
    raw = mails.claim(ORDER).replace(f"Subject: Claim received on order {ORDER}".encode(),
                                     f"Subject: =?utf-8?q?Claim=07received=0D=0Aon_order_{ORDER}?=".encode())
    logged(caplog)
    recorded(config, raw, now=NOW)
    counts, rows, audit = run(config)
    assert counts == {"done": 2, "dead": 0, "waiting": 0}   # the forward and the notification
    [body] = webhook.bodies
    assert body["title"] == f"CRISIS: A-to-Z on order {ORDER}, due Tue 24 Nov 12:00 CET"
    lines = body["message"].splitlines()
    assert lines[0] == f"Claim received on order {ORDER}"   # the BEL and the CRLF are gone
    assert f"Order: {ORDER} (UK)" in lines and "Due: Tue 24 Nov 12:00 CET (47 h 00 min left)" in lines
    assert lines[-1].startswith("To do: Respond to the claim in Seller Central")
    assert body["type"] == "failure" and service_proxy.seen == []   # nothing but the receiver was contacted
    [notify] = [r for r in rows if r["kind"] == "notify"]
    assert notify["target"] == config.notify.targets[0].label and notify["target"].startswith("chat #")
    without_secrets(json.dumps(rows, default=str), json.dumps(audit, default=str), caplog.text)


def test_the_verdict_and_classify_json_name_targets_by_label_only(tmp_path, webhook):
    urls = [f"chat={json_url(webhook)}", SLACK, f"oncall={PAGERDUTY}"]
    config = notify_config(tmp_path, urls, default=["chat"])
    verdict = Classifier(config).classify(mails.claim(ORDER))
    [notify] = [a for a in verdict.actions if a.kind == "notify"]
    assert notify.detail["to"] == [config.notify.targets[0].label]
    file = write_config(tmp_path, notify={"urls": urls})
    mail = tmp_path / "claim.eml"
    mail.write_bytes(mails.claim(ORDER))
    done = cli("classify", "--config", str(file), "--json", str(mail))
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    [planned] = [a for a in json.loads(line)["actions"] if a["kind"] == "notify"]
    assert [t.split(" #")[0] for t in planned["to"]] == ["chat", "url 2", "oncall"]
    without_secrets(done.stdout, done.stderr)


def test_slack_teams_and_pagerduty_get_their_own_payloads_and_nothing_else_is_contacted(tmp_path, service_proxy):
    config = notify_config(tmp_path, [f"chat={SLACK}", f"chat={TEAMS}", f"oncall={PAGERDUTY}"])
    recorded(config, mails.claim(ORDER), now=NOW)
    counts, rows, _ = run(config)
    assert counts["done"] == 4 and counts["dead"] == 0
    by_host = {seen.host: seen for seen in service_proxy.seen}
    assert sorted(by_host) == ["events.pagerduty.com", "hooks.slack.com", "prod-00.westus.logic.azure.com"]
    assert len(service_proxy.seen) == 3 and all(seen.tls and seen.method == "POST" for seen in service_proxy.seen)

    slack = by_host["hooks.slack.com"]
    assert slack.path == "/services/T0SECRET1/B0SECRET2/slacktokensecret3"
    [attachment] = slack.json()["attachments"]
    assert attachment["title"] == f"CRISIS: A-to-Z on order {ORDER}, due Tue 24 Nov 12:00 CET"
    assert f"Order: {ORDER} (UK)" in attachment["text"] and attachment["footer"] == "Crisis Gateway"
    assert "github.com" not in slack.body.decode()

    teams = by_host["prod-00.westus.logic.azure.com"]
    assert teams.path.startswith("/workflows/wfsecret4/triggers/manual/paths/invoke?")
    assert "sig=teamssignaturesecret5" in teams.path
    [card] = teams.json()["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block.get("text", "") for block in card["content"]["body"]]
    assert f"CRISIS: A-to-Z on order {ORDER}, due Tue 24 Nov 12:00 CET" in texts
    assert any("Due: Tue 24 Nov 12:00 CET" in text for text in texts)

    page = by_host["events.pagerduty.com"].json()
    assert page["routing_key"] == "integrationsecret6" and page["event_action"] == "trigger"
    assert page["payload"]["summary"].startswith(f"CRISIS: A-to-Z on order {ORDER}")
    assert page["payload"]["severity"] == "critical"
    without_secrets(json.dumps(rows, default=str))


def test_each_reminder_step_goes_where_notify_steps_says(tmp_path, webhook, service_proxy):
    """Chat for the arrival and the early steps, a PagerDuty page for the escalation and the last
    step; the last step not in chat too ([notify.steps] names only oncall)."""
    config = notify_config(tmp_path, [f"chat={json_url(webhook)}", f"oncall={PAGERDUTY}"], default=["chat"],
                           steps={"T-1h": ["oncall"], "escalate": ["oncall"]})
    recorded(config, mails.claim(ORDER), now=NOW)
    run(config)
    assert [b["title"].split(":")[0] for b in webhook.bodies] == ["CRISIS"] and service_proxy.seen == []

    def tick(at):
        with State(config.state_dir) as state:
            reminders.fire_due(state, config, at)
        return run(config, at)

    tick(datetime(2026, 11, 23, 11, 1, tzinfo=timezone.utc))           # T-24h: chat
    assert webhook.bodies[-1]["title"] == f"Reminder T-24h: A-to-Z on order {ORDER}, due Tue 24 Nov 12:00 CET"
    assert "Due: Tue 24 Nov 12:00 CET (23 h 59 min left)" in webhook.bodies[-1]["message"]
    tick(datetime(2026, 11, 24, 5, 1, tzinfo=timezone.utc))            # T-6h and the escalation
    assert webhook.bodies[-1]["title"].startswith("Reminder T-6h: A-to-Z")
    [page] = [seen.json() for seen in service_proxy.seen]
    assert page["payload"]["summary"].startswith(f"ESCALATION: A-to-Z on order {ORDER}")
    _, rows, _ = tick(datetime(2026, 11, 24, 10, 1, tzinfo=timezone.utc))  # T-1h: the page only
    assert len(webhook.bodies) == 3 and len(service_proxy.seen) == 2
    assert service_proxy.seen[-1].json()["payload"]["summary"].startswith(f"Reminder T-1h: A-to-Z on order {ORDER}")
    tick(datetime(2026, 11, 24, 10, 30, tzinfo=timezone.utc))          # nothing fires twice
    assert len(webhook.bodies) == 3 and len(service_proxy.seen) == 2
    alerts = [r for r in rows if r["kind"] == "alert"]
    assert [r["status"] for r in alerts] == ["done"] * 4
    assert {r["target"].split(" #")[0] for r in alerts} == {"chat", "oncall"}
    assert len([r for r in rows if r["kind"] in ("remind", "escalate")]) == 4   # the mails went as before


def test_several_steps_at_once_are_one_notification_per_target(tmp_path, webhook):
    config = notify_config(tmp_path, [json_url(webhook)])
    orders = [f"206-{n}666666-6666666" for n in range(1, 4)]
    recorded(config, *(mails.claim(order) for order in orders), now=NOW)
    run(config)
    assert len(webhook.bodies) == 3
    with State(config.state_dir) as state:
        reminders.fire_due(state, config, datetime(2026, 11, 23, 11, 1, tzinfo=timezone.utc))
    run(config, datetime(2026, 11, 23, 11, 1, tzinfo=timezone.utc))
    [listed] = webhook.bodies[3:]
    assert listed["title"] == "3 open clocks need the team"
    assert [line.split(" A-to-Z ")[1].split(":")[0] for line in listed["message"].splitlines()[:3]] == orders


def test_a_tick_lists_its_steps_with_their_subjects_each_message_read_once(tmp_path, monkeypatch):
    """Three claims at T-24h: one list mail (the tagged subjects) and one list alert (the
    original subjects), keyed by what they list; each claim's message read once for both."""
    config = notify_config(tmp_path, ["json://127.0.0.1:9/x"])
    orders = [f"206-{n}666666-6666666" for n in range(1, 4)]
    recorded(config, *(mails.claim(order) for order in orders), now=NOW)
    with State(config.state_dir) as state:
        read = []
        message = state.message
        monkeypatch.setattr(state, "message", lambda key: read.append(key) or message(key))
        reminders.fire_due(state, config, datetime(2026, 11, 23, 11, 1, tzinfo=timezone.utc))
        [mail] = state.outbox_rows(kind="reminders")
        alerts = state.outbox_rows(kind="alert")
    assert len(read) == len(set(read)) == 3
    assert mail["key"].startswith("reminders|crisis@shop.example|") and len(alerts) == 1
    assert alerts[0]["key"].startswith(f"alerts|{config.notify.targets[0].label}|")
    listed = json.loads(mail["payload"])["items"]
    alerted = json.loads(alerts[0]["payload"])["items"]
    assert [i["subject"].split("] ", 1)[1] for i in listed] == [f"Claim received on order {o}" for o in orders]
    assert [i["subject"] for i in alerted] == [f"Claim received on order {o}" for o in orders]
    assert all(i["key"].startswith("alert|") for i in alerted) and all(i["kind"] == "remind" for i in listed)


def test_a_failing_service_is_retried_then_dead_lettered_without_its_url(tmp_path, webhook, caplog):
    config = notify_config(tmp_path, [f"chat={json_url(webhook)}"])
    webhook.answers = [503]
    recorded(config, mails.claim(ORDER), now=NOW)
    counts, rows, _ = run(config)
    assert counts["dead"] == 0 and len(webhook.bodies) == 2           # sent again after the 503, once
    webhook.answers = [404]
    recorded(config, mails.claim("206-7777777-7777777"), now=NOW)
    logged(caplog)
    counts, rows, audit = run(config)
    [dead] = [r for r in rows if r["status"] == "dead"]
    assert counts["dead"] == 1 and len(webhook.bodies) == 3           # a 404 is not retried
    assert dead["last_error"].startswith("chat #") and "404" in dead["last_error"]
    without_secrets(json.dumps(rows, default=str), json.dumps(audit, default=str), caplog.text)


def test_a_removed_url_dead_letters_its_queued_rows_a_reordered_one_still_gets_them(tmp_path, webhook):
    first, second = f"chat={json_url(webhook)}", f"other={json_url(webhook, 'otherhook')}"
    config = notify_config(tmp_path, [first, second])
    recorded(config, mails.claim(ORDER), now=NOW)
    counts, rows, _ = run(notify_config(tmp_path, [second, first]))
    assert counts["done"] == 3 and len(webhook.bodies) == 2
    recorded(config, mails.claim("206-7777777-7777777"), now=NOW)
    counts, rows, _ = run(notify_config(tmp_path, [second]))
    [dead] = [r for r in rows if r["status"] == "dead"]
    assert dead["last_error"] == f"{config.notify.targets[0].label} is no longer in [notify] urls"


@pytest.mark.parametrize("url", [
    "gchat://workspace/key/token", "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
    "tgram://123456789:abcdefg_hijklmnop/-100123",
    "ntfy://crisis-topic", "opsgenie://apikey1234", "workflows://prod-00.westus.logic.azure.com:443/wf/sig",
    "pagerduty://integrationkey@routingkey", "mailto://user:pass@shop.example", "json://127.0.0.1:8080/hook",
])
def test_the_services_apprise_knows_are_accepted(tmp_path, url):
    config = config_from_dict(config_data(tmp_path, notify={"urls": [f"team={url}"]}))
    assert config.notify.targets[0].names == ("team",) and config.notify.targets[0].url == url
    assert url not in repr(config)


@pytest.mark.parametrize("notify, message", [
    ({"urls": ["slack://T0SECRET1"]}, "[notify] urls entry 1 (slack://...) is not a URL Apprise accepts"),
    ({"urls": ["json://127.0.0.1/x", "nosuchservice://hooksecret8"]},
     "[notify] urls entry 2 (nosuchservice://...) is not a URL Apprise accepts"),
    ({"urls": ["hooksecret8"]}, "[notify] urls entry 1 is no URL"),
    ({"urls": ["chat=json://127.0.0.1/x"], "default": ["oncall"]},
     "[notify] default: 'oncall' names no URL of [notify] urls; their names are chat"),
    ({"urls": ["chat=json://127.0.0.1/x"], "steps": {"T-2h": ["chat"]}},
     "[notify.steps] 'T-2h' is no reminder step; the steps of [reminders] are T-24h, T-6h, T-4h, T-1h, escalate"),
    ({"urls": "json://127.0.0.1/hooksecret8"}, "'urls' must be a list of strings"),
])
def test_config_errors_name_the_key_and_position_never_the_url(tmp_path, notify, message):
    with pytest.raises(ConfigError) as error:
        config_from_dict(config_data(tmp_path, notify=notify))
    assert message in str(error.value)
    without_secrets(str(error.value))


def test_webhooks_and_urls_side_by_side(tmp_path, webhook):
    config = notify_config(tmp_path, [json_url(webhook)], webhooks=[webhook.url])
    recorded(config, mails.claim(ORDER), now=NOW)
    counts, rows, _ = run(config)
    assert counts["done"] == 3
    plain, apprise = sorted(webhook.bodies, key=lambda b: "title" in b)
    assert plain["order_id"] == ORDER and plain["category"] == "atoz_claim"
    assert apprise["title"].startswith("CRISIS: A-to-Z")
    assert sorted(r["target"].split(" #")[0] for r in rows if r["kind"] == "notify") == ["url 1", "webhook 1"]


def test_the_daemons_own_log_shows_no_url_even_verbose(tmp_path, webhook):
    """`process -v` logs what Apprise and urllib3 say at DEBUG, through the daemon's log handler."""
    file = write_config(tmp_path, smtp={"capture_dir": str(tmp_path / "outgoing"), "from": "crisis@shop.example"},
                        notify={"urls": [f"chat={json_url(webhook)}"]})
    mail = tmp_path / "claim.eml"
    mail.write_bytes(mails.claim(ORDER))
    done = cli("-v", "process", "--config", str(file), str(mail))
    assert done.returncode == 0, done.stderr
    assert len(webhook.bodies) == 1 and "notify to chat #" in done.stderr
    assert "DEBUG apprise" in done.stderr and "[secret]" in done.stderr   # Apprise's own lines, scrubbed
    without_secrets(done.stdout, done.stderr)


def test_the_token_parts_of_a_url_are_hidden_not_the_words_of_its_path(tmp_path):
    config_from_dict(config_data(tmp_path, notify={"urls": [TEAMS, PAGERDUTY]}))
    line = "posting to prod-00.westus.logic.azure.com/workflows/wfsecret4 failed (routingsecret7); retry by hand"
    assert scrubbed(line) == ("posting to prod-00.westus.logic.azure.com/workflows/[secret] failed ([secret]); "
                              "retry by hand")
    assert scrubbed("the manual triggers of the services") == "the manual triggers of the services"


def test_check_config_says_where_each_url_goes_without_the_url(tmp_path):
    config = notify_config(tmp_path, [f"chat={SLACK}", f"oncall={PAGERDUTY}", "spare=json://127.0.0.1:9/x"],
                           default=["chat"], steps={"T-1h": ["oncall"], "escalate": ["oncall"]})
    findings = list(check_notify(config))
    said = "\n".join(f.what for f in findings)
    assert [f.level for f in findings] == ["ok", "ok", "warn"]
    assert "chat #" in said and "(slack://...) gets crises at arrival, T-24h, T-6h, T-4h" in said
    assert "(pagerduty://...) gets T-1h, escalate" in said and "spare #" in said
    assert "[notify] default" in findings[2].fix
    without_secrets(said)


def test_a_step_has_one_label_in_the_config_the_ladder_and_check_config(tmp_path):
    """Half hours and steps shared by categories: each label once, the earliest first, the same in
    [notify.steps], on the ladder's steps and in check-config."""
    config = config_from_dict(config_data(tmp_path, notify={"urls": ["oncall=json://127.0.0.1:9/x"],
                                                            "steps": {"T-0.5h": ["oncall"]}},
                                          reminders={"steps": {"atoz_claim": [24, 6, 1.5], "buyer_message": [6, 0.5]}}))
    assert step_labels(config.reminders) == ["T-24h", "T-6h", "T-4h", "T-1.5h", "T-1h", "T-0.5h", "escalate"]
    assert [s.label for s in reminders.ladder(config, {"category": "buyer_message"})] == ["T-6h", "T-0.5h"]
    [finding] = check_notify(config)
    assert finding.what.endswith("gets crises at arrival, T-24h, T-6h, T-4h, T-1.5h, T-1h, T-0.5h, escalate")
