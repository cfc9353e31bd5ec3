"""Mail factory: NEW realistic Amazon seller-support mails, with the verdict each must get.

It writes mails of the kinds the gateway classifies (A-to-z claims and decisions, buyer messages
with and without claim risk, chargebacks, account health, Seller/Vendor Central cases, returns,
refunds, cancellations, feedback, unrelated mail and spoofs), in the marketplace languages and in
the encodings real mail arrives in, so the classifier can be tested on mail it has never seen.
Classes that rules easily miss have kinds of their own: support cases about an A-to-z claim or
its appeal (atoz_case), case subjects whose status words alone tell "waiting for you" or
"opened" (case_status_words), and buyers writing Hindi or Arabic in Latin letters
(atoz_risk_romanized, buyer_message_romanized).

    make(kind, lang=..., marketplace=..., encoding=..., seed=..., arrival=...) -> FactoryMail
    generate(count, seed=...)   a deterministic stream shaped like a real inbox
    all_variants(seed=...)      one mail for every (kind, language) pair, encodings rotated

Phrase tables are data (one dict per language, `PHRASES`); builders below them are small.
Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import html
import html.entities
import random
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Iterator


@dataclass(frozen=True)
class FactoryMail:
    name: str          # short unique slug, e.g. "atoz_claim-ja-iso-2022-jp-3"
    raw: bytes         # the complete RFC 5322 message, CRLF line endings
    expected: dict     # the verdict it must get (keys as in the corpus manifest)


KINDS: tuple[str, ...] = (
    "atoz_claim", "atoz_decision", "atoz_risk", "buyer_message", "buyer_autoreply", "chargeback",
    "account_health", "case", "return_request", "refund", "cancellation_request", "feedback",
    "other", "spoof_dmarc", "spoof_lookalike", "atoz_case", "case_status_words", "atoz_risk_romanized",
    "buyer_message_romanized",
)
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "it", "es", "nl", "pl", "sv", "ja", "pt", "tr")
ENCODINGS: tuple[str, ...] = (
    "utf-8-qp", "utf-8-base64", "utf-8-8bit", "latin-1", "iso-2022-jp", "shift_jis",
    "html-only", "multipart-alternative",
)
EXPECTED_KEYS = ("category", "tier", "order_id", "case_id", "case_status", "marketplace",
                 "suspicious", "ack", "forward", "deadline")

AUTHSERV = "mx.example.test"
SELLER_ADDRESS = "support@shop.example"

# code: (domain, marketplace id, currency template, decimal comma)
MARKETPLACES: dict[str, tuple[str, str, str, bool]] = {
    "US": ("amazon.com", "ATVPDKIKX0DER", "${v}", False),
    "CA": ("amazon.ca", "A2EUQ1WTGCTBG2", "CDN${v}", False),
    "MX": ("amazon.com.mx", "A1AM78C64UM0Y8", "${v} MXN", False),
    "BR": ("amazon.com.br", "A2Q3Y263D00KWC", "R$ {v}", True),
    "UK": ("amazon.co.uk", "A1F83G8C2ARO7P", "£{v}", False),
    "IE": ("amazon.ie", "A28R8C7NBKEWEA", "€{v}", False),
    "DE": ("amazon.de", "A1PA6795UKMFR9", "{v} €", True),
    "FR": ("amazon.fr", "A13V1IB3VIYZZH", "{v} €", True),
    "IT": ("amazon.it", "APJ6JRA9NG5V4", "{v} €", True),
    "ES": ("amazon.es", "A1RKKUPIHCS9HS", "{v} €", True),
    "NL": ("amazon.nl", "A1805IZSGTT6HS", "€ {v}", True),
    "BE": ("amazon.com.be", "AMEN7PMS3EDWL", "{v} €", True),
    "PL": ("amazon.pl", "A1C3SOZRARQ6R3", "{v} zł", True),
    "SE": ("amazon.se", "A2NODRKZP88ZB9", "{v} kr", True),
    "TR": ("amazon.com.tr", "A33AVAJ2PDY3EV", "{v} TL", True),
    "AE": ("amazon.ae", "A2VIGQ35RCS4UG", "AED {v}", False),
    "IN": ("amazon.in", "A21TJRUUN4KGV", "₹{v}", False),
    "JP": ("amazon.co.jp", "A1VC38T7YXB528", "￥{v}", False),
    "AU": ("amazon.com.au", "A39IBJ37TRP1C6", "A${v}", False),
    "SG": ("amazon.sg", "A19VAU5U5O7RUS", "S${v}", False),
}
LANG_MARKETPLACES: dict[str, tuple[str, ...]] = {
    "en": ("US", "UK", "CA", "AU", "IN", "SG", "IE"), "de": ("DE",), "fr": ("FR", "BE"),
    "it": ("IT",), "es": ("ES", "MX"), "nl": ("NL", "BE"), "pl": ("PL",), "sv": ("SE",),
    "ja": ("JP",), "pt": ("BR",), "tr": ("TR",),
}
# first two digits of order ids by marketplace (the third is random)
ORDER_PREFIX = {"US": "11", "CA": "70", "MX": "70", "BR": "70", "UK": "20", "IE": "40", "DE": "30",
                "FR": "40", "IT": "40", "ES": "40", "NL": "40", "BE": "40", "PL": "40", "SE": "40",
                "TR": "40", "AE": "40", "IN": "40", "JP": "50", "AU": "25", "SG": "50"}
# charsets tried, in turn, for the "latin-1" encoding
LEGACY_CHARSETS = {"pl": ("iso-8859-2", "windows-1250"), "tr": ("iso-8859-9", "windows-1254"), "ja": ()}
WESTERN_CHARSETS = ("iso-8859-1", "iso-8859-15", "windows-1252")

SELLER_NAMES = ("Brightwood Home", "Nordlicht Küchenwelt", "Casa Solare", "Kestrel Outdoor", "Maison Lumen")
SELLER_NAMES_JA = ("ブライトウッド・ホーム", "さくら雑貨店", "Kestrel Outdoor Japan")
ITEMS = {
    "en": ("Cast Iron Skillet 26 cm", "Bamboo Cutting Board Set (3 pcs)", "Wireless Earbuds with Charging Case",
           "Stainless Steel French Press 1L", "Kids Rain Jacket, Navy, 110 cm", "USB-C Hub 7-in-1"),
    "de": ("Gusseisenpfanne 28 cm", "Edelstahl-Thermoskanne 1 l", "Kinder-Regenjacke, Größe 116",
           "LED-Schreibtischlampe dimmbar", "Glasbehälter mit Deckel (10er-Set)"),
    "fr": ("Poêle en fonte 26 cm", "Théière en fonte 1,2 L", "Veste de pluie enfant, taille 6 ans",
           "Lampe de bureau LED", "Coffret de couteaux de cuisine"),
    "it": ("Moka in acciaio 6 tazze", "Padella antiaderente 28 cm", "Zaino da trekking 30 L",
           "Lampada da tavolo LED", "Set di asciugamani in cotone"),
    "es": ("Sartén de hierro fundido 26 cm", "Mochila de senderismo 30 L", "Auriculares inalámbricos",
           "Juego de sábanas de algodón", "Lámpara de escritorio LED"),
    "nl": ("Gietijzeren koekenpan 26 cm", "Regenjas voor kinderen, maat 116", "Fietsverlichting set",
           "Bamboe snijplankenset (3 stuks)", "Thermosfles 750 ml"),
    "pl": ("Patelnia żeliwna 26 cm", "Plecak turystyczny 30 l", "Słuchawki bezprzewodowe",
           "Lampka biurkowa LED", "Komplet pościeli bawełnianej"),
    "sv": ("Stekpanna i gjutjärn 26 cm", "Regnjacka för barn, strl 110", "Trådlösa hörlurar",
           "Skrivbordslampa LED", "Termos i rostfritt stål 1 l"),
    "ja": ("南部鉄器 急須 0.6L", "ステンレス製 電気ケトル 1.0L", "ワイヤレスイヤホン 充電ケース付き",
           "子供用レインコート 110cm", "竹製まな板セット"),
    "pt": ("Frigideira de ferro fundido 26 cm", "Mochila de trilha 30 L", "Fones de ouvido sem fio",
           "Luminária de mesa LED", "Jogo de lençóis de algodão"),
    "tr": ("Döküm tava 26 cm", "Paslanmaz çelik termos 1 L", "Kablosuz kulaklık",
           "LED masa lambası", "Pamuklu nevresim takımı"),
}
BUYER_NAMES = {
    "en": ("Noah", "Olivia", "Liam", "Priya", "James", "Chloe", "Aarav", "Mia"),
    "de": ("Emma", "Lukas", "Jürgen", "Sophie", "Felix", "Hannah"),
    "fr": ("Camille", "Léa", "Hugo", "Chloé", "Mathis", "Inès"),
    "it": ("Giulia", "Marco", "Chiara", "Luca", "Francesca", "Niccolò"),
    "es": ("Lucía", "Pablo", "Martina", "Sergio", "María", "Alejandro"),
    "nl": ("Daan", "Sanne", "Bram", "Fleur", "Jeroen", "Lotte"),
    "pl": ("Zofia", "Jakub", "Małgorzata", "Piotr", "Łukasz", "Agnieszka"),
    "sv": ("Elsa", "Oskar", "Åsa", "Lars", "Maja", "Björn"),
    "ja": ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺"),
    "pt": ("João", "Ana", "Lucas", "Beatriz", "Gabriel", "Conceição"),
    "tr": ("Ayşe", "Mehmet", "Zeynep", "Emre", "Gülşen", "Çağrı"),
}

# ---------------------------------------------------------------------------------------------
# Phrase tables, one dict per language. Placeholders: {order} {amount} {reason} {window}
# {seller} {name} {item} {asin} {case} {topic} {url} {host} {tracking} {carrier} {date} {n}.
# ---------------------------------------------------------------------------------------------
PHRASES: dict[str, dict] = {}

PHRASES["en"] = {
    "atoz_from": ("Amazon A-to-z Guarantee", "A-to-z Guarantee"),
    "claim_subjects": (
        "Claim received on order {order}",
        "A-to-z Guarantee claim received on order {order}",
        "Action required: claim on order {order}",
        "Your response is needed for order {order}",
    ),
    "claim_bodies": (
        "Dear {seller},\n\nWe received an A-to-z Guarantee claim of {amount} on the order {order}. "
        "Claim reason: {reason}. {window}\n\nView the claim: {url}\n\nAmazon Services",
        "Hello {seller},\n\nA buyer has filed a claim under the A-to-z Guarantee for order {order} "
        "({amount}). Reason given by the buyer: {reason}.\n\n{window} If we do not hear from you, "
        "we may grant the claim and debit your account.\n\n{url}\n\nSincerely,\nAmazon Services",
    ),
    "claim_reasons": ("Item not received", "Item materially different from description",
                      "Item arrived damaged or defective", "Buyer returned the item but was not refunded"),
    "window_hours": "Please respond within {n} hours.",
    "window_days": "Please respond within {n} days.",
    "decision_subjects": {
        "granted": ("Decision on the claim for order {order}: claim granted",
                    "A-to-z Guarantee claim decision for order {order}"),
        "denied": ("Decision on the claim for order {order}: claim denied",
                   "Claim closed in your favor: order {order}"),
    },
    "decision_bodies": {
        "granted": "Dear {seller},\n\nWe have reviewed the A-to-z Guarantee claim on order {order} and "
                   "decided to grant it. The buyer has been refunded {amount}, and this amount has been "
                   "debited from your account.\n\nYou can appeal this decision in Seller Central: {url}\n\n"
                   "Amazon Services",
        "denied": "Dear {seller},\n\nAfter reviewing the information you provided, we have denied the "
                  "A-to-z Guarantee claim on order {order}. No amount will be debited from your "
                  "account.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Order delivery inquiry from Amazon customer {name} (Order: {order})",
        "product": "Product details inquiry from Amazon customer {name} (Order: {order})",
        "return": "Return inquiry from Amazon customer {name} (Order: {order})",
        "other": "Inquiry from Amazon customer {name} (Order: {order})",
    },
    "order_line": "Order ID {order}:",
    "item_line": "1 of {item} [ASIN: {asin}]",
    "begin": "------------- Begin message -------------",
    "end": "------------- End message -------------",
    "footer": "For Your Information: To help arbitrate disputes and preserve trust and safety, we "
              "retain all messages buyers and sellers send through Amazon for two years.",
    "helpful": "Was this email helpful?",
    "risk": {
        "not_received": (
            "My package never arrived.",
            "Tracking says it was delivered on Monday but there is nothing here, I checked with all my neighbours.",
            "It has been three weeks and I still haven't received my order.",
            "The parcel never showed up and the tracking hasn't moved in ten days.",
        ),
        "not_as_described": (
            "The item I received is not what was shown in the listing.",
            "This is not as described at all, the colour and the size are completely different.",
            "You sent me the wrong model, the one in the pictures has two USB ports, this one has none.",
        ),
        "damaged": (
            "The item arrived broken, the glass was shattered inside the box.",
            "It stopped working after two days and now it won't even turn on.",
            "The box was crushed and the product is damaged beyond use.",
        ),
        "counterfeit": (
            "This is clearly a fake, the logo is printed crooked and there is no serial number.",
            "I compared it with the original from the brand store and this is a counterfeit.",
            "The packaging looks like a cheap knock-off, not the genuine product.",
        ),
        "threat": (
            "If I don't hear back today I will file an A-to-z claim.",
            "I want a full refund or I will open an A-to-z Guarantee claim.",
            "If this isn't sorted by Friday I'm disputing the charge with my bank.",
            "I will file a chargeback with my credit card company if I don't get my money back.",
        ),
    },
    "routine": {
        "delivery": ("Hi, could you tell me when my order will be delivered? I need it before the weekend.",
                     "Hello, has my order shipped yet? I'd like to know the expected delivery date."),
        "address": ("Hi, I made a mistake in my address, the flat number should be 4B. Can you still change it?",),
        "size": ("Hello, does this run small? I usually wear a medium, should I order a large?",
                 "What are the exact dimensions of the item? Will it fit in a 30 cm drawer?"),
        "invoice": ("Hi, could you please send me a VAT invoice for this order? It's for my company.",),
        "gift": ("Is it possible to add gift wrapping and a short note? It's a birthday present.",),
        "compat": ("Is this compatible with a MacBook Air from 2020? Thanks in advance.",
                   "Will this work on an induction hob?"),
    },
    "autoreply": (
        "I am out of the office until Monday and will read your message then.",
        "Thank you for your email. I am currently on holiday with limited access to email and will reply when I return.",
    ),
    "autoreply_subject": "Automatic reply: Inquiry from Amazon customer {name} (Order: {order})",
    "chargeback_subjects": ("Chargeback dispute on order {order}: response required",
                            "Chargeback notification for order {order}"),
    "chargeback_body": "Hello {seller},\n\nThere is a chargeback dispute involving the following "
                       "transaction:\n\nOrder number: {order}\nItems purchased: 1 of ({item})\n"
                       "Amount: {amount}\n\nPlease respond with proof of delivery within 7 days, or we "
                       "may debit your account.\n\nAmazon Services",
    "ah_subjects": ("Your Amazon selling account has been deactivated",
                    "Action required: policy warning for your account",
                    "Your listing has been removed (ASIN {asin})",
                    "Your Order Defect Rate is above our target"),
    "ah_body": "Hello,\n\nWe are contacting you about your Amazon selling account. We received "
               "complaints from buyers about the condition and authenticity of items you sold "
               "(ASIN {asin}). Please submit a plan of action on the Account Health page.\n\n{url}\n\n"
               "Seller Performance Team\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("Case ID {case}: We have received your request",
                   "Case ID {case}: Thank you for contacting Amazon Selling Partner Support"),
        "answered": ("Case ID {case}: Amazon Selling Partner Support has replied to your case",
                     "Case ID {case}: A response is waiting for you"),
        "closed": ("Case ID {case}: Your case has been resolved",
                   "Case ID {case}: Your case has been closed"),
    },
    "case_bodies": {
        "opened": "Hello,\n\nThank you for contacting Amazon Support. Your case ID is {case}. We "
                  "received your request about '{topic}' and will respond as soon as possible.\n\n{url}\n\nAmazon",
        "answered": "Hello,\n\nWe have replied to your case {case} about '{topic}'. To view our reply, "
                    "go to the case log.\n\n{url}\n\nAmazon",
        "closed": "Hello,\n\nYour case {case} about '{topic}' has been resolved and is now closed. If "
                  "the issue is not fixed, you can reopen the case within 14 days.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - we received your request",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support replied",
        "closed": "[CASE {case}] {topic} - your case has been resolved",
    },
    "case_topics": ("Listing not visible in search", "Inventory not received at fulfillment center",
                    "Change brand name on ASIN {asin}", "Payment hold on disbursement"),
    "return_subjects": ("Return authorization notification for order {order}",
                        "Return request for order {order}"),
    "return_body": "Order ID: {order}\nItem: {item}\nASIN: {asin}\nReturn reason: {reason}\n"
                   "Return request date: {date}\nAuthorization: Auto-authorized by Amazon",
    "return_reasons": ("Defective", "No longer needed", "Wrong size", "Ordered by mistake"),
    "refund_subjects": ("Refund issued for order {order}", "Refund confirmation for order {order}"),
    "refund_body": "Hello {seller},\n\nA refund of {amount} was issued to the buyer for order {order} "
                   "({item}).\n\nAmazon Services",
    "cancel_subjects": ("Cancellation request for order {order}",
                        "The buyer has requested to cancel order {order}"),
    "cancel_body": "The buyer has requested to cancel order {order}. If the order has not shipped "
                   "yet, please cancel it in Manage Orders.\n\nItem: {item}",
    "feedback_subjects": ("New negative feedback received for order {order}",),
    "feedback_body": "A buyer left feedback for order {order}.\n\nRating: {stars}/5\nComment: "
                     "\"{comment}\"\n\nYou can respond to this feedback in Seller Central.",
    "feedback_comments": ("Took forever to arrive.", "Item was not as pictured.", "Seller never replied."),
    "news": ("SellerTools Weekly", "5 ways to avoid A-to-z Guarantee claims this Q4",
             "A claim filed under the A-to-z Guarantee counts against your Order Defect Rate. Here is "
             "how to respond within 48 hours and keep your account healthy..."),
    "colleague": ("Packing station schedule next week",
                  "Hi all, the packing station will be closed on Tuesday morning. Please check the "
                  "A-to-z claims dashboard before you leave on Friday.\nPetra"),
    "carrier": ("UPS", "Your UPS package has been delivered", "Your package {tracking} was delivered "
                "today at 10:42. Left at: front door."),
    "spoof_subjects": ("URGENT: A-to-z Guarantee claim on order {order} - respond in 24h",
                       "Your seller account will be suspended"),
    "spoof_body": "A buyer filed an A-to-z Guarantee claim on order {order}. Verify your account "
                  "within 24 hours to avoid suspension: {url}",
}

PHRASES["de"] = {
    "atoz_from": ("Amazon A-bis-z-Garantie", "A-bis-z-Garantie"),
    "claim_subjects": (
        "Erstattungsantrag erhalten für Bestellung {order}",
        "A-bis-z-Garantieantrag zur Bestellung {order} eingegangen",
        "Handlungsbedarf: Antrag zur Bestellung {order}",
        "Ihre Stellungnahme zur Bestellung {order} wird benötigt",
    ),
    "claim_bodies": (
        "Sehr geehrte Damen und Herren,\n\nEin Käufer hat für die Bestellung {order} einen Antrag im Rahmen "
        "der A-bis-z-Garantie gestellt ({amount}). Angegebener Grund: {reason}. {window}\n\n"
        "Antrag ansehen: {url}\n\nAmazon Services",
        "Hallo {seller},\n\nwir haben für die Bestellung {order} einen Erstattungsantrag über {amount} "
        "erhalten. Grund laut Käufer: {reason}.\n\n{window} Wenn wir nichts von Ihnen hören, können wir "
        "dem Antrag stattgeben und Ihr Verkäuferkonto belasten.\n\n{url}\n\nMit freundlichen Grüßen\nAmazon Services",
    ),
    "claim_reasons": ("Artikel nicht erhalten", "Artikel entspricht nicht der Beschreibung",
                      "Artikel beschädigt oder defekt angekommen", "Rücksendung ohne Erstattung"),
    "window_hours": "Bitte antworten Sie innerhalb von {n} Stunden.",
    "window_days": "Bitte antworten Sie innerhalb von {n} Tagen.",
    "decision_subjects": {
        "granted": ("Entscheidung zum Antrag für Bestellung {order}: Antrag stattgegeben",
                    "Entscheidung über Ihren A-bis-z-Garantieantrag, Bestellung {order}"),
        "denied": ("Entscheidung zum Antrag für Bestellung {order}: Antrag abgelehnt",
                   "Antrag zu Ihren Gunsten entschieden: Bestellung {order}"),
    },
    "decision_bodies": {
        "granted": "Hallo {seller},\n\nwir haben den A-bis-z-Garantieantrag zur Bestellung {order} geprüft "
                   "und ihm stattgegeben. Dem Käufer wurden {amount} erstattet; dieser Betrag wurde Ihrem "
                   "Konto belastet.\n\nSie können gegen diese Entscheidung in Seller Central Einspruch "
                   "einlegen: {url}\n\nAmazon Services",
        "denied": "Hallo {seller},\n\nnach Prüfung Ihrer Angaben haben wir den A-bis-z-Garantieantrag zur "
                  "Bestellung {order} abgelehnt. Ihr Konto wird nicht belastet.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Anfrage zur Lieferung von Amazon-Kunde {name} (Bestellung: {order})",
        "product": "Anfrage zu Produktdetails von Amazon-Kunde {name} (Bestellung: {order})",
        "return": "Anfrage zur Rücksendung von Amazon-Kunde {name} (Bestellung: {order})",
        "other": "Anfrage von Amazon-Kunde {name} (Bestellung: {order})",
    },
    "order_line": "Bestellnummer {order}:",
    "item_line": "1 von {item} [ASIN: {asin}]",
    "begin": "------------- Beginn der Nachricht -------------",
    "end": "------------- Ende der Nachricht -------------",
    "footer": "Zur Information: Um Streitfälle zu schlichten, bewahren wir alle Nachrichten zwischen "
              "Käufern und Verkäufern zwei Jahre lang auf.",
    "helpful": "War diese E-Mail hilfreich?",
    "risk": {
        "not_received": (
            "Mein Paket ist nicht angekommen, obwohl die Sendungsverfolgung 'zugestellt' anzeigt.",
            "Ich warte jetzt seit drei Wochen auf meine Bestellung und habe immer noch nichts erhalten.",
            "Die Lieferung ist nie bei mir angekommen, auch nicht bei den Nachbarn.",
            "Laut DHL wurde das Paket zugestellt, aber hier ist nichts angekommen.",
        ),
        "not_as_described": (
            "Der Artikel entspricht überhaupt nicht der Beschreibung, Farbe und Größe stimmen nicht.",
            "Das gelieferte Produkt ist ein anderes Modell als auf den Bildern.",
            "Das ist nicht das, was ich bestellt habe.",
        ),
        "damaged": (
            "Die Ware kam kaputt an, der Deckel ist gesprungen.",
            "Nach zwei Tagen funktioniert das Gerät nicht mehr, es ist defekt.",
            "Der Karton war völlig zerdrückt und der Inhalt beschädigt.",
        ),
        "counterfeit": (
            "Das ist eindeutig eine Fälschung, das Logo ist schief aufgedruckt.",
            "Ich habe den Artikel mit dem Original verglichen, das ist ein Plagiat.",
            "Die Verpackung sieht billig aus, das ist kein Originalprodukt.",
        ),
        "threat": (
            "Wenn ich bis morgen keine Antwort habe, stelle ich einen A-bis-z-Garantieantrag.",
            "Ich möchte mein Geld zurück, sonst eröffne ich einen A-Z-Antrag bei Amazon.",
            "Wenn das nicht geklärt wird, lasse ich die Zahlung über meine Bank zurückbuchen.",
            "Ohne Erstattung veranlasse ich eine Rückbuchung bei meiner Kreditkartenfirma.",
        ),
    },
    "routine": {
        "delivery": ("Hallo, wann wird meine Bestellung geliefert? Ich brauche sie bis Samstag.",
                     "Guten Tag, ist meine Bestellung schon verschickt? Gibt es eine Sendungsnummer?"),
        "address": ("Hallo, ich habe mich bei der Adresse vertan, es muss Hausnummer 12a heißen. Können Sie das noch ändern?",),
        "size": ("Fällt die Jacke eher klein aus? Mein Sohn trägt normalerweise 110.",
                 "Welche genauen Maße hat der Artikel? Passt er in eine Schublade mit 30 cm?"),
        "invoice": ("Könnten Sie mir bitte eine Rechnung mit ausgewiesener Mehrwertsteuer schicken? Es ist für meine Firma.",),
        "gift": ("Ist eine Geschenkverpackung mit einer kleinen Karte möglich? Es ist ein Geburtstagsgeschenk.",),
        "compat": ("Funktioniert die Pfanne auch auf einem Induktionsherd?",
                   "Ist das mit einem MacBook Air von 2020 kompatibel?"),
    },
    "autoreply": (
        "Ich bin bis einschließlich Montag nicht im Büro und lese Ihre Nachricht danach.",
        "Vielen Dank für Ihre Nachricht. Ich bin im Urlaub und habe nur eingeschränkt Zugriff auf meine E-Mails.",
    ),
    "autoreply_subject": "Abwesenheitsnotiz: Anfrage von Amazon-Kunde {name} (Bestellung: {order})",
    "chargeback_subjects": ("Rückbuchung zur Bestellung {order}: Antwort erforderlich",
                            "Benachrichtigung über eine Rückbuchung für Bestellung {order}"),
    "chargeback_body": "Hallo {seller},\n\nfür die folgende Transaktion liegt eine Rückbuchung "
                       "(Chargeback) vor:\n\nBestellnummer: {order}\nGekaufte Artikel: 1 x ({item})\n"
                       "Betrag: {amount}\n\nBitte senden Sie uns innerhalb von 7 Tagen einen Zustellnachweis, "
                       "andernfalls kann Ihr Konto belastet werden.\n\nAmazon Services",
    "ah_subjects": ("Ihr Amazon-Verkäuferkonto wurde deaktiviert",
                    "Handlungsbedarf: Richtlinienwarnung für Ihr Konto",
                    "Ihr Angebot wurde entfernt (ASIN {asin})",
                    "Ihre Rate mangelhafter Bestellungen liegt über dem Zielwert"),
    "ah_body": "Hallo,\n\nwir wenden uns wegen Ihres Amazon-Verkäuferkontos an Sie. Wir haben "
               "Beschwerden von Käufern über Zustand und Echtheit von Artikeln erhalten, die Sie verkauft "
               "haben (ASIN {asin}). Bitte reichen Sie auf der Seite Kontozustand einen Maßnahmenplan "
               "ein.\n\n{url}\n\nTeam Verkäuferleistung\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("Fall-ID {case}: Wir haben Ihre Anfrage erhalten",
                   "Fall-ID {case}: Vielen Dank, dass Sie sich an den Selling Partner Support gewandt haben"),
        "answered": ("Fall-ID {case}: Der Amazon Selling Partner Support hat geantwortet",
                     "Fall-ID {case}: Eine Antwort liegt für Sie bereit"),
        "closed": ("Fall-ID {case}: Ihr Fall wurde gelöst",
                   "Fall-ID {case}: Ihr Fall wurde geschlossen"),
    },
    "case_bodies": {
        "opened": "Hallo,\n\nvielen Dank für Ihre Anfrage. Ihre Fall-ID lautet {case}. Wir haben Ihr "
                  "Anliegen zu '{topic}' erhalten und melden uns so schnell wie möglich.\n\n{url}\n\nAmazon",
        "answered": "Hallo,\n\nwir haben auf Ihren Fall {case} zu '{topic}' geantwortet. Unsere Antwort "
                    "finden Sie im Fallprotokoll.\n\n{url}\n\nAmazon",
        "closed": "Hallo,\n\nIhr Fall {case} zu '{topic}' wurde gelöst und ist nun geschlossen. Falls das "
                  "Problem weiter besteht, können Sie den Fall innerhalb von 14 Tagen erneut öffnen.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - wir haben Ihre Anfrage erhalten",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support hat geantwortet",
        "closed": "[CASE {case}] {topic} - Ihr Fall wurde gelöst",
    },
    "case_topics": ("Angebot wird in der Suche nicht angezeigt", "Ware im Versandzentrum nicht eingegangen",
                    "Markenname für ASIN {asin} ändern", "Auszahlung zurückgehalten"),
    "return_subjects": ("Benachrichtigung über Rücksendegenehmigung für Bestellung {order}",
                        "Rücksendeanfrage für Bestellung {order}"),
    "return_body": "Bestellnummer: {order}\nArtikel: {item}\nASIN: {asin}\nRücksendegrund: {reason}\n"
                   "Datum der Anfrage: {date}\nGenehmigung: automatisch durch Amazon",
    "return_reasons": ("Defekt", "Wird nicht mehr benötigt", "Falsche Größe", "Versehentlich bestellt"),
    "refund_subjects": ("Erstattung für Bestellung {order} veranlasst", "Bestätigung der Erstattung für Bestellung {order}"),
    "refund_body": "Hallo {seller},\n\ndem Käufer wurden für die Bestellung {order} ({item}) {amount} "
                   "erstattet.\n\nAmazon Services",
    "cancel_subjects": ("Stornierungsanfrage für Bestellung {order}",
                        "Der Käufer möchte die Bestellung {order} stornieren"),
    "cancel_body": "Der Käufer hat die Stornierung der Bestellung {order} angefragt. Falls die Bestellung "
                   "noch nicht versandt wurde, stornieren Sie sie bitte unter Bestellungen verwalten.\n\nArtikel: {item}",
    "feedback_subjects": ("Neue negative Bewertung für Bestellung {order} erhalten",),
    "feedback_body": "Ein Käufer hat eine Bewertung zur Bestellung {order} abgegeben.\n\nBewertung: {stars}/5\n"
                     "Kommentar: \"{comment}\"\n\nSie können in Seller Central auf diese Bewertung antworten.",
    "feedback_comments": ("Lieferung hat ewig gedauert.", "Artikel sah anders aus als auf dem Foto.",
                          "Verkäufer hat nie geantwortet."),
    "news": ("Händlerbund Newsletter", "So vermeiden Sie A-bis-z-Garantieanträge im Weihnachtsgeschäft",
             "Jeder A-bis-z-Garantieantrag zählt zur Rate mangelhafter Bestellungen. So antworten Sie "
             "innerhalb von 48 Stunden und halten Ihr Konto gesund..."),
    "colleague": ("Schichtplan nächste Woche",
                  "Hallo zusammen, die Packstation ist am Dienstagvormittag geschlossen. Bitte schaut vor "
                  "dem Wochenende noch einmal in die Übersicht der A-bis-z-Anträge.\nGrüße, Anna"),
    "carrier": ("DHL", "Ihre Sendung {tracking} wurde zugestellt",
                "Ihre Sendung {tracking} wurde heute um 10:42 Uhr zugestellt. Ablageort: Garage."),
    "spoof_subjects": ("DRINGEND: A-bis-z-Garantieantrag zur Bestellung {order} - Antwort in 24 Std.",
                       "Ihr Verkäuferkonto wird gesperrt"),
    "spoof_body": "Ein Käufer hat zur Bestellung {order} einen A-bis-z-Garantieantrag gestellt. Bestätigen "
                  "Sie Ihr Konto innerhalb von 24 Stunden, um eine Sperrung zu vermeiden: {url}",
}

PHRASES["fr"] = {
    "atoz_from": ("Garantie A à Z d'Amazon", "Amazon Garantie A-à-z"),
    "claim_subjects": (
        "Réclamation reçue pour la commande {order}",
        "Demande de remboursement reçue pour la commande {order}",
        "Action requise : réclamation sur la commande {order}",
        "Votre réponse est attendue pour la commande {order}",
    ),
    "claim_bodies": (
        "Bonjour {seller},\n\nNous avons reçu une réclamation au titre de la Garantie A à Z d'un montant de "
        "{amount} pour la commande {order}. Motif : {reason}. {window}\n\nConsulter la réclamation : {url}\n\n"
        "Amazon Services",
        "Bonjour,\n\nUn acheteur a déposé une réclamation Garantie A-à-z pour la commande {order} ({amount}). "
        "Motif indiqué par l'acheteur : {reason}.\n\n{window} Sans réponse de votre part, nous pourrons "
        "accorder la réclamation et débiter votre compte vendeur.\n\n{url}\n\nCordialement,\nAmazon Services",
    ),
    "claim_reasons": ("Article non reçu", "Article sensiblement différent de la description",
                      "Article endommagé ou défectueux à la réception", "Article retourné mais non remboursé"),
    "window_hours": "Merci de répondre sous {n} heures.",
    "window_days": "Veuillez répondre dans un délai de {n} jours.",
    "decision_subjects": {
        "granted": ("Décision concernant la réclamation pour la commande {order} : réclamation accordée",
                    "Décision relative à la Garantie A à Z, commande {order}"),
        "denied": ("Décision concernant la réclamation pour la commande {order} : réclamation refusée",
                   "Réclamation clôturée en votre faveur : commande {order}"),
    },
    "decision_bodies": {
        "granted": "Bonjour {seller},\n\nNous avons examiné la réclamation Garantie A à Z concernant la "
                   "commande {order} et avons décidé de l'accorder. L'acheteur a été remboursé de {amount}, "
                   "montant débité de votre compte.\n\nVous pouvez faire appel de cette décision : {url}\n\n"
                   "Amazon Services",
        "denied": "Bonjour {seller},\n\nAprès examen des informations fournies, nous avons refusé la "
                  "réclamation Garantie A à Z concernant la commande {order}. Aucun montant ne sera débité de "
                  "votre compte.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Demande de renseignements sur la livraison de la part du client Amazon {name} (Commande : {order})",
        "product": "Question sur le produit de la part du client Amazon {name} (Commande : {order})",
        "return": "Demande de retour de la part du client Amazon {name} (Commande : {order})",
        "other": "Demande de renseignements de la part du client Amazon {name} (Commande : {order})",
    },
    "order_line": "Numéro de commande {order} :",
    "item_line": "1 de {item} [ASIN : {asin}]",
    "begin": "------------- Début du message -------------",
    "end": "------------- Fin du message -------------",
    "footer": "Pour information : afin d'arbitrer les litiges et de préserver la confiance, nous conservons "
              "pendant deux ans tous les messages échangés entre acheteurs et vendeurs via Amazon.",
    "helpful": "Cet e-mail vous a-t-il été utile ?",
    "risk": {
        "not_received": (
            "Je n'ai jamais reçu mon colis.",
            "Le suivi indique « livré » mais je n'ai rien reçu, ni dans ma boîte aux lettres ni chez les voisins.",
            "Cela fait trois semaines que j'attends et toujours aucune nouvelle de ma commande.",
        ),
        "not_as_described": (
            "L'article reçu ne correspond pas du tout à la description.",
            "Ce n'est pas le modèle présenté sur les photos, la couleur est différente.",
            "Le produit n'est pas conforme à l'annonce.",
        ),
        "damaged": (
            "Le produit est arrivé cassé, le couvercle est fendu.",
            "L'appareil ne fonctionne plus au bout de deux jours, il est défectueux.",
            "Le carton était écrasé et l'article est abîmé.",
        ),
        "counterfeit": (
            "C'est clairement une contrefaçon, le logo est mal imprimé.",
            "J'ai comparé avec l'original, il s'agit d'un faux.",
            "L'emballage fait très bon marché, ce n'est pas un produit authentique.",
        ),
        "threat": (
            "Sans réponse aujourd'hui, j'ouvrirai une réclamation Garantie A à Z.",
            "Je veux être remboursé, sinon je dépose une réclamation A-à-z auprès d'Amazon.",
            "Si rien n'est fait, je ferai opposition au paiement auprès de ma banque.",
        ),
    },
    "routine": {
        "delivery": ("Bonjour, quand ma commande sera-t-elle livrée ? J'en ai besoin avant samedi.",
                     "Bonjour, ma commande est-elle déjà expédiée ? Avez-vous un numéro de suivi ?"),
        "address": ("Bonjour, je me suis trompé d'adresse, c'est le 14 bis et non le 14. Pouvez-vous encore la modifier ?",),
        "size": ("Est-ce que cette veste taille petit ? Mon fils porte habituellement du 6 ans.",
                 "Quelles sont les dimensions exactes de l'article ?"),
        "invoice": ("Pourriez-vous m'envoyer une facture avec TVA ? C'est pour mon entreprise.",),
        "gift": ("Est-il possible d'avoir un emballage cadeau avec un petit mot ? C'est pour un anniversaire.",),
        "compat": ("La poêle est-elle compatible avec une plaque à induction ?",
                   "Est-ce compatible avec un MacBook Air de 2020 ?"),
    },
    "autoreply": (
        "Je suis absent du bureau jusqu'à lundi et lirai votre message à mon retour.",
        "Merci pour votre message. Je suis actuellement en congés avec un accès limité à mes e-mails.",
    ),
    "autoreply_subject": "Réponse automatique : Demande de renseignements de la part du client Amazon {name} (Commande : {order})",
    "chargeback_subjects": ("Rétrofacturation sur la commande {order} : réponse requise",
                            "Notification de rétrofacturation pour la commande {order}"),
    "chargeback_body": "Bonjour {seller},\n\nUne rétrofacturation (chargeback) concerne la transaction suivante :\n\n"
                       "Numéro de commande : {order}\nArticles achetés : 1 x ({item})\nMontant : {amount}\n\n"
                       "Merci de nous fournir une preuve de livraison dans un délai de 7 jours, faute de quoi "
                       "votre compte pourra être débité.\n\nAmazon Services",
    "ah_subjects": ("Votre compte vendeur Amazon a été désactivé",
                    "Action requise : avertissement relatif aux règles",
                    "Votre offre a été supprimée (ASIN {asin})",
                    "Votre taux de commandes défectueuses dépasse notre objectif"),
    "ah_body": "Bonjour,\n\nNous vous contactons au sujet de votre compte vendeur Amazon. Nous avons reçu des "
               "plaintes d'acheteurs concernant l'état et l'authenticité d'articles vendus (ASIN {asin}). "
               "Veuillez soumettre un plan d'action depuis la page Santé du compte.\n\n{url}\n\n"
               "Équipe Performances vendeur\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("ID de cas {case} : nous avons bien reçu votre demande",
                   "ID de cas {case} : merci d'avoir contacté le Support Partenaires de vente"),
        "answered": ("ID de cas {case} : le Support Partenaires de vente a répondu",
                     "ID de cas {case} : une réponse vous attend"),
        "closed": ("ID de cas {case} : votre cas a été résolu",
                   "ID de cas {case} : votre cas a été clôturé"),
    },
    "case_bodies": {
        "opened": "Bonjour,\n\nMerci d'avoir contacté le support Amazon. Votre numéro de cas est {case}. Nous "
                  "avons bien reçu votre demande concernant « {topic} » et reviendrons vers vous rapidement.\n\n{url}\n\nAmazon",
        "answered": "Bonjour,\n\nNous avons répondu à votre cas {case} concernant « {topic} ». Consultez notre "
                    "réponse dans l'historique du cas.\n\n{url}\n\nAmazon",
        "closed": "Bonjour,\n\nVotre cas {case} concernant « {topic} » a été résolu et est désormais clôturé. Si "
                  "le problème persiste, vous pouvez rouvrir le cas sous 14 jours.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - nous avons reçu votre demande",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support a répondu",
        "closed": "[CASE {case}] {topic} - votre cas a été résolu",
    },
    "case_topics": ("Offre invisible dans les résultats de recherche", "Stock non réceptionné au centre de distribution",
                    "Modifier la marque de l'ASIN {asin}", "Virement suspendu"),
    "return_subjects": ("Notification d'autorisation de retour pour la commande {order}",
                        "Demande de retour pour la commande {order}"),
    "return_body": "Numéro de commande : {order}\nArticle : {item}\nASIN : {asin}\nMotif du retour : {reason}\n"
                   "Date de la demande : {date}\nAutorisation : automatique par Amazon",
    "return_reasons": ("Défectueux", "N'est plus nécessaire", "Mauvaise taille", "Commandé par erreur"),
    "refund_subjects": ("Remboursement effectué pour la commande {order}", "Confirmation de remboursement : commande {order}"),
    "refund_body": "Bonjour {seller},\n\nUn remboursement de {amount} a été effectué pour la commande {order} "
                   "({item}).\n\nAmazon Services",
    "cancel_subjects": ("Demande d'annulation pour la commande {order}",
                        "L'acheteur souhaite annuler la commande {order}"),
    "cancel_body": "L'acheteur a demandé l'annulation de la commande {order}. Si elle n'a pas encore été "
                   "expédiée, veuillez l'annuler dans Gérer les commandes.\n\nArticle : {item}",
    "feedback_subjects": ("Nouvelle évaluation négative reçue pour la commande {order}",),
    "feedback_body": "Un acheteur a laissé une évaluation pour la commande {order}.\n\nNote : {stars}/5\n"
                     "Commentaire : « {comment} »\n\nVous pouvez répondre à cette évaluation dans Seller Central.",
    "feedback_comments": ("Livraison beaucoup trop longue.", "Article différent de la photo.", "Le vendeur n'a jamais répondu."),
    "news": ("La Lettre du e-commerce", "Garantie A à Z : 5 conseils pour éviter les réclamations à Noël",
             "Chaque réclamation au titre de la Garantie A à Z pèse sur votre taux de défauts. Voici comment "
             "répondre sous 48 heures et garder un compte en bonne santé..."),
    "colleague": ("Planning de l'entrepôt la semaine prochaine",
                  "Bonjour à tous, le poste d'emballage sera fermé mardi matin. Pensez à vérifier le tableau "
                  "des réclamations A à Z avant vendredi.\nCamille"),
    "carrier": ("Colissimo", "Votre colis {tracking} a été livré",
                "Votre colis {tracking} a été livré aujourd'hui à 10h42 dans votre boîte aux lettres."),
    "spoof_subjects": ("URGENT : réclamation Garantie A à Z sur la commande {order} - répondez sous 24 h",
                       "Votre compte vendeur va être suspendu"),
    "spoof_body": "Un acheteur a ouvert une réclamation Garantie A à Z sur la commande {order}. Vérifiez votre "
                  "compte sous 24 heures pour éviter la suspension : {url}",
}

PHRASES["it"] = {
    "atoz_from": ("Garanzia dalla A alla Z di Amazon", "Amazon Garanzia dalla A alla Z"),
    "claim_subjects": (
        "Richiesta di rimborso ricevuta per l'ordine {order}",
        "Reclamo dalla A alla Z ricevuto per l’ordine {order}",
        "Azione richiesta: reclamo relativo all'ordine {order}",
        "È necessaria una tua risposta per l'ordine {order}",
    ),
    "claim_bodies": (
        "Gentile {seller},\n\nabbiamo ricevuto un reclamo dalla A alla Z di {amount} per l’ordine {order}. "
        "Motivo: {reason}. {window}\n\nVisualizza il reclamo: {url}\n\nAmazon Services",
        "Buongiorno,\n\nun acquirente ha presentato una richiesta di rimborso nell'ambito della Garanzia dalla A "
        "alla Z per l'ordine {order} ({amount}). Motivo indicato: {reason}.\n\n{window} In assenza di risposta "
        "potremmo accogliere la richiesta e addebitare l'importo sul tuo account.\n\n{url}\n\nCordiali saluti,\nAmazon Services",
    ),
    "claim_reasons": ("Articolo non ricevuto", "Articolo sostanzialmente diverso dalla descrizione",
                      "Articolo arrivato danneggiato o difettoso", "Articolo restituito ma non rimborsato"),
    "window_hours": "Ti preghiamo di rispondere entro {n} ore.",
    "window_days": "Ti chiediamo di rispondere entro {n} giorni di calendario.",
    "decision_subjects": {
        "granted": ("Decisione sulla richiesta per l'ordine {order}: richiesta accolta",
                    "Esito del reclamo dalla A alla Z per l'ordine {order}"),
        "denied": ("Decisione sulla richiesta per l'ordine {order}: richiesta respinta",
                   "Reclamo chiuso a tuo favore: ordine {order}"),
    },
    "decision_bodies": {
        "granted": "Gentile {seller},\n\nabbiamo esaminato il reclamo dalla A alla Z per l'ordine {order} e "
                   "abbiamo deciso di accoglierlo. All'acquirente sono stati rimborsati {amount}, addebitati sul "
                   "tuo account.\n\nPuoi presentare ricorso in Seller Central: {url}\n\nAmazon Services",
        "denied": "Gentile {seller},\n\ndopo aver esaminato le informazioni fornite, abbiamo respinto il reclamo "
                  "dalla A alla Z per l'ordine {order}. Nessun importo verrà addebitato.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Richiesta sulla consegna dal cliente Amazon {name} (Ordine: {order})",
        "product": "Domanda sul prodotto dal cliente Amazon {name} (Ordine: {order})",
        "return": "Richiesta di reso dal cliente Amazon {name} (Ordine: {order})",
        "other": "Richiesta dal cliente Amazon {name} (Ordine: {order})",
    },
    "order_line": "Numero ordine {order}:",
    "item_line": "1 di {item} [ASIN: {asin}]",
    "begin": "------------- Inizio messaggio -------------",
    "end": "------------- Fine messaggio -------------",
    "footer": "Per tua informazione: per risolvere le controversie e tutelare la fiducia, conserviamo per due "
              "anni tutti i messaggi scambiati tra acquirenti e venditori tramite Amazon.",
    "helpful": "Questa e-mail ti è stata utile?",
    "risk": {
        "not_received": (
            "Il pacco non è mai arrivato.",
            "Il tracciamento dice consegnato ma io non ho ricevuto niente, ho chiesto anche al portiere.",
            "Sono passate tre settimane e l'ordine non è ancora arrivato.",
        ),
        "not_as_described": (
            "L'articolo ricevuto non corrisponde alla descrizione.",
            "Il colore e la misura sono completamente diversi da quelli delle foto.",
            "Mi avete mandato un modello diverso da quello che ho ordinato.",
        ),
        "damaged": (
            "Il prodotto è arrivato rotto, il vetro era in frantumi.",
            "Dopo due giorni ha smesso di funzionare, è difettoso.",
            "La scatola era schiacciata e l'articolo è danneggiato.",
        ),
        "counterfeit": (
            "È chiaramente un falso, il logo è stampato storto.",
            "L'ho confrontato con l'originale: è una contraffazione.",
            "La confezione sembra una copia economica, non è un prodotto originale.",
        ),
        "threat": (
            "Se non ricevo risposta oggi aprirò un reclamo dalla A alla Z.",
            "Voglio il rimborso completo, altrimenti apro una richiesta di Garanzia dalla A alla Z.",
            "Se non risolvete, contesterò l'addebito con la mia banca.",
        ),
    },
    "routine": {
        "delivery": ("Buongiorno, quando verrà consegnato il mio ordine? Mi serve entro sabato.",
                     "Salve, il mio ordine è già stato spedito? C'è un numero di tracciamento?"),
        "address": ("Buongiorno, ho sbagliato l'indirizzo, il civico giusto è 21/B. Si può ancora modificare?",),
        "size": ("La taglia veste piccola? Di solito porto una M.",
                 "Quali sono le dimensioni esatte dell'articolo?"),
        "invoice": ("Potreste inviarmi la fattura con partita IVA? È per la mia azienda.",),
        "gift": ("È possibile avere la confezione regalo con un biglietto? È per un compleanno.",),
        "compat": ("La padella va bene anche sul piano a induzione?",
                   "È compatibile con un MacBook Air del 2020?"),
    },
    "autoreply": (
        "Sono fuori ufficio fino a lunedì e leggerò il suo messaggio al mio rientro.",
        "Grazie per il messaggio. Sono in ferie con accesso limitato alla posta elettronica.",
    ),
    "autoreply_subject": "Risposta automatica: Richiesta dal cliente Amazon {name} (Ordine: {order})",
    "chargeback_subjects": ("Chargeback sull'ordine {order}: risposta richiesta",
                            "Notifica di riaddebito per l'ordine {order}"),
    "chargeback_body": "Gentile {seller},\n\nè stato avviato un riaddebito (chargeback) per la seguente "
                       "transazione:\n\nNumero ordine: {order}\nArticoli acquistati: 1 x ({item})\nImporto: {amount}\n\n"
                       "Ti preghiamo di fornire una prova di consegna entro 7 giorni, altrimenti l'importo potrebbe "
                       "essere addebitato sul tuo account.\n\nAmazon Services",
    "ah_subjects": ("Il tuo account venditore Amazon è stato disattivato",
                    "Azione richiesta: avviso di violazione delle normative",
                    "La tua offerta è stata rimossa (ASIN {asin})",
                    "Il tuo tasso di ordini difettosi supera il nostro obiettivo"),
    "ah_body": "Buongiorno,\n\nti contattiamo in merito al tuo account venditore Amazon. Abbiamo ricevuto "
               "reclami degli acquirenti sulla condizione e sull'autenticità degli articoli venduti (ASIN {asin}). "
               "Invia un piano d'azione dalla pagina Integrità dell'account.\n\n{url}\n\n"
               "Team Prestazioni venditore\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("ID caso {case}: abbiamo ricevuto la tua richiesta",
                   "ID caso {case}: grazie per aver contattato il Supporto partner di vendita"),
        "answered": ("ID caso {case}: il Supporto partner di vendita ha risposto",
                     "ID caso {case}: c'è una risposta per te"),
        "closed": ("ID caso {case}: il tuo caso è stato risolto",
                   "ID caso {case}: il tuo caso è stato chiuso"),
    },
    "case_bodies": {
        "opened": "Buongiorno,\n\ngrazie per aver contattato il supporto Amazon. L'ID del tuo caso è {case}. "
                  "Abbiamo ricevuto la tua richiesta su '{topic}' e ti risponderemo al più presto.\n\n{url}\n\nAmazon",
        "answered": "Buongiorno,\n\nabbiamo risposto al tuo caso {case} su '{topic}'. Trovi la risposta nel "
                    "registro del caso.\n\n{url}\n\nAmazon",
        "closed": "Buongiorno,\n\nil tuo caso {case} su '{topic}' è stato risolto ed è ora chiuso. Se il problema "
                  "persiste puoi riaprirlo entro 14 giorni.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - abbiamo ricevuto la tua richiesta",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support ha risposto",
        "closed": "[CASE {case}] {topic} - il tuo caso è stato risolto",
    },
    "case_topics": ("Offerta non visibile nei risultati di ricerca", "Merce non ricevuta dal centro logistico",
                    "Modifica del marchio per l'ASIN {asin}", "Pagamento trattenuto"),
    "return_subjects": ("Notifica di autorizzazione del reso per l'ordine {order}",
                        "Richiesta di reso per l'ordine {order}"),
    "return_body": "Numero ordine: {order}\nArticolo: {item}\nASIN: {asin}\nMotivo del reso: {reason}\n"
                   "Data della richiesta: {date}\nAutorizzazione: automatica da parte di Amazon",
    "return_reasons": ("Difettoso", "Non più necessario", "Taglia sbagliata", "Ordinato per errore"),
    "refund_subjects": ("Rimborso emesso per l'ordine {order}", "Conferma di rimborso per l'ordine {order}"),
    "refund_body": "Gentile {seller},\n\nè stato emesso un rimborso di {amount} all'acquirente per l'ordine "
                   "{order} ({item}).\n\nAmazon Services",
    "cancel_subjects": ("Richiesta di annullamento per l'ordine numero: {order}",
                        "L'acquirente ha chiesto di annullare l'ordine {order}"),
    "cancel_body": "L'acquirente ha chiesto di annullare l'ordine {order}. Se non è ancora stato spedito, "
                   "annullalo da Gestisci ordini.\n\nArticolo: {item}",
    "feedback_subjects": ("Nuovo feedback negativo ricevuto per l'ordine {order}",),
    "feedback_body": "Un acquirente ha lasciato un feedback per l'ordine {order}.\n\nValutazione: {stars}/5\n"
                     "Commento: \"{comment}\"\n\nPuoi rispondere a questo feedback in Seller Central.",
    "feedback_comments": ("Consegna lentissima.", "L'articolo non era come in foto.", "Il venditore non ha mai risposto."),
    "news": ("E-commerce Italia Newsletter", "Garanzia dalla A alla Z: come evitare i reclami a Natale",
             "Ogni reclamo dalla A alla Z pesa sul tasso di ordini difettosi. Ecco come rispondere entro "
             "48 ore e mantenere l'account in salute..."),
    "colleague": ("Turni magazzino della prossima settimana",
                  "Ciao a tutti, martedì mattina la postazione imballaggio sarà chiusa. Controllate i reclami "
                  "dalla A alla Z prima di venerdì.\nMarco"),
    "carrier": ("BRT", "La tua spedizione {tracking} è stata consegnata",
                "La spedizione {tracking} è stata consegnata oggi alle 10:42."),
    "spoof_subjects": ("URGENTE: reclamo dalla A alla Z sull'ordine {order} - rispondi entro 24 ore",
                       "Il tuo account venditore sarà sospeso"),
    "spoof_body": "Un acquirente ha aperto un reclamo dalla A alla Z per l'ordine {order}. Verifica il tuo "
                  "account entro 24 ore per evitare la sospensione: {url}",
}

PHRASES["es"] = {
    "atoz_from": ("Garantía de la A a la Z de Amazon", "Amazon Garantía A-to-z"),
    "claim_subjects": (
        "Reclamación recibida para el pedido {order}",
        "Solicitud de reembolso recibida para el pedido {order}",
        "Acción necesaria: reclamación sobre el pedido {order}",
        "Necesitamos tu respuesta sobre el pedido {order}",
    ),
    "claim_bodies": (
        "Hola, {seller}:\n\nHemos recibido una reclamación de la Garantía de la A a la Z por importe de {amount} "
        "para el pedido {order}. Motivo: {reason}. {window}\n\nVer la reclamación: {url}\n\nAmazon Services",
        "Hola:\n\nUn comprador ha presentado una reclamación de la Garantía de la A a la Z para el pedido {order} "
        "({amount}). Motivo indicado por el comprador: {reason}.\n\n{window} Si no recibimos respuesta, podremos "
        "conceder la reclamación y cargar el importe en tu cuenta.\n\n{url}\n\nAtentamente,\nAmazon Services",
    ),
    "claim_reasons": ("Artículo no recibido", "Artículo sustancialmente diferente a la descripción",
                      "Artículo dañado o defectuoso a la llegada", "Artículo devuelto pero no reembolsado"),
    "window_hours": "Responde en un plazo de {n} horas.",
    "window_days": "Debes responder en un plazo de {n} días.",
    "decision_subjects": {
        "granted": ("Decisión sobre la reclamación del pedido {order}: reclamación concedida",
                    "Resolución de la reclamación de la Garantía de la A a la Z, pedido {order}"),
        "denied": ("Decisión sobre la reclamación del pedido {order}: reclamación denegada",
                   "Reclamación cerrada a tu favor: pedido {order}"),
    },
    "decision_bodies": {
        "granted": "Hola, {seller}:\n\nHemos revisado la reclamación de la Garantía de la A a la Z del pedido "
                   "{order} y hemos decidido concederla. Se han reembolsado {amount} al comprador y este importe "
                   "se ha cargado en tu cuenta.\n\nPuedes recurrir esta decisión en Seller Central: {url}\n\nAmazon Services",
        "denied": "Hola, {seller}:\n\nTras revisar la información proporcionada, hemos denegado la reclamación "
                  "de la Garantía de la A a la Z del pedido {order}. No se cargará ningún importe en tu "
                  "cuenta.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Consulta sobre la entrega del cliente de Amazon {name} (Pedido: {order})",
        "product": "Consulta sobre el producto del cliente de Amazon {name} (Pedido: {order})",
        "return": "Consulta sobre una devolución del cliente de Amazon {name} (Pedido: {order})",
        "other": "Consulta del cliente de Amazon {name} (Pedido: {order})",
    },
    "order_line": "N.º de pedido {order}:",
    "item_line": "1 de {item} [ASIN: {asin}]",
    "begin": "------------- Inicio del mensaje -------------",
    "end": "------------- Fin del mensaje -------------",
    "footer": "Para tu información: para arbitrar disputas y preservar la confianza, conservamos durante dos "
              "años todos los mensajes que compradores y vendedores se envían a través de Amazon.",
    "helpful": "¿Te ha resultado útil este correo?",
    "risk": {
        "not_received": (
            "Mi paquete nunca llegó.",
            "El seguimiento dice entregado pero aquí no ha llegado nada, he preguntado a los vecinos.",
            "Llevo tres semanas esperando y todavía no he recibido el pedido.",
        ),
        "not_as_described": (
            "El artículo que he recibido no coincide con la descripción.",
            "No es el modelo de las fotos, el color y la talla son distintos.",
            "Esto no es lo que pedí.",
        ),
        "damaged": (
            "El producto llegó roto, la tapa está rajada.",
            "A los dos días dejó de funcionar, está defectuoso.",
            "La caja venía aplastada y el artículo está dañado.",
        ),
        "counterfeit": (
            "Es claramente una falsificación, el logotipo está torcido.",
            "Lo he comparado con el original y es falso.",
            "El embalaje parece una imitación barata, no es un producto original.",
        ),
        "threat": (
            "Si hoy no tengo respuesta abriré una reclamación de la Garantía de la A a la Z.",
            "Quiero el reembolso completo o presentaré una reclamación A-to-z.",
            "Si no lo solucionáis, pediré a mi banco que anule el cargo.",
        ),
    },
    "routine": {
        "delivery": ("Hola, ¿cuándo me llegará el pedido? Lo necesito antes del sábado.",
                     "Buenas, ¿ya se ha enviado mi pedido? ¿Tenéis número de seguimiento?"),
        "address": ("Hola, me equivoqué en la dirección, es el 3.º B y no el 3.º A. ¿Se puede cambiar todavía?",),
        "size": ("¿La talla es pequeña? Normalmente uso una M.", "¿Cuáles son las medidas exactas del artículo?"),
        "invoice": ("¿Me podéis enviar la factura con IVA desglosado? Es para mi empresa.",),
        "gift": ("¿Es posible envolverlo para regalo con una nota? Es un cumpleaños.",),
        "compat": ("¿La sartén sirve para placa de inducción?", "¿Es compatible con un MacBook Air de 2020?"),
    },
    "autoreply": (
        "Estoy fuera de la oficina hasta el lunes y leeré tu mensaje a mi regreso.",
        "Gracias por tu correo. Estoy de vacaciones con acceso limitado al correo electrónico.",
    ),
    "autoreply_subject": "Respuesta automática: Consulta del cliente de Amazon {name} (Pedido: {order})",
    "chargeback_subjects": ("Contracargo en el pedido {order}: respuesta necesaria",
                            "Notificación de contracargo para el pedido {order}"),
    "chargeback_body": "Hola, {seller}:\n\nSe ha iniciado un contracargo sobre la siguiente transacción:\n\n"
                       "N.º de pedido: {order}\nArtículos comprados: 1 x ({item})\nImporte: {amount}\n\n"
                       "Envíanos una prueba de entrega en un plazo de 7 días; de lo contrario, el importe podría "
                       "cargarse en tu cuenta.\n\nAmazon Services",
    "ah_subjects": ("Tu cuenta de vendedor de Amazon ha sido desactivada",
                    "Acción necesaria: advertencia sobre el incumplimiento de políticas",
                    "Tu oferta ha sido eliminada (ASIN {asin})",
                    "Tu tasa de pedidos defectuosos supera nuestro objetivo"),
    "ah_body": "Hola:\n\nNos ponemos en contacto contigo en relación con tu cuenta de vendedor de Amazon. Hemos "
               "recibido quejas de compradores sobre el estado y la autenticidad de artículos vendidos "
               "(ASIN {asin}). Envía un plan de acción desde la página Estado de la cuenta.\n\n{url}\n\n"
               "Equipo de Rendimiento del vendedor\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("ID de caso {case}: hemos recibido tu solicitud",
                   "ID de caso {case}: gracias por contactar con el Servicio de asistencia al socio de venta"),
        "answered": ("ID de caso {case}: el Servicio de asistencia al socio de venta ha respondido",
                     "ID de caso {case}: tienes una respuesta pendiente"),
        "closed": ("ID de caso {case}: tu caso se ha resuelto",
                   "ID de caso {case}: tu caso se ha cerrado"),
    },
    "case_bodies": {
        "opened": "Hola:\n\nGracias por contactar con el servicio de asistencia de Amazon. El ID de tu caso es "
                  "{case}. Hemos recibido tu solicitud sobre «{topic}» y te responderemos lo antes posible.\n\n{url}\n\nAmazon",
        "answered": "Hola:\n\nHemos respondido a tu caso {case} sobre «{topic}». Consulta la respuesta en el "
                    "historial del caso.\n\n{url}\n\nAmazon",
        "closed": "Hola:\n\nTu caso {case} sobre «{topic}» se ha resuelto y ahora está cerrado. Si el problema "
                  "continúa, puedes volver a abrirlo en un plazo de 14 días.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - hemos recibido tu solicitud",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support ha respondido",
        "closed": "[CASE {case}] {topic} - tu caso se ha resuelto",
    },
    "case_topics": ("Oferta no visible en la búsqueda", "Inventario no recibido en el centro logístico",
                    "Cambiar la marca del ASIN {asin}", "Pago retenido"),
    "return_subjects": ("Notificación de autorización de devolución para el pedido {order}",
                        "Solicitud de devolución para el pedido {order}"),
    "return_body": "N.º de pedido: {order}\nArtículo: {item}\nASIN: {asin}\nMotivo de la devolución: {reason}\n"
                   "Fecha de la solicitud: {date}\nAutorización: automática por Amazon",
    "return_reasons": ("Defectuoso", "Ya no lo necesito", "Talla incorrecta", "Pedido por error"),
    "refund_subjects": ("Reembolso emitido para el pedido {order}", "Confirmación de reembolso del pedido {order}"),
    "refund_body": "Hola, {seller}:\n\nSe ha emitido un reembolso de {amount} al comprador del pedido {order} "
                   "({item}).\n\nAmazon Services",
    "cancel_subjects": ("Solicitud de cancelación del pedido {order}",
                        "El comprador ha solicitado cancelar el pedido {order}"),
    "cancel_body": "El comprador ha solicitado cancelar el pedido {order}. Si aún no se ha enviado, cancélalo "
                   "en Gestionar pedidos.\n\nArtículo: {item}",
    "feedback_subjects": ("Nueva valoración negativa recibida para el pedido {order}",),
    "feedback_body": "Un comprador ha dejado una valoración para el pedido {order}.\n\nPuntuación: {stars}/5\n"
                     "Comentario: \"{comment}\"\n\nPuedes responder a esta valoración en Seller Central.",
    "feedback_comments": ("Tardó muchísimo en llegar.", "El artículo no era como en la foto.", "El vendedor nunca contestó."),
    "news": ("Boletín Vendedores Online", "Cómo evitar reclamaciones de la Garantía de la A a la Z esta Navidad",
             "Cada reclamación de la Garantía de la A a la Z cuenta en tu tasa de pedidos defectuosos. Así "
             "puedes responder en un plazo de 48 horas..."),
    "colleague": ("Turnos del almacén la próxima semana",
                  "Hola a todos, el puesto de embalaje estará cerrado el martes por la mañana. Revisad el panel "
                  "de reclamaciones A-to-z antes del viernes.\nLucía"),
    "carrier": ("Correos", "Tu envío {tracking} ha sido entregado",
                "Tu envío {tracking} se ha entregado hoy a las 10:42."),
    "spoof_subjects": ("URGENTE: reclamación de la Garantía de la A a la Z en el pedido {order} - responde en 24 h",
                       "Tu cuenta de vendedor será suspendida"),
    "spoof_body": "Un comprador ha abierto una reclamación de la Garantía de la A a la Z en el pedido {order}. "
                  "Verifica tu cuenta en 24 horas para evitar la suspensión: {url}",
}

PHRASES["nl"] = {
    "atoz_from": ("Amazon A-tot-Z-garantie", "A-tot-Z-garantie"),
    "claim_subjects": (
        "Claim ontvangen voor bestelling {order}",
        "Terugbetalingsverzoek ontvangen voor bestelling {order}",
        "Actie vereist: claim voor bestelling {order}",
        "Uw reactie is nodig voor bestelling {order}",
    ),
    "claim_bodies": (
        "Beste {seller},\n\nWe hebben een claim onder de A-tot-Z-garantie van {amount} ontvangen voor bestelling "
        "{order}. Reden: {reason}. {window}\n\nBekijk de claim: {url}\n\nAmazon Services",
        "Hallo,\n\nEen koper heeft een claim ingediend onder de A-tot-Z-garantie voor bestelling {order} "
        "({amount}). Opgegeven reden: {reason}.\n\n{window} Als we niets van u horen, kunnen we de claim "
        "toekennen en uw account belasten.\n\n{url}\n\nMet vriendelijke groet,\nAmazon Services",
    ),
    "claim_reasons": ("Artikel niet ontvangen", "Artikel wijkt wezenlijk af van de beschrijving",
                      "Artikel beschadigd of defect aangekomen", "Artikel geretourneerd maar niet terugbetaald"),
    "window_hours": "Reageer binnen {n} uur.",
    "window_days": "Reageer binnen {n} dagen.",
    "decision_subjects": {
        "granted": ("Besluit over de claim voor bestelling {order}: claim toegekend",
                    "Besluit A-tot-Z-garantieclaim voor bestelling {order}"),
        "denied": ("Besluit over de claim voor bestelling {order}: claim afgewezen",
                   "Claim in uw voordeel afgesloten: bestelling {order}"),
    },
    "decision_bodies": {
        "granted": "Beste {seller},\n\nWe hebben de A-tot-Z-garantieclaim voor bestelling {order} beoordeeld en "
                   "toegekend. De koper heeft {amount} terugbetaald gekregen; dit bedrag is van uw account "
                   "afgeschreven.\n\nU kunt bezwaar maken in Seller Central: {url}\n\nAmazon Services",
        "denied": "Beste {seller},\n\nNa beoordeling van uw informatie hebben we de A-tot-Z-garantieclaim voor "
                  "bestelling {order} afgewezen. Er wordt niets van uw account afgeschreven.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Vraag over de levering van Amazon-klant {name} (Bestelling: {order})",
        "product": "Vraag over het product van Amazon-klant {name} (Bestelling: {order})",
        "return": "Vraag over een retour van Amazon-klant {name} (Bestelling: {order})",
        "other": "Vraag van Amazon-klant {name} (Bestelling: {order})",
    },
    "order_line": "Bestelnummer {order}:",
    "item_line": "1 van {item} [ASIN: {asin}]",
    "begin": "------------- Begin bericht -------------",
    "end": "------------- Einde bericht -------------",
    "footer": "Ter informatie: om geschillen te beslechten en vertrouwen te bewaren, bewaren we alle berichten "
              "tussen kopers en verkopers via Amazon twee jaar lang.",
    "helpful": "Was deze e-mail nuttig?",
    "risk": {
        "not_received": (
            "Mijn pakket is nooit aangekomen.",
            "Volgens de track & trace is het bezorgd, maar ik heb niets ontvangen, ook niet bij de buren.",
            "Ik wacht al drie weken en heb mijn bestelling nog steeds niet ontvangen.",
        ),
        "not_as_described": (
            "Het artikel komt niet overeen met de beschrijving.",
            "Dit is een ander model dan op de foto's, de kleur klopt ook niet.",
            "Dit is niet wat ik besteld heb.",
        ),
        "damaged": (
            "Het product kwam kapot aan, het glas was gebroken.",
            "Na twee dagen doet het al niets meer, het is defect.",
            "De doos was ingedeukt en het artikel is beschadigd.",
        ),
        "counterfeit": (
            "Dit is duidelijk nep, het logo staat scheef.",
            "Ik heb het vergeleken met het origineel: dit is namaak.",
            "De verpakking ziet er goedkoop uit, geen echt product.",
        ),
        "threat": (
            "Als ik vandaag niets hoor, dien ik een A-tot-Z-claim in.",
            "Ik wil mijn geld terug, anders open ik een A-tot-Z-garantieclaim.",
            "Als dit niet wordt opgelost, laat ik de betaling via mijn bank terugboeken.",
        ),
    },
    "routine": {
        "delivery": ("Hoi, wanneer wordt mijn bestelling bezorgd? Ik heb het voor zaterdag nodig.",
                     "Goedemiddag, is mijn bestelling al verzonden? Is er een track & trace code?"),
        "address": ("Hallo, ik heb een fout gemaakt in het adres, het huisnummer is 12A. Kan dat nog aangepast worden?",),
        "size": ("Valt de jas klein? Mijn zoon heeft normaal maat 116.", "Wat zijn de precieze afmetingen?"),
        "invoice": ("Kunt u mij een factuur met btw sturen? Het is voor mijn bedrijf.",),
        "gift": ("Kan het als cadeau ingepakt worden met een kaartje? Het is voor een verjaardag.",),
        "compat": ("Werkt de pan ook op inductie?", "Is dit geschikt voor een MacBook Air uit 2020?"),
    },
    "autoreply": (
        "Ik ben tot en met maandag afwezig en lees uw bericht daarna.",
        "Bedankt voor uw bericht. Ik ben op vakantie en heb beperkt toegang tot mijn e-mail.",
    ),
    "autoreply_subject": "Automatisch antwoord: Vraag van Amazon-klant {name} (Bestelling: {order})",
    "chargeback_subjects": ("Terugboeking voor bestelling {order}: reactie vereist",
                            "Melding van chargeback voor bestelling {order}"),
    "chargeback_body": "Beste {seller},\n\nEr is een terugboeking (chargeback) voor de volgende transactie:\n\n"
                       "Bestelnummer: {order}\nGekochte artikelen: 1 x ({item})\nBedrag: {amount}\n\n"
                       "Stuur ons binnen 7 dagen een bewijs van levering, anders kan uw account worden "
                       "belast.\n\nAmazon Services",
    "ah_subjects": ("Uw Amazon-verkopersaccount is gedeactiveerd",
                    "Actie vereist: waarschuwing over beleidsschending",
                    "Uw aanbieding is verwijderd (ASIN {asin})",
                    "Uw percentage defecte bestellingen ligt boven ons doel"),
    "ah_body": "Hallo,\n\nWe nemen contact met u op over uw Amazon-verkopersaccount. We hebben klachten van "
               "kopers ontvangen over de staat en echtheid van verkochte artikelen (ASIN {asin}). Dien via de "
               "pagina Accountstatus een actieplan in.\n\n{url}\n\nTeam Verkopersprestaties\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("Case-ID {case}: we hebben uw verzoek ontvangen",
                   "Case-ID {case}: bedankt voor uw contact met Selling Partner Support"),
        "answered": ("Case-ID {case}: Selling Partner Support heeft gereageerd",
                     "Case-ID {case}: er staat een antwoord voor u klaar"),
        "closed": ("Case-ID {case}: uw case is opgelost",
                   "Case-ID {case}: uw case is gesloten"),
    },
    "case_bodies": {
        "opened": "Hallo,\n\nBedankt voor uw contact met Amazon Support. Uw case-ID is {case}. We hebben uw "
                  "verzoek over '{topic}' ontvangen en reageren zo snel mogelijk.\n\n{url}\n\nAmazon",
        "answered": "Hallo,\n\nWe hebben gereageerd op uw case {case} over '{topic}'. U vindt ons antwoord in "
                    "het caselogboek.\n\n{url}\n\nAmazon",
        "closed": "Hallo,\n\nUw case {case} over '{topic}' is opgelost en nu gesloten. Als het probleem blijft, "
                  "kunt u de case binnen 14 dagen heropenen.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - we hebben uw verzoek ontvangen",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support heeft gereageerd",
        "closed": "[CASE {case}] {topic} - uw case is opgelost",
    },
    "case_topics": ("Aanbieding niet zichtbaar in zoekresultaten", "Voorraad niet ontvangen in het distributiecentrum",
                    "Merknaam van ASIN {asin} wijzigen", "Uitbetaling vastgehouden"),
    "return_subjects": ("Melding retourautorisatie voor bestelling {order}", "Retourverzoek voor bestelling {order}"),
    "return_body": "Bestelnummer: {order}\nArtikel: {item}\nASIN: {asin}\nRetourreden: {reason}\n"
                   "Datum verzoek: {date}\nAutorisatie: automatisch door Amazon",
    "return_reasons": ("Defect", "Niet meer nodig", "Verkeerde maat", "Per ongeluk besteld"),
    "refund_subjects": ("Terugbetaling uitgevoerd voor bestelling {order}", "Bevestiging terugbetaling bestelling {order}"),
    "refund_body": "Beste {seller},\n\nEr is {amount} terugbetaald aan de koper van bestelling {order} "
                   "({item}).\n\nAmazon Services",
    "cancel_subjects": ("Annuleringsverzoek voor bestelling {order}", "De koper wil bestelling {order} annuleren"),
    "cancel_body": "De koper heeft gevraagd bestelling {order} te annuleren. Als de bestelling nog niet is "
                   "verzonden, annuleer deze dan via Bestellingen beheren.\n\nArtikel: {item}",
    "feedback_subjects": ("Nieuwe negatieve feedback ontvangen voor bestelling {order}",),
    "feedback_body": "Een koper heeft feedback gegeven voor bestelling {order}.\n\nBeoordeling: {stars}/5\n"
                     "Opmerking: \"{comment}\"\n\nU kunt op deze feedback reageren in Seller Central.",
    "feedback_comments": ("Duurde eeuwen voordat het kwam.", "Artikel leek niet op de foto.", "Verkoper reageerde nooit."),
    "news": ("Webwinkel Nieuwsbrief", "Zo voorkomt u A-tot-Z-garantieclaims in de feestdagen",
             "Elke A-tot-Z-garantieclaim telt mee in uw percentage defecte bestellingen. Zo reageert u binnen "
             "48 uur..."),
    "colleague": ("Rooster magazijn volgende week",
                  "Hoi allemaal, het inpakstation is dinsdagochtend dicht. Kijken jullie voor vrijdag nog even "
                  "naar de openstaande A-tot-Z-claims?\nSanne"),
    "carrier": ("PostNL", "Je pakket {tracking} is bezorgd",
                "Je pakket {tracking} is vandaag om 10:42 bezorgd bij de buren."),
    "spoof_subjects": ("DRINGEND: A-tot-Z-garantieclaim voor bestelling {order} - reageer binnen 24 uur",
                       "Uw verkopersaccount wordt opgeschort"),
    "spoof_body": "Een koper heeft een A-tot-Z-garantieclaim ingediend voor bestelling {order}. Verifieer uw "
                  "account binnen 24 uur om opschorting te voorkomen: {url}",
}

PHRASES["pl"] = {
    "atoz_from": ("Gwarancja Amazon od A do Z", "Amazon Gwarancja A-do-Z"),
    "claim_subjects": (
        "Otrzymano roszczenie dotyczące zamówienia {order}",
        "Wniosek o zwrot pieniędzy dla zamówienia {order}",
        "Wymagane działanie: roszczenie do zamówienia {order}",
        "Potrzebna odpowiedź w sprawie zamówienia {order}",
    ),
    "claim_bodies": (
        "Szanowni Państwo,\n\notrzymaliśmy roszczenie w ramach Gwarancji od A do Z na kwotę {amount} dotyczące "
        "zamówienia {order}. Powód: {reason}. {window}\n\nZobacz roszczenie: {url}\n\nAmazon Services",
        "Dzień dobry,\n\nkupujący złożył roszczenie w ramach Gwarancji od A do Z do zamówienia {order} ({amount}). "
        "Podany powód: {reason}.\n\n{window} Jeśli nie otrzymamy odpowiedzi, możemy uwzględnić roszczenie i "
        "obciążyć Państwa konto.\n\n{url}\n\nZ poważaniem\nAmazon Services",
    ),
    "claim_reasons": ("Nie otrzymano przedmiotu", "Przedmiot znacząco różni się od opisu",
                      "Przedmiot dotarł uszkodzony lub wadliwy", "Przedmiot zwrócony, ale pieniądze nie wróciły"),
    "window_hours": "Prosimy o odpowiedź w ciągu {n} godzin.",
    "window_days": "Prosimy o odpowiedź w ciągu {n} dni.",
    "decision_subjects": {
        "granted": ("Decyzja w sprawie roszczenia do zamówienia {order}: roszczenie uwzględnione",
                    "Decyzja dotycząca Gwarancji od A do Z, zamówienie {order}"),
        "denied": ("Decyzja w sprawie roszczenia do zamówienia {order}: roszczenie odrzucone",
                   "Roszczenie zamknięte na Państwa korzyść: zamówienie {order}"),
    },
    "decision_bodies": {
        "granted": "Dzień dobry {seller},\n\nrozpatrzyliśmy roszczenie w ramach Gwarancji od A do Z do zamówienia "
                   "{order} i postanowiliśmy je uwzględnić. Kupującemu zwrócono {amount}, a kwotą tą obciążono "
                   "Państwa konto.\n\nOd decyzji można się odwołać w Seller Central: {url}\n\nAmazon Services",
        "denied": "Dzień dobry {seller},\n\npo analizie przekazanych informacji odrzuciliśmy roszczenie w ramach "
                  "Gwarancji od A do Z do zamówienia {order}. Państwa konto nie zostanie obciążone.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Zapytanie o dostawę od klienta Amazon {name} (Zamówienie: {order})",
        "product": "Pytanie o produkt od klienta Amazon {name} (Zamówienie: {order})",
        "return": "Zapytanie o zwrot od klienta Amazon {name} (Zamówienie: {order})",
        "other": "Zapytanie od klienta Amazon {name} (Zamówienie: {order})",
    },
    "order_line": "Numer zamówienia {order}:",
    "item_line": "1 z {item} [ASIN: {asin}]",
    "begin": "------------- Początek wiadomości -------------",
    "end": "------------- Koniec wiadomości -------------",
    "footer": "Dla informacji: aby rozstrzygać spory i dbać o zaufanie, przechowujemy przez dwa lata wszystkie "
              "wiadomości wymieniane przez kupujących i sprzedawców za pośrednictwem Amazon.",
    "helpful": "Czy ten e-mail był pomocny?",
    "risk": {
        "not_received": (
            "Paczka nigdy do mnie nie dotarła.",
            "Według śledzenia przesyłka została doręczona, ale nic nie dostałem, pytałem też sąsiadów.",
            "Czekam już trzy tygodnie i nadal nie otrzymałam zamówienia.",
        ),
        "not_as_described": (
            "Otrzymany produkt jest niezgodny z opisem.",
            "To inny model niż na zdjęciach, kolor też się nie zgadza.",
            "To nie jest to, co zamówiłem.",
        ),
        "damaged": (
            "Produkt przyszedł uszkodzony, pokrywka jest pęknięta.",
            "Po dwóch dniach przestał działać, jest wadliwy.",
            "Karton był zgnieciony, a towar zniszczony.",
        ),
        "counterfeit": (
            "To ewidentnie podróbka, logo jest krzywo nadrukowane.",
            "Porównałam z oryginałem i to jest podróbka.",
            "Opakowanie wygląda tandetnie, to nie jest oryginalny produkt.",
        ),
        "threat": (
            "Jeśli dziś nie dostanę odpowiedzi, złożę roszczenie z Gwarancji od A do Z.",
            "Chcę zwrotu pieniędzy, inaczej otworzę roszczenie A-do-Z.",
            "Jeśli sprawa nie zostanie załatwiona, zgłoszę chargeback w banku.",
        ),
    },
    "routine": {
        "delivery": ("Dzień dobry, kiedy dotrze moje zamówienie? Potrzebuję go przed sobotą.",
                     "Czy moje zamówienie zostało już wysłane? Jest numer przesyłki?"),
        "address": ("Dzień dobry, pomyliłem się w adresie, powinno być mieszkanie 14. Czy można to jeszcze zmienić?",),
        "size": ("Czy ten rozmiar jest zaniżony? Zwykle noszę M.", "Jakie są dokładne wymiary produktu?"),
        "invoice": ("Czy mogą Państwo wystawić fakturę VAT na firmę? Podam NIP.",),
        "gift": ("Czy można zapakować na prezent z krótkim liścikiem? To na urodziny.",),
        "compat": ("Czy patelnia nadaje się na płytę indukcyjną?", "Czy to pasuje do MacBooka Air z 2020 roku?"),
    },
    "autoreply": (
        "Jestem poza biurem do poniedziałku, odczytam wiadomość po powrocie.",
        "Dziękuję za wiadomość. Jestem na urlopie z ograniczonym dostępem do poczty.",
    ),
    "autoreply_subject": "Odpowiedź automatyczna: Zapytanie od klienta Amazon {name} (Zamówienie: {order})",
    "chargeback_subjects": ("Obciążenie zwrotne dla zamówienia {order}: wymagana odpowiedź",
                            "Powiadomienie o chargebacku dla zamówienia {order}"),
    "chargeback_body": "Dzień dobry {seller},\n\nwpłynęło obciążenie zwrotne (chargeback) dotyczące transakcji:\n\n"
                       "Numer zamówienia: {order}\nZakupione produkty: 1 x ({item})\nKwota: {amount}\n\n"
                       "Prosimy o przesłanie potwierdzenia dostawy w ciągu 7 dni, w przeciwnym razie możemy "
                       "obciążyć Państwa konto.\n\nAmazon Services",
    "ah_subjects": ("Państwa konto sprzedawcy Amazon zostało dezaktywowane",
                    "Wymagane działanie: ostrzeżenie o naruszeniu zasad",
                    "Oferta została usunięta (ASIN {asin})",
                    "Wskaźnik wadliwych zamówień przekracza nasz cel"),
    "ah_body": "Dzień dobry,\n\nkontaktujemy się w sprawie Państwa konta sprzedawcy Amazon. Otrzymaliśmy skargi "
               "kupujących dotyczące stanu i autentyczności sprzedanych produktów (ASIN {asin}). Prosimy o "
               "przesłanie planu działania na stronie Kondycja konta.\n\n{url}\n\nZespół ds. wyników sprzedawców\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("Identyfikator zgłoszenia {case}: otrzymaliśmy Twoją prośbę",
                   "Identyfikator zgłoszenia {case}: dziękujemy za kontakt z pomocą dla partnerów"),
        "answered": ("Identyfikator zgłoszenia {case}: zespół pomocy odpowiedział",
                     "Identyfikator zgłoszenia {case}: czeka na Ciebie odpowiedź"),
        "closed": ("Identyfikator zgłoszenia {case}: Twoje zgłoszenie zostało rozwiązane",
                   "Identyfikator zgłoszenia {case}: Twoje zgłoszenie zostało zamknięte"),
    },
    "case_bodies": {
        "opened": "Dzień dobry,\n\ndziękujemy za kontakt z pomocą Amazon. Identyfikator zgłoszenia: {case}. "
                  "Otrzymaliśmy prośbę dotyczącą „{topic}” i odpowiemy najszybciej, jak to możliwe.\n\n{url}\n\nAmazon",
        "answered": "Dzień dobry,\n\nodpowiedzieliśmy na zgłoszenie {case} dotyczące „{topic}”. Odpowiedź "
                    "znajdziesz w historii zgłoszenia.\n\n{url}\n\nAmazon",
        "closed": "Dzień dobry,\n\nzgłoszenie {case} dotyczące „{topic}” zostało rozwiązane i zamknięte. Jeśli "
                  "problem nadal występuje, możesz je ponownie otworzyć w ciągu 14 dni.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - otrzymaliśmy Twoją prośbę",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support odpowiedział",
        "closed": "[CASE {case}] {topic} - zgłoszenie zostało rozwiązane",
    },
    "case_topics": ("Oferta niewidoczna w wynikach wyszukiwania", "Towar nieprzyjęty w centrum logistycznym",
                    "Zmiana marki dla ASIN {asin}", "Wstrzymana wypłata"),
    "return_subjects": ("Powiadomienie o autoryzacji zwrotu dla zamówienia {order}", "Prośba o zwrot dla zamówienia {order}"),
    "return_body": "Numer zamówienia: {order}\nProdukt: {item}\nASIN: {asin}\nPowód zwrotu: {reason}\n"
                   "Data prośby: {date}\nAutoryzacja: automatyczna przez Amazon",
    "return_reasons": ("Wadliwy", "Już niepotrzebny", "Zły rozmiar", "Zamówiony przez pomyłkę"),
    "refund_subjects": ("Zwrot pieniędzy za zamówienie {order}", "Potwierdzenie zwrotu środków dla zamówienia {order}"),
    "refund_body": "Dzień dobry {seller},\n\nkupującemu zwrócono {amount} za zamówienie {order} ({item}).\n\nAmazon Services",
    "cancel_subjects": ("Prośba o anulowanie zamówienia {order}", "Kupujący chce anulować zamówienie {order}"),
    "cancel_body": "Kupujący poprosił o anulowanie zamówienia {order}. Jeśli zamówienie nie zostało jeszcze "
                   "wysłane, anuluj je w sekcji Zarządzaj zamówieniami.\n\nProdukt: {item}",
    "feedback_subjects": ("Otrzymano nową negatywną opinię dotyczącą zamówienia {order}",),
    "feedback_body": "Kupujący wystawił opinię do zamówienia {order}.\n\nOcena: {stars}/5\nKomentarz: "
                     "„{comment}”\n\nMożesz odpowiedzieć na tę opinię w Seller Central.",
    "feedback_comments": ("Dostawa trwała wieki.", "Produkt inny niż na zdjęciu.", "Sprzedawca nie odpowiadał."),
    "news": ("Newsletter E-handel", "Jak uniknąć roszczeń z Gwarancji od A do Z w sezonie świątecznym",
             "Każde roszczenie z Gwarancji od A do Z wpływa na wskaźnik wadliwych zamówień. Oto jak "
             "odpowiedzieć w ciągu 48 godzin..."),
    "colleague": ("Grafik magazynu na przyszły tydzień",
                  "Cześć, stanowisko pakowania będzie zamknięte we wtorek rano. Sprawdźcie przed piątkiem "
                  "otwarte roszczenia A-do-Z.\nZofia"),
    "carrier": ("InPost", "Twoja paczka {tracking} została odebrana",
                "Paczka {tracking} została dziś o 10:42 umieszczona w Paczkomacie i odebrana."),
    "spoof_subjects": ("PILNE: roszczenie z Gwarancji od A do Z do zamówienia {order} - odpowiedz w 24 h",
                       "Twoje konto sprzedawcy zostanie zawieszone"),
    "spoof_body": "Kupujący złożył roszczenie z Gwarancji od A do Z do zamówienia {order}. Zweryfikuj konto w "
                  "ciągu 24 godzin, aby uniknąć zawieszenia: {url}",
}

PHRASES["sv"] = {
    "atoz_from": ("Amazon A-till-Ö-garanti", "A-till-Ö-garantin"),
    "claim_subjects": (
        "Anspråk mottaget för order {order}",
        "Begäran om återbetalning mottagen för order {order}",
        "Åtgärd krävs: anspråk på order {order}",
        "Ditt svar behövs för order {order}",
    ),
    "claim_bodies": (
        "Hej {seller},\n\nVi har tagit emot ett anspråk enligt A-till-Ö-garantin på {amount} för order {order}. "
        "Orsak: {reason}. {window}\n\nVisa anspråket: {url}\n\nAmazon Services",
        "Hej,\n\nEn köpare har lämnat in ett anspråk enligt A-till-Ö-garantin för order {order} ({amount}). "
        "Angiven orsak: {reason}.\n\n{window} Om vi inte hör av dig kan vi bevilja anspråket och debitera "
        "ditt konto.\n\n{url}\n\nVänliga hälsningar,\nAmazon Services",
    ),
    "claim_reasons": ("Varan har inte tagits emot", "Varan skiljer sig väsentligt från beskrivningen",
                      "Varan kom skadad eller defekt", "Varan returnerades men pengarna återbetalades inte"),
    "window_hours": "Svara inom {n} timmar.",
    "window_days": "Vänligen svara inom {n} dagar.",
    "decision_subjects": {
        "granted": ("Beslut om anspråket för order {order}: anspråket beviljat",
                    "Beslut om A-till-Ö-garantianspråk för order {order}"),
        "denied": ("Beslut om anspråket för order {order}: anspråket avslaget",
                   "Anspråket avslutat till din fördel: order {order}"),
    },
    "decision_bodies": {
        "granted": "Hej {seller},\n\nVi har granskat A-till-Ö-garantianspråket för order {order} och beslutat att "
                   "bevilja det. Köparen har fått {amount} återbetalt och beloppet har debiterats ditt konto.\n\n"
                   "Du kan överklaga beslutet i Seller Central: {url}\n\nAmazon Services",
        "denied": "Hej {seller},\n\nEfter att ha granskat dina uppgifter har vi avslagit A-till-Ö-garantianspråket "
                  "för order {order}. Inget belopp debiteras ditt konto.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Fråga om leverans från Amazon-kunden {name} (Order: {order})",
        "product": "Fråga om produkten från Amazon-kunden {name} (Order: {order})",
        "return": "Fråga om retur från Amazon-kunden {name} (Order: {order})",
        "other": "Fråga från Amazon-kunden {name} (Order: {order})",
    },
    "order_line": "Ordernummer {order}:",
    "item_line": "1 av {item} [ASIN: {asin}]",
    "begin": "------------- Meddelandet börjar -------------",
    "end": "------------- Meddelandet slutar -------------",
    "footer": "För kännedom: för att kunna medla i tvister och bevara förtroendet sparar vi alla meddelanden "
              "mellan köpare och säljare via Amazon i två år.",
    "helpful": "Var det här e-postmeddelandet till hjälp?",
    "risk": {
        "not_received": (
            "Mitt paket har aldrig kommit fram.",
            "Spårningen säger levererad men här finns ingenting, jag har frågat grannarna också.",
            "Jag har väntat i tre veckor och har fortfarande inte fått min beställning.",
        ),
        "not_as_described": (
            "Varan stämmer inte alls med beskrivningen.",
            "Det är en annan modell än på bilderna och färgen är fel.",
            "Det här är inte det jag beställde.",
        ),
        "damaged": (
            "Varan kom trasig, locket är sprucket.",
            "Efter två dagar slutade den fungera, den är defekt.",
            "Kartongen var tillplattad och varan är skadad.",
        ),
        "counterfeit": (
            "Det här är uppenbart en förfalskning, loggan sitter snett.",
            "Jag har jämfört med originalet och det här är en kopia.",
            "Förpackningen ser billig ut, det är inte en äkta produkt.",
        ),
        "threat": (
            "Om jag inte får svar i dag gör jag ett A-till-Ö-anspråk.",
            "Jag vill ha pengarna tillbaka, annars öppnar jag ett anspråk enligt A-till-Ö-garantin.",
            "Löser ni inte detta bestrider jag betalningen hos min bank.",
        ),
    },
    "routine": {
        "delivery": ("Hej, när levereras min beställning? Jag behöver den före lördag.",
                     "Hej! Har min order skickats än? Finns det ett spårningsnummer?"),
        "address": ("Hej, jag skrev fel adress, det ska vara lägenhet 1102. Går det att ändra?",),
        "size": ("Är storleken liten i storleken? Jag brukar ha M.", "Vilka är de exakta måtten på varan?"),
        "invoice": ("Kan ni skicka en faktura med moms? Den är till mitt företag.",),
        "gift": ("Går det att få presentinslagning med ett kort? Det är en födelsedagspresent.",),
        "compat": ("Fungerar stekpannan på induktionshäll?", "Är den kompatibel med en MacBook Air från 2020?"),
    },
    "autoreply": (
        "Jag är inte på kontoret förrän måndag och läser ditt meddelande då.",
        "Tack för ditt mejl. Jag är på semester och har begränsad tillgång till e-post.",
    ),
    "autoreply_subject": "Automatiskt svar: Fråga från Amazon-kunden {name} (Order: {order})",
    "chargeback_subjects": ("Återkrav för order {order}: svar krävs",
                            "Meddelande om chargeback för order {order}"),
    "chargeback_body": "Hej {seller},\n\nDet finns ett återkrav (chargeback) för följande transaktion:\n\n"
                       "Ordernummer: {order}\nKöpta varor: 1 x ({item})\nBelopp: {amount}\n\n"
                       "Skicka leveransbevis inom 7 dagar, annars kan ditt konto debiteras.\n\nAmazon Services",
    "ah_subjects": ("Ditt säljarkonto på Amazon har inaktiverats",
                    "Åtgärd krävs: varning om policyöverträdelse",
                    "Ditt erbjudande har tagits bort (ASIN {asin})",
                    "Din andel defekta ordrar ligger över vårt mål"),
    "ah_body": "Hej,\n\nVi kontaktar dig angående ditt säljarkonto på Amazon. Vi har fått klagomål från köpare om "
               "skicket och äktheten hos sålda varor (ASIN {asin}). Skicka in en åtgärdsplan via sidan "
               "Kontohälsa.\n\n{url}\n\nTeamet för säljarprestanda\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("Ärende-ID {case}: Vi har tagit emot din förfrågan",
                   "Ärende-ID {case}: Tack för att du kontaktade Selling Partner Support"),
        "answered": ("Ärende-ID {case}: Selling Partner Support har svarat",
                     "Ärende-ID {case}: Ett svar väntar på dig"),
        "closed": ("Ärende-ID {case}: Ditt ärende har lösts",
                   "Ärende-ID {case}: Ditt ärende har stängts"),
    },
    "case_bodies": {
        "opened": "Hej,\n\nTack för att du kontaktade Amazons support. Ditt ärende-ID är {case}. Vi har tagit emot "
                  "din förfrågan om '{topic}' och svarar så snart som möjligt.\n\n{url}\n\nAmazon",
        "answered": "Hej,\n\nVi har svarat på ditt ärende {case} om '{topic}'. Du hittar svaret i "
                    "ärendeloggen.\n\n{url}\n\nAmazon",
        "closed": "Hej,\n\nDitt ärende {case} om '{topic}' har lösts och är nu stängt. Om problemet kvarstår kan "
                  "du öppna ärendet igen inom 14 dagar.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - vi har tagit emot din förfrågan",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support har svarat",
        "closed": "[CASE {case}] {topic} - ditt ärende har lösts",
    },
    "case_topics": ("Erbjudandet syns inte i sökningen", "Lagret har inte tagits emot på lagret",
                    "Ändra varumärke för ASIN {asin}", "Utbetalning spärrad"),
    "return_subjects": ("Meddelande om returgodkännande för order {order}", "Returbegäran för order {order}"),
    "return_body": "Ordernummer: {order}\nVara: {item}\nASIN: {asin}\nReturorsak: {reason}\n"
                   "Datum för begäran: {date}\nGodkännande: automatiskt av Amazon",
    "return_reasons": ("Defekt", "Behövs inte längre", "Fel storlek", "Beställd av misstag"),
    "refund_subjects": ("Återbetalning utförd för order {order}", "Bekräftelse på återbetalning för order {order}"),
    "refund_body": "Hej {seller},\n\nKöparen har fått {amount} återbetalt för order {order} ({item}).\n\nAmazon Services",
    "cancel_subjects": ("Begäran om avbokning för order {order}", "Köparen vill avbryta order {order}"),
    "cancel_body": "Köparen har begärt att order {order} ska avbrytas. Om ordern inte har skickats ännu, avbryt "
                   "den under Hantera ordrar.\n\nVara: {item}",
    "feedback_subjects": ("Nytt negativt omdöme mottaget för order {order}",),
    "feedback_body": "En köpare har lämnat ett omdöme för order {order}.\n\nBetyg: {stars}/5\nKommentar: "
                     "\"{comment}\"\n\nDu kan svara på omdömet i Seller Central.",
    "feedback_comments": ("Tog en evighet att komma.", "Varan såg inte ut som på bilden.", "Säljaren svarade aldrig."),
    "news": ("E-handelsnytt", "Så undviker du anspråk enligt A-till-Ö-garantin i julhandeln",
             "Varje anspråk enligt A-till-Ö-garantin påverkar din andel defekta ordrar. Så svarar du inom "
             "48 timmar..."),
    "colleague": ("Lagerschema nästa vecka",
                  "Hej alla, packstationen är stängd på tisdag förmiddag. Titta gärna på de öppna "
                  "A-till-Ö-anspråken före fredag.\nMaja"),
    "carrier": ("PostNord", "Ditt paket {tracking} har levererats",
                "Ditt paket {tracking} levererades i dag kl. 10:42 till ditt ombud."),
    "spoof_subjects": ("BRÅDSKANDE: anspråk enligt A-till-Ö-garantin på order {order} - svara inom 24 h",
                       "Ditt säljarkonto kommer att stängas av"),
    "spoof_body": "En köpare har öppnat ett anspråk enligt A-till-Ö-garantin på order {order}. Verifiera ditt "
                  "konto inom 24 timmar för att undvika avstängning: {url}",
}

PHRASES["ja"] = {
    "atoz_from": ("Amazonマーケットプレイス保証", "Amazon マーケットプレイス保証"),
    "claim_subjects": (
        "注文番号{order}について返金申請を受け付けました",
        "Amazonマーケットプレイス保証の申請がありました(注文番号: {order})",
        "【要対応】注文番号{order}の保証申請",
        "注文番号 {order} について回答をお願いします",
    ),
    "claim_bodies": (
        "{seller} 様\n\n注文番号{order}について、Amazonマーケットプレイス保証の申請({amount})を受け付けました。"
        "申請理由: {reason}。{window}\n\n申請内容の確認: {url}\n\nAmazon Services",
        "出品者様\n\nお客様より、注文番号 {order} ({amount}) についてマーケットプレイス保証の申請がありました。"
        "お客様が選択した理由: {reason}\n\n{window}ご回答がない場合、申請が承認され、お客様への返金額が出品者様の"
        "アカウントから差し引かれることがあります。\n\n{url}\n\nよろしくお願いいたします。\nAmazon Services",
    ),
    "claim_reasons": ("商品が届かない", "商品の説明と著しく異なる", "商品が破損または故障していた",
                      "返品したが返金されていない"),
    "window_hours": "{n}時間以内にご回答ください。",
    "window_days": "{n}日以内にご回答ください。",
    "decision_subjects": {
        "granted": ("注文番号{order}の保証申請について: 申請が承認されました",
                    "マーケットプレイス保証申請の決定のお知らせ(注文番号: {order})"),
        "denied": ("注文番号{order}の保証申請について: 申請は却下されました",
                   "出品者様に有利な決定で申請が終了しました: 注文番号{order}"),
    },
    "decision_bodies": {
        "granted": "{seller} 様\n\n注文番号{order}のマーケットプレイス保証申請を審査し、承認いたしました。"
                   "お客様に{amount}を返金し、同額を出品者様のアカウントから差し引きました。\n\n"
                   "この決定に異議がある場合は、セラーセントラルから申し立てができます: {url}\n\nAmazon Services",
        "denied": "{seller} 様\n\nご提供いただいた情報を確認した結果、注文番号{order}のマーケットプレイス保証申請は"
                  "却下されました。出品者様のアカウントから差し引かれる金額はありません。\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazonマーケットプレイス",
    "buyer_subjects": {
        "delivery": "配送についての問い合わせ: Amazonのお客様 {name}様より(注文番号: {order})",
        "product": "商品の詳細についての問い合わせ: Amazonのお客様 {name}様より(注文番号: {order})",
        "return": "返品についての問い合わせ: Amazonのお客様 {name}様より(注文番号: {order})",
        "other": "Amazonのお客様 {name}様からの問い合わせ(注文番号: {order})",
    },
    "order_line": "注文番号 {order}:",
    "item_line": "{item} 1点 [ASIN: {asin}]",
    "begin": "------------- メッセージはここから -------------",
    "end": "------------- メッセージはここまで -------------",
    "footer": "ご注意: 紛争の解決と安全な取引のため、Amazonを通じて購入者と出品者の間で送信されたメッセージは"
              "すべて2年間保存されます。",
    "helpful": "このメールは役に立ちましたか?",
    "risk": {
        "not_received": (
            "注文した商品がまだ届いていません。",
            "配送状況では配達済みになっていますが、受け取っていません。",
            "注文してから3週間たちますが、商品が届きません。",
        ),
        "not_as_described": (
            "届いた商品が説明と違います。",
            "写真と色もサイズも全然違う商品が届きました。",
            "注文したものと別の型番の商品でした。",
        ),
        "damaged": (
            "商品が壊れた状態で届きました。ふたが割れています。",
            "2日使っただけで動かなくなりました。初期不良だと思います。",
            "箱がつぶれていて、中の商品も破損していました。",
        ),
        "counterfeit": (
            "これは明らかに偽物です。ロゴの印刷がずれています。",
            "正規品と比べましたが、コピー品だと思います。",
            "パッケージが安っぽく、本物ではありません。",
        ),
        "threat": (
            "本日中にご連絡がなければ、Amazonマーケットプレイス保証を申請します。",
            "全額返金していただけない場合は、Amazonに保証申請をします。",
            "対応していただけないなら、カード会社に支払いの取り消しを依頼します。",
        ),
    },
    "routine": {
        "delivery": ("注文した商品はいつ頃届きますか?土曜日までに必要です。",
                     "もう発送されましたか?追跡番号を教えてください。"),
        "address": ("住所の部屋番号を間違えてしまいました。正しくは302号室です。まだ変更できますか?",),
        "size": ("このサイズは小さめですか?普段はMサイズを着ています。", "商品の正確なサイズを教えてください。"),
        "invoice": ("会社の経費で購入したので、領収書を発行していただけますか?",),
        "gift": ("ギフト包装とメッセージカードをお願いできますか?誕生日プレゼントです。",),
        "compat": ("この急須はIHでも使えますか?", "2020年のMacBook Airに対応していますか?"),
    },
    "autoreply": (
        "月曜日まで不在にしております。戻り次第メッセージを確認いたします。",
        "メールありがとうございます。休暇中のため、返信が遅れます。",
    ),
    "autoreply_subject": "自動応答: Amazonのお客様 {name}様からの問い合わせ(注文番号: {order})",
    "chargeback_subjects": ("注文番号{order}のチャージバックについて: ご回答が必要です",
                            "チャージバックのお知らせ(注文番号: {order})"),
    "chargeback_body": "{seller} 様\n\n以下の取引についてチャージバックの申請がありました。\n\n注文番号: {order}\n"
                       "購入商品: {item} 1点\n金額: {amount}\n\n7日以内に配送の証明をご提出ください。ご提出がない場合、"
                       "出品者様のアカウントから差し引かれることがあります。\n\nAmazon Services",
    "ah_subjects": ("Amazon出品用アカウントが停止されました",
                    "【要対応】ポリシー違反の警告",
                    "出品が削除されました(ASIN: {asin})",
                    "注文不良率が目標値を超えています"),
    "ah_body": "出品者様\n\nAmazon出品用アカウントについてご連絡いたします。販売された商品(ASIN: {asin})の状態および"
               "真正性について、お客様から苦情が寄せられています。アカウント健全性のページから改善計画をご提出ください。"
               "\n\n{url}\n\n出品者パフォーマンスチーム\nAmazon",
    "case_from": "Amazon出品パートナーサポート",
    "case_subjects": {
        "opened": ("ケースID {case}: お問い合わせを受け付けました",
                   "ケースID {case}: 出品パートナーサポートへのお問い合わせありがとうございます"),
        "answered": ("ケースID {case}: 出品パートナーサポートから回答がありました",
                     "ケースID {case}: 回答をご確認ください"),
        "closed": ("ケースID {case}: お問い合わせは解決しました",
                   "ケースID {case}: ケースはクローズされました"),
    },
    "case_bodies": {
        "opened": "出品者様\n\nAmazonサポートへのお問い合わせありがとうございます。ケースIDは{case}です。"
                  "「{topic}」についてのお問い合わせを受け付けました。できるだけ早く回答いたします。\n\n{url}\n\nAmazon",
        "answered": "出品者様\n\nケース{case}(「{topic}」)に回答いたしました。ケース履歴から回答をご確認ください。"
                    "\n\n{url}\n\nAmazon",
        "closed": "出品者様\n\nケース{case}(「{topic}」)は解決し、クローズされました。問題が解決していない場合は、"
                  "14日以内にケースを再開できます。\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - お問い合わせを受け付けました",
        "answered": "[CASE {case}] {topic} - Amazonベンダーサポートから回答がありました",
        "closed": "[CASE {case}] {topic} - お問い合わせは解決しました",
    },
    "case_topics": ("商品が検索結果に表示されない", "納品した在庫が受領されていない",
                    "ASIN {asin} のブランド名の変更", "支払いが保留されている"),
    "return_subjects": ("返品リクエストの承認のお知らせ(注文番号: {order})", "注文番号{order}の返品リクエスト"),
    "return_body": "注文番号: {order}\n商品: {item}\nASIN: {asin}\n返品理由: {reason}\n"
                   "返品リクエスト日: {date}\n承認: Amazonによる自動承認",
    "return_reasons": ("不良品", "不要になった", "サイズが合わない", "間違えて注文した"),
    "refund_subjects": ("注文番号{order}の返金が完了しました", "返金のお知らせ(注文番号: {order})"),
    "refund_body": "{seller} 様\n\n注文番号{order}({item})について、お客様に{amount}を返金しました。\n\nAmazon Services",
    "cancel_subjects": ("注文番号{order}のキャンセルリクエスト", "購入者様から注文{order}のキャンセル依頼がありました"),
    "cancel_body": "購入者様から注文番号{order}のキャンセルのリクエストがありました。まだ発送していない場合は、"
                   "注文管理からキャンセルしてください。\n\n商品: {item}",
    "feedback_subjects": ("注文番号{order}に新しい低い評価が投稿されました",),
    "feedback_body": "注文番号{order}について、購入者様から評価が投稿されました。\n\n評価: {stars}/5\n"
                     "コメント: 「{comment}」\n\nセラーセントラルからこの評価に返信できます。",
    "feedback_comments": ("届くまでにとても時間がかかった。", "写真と違う商品だった。", "出品者から返信がなかった。"),
    "news": ("ECセラー通信", "年末商戦でマーケットプレイス保証の申請を減らす5つの方法",
             "マーケットプレイス保証(A-to-z)の申請は注文不良率に影響します。48時間以内に回答するためのコツを"
             "ご紹介します..."),
    "colleague": ("来週の倉庫シフトについて",
                  "皆さん、火曜日の午前は梱包作業場が使えません。金曜日までに保証申請の一覧を確認しておいてください。\n森"),
    "carrier": ("Yamato", "お荷物のお届け完了のお知らせ(伝票番号 {tracking})",
                "伝票番号{tracking}のお荷物は本日10時42分にお届けが完了しました。"),
    "spoof_subjects": ("【緊急】注文番号{order}の保証申請 - 24時間以内に対応してください",
                       "出品用アカウントが停止されます"),
    "spoof_body": "注文番号{order}についてマーケットプレイス保証の申請がありました。アカウントの停止を避けるため、"
                  "24時間以内に以下からアカウントを確認してください: {url}",
}

PHRASES["pt"] = {
    "atoz_from": ("Garantia de A a Z da Amazon", "Amazon Garantia A-to-z"),
    "claim_subjects": (
        "Reclamação recebida para o pedido {order}",
        "Solicitação de reembolso recebida para o pedido {order}",
        "Ação necessária: reclamação no pedido {order}",
        "Precisamos da sua resposta sobre o pedido {order}",
    ),
    "claim_bodies": (
        "Olá, {seller},\n\nRecebemos uma reclamação da Garantia de A a Z no valor de {amount} para o pedido {order}. "
        "Motivo: {reason}. {window}\n\nVer a reclamação: {url}\n\nAmazon Services",
        "Olá,\n\nUm comprador abriu uma reclamação da Garantia de A a Z para o pedido {order} ({amount}). "
        "Motivo informado: {reason}.\n\n{window} Se não recebermos sua resposta, poderemos conceder a "
        "reclamação e debitar o valor da sua conta.\n\n{url}\n\nAtenciosamente,\nAmazon Services",
    ),
    "claim_reasons": ("Item não recebido", "Item significativamente diferente da descrição",
                      "Item chegou danificado ou com defeito", "Item devolvido, mas não reembolsado"),
    "window_hours": "Responda em até {n} horas.",
    "window_days": "Responda no prazo de {n} dias.",
    "decision_subjects": {
        "granted": ("Decisão sobre a reclamação do pedido {order}: reclamação concedida",
                    "Decisão da Garantia de A a Z para o pedido {order}"),
        "denied": ("Decisão sobre a reclamação do pedido {order}: reclamação negada",
                   "Reclamação encerrada a seu favor: pedido {order}"),
    },
    "decision_bodies": {
        "granted": "Olá, {seller},\n\nAnalisamos a reclamação da Garantia de A a Z do pedido {order} e decidimos "
                   "concedê-la. O comprador foi reembolsado em {amount}, valor debitado da sua conta.\n\n"
                   "Você pode recorrer desta decisão no Seller Central: {url}\n\nAmazon Services",
        "denied": "Olá, {seller},\n\nApós analisar as informações enviadas, negamos a reclamação da Garantia de A "
                  "a Z do pedido {order}. Nenhum valor será debitado da sua conta.\n\n{url}\n\nAmazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Dúvida sobre a entrega do cliente Amazon {name} (Pedido: {order})",
        "product": "Dúvida sobre o produto do cliente Amazon {name} (Pedido: {order})",
        "return": "Dúvida sobre devolução do cliente Amazon {name} (Pedido: {order})",
        "other": "Mensagem do cliente Amazon {name} (Pedido: {order})",
    },
    "order_line": "Número do pedido {order}:",
    "item_line": "1 de {item} [ASIN: {asin}]",
    "begin": "------------- Início da mensagem -------------",
    "end": "------------- Fim da mensagem -------------",
    "footer": "Para sua informação: para mediar disputas e preservar a confiança, guardamos por dois anos todas "
              "as mensagens trocadas entre compradores e vendedores pela Amazon.",
    "helpful": "Este e-mail foi útil?",
    "risk": {
        "not_received": (
            "Meu pacote nunca chegou.",
            "O rastreamento diz entregue, mas não recebi nada, já perguntei na portaria.",
            "Já faz três semanas e ainda não recebi meu pedido.",
        ),
        "not_as_described": (
            "O produto que recebi não corresponde à descrição.",
            "Não é o modelo das fotos, a cor e o tamanho são diferentes.",
            "Isso não é o que eu comprei.",
        ),
        "damaged": (
            "O produto chegou quebrado, a tampa está trincada.",
            "Depois de dois dias parou de funcionar, veio com defeito.",
            "A caixa veio amassada e o produto está danificado.",
        ),
        "counterfeit": (
            "Isso é claramente falsificado, o logotipo está torto.",
            "Comparei com o original e é uma réplica.",
            "A embalagem parece uma imitação barata, não é um produto original.",
        ),
        "threat": (
            "Se não tiver resposta hoje vou abrir uma reclamação na Garantia de A a Z.",
            "Quero meu dinheiro de volta ou vou abrir uma reclamação A-to-z.",
            "Se não resolverem, vou contestar a compra no cartão de crédito.",
        ),
    },
    "routine": {
        "delivery": ("Olá, quando meu pedido vai chegar? Preciso até sábado.",
                     "Boa tarde, meu pedido já foi enviado? Tem código de rastreio?"),
        "address": ("Olá, errei o complemento do endereço, é apto 42. Ainda dá para alterar?",),
        "size": ("O tamanho é pequeno? Normalmente uso M.", "Quais são as medidas exatas do produto?"),
        "invoice": ("Vocês podem emitir a nota fiscal no CNPJ da minha empresa?",),
        "gift": ("É possível embalar para presente com um cartão? É aniversário.",),
        "compat": ("A frigideira funciona em cooktop de indução?", "É compatível com MacBook Air de 2020?"),
    },
    "autoreply": (
        "Estou fora do escritório até segunda-feira e lerei sua mensagem quando voltar.",
        "Obrigado pelo contato. Estou de férias com acesso limitado ao e-mail.",
    ),
    "autoreply_subject": "Resposta automática: Mensagem do cliente Amazon {name} (Pedido: {order})",
    "chargeback_subjects": ("Estorno no pedido {order}: resposta necessária",
                            "Notificação de chargeback para o pedido {order}"),
    "chargeback_body": "Olá, {seller},\n\nHá uma contestação de pagamento (chargeback) na seguinte transação:\n\n"
                       "Número do pedido: {order}\nItens comprados: 1 x ({item})\nValor: {amount}\n\n"
                       "Envie um comprovante de entrega no prazo de 7 dias, caso contrário o valor poderá ser "
                       "debitado da sua conta.\n\nAmazon Services",
    "ah_subjects": ("Sua conta de vendedor da Amazon foi desativada",
                    "Ação necessária: aviso de violação de política",
                    "Seu anúncio foi removido (ASIN {asin})",
                    "Sua taxa de pedidos com defeito está acima da meta"),
    "ah_body": "Olá,\n\nEntramos em contato sobre sua conta de vendedor da Amazon. Recebemos reclamações de "
               "compradores sobre o estado e a autenticidade de itens vendidos (ASIN {asin}). Envie um plano de "
               "ação pela página Saúde da conta.\n\n{url}\n\nEquipe de Desempenho do Vendedor\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("ID do caso {case}: recebemos sua solicitação",
                   "ID do caso {case}: obrigado por entrar em contato com o Suporte ao Parceiro de Vendas"),
        "answered": ("ID do caso {case}: o Suporte ao Parceiro de Vendas respondeu",
                     "ID do caso {case}: há uma resposta para você"),
        "closed": ("ID do caso {case}: seu caso foi resolvido",
                   "ID do caso {case}: seu caso foi encerrado"),
    },
    "case_bodies": {
        "opened": "Olá,\n\nObrigado por entrar em contato com o suporte da Amazon. O ID do seu caso é {case}. "
                  "Recebemos sua solicitação sobre \"{topic}\" e responderemos o mais rápido possível.\n\n{url}\n\nAmazon",
        "answered": "Olá,\n\nRespondemos ao seu caso {case} sobre \"{topic}\". Veja a resposta no histórico do "
                    "caso.\n\n{url}\n\nAmazon",
        "closed": "Olá,\n\nSeu caso {case} sobre \"{topic}\" foi resolvido e agora está encerrado. Se o problema "
                  "continuar, você pode reabrir o caso em até 14 dias.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - recebemos sua solicitação",
        "answered": "[CASE {case}] {topic} - o Amazon Vendor Support respondeu",
        "closed": "[CASE {case}] {topic} - seu caso foi resolvido",
    },
    "case_topics": ("Anúncio não aparece na busca", "Estoque não recebido no centro de distribuição",
                    "Alterar a marca do ASIN {asin}", "Repasse retido"),
    "return_subjects": ("Notificação de autorização de devolução para o pedido {order}",
                        "Solicitação de devolução para o pedido {order}"),
    "return_body": "Número do pedido: {order}\nItem: {item}\nASIN: {asin}\nMotivo da devolução: {reason}\n"
                   "Data da solicitação: {date}\nAutorização: automática pela Amazon",
    "return_reasons": ("Com defeito", "Não preciso mais", "Tamanho errado", "Comprado por engano"),
    "refund_subjects": ("Reembolso emitido para o pedido {order}", "Confirmação de reembolso do pedido {order}"),
    "refund_body": "Olá, {seller},\n\nFoi emitido um reembolso de {amount} ao comprador do pedido {order} "
                   "({item}).\n\nAmazon Services",
    "cancel_subjects": ("Solicitação de cancelamento do pedido {order}", "O comprador pediu o cancelamento do pedido {order}"),
    "cancel_body": "O comprador solicitou o cancelamento do pedido {order}. Se ainda não foi enviado, cancele-o "
                   "em Gerenciar pedidos.\n\nItem: {item}",
    "feedback_subjects": ("Nova avaliação negativa recebida para o pedido {order}",),
    "feedback_body": "Um comprador deixou uma avaliação para o pedido {order}.\n\nNota: {stars}/5\n"
                     "Comentário: \"{comment}\"\n\nVocê pode responder a esta avaliação no Seller Central.",
    "feedback_comments": ("Demorou demais para chegar.", "Produto diferente da foto.", "O vendedor nunca respondeu."),
    "news": ("Boletim do Vendedor Online", "Como evitar reclamações da Garantia de A a Z na Black Friday",
             "Cada reclamação da Garantia de A a Z conta na sua taxa de pedidos com defeito. Veja como "
             "responder em até 48 horas..."),
    "colleague": ("Escala do estoque na próxima semana",
                  "Oi pessoal, a bancada de embalagem fica fechada na terça de manhã. Deem uma olhada nas "
                  "reclamações A-to-z abertas antes de sexta.\nAna"),
    "carrier": ("Correios", "Seu objeto {tracking} foi entregue",
                "O objeto {tracking} foi entregue hoje às 10:42 ao destinatário."),
    "spoof_subjects": ("URGENTE: reclamação da Garantia de A a Z no pedido {order} - responda em 24h",
                       "Sua conta de vendedor será suspensa"),
    "spoof_body": "Um comprador abriu uma reclamação da Garantia de A a Z no pedido {order}. Verifique sua conta "
                  "em até 24 horas para evitar a suspensão: {url}",
}

PHRASES["tr"] = {
    "atoz_from": ("Amazon A'dan Z'ye Garanti", "A'dan Z'ye Garanti"),
    "claim_subjects": (
        "{order} numaralı sipariş için talep alındı",
        "{order} numaralı sipariş için para iadesi talebi alındı",
        "İşlem gerekli: {order} numaralı siparişe ilişkin talep",
        "{order} numaralı sipariş için yanıtınız gerekiyor",
    ),
    "claim_bodies": (
        "Sayın {seller},\n\n{order} numaralı sipariş için {amount} tutarında bir A'dan Z'ye Garanti talebi aldık. "
        "Talep nedeni: {reason}. {window}\n\nTalebi görüntüleyin: {url}\n\nAmazon Services",
        "Merhaba,\n\nBir alıcı {order} numaralı sipariş ({amount}) için A'dan Z'ye Garanti kapsamında talepte "
        "bulundu. Belirtilen neden: {reason}.\n\n{window} Sizden yanıt alamazsak talebi onaylayabilir ve "
        "tutarı hesabınızdan düşebiliriz.\n\n{url}\n\nSaygılarımızla,\nAmazon Services",
    ),
    "claim_reasons": ("Ürün teslim alınmadı", "Ürün açıklamadan önemli ölçüde farklı",
                      "Ürün hasarlı veya kusurlu geldi", "Ürün iade edildi ancak para iadesi yapılmadı"),
    "window_hours": "Lütfen {n} saat içinde yanıt verin.",
    "window_days": "Lütfen {n} gün içinde yanıt verin.",
    "decision_subjects": {
        "granted": ("{order} numaralı sipariş için talep kararı: talep onaylandı",
                    "{order} numaralı sipariş için A'dan Z'ye Garanti kararı"),
        "denied": ("{order} numaralı sipariş için talep kararı: talep reddedildi",
                   "Talep lehinize kapatıldı: sipariş {order}"),
    },
    "decision_bodies": {
        "granted": "Sayın {seller},\n\n{order} numaralı siparişe ilişkin A'dan Z'ye Garanti talebini inceledik "
                   "ve onaylamaya karar verdik. Alıcıya {amount} iade edildi ve bu tutar hesabınızdan düşüldü.\n\n"
                   "Bu karara Seller Central üzerinden itiraz edebilirsiniz: {url}\n\nAmazon Services",
        "denied": "Sayın {seller},\n\nSağladığınız bilgileri inceledikten sonra {order} numaralı siparişe ilişkin "
                  "A'dan Z'ye Garanti talebini reddettik. Hesabınızdan herhangi bir tutar düşülmeyecektir.\n\n{url}\n\n"
                  "Amazon Services",
    },
    "buyer_label": "Amazon Marketplace",
    "buyer_subjects": {
        "delivery": "Amazon müşterisi {name} tarafından teslimat sorusu (Sipariş: {order})",
        "product": "Amazon müşterisi {name} tarafından ürün sorusu (Sipariş: {order})",
        "return": "Amazon müşterisi {name} tarafından iade sorusu (Sipariş: {order})",
        "other": "Amazon müşterisi {name} tarafından soru (Sipariş: {order})",
    },
    "order_line": "Sipariş numarası {order}:",
    "item_line": "1 adet {item} [ASIN: {asin}]",
    "begin": "------------- Mesaj başlangıcı -------------",
    "end": "------------- Mesaj sonu -------------",
    "footer": "Bilginize: Anlaşmazlıkları çözmek ve güveni korumak için alıcılar ile satıcılar arasında Amazon "
              "üzerinden gönderilen tüm mesajları iki yıl boyunca saklarız.",
    "helpful": "Bu e-posta yararlı oldu mu?",
    "risk": {
        "not_received": (
            "Paketim hiç gelmedi.",
            "Kargo takibinde teslim edildi yazıyor ama bana hiçbir şey ulaşmadı, komşulara da sordum.",
            "Üç haftadır bekliyorum ve siparişim hâlâ gelmedi.",
        ),
        "not_as_described": (
            "Gelen ürün açıklamayla uyuşmuyor.",
            "Fotoğraftaki modelden farklı, rengi ve bedeni de yanlış.",
            "Bu benim sipariş ettiğim ürün değil.",
        ),
        "damaged": (
            "Ürün kırık geldi, kapağı çatlamış.",
            "İki gün sonra çalışmayı bıraktı, arızalı.",
            "Kutu ezilmişti ve ürün hasarlı.",
        ),
        "counterfeit": (
            "Bu açıkça sahte, logo yamuk basılmış.",
            "Orijinaliyle karşılaştırdım, bu bir taklit.",
            "Ambalajı ucuz görünüyor, orijinal ürün değil.",
        ),
        "threat": (
            "Bugün yanıt alamazsam A'dan Z'ye Garanti talebi açacağım.",
            "Paramın tamamını geri istiyorum, yoksa A-to-z talebi oluşturacağım.",
            "Çözülmezse bankama başvurup ödemeye itiraz edeceğim.",
        ),
    },
    "routine": {
        "delivery": ("Merhaba, siparişim ne zaman teslim edilir? Cumartesiye kadar lazım.",
                     "Merhaba, siparişim kargoya verildi mi? Takip numarası var mı?"),
        "address": ("Merhaba, adreste daire numarasını yanlış yazdım, doğrusu 7. Hâlâ değiştirilebilir mi?",),
        "size": ("Bu beden dar mı kalıyor? Normalde M giyiyorum.", "Ürünün tam ölçüleri nedir?"),
        "invoice": ("Şirketim adına fatura kesebilir misiniz? Vergi numaramı iletebilirim.",),
        "gift": ("Hediye paketi yapılabilir mi, küçük bir not ile? Doğum günü hediyesi.",),
        "compat": ("Tava indüksiyonlu ocakta kullanılabilir mi?", "2020 model MacBook Air ile uyumlu mu?"),
    },
    "autoreply": (
        "Pazartesi gününe kadar ofis dışındayım, döndüğümde mesajınızı okuyacağım.",
        "E-postanız için teşekkürler. Şu an izindeyim ve e-postalarıma erişimim sınırlı.",
    ),
    "autoreply_subject": "Otomatik yanıt: Amazon müşterisi {name} tarafından soru (Sipariş: {order})",
    "chargeback_subjects": ("{order} numaralı sipariş için ters ibraz: yanıt gerekli",
                            "{order} numaralı sipariş için chargeback bildirimi"),
    "chargeback_body": "Sayın {seller},\n\nAşağıdaki işlem için bir ters ibraz (chargeback) başlatıldı:\n\n"
                       "Sipariş numarası: {order}\nSatın alınan ürünler: 1 x ({item})\nTutar: {amount}\n\n"
                       "Lütfen 7 gün içinde teslimat kanıtı gönderin, aksi halde tutar hesabınızdan düşülebilir."
                       "\n\nAmazon Services",
    "ah_subjects": ("Amazon satıcı hesabınız devre dışı bırakıldı",
                    "İşlem gerekli: politika ihlali uyarısı",
                    "Teklifiniz kaldırıldı (ASIN {asin})",
                    "Kusurlu sipariş oranınız hedefimizin üzerinde"),
    "ah_body": "Merhaba,\n\nAmazon satıcı hesabınızla ilgili olarak size ulaşıyoruz. Sattığınız ürünlerin "
               "durumu ve orijinalliği hakkında alıcılardan şikâyetler aldık (ASIN {asin}). Lütfen Hesap Durumu "
               "sayfasından bir eylem planı gönderin.\n\n{url}\n\nSatıcı Performansı Ekibi\nAmazon",
    "case_from": "Amazon Selling Partner Support",
    "case_subjects": {
        "opened": ("Destek kaydı kimliği {case}: talebinizi aldık",
                   "Destek kaydı kimliği {case}: Satış Ortağı Desteği ile iletişime geçtiğiniz için teşekkürler"),
        "answered": ("Destek kaydı kimliği {case}: Satış Ortağı Desteği yanıt verdi",
                     "Destek kaydı kimliği {case}: sizi bekleyen bir yanıt var"),
        "closed": ("Destek kaydı kimliği {case}: destek kaydınız çözüldü",
                   "Destek kaydı kimliği {case}: destek kaydınız kapatıldı"),
    },
    "case_bodies": {
        "opened": "Merhaba,\n\nAmazon Destek ile iletişime geçtiğiniz için teşekkür ederiz. Destek kaydı kimliğiniz "
                  "{case}. \"{topic}\" konulu talebinizi aldık ve en kısa sürede yanıt vereceğiz.\n\n{url}\n\nAmazon",
        "answered": "Merhaba,\n\n\"{topic}\" konulu {case} numaralı destek kaydınıza yanıt verdik. Yanıtı kayıt "
                    "geçmişinde görebilirsiniz.\n\n{url}\n\nAmazon",
        "closed": "Merhaba,\n\n\"{topic}\" konulu {case} numaralı destek kaydınız çözüldü ve kapatıldı. Sorun devam "
                  "ederse kaydı 14 gün içinde yeniden açabilirsiniz.\n\n{url}\n\nAmazon",
    },
    "vendor_subjects": {
        "opened": "[CASE {case}] {topic} - talebinizi aldık",
        "answered": "[CASE {case}] {topic} - Amazon Vendor Support yanıt verdi",
        "closed": "[CASE {case}] {topic} - destek kaydınız çözüldü",
    },
    "case_topics": ("Teklif aramada görünmüyor", "Envanter lojistik merkezine ulaşmadı",
                    "ASIN {asin} için marka adı değişikliği", "Ödeme bekletiliyor"),
    "return_subjects": ("{order} numaralı sipariş için iade yetkilendirme bildirimi",
                        "{order} numaralı sipariş için iade talebi"),
    "return_body": "Sipariş numarası: {order}\nÜrün: {item}\nASIN: {asin}\nİade nedeni: {reason}\n"
                   "Talep tarihi: {date}\nYetkilendirme: Amazon tarafından otomatik",
    "return_reasons": ("Kusurlu", "Artık gerekli değil", "Yanlış beden", "Yanlışlıkla sipariş edildi"),
    "refund_subjects": ("{order} numaralı sipariş için para iadesi yapıldı", "{order} numaralı sipariş için iade onayı"),
    "refund_body": "Sayın {seller},\n\n{order} numaralı sipariş ({item}) için alıcıya {amount} iade edildi.\n\nAmazon Services",
    "cancel_subjects": ("{order} numaralı sipariş için iptal talebi", "Alıcı {order} numaralı siparişi iptal etmek istiyor"),
    "cancel_body": "Alıcı {order} numaralı siparişin iptalini talep etti. Sipariş henüz kargoya verilmediyse "
                   "Siparişleri Yönet bölümünden iptal edin.\n\nÜrün: {item}",
    "feedback_subjects": ("{order} numaralı sipariş için yeni olumsuz geri bildirim alındı",),
    "feedback_body": "Bir alıcı {order} numaralı sipariş için geri bildirim bıraktı.\n\nPuan: {stars}/5\n"
                     "Yorum: \"{comment}\"\n\nBu geri bildirime Seller Central üzerinden yanıt verebilirsiniz.",
    "feedback_comments": ("Çok geç geldi.", "Ürün fotoğraftakinden farklıydı.", "Satıcı hiç yanıt vermedi."),
    "news": ("E-Ticaret Bülteni", "Yılbaşı sezonunda A'dan Z'ye Garanti taleplerinden kaçınmanın 5 yolu",
             "Her A'dan Z'ye Garanti talebi kusurlu sipariş oranınızı etkiler. 48 saat içinde nasıl yanıt "
             "vereceğinizi anlatıyoruz..."),
    "colleague": ("Gelecek haftanın depo vardiyaları",
                  "Merhaba arkadaşlar, paketleme istasyonu salı sabahı kapalı olacak. Cumadan önce açık "
                  "A'dan Z'ye taleplerine bir göz atın.\nZeynep"),
    "carrier": ("Aras Kargo", "{tracking} numaralı gönderiniz teslim edildi",
                "{tracking} numaralı gönderiniz bugün saat 10:42'de teslim edildi."),
    "spoof_subjects": ("ACİL: {order} numaralı siparişte A'dan Z'ye Garanti talebi - 24 saat içinde yanıtlayın",
                       "Satıcı hesabınız askıya alınacak"),
    "spoof_body": "Bir alıcı {order} numaralı sipariş için A'dan Z'ye Garanti talebi açtı. Askıya alınmamak için "
                  "hesabınızı 24 saat içinde doğrulayın: {url}",
}

# ---------------------------------------------------------------------------------------------
# Case wording the plain case tables do not cover: a case about an A-to-z claim or its appeal
# (it names the order and the guarantee, yet stays a case), and the status words for "Amazon
# has answered and waits for you" and for "your case was opened". Per language: the subject's
# case-id prefix, the guarantee named for a claim and for an appeal, and the status subjects.
# ---------------------------------------------------------------------------------------------
CASE_WORDING: dict[str, dict] = {
    "en": {"prefix": "Case ID {case}: ",
           "atoz": ("A-to-z Guarantee claim on order {order}", "appeal of the A-to-z claim decision for order {order}"),
           "waiting": ("Your case needs your attention", "Action required on your case",
                       "Your case requires your action"),
           "opened": ("Your case has been opened", "New case opened: {topic}")},
    "de": {"prefix": "Fall-ID {case}: ",
           "atoz": ("A-bis-z-Garantieantrag zur Bestellung {order}",
                    "Einspruch gegen die Entscheidung zum A-bis-z-Garantieantrag, Bestellung {order}"),
           "waiting": ("Ihr Fall erfordert Ihre Aufmerksamkeit", "Handlungsbedarf bei Ihrem Fall",
                       "Ihr Fall erfordert eine Aktion von Ihnen"),
           "opened": ("Ihr Fall wurde eröffnet", "Neuer Fall eröffnet: {topic}")},
    "fr": {"prefix": "ID de cas {case} : ",
           "atoz": ("réclamation au titre de la Garantie A à Z, commande {order}",
                    "appel de la décision sur la réclamation Garantie A à Z, commande {order}"),
           "waiting": ("votre cas nécessite votre attention", "action requise concernant votre cas",
                       "votre cas requiert une action de votre part"),
           "opened": ("votre cas a été ouvert", "ouverture de votre cas : {topic}")},
    "it": {"prefix": "ID caso {case}: ",
           "atoz": ("reclamo Garanzia dalla A alla Z per l'ordine {order}",
                    "ricorso contro la decisione sul reclamo dalla A alla Z, ordine {order}"),
           "waiting": ("il tuo caso richiede la tua attenzione", "azione richiesta per il tuo caso",
                       "il tuo caso richiede un tuo intervento"),
           "opened": ("il tuo caso è stato aperto", "apertura del caso: {topic}")},
    "es": {"prefix": "ID de caso {case}: ",
           "atoz": ("reclamación de la Garantía de la A a la Z del pedido {order}",
                    "apelación de la decisión sobre la reclamación de la A a la Z, pedido {order}"),
           "waiting": ("tu caso requiere tu atención", "acción requerida en tu caso",
                       "tu caso necesita una acción por tu parte"),
           "opened": ("se ha abierto tu caso", "caso abierto: {topic}")},
    "nl": {"prefix": "Case-ID {case}: ",
           "atoz": ("A-tot-Z-garantieclaim voor bestelling {order}",
                    "bezwaar tegen de beslissing over de A-tot-Z-garantieclaim, bestelling {order}"),
           "waiting": ("uw zaak vereist uw aandacht", "actie vereist voor uw zaak", "uw zaak wacht op uw reactie"),
           "opened": ("uw zaak is geopend", "zaak geopend: {topic}")},
    "pl": {"prefix": "Identyfikator zgłoszenia {case}: ",
           "atoz": ("roszczenie z gwarancji od A do Z, zamówienie {order}",
                    "odwołanie od decyzji w sprawie gwarancji od A do Z, zamówienie {order}"),
           "waiting": ("Twoje zgłoszenie wymaga Twojej uwagi", "wymagane działanie w Twoim zgłoszeniu",
                       "zgłoszenie oczekuje na Twoją odpowiedź"),
           "opened": ("Twoje zgłoszenie zostało otwarte", "otwarto zgłoszenie: {topic}")},
    "sv": {"prefix": "Ärende-ID {case}: ",
           "atoz": ("A-till-Ö-garantianspråk för beställning {order}",
                    "överklagande av beslutet om A-till-Ö-garantin, beställning {order}"),
           "waiting": ("ditt ärende behöver din uppmärksamhet", "åtgärd krävs för ditt ärende",
                       "ditt ärende väntar på ditt svar"),
           "opened": ("ditt ärende har öppnats", "ärende öppnat: {topic}")},
    "ja": {"prefix": "ケースID {case}: ",
           "atoz": ("注文番号 {order} のAmazonマーケットプレイス保証申請", "注文番号 {order} のマーケットプレイス保証の決定に対する異議申し立て"),
           "waiting": ("ケースへのご対応が必要です", "お客様のご対応が必要です", "ご返信をお待ちしております"),
           "opened": ("ケースが開始されました", "ケースがオープンされました")},
    "pt": {"prefix": "ID do caso {case}: ",
           "atoz": ("reclamação da Garantia de A a Z do pedido {order}",
                    "recurso da decisão sobre a reclamação de A a Z, pedido {order}"),
           "waiting": ("seu caso precisa da sua atenção",
                       "ação necessária no seu caso", "seu caso requer uma ação sua"),
           "opened": ("seu caso foi aberto", "caso aberto: {topic}")},
    "tr": {"prefix": "Destek kaydı kimliği {case}: ",
           "atoz": ("{order} numaralı sipariş için A'dan Z'ye Garanti talebi",
                    "{order} numaralı siparişin A'dan Z'ye Garanti kararına itiraz"),
           "waiting": ("destek kaydınız ilginizi gerektiriyor", "destek kaydınız için işlem yapmanız gerekiyor",
                       "destek kaydınızda yanıtınız bekleniyor"),
           "opened": ("destek kaydınız açıldı", "yeni destek kaydı açıldı: {topic}")},
}

# Buyers in India and the Gulf often write their own language in Latin letters (romanized
# Hindi, "Hinglish"; Arabic chat alphabet with digits for letters), whatever the marketplace's
# language is: (marketplace, claim-risk messages by reason, routine questions).
ROMANIZED: dict[str, tuple[str, dict[str, tuple[str, ...]], tuple[str, ...]]] = {
    "hi": ("IN", {
        "not_received": ("Mera order abhi tak nahi mila, 10 din ho gaye.",
                         "Tracking mein delivered dikha raha hai par mujhe parcel nahi mila.",
                         "Bhai order aaj tak nahi aaya, kya ho raha hai?"),
        "not_as_described": ("Photo mein kuch aur dikhaya tha, ye product bilkul alag hai.",
                             "Galat product bhej diya aapne, maine blue wala order kiya tha.",
                             "Product kharab hai, box khola to andar tuta hua tha."),
        "threat": ("Refund chahiye warna Amazon pe complaint kar dunga.",
                   "Jaldi refund do nahi to A-to-z claim karungi."),
    }, ("Bhai order kab tak deliver hoga? Mujhe Sunday se pehle chahiye.",
        "Kya ye size L mein available hai? Mujhe exchange karna hai.",
        "Mujhe is order ka GST invoice chahiye, please bhej dijiye.",
        "Kya aap address change kar sakte ho? Flat number galat likh diya tha.")),
    "ar": ("AE", {
        "not_received": ("Salam, el talab ma wasal lehad el7ein, sar lah asboo3.",
                         "Mktoob delivered bas ana ma istalamt shay.",
                         "Lessa ma wasalni el order, wain el shohna?"),
        "not_as_described": ("El montaj mo nafs el sora, el lon mokhtalef tamaman.",
                             "Wasalni montaj ghalat, msh zay el sora abadan.",
                             "El jehaz maksoor w ma yeshtaghel."),
        "threat": ("Abi refund wela bashtki 3ala Amazon.",
                   "Law ma rajja3to flosi bafta7 A-to-z claim."),
    }, ("Marhaba, mata yewsal el talab? Ana mosafer yom el khamees.",
        "Hal fi size akbar min hatha el montaj?",
        "Momken terslon fatoora lel talab? Shukran.",
        "Momken ataghyer el 3enwan? Ketabt raqam el shaqqa ghalat.")),
}


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------

UTC = timezone.utc
CET = timezone(timedelta(hours=1))
SENDER_TZ = {"US": -5, "CA": -5, "MX": -6, "BR": -3, "JP": 9, "AU": 11, "SG": 8, "IN": 5.5, "AE": 4,
             "TR": 3, "UK": 0, "IE": 0}


def _p(lang: str, key: str):
    """A phrase (or phrase table) of `lang`, English if that language lacks it."""
    table = PHRASES.get(lang, {})
    return table[key] if key in table else PHRASES["en"][key]


@dataclass
class Ctx:
    kind: str
    lang: str
    mp: str
    rng: random.Random
    seed: int

    @property
    def tld(self) -> str:
        return MARKETPLACES[self.mp][0]

    def ph(self, key: str):
        return _p(self.lang, key)

    def pick(self, key: str):
        value = self.ph(key)
        return self.rng.choice(value) if isinstance(value, (tuple, list)) else value


@dataclass
class Draft:
    """What a builder decides; `_render` turns it into bytes."""
    from_name: str
    from_addr: str
    subject: str
    text: str
    expected: dict
    headers: list[tuple[str, str]]          # extra headers after MIME-Version (X-..., List-Id, ...)
    html_style: str = "amazon"              # amazon | buyer | plain
    window: timedelta | None = None         # deadline = arrival + window
    auth: list[str] | None = None           # Authentication-Results values (None: pass for from-domain)
    auth_below: list[str] | None = None     # Authentication-Results placed below the Received stamp


def _seller(ctx: Ctx) -> str:
    return ctx.rng.choice(SELLER_NAMES_JA if ctx.lang == "ja" else SELLER_NAMES)


def _order_id(rng: random.Random, mp: str) -> str:
    return f"{ORDER_PREFIX.get(mp, '11')}{rng.randint(1, 8)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"


def _asin(rng: random.Random) -> str:
    return "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))


def _token(rng: random.Random, n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _amount(rng: random.Random, mp: str) -> str:
    _, _, template, comma = MARKETPLACES[mp]
    if mp == "JP":
        return template.format(v=f"{rng.randint(9, 480) * 100:,}")
    value = f"{rng.randint(900, 48000) / 100:.2f}"
    if comma:
        value = value.replace(".", ",")
    return template.format(v=value)


def _base(ctx: Ctx, category: str | None, tier: int | None, **over) -> dict:
    expected = {"category": category, "tier": tier, "order_id": None, "case_id": None, "case_status": None,
                "marketplace": ctx.mp, "suspicious": False, "ack": False, "forward": False, "deadline": None}
    expected.update(over)
    return expected


def _amazon_headers(ctx: Ctx, notification: str | None, with_mp_id: bool) -> list[tuple[str, str]]:
    headers = []
    if with_mp_id:
        headers.append(("X-Marketplace-ID", MARKETPLACES[ctx.mp][1]))
    if notification:
        headers.append(("X-Space-Notification-Type", notification))
    return headers


def _url(ctx: Ctx, path: str) -> str:
    return f"https://sellercentral.{ctx.tld}{path}"


# ----- A-to-z ---------------------------------------------------------------------------------
# stated windows: (unit, n); the deadline is arrival + min(48 h, stated)
CLAIM_WINDOWS = (("hours", 48), ("days", 2), ("days", 3), ("hours", 24), ("hours", 36), (None, 0), ("hours", 72))


def build_atoz_claim(ctx: Ctx) -> Draft:
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    unit, n = CLAIM_WINDOWS[(ctx.seed + rng.randrange(7)) % len(CLAIM_WINDOWS)]
    window = timedelta(hours=48)
    sentence = ""
    if unit:
        sentence = ctx.ph("window_hours" if unit == "hours" else "window_days").format(n=n)
        stated = timedelta(hours=n) if unit == "hours" else timedelta(days=n)
        window = min(window, stated)
    body = ctx.pick("claim_bodies").format(
        seller=_seller(ctx), amount=_amount(rng, ctx.mp), order=order, reason=ctx.pick("claim_reasons"),
        window=sentence, url=_url(ctx, f"/gp/guarantee-claims/home.html?orderId={order}"))
    body = body.replace("  ", " ").replace(" \n", "\n")
    notification = "A_Z_CLAIM_RESPONDENT_NOTIFY" if rng.random() < 0.8 else None
    return Draft(
        from_name=ctx.pick("atoz_from"), from_addr=f"atoz-guarantee-no-reply@{ctx.tld}",
        subject=ctx.pick("claim_subjects").format(order=order), text=body,
        expected=_base(ctx, "atoz_claim", 1, order_id=order, forward=True),
        headers=_amazon_headers(ctx, notification, True), window=window)


def build_atoz_decision(ctx: Ctx) -> Draft:
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    outcome = ("granted", "denied")[(ctx.seed + rng.randrange(2)) % 2]
    body = ctx.ph("decision_bodies")[outcome].format(
        seller=_seller(ctx), amount=_amount(rng, ctx.mp), order=order,
        url=_url(ctx, f"/gp/guarantee-claims/home.html?orderId={order}"))
    notification = "A_Z_CLAIM_RESPONDENT_DECISION" if rng.random() < 0.8 else None
    return Draft(
        from_name=ctx.pick("atoz_from"), from_addr=f"atoz-guarantee-no-reply@{ctx.tld}",
        subject=rng.choice(ctx.ph("decision_subjects")[outcome]).format(order=order), text=body,
        expected=_base(ctx, "atoz_decision", 1, order_id=order, forward=True),
        headers=_amazon_headers(ctx, notification, True))


# ----- buyer messages -------------------------------------------------------------------------
RISK_REASONS = ("not_received", "not_as_described", "damaged", "counterfeit")


def _buyer_text(ctx: Ctx, order: str, message: str) -> str:
    rng = ctx.rng
    tok = _token(rng, 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    lines = [
        ctx.ph("order_line").format(order=order),
        ctx.ph("item_line").format(item=rng.choice(ITEMS[ctx.lang]), asin=_asin(rng)),
        "", ctx.ph("begin"), "", message, "", ctx.ph("end"), "", ctx.ph("footer"), "",
        f"{ctx.ph('helpful')} {_url(ctx, '/gp/communication-manager/no-response-needed.html?msg=' + tok)}",
        "", f"[commMgrTok:{tok}]",
    ]
    return "\n".join(lines)


def _buyer_draft(ctx: Ctx, order: str, name: str, subject: str, message: str, expected: dict) -> Draft:
    rng = ctx.rng
    return Draft(
        from_name=f"{name} - {ctx.ph('buyer_label')}",
        from_addr=f"{_token(rng, rng.randint(13, 20))}@marketplace.{ctx.tld}",
        subject=subject, text=_buyer_text(ctx, order, message), expected=expected,
        headers=_amazon_headers(ctx, "BBC_MESSAGE_SENT_TO_MERCHANT", True), html_style="buyer",
        window=timedelta(hours=24))


def build_atoz_risk(ctx: Ctx) -> Draft:
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    name = rng.choice(BUYER_NAMES[ctx.lang])
    risk = ctx.ph("risk")
    reason = RISK_REASONS[(ctx.seed + rng.randrange(4)) % 4]
    sentences = rng.sample(list(risk[reason]), k=min(len(risk[reason]), rng.randint(1, 2)))
    if reason == "not_received" or rng.random() < 0.6:     # most risk messages also threaten
        sentences.append(rng.choice(risk["threat"]))
    elif rng.random() < 0.3:                               # some only threaten
        sentences = [rng.choice(risk["threat"])]
    sep = "" if ctx.lang == "ja" else " "
    message = sep.join(sentences)
    topic = "delivery" if reason == "not_received" else rng.choice(("return", "other", "product"))
    subject = ctx.ph("buyer_subjects")[topic].format(name=name, order=order)
    expected = _base(ctx, "atoz_risk", 1, order_id=order, ack=True, forward=True)
    return _buyer_draft(ctx, order, name, subject, message, expected)


def build_buyer_message(ctx: Ctx) -> Draft:
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    name = rng.choice(BUYER_NAMES[ctx.lang])
    routine = ctx.ph("routine")
    topic = sorted(routine)[(ctx.seed + rng.randrange(len(routine))) % len(routine)]
    message = rng.choice(routine[topic])
    subject_kind = {"delivery": "delivery", "address": "delivery", "size": "product", "compat": "product"}.get(topic, "other")
    subject = ctx.ph("buyer_subjects")[subject_kind].format(name=name, order=order)
    expected = _base(ctx, "buyer_message", 2, order_id=order, ack=True)
    return _buyer_draft(ctx, order, name, subject, message, expected)


def _romanized(ctx: Ctx) -> tuple[Ctx, str]:
    """The buyer's script by marketplace (IN: Hindi, AE: Arabic), else by seed; Amazon's frame in English."""
    script = next((s for s, (mp, _, _) in ROMANIZED.items() if mp == ctx.mp), None)
    script = script or sorted(ROMANIZED)[ctx.seed % len(ROMANIZED)]
    ctx.mp = ROMANIZED[script][0]
    return Ctx(kind=ctx.kind, lang="en", mp=ctx.mp, rng=ctx.rng, seed=ctx.seed), script


def build_atoz_risk_romanized(ctx: Ctx) -> Draft:
    """Not received or not as described, in a language written in Latin letters: a claim risk."""
    frame, script = _romanized(ctx)
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    name = rng.choice(BUYER_NAMES["en"])
    reasons = ROMANIZED[script][1]
    reason = ("not_received", "not_as_described")[(ctx.seed + rng.randrange(2)) % 2]
    sentences = [rng.choice(reasons[reason])]
    if rng.random() < 0.4:
        sentences.append(rng.choice(reasons["threat"]))
    subject = frame.ph("buyer_subjects")["delivery" if reason == "not_received" else "product"]
    expected = _base(ctx, "atoz_risk", 1, order_id=order, ack=True, forward=True)
    return _buyer_draft(frame, order, name, subject.format(name=name, order=order), " ".join(sentences), expected)


def build_buyer_message_romanized(ctx: Ctx) -> Draft:
    """A routine question in a language written in Latin letters: a buyer message, no claim risk."""
    frame, script = _romanized(ctx)
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    name = rng.choice(BUYER_NAMES["en"])
    subject = frame.ph("buyer_subjects")["other"].format(name=name, order=order)
    expected = _base(ctx, "buyer_message", 2, order_id=order, ack=True)
    return _buyer_draft(frame, order, name, subject, rng.choice(ROMANIZED[script][2]), expected)


def build_buyer_autoreply(ctx: Ctx) -> Draft:
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    name = rng.choice(BUYER_NAMES[ctx.lang])
    subject = (ctx.ph("autoreply_subject") if rng.random() < 0.5 else ctx.ph("buyer_subjects")["other"])
    expected = _base(ctx, "buyer_message", 2, order_id=order)
    draft = _buyer_draft(ctx, order, name, subject.format(name=name, order=order), ctx.pick("autoreply"), expected)
    draft.headers.append(("Auto-Submitted", "auto-replied"))
    return draft


# ----- chargeback, account health -------------------------------------------------------------
def build_chargeback(ctx: Ctx) -> Draft:
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    body = ctx.ph("chargeback_body").format(seller=_seller(ctx), order=order,
                                            item=rng.choice(ITEMS[ctx.lang]), amount=_amount(rng, ctx.mp))
    return Draft(
        from_name="Amazon Services", from_addr=f"cb-seller-notification@{ctx.tld}",
        subject=ctx.pick("chargeback_subjects").format(order=order), text=body,
        expected=_base(ctx, "chargeback", 1, order_id=order, forward=True),
        headers=_amazon_headers(ctx, None, rng.random() < 0.5), window=timedelta(days=7))


def build_account_health(ctx: Ctx) -> Draft:
    rng = ctx.rng
    asin = _asin(rng)
    notification = "ACCOUNT_HEALTH_NOTIFICATION" if rng.random() < 0.8 else None
    return Draft(
        from_name=ctx.pick("ah_from") if "ah_from" in PHRASES.get(ctx.lang, {}) else "Amazon Seller Performance",
        from_addr=f"seller-performance@{ctx.tld}",
        subject=ctx.pick("ah_subjects").format(asin=asin),
        text=ctx.ph("ah_body").format(asin=asin, url=_url(ctx, "/performance/dashboard")),
        expected=_base(ctx, "account_health", 1, forward=True),
        # the notices state no deadline: [gateway] account_health_hours, 72 by default
        headers=_amazon_headers(ctx, notification, False), window=timedelta(hours=72))


# ----- cases ----------------------------------------------------------------------------------
CASE_STATUSES = ("opened", "answered", "closed")


def build_case(ctx: Ctx) -> Draft:
    rng = ctx.rng
    status = CASE_STATUSES[(ctx.seed + rng.randrange(3)) % 3]
    vendor = rng.random() < 0.35
    topic = ctx.pick("case_topics").format(asin=_asin(rng))
    if vendor:
        case = str(rng.randint(10**9, 10**10 - 1))
        subject = ctx.ph("vendor_subjects")[status].format(case=case, topic=topic)
        url = f"https://vendorcentral.{ctx.tld}/cu/case-dashboard/view-case?caseID={case}"
        from_name, from_addr = "Amazon Vendor Central", f"vendor-central-no-reply@{ctx.tld}"
    else:
        case = str(rng.randint(10**10, 10**11 - 1))
        subject = rng.choice(ctx.ph("case_subjects")[status]).format(case=case, topic=topic)
        url = _url(ctx, f"/cu/case-dashboard/view-case?caseID={case}")
        from_name, from_addr = ctx.ph("case_from"), f"donotreply@{ctx.tld}"
    body = ctx.ph("case_bodies")[status].format(case=case, topic=topic, url=url)
    expected = _base(ctx, "case", 2, case_id=case, case_status=status, marketplace=None)
    return Draft(from_name=from_name, from_addr=from_addr, subject=subject, text=body, expected=expected,
                 headers=[], html_style="amazon")


def _case_mail(ctx: Ctx, status: str, subject: str, body: str, case: str, expected_extra: dict) -> Draft:
    expected = _base(ctx, "case", 2, case_id=case, case_status=status, marketplace=None, **expected_extra)
    return Draft(from_name=ctx.ph("case_from"), from_addr=f"donotreply@{ctx.tld}", subject=subject, text=body,
                 expected=expected, headers=[], html_style="amazon")


def build_atoz_case(ctx: Ctx) -> Draft:
    """A Selling Partner Support case about an A-to-z claim or its appeal: a case, never a new claim."""
    rng = ctx.rng
    status = CASE_STATUSES[(ctx.seed + rng.randrange(3)) % 3]
    order = _order_id(rng, ctx.mp)
    case = str(rng.randint(10**10, 10**11 - 1))
    topic = rng.choice(CASE_WORDING[ctx.lang]["atoz"]).format(order=order)
    subject = f"{rng.choice(ctx.ph('case_subjects')[status]).format(case=case)} ({topic})"
    url = _url(ctx, f"/cu/case-dashboard/view-case?caseID={case}")
    body = ctx.ph("case_bodies")[status].format(case=case, topic=topic, url=url)
    return _case_mail(ctx, status, subject, body, case, {"order_id": order})


def build_case_status_words(ctx: Ctx) -> Draft:
    """A case whose subject alone tells its status: answered and waiting for the seller, or opened."""
    rng = ctx.rng
    status = ("answered", "opened")[(ctx.seed + rng.randrange(2)) % 2]
    wording = CASE_WORDING[ctx.lang]
    case = str(rng.randint(10**10, 10**11 - 1))
    topic = ctx.pick("case_topics").format(asin=_asin(rng))
    words = rng.choice(wording["waiting" if status == "answered" else "opened"]).format(topic=topic)
    url = _url(ctx, f"/cu/case-dashboard/view-case?caseID={case}")
    # the body names only the topic and the link, so the status words of the subject decide
    body = f"{topic}\n\n{url}\n\n{ctx.ph('case_from')}"
    return _case_mail(ctx, status, wording["prefix"].format(case=case) + words, body, case, {})


# ----- returns, refunds, cancellations, feedback ----------------------------------------------
def _seller_central(ctx: Ctx, category: str, notification: str | None, subject_key: str, body_key: str,
                    **extra) -> Draft:
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    values = dict(order=order, item=rng.choice(ITEMS[ctx.lang]), asin=_asin(rng), seller=_seller(ctx),
                  amount=_amount(rng, ctx.mp), date=f"2026-11-{rng.randint(10, 28)}", **extra)
    return Draft(
        from_name=ctx.ph("sc_from") if "sc_from" in PHRASES.get(ctx.lang, {}) else "Amazon Seller Central",
        from_addr=f"donotreply@{ctx.tld}",
        subject=ctx.pick(subject_key).format(**values), text=ctx.ph(body_key).format(**values),
        expected=_base(ctx, category, 2, order_id=order),
        headers=_amazon_headers(ctx, notification, False), html_style="plain")


def build_return_request(ctx: Ctx) -> Draft:
    return _seller_central(ctx, "return_request", "RETURN_REQUEST", "return_subjects", "return_body",
                           reason=ctx.pick("return_reasons"))


def build_refund(ctx: Ctx) -> Draft:
    return _seller_central(ctx, "refund", "REFUND_ISSUED", "refund_subjects", "refund_body")


def build_cancellation_request(ctx: Ctx) -> Draft:
    return _seller_central(ctx, "cancellation_request", "BRC_SELLER_NOTIFICATION", "cancel_subjects", "cancel_body")


def build_feedback(ctx: Ctx) -> Draft:
    return _seller_central(ctx, "feedback", None, "feedback_subjects", "feedback_body",
                           stars=ctx.rng.randint(1, 2), comment=ctx.pick("feedback_comments"))


# ----- not from Amazon ------------------------------------------------------------------------
CARRIER_DOMAINS = {"DHL": "dhl.example", "UPS": "ups.example", "PostNL": "postnl.example",
                   "InPost": "inpost.example", "Yamato": "kuronekoyamato.example", "PostNord": "postnord.example",
                   "Correos": "correos.example", "Colissimo": "colissimo.example", "Aras Kargo": "araskargo.example",
                   "Correios": "correios.example", "BRT": "brt.example"}
COLLEAGUES = ("Petra Lindqvist", "Marco Bianchi", "Anna Weber", "Tom Baker", "Kenji Mori", "Sofia Ortega")


def build_other(ctx: Ctx) -> Draft:
    rng = ctx.rng
    variant = (ctx.seed + rng.randrange(3)) % 3
    expected = _base(ctx, "other", None, marketplace=None)
    if variant == 0:
        sender, subject, body = ctx.ph("news")
        domain = "sellertools.example" if rng.random() < 0.5 else "ecommerce-insider.example"
        headers = [("List-Id", f"<weekly.{domain}>"), ("Precedence", "bulk"),
                   ("List-Unsubscribe", f"<mailto:unsub@{domain}>")]
        return Draft(from_name=sender, from_addr=f"news@{domain}", subject=subject,
                     text=body + f"\n\nUnsubscribe: https://{domain}/u/{_token(rng, 10)}", expected=expected,
                     headers=headers, html_style="plain")
    if variant == 1:
        subject, body = ctx.ph("colleague")
        name = rng.choice(COLLEAGUES)
        addr = name.split()[0].lower() + "@shop.example"
        return Draft(from_name=name, from_addr=addr, subject=subject, text=body, expected=expected,
                     headers=[], html_style="plain")
    carrier, subject, body = ctx.ph("carrier")
    tracking = ("1Z" + _token(rng, 16, "0123456789ABCDEFGHJKLMNPRSTVWXY")) if carrier == "UPS" \
        else str(rng.randint(10**11, 10**12 - 1)) + str(rng.randint(10**7, 10**8 - 1))
    domain = CARRIER_DOMAINS.get(carrier, "parcels.example")
    return Draft(from_name=carrier, from_addr=f"noreply@{domain}", subject=subject.format(tracking=tracking),
                 text=body.format(tracking=tracking), expected=expected, headers=[], html_style="plain")


# ----- spoofs ---------------------------------------------------------------------------------
LOOKALIKE_DOMAINS = ("amazon-seller-notice.example", "amaz0n-support.example", "secure-amazon-claims.example")


def _spoof_content(ctx: Ctx, phishing_url: str) -> tuple[str, str, list[tuple[str, str]]]:
    """A claim mail as a phisher would copy it: a real-looking subject, a link that is not Amazon's."""
    rng = ctx.rng
    order = _order_id(rng, ctx.mp)
    if rng.random() < 0.5:
        subject = ctx.pick("claim_subjects").format(order=order)
        body = ctx.pick("claim_bodies").format(
            seller=_seller(ctx), amount=_amount(rng, ctx.mp), order=order,
            reason=ctx.pick("claim_reasons"), window=ctx.ph("window_hours").format(n=24), url=phishing_url)
    else:
        subject = ctx.pick("spoof_subjects").format(order=order)
        body = ctx.ph("spoof_body").format(order=order, url=phishing_url)
    headers = [("X-Space-Notification-Type", "A_Z_CLAIM_RESPONDENT_NOTIFY")] if rng.random() < 0.3 else []
    return subject, body, headers


