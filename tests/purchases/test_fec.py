"""The FEC writer: exact bytes of a hand-checked purchase journal, its refusals; its files pass the check."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from purchases.errors import InvalidInputError
from purchases.fec import (
    FecLine,
    FecSeparator,
    InvalidFecLineError,
    check_fec,
    clean_text,
    fec_filename,
    write_fec,
)

NAME = "732829320FEC20261231.txt"
ZERO = Decimal(0)


Head = tuple[str, date, str, date]
"""What the lines of one entry share: EcritureNum, EcritureDate (also its ValidDate), PieceRef, PieceDate."""


def _line(
    head: Head,
    account: str,
    account_label: str,
    label: str,
    *,
    debit: str = "0",
    credit: str = "0",
    **more: Any,
) -> FecLine:
    number, booked, piece_ref, piece_date = head
    line = FecLine(
        journal_code="HA",
        journal_label="Achats",
        entry_number=number,
        entry_date=booked,
        account=account,
        account_label=account_label,
        aux_account=None,
        aux_label=None,
        piece_ref=piece_ref,
        piece_date=piece_date,
        label=label,
        debit=Decimal(debit),
        credit=Decimal(credit),
        valid_date=booked,
    )
    return replace(line, **more)


INVOICE: Head = ("HA000042", date(2026, 1, 15), "FA-2026-0017", date(2026, 1, 12))
CREDIT_NOTE: Head = ("HA000043", date(2026, 1, 22), "AV-2026-0003", date(2026, 1, 20))
DOLLARS: Head = ("HA000044", date(2026, 1, 28), "INV-7781", date(2026, 1, 25))
DURAND: dict[str, Any] = {"aux_account": "F00012", "aux_label": "Papeterie Durand"}
USD: dict[str, Any] = {"amount_currency": Decimal("540.00"), "currency": "USD"}
ACME: dict[str, Any] = {
    "aux_account": "F00031",
    "aux_label": "Acme\tCorp",
    "lettering": "A",
    "lettering_date": date(2026, 2, 15),
}

JOURNAL = [
    # the invoice: the line of domain.md §7, its charge (a label with `|` and a line break) and its VAT
    _line(INVOICE, "401000", "Fournisseurs", "Papeterie Durand FA-2026-0017", credit="1200.00", **DURAND),
    _line(
        INVOICE, "606400", "Fournitures administratives", "Ramettes A4 | enveloppes\r\nkraft", debit="1000"
    ),
    _line(INVOICE, "445660", "TVA déductible", "Papeterie Durand FA-2026-0017", debit="200.00"),
    # its credit note: the mirror, on the rebate account
    _line(
        CREDIT_NOTE, "401000", "Fournisseurs", "Avoir Papeterie Durand AV-2026-0003", debit="120", **DURAND
    ),
    _line(
        CREDIT_NOTE,
        "609000",
        "Rabais, remises et ristournes",
        "Avoir Papeterie Durand AV-2026-0003",
        credit="100",
    ),
    _line(CREDIT_NOTE, "445660", "TVA déductible", "Avoir Papeterie Durand AV-2026-0003", credit="20"),
    # an invoice in dollars, its supplier line lettered, a tab in the supplier's name
    _line(DOLLARS, "401000", "Fournisseurs", "Acme Corp INV-7781", credit="500", **ACME, **USD),
    _line(DOLLARS, "604000", "Achats d'études et prestations", "Acme Corp INV-7781", debit="500", **USD),
]

EXPECTED = (
    b"JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    b"PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise\r\n"
    b"HA|Achats|HA000042|20260115|401000|Fournisseurs|F00012|Papeterie Durand|FA-2026-0017|20260112|"
    b"Papeterie Durand FA-2026-0017|0,00|1200,00|||20260115||\r\n"
    b"HA|Achats|HA000042|20260115|606400|Fournitures administratives|||FA-2026-0017|20260112|"
    b"Ramettes A4 enveloppes kraft|1000,00|0,00|||20260115||\r\n"
    b"HA|Achats|HA000042|20260115|445660|TVA d\xc3\xa9ductible|||FA-2026-0017|20260112|"
    b"Papeterie Durand FA-2026-0017|200,00|0,00|||20260115||\r\n"
    b"HA|Achats|HA000043|20260122|401000|Fournisseurs|F00012|Papeterie Durand|AV-2026-0003|20260120|"
    b"Avoir Papeterie Durand AV-2026-0003|120,00|0,00|||20260122||\r\n"
    b"HA|Achats|HA000043|20260122|609000|Rabais, remises et ristournes|||AV-2026-0003|20260120|"
    b"Avoir Papeterie Durand AV-2026-0003|0,00|100,00|||20260122||\r\n"
    b"HA|Achats|HA000043|20260122|445660|TVA d\xc3\xa9ductible|||AV-2026-0003|20260120|"
    b"Avoir Papeterie Durand AV-2026-0003|0,00|20,00|||20260122||\r\n"
    b"HA|Achats|HA000044|20260128|401000|Fournisseurs|F00031|Acme Corp|INV-7781|20260125|"
    b"Acme Corp INV-7781|0,00|500,00|A|20260215|20260128|540,00|USD\r\n"
    b"HA|Achats|HA000044|20260128|604000|Achats d'\xc3\xa9tudes et prestations|||INV-7781|20260125|"
    b"Acme Corp INV-7781|500,00|0,00|||20260128|540,00|USD"
)


def test_a_purchase_journal_is_written_byte_for_byte() -> None:
    assert write_fec(JOURNAL) == EXPECTED


def test_the_tab_separator() -> None:
    data = write_fec(JOURNAL, FecSeparator.TAB)
    assert data == EXPECTED.replace(b"|", b"\t")
    assert check_fec(data, NAME) == []


def test_the_written_journal_passes_the_checker() -> None:
    assert check_fec(write_fec(JOURNAL), NAME) == []


def test_no_line_gives_the_header_alone() -> None:
    data = write_fec([])
    assert data == EXPECTED.split(b"\r\n")[0]
    assert check_fec(data) == []


def test_text_is_cleaned_of_separators_line_breaks_and_control_characters() -> None:
    assert clean_text("  Papeterie |\tDurand\r\n\r\nSARL\x00\u2028FA  1 ") == "Papeterie Durand SARL FA 1"
    assert clean_text(None) == ""


VALID = JOURNAL[0]


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        pytest.param({"debit": Decimal("5.00")}, "Debit", id="debit-and-credit"),
        pytest.param({"credit": Decimal(0)}, "Debit", id="neither-debit-nor-credit"),
        pytest.param({"credit": Decimal("-1200.00")}, "Credit", id="negative"),
        pytest.param({"credit": Decimal("1200.005")}, "Credit", id="below-the-cent"),
        pytest.param({"credit": Decimal("NaN")}, "Credit", id="not-a-number"),
        pytest.param(
            {"amount_currency": Decimal("-3"), "currency": "USD"}, "Montantdevise", id="negative-currency"
        ),
        pytest.param({"account_label": " \r\n"}, "CompteLib", id="blank-mandatory"),
        pytest.param({"piece_ref": "|"}, "PieceRef", id="mandatory-emptied-by-cleaning"),
        pytest.param({"journal_code": ""}, "JournalCode", id="empty-journal"),
        pytest.param({"account": "F00012"}, "CompteNum", id="account-not-3-digits"),
        pytest.param({"aux_label": None}, "CompAuxLib", id="aux-without-label"),
        pytest.param({"lettering": "A"}, "DateLet", id="lettering-without-date"),
        pytest.param({"lettering_date": date(2026, 2, 1)}, "EcritureLet", id="date-without-lettering"),
        pytest.param({"currency": "USD"}, "Montantdevise", id="currency-without-amount"),
    ],
)
def test_the_writer_refuses_a_line_the_checker_would_refuse(changes: dict[str, Any], column: str) -> None:
    bad = replace(VALID, **changes)
    with pytest.raises(InvalidFecLineError) as caught:
        write_fec([JOURNAL[1], bad])
    assert caught.value.column == column
    assert caught.value.line == 3
    assert caught.value.entry_number == "HA000042"
    assert isinstance(caught.value, InvalidInputError)
    assert "FEC line 3" in caught.value.reason


def test_the_file_name() -> None:
    assert fec_filename("732 829 320", date(2026, 12, 31)) == NAME
    with pytest.raises(InvalidInputError, match="SIREN"):
        fec_filename("732829321", date(2026, 12, 31))


_WEIRD = ["Durand", "|", "\t", "\r\n", "é", "€", "\u2028", "  ", "SARL", "n°", "'", '"', ";", ","]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_WEIRD) for _ in range(rng.randint(1, 6))) + "x"


def _entry(rng: random.Random, number: int, day: date) -> list[FecLine]:
    """One random balanced purchase entry: an invoice or, 3 times in 10, the mirror of one (a credit note)."""
    amounts = [Decimal(rng.randint(1, 10**7)) / 100 for _ in range(rng.randint(1, 4))]
    accounts = ["606400"] * len(amounts)
    vat = Decimal(rng.randint(0, 10**6)) / 100
    if vat:
        amounts.append(vat)
        accounts.append("445660")
    credit_note = rng.random() < 0.3
    total = sum(amounts, ZERO)
    base = _line((f"HA{number:06d}", day, _text(rng), day), "401000", _text(rng), _text(rng), debit="1")
    supplier = replace(
        base,
        aux_account=f"F{rng.randint(1, 99999):05d}",
        aux_label=_text(rng),
        debit=total if credit_note else ZERO,
        credit=ZERO if credit_note else total,
    )
    if rng.random() < 0.5:
        supplier = replace(supplier, lettering=_text(rng), lettering_date=day + timedelta(days=30))
    lines = [supplier]
    for account, amount in zip(accounts, amounts, strict=True):
        line = replace(
            base,
            account=account,
            debit=ZERO if credit_note else amount,
            credit=amount if credit_note else ZERO,
        )
        if rng.random() < 0.2:
            line = replace(line, amount_currency=amount * 2, currency="USD")
        lines.append(line)
    return lines


def _journal(rng: random.Random) -> list[FecLine]:
    """Random purchase entries in validation order, their texts full of separators and line breaks."""
    lines: list[FecLine] = []
    day = date(2026, 1, 1)
    for number in range(1, rng.randint(2, 25)):
        day += timedelta(days=rng.randint(0, 3))
        lines.extend(_entry(rng, number, day))
    return lines


@pytest.mark.parametrize("seed", range(6))
def test_generated_journals_pass_the_checker(seed: int) -> None:
    lines = _journal(random.Random(seed))
    for separator in FecSeparator:
        data = write_fec(lines, separator)
        assert check_fec(data, NAME) == []
        assert data.count(b"\r\n") == len(lines)
        assert not data.endswith(b"\r\n")
        rows = data.decode("utf-8").split("\r\n")
        assert {row.count(separator.char) for row in rows} == {17}
