"""Rule files: validation with errors that name file and rule; first match; user rule files."""

import shutil

import pytest
from configs import MINIMAL_CONFIG
from processes import cli

from gateway.config import config_from_dict
from gateway.config.shipped import shipped_dir
from gateway.judging.classify import Classifier
from gateway.judging.rules import RuleFileErrors, load_rules

SHIPPED = shipped_dir("rules")


def write(directory, name, text):
    (directory / name).write_text(text, "utf-8")


def test_shipped_rules_are_valid():
    ruleset = load_rules(SHIPPED)
    categories = {r.category for r in ruleset.rules}
    assert categories == {
        "atoz_claim", "atoz_decision", "atoz_risk", "chargeback", "account_health", "buyer_message", "case",
        "return_request", "refund", "cancellation_request", "feedback", "other",
    }
    assert ruleset.rules[-1].name == "other"


@pytest.mark.parametrize(
    "body, message",
    [
        ('name = "x"\ncategory = "case"\ntier = 3\nwhen = {}', "'tier' must be 1 or 2"),
        ('name = "x"\ncategory = "case"\nwindow = "two days"\nwhen = {}', "'window' must look like"),
        ('name = "x"\ncategory = "case"\nwhen = { subjct = ["a"] }', "unknown condition 'when.subjct'"),
        ('name = "x"\ncategory = "case"\nwhen = { subject = ["re:(unclosed"] }', "regular expression"),
        ('name = "x"\ncategory = "case"\nactions = ["explode"]\nwhen = {}', "'actions' must be a list"),
        ('name = "x"\ncategory = "case"\nwhen = { sender = "martians" }', "'sender' value 'martians'"),
        ('name = "x"\ncategory = "case"', "'when' is required"),
        ('name = "x"\ncategory = "case"\nstated_deadline = true\nwhen = {}', "needs a 'window'"),
        ('category = "case"\nwhen = {}', "'name' is required"),
        ('name = "x"\ncategory = "case"\ncolour = "red"\nwhen = {}', "unknown key 'colour'"),
    ],
)
def test_broken_rule_is_named_with_its_file(tmp_path, body, message):
    write(tmp_path, "50-mine.toml", "[[rule]]\n" + body + "\n")
    with pytest.raises(RuleFileErrors) as caught:
        load_rules(tmp_path)
    problem = caught.value.problems[0]
    assert problem.startswith("50-mine.toml: rule ")
    assert message in problem


def test_every_problem_is_reported_at_once(tmp_path):
    write(tmp_path, "10-a.toml", "[[rule]]\nname = \"a\"\ncategory = \"case\"\ntier = 9\nwhen = {}\n")
    write(tmp_path, "20-b.toml", "this is = not toml [\n")
    write(tmp_path, "30-c.toml", "[[rule]]\nname = \"a\"\ncategory = \"case\"\nwhen = {}\n[[rule]]\nname = \"a\"\ncategory = \"case\"\nwhen = {}\n")
    with pytest.raises(RuleFileErrors) as caught:
        load_rules(tmp_path)
    text = str(caught.value)
    assert "10-a.toml: rule a: 'tier'" in text
    assert "20-b.toml: not valid TOML" in text
    assert "30-c.toml: rule a: name already used in 30-c.toml" in text


def test_rules_check_command(tmp_path):
    write(tmp_path, "50-mine.toml", "[[rule]]\nname = \"mine\"\ncategory = \"case\"\ntier = 7\nwhen = {}\n")
    bad = cli("rules", "check", "--rules", str(tmp_path))
    assert bad.returncode == 1
    assert "50-mine.toml: rule mine: 'tier' must be 1 or 2" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = cli("rules", "check")
    assert good.returncode == 0 and "all valid" in good.stdout


