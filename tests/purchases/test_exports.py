"""Journals, preview, period validation (numbers, locks), FEC and CSV files and the kept exports."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.invoice import DocumentType
from purchases.books import update_books
from purchases.editing import PurchaseEdit, edit_purchase
from purchases.errors import ConflictError, InvalidInputError, NotFoundError
from purchases.export_history import (
    ExportRequest,
    NothingToExportError,
    export_content,
    exports_of,
    get_export,
    record_export,
)
from purchases.exports import CSV_COLUMNS, csv_file, valid_date, validated_entries
from purchases.fec import FecSeparator, check_fec
from purchases.journals import Period, journals_in_progress, preview
from purchases.periods import PurchasesToReviewError, entry_number, validate_period
from store.export_models import ExportFormat
from store.purchase_models import EntryLine, JournalEntry, Purchase, PurchaseStatus
from tests.purchases.books_db import TODAY, book_fields, invoice

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def book(session: Session, company_id: int, number: str, day: date, **changes: Any) -> int:
    """Books a ready (or, with changes, maybe to-review) purchase issued on day; its id."""
    fields = invoice(invoice_number=number, issue_date=day, **changes)
    return book_fields(session, company_id, fields, today=TODAY).purchase_id


def entry_of(session: Session, purchase_id: int) -> JournalEntry:
    return session.scalars(select(JournalEntry).where(JournalEntry.purchase_id == purchase_id)).one()


def numbers(session: Session, purchase_ids: list[int]) -> list[str | None]:
    return [entry_of(session, purchase_id).number for purchase_id in purchase_ids]


def test_a_period_must_not_end_before_it_starts() -> None:
    with pytest.raises(InvalidInputError, match="ends before it starts"):
        Period.of(date(2026, 11, 30), date(2026, 11, 1))
    assert Period.of(date(2026, 11, 1), date(2026, 11, 1)).start == date(2026, 11, 1)


def test_numbers_follow_entry_date_then_id_without_gaps(session: Session, acme: int) -> None:
    late = book(session, acme, "FA-10", date(2026, 11, 10))
    early = book(session, acme, "FA-02", date(2026, 11, 2))
    mid_first = book(session, acme, "FA-05a", date(2026, 11, 5))
    mid_second = book(session, acme, "FA-05b", date(2026, 11, 5))
    outside = book(session, acme, "FA-OCT", date(2026, 10, 31))
    validation = validate_period(session, acme, NOVEMBER, NOW)
    assert validation.entries == 4 and validation.purchases_locked == 4
    assert numbers(session, [early, mid_first, mid_second, late]) == [
        "HA000001",
        "HA000002",
        "HA000003",
        "HA000004",
    ]
    assert entry_of(session, outside).number is None
    assert [(n.journal_code, n.first, n.last, n.count) for n in validation.journals] == [
        ("HA", "HA000001", "HA000004", 4)
    ]
    assert {entry_of(session, p).validated_at for p in (early, late)} == {NOW}


def test_numbers_continue_after_an_earlier_validation(session: Session, acme: int) -> None:
    october = book(session, acme, "FA-OCT", date(2026, 10, 15))
    validate_period(session, acme, OCTOBER, NOW)
    november = book(session, acme, "FA-NOV", date(2026, 11, 3))
    late_october = book(session, acme, "FA-OCT-2", date(2026, 10, 20))  # booked after October was closed
    validate_period(session, acme, NOVEMBER, NOW + timedelta(hours=1))
    validate_period(session, acme, OCTOBER, NOW + timedelta(hours=2))
    assert numbers(session, [october, november, late_october]) == ["HA000001", "HA000002", "HA000003"]


def test_each_journal_has_its_own_sequence(session: Session, acme: int) -> None:
    first = book(session, acme, "FA-1", date(2026, 11, 3))
    validate_period(session, acme, NOVEMBER, NOW)
    update_books(session, acme, {"journal_code": "AC", "journal_label": "Achats divers"})
    second = book(session, acme, "FA-2", date(2026, 11, 4))
    update_books(session, acme, {"journal_code": "HA", "journal_label": "Achats"})
    third = book(session, acme, "FA-3", date(2026, 11, 5))
    validation = validate_period(session, acme, NOVEMBER, NOW + timedelta(hours=1))
    assert numbers(session, [first, second, third]) == ["HA000001", "AC000001", "HA000002"]
    assert [(n.journal_code, n.first, n.last) for n in validation.journals] == [
        ("AC", "AC000001", "AC000001"),
        ("HA", "HA000002", "HA000002"),
    ]


def test_the_sequence_grows_past_six_digits() -> None:
    assert entry_number("HA", 42) == "HA000042"
    assert entry_number("HA", 1_234_567) == "HA1234567"


def test_validation_locks_the_purchases_and_their_entries(session: Session, acme: int) -> None:
    purchase_id = book(session, acme, "FA-1", date(2026, 11, 3))
    validate_period(session, acme, NOVEMBER, NOW)
    purchase = session.get_one(Purchase, purchase_id)
    assert purchase.locked_at == NOW
    lines_before = [(line.account, line.debit, line.credit) for line in entry_of(session, purchase_id).lines]
    with pytest.raises(ConflictError, match=f"purchase {purchase_id} is locked"):
        edit_purchase(session, acme, purchase_id, PurchaseEdit(total_excl_tax=Decimal("10.00")), TODAY)
    entry = entry_of(session, purchase_id)
    assert entry.number == "HA000001" and entry.validated_at == NOW
    assert [(line.account, line.debit, line.credit) for line in entry.lines] == lines_before


def test_purchases_to_review_block_the_validation(session: Session, acme: int) -> None:
    ready = book(session, acme, "FA-OK", date(2026, 11, 3))
    waiting = book(session, acme, "FA-KO", date(2026, 11, 4), total_tax=Decimal("150.00"))
    assert session.get_one(Purchase, waiting).status == PurchaseStatus.TO_REVIEW
    with pytest.raises(PurchasesToReviewError) as refused:
        validate_period(session, acme, NOVEMBER, NOW)
    assert [p.id for p in refused.value.purchases] == [waiting]
    assert refused.value.purchases[0].reasons
    assert f"{waiting} (FA-KO)" in refused.value.reason
    assert entry_of(session, ready).validated_at is None
    assert session.get_one(Purchase, ready).locked_at is None
    assert validate_period(session, acme, OCTOBER, NOW).entries == 0  # another period is not blocked


def test_validating_again_changes_nothing(session: Session, acme: int) -> None:
    book(session, acme, "FA-1", date(2026, 11, 3))
    first = validate_period(session, acme, NOVEMBER, NOW)
    again = validate_period(session, acme, NOVEMBER, NOW + timedelta(hours=1))
    assert (first.entries, first.already_validated) == (1, 0)
    assert (again.entries, again.purchases_locked, again.journals, again.validated_at) == (0, 0, (), None)
    assert again.already_validated == 1


def test_a_validation_is_stamped_after_the_previous_one_even_if_the_clock_went_back(
    session: Session, acme: int
) -> None:
    first = book(session, acme, "FA-1", date(2026, 10, 3))
    second = book(session, acme, "FA-2", date(2026, 11, 3))
    validate_period(session, acme, OCTOBER, NOW)
    validation = validate_period(session, acme, NOVEMBER, NOW - timedelta(hours=1))
    assert validation.validated_at == NOW + timedelta(microseconds=1)
    stamped = entry_of(session, second).validated_at
    assert stamped is not None and stamped > (entry_of(session, first).validated_at or NOW)


def test_journals_count_validated_and_pending_entries(session: Session, acme: int) -> None:
    book(session, acme, "FA-1", date(2026, 11, 3))
    validate_period(session, acme, NOVEMBER, NOW)
    book(session, acme, "FA-2", date(2026, 11, 4))
    book(session, acme, "FA-3", date(2026, 11, 5))
    book(session, acme, "FA-4", date(2026, 11, 6), total_tax=Decimal("150.00"))
    book(session, acme, "FA-5", date(2026, 10, 6))
    journals = journals_in_progress(session, acme, NOVEMBER)
    assert [(j.code, j.label, j.validated, j.not_validated) for j in journals.journals] == [
        ("HA", "Achats", 1, 2)
    ]
    assert journals.to_review == 1
    empty = journals_in_progress(session, acme, Period(date(2020, 1, 1), date(2020, 1, 31)))
    assert [(j.code, j.validated, j.not_validated) for j in empty.journals] == [("HA", 0, 0)]


def test_preview_totals_are_the_sums_of_the_lines(session: Session, acme: int) -> None:
    book(session, acme, "FA-1", date(2026, 11, 3))
    book(session, acme, "FA-2", date(2026, 11, 4), document_type=DocumentType.CREDIT_NOTE)
    book(
        session,
        acme,
        "FA-3",
        date(2026, 11, 5),
        total_excl_tax=Decimal("333.33"),
        total_tax=Decimal("66.67"),
        total_incl_tax=Decimal("400.00"),
        vat_breakdown=(),
    )
    book(session, acme, "FA-4", date(2026, 10, 1))
    validate_period(session, acme, Period(date(2026, 11, 3), date(2026, 11, 3)), NOW)
    shown = preview(session, acme, NOVEMBER)
    lines = session.scalars(
        select(EntryLine)
        .join(JournalEntry, EntryLine.entry_id == JournalEntry.id)
        .where(JournalEntry.entry_date >= NOVEMBER.start, JournalEntry.entry_date <= NOVEMBER.end)
    ).all()
    debit = sum((line.debit for line in lines), Decimal(0))
    credit = sum((line.credit for line in lines), Decimal(0))
    assert debit == credit == Decimal("2800.00")
    assert (shown.entry_count, shown.total_debit, shown.total_credit) == (3, debit, credit)
    [journal] = shown.journals
    assert (journal.code, journal.total_debit, journal.total_credit) == ("HA", debit, credit)
    assert [entry.piece_ref for entry in journal.entries] == ["FA-1", "FA-2", "FA-3"]
    assert [entry.number for entry in journal.entries] == ["HA000001", None, None]
    for entry in journal.entries:
        assert entry.total_debit == entry.total_credit


def fec_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert not text.endswith("\r\n")
    return [row.split("|") for row in text.split("\r\n")]


def test_the_fec_of_a_period_passes_the_checks_and_holds_its_entries(session: Session, acme: int) -> None:
    ids = [
        book(session, acme, "FA-1", date(2026, 11, 3)),
        book(session, acme, "AV|2", date(2026, 11, 4), document_type=DocumentType.CREDIT_NOTE),
        book(session, acme, "FA-3", date(2026, 11, 5)),
    ]
    validate_period(session, acme, Period(date(2026, 11, 1), date(2026, 11, 4)), NOW)
    validate_period(session, acme, NOVEMBER, NOW + timedelta(days=1))
    record = record_export(session, acme, ExportRequest(NOVEMBER, ExportFormat.FEC), "Paul", NOW)
    _, data = export_content(session, acme, record.id)
    assert record.filename == "732829320FEC20261130.txt"
    assert check_fec(data, record.filename) == []
    rows = fec_rows(data)
    assert rows[0][:4] == ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate"]
    expected = []
    for purchase_id in ids:
        entry = entry_of(session, purchase_id)
        assert entry.validated_at is not None
        for line in entry.lines:
            expected.append(
                [
                    "HA",
                    "Achats",
                    entry.number,
                    f"{entry.entry_date:%Y%m%d}",
                    line.account,
                    f"{line.debit:.2f}".replace(".", ","),
                    f"{line.credit:.2f}".replace(".", ","),
                    f"{entry.validated_at:%Y%m%d}",
                    entry.piece_ref.replace("|", " "),
                ]
            )
    assert [[r[0], r[1], r[2], r[3], r[4], r[11], r[12], r[15], r[8]] for r in rows[1:]] == expected
    assert (record.entry_count, record.line_count) == (3, len(expected))
    assert record.total_debit == record.total_credit == Decimal("3600.00")
    assert record.sha256 == hashlib.sha256(data).hexdigest() and record.size == len(data)


def test_a_tab_separated_fec_passes_the_checks(session: Session, acme: int) -> None:
    book(session, acme, "FA-1", date(2026, 11, 3))
    validate_period(session, acme, NOVEMBER, NOW)
    request = ExportRequest(NOVEMBER, ExportFormat.FEC, FecSeparator.TAB)
    record = record_export(session, acme, request, "Paul", NOW)
    _, data = export_content(session, acme, record.id)
    assert data.split(b"\r\n")[0].count(b"\t") == 17
    assert check_fec(data, record.filename) == []
    assert record.separator == FecSeparator.TAB


def test_valid_date_is_the_day_in_paris() -> None:
    assert valid_date(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert valid_date(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)


def test_the_csv_reads_back_to_the_same_amounts(session: Session, acme: int) -> None:
    book(session, acme, "FA-1", date(2026, 11, 3))
    book(
        session,
        acme,
        "FA;2",
        date(2026, 11, 5),
        total_excl_tax=Decimal("1234.56"),
        total_tax=Decimal("246.91"),
        total_incl_tax=Decimal("1481.47"),
        vat_breakdown=(),
    )
    validate_period(session, acme, NOVEMBER, NOW)
    record = record_export(session, acme, ExportRequest(NOVEMBER, ExportFormat.CSV), "Paul", NOW)
    _, data = export_content(session, acme, record.id)
    assert data.startswith(b"\xef\xbb\xbf")
    assert record.filename == "732829320_ecritures_20261101_20261130.csv"
    assert record.content_type == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    read = [
        (row[2], row[4], Decimal(row[11].replace(",", ".")), Decimal(row[12].replace(",", ".")))
        for row in rows[1:]
    ]
    stored = [
        (entry.number, line.account, line.debit, line.credit)
        for entry in validated_entries(session, acme, NOVEMBER)
        for line in entry.lines
    ]
    assert read == stored
    assert {row[8] for row in rows[1:]} == {"FA-1", "FA;2"}
    assert {row[3] for row in rows[1:]} == {"03/11/2026", "05/11/2026"}
    assert sum(amount for *_, amount, _ in read) == record.total_debit == Decimal("2681.47")


def test_an_empty_csv_has_its_header() -> None:
    period = Period(date(2026, 1, 1), date(2026, 1, 31))
    built = csv_file([], "732829320", period)
    assert built.data.decode("utf-8-sig") == ";".join(CSV_COLUMNS) + "\r\n"
    assert (built.entry_count, built.total_debit) == (0, Decimal("0.00"))


def test_only_validated_entries_are_exported(session: Session, acme: int) -> None:
    book(session, acme, "FA-1", date(2026, 11, 3))
    with pytest.raises(
        NothingToExportError, match="1 entries of the period are not validated yet"
    ) as refused:
        record_export(session, acme, ExportRequest(NOVEMBER, ExportFormat.FEC), "Paul", NOW)
    assert refused.value.not_validated == 1
    validate_period(session, acme, NOVEMBER, NOW)
    book(session, acme, "FA-2", date(2026, 11, 4))
    record = record_export(session, acme, ExportRequest(NOVEMBER, ExportFormat.FEC), "Paul", NOW)
    assert (record.entry_count, record.left_out) == (1, 1)
    with pytest.raises(NothingToExportError, match=r"no validated entry from 2020-01-01 to 2020-01-31$"):
        record_export(
            session,
            acme,
            ExportRequest(Period(date(2020, 1, 1), date(2020, 1, 31)), ExportFormat.CSV),
            "Paul",
            NOW,
        )


def test_kept_exports_give_back_the_same_bytes(session: Session, acme: int) -> None:
    book(session, acme, "FA-1", date(2026, 11, 3))
    validate_period(session, acme, NOVEMBER, NOW)
    first = record_export(session, acme, ExportRequest(NOVEMBER, ExportFormat.FEC), "Paul", NOW)
    second = record_export(
        session, acme, ExportRequest(NOVEMBER, ExportFormat.CSV), "Marie", NOW + timedelta(minutes=1)
    )
    session.commit()
    session.expunge_all()
    assert [record.id for record in exports_of(session, acme)] == [second.id, first.id]
    assert get_export(session, acme, first.id) == first
    record, data = export_content(session, acme, first.id)
    assert hashlib.sha256(data).hexdigest() == first.sha256 == record.sha256
    assert (record.created_by, record.period_start, record.period_end) == (
        "Paul",
        NOVEMBER.start,
        NOVEMBER.end,
    )
    with pytest.raises(NotFoundError, match=f"no export {first.id + 100} in this company"):
        get_export(session, acme, first.id + 100)
