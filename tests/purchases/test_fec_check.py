"""The FEC checker: each rule found with its line number and code, every fault of a file reported, bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from purchases import fec_check
from purchases.fec import check_fec, check_fec_file

HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
NAMES = HEADER.split("|")
ROWS = (  # file lines 2 to 6: a purchase entry and its payment, the supplier lines lettered together
    "HA|Achats|HA000042|20260115|401000|Fournisseurs|F00012|Papeterie Durand|FA-2026-0017|20260112|"
    "Papeterie Durand FA-2026-0017|0,00|1200,00|A|20260210|20260115||",
    "HA|Achats|HA000042|20260115|606400|Fournitures administratives|||FA-2026-0017|20260112|"
    "Papeterie Durand FA-2026-0017|1000,00|0,00|||20260115||",
    "HA|Achats|HA000042|20260115|445660|TVA déductible|||FA-2026-0017|20260112|"
    "Papeterie Durand FA-2026-0017|200,00|0,00|||20260115||",
    "BQ|Banque|BQ000007|20260210|401000|Fournisseurs|F00012|Papeterie Durand|VIR-0207|20260207|"
    "Règlement Papeterie Durand|1200,00|0,00|A|20260210|20260210||",
    "BQ|Banque|BQ000007|20260210|512000|Banque|||VIR-0207|20260207|Règlement Papeterie Durand|0,00|1200,00|||"
    "20260210||",
)
NAME = "732829320FEC20261231.txt"


def fec(*rows: str, header: str = HEADER, end: str = "\r\n", encoding: str = "utf-8") -> bytes:
    return end.join([header, *rows]).encode(encoding)


def changed(line: int, **fields: str) -> list[str]:
    """The valid rows with some fields of one file line (2 to 6) changed."""
    rows = list(ROWS)
    cells = rows[line - 2].split("|")
    for column, value in fields.items():
        cells[NAMES.index(column)] = value
    rows[line - 2] = "|".join(cells)
    return rows


def found(data: bytes, filename: str | None = None) -> list[tuple[int, str]]:
    return [(violation.line, violation.rule) for violation in check_fec(data, filename)]


def test_a_valid_file_passes() -> None:
    assert check_fec(fec(*ROWS), NAME) == []


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(fec(*ROWS, end="\n"), id="LF"),
        pytest.param(fec(*ROWS) + b"\r\n", id="one-final-CRLF"),
        pytest.param(fec(*ROWS, header=HEADER.replace("|", "\t")).replace(b"|", b"\t"), id="tab-separator"),
        pytest.param(fec(*ROWS, encoding="iso8859_15"), id="ISO-8859-15"),
        pytest.param(fec(*changed(3, CompteLib="Dépenses € ŒŸ"), encoding="iso8859_15"), id="latin-9-only"),
        pytest.param(fec(), id="header-alone"),
        pytest.param(fec(*changed(6, Montantdevise="1300,5", Idevise="USD")), id="currency-pair"),
        pytest.param(fec(*changed(3, Debit="1000", CompteNum="606")), id="no-decimals-and-short-account"),
    ],
)
def test_accepted_variants(data: bytes) -> None:
    assert check_fec(data) == []


RULES = [
    pytest.param(changed(3, CompteLib=""), [(3, "mandatory_field")], id="mandatory_field"),
    pytest.param(changed(2, JournalLib="  "), [(2, "mandatory_field")], id="mandatory_field-blank"),
    pytest.param(changed(4, EcritureNum=""), [(4, "mandatory_field")], id="mandatory_field-entry-number"),
    pytest.param(changed(5, DateLet="2026-02-10"), [(5, "date_format")], id="date_format"),
    pytest.param(changed(6, ValidDate="20260231"), [(6, "invalid_date")], id="invalid_date"),
    pytest.param(changed(3, Debit="1000.00"), [(3, "amount_format")], id="amount_format-point"),
    pytest.param(changed(2, Credit="1 200,00"), [(2, "amount_format")], id="amount_format-thousands"),
    pytest.param(changed(4, Credit=""), [(4, "amount_format")], id="amount_format-empty"),
    pytest.param(changed(3, Debit="1000,00€"), [(3, "amount_format")], id="amount_format-currency-sign"),
    pytest.param(changed(5, Montantdevise="1300.00", Idevise="USD"), [(5, "amount_format")], id="currency"),
    pytest.param(changed(4, Debit="0,00", Credit="-200,00"), [(4, "negative_amount")], id="negative_amount"),
    pytest.param(changed(3, Debit="1005,00", Credit="5,00"), [(3, "debit_credit")], id="debit_credit-both"),
    pytest.param(
        changed(3, Debit="0,00")[:2] + changed(4, Debit="1200,00")[2:],
        [(3, "debit_credit")],
        id="debit_credit-none",
    ),
    pytest.param(changed(3, CompteNum="F606400"), [(3, "account_number")], id="account_number"),
    pytest.param(changed(3, CompteNum="40"), [(3, "account_number")], id="account_number-short"),
    pytest.param(changed(2, CompAuxLib=""), [(2, "pair")], id="pair-aux"),
    pytest.param(changed(5, DateLet=""), [(5, "pair")], id="pair-lettering"),
    pytest.param(changed(6, Montantdevise="1300,00"), [(6, "pair")], id="pair-currency"),
    pytest.param(changed(4, PieceRef="FA-2026-0018"), [(4, "entry_mismatch")], id="entry_mismatch"),
    pytest.param(changed(3, JournalCode="AC"), [(3, "entry_mismatch")], id="entry_mismatch-journal"),
    pytest.param(changed(4, Debit="210,00"), [(2, "unbalanced_entry")], id="unbalanced_entry"),
    pytest.param(changed(5, ValidDate="20260110"), [(5, "validation_order")], id="validation_order"),
    pytest.param(
        changed(3, EcritureLib="Papeterie | Durand"),
        [(3, "column_count")],
        id="column_count-separator-in-text",
    ),
    pytest.param(
        changed(5, EcritureLib="Règlement | Durand"),
        [(5, "column_count")],
        id="column_count-first-of-an-entry",
    ),
    pytest.param([*ROWS[:2], "", ROWS[2]], [(4, "empty_line")], id="empty_line"),
    pytest.param([*ROWS, "", ""], [(7, "trailing_empty_line")], id="trailing_empty_line"),
    pytest.param(changed(3, EcritureLib="Papeterie\rDurand"), [(3, "line_end")], id="line_end"),
]


@pytest.mark.parametrize(("rows", "expected"), RULES)
def test_each_rule_is_found_on_its_line(rows: list[str], expected: list[tuple[int, str]]) -> None:
    assert found(fec(*rows)) == expected


def test_messages_name_the_column_and_the_value() -> None:
    (violation,) = check_fec(fec(*changed(3, CompteNum="F606400")))
    assert violation.message == "CompteNum 'F606400' does not start with 3 digits"
    (violation,) = check_fec(fec(*changed(4, Debit="210,00")))
    assert violation.message == "entry HA000042 (lines 2-4) does not balance: Debit 1210,00, Credit 1200,00"
    (violation,) = check_fec(fec(*changed(6, ValidDate="20260231")))
    assert violation.message == "ValidDate '20260231' is not a calendar date"


LATER = (  # file lines 7-8 after ROWS: a later purchase entry that uses the number HA000042 again
    "HA|Achats|HA000042|20260301|401000|Fournisseurs|F00012|Papeterie Durand|FA-2026-0031|20260227|"
    "Papeterie Durand FA-2026-0031|0,00|60,00|||20260301||",
    "HA|Achats|HA000042|20260301|606400|Fournitures administratives|||FA-2026-0031|20260227|"
    "Papeterie Durand FA-2026-0031|60,00|0,00|||20260301||",
)


def test_an_entry_number_used_again_later() -> None:
    (violation,) = check_fec(fec(*ROWS, *LATER))
    assert (violation.line, violation.rule) == (7, "entry_number_reused")
    assert "already used from line 2" in violation.message


def test_an_entry_number_used_in_another_journal() -> None:
    other = [row.replace("HA|Achats|", "OD|Opérations diverses|") for row in LATER]
    (violation,) = check_fec(fec(*ROWS, *other))
    assert (violation.line, violation.rule) == (7, "entry_number_reused")
    assert "already an entry of journal HA (line 2)" in violation.message


def test_an_entry_split_in_two_runs() -> None:
    rows = [ROWS[0], ROWS[1], ROWS[3], ROWS[4], ROWS[2]]
    assert found(fec(*rows)) == [
        (2, "unbalanced_entry"),
        (6, "validation_order"),
        (6, "entry_number_reused"),
        (6, "unbalanced_entry"),
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(HEADER.replace("EcritureNum", "EcritureNumero"), 2, id="misspelt-and-so-missing"),
        pytest.param(HEADER.replace("EcritureNum", "ecriturenum"), 1, id="wrong-case"),
        pytest.param(HEADER.replace("Debit|Credit", "Credit|Debit"), 1, id="out-of-order"),
        pytest.param(HEADER.replace("JournalCode", "JournalCode\t"), 1, id="a-stray-tab"),
    ],
)
def test_header_names(header: str, expected: int) -> None:
    violations = check_fec(fec(*ROWS, header=header))
    assert [(violation.line, violation.rule) for violation in violations] == [(1, "header")] * expected


def test_header_hints() -> None:
    (violation,) = check_fec(fec(header=HEADER.replace("EcritureNum", "ecriturenum")))
    assert violation.message == "column 3 'ecriturenum' is not a FEC column name, write 'EcritureNum'"
    count, missing = check_fec(fec(header=HEADER.removesuffix("|Idevise")))
    assert count.message.startswith("the header has 17 columns")
    assert missing.message == "the header has no Idevise column"


def test_rows_keep_the_header_column_count() -> None:
    short = HEADER.removesuffix("|Idevise")
    assert found(fec(ROWS[0], header=short)) == [(1, "header"), (1, "header"), (2, "column_count")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(fec(*ROWS).replace(b"|", b";"), [(1, "separator")], id="semicolon"),
        pytest.param(fec(*ROWS).replace(b"|", b","), [(1, "separator")], id="comma"),
        pytest.param(b"JournalCode\r\nHA", [(1, "separator")], id="none"),
        pytest.param(b"\r\n" + fec(*ROWS), [(1, "header")], id="empty-first-line"),
        pytest.param(b"", [(0, "empty_file")], id="empty_file"),
        pytest.param(b"\xef\xbb\xbf" + fec(*ROWS), [(1, "bom")], id="bom"),
        pytest.param(fec(*ROWS).decode().encode("utf-16"), [(1, "encoding")], id="utf-16"),
        pytest.param(
            fec(*changed(3, CompteLib="Dépenses d\u2019énergie"), encoding="cp1252"),
            [(3, "encoding")],
            id="cp1252",
        ),
        pytest.param(
            fec(*ROWS[:4]) + b"\r\n" + ROWS[4].encode("iso8859_15"), [(6, "encoding")], id="mixed-encodings"
        ),
    ],
)
def test_file_level_rules(data: bytes, expected: list[tuple[int, str]]) -> None:
    assert found(data) == expected


def test_encoding_messages() -> None:
    (violation,) = check_fec(fec(*changed(3, CompteLib="Dépenses d\u2019énergie"), encoding="cp1252"))
    assert violation.message.startswith("byte 0x92 is neither UTF-8 nor a character of ISO-8859-15")
    (violation,) = check_fec(fec(*ROWS[:4]) + b"\r\n" + ROWS[4].encode("iso8859_15"))
    assert violation.message.startswith("the line is ISO-8859-15 while line 4 is UTF-8")


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        pytest.param(NAME, [], id="valid"),
        pytest.param(f"/srv/exports/{NAME}", [], id="a-path"),
        pytest.param("FEC.txt", [(0, "filename")], id="no-siren"),
        pytest.param("732829320FEC20261231.csv", [(0, "filename")], id="not-txt"),
        pytest.param("732829321FEC20261231.txt", [(0, "filename_siren")], id="siren-check-digit"),
        pytest.param("732829320FEC20260231.txt", [(0, "filename_date")], id="no-such-day"),
    ],
)
def test_file_name(filename: str, expected: list[tuple[int, str]]) -> None:
    assert found(fec(*ROWS), filename) == expected


def test_a_file_with_several_faults_reports_them_all() -> None:
    rows = changed(2, DateLet="10/02/2026")
    rows[1] = changed(3, CompteNum="F606400")[1]
    rows[3] = changed(5, CompAuxLib="")[3]
    data = (
        b"\xef\xbb\xbf"
        + fec(*rows[:2], "", *rows[2:], header=HEADER.replace("Idevise", "IDevise"))
        + b"\r\n\r\n"
    )
    assert found(data, "export.txt") == [
        (0, "filename"),
        (1, "bom"),
        (1, "header"),
        (2, "date_format"),
        (3, "account_number"),
        (4, "empty_line"),
        (6, "pair"),
        (8, "trailing_empty_line"),
    ]


def test_too_many_violations_are_counted_not_listed() -> None:
    debit = "HA|Achats|HA000001|20260115|ABC|Compte|||P1|20260112|Libellé|1,00|0,00|||20260115||"
    credit = debit.replace("|1,00|0,00|", "|0,00|1,00|")
    violations = check_fec(fec(*[debit, credit] * (fec_check.MAX_VIOLATIONS // 2 + 1)))
    assert len(violations) == fec_check.MAX_VIOLATIONS + 1
    assert {violation.rule for violation in violations[:-1]} == {"account_number"}
    assert violations[-1] == fec_check.FecViolation(
        0, "too_many_violations", "2 more violations are not listed (the first 10000 found are)"
    )


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / NAME
    with path.open("wb") as sparse:
        sparse.truncate(fec_check.MAX_FEC_BYTES + 1)
    assert [(violation.line, violation.rule) for violation in check_fec_file(path)] == [(0, "file_size")]


def test_bytes_over_the_size_limit_are_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fec_check, "MAX_FEC_BYTES", 100)
    assert found(fec(*ROWS)) == [(0, "file_size")]


def test_a_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "732829320FEC20260231.txt"
    path.write_bytes(fec(*ROWS))
    assert [(violation.line, violation.rule) for violation in check_fec_file(path)] == [(0, "filename_date")]
    with pytest.raises(FileNotFoundError):
        check_fec_file(tmp_path / NAME)
