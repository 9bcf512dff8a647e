"""The VAT breakdown: plausible rates only, recap lines first, the set of lines adding up to the total VAT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parsers.fields.labels import find_labels
from parsers.fields.layout import Layout, read_layout
from parsers.fields.totals import Totals, read_totals
from parsers.fields.vat import read_breakdown, row_of
from parsers.invoice import DocumentText, Method, PageText

# OCR of facture-deux-pages.pdf at 200 dpi (page 2, shortened): "4,95 €" read as "495€" on an item row.
TWO_PAGES_OCR = """\
 Désignation     Qté     PU HT     TVA     Total HT
| Réf. LUB-C-M10 - Lubrifiant de coupe (bidon 1 L)     3 |     21,84€.     20%.     65,52€ |
| Réf. ADH-T-M6 - Adhésif toilé gris 50 mm (rouleau)     4 |     495€.     20%.     19,80€ |
 Réf. ADH-T-M8 - Adhésif toilé gris 50 mm (rouleau)     5,94 €     20%     41,58 €
     Base HT     Taux     Montant TVA     Total HT     3 364,47 €
     3 364,47 € |     20 % |     672,89 € |     Total TVA     672,89 €
     Total TTC     4 037,36 €
     Net a payer     4 037,36 €
"""

# OCR of facture-multi-taux.pdf at 200 dpi: "14,35 €" read as "1435€", "5,5 %" as "55%".
MULTI_RATE_OCR = """\
 Désignation     até     PU HT     TVA     Total HT
| Cocktail déjeunatoire, 45 couverts     45 |     2850€     10%     1282,50€ |
| Vins et champagne (bouteilles 75 cl)     12 .     18,90€     20%     226,80 € |
| Corbeilles de fruits frais     6 |     1435€     55%     86,10€ |
 Jus de fruits et eaux minérales (bouteilles 1 L)     24 |     215€     5,5%     51,60€ |
| Service en salle : 2 maîtres d'hôtel, 4 heures     8.     42,00€     20%     336,00€ |
 Livraison et installation     |     65,00€.     20%     65,00 €
     Base HT     Taux     Montant TVA     Total HT     2 048,00 €
     627,80 €     20 %     125,56 €     Total TVA     261,38 €
     1 282,50 €     10 %     128,25 €     Total TTC     2 309,38 €
     137,70€ |     55%)     7,57€ |
     Net à payer     2 309,38 €
"""


def layout_of(text: str) -> Layout:
    return read_layout(DocumentText((PageText(1, text, Method.OCR),)))


def totals_of(text: str) -> Totals:
    layout = layout_of(text)
    return read_totals(layout, find_labels(layout), no_vat=False)


def lines(totals: Totals) -> list[tuple[str, str, str]]:
    return [(str(line.rate), str(line.base), str(line.amount)) for line in totals.breakdown]


def test_an_item_row_with_a_lost_decimal_comma_is_no_vat_line() -> None:
    totals = totals_of(TWO_PAGES_OCR)
    assert totals.tax is not None and totals.tax.value == Decimal("672.89")
    assert lines(totals) == [("20", "3364.47", "672.89")]
    assert totals.warnings == ()


def test_a_quantity_is_no_rate_and_the_missing_recap_line_is_inferred() -> None:
    totals = totals_of(MULTI_RATE_OCR)
    assert totals.tax is not None and totals.tax.value == Decimal("261.38")
    assert lines(totals) == [
        ("20", "627.80", "125.56"),
        ("10", "1282.50", "128.25"),
        ("5.5", "137.70", "7.57"),
    ]
    assert totals.warnings == ("VAT line at 5.5 % inferred from the totals",)


@pytest.mark.parametrize(
    "row",
    [
        "Adhésif toilé gris 50 mm (rouleau)     4 |   495€.   20%.   19,80€ |",
        "Corbeilles de fruits frais     6 |   1435€   55%   86,10€ |",
        "Forets béton carbure    10    552€    20%    55,20 €",
    ],
)
def test_a_bare_number_beside_a_percent_sign_is_a_quantity(row: str) -> None:
    assert row_of(row) is None


def test_bare_integer_next_to_a_percent_sign_is_a_quantity_not_a_rate() -> None:
    assert row_of("6          1 435,00 €   5,5 %   86,10 €") is None
    assert row_of("5.5          1 435,00 €   78,93 €") is not None
    assert row_of("MwSt.-% 19,0     100,00     19,00") is not None


def test_lines_that_break_the_total_vat_are_dropped() -> None:
    layout = layout_of(
        """
        Désignation              Qté     PU HT      Remise     Total HT
        Forets béton carbure     20       552€     20%      110,40 €
        Abonnement annuel         1     300,00 €    10 %      30,00 €
        Base HT       Taux      Montant TVA
        1 000,00 €    20 %        200,00 €
        """
    )
    found = read_breakdown(layout, Decimal("200.00"))
    assert [(str(line.rate), str(line.base), str(line.amount)) for line in found] == [
        ("20", "1000.00", "200.00")
    ]


def test_the_set_adding_up_to_the_total_vat_is_kept() -> None:
    layout = layout_of(
        """
        TVA 5,5 % sur 400,00           22,00
        Frais   2,1 %   100,00   2,10
        TVA 20 % sur 600,00           120,00
        """
    )
    assert [str(line.rate) for line in read_breakdown(layout, Decimal("142.00"))] == ["5.5", "20"]
    assert [str(line.rate) for line in read_breakdown(layout, Decimal("144.10"))] == ["5.5", "2.1", "20"]