def test_user_rule_file_takes_effect_without_code(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED, rules)
    write(rules, "05-supplier.toml", """
[[rule]]
name = "supplier-recall"
category = "account_health"
tier = 1
window = "12h"
tag = "Recall"
actions = ["tag", "forward"]
when = { from_domain = ["*.supplier.example"], subject = { en = ["recall"], de = ["Rückruf"] } }
""")
    config = config_from_dict({**MINIMAL_CONFIG, "gateway": {"rules_dir": str(rules)}})
    raw = (
        b"From: QA <qa@mail.supplier.example>\r\nSubject: =?utf-8?q?R=C3=BCckruf?= Charge 42\r\n"
        b"Date: Mon, 16 Nov 2026 10:00:00 +0000\r\n\r\nBitte sofort stoppen.\r\n"
    )
    verdict = Classifier(config).classify(raw)
    assert verdict.rule == "supplier-recall"
    assert verdict.subject == "[CRISIS: Recall by Mon 22:00] Rückruf Charge 42"
    assert any("subject says de:'Rückruf'" in line for line in verdict.trace)


def test_first_match_wins_and_trace_says_why(classifier):
    raw = (
        b"Authentication-Results: mx.example.test; dkim=pass header.d=amazon.com; dmarc=pass\r\n"
        b"From: A-to-z Guarantee <atoz-guarantee-no-reply@amazon.com>\r\n"
        b"Subject: Claim received on order 111-2223334-4445556\r\n"
        b"X-Space-Notification-Type: A_Z_CLAIM_RESPONDENT_NOTIFY\r\n\r\nA claim.\r\n"
    )
    verdict = classifier.classify(raw)
    assert verdict.rule == "atoz-claim-notification"
    assert any("A_Z_CLAIM_RESPONDENT_NOTIFY" in line for line in verdict.trace)


@pytest.mark.parametrize(
    "written",
    ["Nie otrzymalem paczki", "NIE OTRZYMAŁEM PACZKI", "ÜRÜN ÇALIŞMIYOR", "urun calismiyor", "Le colis n'est jamais arrive",
     "ES UNA FALSIFICACION", "届いていません", "ｆａｋｅ"],
)
def test_buyer_words_match_without_their_accents_or_case(classifier, written):
    import mails

    verdict = classifier.classify(mails.buyer("212-1111111-2222222", written))
    assert verdict.category == "atoz_risk", verdict.trace


def test_amazon_newsletter_about_account_health_topics_is_not_a_crisis(classifier):
    raw = (b"Authentication-Results: mx.example.test; dkim=pass header.d=amazon.com; dmarc=pass\r\n"
           b"From: Amazon Seller News <seller-news@amazon.com>\r\nSubject: Protect your intellectual property with Brand Registry\r\n"
           b"List-Unsubscribe: <https://sellercentral.amazon.com/unsub>\r\nPrecedence: bulk\r\n\r\nWebinar on Tuesday.\r\n")
    verdict = classifier.classify(raw)
    assert verdict.tier is None and verdict.category == "other"


def test_brazilian_refund_called_estorno_is_not_a_chargeback(classifier):
    raw = ("Authentication-Results: mx.example.test; dkim=pass header.d=amazon.com.br; dmarc=pass\r\n"
           "From: Amazon Seller Central <donotreply@amazon.com.br>\r\n"
           "Subject: Estorno iniciado para o pedido 701-1234567-7654321\r\n\r\nO estorno de R$ 59,90 foi iniciado.\r\n").encode()
    verdict = classifier.classify(raw)
    assert verdict.category == "refund" and verdict.tier == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("rule = [1]\n", "each [[rule]] must be a table"),
        ('[[rule]]\nname = "x"\ncategory = "case"\nwindow = "9999999999d"\nwhen = {}\n', "'window' must look like"),
        ('[[rule]]\nname = "x"\ncategory = "case"\nwindow = "999999d"\nwhen = {}\n', "between 1 minute and 366 days"),
        ('[[rule]]\nname = "x"\ncategory = "case"\nwhen = 5\n', "'when' must be a table"),
        ('[[rule]]\nname = "x"\ncategory = "case"\nwhen = { header = ["x"] }\n', "'header' must be a table"),
    ],
)
def test_odd_rule_files_are_errors_not_crashes(tmp_path, text, message):
    write(tmp_path, "50-odd.toml", text)
    result = cli("rules", "check", "--rules", str(tmp_path))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