def _suspect(ctx: Ctx) -> dict:
    return _base(ctx, None, None, marketplace=None, suspicious=True)


def build_spoof_dmarc(ctx: Ctx) -> Draft:
    rng = ctx.rng
    domain = ctx.tld
    subject, body, headers = _spoof_content(ctx, f"http://sellercentral-{domain.replace('.', '-')}.claims-review.example/login")
    fail = (f"{AUTHSERV}; dkim=fail (signature did not verify) header.d={domain} header.s=ug7nbtf4gccmlpwj322ax3p6ow6yfsug; "
            f"spf=fail smtp.mailfrom=bounce@{domain}; dmarc=fail (p=QUARANTINE) header.from={domain}")
    fake = (f"{AUTHSERV}; dkim=pass header.d={domain}; spf=pass smtp.mailfrom=0102019a.bounces.{domain}; "
            f"dmarc=pass header.from={domain}")
    evil = (f"evil.example; dkim=pass header.d={domain}; spf=pass smtp.mailfrom=0102019a.bounces.{domain}; "
            f"dmarc=pass header.from={domain}")
    variant = (ctx.seed + rng.randrange(3)) % 3
    auth, below = {0: ([fail], None), 1: ([fail], [fake]), 2: ([evil], None)}[variant]
    sender = rng.choice((("A-to-z Guarantee", "atoz-guarantee-no-reply"), ("Amazon Services", "seller-performance"),
                         ("Amazon Seller Central", "donotreply")))
    return Draft(from_name=sender[0], from_addr=f"{sender[1]}@{domain}", subject=subject, text=body,
                 expected=_suspect(ctx), headers=headers, auth=auth, auth_below=below)


