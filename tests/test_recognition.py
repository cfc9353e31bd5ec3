"""Whole classes of mail the wording rules used to miss, several mails and languages each: a
support case about an A-to-z claim stays a case, buyers writing Hindi or Arabic in Latin letters,
case status words for "waiting for you" and "opened", and the language of English newsletters."""

import zlib

import mailfactory
import pytest
from mails import buyer

from gateway.judging.language import guess_language

ORDER = "202-1234567-7654321"
CASE = "12345678901"


def _amazon(subject: str, body: str, *, sender: str = "donotreply@amazon.co.uk",
            name: str = "Amazon Selling Partner Support") -> bytes:
    return (
        "Authentication-Results: mx.example.test; dkim=pass header.d=amazon.co.uk; dmarc=pass\r\n"
        "Received: from ses by mx.example.test; Sun, 22 Nov 2026 12:00:03 +0000\r\n"
        f'From: "{name}" <{sender}>\r\nTo: support@shop.example\r\n'
        f"Subject: {subject}\r\nMessage-ID: <{zlib.crc32((subject + body).encode())}@amazonses.example>\r\n"
        "Date: Sun, 22 Nov 2026 12:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode("utf-8")


def _assert_case(verdict, status: str | None) -> None:
    assert verdict.category == "case" and verdict.tier == 2
    assert verdict.case_id == CASE and verdict.case_status == status
    assert verdict.deadline is None
    assert verdict.action("forward") is None and verdict.action("acknowledge") is None
    assert not verdict.subject.startswith("[CRISIS:")


# ----- a support case about an A-to-z claim or its appeal -----------------------------------------
ATOZ_CASES = [
    ("opened", f"Case ID {CASE}: We have received your request",
     f"You contacted us about the A-to-z Guarantee claim on order {ORDER}. We will respond soon."),
    ("answered", f"Case ID {CASE}: Amazon Selling Partner Support has replied to your case",
     f"We reviewed your appeal of the A-to-z Guarantee claim decision for order {ORDER}."),
    ("closed", f"Case ID {CASE}: A-to-z claim appeal for order {ORDER} - your case has been resolved",
     "Your case is now closed."),
    ("answered", f"Fall-ID {CASE}: Antwort zu Ihrem Fall (A-bis-z-Garantieantrag, Bestellung {ORDER})",
     "Wir haben Ihren Einspruch geprüft."),
    ("opened", f"ID de cas {CASE} : nous avons bien reçu votre demande (Garantie A à Z, commande {ORDER})",
     "Nous vous répondrons dès que possible."),
    ("closed", f"ID caso {CASE}: il caso è stato risolto - reclamo dalla A alla Z, ordine {ORDER}",
     "Il caso è chiuso."),
    ("answered", f"ケースID {CASE}: マーケットプレイス保証の申請（注文番号 {ORDER}）について回答しました",
     "ケースログをご確認ください。"),
]


@pytest.mark.parametrize("status,subject,body", ATOZ_CASES, ids=[f"{s}-{i}" for i, (s, _, _) in enumerate(ATOZ_CASES)])
def test_a_case_about_an_atoz_claim_stays_a_case_with_its_status(classifier, status, subject, body):
    verdict = classifier.classify(_amazon(subject, body))
    _assert_case(verdict, status)
    assert verdict.order_id == ORDER


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es", "pl", "ja", "tr"])
def test_factory_atoz_cases_open_no_claim_clock(classifier, lang):
    for seed in range(4):
        mail = mailfactory.make("atoz_case", lang=lang, seed=seed)
        verdict = classifier.classify(mail.raw)
        assert verdict.category == "case", mail.name
        assert verdict.case_status == mail.expected["case_status"], mail.name
        assert verdict.deadline is None and verdict.action("forward") is None, mail.name


def test_a_claim_named_in_the_subject_without_a_case_id_is_still_a_claim(classifier):
    verdict = classifier.classify(_amazon(
        f"A-to-z Guarantee claim received on order {ORDER}",
        "A buyer has filed a claim. Please respond within 48 hours.",
        sender="seller-notification@amazon.co.uk", name="Amazon Seller Central"))
    assert verdict.category == "atoz_claim" and verdict.tier == 1
    assert verdict.deadline is not None and verdict.action("forward") is not None


# ----- buyers writing their language in Latin letters ---------------------------------------------
ROMANIZED_RISK = [
    "Order abhi tak nahi mila, 2 hafte ho gaye.",
    "Mujhe mera parcel nahi mila jabki tracking mein delivered likha hai.",
    "Product kharab hai, bilkul kaam nahi karta.",
    "Galat product bheja hai, maine black colour order kiya tha.",
    "Photo mein kuch aur dikhaya tha, ye to bilkul alag hai. Refund chahiye.",
    "Box khola to andar glass tuta hua tha.",
    "Ye nakli hai, original nahi hai.",
    "El order ma wasal lehad el7ein.",
    "Lessa ma wasalni el talab, wain el shohna?",
    "Ana ma istalamt el shohna abadan.",
    "El montaj mo nafs el sora.",
    "Wasalni product ghalat, mokhtalef tamaman.",
    "El jehaz maksoor w mish shaghal.",
]
ROMANIZED_ROUTINE = [
    "Bhai order kab tak deliver hoga?",
    "Kya ye size M mein available hai?",
    "Mujhe GST invoice chahiye, please bhej dijiye.",
    "Kya aap address change kar sakte ho? Flat number galat likh diya.",
    "Marhaba, mata yewsal el talab?",
    "Momken fatoora lel talab? Shukran.",
    "Momken ataghyer el 3enwan? Ketabt raqam el shaqqa ghalat.",
]


# the same buyers when their keyboard writes Devanagari
HINDI_RISK = ["मेरा ऑर्डर अभी तक नहीं मिला", "प्रोडक्ट खराब है", "गलत प्रोडक्ट भेजा है", "डिब्बे में सामान टूटा हुआ था"]
HINDI_ROUTINE = ["क्या मेरा ऑर्डर कल तक मिलेगा?", "क्या यह साइज़ एल में उपलब्ध है?"]


@pytest.mark.parametrize("text", ROMANIZED_RISK + HINDI_RISK)
def test_not_received_or_not_as_described_in_latin_letters_is_a_claim_risk(classifier, text):
    verdict = classifier.classify(buyer(ORDER, text, domain="amazon.in"))
    assert verdict.category == "atoz_risk" and verdict.tier == 1, verdict.trace
    assert verdict.action("forward") is not None


@pytest.mark.parametrize("text", ROMANIZED_ROUTINE + HINDI_ROUTINE)
def test_a_question_in_latin_letters_stays_a_buyer_message(classifier, text):
    verdict = classifier.classify(buyer(ORDER, text, domain="amazon.ae"))
    assert verdict.category == "buyer_message" and verdict.tier == 2, verdict.trace
    assert verdict.action("forward") is None and verdict.action("acknowledge") is not None


@pytest.mark.parametrize("marketplace", ["IN", "AE"])
def test_factory_romanized_buyers_get_their_verdict(classifier, marketplace):
    for seed in range(6):
        for kind, category in (("atoz_risk_romanized", "atoz_risk"), ("buyer_message_romanized", "buyer_message")):
            mail = mailfactory.make(kind, marketplace=marketplace, seed=seed)
            assert classifier.classify(mail.raw).category == category, mail.name


# ----- case status: answered and waiting for the seller, opened ------------------------------------
WAITING = [
    "Your case needs your attention", "Action required on your case", "Your case requires your action",
    "Your case requires attention",
    "Ihr Fall erfordert Ihre Aufmerksamkeit", "Handlungsbedarf bei Ihrem Fall",
    "votre cas nécessite votre attention", "action requise concernant votre cas",
    "il tuo caso richiede la tua attenzione", "tu caso requiere tu atención", "uw zaak vereist uw aandacht",
    "Twoje zgłoszenie wymaga Twojej uwagi", "åtgärd krävs för ditt ärende", "ケースへのご対応が必要です",
    "seu caso precisa da sua atenção", "destek kaydınız için işlem yapmanız gerekiyor",
    "مطلوب إجراء بشأن حالتك", "في انتظار ردك",
]
OPENED = [
    "Your case has been opened", "Your case has been re-opened", "Ihr Fall wurde eröffnet", "Fall eröffnet",
    "votre cas a été ouvert",
    "il tuo caso è stato aperto", "se ha abierto tu caso", "uw zaak is geopend", "Twoje zgłoszenie zostało otwarte",
    "ditt ärende har öppnats", "ケースが開始されました", "seu caso foi aberto", "destek kaydınız açıldı",
    "تم فتح الحالة",
]


@pytest.mark.parametrize("words", WAITING)
def test_amazon_answered_and_waits_for_the_seller(classifier, words):
    _assert_case(classifier.classify(_amazon(f"Case ID {CASE}: {words}", "https://sellercentral.amazon.co.uk/cu")),
                 "answered")


@pytest.mark.parametrize("words", OPENED)
def test_an_opened_case(classifier, words):
    _assert_case(classifier.classify(_amazon(f"Case ID {CASE}: {words}", "https://sellercentral.amazon.co.uk/cu")),
                 "opened")


@pytest.mark.parametrize("body,status", [
    (f"Your case {CASE} needs your attention: please send the invoice.", "answered"),
    (f"Ihr Fall {CASE} wartet auf Ihre Antwort.", "answered"),
    (f"Votre cas {CASE} est en attente de votre réponse.", "answered"),
    (f"Ihr Fall {CASE} wurde eröffnet.", "opened"),
    (f"Il caso {CASE} è stato aperto.", "opened"),
])
def test_the_body_tells_the_status_when_the_subject_does_not(classifier, body, status):
    _assert_case(classifier.classify(_amazon(f"Case ID {CASE}", body)), status)


def test_waiting_words_never_hide_a_closed_case(classifier):
    subject = f"Case ID {CASE}: your case has been closed, no action required"
    _assert_case(classifier.classify(_amazon(subject, "")), "closed")


# ----- the language of English newsletters -------------------------------------------------------
NEWSLETTERS = [
    "Seller News from Amazon.com\n\nDo more with Amazon Business: learn more at "
    "https://sellercentral.amazon.com/gp/help/external/G201829010?ref=da_news_com_e_mail\n"
    "Update your e-mail preferences: https://sellercentral.amazon.com/notifications?o=e\n"
    "Amazon.com, Inc. or its affiliates, 410 Terry Avenue North, Seattle, WA.",
    "Prime Day is coming. Submit your deals at sellercentral.amazon.com.br/deals?o=da or write to "
    "seller-news@amazon.com. Do it today.",
    "Fee changes for 2027: see www.amazon.com/fees?ref=o_e_da and https://m.media-amazon.com/o/da/e.pdf",
]


@pytest.mark.parametrize("text", NEWSLETTERS)
@pytest.mark.parametrize("candidates", [(), ("en",), ("en", "es"), ("en", "fr")])
def test_english_newsletters_are_english(text, candidates):
    assert guess_language(text, candidates) == "en"


@pytest.mark.parametrize("text,candidates,language", [
    ("Olá, o meu pedido não chegou e o rastreio diz que foi entregue. Obrigado", ("pt",), "pt"),
    ("Hola, mi pedido no ha llegado, por favor envíenme el e-mail de seguimiento. Gracias", ("en", "es"), "es"),
    ("Ciao, il mio ordine non è arrivato, vi ho scritto una e-mail. Grazie", ("it",), "it"),
    ("Bonjour, je n'ai pas reçu ma commande, pouvez-vous vérifier sur www.laposte.fr ?", ("fr", "nl"), "fr"),
])
def test_other_languages_keep_their_guess(text, candidates, language):
    assert guess_language(text, candidates) == language


def test_a_newsletter_mail_is_acknowledged_in_no_other_language(classifier):
    raw = _amazon("Seller News: five things to do before the holidays", NEWSLETTERS[0],
                  sender="seller-news@amazon.com", name="Amazon Seller News")
    assert classifier.classify(raw).language == "en"
