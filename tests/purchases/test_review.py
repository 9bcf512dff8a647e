"""Review reasons: each one triggered by a minimal change to a clean invoice, trust waiving only soft ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from parsers.invoice import DocumentType, InvoiceFields, Method, VatLine, VatMarker
from purchases.errors import InvalidInputError
from purchases.review import (
    SOFT_CODES,
    Amounts,
    Reason,
    ReasonCode,
    ReviewPolicy,
    Trust,
    review_reasons,
    settle_amounts,
)

TODAY = date(2026, 2, 1)
D = Decimal
CONFIDENT = {"supplier_name": 0.9, "invoice_number": 0.9, "issue_date": 0.9, "total_incl_tax": 0.9}

CLEAN = InvoiceFields(
    method=Method.TEXT,
    supplier_name="Papeterie Durand",
    supplier_siret="73282932000074",
    supplier_vat="FR44732829320",
    invoice_number="FA-2026-0017",
    issue_date=date(2026, 1, 12),
    due_date=date(2026, 2, 11),
    currency="EUR",
    total_excl_tax=D("1000.00"),
    total_tax=D("200.00"),
    total_incl_tax=D("1200.00"),
    amount_due=D("1200.00"),
    vat_breakdown=(VatLine(D("20"), D("1000.00"), D("200.00")),),
    confidence=CONFIDENT,
)

# A clean invoice at 19 % (a German rate): only the soft reason unusual_vat_rate applies.
AT_19 = replace(
    CLEAN,
    total_tax=D("190.00"),
    total_incl_tax=D("1190.00"),
    amount_due=D("1190.00"),
    vat_breakdown=(VatLine(D("19"), D("1000.00"), D("190.00")),),
)


def codes(fields: InvoiceFields, **kwargs: Any) -> tuple[str, ...]:
    return tuple(reason.code for reason in review_reasons(fields, today=TODAY, **kwargs))


def test_clean_invoice_is_ready() -> None:
    assert review_reasons(CLEAN, today=TODAY) == ()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"supplier_name": None, "supplier_siret": None, "supplier_vat": None},
            ("missing_supplier",),
        ),
        (
            {
                "supplier_name": None,
                "supplier_siret": None,
                "supplier_vat": None,
                "supplier_siren": "732829320",
            },
            (),
        ),
        ({"supplier_name": None, "supplier_siret": None}, ()),  # the VAT number identifies the supplier
        ({"invoice_number": None}, ("missing_invoice_number",)),
        ({"invoice_number": ""}, ("missing_invoice_number",)),
        ({"issue_date": None}, ("missing_issue_date",)),
        ({"total_incl_tax": None}, ()),  # TTC = HT + VAT
        ({"total_excl_tax": None}, ()),  # HT = TTC - VAT
        ({"total_tax": None}, ()),  # VAT = TTC - HT
        ({"total_excl_tax": None, "total_tax": None}, ()),  # from the VAT breakdown
        ({"total_excl_tax": None, "total_tax": None, "vat_breakdown": ()}, ("missing_amounts",)),
        (
            {"total_tax": None, "total_incl_tax": None, "vat_breakdown": ()},
            ("missing_total", "missing_amounts"),
        ),
        (
            {"total_excl_tax": None, "total_tax": None, "total_incl_tax": None, "vat_breakdown": ()},
            ("missing_total", "missing_amounts"),
        ),
        ({"total_incl_tax": D("1210.00")}, ("totals_mismatch",)),
        ({"total_incl_tax": D("1200.01")}, ("totals_mismatch",)),  # to the cent
        (
            {
                "total_tax": D("210.00"),
                "total_incl_tax": D("1210.00"),
                "vat_breakdown": (VatLine(D("20"), D("1000.00"), D("210.00")),),
            },
            ("vat_line_mismatch",),
        ),
        (
            {
                "total_tax": D("200.02"),
                "total_incl_tax": D("1200.02"),
                "vat_breakdown": (VatLine(D("20"), D("1000.00"), D("200.02")),),
            },
            ("vat_line_mismatch",),  # two cents off
        ),
        (
            {
                "total_tax": D("200.01"),
                "total_incl_tax": D("1200.01"),
                "vat_breakdown": (VatLine(D("20"), D("1000.00"), D("200.01")),),
            },
            (),  # one cent off is tolerated per line
        ),
        ({"vat_breakdown": (VatLine(D("20"), D("900.00"), D("180.00")),)}, ("vat_breakdown_mismatch",)),
        (
            {
                "vat_breakdown": (
                    VatLine(D("20"), D("500.00"), D("100.00")),
                    VatLine(D("5.5"), D("500"), D("27.5")),
                )
            },
            ("vat_breakdown_mismatch",),
        ),
        (
            {
                "total_excl_tax": D("1100.00"),
                "total_tax": D("205.50"),
                "total_incl_tax": D("1305.50"),
                "amount_due": D("1305.50"),
                "vat_breakdown": (
                    VatLine(D("20"), D("1000.00"), D("200.00")),
                    VatLine(D("5.50"), D("100.00"), D("5.50")),
                ),
            },
            (),  # multi-rate, consistent
        ),
        ({"amount_due": D("1200.01")}, ("amount_due_exceeds_total",)),
        ({"amount_due": D("800.00")}, ()),  # after a deposit ("acompte")
        ({"amount_due": None}, ()),
        ({"currency": "USD"}, ("foreign_currency",)),
        ({"currency": "eur"}, ()),
        ({"currency": None}, ()),
        ({"issue_date": date(2026, 2, 2)}, ("future_issue_date",)),
        ({"issue_date": TODAY}, ()),
        ({"document_type": DocumentType.CREDIT_NOTE}, ()),
    ],
)
def test_one_reason_per_change(changes: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert codes(replace(CLEAN, **changes)) == expected


def test_unusual_vat_rate() -> None:
    reasons = review_reasons(AT_19, today=TODAY)
    assert reasons == (Reason("unusual_vat_rate", "19 % is not a French VAT rate."),)


@pytest.mark.parametrize("rate", ["20", "10", "8.5", "5.5", "5.50", "2.1", "1.05", "13", "0.9", "0", "0.00"])
def test_french_rates_are_usual(rate: str) -> None:
    base = D("100.00")
    vat = (base * D(rate) / 100).quantize(D("0.01"))
    fields = replace(
        CLEAN,
        total_excl_tax=base,
        total_tax=vat,
        total_incl_tax=base + vat,
        amount_due=base + vat,
        vat_breakdown=(VatLine(D(rate), base, vat),),
    )
    assert codes(fields) == ()


def test_low_confidence_names_the_weakest_fields() -> None:
    fields = replace(
        CLEAN,
        confidence={"supplier_name": 0.9, "invoice_number": 0.2, "issue_date": 0.3, "total_incl_tax": 0.5},
    )
    (reason,) = review_reasons(fields, today=TODAY)
    assert reason.code == "low_confidence"
    assert reason.message == (
        "The reading confidence 0.475 is below the minimum 0.6; "
        "weakest fields: invoice_number 0.20, issue_date 0.30, total_incl_tax 0.50."
    )


def test_confidence_at_the_minimum_is_enough() -> None:
    fields = replace(CLEAN, confidence=dict.fromkeys(CONFIDENT, 0.6))
    assert codes(fields) == ()
    assert codes(fields, policy=ReviewPolicy(min_confidence=0.7)) == ("low_confidence",)


def test_no_confidence_recorded() -> None:
    (reason,) = review_reasons(replace(CLEAN, confidence={}), today=TODAY)
    assert reason.code == "low_confidence"
    assert reason.message.endswith("weakest fields: none recorded.")


def test_messages_name_the_amounts() -> None:
    fields = replace(CLEAN, total_incl_tax=D("1210.00"), amount_due=D("1300.00"), currency="USD")
    assert review_reasons(fields, today=TODAY) == (
        Reason("totals_mismatch", "HT 1000.00 + VAT 200.00 = 1200.00, but the printed TTC is 1210.00."),
        Reason("amount_due_exceeds_total", "The amount due 1300.00 exceeds the total TTC 1210.00."),
        Reason(
            "foreign_currency",
            "The invoice is in USD; entries are booked in euros, so its amounts must be converted.",
        ),
    )
    line = replace(
        CLEAN,
        total_tax=D("210.00"),
        total_incl_tax=D("1210.00"),
        amount_due=None,
        vat_breakdown=(VatLine(D("20"), D("1000"), D("210")),),
    )
    assert review_reasons(line, today=TODAY) == (
        Reason("vat_line_mismatch", "VAT at 20 % on 1000.00 should be 200.00, not 210.00."),
    )


def test_stable_order_with_extra_last() -> None:
    fields = InvoiceFields(
        method=Method.OCR,
        currency="GBP",
        issue_date=date(2026, 3, 1),
        vat_breakdown=(VatLine(D("7"), D("100"), D("9")),),
    )
    duplicate = Reason("duplicate_number", "Invoice FA-1 from this supplier is already recorded.")
    assert codes(fields, extra=(duplicate,)) == (
        "missing_supplier",
        "missing_invoice_number",
        "vat_line_mismatch",
        "unusual_vat_rate",
        "foreign_currency",
        "future_issue_date",
        "low_confidence",
        "duplicate_number",
    )


def test_reason_codes_order_matches_reporting_order() -> None:
    assert [code.value for code in ReasonCode] == [
        "missing_supplier",
        "missing_invoice_number",
        "missing_issue_date",
        "missing_total",
        "missing_amounts",
        "totals_mismatch",
        "vat_line_mismatch",
        "vat_breakdown_mismatch",
        "unusual_vat_rate",
        "amount_due_exceeds_total",
        "foreign_currency",
        "future_issue_date",
        "low_confidence",
        "duplicate_number",
    ]
    assert {"low_confidence", "unusual_vat_rate", "vat_line_mismatch"} == SOFT_CODES


# --- trust -------------------------------------------------------------------------------------------------

SOFT_ONLY = replace(AT_19, confidence={"invoice_number": 0.1})  # TTC 1190.00: unusual rate + low confidence


def test_soft_only_case_has_two_reasons_without_trust() -> None:
    assert codes(SOFT_ONLY) == ("unusual_vat_rate", "low_confidence")
    assert codes(SOFT_ONLY, trust=Trust(trusted=False, threshold=D("5000"))) == (
        "unusual_vat_rate",
        "low_confidence",
    )


@pytest.mark.parametrize("threshold", [None, D("5000"), D("1190.00")])
def test_trust_waives_soft_reasons_up_to_threshold(threshold: Decimal | None) -> None:
    assert codes(SOFT_ONLY, trust=Trust(trusted=True, threshold=threshold)) == ()


def test_trust_does_not_waive_over_threshold() -> None:
    assert codes(SOFT_ONLY, trust=Trust(trusted=True, threshold=D("1189.99"))) == (
        "unusual_vat_rate",
        "low_confidence",
    )


def test_trust_waives_vat_line_mismatch() -> None:
    fields = replace(
        CLEAN,
        total_tax=D("210.00"),
        total_incl_tax=D("1210.00"),
        amount_due=D("1210.00"),
        vat_breakdown=(VatLine(D("20"), D("1000.00"), D("210.00")),),
    )
    assert codes(fields) == ("vat_line_mismatch",)
    assert codes(fields, trust=Trust(trusted=True)) == ()


def test_trust_never_waives_hard_reasons() -> None:
    fields = replace(SOFT_ONLY, invoice_number=None, total_incl_tax=D("1191.00"), currency="CHF")
    duplicate = Reason("duplicate_number", "This invoice number is already recorded for this supplier.")
    trusted = codes(fields, trust=Trust(trusted=True), extra=(duplicate,))
    assert trusted == ("missing_invoice_number", "totals_mismatch", "foreign_currency", "duplicate_number")
    assert codes(fields, extra=(duplicate,)) == (
        "missing_invoice_number",
        "totals_mismatch",
        "unusual_vat_rate",
        "foreign_currency",
        "low_confidence",
        "duplicate_number",
    )


def test_trust_with_threshold_and_unknown_total_waives_nothing() -> None:
    fields = replace(AT_19, total_tax=None, total_incl_tax=None, vat_breakdown=(), amount_due=None)
    trust = Trust(trusted=True, threshold=D("5000"))
    assert codes(fields, trust=trust) == ("missing_total", "missing_amounts")
    assert not trust.waives(None)
    assert trust.waives(D("5000"))
    assert not trust.waives(D("5000.01"))
    assert not Trust().waives(D("1"))


def test_invalid_settings() -> None:
    with pytest.raises(InvalidInputError):
        Trust(trusted=True, threshold=D("-1"))
    with pytest.raises(InvalidInputError):
        ReviewPolicy(min_confidence=1.5)


def test_reason_soft_flag() -> None:
    assert Reason("low_confidence", "x").soft
    assert not Reason("duplicate_number", "x").soft


# --- settle_amounts ----------------------------------------------------------------------------------------


def amounts(ht: str, vat: str, ttc: str) -> Amounts:
    return Amounts(D(ht), D(vat), D(ttc))


def only(**values: Any) -> InvoiceFields:
    return InvoiceFields(method=Method.TEXT, **values)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            only(total_excl_tax=D("100"), total_tax=D("20"), total_incl_tax=D("120")),
            amounts("100", "20", "120"),
        ),
        (only(total_excl_tax=D("100"), total_tax=D("20")), amounts("100", "20", "120")),
        (only(total_tax=D("20"), total_incl_tax=D("120")), amounts("100", "20", "120")),
        (only(total_excl_tax=D("100"), total_incl_tax=D("120")), amounts("100", "20", "120")),
        # a printed mismatch is kept as printed (review reports totals_mismatch)
        (
            only(total_excl_tax=D("100"), total_tax=D("20"), total_incl_tax=D("121")),
            amounts("100", "20", "121"),
        ),
        # zero-VAT markers
        (only(total_incl_tax=D("500"), markers=frozenset({VatMarker.FRANCHISE})), amounts("500", "0", "500")),
        (
            only(total_excl_tax=D("1000"), markers=frozenset({VatMarker.REVERSE_CHARGE})),
            amounts("1000", "0", "1000"),
        ),
        (
            only(total_excl_tax=D("1000"), total_incl_tax=D("1000"), markers=frozenset({VatMarker.INTRA_EU})),
            amounts("1000", "0", "1000"),
        ),
        # the debits option is no zero-VAT marker
        (only(total_incl_tax=D("500"), markers=frozenset({VatMarker.DEBITS})), None),
        # VAT breakdown sums
        (
            only(vat_breakdown=(VatLine(D("20"), D("100"), D("20")), VatLine(D("5.5"), D("50"), D("2.75")))),
            amounts("150", "22.75", "172.75"),
        ),
        (
            only(total_incl_tax=D("172.75"), vat_breakdown=(VatLine(D("20"), D("150"), D("22.75")),)),
            amounts("150", "22.75", "172.75"),
        ),
        (
            only(total_excl_tax=D("150"), vat_breakdown=(VatLine(D("20"), D("150"), D("30")),)),
            amounts("150", "30", "180"),
        ),
        # two printed totals win over the breakdown
        (
            only(
                total_tax=D("20"),
                total_incl_tax=D("120"),
                vat_breakdown=(VatLine(D("20"), D("90"), D("18")),),
            ),
            amounts("100", "20", "120"),
        ),
        # rounding to the cent, half up
        (only(total_excl_tax=D("100.005"), total_tax=D("20.001")), amounts("100.01", "20.00", "120.01")),
        # credit notes carry positive amounts like invoices
        (
            only(document_type=DocumentType.CREDIT_NOTE, total_excl_tax=D("50"), total_incl_tax=D("60")),
            amounts("50", "10", "60"),
        ),
        (only(), None),
        (only(total_incl_tax=D("120")), None),
        (only(total_excl_tax=D("100")), None),
    ],
)
def test_settle_amounts(fields: InvoiceFields, expected: Amounts | None) -> None:
    assert settle_amounts(fields) == expected


def test_settled_amounts_are_in_cents() -> None:
    settled = settle_amounts(only(total_excl_tax=D("100"), total_tax=D("20")))
    assert settled is not None
    assert str(settled.total_incl_tax) == "120.00"
    assert str(settled.total_tax) == "20.00"