def build_spoof_lookalike(ctx: Ctx) -> Draft:
    rng = ctx.rng
    domain = rng.choice(LOOKALIKE_DOMAINS)
    subject, body, headers = _spoof_content(ctx, f"http://{domain}/verify?id={_token(rng, 12)}")
    name = rng.choice(("Amazon A-to-z Guarantee", "Amazon Seller Central", "Amazon.com Seller Support",
                       "Amazon Services"))
    return Draft(from_name=name, from_addr=rng.choice(("alerts", "no-reply", "claims")) + "@" + domain,
                 subject=subject, text=body, expected=_suspect(ctx), headers=headers)


BUILDERS = {name[len("build_"):]: fn for name, fn in globals().items() if name.startswith("build_")}
assert set(BUILDERS) == set(KINDS), set(KINDS) ^ set(BUILDERS)


# ---------------------------------------------------------------------------------------------
# Rendering: headers (RFC 2047, folding) and bodies in the requested encoding
# ---------------------------------------------------------------------------------------------
def _fold(name: str, atoms: list[str], width: int = 76) -> str:
    """`Name: atom atom ...`, folded at the spaces between atoms (continuation lines start with a space)."""
    lines, line = [], f"{name}:"
    for i, atom in enumerate(atoms):
        if i and len(line) + 1 + len(atom) > width:
            lines.append(line)
            line = " " + atom
        elif i == 0 and len(line) + 1 + len(atom) > width and not atom.startswith("=?"):  # "Subject:\n <long>"
            lines.append(line)
            line = " " + atom
        else:
            line += " " + atom
    lines.append(line)
    return "\n".join(lines)


