"""Twins: a PDF and the e-invoice XML sent with it in one message are one invoice, not two."""

from __future__ import annotations

from collections.abc import Sequence

from purchases.ledger import number_key
from store.models import Document, DocumentStatus

STRUCTURED = ("xml", "facturx")


def _number(document: Document) -> str | None:
    value = (document.fields or {}).get("invoice_number")
    return number_key(str(value)) if value else None


def link_twins(documents: Sequence[Document]) -> list[tuple[Document, Document]]:
    """Pairs (printed, structured) among the read documents of one message, and marks each printed twin.

    A printed document (text or OCR) is the twin of a standalone XML e-invoice of the same message when
    their invoice numbers match; with exactly one of each and a number missing on either side, they pair
    too. The XML stays the document of record: its fields come from the XML exactly.
    """
    read = [d for d in documents if d.status == DocumentStatus.READ]
    structured = [d for d in read if d.method == "xml"]
    printed = [d for d in read if d.method not in STRUCTURED and d.twin_of_id is None]
    pairs: list[tuple[Document, Document]] = []
    for xml in structured:
        for pdf in printed:
            same = _number(pdf) is not None and _number(pdf) == _number(xml)
            lone = len(structured) == 1 and len(printed) == 1 and None in (_number(pdf), _number(xml))
            if (same or lone) and pdf.twin_of_id is None:
                pdf.twin_of_id = xml.id
                pairs.append((pdf, xml))
    return pairs
