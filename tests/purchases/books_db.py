"""Test harness for the books: a migrated SQLite database, a company, and read invoices booked into it."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from admin.runtime import Storage
from parsers.invoice import KEY_FIELDS, InvoiceFields, Method, VatLine
from purchases.booking import Booked, book_message
from purchases.companies import add_company
from store.models import Channel, Document, DocumentStatus, MessageStatus, RawMessage
from store.settings import StoreSettings

ACME_SIRET = "73282932000074"
TODAY = date(2026, 11, 22)
SUPPLIER_SIRET = "44306184100005"
SUPPLIER_SIREN = "443061841"
SUPPLIER_VAT = "FR64443061841"
_serial = itertools.count(1)


def open_storage(data_dir: Path) -> Storage:
    """A migrated SQLite database and blob store in data_dir (dispose of `storage.engine` when done)."""
    return Storage.open(StoreSettings(data_dir=data_dir))


def add_acme(session: Session, name: str = "ACME SAS", siret: str = ACME_SIRET, slug: str = "acme") -> int:
    """Adds a company (ACME SAS, slug acme by default) and returns its id."""
    return add_company(session, name, siret, slug).id


def invoice(**changes: Any) -> InvoiceFields:
    """A complete, consistent invoice read from a Factur-X (1 000 HT + 200 VAT at 20 %), with changes."""
    base = InvoiceFields(
        method=Method.FACTURX,
        supplier_name="Bâti-Sud SAS",
        supplier_siret=SUPPLIER_SIRET,
        supplier_vat=SUPPLIER_VAT,
        invoice_number="FA-2026-001",
        issue_date=date(2026, 11, 2),
        currency="EUR",
        total_excl_tax=Decimal("1000.00"),
        total_tax=Decimal("200.00"),
        total_incl_tax=Decimal("1200.00"),
        vat_breakdown=(VatLine(Decimal("20"), Decimal("1000.00"), Decimal("200.00")),),
        confidence=dict.fromkeys(KEY_FIELDS, 1.0),
    )
    return replace(base, **changes)


def unique_sha256() -> str:
    """A SHA-256 no other test document has."""
    return hashlib.sha256(f"books-db-{next(_serial)}-{datetime.now(UTC).isoformat()}".encode()).hexdigest()


def store_read(
    session: Session,
    company_id: int,
    fields: InvoiceFields,
    *,
    sha256: str | None = None,
    channel: Channel = Channel.SMTP,
    platform: str = "email",
    due_date_hint: date | None = None,
    external_reference: str | None = None,
) -> RawMessage:
    """Stores a processed message with one read document carrying `fields`, as reading leaves it."""
    message = RawMessage(
        company_id=company_id,
        sha256=unique_sha256(),
        size=1000,
        envelope_from="compta@fournisseur.fr",
        envelope_to=["acme@achats.factures-meg.fr"],
        peer="127.0.0.1",
        helo="fournisseur.fr",
        message_id=None,
        subject="Facture",
        received_at=datetime.now(UTC),
        channel=channel,
        source_platform=platform,
        status=MessageStatus.PROCESSED,
    )
    session.add(message)
    session.flush()
    filename = f"facture-{message.id}.pdf"
    session.add(
        Document(
            raw_message_id=message.id,
            company_id=company_id,
            position="1",
            filename=filename,
            declared_type="application/pdf",
            kind="pdf",
            sha256=sha256 or unique_sha256(),
            size=1000,
            status=DocumentStatus.READ,
            method=fields.method.value,
            confidence=fields.overall_confidence,
            fields=fields.to_contract(filename),
            extraction=fields.to_record(),
            external_reference=external_reference,
            due_date_hint=due_date_hint,
        )
    )
    session.flush()
    return message


def book_fields(
    session: Session,
    company_id: int,
    fields: InvoiceFields,
    *,
    sha256: str | None = None,
    channel: Channel = Channel.SMTP,
    platform: str = "email",
    due_date_hint: date | None = None,
    external_reference: str | None = None,
    today: date = TODAY,
) -> Booked:
    """Stores a processed message with one read document carrying `fields`, books it, returns the result."""
    message = store_read(
        session,
        company_id,
        fields,
        sha256=sha256,
        channel=channel,
        platform=platform,
        due_date_hint=due_date_hint,
        external_reference=external_reference,
    )
    results = book_message(session, message, today)
    assert results is not None and len(results) == 1, results
    return results[0]