def _q_encode(data: bytes) -> str:
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/"
    return "".join("_" if b == 0x20 else chr(b) if b in safe else f"={b:02X}" for b in data)


def _encoded_words(text: str, charset: str, method: str) -> list[str]:
    """`text` as encoded-words of at most 75 characters, split between characters."""
    words, chunk = [], ""
    label = charset.upper() if charset.lower() != "shift_jis" else "Shift_JIS"

    def word(s: str) -> str:
        data = s.encode(charset)
        payload = base64.b64encode(data).decode() if method == "B" else _q_encode(data)
        return f"=?{label}?{method}?{payload}?="

    for ch in text:
        if chunk and len(word(chunk + ch)) > 75:
            words.append(word(chunk))
            chunk = ""
        chunk += ch
    if chunk:
        words.append(word(chunk))
    return words


def _subject_header(subject: str, charset: str, rng: random.Random) -> str:
    if subject.isascii():
        return _fold("Subject", subject.split(" "))
    if charset.lower() in ("iso-2022-jp", "shift_jis"):
        return _fold("Subject", _encoded_words(subject, charset, "B"))
    mode = rng.choice(("B", "Q", "words"))
    if mode != "words":
        return _fold("Subject", _encoded_words(subject, charset, mode))
    # encode only the runs of non-ASCII words, as many mailers do
    atoms: list[str] = []
    run: list[str] = []
    for token in subject.split(" ") + [None]:
        if token is not None and not token.isascii():
            run.append(token)
            continue
        if run:
            atoms.extend(_encoded_words(" ".join(run), charset, rng.choice("QB")))
            run = []
        if token is not None:
            atoms.append(token)
    return _fold("Subject", atoms)


