"""Credit note, reverse charge, intra-EU, franchise (art. 293 B) and "débits" wording."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.fields.layout import Layout, fold
from parsers.invoice import DocumentType, VatMarker

_CREDIT_TITLE = re.compile(
    r"^(?:avoir|facture d'avoir|note de credit|credit note|credit memo|gutschrift|creditnota|creditfactuur)"
    r"[\s.:]*$"
)
_CREDIT_WORDING = re.compile(
    r"(?<![a-z])(?:facture d'avoir|avoir\s*n\s?°|avoir\s*no\.|note de credit|credit\s*note|credit memo"
    r"|gutschrift|creditnota)(?![a-z])"
)
_MARKERS: dict[VatMarker, re.Pattern[str]] = {
    VatMarker.REVERSE_CHARGE: re.compile(
        r"auto-?\s?liquidation|reverse[\s-]?charge|tva due par le (?:preneur|client|destinataire)"
        r"|vat (?:due|payable) by the (?:customer|recipient|buyer)|283[\s-]?2|art(?:icle|\.)?\s*196"
        r"|steuerschuldnerschaft des leistungsempfangers|btw verlegd"
    ),
    VatMarker.INTRA_EU: re.compile(
        r"art(?:icle|\.)?\s*(?:138|196)|livraisons? intra-?\s?communautaires?|262\s?ter"
        r"|intra-?\s?community (?:supply|delivery|deliveries|acquisition)|innergemeinschaftliche lieferung"
    ),
    VatMarker.FRANCHISE: re.compile(
        r"293\s?b|tva non applicable|vat not applicable|franchise en base|no vat charged"
    ),
    VatMarker.DEBITS: re.compile(r"(?:sur|d'apres) les debits|option (?:pour le paiement )?.{0,30}debits"),
}
_NO_VAT = frozenset({VatMarker.REVERSE_CHARGE, VatMarker.INTRA_EU, VatMarker.FRANCHISE})


@dataclass(frozen=True)
class Markers:
    """The document type and the VAT situations its wording announces."""

    document_type: DocumentType
    vat: frozenset[VatMarker]

    @property
    def no_vat(self) -> bool:
        """Whether the invoice should charge no VAT (reverse charge, intra-EU, franchise)."""
        return bool(self.vat & _NO_VAT)


def is_credit_note(layout: Layout) -> bool:
    """A credit note: a cell reads "AVOIR" / "Credit note" alone, or "Avoir n°", "facture d'avoir"..."""
    for line in layout.lines:
        if _CREDIT_WORDING.search(line.folded):
            return True
        if any(_CREDIT_TITLE.match(fold(cell.text).strip()) for cell in layout.cells(line.index, gap=3)):
            return True
    return False


def read_markers(layout: Layout) -> Markers:
    """The credit-note flag and VAT markers found anywhere in the text."""
    text = "\n".join(line.folded for line in layout.lines)
    found = frozenset(marker for marker, pattern in _MARKERS.items() if pattern.search(text))
    kind = DocumentType.CREDIT_NOTE if is_credit_note(layout) else DocumentType.INVOICE
    return Markers(kind, found)
