"""Purchase-journal entries: each PCG pattern of domain.md §6, line by line, balanced, and mirrored."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from core.errors import CollecteError
from parsers.invoice import DocumentType, VatLine, VatMarker
from purchases.accounts import ChartOfAccounts, account_label, is_asset_account
from purchases.entries import EntryDraft, PurchaseToBook, UnbalancedEntryError, build_entry

D = Decimal
CHART = ChartOfAccounts()
SUPPLIER = "ACME Services SARL"
NUMBER = "F-2024-0042"
ISSUED = date(2024, 3, 15)

Expected = list[tuple[str, str, str]]
"""(account, "D" or "C", amount) for each line, in order."""


def purchase(**changes: object) -> PurchaseToBook:
    """1 000 HT at 20 % from a domestic supplier, with the given fields changed."""
    base = PurchaseToBook(
        document_type=DocumentType.INVOICE,
        markers=frozenset(),
        invoice_number=NUMBER,
        issue_date=ISSUED,
        supplier_name=SUPPLIER,
        supplier_aux="F00012",
        charge_account="604000",
        total_excl_tax=D("1000"),
        total_tax=D("200"),
        total_incl_tax=D("1200"),
        vat_lines=(VatLine(D("20"), D("1000"), D("200")),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def no_vat(**changes: object) -> PurchaseToBook:
    """1 000 HT, no VAT printed (intra-EU, reverse charge, franchise)."""
    fields: dict[str, object] = {
        "total_tax": D("0"),
        "total_incl_tax": D("1000"),
        "vat_lines": (VatLine(D("0"), D("1000"), D("0")),),
    }
    return purchase(**(fields | changes))


def sides(entry: EntryDraft) -> Expected:
    """Each line as (account, side, amount as text)."""
    return [
        (line.account, "D", str(line.debit)) if line.debit else (line.account, "C", str(line.credit))
        for line in entry.lines
    ]


MULTI_RATE = purchase(
    total_excl_tax=D("600.00"),
    total_tax=D("56.50"),
    total_incl_tax=D("656.50"),
    vat_lines=(
        VatLine(D("20"), D("100.00"), D("20.00")),
        VatLine(D("10"), D("200.00"), D("20.00")),
        VatLine(D("5.5"), D("300.00"), D("16.50")),
    ),
)

CASES: dict[str, tuple[PurchaseToBook, Expected]] = {
    "domestic": (
        purchase(),
        [("604000", "D", "1000.00"), ("445660", "D", "200.00"), ("401000", "C", "1200.00")],
    ),
    "domestic-without-breakdown": (
        purchase(vat_lines=()),
        [("604000", "D", "1000.00"), ("445660", "D", "200.00"), ("401000", "C", "1200.00")],
    ),
    "domestic-breakdown-not-adding-up": (
        purchase(vat_lines=(VatLine(D("20"), D("900"), D("180")), VatLine(D("10"), D("50"), D("5")))),
        [("604000", "D", "1000.00"), ("445660", "D", "200.00"), ("401000", "C", "1200.00")],
    ),
    "domestic-multi-rate": (
        MULTI_RATE,
        [
            ("604000", "D", "100.00"),
            ("604000", "D", "200.00"),
            ("604000", "D", "300.00"),
            ("445660", "D", "20.00"),
            ("445660", "D", "20.00"),
            ("445660", "D", "16.50"),
            ("401000", "C", "656.50"),
        ],
    ),
    "domestic-same-rate-twice-merged": (
        purchase(vat_lines=(VatLine(D("20"), D("400"), D("80")), VatLine(D("20.0"), D("600"), D("120")))),
        [("604000", "D", "1000.00"), ("445660", "D", "200.00"), ("401000", "C", "1200.00")],
    ),
    "domestic-exempt-line-has-no-vat-line": (
        purchase(
            total_excl_tax=D("1050"),
            total_incl_tax=D("1250"),
            vat_lines=(VatLine(D("20"), D("1000"), D("200")), VatLine(D("0"), D("50"), D("0"))),
        ),
        [
            ("604000", "D", "1000.00"),
            ("604000", "D", "50.00"),
            ("445660", "D", "200.00"),
            ("401000", "C", "1250.00"),
        ],
    ),
    "fixed-asset": (
        purchase(charge_account="218300"),
        [("218300", "D", "1000.00"), ("445620", "D", "200.00"), ("404000", "C", "1200.00")],
    ),
    "intra-eu": (
        no_vat(markers=frozenset({VatMarker.INTRA_EU})),
        [
            ("604000", "D", "1000.00"),
            ("445662", "D", "200.00"),
            ("445200", "C", "200.00"),
            ("401000", "C", "1000.00"),
        ],
    ),
    "intra-eu-without-breakdown": (
        no_vat(markers=frozenset({VatMarker.INTRA_EU}), charge_account="607000", vat_lines=()),
        [
            ("607000", "D", "1000.00"),
            ("445662", "D", "200.00"),
            ("445200", "C", "200.00"),
            ("401000", "C", "1000.00"),
        ],
    ),
    "intra-eu-printed-rates": (
        no_vat(
            markers=frozenset({VatMarker.INTRA_EU}),
            vat_lines=(VatLine(D("20"), D("600"), D("0")), VatLine(D("5.5"), D("400"), D("0"))),
        ),
        [
            ("604000", "D", "600.00"),
            ("604000", "D", "400.00"),
            ("445662", "D", "120.00"),
            ("445662", "D", "22.00"),
            ("445200", "C", "120.00"),
            ("445200", "C", "22.00"),
            ("401000", "C", "1000.00"),
        ],
    ),
    "reverse-charge": (
        no_vat(markers=frozenset({VatMarker.REVERSE_CHARGE}), charge_account="611000"),
        [
            ("611000", "D", "1000.00"),
            ("445660", "D", "200.00"),
            ("445700", "C", "200.00"),
            ("401000", "C", "1000.00"),
        ],
    ),
    "reverse-charge-rounds-half-up": (
        purchase(
            markers=frozenset({VatMarker.REVERSE_CHARGE}),
            total_excl_tax=D("100.25"),
            total_tax=D("0"),
            total_incl_tax=D("100.25"),
            vat_lines=(VatLine(D("10"), D("100.25"), D("0")),),
        ),
        [
            ("604000", "D", "100.25"),
            ("445660", "D", "10.03"),
            ("445700", "C", "10.03"),
            ("401000", "C", "100.25"),
        ],
    ),
    "reverse-charge-fixed-asset": (
        no_vat(markers=frozenset({VatMarker.REVERSE_CHARGE}), charge_account="218400"),
        [
            ("218400", "D", "1000.00"),
            ("445620", "D", "200.00"),
            ("445700", "C", "200.00"),
            ("404000", "C", "1000.00"),
        ],
    ),
    "franchise": (
        no_vat(markers=frozenset({VatMarker.FRANCHISE}), vat_lines=()),
        [("604000", "D", "1000.00"), ("401000", "C", "1000.00")],
    ),
    "credit-note-domestic": (
        purchase(document_type=DocumentType.CREDIT_NOTE),
        [("604000", "C", "1000.00"), ("445660", "C", "200.00"), ("401000", "D", "1200.00")],
    ),
    "credit-note-multi-rate": (
        dataclasses.replace(MULTI_RATE, document_type=DocumentType.CREDIT_NOTE),
        [
            ("604000", "C", "100.00"),
            ("604000", "C", "200.00"),
            ("604000", "C", "300.00"),
            ("445660", "C", "20.00"),
            ("445660", "C", "20.00"),
            ("445660", "C", "16.50"),
            ("401000", "D", "656.50"),
        ],
    ),
    "credit-note-intra-eu": (
        no_vat(markers=frozenset({VatMarker.INTRA_EU}), document_type=DocumentType.CREDIT_NOTE),
        [
            ("604000", "C", "1000.00"),
            ("445662", "C", "200.00"),
            ("445200", "D", "200.00"),
            ("401000", "D", "1000.00"),
        ],
    ),
    "credit-note-fixed-asset": (
        purchase(charge_account="218300", document_type=DocumentType.CREDIT_NOTE),
        [("218300", "C", "1000.00"), ("445620", "C", "200.00"), ("404000", "D", "1200.00")],
    ),
    "credit-note-franchise": (
        no_vat(markers=frozenset({VatMarker.FRANCHISE}), document_type=DocumentType.CREDIT_NOTE),
        [("604000", "C", "1000.00"), ("401000", "D", "1000.00")],
    ),
}

IDS = list(CASES)
SUPPLIER_ACCOUNTS = {"401000", "404000"}


@pytest.mark.parametrize(("given", "expected"), list(CASES.values()), ids=IDS)
def test_lines_of_each_pattern(given: PurchaseToBook, expected: Expected) -> None:
    assert sides(build_entry(given, CHART)) == expected


@pytest.mark.parametrize(("given", "expected"), list(CASES.values()), ids=IDS)
def test_every_entry_balances_to_the_cent(given: PurchaseToBook, expected: Expected) -> None:
    entry = build_entry(given, CHART)
    assert entry.balanced
    assert entry.total_debit == entry.total_credit == sum(D(a) for _, side, a in expected if side == "D")
    for line in entry.lines:
        assert (line.debit == 0) != (line.credit == 0)
        assert min(line.debit, line.credit) == 0
        assert max(line.debit, line.credit) > 0
        assert line.debit.as_tuple().exponent == line.credit.as_tuple().exponent == -2


@pytest.mark.parametrize(("given", "expected"), list(CASES.values()), ids=IDS)
def test_only_the_supplier_line_has_the_auxiliary_account(given: PurchaseToBook, expected: Expected) -> None:
    lines = build_entry(given, CHART).lines
    supplier_lines = [line for line in lines if line.account in SUPPLIER_ACCOUNTS]
    assert len(supplier_lines) == 1
    assert (supplier_lines[0].aux_account, supplier_lines[0].aux_label) == ("F00012", SUPPLIER)
    others = [(line.aux_account, line.aux_label) for line in lines if line.account not in SUPPLIER_ACCOUNTS]
    assert others == [(None, None)] * (len(expected) - 1)


@pytest.mark.parametrize(("given", "expected"), list(CASES.values()), ids=IDS)
def test_labels_are_never_empty(given: PurchaseToBook, expected: Expected) -> None:
    entry = build_entry(given, CHART)
    assert entry.label == f"{SUPPLIER} {NUMBER}"
    for line in entry.lines:
        assert line.label.startswith(entry.label)
        assert 0 < len(line.label) <= 200
        assert line.account_label
        assert not line.account_label.startswith("Compte")


def test_entry_header() -> None:
    entry = build_entry(purchase(), CHART)
    assert (entry.journal_code, entry.journal_label) == ("HA", "Achats")
    assert entry.entry_date == entry.piece_date == ISSUED
    assert entry.piece_ref == NUMBER
    assert entry.label == "ACME Services SARL F-2024-0042"
    assert [line.label for line in entry.lines] == [entry.label] * 3
    assert [line.account_label for line in entry.lines] == [
        "Achats d'études et prestations de services",
        "TVA déductible sur autres biens et services",
        "Fournisseurs",
    ]


def test_multi_rate_lines_carry_their_rate() -> None:
    labels = [line.label for line in build_entry(MULTI_RATE, CHART).lines]
    rates = [" TVA 20 %", " TVA 10 %", " TVA 5,5 %"]
    assert labels == [f"{SUPPLIER} {NUMBER}{rate}" for rate in rates * 2] + [f"{SUPPLIER} {NUMBER}"]


def test_self_assessed_lines_are_labelled() -> None:
    lines = build_entry(no_vat(markers=frozenset({VatMarker.INTRA_EU})), CHART).lines
    assert [line.account_label for line in lines] == [
        "Achats d'études et prestations de services",
        "TVA déductible intracommunautaire",
        "TVA due intracommunautaire",
        "Fournisseurs",
    ]
    reverse = build_entry(no_vat(markers=frozenset({VatMarker.REVERSE_CHARGE})), CHART).lines
    assert reverse[2].account_label == "TVA autoliquidée"


def test_a_long_label_is_cut_to_200_characters() -> None:
    entry = build_entry(dataclasses.replace(MULTI_RATE, supplier_name="X" * 250), CHART)
    assert entry.label == "X" * 200
    assert {len(line.label) for line in entry.lines} == {200}
    assert entry.lines[2].label.endswith(" TVA 5,5 %")
    assert entry.lines[-1].aux_label == "X" * 250


def test_blank_names_fall_back_to_the_journal_label() -> None:
    entry = build_entry(purchase(supplier_name=" ", invoice_number=""), CHART)
    assert entry.label == "Achats"
    assert entry.lines[-1].aux_label == "F00012"


def test_codes_and_rate_come_from_the_chart() -> None:
    chart = ChartOfAccounts(
        journal_code="AC",
        supplier_account="401100",
        vat_deductible="445661",
        vat_reverse_charge_due="445710",
        self_assessed_rate=D("10"),
    )
    entry = build_entry(no_vat(markers=frozenset({VatMarker.REVERSE_CHARGE}), vat_lines=()), chart)
    assert entry.journal_code == "AC"
    assert sides(entry) == [
        ("604000", "D", "1000.00"),
        ("445661", "D", "100.00"),
        ("445710", "C", "100.00"),
        ("401100", "C", "1000.00"),
    ]


def test_unbalanced_totals_are_refused() -> None:
    with pytest.raises(UnbalancedEntryError) as raised:
        build_entry(purchase(total_incl_tax=D("1250"), vat_lines=()), CHART)
    assert isinstance(raised.value, CollecteError)
    assert (raised.value.debit, raised.value.credit) == (D("1200.00"), D("1250.00"))
    assert (
        raised.value.reason == "entry of invoice F-2024-0042 does not balance: debit 1200.00 ≠ credit 1250.00"
    )


def test_unbalanced_credit_note_is_refused() -> None:
    with pytest.raises(UnbalancedEntryError) as raised:
        build_entry(purchase(document_type=DocumentType.CREDIT_NOTE, total_tax=D("199.99")), CHART)
    assert (raised.value.debit, raised.value.credit) == (D("1200.00"), D("1199.99"))


@pytest.mark.parametrize(
    ("account", "label"),
    [
        ("401000", "Fournisseurs"),
        ("401ACME", "Fournisseurs"),
        ("404000", "Fournisseurs d'immobilisations"),
        ("604000", "Achats d'études et prestations de services"),
        ("606400", "Fournitures administratives"),
        ("607000", "Achats de marchandises"),
        ("622600", "Honoraires"),
        ("218300", "Matériel de bureau et matériel informatique"),
        ("445660", "TVA déductible sur autres biens et services"),
        ("445620", "TVA déductible sur immobilisations"),
        ("445662", "TVA déductible intracommunautaire"),
        ("445200", "TVA due intracommunautaire"),
        ("445700", "TVA autoliquidée"),
        ("512000", "Banque"),
        ("681100", "Charges"),
        ("280000", "Immobilisations"),
        ("467000", "Tiers"),
        ("9", "Compte 9"),
        ("", "Compte"),
    ],
)
def test_account_label(account: str, label: str) -> None:
    assert account_label(account) == label


@pytest.mark.parametrize(
    ("account", "asset"), [("218300", True), ("205000", True), ("604000", False), ("", False)]
)
def test_is_asset_account(account: str, asset: bool) -> None:
    assert is_asset_account(account) is asset