def _address_header(name: str, display: str, addr: str) -> str:
    if display.isascii():
        return _fold(name, [f'"{display}"', f"<{addr}>"])
    return _fold(name, _encoded_words(display, "utf-8", "B") + [f"<{addr}>"])


_LINK = re.compile(r"(https?://[^\s\"'<>]+)")


def _html(text: str, style: str, entities: bool, charset: str, rng: random.Random) -> str:
    paragraphs = []
    for para in text.split("\n\n"):
        body = "<br>".join(html.escape(line, quote=False) for line in para.split("\n"))
        body = _LINK.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', body)
        paragraphs.append(f"<p>{body}</p>")
    inner = "".join(paragraphs)
    if style == "amazon":
        inner = (f'<table width="100%"><tr><td>{inner}</td></tr></table>'
                 f'<p style="font-size:10px">SPC-EUAmazon-{rng.randint(10**15, 10**16 - 1)}</p>')
    elif style == "buyer":
        inner = f'<div style="font-family:Arial,sans-serif">{inner}</div>'
    doc = f'<html><head><meta charset="{charset}"></head><body>{inner}</body></html>'
    if entities:
        doc = "".join(c if ord(c) < 128 else
                      (f"&{html.entities.codepoint2name[ord(c)]};" if ord(c) in html.entities.codepoint2name
                       else f"&#{ord(c)};") for c in doc)
    return doc


