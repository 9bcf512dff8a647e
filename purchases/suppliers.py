"""Suppliers of a company: matched by SIRET, then SIREN, then VAT number, then normalized name, or created."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number
from stdnum.fr import tva

from parsers.invoice import InvoiceFields
from purchases.books import charge_account, load_books
from purchases.due_dates import PaymentTerms
from purchases.errors import InvalidInputError, NotFoundError
from purchases.review import Trust
from store.purchase_models import Supplier

_LEGAL_FORMS = frozenset(
    {"sas", "sasu", "sarl", "eurl", "sa", "sci", "snc", "scop", "scs", "sca", "selarl", "selas", "scp"}
    | {"sem", "gie", "eirl", "ei", "ets", "etablissements", "societe", "ste", "cie", "and", "co"}
    | {"ltd", "limited", "gmbh", "bv", "srl", "spa", "inc", "llc", "plc"}
)
_NOT_WORD = re.compile(r"[^0-9a-z]+")


class MatchRule:
    """Names of the rule that matched a supplier (kept in the import log)."""

    SIRET = "SIRET"
    SIREN = "SIREN"
    VAT = "VAT number"
    NAME = "name"
    CREATED = "created"


@dataclass(frozen=True)
class Identity:
    """The supplier identifiers read on an invoice, compacted and validated (invalid ones dropped)."""

    name: str | None
    siret: str | None
    siren: str | None
    vat: str | None

    @classmethod
    def of(cls, fields: InvoiceFields) -> Identity:
        """The identity of the supplier of an invoice."""
        siret = (
            str(siret_number.compact(fields.supplier_siret))
            if fields.supplier_siret and siret_number.is_valid(fields.supplier_siret)
            else None
        )
        vat = _vat(fields.supplier_vat)
        siren = (
            str(siren_number.compact(fields.supplier_siren))
            if fields.supplier_siren and siren_number.is_valid(fields.supplier_siren)
            else None
        )
        if siren is None and siret is not None:
            siren = siret[:9]
        if siren is None and vat is not None and vat.startswith("FR") and siren_number.is_valid(vat[4:]):
            siren = vat[4:]
        name = " ".join((fields.supplier_name or "").split())[:200] or None
        return cls(name, siret, siren, vat)

    @property
    def empty(self) -> bool:
        """Nothing to recognise the supplier by."""
        return not (self.name or self.siret or self.siren or self.vat)


def _vat(value: str | None) -> str | None:
    if not value:
        return None
    compact = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if compact.startswith("FR"):
        return compact if tva.is_valid(compact) else None
    return compact if 4 <= len(compact) <= 16 and compact[:2].isalpha() else None


def name_key(name: str) -> str:
    """A name for matching: no accents, case, punctuation or legal form ("Bâti-Sud S.A.S." → "bati sud")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    plain = plain.replace(".", "")
    words = [w for w in _NOT_WORD.split(plain) if w and w not in _LEGAL_FORMS]
    return " ".join(words)[:200]


def match_supplier(session: Session, company_id: int, identity: Identity) -> tuple[Supplier | None, str]:
    """The company's supplier with the same SIRET, else SIREN, else VAT number, else normalized name."""
    of_company = select(Supplier).where(Supplier.company_id == company_id).order_by(Supplier.id).limit(1)
    rules = (
        (MatchRule.SIRET, identity.siret, Supplier.siret),
        (MatchRule.SIREN, identity.siren, Supplier.siren),
        (MatchRule.VAT, identity.vat, Supplier.vat),
        (MatchRule.NAME, name_key(identity.name) if identity.name else None, Supplier.name_key),
    )
    for rule, value, column in rules:
        if value:
            found = session.scalar(of_company.where(column == value))
            if found is not None:
                return found, rule
    return None, MatchRule.CREATED


def find_or_create(session: Session, company_id: int, identity: Identity) -> tuple[Supplier | None, str]:
    """The matching supplier, given the identifiers it lacked, or a new one; None if nothing is known."""
    if identity.empty:
        return None, MatchRule.CREATED
    supplier, rule = match_supplier(session, company_id, identity)
    if supplier is None:
        books = load_books(session, company_id)
        number, books.next_aux_number = books.next_aux_number, books.next_aux_number + 1
        name = identity.name or identity.siret or identity.siren or identity.vat or "?"
        supplier = Supplier(
            company_id=company_id,
            name=name,
            name_key=name_key(name),
            aux_account=f"F{number:05d}",
            payment_end_of_month=False,
            trusted=False,
        )
        session.add(supplier)
    supplier.siret = supplier.siret or identity.siret
    supplier.siren = supplier.siren or identity.siren
    supplier.vat = supplier.vat or identity.vat
    session.flush()
    return supplier, rule


def terms_of(supplier: Supplier | None) -> PaymentTerms | None:
    """The supplier's payment terms, if set."""
    if supplier is None or supplier.payment_days is None:
        return None
    return PaymentTerms(supplier.payment_days, supplier.payment_end_of_month)


def trust_of(supplier: Supplier | None) -> Trust:
    """Whether the supplier's purchases skip review, and up to which total."""
    if supplier is None:
        return Trust()
    return Trust(trusted=supplier.trusted, threshold=supplier.trusted_threshold)


@dataclass(frozen=True)
class SupplierSettings:
    """Changes to a supplier's settings; None leaves a setting as it is."""

    charge_account: str | None = None
    payment_days: int | None = None
    payment_end_of_month: bool | None = None
    aux_account: str | None = None
    trusted: bool | None = None
    trusted_threshold: Decimal | None = None
    clear_threshold: bool = False


def update_supplier(
    session: Session, company_id: int, supplier_id: int, changes: SupplierSettings
) -> Supplier:
    """Applies settings to one of the company's suppliers, after checking them (all or nothing)."""
    with session.begin_nested():
        return _update(session, company_id, supplier_id, changes)


def _update(session: Session, company_id: int, supplier_id: int, changes: SupplierSettings) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None or supplier.company_id != company_id:
        raise NotFoundError(f"no supplier {supplier_id} in this company")
    if changes.charge_account is not None:
        supplier.charge_account = charge_account(changes.charge_account)
    if changes.payment_days is not None:
        PaymentTerms(changes.payment_days, bool(changes.payment_end_of_month))
        supplier.payment_days = changes.payment_days
    if changes.payment_end_of_month is not None:
        supplier.payment_end_of_month = changes.payment_end_of_month
    if changes.aux_account is not None:
        _set_aux(session, supplier, changes.aux_account)
    if changes.trusted is not None:
        supplier.trusted = changes.trusted
    if changes.trusted_threshold is not None:
        if changes.trusted_threshold < 0:
            raise InvalidInputError(
                "trusted threshold", str(changes.trusted_threshold), "must not be negative"
            )
        supplier.trusted_threshold = changes.trusted_threshold
    if changes.clear_threshold:
        supplier.trusted_threshold = None
    session.flush()
    return supplier


def _set_aux(session: Session, supplier: Supplier, code: str) -> None:
    aux = code.strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{1,20}", aux):
        raise InvalidInputError("auxiliary account", code, "1 to 20 letters or digits")
    taken = session.scalar(
        select(Supplier.id).where(
            Supplier.company_id == supplier.company_id,
            Supplier.aux_account == aux,
            Supplier.id != supplier.id,
        )
    )
    if taken is not None:
        raise InvalidInputError("auxiliary account", aux, f"already used by supplier {taken}")
    supplier.aux_account = aux
