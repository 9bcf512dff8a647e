"""Booking throughput: read invoices booked into a fresh SQLite database (supplier, purchase, payment, entry).

Prints purchases booked per second and the CPU time per booking, with the number of suppliers the company
has (matching looks them up by SIRET, SIREN, VAT number and name), and checks every entry balances.

    .venv/bin/python bench/booking.py [--purchases 2000] [--suppliers 200]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from stdnum import luhn

from admin.runtime import Storage
from parsers.invoice import InvoiceFields, Method, VatLine
from purchases.booking import book_message
from purchases.companies import add_company
from store.db import write_gate
from store.models import Channel, Document, DocumentStatus, MessageStatus, RawMessage
from store.purchase_models import EntryLine, JournalEntry, Purchase
from store.settings import StoreSettings

KEYS = ("supplier_name", "invoice_number", "issue_date", "total_incl_tax")


def siren(n: int) -> str:
    """A valid SIREN made from n (Luhn check digit)."""
    body = f"{100000000 + n * 7919:09d}"[:8]
    return body + str(luhn.calc_check_digit(body))


def fields(n: int, suppliers: int) -> InvoiceFields:
    """The n-th invoice, from one of `suppliers` suppliers, at 20 % and 5.5 %."""
    s = n % suppliers
    base20, base55 = Decimal(100 + n % 900), Decimal(10 + n % 90)
    vat20, vat55 = (
        (base20 * Decimal("0.2")).quantize(Decimal("0.01")),
        (base55 * Decimal("0.055")).quantize(Decimal("0.01")),
    )
    return InvoiceFields(
        method=Method.TEXT,
        supplier_name=f"Fournisseur {s} SARL",
        supplier_siren=siren(s),
        invoice_number=f"F-{n:06d}",
        issue_date=date(2026, 1, 1) + timedelta(days=n % 300),
        currency="EUR",
        total_excl_tax=base20 + base55,
        total_tax=vat20 + vat55,
        total_incl_tax=base20 + base55 + vat20 + vat55,
        vat_breakdown=(VatLine(Decimal(20), base20, vat20), VatLine(Decimal("5.5"), base55, vat55)),
        confidence=dict.fromkeys(KEYS, 0.95),
    )


def store_read(
    storage: Storage,
    company_id: int,
    count: int,
    suppliers: int,
    invoice: Callable[[int], InvoiceFields] | None = None,
) -> list[int]:
    """Messages with one read document each, as the pipeline leaves them before booking; the n-th carries
    invoice(n), by default `fields(n, suppliers)`."""
    ids = []
    with storage.sessions.begin() as session:
        for n in range(count):
            read = invoice(n) if invoice is not None else fields(n, suppliers)
            digest = hashlib.sha256(f"bench-{n}".encode()).hexdigest()
            message = RawMessage(
                company_id=company_id, sha256=digest, size=1, envelope_from="f@x.fr", envelope_to=["acme@x"],
                peer="127.0.0.1", helo="x", received_at=datetime.now(UTC), channel=Channel.SMTP,
                source_platform="email", status=MessageStatus.PROCESSED,
            )  # fmt: skip
            session.add(message)
            session.flush()
            session.add(
                Document(
                    raw_message_id=message.id,
                    company_id=company_id,
                    position="1",
                    filename=f"{n}.pdf",
                    declared_type="application/pdf",
                    kind="pdf",
                    sha256=digest,
                    size=1,
                    attempts=0,
                    status=DocumentStatus.READ,
                    method="text",
                    extraction=read.to_record(),
                    fields=read.to_contract(f"{n}.pdf"),
                )
            )
            ids.append(message.id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=2000)
    parser.add_argument("--suppliers", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.open(StoreSettings(data_dir=Path(folder)))
        with storage.sessions.begin() as session:
            company_id = add_company(session, "ACME SAS", "73282932000074", "acme").id
        messages = store_read(storage, company_id, args.purchases, args.suppliers)
        wall, cpu = time.perf_counter(), time.process_time()
        for message_id in messages:  # one write transaction per message, as the book_document actor does
            with write_gate(storage.engine), storage.sessions.begin() as session:
                message = session.get(RawMessage, message_id)
                assert message is not None
                book_message(session, message, date(2026, 11, 22))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with storage.sessions() as session:
            purchases = session.scalar(select(func.count()).select_from(Purchase)) or 0
            ready = session.scalar(select(func.count()).where(Purchase.status == "ready")) or 0
            unbalanced = session.execute(
                select(JournalEntry.id)
                .join(EntryLine)
                .group_by(JournalEntry.id)
                .having(func.sum(EntryLine.debit) != func.sum(EntryLine.credit))
            ).all()
        storage.engine.dispose()
    print(f"booked {purchases} purchases ({ready} ready) from {args.suppliers} suppliers in {wall:.2f} s")
    print(f"  {purchases / wall:.0f} purchases/s, {cpu / purchases * 1000:.2f} ms CPU per purchase")
    print(f"  unbalanced entries: {len(unbalanced)}")


if __name__ == "__main__":
    main()