def _wrap(text: str, lang: str) -> str:
    """Amazon does not wrap its text; only lines too long for SMTP (998 octets) are wrapped."""
    if lang == "ja":
        return text
    out = []
    for line in text.split("\n"):
        out.append("\n".join(textwrap.wrap(line, 76, break_long_words=False, break_on_hyphens=False))
                   if len(line.encode()) > 900 else line)
    return "\n".join(out)


def _cte_body(data: bytes, cte: str) -> bytes:
    if cte == "quoted-printable":
        return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    if cte == "base64":
        return base64.encodebytes(data.replace(b"\n", b"\r\n"))
    return data


def _part(content_type: str, text: str, charset: str, cte: str, top: bool) -> list[bytes]:
    head = [f'Content-Type: {content_type}; charset="{charset}"', f"Content-Transfer-Encoding: {cte}"]
    body = _cte_body(text.encode(charset), cte)
    if not top:
        return ["\n".join(head).encode() + b"\n\n" + body.rstrip(b"\n") + b"\n"]
    return ["\n".join(head).encode(), body]


def _legacy_charset(lang: str, text: str, rng: random.Random) -> str | None:
    options = list(LEGACY_CHARSETS.get(lang, WESTERN_CHARSETS))
    rng.shuffle(options)
    for charset in options:
        try:
            text.encode(charset)
            return charset
        except UnicodeEncodeError:
            continue
    return None


