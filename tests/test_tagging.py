"""The tagged copy: new Subject and X-Crisis-* headers, body bytes untouched, forgeries dropped."""

import email
import email.policy

from configs import make_config
from mails import SPANISH_CLAIM

from gateway.judging.classify import Classifier
from gateway.judging.tagging import apply_verdict
from gateway.mail.parse import parse_mail
from gateway.mail.rewrite import split_message


def test_tagged_copy(classifier):
    verdict = classifier.classify(SPANISH_CLAIM)
    tagged = apply_verdict(SPANISH_CLAIM, verdict)
    assert split_message(tagged)[2] == split_message(SPANISH_CLAIM)[2]  # body bytes identical
    message = email.message_from_bytes(tagged, policy=email.policy.default)
    assert str(message["Subject"]).startswith("[CRISIS: A-to-Z by Wed 08:00] Reclamación recibida")
    assert message["X-Crisis-Tier"] == "1"
    assert message.get_all("X-Crisis-Category") == ["atoz_claim"]  # the forged one is gone
    assert message["X-Crisis-Deadline"] == "2026-11-18T08:00:05+00:00"  # 24 h stated < 48 h
    assert message["X-Crisis-Order"] == "404-1112223-3334445"
    assert message["X-Crisis-Verified"] == "pass"
    assert str(message["X-Crisis-Original-Subject"]) == "Reclamación recibida para el pedido 404-1112223-3334445"
    assert message["Message-ID"] == "<claim-es@example.test>"
    assert all(len(line) <= 78 for line in split_message(tagged)[0].split(b"\r\n") if line.startswith((b"Subject", b" ")))


def test_tagging_twice_gives_the_same_bytes(classifier):
    once = apply_verdict(SPANISH_CLAIM, classifier.classify(SPANISH_CLAIM))
    twice = apply_verdict(once, classifier.classify(once))
    assert twice == once


def test_untouched_mail_only_loses_forged_crisis_headers(classifier):
    raw = b"From: Petra <petra@shop.example>\nSubject: Lunch\nX-Crisis-Tier: 1\n\nbody\n"
    tagged = apply_verdict(raw, classifier.classify(raw))
    assert tagged == b"From: Petra <petra@shop.example>\nSubject: Lunch\n\nbody\n"


def test_lf_only_mail_stays_lf_only(classifier):
    raw = SPANISH_CLAIM.replace(b"\r\n", b"\n")
    tagged = apply_verdict(raw, classifier.classify(raw))
    assert b"\r" not in tagged
    assert parse_mail(tagged).subject.startswith("[CRISIS: A-to-Z")


def test_a_claim_says_where_it_is_answered_and_subject_false_keeps_the_subject(tmp_path):
    config = make_config(tmp_path, tags={"subject": False})
    verdict = Classifier(config).classify(SPANISH_CLAIM)
    tagged = apply_verdict(SPANISH_CLAIM, verdict)
    subject_field = [f for f in split_message(SPANISH_CLAIM)[0].split(b"\r\n") if f.startswith(b"Subject:")]
    assert [f for f in split_message(tagged)[0].split(b"\r\n") if f.startswith(b"Subject:")] == subject_field
    message = email.message_from_bytes(tagged, policy=email.policy.default)
    assert message["X-Crisis-Tier"] == "1" and "Seller Central" in message["X-Crisis-Answer-In"]
    tag = verdict.action("tag").detail
    assert "$CrisisAnswerInSellerCentral" in tag["keywords"] and "$CrisisOpen" in tag["keywords"]
    assert tag["labels"] == ["CRISIS", "CRISIS/A-to-Z"]
