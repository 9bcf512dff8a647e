"""SIRET, SIREN, VAT numbers and IBANs found in lines, kept only when their check digits are right."""

from __future__ import annotations

import pytest

from parsers.fields.identifiers import Identifier, IdKind, line_identifiers
from parsers.fields.layout import Line, fold
from parsers.identifiers import rib_key_ok, valid_iban, valid_vat


def found(text: str) -> list[tuple[str, str]]:
    """The (kind, value) of each identifier of a line."""
    return [(item.kind.value, item.value) for item in line_identifiers(Line(0, 1, text, fold(text)))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SIRET : 73282932000074", [("siret", "73282932000074")]),
        ("SIRET 732 829 320 00074 - APE 6201Z", [("siret", "73282932000074")]),
        ("Siret: 732 829 320 000 74", [("siret", "73282932000074")]),
        ("La Poste 356 000 000 00048", [("siret", "35600000000048")]),
        ("SIREN : 732 829 320", [("siren", "732829320")]),
        ("RCS Lyon B 732 829 320", [("siren", "732829320")]),
        ("R.C.S. Paris 443 061 841", [("siren", "443061841")]),
        ("N° TVA intracommunautaire : FR44732829320", [("vat", "FR44732829320")]),
        ("TVA : FR 44 732 829 320", [("vat", "FR44732829320")]),
        (
            "TVA FR64443061841 - SIRET 443 061 841 00047",
            [("vat", "FR64443061841"), ("siret", "44306184100047")],
        ),
        ("BTW NL004495445B01", [("vat", "NL004495445B01")]),
        ("USt-IdNr.: DE136695976", [("vat", "DE136695976")]),
        ("TVA BE0478123490", [("vat", "BE0478123490")]),
        ("VAT Reg No: GB980780684", [("vat", "GB980780684")]),
        (
            "IBAN : FR76 3000 4010 4500 0123 4567 884 BIC : BNPAFRPPXXX",
            [("iban", "FR7630004010450001234567884")],
        ),
        ("IBAN FR7630004010450001234567884", [("iban", "FR7630004010450001234567884")]),
        ("IBAN : FR14 2004 1010 0505 0001 3M02 606", [("iban", "FR1420041010050500013M02606")]),
        ("IBAN: DE89 3704 0044 0532 0130 00", [("iban", "DE89370400440532013000")]),
        ("IBAN NL91ABNA0417164300 BIC ABNANL2A", [("iban", "NL91ABNA0417164300")]),
        ("IBAN : BE21 0012 3456 7803 BIC : GEBABEBB", [("iban", "BE21001234567803")]),
    ],
)
def test_valid_identifiers_are_found_and_compacted(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SIRET : 73282932000075",  # Luhn
        "SIREN : 732 829 321",  # Luhn
        "N° TVA : FR45732829320",  # VAT key
        "TVA FR 32 123 456 789",  # key and SIREN
        "USt-IdNr.: DE136695977",  # German check digit
        "IBAN : FR76 3000 4010 4500 0123 4567 885",  # mod 97
        "IBAN : FR16 3000 4010 4500 0123 4567 800",  # mod 97 right, RIB key wrong
        "Téléphone 04 78 12 34 56, commande 732829320",  # an unlabelled nine-digit number is no SIREN
    ],
)
def test_identifiers_with_wrong_check_digits_are_rejected(text: str) -> None:
    assert found(text) == []


def test_ocr_look_alikes_are_read_as_digits_when_that_makes_a_valid_number() -> None:
    assert found("SIRET : 7328293200OO74") == [("siret", "73282932000074")]
    assert found("SIREN : 732 829 32O") == [("siren", "732829320")]
    assert found("TVA FR44 732 829 3l0") == []


def test_letters_inside_an_iban_are_not_taken_for_digits() -> None:
    assert found("IBAN NL91ABNA0417164300") == [("iban", "NL91ABNA0417164300")]


def test_an_unprefixed_tax_number_after_its_label_is_kept_unchecked() -> None:
    (item,) = line_identifiers(Line(0, 1, "VAT/TIN: 29670869006", fold("VAT/TIN: 29670869006")))
    assert (item.kind, item.value, item.validated) == (IdKind.VAT, "29670869006", False)
    assert item.siren is None


def test_identifier_siren_comes_from_siret_siren_and_french_vat() -> None:
    assert Identifier(IdKind.SIRET, "73282932000074", 0, 0, 14).siren == "732829320"
    assert Identifier(IdKind.VAT, "FR44732829320", 0, 0, 13).siren == "732829320"
    assert Identifier(IdKind.VAT, "BE0478123490", 0, 0, 12).siren is None
    assert Identifier(IdKind.IBAN, "FR7630004010450001234567884", 0, 0, 27).siren is None


def test_checks() -> None:
    assert rib_key_ok("30004010450001234567884")
    assert not rib_key_ok("30004010450001234567800")
    assert not rib_key_ok("3000401045")
    assert valid_iban("FR7630004010450001234567884")
    assert valid_vat("FR44732829320")
    assert valid_vat("CHE116281710") is False
    assert valid_vat("GB980780684")