def _effective_encoding(encoding: str, lang: str, text: str, rng: random.Random) -> tuple[str, str]:
    """(encoding, charset) actually used: falls back to utf-8-qp when the text does not fit."""
    if encoding == "latin-1":
        charset = _legacy_charset(lang, text, rng)
        return ("latin-1", charset) if charset else ("utf-8-qp", "utf-8")
    if encoding in ("iso-2022-jp", "shift_jis"):
        if lang != "ja":
            return "utf-8-qp", "utf-8"
        for enc in (encoding, "shift_jis", "iso-2022-jp"):
            try:
                text.encode(enc)
                return enc, enc
            except UnicodeEncodeError:
                continue
        return "utf-8-qp", "utf-8"
    return encoding, "utf-8"


def _is_amazon(domain: str) -> bool:
    return domain.removeprefix("marketplace.") in {mp[0] for mp in MARKETPLACES.values()}


def _auth_pass(domain: str) -> str:
    amazon = _is_amazon(domain)
    mailfrom = f"0102019a.bounces.{domain}" if amazon else f"bounces+{domain.split('.')[0]}@{domain}"
    selector = "ug7nbtf4gccmlpwj322ax3p6ow6yfsug" if amazon else "s2026"
    return (f"{AUTHSERV}; dkim=pass header.d={domain} header.s={selector}; spf=pass "
            f"smtp.mailfrom={mailfrom}; dmarc=pass header.from={domain}")


