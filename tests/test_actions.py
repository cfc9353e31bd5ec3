"""Actions are small named classes in one table: rules are checked against it, the classifier plans
from it, the outbox runs from it, and a new action is one class and one entry."""

from __future__ import annotations

import email
import email.policy
import importlib
import pkgutil
from datetime import datetime, timezone
from typing import Any

import mails
import pytest

import gateway.actions
from gateway.actions import ACTIONS, rule_actions
from gateway.actions.base import Action, Job, Outgoing
from gateway.actions.mailing import gateway_fields, text_mail
from gateway.config import config_from_dict
from gateway.intake.pipeline import Pipeline
from gateway.judging.blockers import Context, not_tier1
from gateway.judging.classify import Classifier
from gateway.judging.rules import RuleFileErrors, load_rules
from gateway.mail import maildir
from gateway.outgoing.outbox import Outbox
from gateway.state import State

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
ORDER = "114-2682884-2909064"


def test_every_action_module_holds_the_action_named_like_it():
    modules = {m.name for m in pkgutil.iter_modules(gateway.actions.__path__)} - {"base", "mailing"}
    assert modules == set(ACTIONS)
    for name in modules:
        module = importlib.import_module(f"gateway.actions.{name}")
        own = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Action)
               and v.__module__ == module.__name__]
        assert [cls.NAME for cls in own] == [name]
        assert type(ACTIONS[name]) is own[0]


def test_rules_may_ask_for_the_rule_actions_only():
    assert rule_actions() == ("tag", "forward", "acknowledge", "notify")
    assert not any(ACTIONS[name].FROM_RULES for name in ("remind", "escalate", "reopen", "nudge", "warn", "digest"))


def test_the_shipped_rules_use_known_actions(config):
    used = {a for rule in Classifier(config).rules.rules for a in rule.actions}
    assert used and used <= set(rule_actions())


@pytest.mark.parametrize("action", ["explode", "remind", "digest"])
def test_an_action_no_rule_may_ask_for_names_the_file_the_rule_and_the_known_actions(tmp_path, action):
    (tmp_path / "50-mine.toml").write_text(
        f'[[rule]]\nname = "mine"\ncategory = "case"\nactions = ["tag", "{action}"]\nwhen = {{}}\n', "utf-8")
    with pytest.raises(RuleFileErrors) as error:
        load_rules(tmp_path)
    message = str(error.value)
    assert message.startswith("50-mine.toml: rule mine: ")
    assert repr(action) in message and "tag, forward, acknowledge, notify" in message


class Page(Action):
    """A made-up action: a text mail to an on-call address for tier-1 mail."""

    NAME = "page"
    FROM_RULES = True
    BLOCKERS = (not_tier1,)
    NEEDS_MESSAGE = True

    def plan(self, ctx: Context) -> dict[str, Any]:
        return {"to": "oncall@shop.example"}

    def compose(self, job: Job) -> Outgoing:
        assert job.message is not None
        fields = gateway_fields(job.config, job.row, f"PAGE {job.message['order_id']}", job.now)
        return Outgoing(job.config.smtp.sender, [job.row["target"]], text_mail(fields, "wake up\n"))


def test_a_new_action_is_one_class_and_one_table_entry(tmp_path, monkeypatch):
    """Registered in the table, it is accepted in a rule, planned (and blocked) by the classifier,
    queued by the pipeline and composed and sent by the outbox, with no other change."""
    monkeypatch.setitem(ACTIONS, "page", Page())
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "10-claims.toml").write_text(
        '[[rule]]\nname = "claim"\ncategory = "atoz_claim"\ntier = 1\nwindow = "48h"\nactions = ["tag", "page"]\n'
        'when = { header = { "X-Space-Notification-Type" = ["A_Z_CLAIM*"] } }\n'
        '[[rule]]\nname = "rest"\ncategory = "other"\nactions = ["page"]\nwhen = {}\n', "utf-8")
    captured = tmp_path / "outgoing"
    config = config_from_dict({
        "gateway": {"state_dir": str(tmp_path / "state"), "rules_dir": str(rules)},
        "mailbox": [{"address": "support@shop.example"}],
        "trust": {"authserv_ids": ["mx.example.test"]},
        "escalation": {"tier1": ["crisis@shop.example"]},
        "smtp": {"from": "crisis@shop.example", "capture_dir": str(captured)},
        "digest": {"enabled": False},
    })
    classifier = Classifier(config)
    claim = classifier.classify(mails.claim(ORDER), NOW)
    assert claim.action("page") is not None and claim.action("page").detail == {"to": "oncall@shop.example"}
    other = classifier.classify(mails.buyer(ORDER, "Where is my parcel?"), NOW)
    assert other.action("page") is None and "page: not done, only tier-1 crises are escalated" in other.trace

    with State(config.state_dir) as state:
        outcome = Pipeline(classifier, state).handle(mails.claim(ORDER), now=NOW)
        assert outcome.status == "recorded"
        assert Outbox(config, state).run() == {"done": 1, "dead": 0, "waiting": 0}
        assert [(r["kind"], r["target"], r["status"]) for r in Outbox(config, state).rows()] == [
            ("page", "oncall@shop.example", "done")]
    sent = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in maildir.mail_files(captured)]
    assert [(m["To"], m["Subject"], m["Auto-Submitted"]) for m in sent] == [
        ("oncall@shop.example", f"PAGE {ORDER}", "auto-generated")]
