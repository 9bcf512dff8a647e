"""Totals next to their labels, the HT + TVA = TTC cross-check, the VAT breakdown and the amount due."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parsers.fields.labels import find_labels
from parsers.fields.layout import read_layout
from parsers.fields.totals import Totals, read_totals
from parsers.fields.vat import row_of, unusual_rates, vat_matches
from parsers.invoice import DocumentText, Method, PageText, VatLine


def totals_of(text: str, *, no_vat: bool = False) -> Totals:
    """The totals read from a one-page text."""
    layout = read_layout(DocumentText((PageText(1, text, Method.TEXT),)))
    return read_totals(layout, find_labels(layout), no_vat=no_vat)


def values(totals: Totals) -> tuple[str | None, ...]:
    """HT, TVA, TTC and amount due as strings (None when unknown)."""
    found = (totals.excl_tax, totals.tax, totals.incl_tax, totals.amount_due)
    return tuple(None if item is None else str(item.value) for item in found)


def test_labelled_totals_that_add_up_are_taken_with_high_confidence() -> None:
    totals = totals_of(
        """
                                  Total HT          1 250,00 €
                                  TVA 20 %            250,00 €
                                  Total TTC         1 500,00 €
                                  Net à payer       1 500,00 €
        """
    )
    assert values(totals) == ("1250.00", "250.00", "1500.00", "1500.00")
    assert totals.excl_tax is not None and totals.excl_tax.score > 0.9
    assert totals.breakdown == (VatLine(Decimal("20"), Decimal("1250.00"), Decimal("250.00")),)
    assert totals.warnings == ()


def test_the_cross_check_picks_the_consistent_candidates() -> None:
    totals = totals_of(
        """
        Désignation                 Qté    PU HT      Total HT
        Audit énergétique             1    900,00       900,00
        Sous-total                                      900,00
        Remise 10 %                                     -90,00
        Total HT                                        810,00
        TVA (20%)                                       162,00
        Total TTC                                       972,00
        """
    )
    assert values(totals)[:3] == ("810.00", "162.00", "972.00")


def test_totals_under_a_header_row() -> None:
    totals = totals_of(
        """
           Total HT          TVA 20 %         Total TTC
           185,00 €          37,00 €          222,00 €
        """
    )
    assert values(totals)[:3] == ("185.00", "37.00", "222.00")


def test_a_line_holding_ht_tva_and_ttc_after_a_total_label() -> None:
    totals = totals_of("      Total     3    278.61        40.39    319.00\n      Grand Total         319.00")
    assert values(totals)[:3] == ("278.61", "40.39", "319.00")


def test_multi_rate_breakdown_gives_the_total_vat_when_none_is_printed() -> None:
    totals = totals_of(
        """
        Total HT                    1 000,00
        TVA 5,5 % sur 400,00           22,00
        TVA 20 % sur 600,00           120,00
        Total TTC                   1 142,00
        """
    )
    assert values(totals)[:3] == ("1000.00", "142.00", "1142.00")
    assert [(str(line.rate), str(line.base), str(line.amount)) for line in totals.breakdown] == [
        ("5.5", "400.00", "22.00"),
        ("20", "600.00", "120.00"),
    ]


def test_recap_table_rows_in_printed_order() -> None:
    totals = totals_of(
        """
          Base HT     Taux   Montant TVA          Total HT        2 048,00 €
           627,80 €   20 %      125,56 €          Total TVA         261,38 €
          1 282,50 €  10 %      128,25 €          Total TTC       2 309,38 €
           137,70 €   5,5 %       7,57 €          Net à payer     2 309,38 €
        """
    )
    assert values(totals) == ("2048.00", "261.38", "2309.38", "2309.38")
    assert [str(line.rate) for line in totals.breakdown] == ["20", "10", "5.5"]
    assert totals.warnings == ()


def test_an_unreadable_recap_row_is_inferred_from_the_totals() -> None:
    totals = totals_of(
        """
          Base HT     Taux   Montant TVA          Total HT        2 048,00 €
           627,80 €   20 %      125,56 €          Total TVA         261,38 €
          1 282,50 €  10 %      128,25 €          Total TTC       2 309,38 €
           137,70 €   515 %       PISTE           Net à payer     2 309,38 €
        """
    )
    assert [str(line.rate) for line in totals.breakdown] == ["20", "10", "5.5"]
    assert totals.breakdown[-1] == VatLine(Decimal("5.5"), Decimal("137.70"), Decimal("7.57"))
    assert totals.warnings == ("VAT line at 5.5 % inferred from the totals",)


def test_a_prepayment_makes_the_amount_due_smaller_than_ttc() -> None:
    totals = totals_of(
        """
        Total HT          14 000,00 €
        Total TVA          2 800,00 €
        Total TTC         16 800,00 €
        Acompte versé      5 040,00 €
        Net à payer       11 760,00 €
        """
    )
    assert values(totals) == ("14000.00", "2800.00", "16800.00", "11760.00")


def test_the_amount_due_is_derived_when_not_printed() -> None:
    totals = totals_of("Total HT 100,00 €\nTVA 20 % 20,00 €\nTotal TTC 120,00 €\nAcompte 20,00 €")
    assert values(totals) == ("100.00", "20.00", "120.00", "100.00")
    assert totals.amount_due is not None and totals.amount_due.score < 0.9


def test_totals_that_do_not_add_up_are_kept_with_a_warning() -> None:
    totals = totals_of("Total HT 100,00 €\nTVA 20 % 21,00 €\nTotal TTC 120,00 €")
    assert values(totals)[:3] == ("100.00", "21.00", "120.00")
    assert "HT + TVA != TTC (100.00 + 21.00 != 120.00)" in totals.warnings
    assert "VAT 21.00 is not 20 % of 100.00" in totals.warnings


def test_a_missing_total_is_derived_from_the_two_others() -> None:
    totals = totals_of("Montant HT 500,00 €\nMontant TTC 600,00 €")
    assert values(totals)[:3] == ("500.00", "100.00", "600.00")
    assert totals.tax is not None and totals.tax.score <= 0.6


def test_no_vat_marker_gives_zero_vat_from_a_single_total() -> None:
    assert values(totals_of("Total 1 130,00 €", no_vat=True))[:3] == ("1130.00", "0.00", "1130.00")
    assert values(totals_of("Total 1 130,00 €"))[:3] == (None, None, "1130.00")


def test_unusual_rates_are_flagged() -> None:
    totals = totals_of("Total 1 278.61 14.50% 40.39 319.00")
    assert "VAT rate 14.5 % is unusual" in totals.warnings
    assert unusual_rates([Decimal("20"), Decimal("5.5"), Decimal("7")]) == ("VAT rate 7 % is unusual",)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("3 520,00 € 20 %     704,00 €", ("20", "3520.00", "704.00")),
        ("TVA 5,5% 543,00 € 29,87 €", ("5.5", "543.00", "29.87")),
        ("20.0          81,90 €   16,38 €", ("20.0", "81.90", "16.38")),
        ("K   0,00%   100,00    0,00", ("0.00", "100.00", "0.00")),
        ("Frais de déplacement   1   120,00 €  20 %   120,00 €", None),
        ("Forfait taxe de séjour    1    1,65    0 %    1,65 €", None),
        ("Quantité 3 prix 12,00 total 36,00", None),
    ],
)
def test_vat_rows_must_pass_the_check(row: str, expected: tuple[str, str, str] | None) -> None:
    line = row_of(row)
    assert (None if line is None else (str(line.rate), str(line.base), str(line.amount))) == expected


def test_vat_matches_within_one_cent() -> None:
    assert vat_matches(Decimal("137.70"), Decimal("5.5"), Decimal("7.57"))
    assert vat_matches(Decimal("278.61"), Decimal("14.5"), Decimal("40.39"))
    assert not vat_matches(Decimal("100.00"), Decimal("20"), Decimal("21.00"))