def _render(draft: Draft, ctx: Ctx, encoding: str, arrival: datetime) -> tuple[bytes, dict, str]:
    rng, lang = ctx.rng, ctx.lang
    text = _wrap(draft.text, lang)
    enc, charset = _effective_encoding(encoding, lang, draft.subject + "\n" + text, rng)
    domain = draft.from_addr.rpartition("@")[2]
    amazon = _is_amazon(domain)

    server_tz = rng.choice((UTC, CET))
    offset = SENDER_TZ.get(ctx.mp, 1) if amazon else (9 if lang == "ja" else 1)
    sender_tz = timezone(timedelta(hours=offset))
    received = format_datetime(arrival.astimezone(server_tz))
    date = format_datetime((arrival - timedelta(seconds=3)).astimezone(sender_tz))
    if amazon:
        host, ip = f"a8-{rng.randint(10, 99)}.smtp-out.amazonses.com", f"54.240.8.{rng.randint(2, 250)}"
        msgid = (f"<0102019{_token(rng, 15, '0123456789abcdef')}-{_token(rng, 8, '0123456789abcdef')}-0000-0000-0000-"
                 f"00{_token(rng, 10, '0123456789abcdef')}-000000@eu-west-1.amazonses.com>")
    else:
        host, ip = f"mail.{domain}", f"192.0.2.{rng.randint(2, 250)}"
        msgid = f"<{_token(rng, 20)}@{domain}>"

    lines: list[str] = []
    for value in (draft.auth or [_auth_pass(domain)]):
        lines.append(_fold("Authentication-Results", value.split(" ")))
    lines.append(_fold("Received", f"from {host} ({host} [{ip}]) by {AUTHSERV} with ESMTPS; {received}".split(" ")))
    if draft.auth_below:
        for value in draft.auth_below:
            lines.append(_fold("Authentication-Results", value.split(" ")))
        lines.append(_fold("Received", f"from relay.{rng.choice(LOOKALIKE_DOMAINS)} ([203.0.113.{rng.randint(2, 250)}]) "
                                       f"by {host}; {date}".split(" ")))
    lines.append(_address_header("From", draft.from_name, draft.from_addr))
    lines.append(f"To: {SELLER_ADDRESS}")
    lines.append(_subject_header(draft.subject, charset, rng))
    lines.append(f"Date: {date}")
    lines.append(f"Message-ID: {msgid}")
    lines.append("MIME-Version: 1.0")
    lines.extend(f"{k}: {v}" for k, v in draft.headers)
    head = "\n".join(lines).encode("ascii")

    if enc == "html-only":
        body = _part("text/html", _html(draft.text, draft.html_style, True, "utf-8", rng), "utf-8",
                     "quoted-printable", True)
    elif enc == "multipart-alternative":
        boundary = f"===============_{rng.randint(10**18, 10**19 - 1)}=="
        plain = _part("text/plain", text, "utf-8", rng.choice(("quoted-printable", "quoted-printable", "base64")), False)
        rich = _part("text/html", _html(draft.text, draft.html_style, rng.random() < 0.3, "utf-8", rng), "utf-8",
                     "quoted-printable", False)
        parts = b"".join(f"--{boundary}\n".encode() + p + b"\n" for p in plain + rich)
        body = [f'Content-Type: multipart/alternative;\n boundary="{boundary}"'.encode(),
                parts + f"--{boundary}--\n".encode()]
    else:
        cte = {"utf-8-qp": "quoted-printable", "utf-8-base64": "base64", "utf-8-8bit": "8bit",
               "latin-1": rng.choice(("quoted-printable", "8bit")), "iso-2022-jp": "7bit",
               "shift_jis": rng.choice(("base64", "8bit"))}[enc]
        body = _part("text/plain", text, charset, cte, True)
    raw = head + b"\n" + body[0] + b"\n\n" + body[1]
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    expected = dict(draft.expected)
    if draft.window is not None and not expected["suspicious"]:
        expected["deadline"] = (arrival + draft.window).astimezone(server_tz).isoformat()
    return raw, expected, enc


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------
BASE_ARRIVAL = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def make(kind: str, *, lang: str = "en", marketplace: str | None = None, encoding: str = "utf-8-qp",
         seed: int = 0, arrival: datetime | None = None) -> FactoryMail:
    """One mail of `kind` in `lang`, deterministic for the arguments."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown kind {kind!r}; one of {KINDS}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; one of {LANGUAGES}")
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; one of {ENCODINGS}")
    if marketplace is not None and marketplace not in MARKETPLACES:
        raise ValueError(f"unknown marketplace {marketplace!r}")
    rng = random.Random(f"{kind}/{lang}/{marketplace}/{seed}")
    choices = LANG_MARKETPLACES[lang]
    mp = marketplace or (choices[0] if rng.random() < 0.5 else rng.choice(choices))
    if arrival is None:
        arrival = BASE_ARRIVAL + timedelta(minutes=rng.randrange(14 * 24 * 60), seconds=rng.randrange(60))
    elif arrival.tzinfo is None:
        arrival = arrival.replace(tzinfo=UTC)
    ctx = Ctx(kind=kind, lang=lang, mp=mp, rng=rng, seed=seed)
    draft = BUILDERS[kind](ctx)
    raw, expected, enc = _render(draft, ctx, encoding, arrival)
    return FactoryMail(name=f"{kind}-{lang}-{enc}-{seed}", raw=raw, expected=expected)


def encodings_for(lang: str) -> tuple[str, ...]:
    """The encodings that make sense for a language (the Japanese ones only for Japanese)."""
    if lang == "ja":
        return ("utf-8-qp", "iso-2022-jp", "shift_jis", "utf-8-base64", "multipart-alternative",
                "utf-8-8bit", "html-only")
    return ("utf-8-qp", "latin-1", "utf-8-base64", "multipart-alternative", "utf-8-8bit", "html-only")


def all_variants(seed: int = 0) -> list[FactoryMail]:
    """One mail for every (kind, language) pair, encodings rotated so each is used several times."""
    mails = []
    for li, lang in enumerate(LANGUAGES):
        encs = encodings_for(lang)
        for ki, kind in enumerate(KINDS):
            encoding = encs[(ki + li + seed) % len(encs)]
            mails.append(make(kind, lang=lang, encoding=encoding, seed=seed * 1000 + li * 100 + ki))
    return mails


# share of a real inbox, per 100 mails
INBOX_MIX = {"buyer_message": 32, "atoz_risk": 10, "buyer_autoreply": 2, "atoz_claim": 6, "atoz_decision": 3,
             "chargeback": 2, "account_health": 2, "case": 9, "return_request": 8, "refund": 6,
             "cancellation_request": 4, "feedback": 4, "other": 6, "spoof_dmarc": 1, "spoof_lookalike": 1,
             "atoz_case": 1, "case_status_words": 1, "atoz_risk_romanized": 1, "buyer_message_romanized": 1}
LANGUAGE_MIX = {"en": 30, "de": 16, "fr": 9, "it": 8, "es": 8, "nl": 5, "pl": 5, "sv": 4, "ja": 7, "pt": 4, "tr": 4}
assert set(INBOX_MIX) == set(KINDS) and sum(INBOX_MIX.values()) == 100


def generate(count: int, *, seed: int = 0, start: datetime | None = None,
             every: timedelta | None = None) -> Iterator[FactoryMail]:
    """A deterministic stream shaped like a real inbox: mostly routine buyer mail, some crises.

    Kinds are dealt from shuffled decks of 100 (so every 100 mails hold every kind); arrivals
    move forward a few minutes at a time, or with `start` and `every`, one mail every `every`
    from `start` (an inbox's history up to now, say).
    """
    rng = random.Random(f"generate/{seed}")
    deck: list[str] = []
    arrival = BASE_ARRIVAL + timedelta(hours=rng.randrange(24 * 7), seconds=rng.randrange(60))
    langs, weights = zip(*LANGUAGE_MIX.items())
    for i in range(count):
        if not deck:
            deck = [kind for kind, n in INBOX_MIX.items() for _ in range(n)]
            rng.shuffle(deck)
        kind = deck.pop()
        lang = rng.choices(langs, weights)[0]
        encs = encodings_for(lang)
        if lang == "ja" and rng.random() < 0.4:
            encoding = rng.choice(("iso-2022-jp", "shift_jis"))
        elif kind in ("atoz_claim", "atoz_decision") and rng.random() < 0.5:
            encoding = "multipart-alternative" if rng.random() < 0.7 else "html-only"
        else:
            encoding = rng.choice(encs)
        step = timedelta(minutes=rng.randint(1, 90), seconds=rng.randrange(60))
        arrival = arrival + step if start is None or every is None else start + i * every
        mail = make(kind, lang=lang, encoding=encoding, seed=seed * 100000 + i, arrival=arrival)
        yield FactoryMail(name=f"{i:04d}-{mail.name}", raw=mail.raw, expected=mail.expected)
