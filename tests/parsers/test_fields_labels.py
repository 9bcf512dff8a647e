"""The label vocabulary: which labels a line holds, where, and the value printed next to or under them."""

from __future__ import annotations

import pytest

from parsers.fields.labels import Label, find_labels
from parsers.fields.layout import Layout, cell_text, fold, read_layout, squeeze
from parsers.fields.values import Candidate, best, cells_below, merge, right_text
from parsers.invoice import DocumentText, Method, PageText


def layout_of(text: str) -> Layout:
    """The layout of a one-page text document."""
    return read_layout(DocumentText((PageText(1, text, Method.TEXT),)))


def kinds(text: str) -> list[tuple[str, str]]:
    """The (kind, printed label) of each label of a text, in reading order."""
    layout = layout_of(text)
    return [
        (hit.kind.value, layout.lines[hit.line].text[hit.start : hit.end]) for hit in find_labels(layout).hits
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Facture n° FA-1", Label.NUMBER),
        ("FACTURE N° : F1", Label.NUMBER),
        ("N° de facture : 12", Label.NUMBER),
        ("Numéro de facture 12", Label.NUMBER),
        ("Invoice No. 12", Label.NUMBER),
        ("Invoice #: INV-12", Label.NUMBER),
        ("Avoir n° AV-1", Label.NUMBER),
        ("N uméro de facture : FA-77", Label.NUMBER),
        ("Date de facture : 12/01/2026", Label.ISSUE_DATE),
        ("Date d'émission : 12/01/2026", Label.ISSUE_DATE),
        ("Date d\u2019emission 12/01/2026", Label.ISSUE_DATE),
        ("Invoice date: 2026-01-12", Label.ISSUE_DATE),
        ("Date d'échéance : 11/02/2026", Label.DUE_DATE),
        ("Echéance 11/02/2026", Label.DUE_DATE),
        ("Date limite de règlement : 11/02/2026", Label.DUE_DATE),
        ("Due date: 2026-02-11", Label.DUE_DATE),
        ("Date de livraison : 10/01/2026", Label.OTHER_DATE),
        ("Total HT 100,00", Label.TOTAL_HT),
        ("Montant H.T. 100,00", Label.TOTAL_HT),
        ("Total hors taxes 100,00", Label.TOTAL_HT),
        ("Total excl. VAT €100.00", Label.TOTAL_HT),
        ("TOTALHT 100,00", Label.TOTAL_HT),
        ("Total TVA 20,00", Label.TOTAL_TVA),
        ("Montant de la TVA 20,00", Label.TOTAL_TVA),
        ("Total TTC 120,00", Label.TOTAL_TTC),
        ("Montant TTC 120,00", Label.TOTAL_TTC),
        ("Total incl. VAT €120.00", Label.TOTAL_TTC),
        ("Net à payer 120,00", Label.AMOUNT_DUE),
        ("Reste à payer 120,00", Label.AMOUNT_DUE),
        ("Net a payer 120,00", Label.AMOUNT_DUE),
        ("Amount due €120.00", Label.AMOUNT_DUE),
        ("Acompte versé 50,00", Label.PREPAID),
        ("Bon de commande : BC-12", Label.OTHER_REF),
        ("Facture d'origine n° FA-1", Label.OTHER_REF),
        ("N° client : C12", Label.OTHER_REF),
        ("N° TVA intracommunautaire : FR44732829320", Label.VAT_ID),
        ("Client", Label.CUSTOMER),
        ("Facturé à :", Label.CUSTOMER),
        ("Bill to", Label.CUSTOMER),
        ("N° TVA client FR44732829320", Label.CUSTOMER_ID),
        ("Vendeur : Durand SARL", Label.SUPPLIER),
    ],
)
def test_each_label_is_read_with_its_kind(text: str, kind: Label) -> None:
    assert kinds(text)[0][0] == kind.value


def test_the_longest_label_wins_where_labels_overlap() -> None:
    assert kinds("Total TVA 20,00    Net à payer 120,00") == [
        ("total_tva", "Total TVA"),
        ("amount_due", "Net à payer"),
    ]
    assert kinds("N° TVA intracommunautaire : FR44732829320") == [("vat_id", "N° TVA intracommunautaire")]


def test_party_labels_must_stand_alone_or_be_followed_by_a_colon() -> None:
    assert kinds("Client") == [("customer", "Client")]
    assert kinds("Client : ACME") == [("customer", "Client")]
    assert kinds("Le client reçoit la marchandise") == []
    assert kinds("Lieferant GmbH") == []


def test_titles_count_only_at_the_start_of_a_cell() -> None:
    assert kinds("Facture   FA-2017-0010") == [("title", "Facture")]
    assert kinds("Montant déduit de votre prochaine facture") == []


def test_right_text_stops_at_the_next_label_and_at_a_wide_gap() -> None:
    layout = layout_of("Facture n° : # FA-12   Date : 01/02/2026\nInvoice No : INV-9       Page 1")
    labels = find_labels(layout)
    number = labels.of(Label.NUMBER)
    assert right_text(layout, labels, number[0]) == "FA-12"
    assert right_text(layout, labels, number[1]) == "INV-9"


def test_cells_below_a_label_in_a_header_row() -> None:
    layout = layout_of(
        "   N° facture        Date            Échéance\n   F2024-001         12/03/2024      11/04/2024"
    )
    labels = find_labels(layout)
    (number,) = labels.of(Label.NUMBER)
    assert [cell.text for cell in cells_below(layout, number)] == ["F2024-001"]


def test_fold_keeps_positions_and_squeeze_keeps_letters_and_digits() -> None:
    text = "Échéance\u202f: 1\u00a0234,56 € \u2013 nº 12 l\u2019avoir"
    assert len(fold(text)) == len(text)
    assert fold(text) == "echeance : 1 234,56 € \u2013 n° 12 l'avoir"
    assert squeeze("Les Saveurs  du Vieux-Port") == "lessaveursduvieuxport"
    assert cell_text("  Sold by WS Retail,  ") == "Sold by WS Retail"


def test_pages_split_on_form_feeds() -> None:
    layout = read_layout(
        DocumentText((PageText(1, "page un\fpage deux", Method.TEXT), PageText(2, "page trois", Method.TEXT)))
    )
    assert [(line.page, line.text) for line in layout.lines] == [
        (1, "page un"),
        (2, "page deux"),
        (3, "page trois"),
    ]


def test_best_adds_a_bonus_for_values_found_again() -> None:
    found = [Candidate("A", 0.6, 3), Candidate("B", 0.65, 1), Candidate("A", 0.5, 7)]
    assert [(item.value, round(item.score, 2)) for item in merge(found)] == [("B", 0.65), ("A", 0.65)]
    assert best(found) == Candidate("B", 0.65, 1)
    assert best([]) is None
