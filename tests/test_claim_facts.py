"""What a claim mail states, its amount and its reason, read the same by the forward's summary and
by the evidence pack (gateway.judging.claims), in every marketplace language."""

import pytest

from gateway.actions.forward import claim_details
from gateway.judging.claims import claim_amount, claim_reason


@pytest.mark.parametrize(("text", "reason", "shown", "amount"), [
    # the words after a label and a known phrase: the label, and the mail's words when they say more
    ("Order 114-2682884-2909064: $42.50. Claim reason: Item not received.", "not_received", "Item not received",
     "$42.50"),
    ("Betrag: 42,50 €\nGrund: Artikel nicht erhalten", "not_received", "Item not received (Artikel nicht erhalten)",
     "42,50 €"),
    ("Angegebener Grund: Artikel beschädigt angekommen\nBetrag: EUR 42,50", "damaged",
     "Item damaged or defective (Artikel beschädigt angekommen)", "EUR 42,50"),
    ("Montant : 42,50 €\nMotif : Article non conforme à la description", "not_as_described",
     "Item not as described (Article non conforme à la description)", "42,50 €"),
    ("Importo: € 42,50\nMotivo: articolo danneggiato", "damaged", "Item damaged or defective (articolo danneggiato)",
     "€ 42,50"),
    ("Importe: 42,50 €\nMotivo: artículo falsificado", "counterfeit", "Counterfeit item (artículo falsificado)",
     "42,50 €"),
    ("Bedrag: € 42,50\nReden: verkeerd artikel ontvangen", "wrong_item", "Wrong item (verkeerd artikel ontvangen)",
     "€ 42,50"),
    ("Kwota: 42,50 zł\nPowód: nie otrzymano przedmiotu", "not_received",
     "Item not received (nie otrzymano przedmiotu)", "42,50 zł"),
    ("Belopp: 425,00 kr\nAnledning: varan är skadad", "damaged", "Item damaged or defective (varan är skadad)",
     "425,00 kr"),
    ("金額：4,250円\n理由：商品未着", "not_received", "Item not received (商品未着)", "4,250円"),
    ("Valor: R$ 129,90\nMotivo: item não recebido", "not_received", "Item not received (item não recebido)",
     "R$ 129,90"),
    ("Tutar: 42,50 TL\nSebep: ürün açıklamadaki gibi değil", "not_as_described",
     "Item not as described (ürün açıklamadaki gibi değil)", "42,50 TL"),
    ("المبلغ: 150 درهم\nالسبب: منتج مقلد", "counterfeit", "Counterfeit item (منتج مقلد)", "150 درهم"),
    # what only the forward used to find: a reason of no known kind after a label, and Indian grouping
    ("Reason given: buyer changed their mind\nAmount: ₹1,23,456.00", "general", "buyer changed their mind",
     "₹1,23,456.00"),
    ("注文番号 508-3974759-2451520 (￥28,500) の申請がありました。お客様が選択した理由: 商品の説明と著しく異なる。"
     "48時間以内にご回答ください。", "general", "商品の説明と著しく異なる", "¥28,500"),
    # what only the pack used to find: a reason phrase without a label, a code after the number
    ("The buyer says the parcel never arrived. Claim amount 42.50 USD", "not_received", "Item not received",
     "42.50 USD"),
    ("Amount: S$386.10\nThe item arrived broken.", "damaged", "Item damaged or defective", "S$386.10"),
])
def test_the_forward_states_what_the_pack_finds(text, reason, shown, amount):
    found = claim_reason(text)
    assert (found.key, found.shown, claim_amount(text)) == (reason, shown, amount)
    assert claim_details(text) == {"amount": amount, "reason": shown}


def test_a_mail_that_states_neither_gives_no_details():
    assert claim_details("Please see Seller Central for the details of order 114-2682884-2909064.") == {}
    assert claim_reason("Reason: ok").key == "general" and claim_reason("Reason: ok").shown == "Not stated"
