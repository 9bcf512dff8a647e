"""Admin API, journal entries as answered: lines and totals (purchases, exports, the pull)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from purchases.journals import EntryView

_FROZEN = ConfigDict(frozen=True)


class LineOut(BaseModel):
    """One line of an entry: exactly one of debit and credit is not zero."""

    model_config = _FROZEN

    account: str
    account_label: str
    aux_account: str | None
    aux_label: str | None
    label: str
    debit: Decimal
    credit: Decimal


class EntryOut(BaseModel):
    """A journal entry: its number (EcritureNum) and validation time once validated, its lines, totals."""

    model_config = _FROZEN

    id: int
    number: str | None
    journal_code: str
    journal_label: str
    entry_date: date
    piece_ref: str
    piece_date: date
    label: str
    validated_at: datetime | None
    purchase_id: int
    total_debit: Decimal
    total_credit: Decimal
    lines: list[LineOut]


def entry_fields(entry: EntryView) -> dict[str, object]:
    """The fields of an entry as answered (to extend in answers built on EntryOut)."""
    return {
        "id": entry.id,
        "number": entry.number,
        "journal_code": entry.journal_code,
        "journal_label": entry.journal_label,
        "entry_date": entry.entry_date,
        "piece_ref": entry.piece_ref,
        "piece_date": entry.piece_date,
        "label": entry.label,
        "validated_at": entry.validated_at,
        "purchase_id": entry.purchase_id,
        "total_debit": entry.total_debit,
        "total_credit": entry.total_credit,
        "lines": [LineOut.model_validate(line, from_attributes=True) for line in entry.lines],
    }


def entry_out(entry: EntryView) -> EntryOut:
    """An entry as answered."""
    return EntryOut.model_validate(entry_fields(entry))
