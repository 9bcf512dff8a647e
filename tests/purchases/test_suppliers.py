"""Suppliers: name keys, identities read on invoices, the matching order, creation and settings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.invoice import InvoiceFields, Method
from purchases.errors import InvalidInputError, NotFoundError
from purchases.suppliers import (
    Identity,
    MatchRule,
    SupplierSettings,
    find_or_create,
    match_supplier,
    name_key,
    terms_of,
    trust_of,
    update_supplier,
)
from store.purchase_models import Supplier
from tests.purchases.books_db import SUPPLIER_SIREN, SUPPLIER_SIRET, SUPPLIER_VAT, add_acme

OTHER_SIRET = "55208131700018"
OTHER_SIREN = "552081317"
THIRD_SIREN = "123456782"
GERMAN_VAT = "DE123456789"


def identity(**read: str | None) -> Identity:
    return Identity.of(InvoiceFields(method=Method.TEXT, **read))  # type: ignore[arg-type]


def supplier(session: Session, company_id: int, aux: str, name: str = "Autre", **ids: str) -> Supplier:
    row = Supplier(
        company_id=company_id,
        name=name,
        name_key=name_key(name),
        aux_account=aux,
        payment_end_of_month=False,
        trusted=False,
        **ids,
    )
    session.add(row)
    session.flush()
    return row


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Bâti-Sud S.A.S.", "bati sud"),
        ("BÂTI SUD SAS", "bati sud"),
        ("  Bâti   Sud  ", "bati sud"),
        ("Électricité Générale de l'Ouest SARL", "electricite generale de l ouest"),
        ("EURL Café-Crème", "cafe creme"),
        ("Martin & Fils, S.A.R.L.", "martin fils"),
        ("Ets. Dupont et Cie", "dupont et"),
        ("Garage du Port SASU", "garage du port"),
        ("Acme GmbH", "acme"),
    ],
)
def test_name_key_drops_accents_case_punctuation_and_legal_forms(name: str, key: str) -> None:
    assert name_key(name) == key


def test_same_supplier_written_differently_has_one_key() -> None:
    assert name_key("Bâti-Sud S.A.S.") == name_key("BATI SUD sas") == name_key("bati-sud")


def test_identity_keeps_valid_identifiers_and_derives_the_siren() -> None:
    found = identity(
        supplier_name="  Bâti-Sud   SAS ", supplier_siret=SUPPLIER_SIRET, supplier_vat=SUPPLIER_VAT
    )
    assert found == Identity("Bâti-Sud SAS", SUPPLIER_SIRET, SUPPLIER_SIREN, SUPPLIER_VAT)


def test_identity_drops_an_invalid_siret() -> None:
    found = identity(supplier_name="X", supplier_siret="44306184100006")
    assert found.siret is None
    assert found.siren is None


def test_identity_compacts_spaced_numbers() -> None:
    found = identity(supplier_siret="443 061 841 00005")
    assert (found.siret, found.siren) == (SUPPLIER_SIRET, SUPPLIER_SIREN)
    assert identity(supplier_siren="552 081 317").siren == OTHER_SIREN


def test_identity_takes_the_siren_from_a_french_vat_number() -> None:
    found = identity(supplier_vat="fr 64 443 061 841")
    assert found == Identity(None, None, SUPPLIER_SIREN, SUPPLIER_VAT)


def test_identity_drops_an_invalid_french_vat_number() -> None:
    assert identity(supplier_name="X", supplier_vat="FR00443061841").vat is None


def test_identity_keeps_a_foreign_vat_number_without_a_siren() -> None:
    found = identity(supplier_name="Bauhaus GmbH", supplier_vat="DE 123 456 789")
    assert found == Identity("Bauhaus GmbH", None, None, GERMAN_VAT)


def test_identity_prefers_a_printed_siren_to_the_siret_one() -> None:
    found = identity(supplier_siret=SUPPLIER_SIRET, supplier_siren=OTHER_SIREN)
    assert found.siren == OTHER_SIREN


def test_empty_identity() -> None:
    assert identity(supplier_name="   ").empty
    assert not identity(supplier_vat=GERMAN_VAT).empty


def test_match_order_siret_then_siren_then_vat_then_name(session: Session, acme: int) -> None:
    by_name = supplier(session, acme, "N1", name="Bâti-Sud SARL")
    by_vat = supplier(session, acme, "V1", vat=GERMAN_VAT)
    by_siren = supplier(session, acme, "S1", siren=SUPPLIER_SIREN, siret=SUPPLIER_SIREN + "00013")
    by_siret = supplier(session, acme, "T1", siret=SUPPLIER_SIRET)
    full = Identity("BATI SUD", SUPPLIER_SIRET, SUPPLIER_SIREN, GERMAN_VAT)
    assert match_supplier(session, acme, full) == (by_siret, "SIRET")
    no_siret = Identity("BATI SUD", None, SUPPLIER_SIREN, GERMAN_VAT)
    assert match_supplier(session, acme, no_siret) == (by_siren, "SIREN")
    vat_only = Identity("BATI SUD", None, None, GERMAN_VAT)
    assert match_supplier(session, acme, vat_only) == (by_vat, "VAT number")
    assert match_supplier(session, acme, Identity("bati-sud", None, None, None)) == (by_name, "name")
    assert match_supplier(session, acme, Identity("Inconnu", None, None, None)) == (None, MatchRule.CREATED)


def test_an_unknown_siret_falls_back_to_the_siren(session: Session, acme: int) -> None:
    same_company = supplier(session, acme, "S1", siren=SUPPLIER_SIREN)
    other_branch = Identity(None, SUPPLIER_SIREN + "00013", SUPPLIER_SIREN, None)
    assert match_supplier(session, acme, other_branch) == (same_company, "SIREN")


def test_another_company_s_supplier_never_matches(session: Session, acme: int) -> None:
    other = add_acme(session, "Other SARL", "35600000000048", "other")
    supplier(session, other, "F00001", name="Bâti-Sud", siret=SUPPLIER_SIRET, vat=SUPPLIER_VAT)
    full = Identity("Bâti-Sud", SUPPLIER_SIRET, SUPPLIER_SIREN, SUPPLIER_VAT)
    assert match_supplier(session, acme, full) == (None, "created")


def test_supplier_matched_by_name_gets_the_identifiers_it_lacked(session: Session, acme: int) -> None:
    known = supplier(session, acme, "F00009", name="Bâti-Sud")
    found, rule = find_or_create(
        session, acme, identity(supplier_name="BATI SUD S.A.S.", supplier_siret=SUPPLIER_SIRET)
    )
    assert (found, rule) == (known, "name")
    assert (known.siret, known.siren, known.vat) == (SUPPLIER_SIRET, SUPPLIER_SIREN, None)
    assert known.name == "Bâti-Sud"
    again, rule = find_or_create(session, acme, identity(supplier_siret=SUPPLIER_SIRET))
    assert (again, rule) == (known, "SIRET")


def test_a_matched_supplier_keeps_its_own_siret(session: Session, acme: int) -> None:
    known = supplier(session, acme, "F00009", siren=SUPPLIER_SIREN, siret=SUPPLIER_SIREN + "00013")
    find_or_create(session, acme, identity(supplier_siret=SUPPLIER_SIRET))
    assert known.siret == SUPPLIER_SIREN + "00013"


def test_new_suppliers_get_the_next_auxiliary_accounts(session: Session, acme: int) -> None:
    first, rule = find_or_create(
        session, acme, identity(supplier_name="Bâti-Sud SAS", supplier_siret=SUPPLIER_SIRET)
    )
    second, _ = find_or_create(session, acme, identity(supplier_vat=GERMAN_VAT))
    third, _ = find_or_create(session, acme, identity(supplier_siret=OTHER_SIRET))
    assert rule == "created"
    assert first is not None and second is not None and third is not None
    assert [first.aux_account, second.aux_account, third.aux_account] == ["F00001", "F00002", "F00003"]
    assert (first.name, first.name_key, first.siren) == ("Bâti-Sud SAS", "bati sud", SUPPLIER_SIREN)
    assert (second.name, second.vat) == (GERMAN_VAT, GERMAN_VAT)
    assert (third.name, third.siret, third.siren) == (OTHER_SIRET, OTHER_SIRET, OTHER_SIREN)
    other = add_acme(session, "Other SARL", "35600000000048", "other")
    theirs, _ = find_or_create(session, other, identity(supplier_siret=SUPPLIER_SIRET))
    assert theirs is not None and theirs.aux_account == "F00001"
    assert theirs.id != first.id


def test_nothing_known_creates_no_supplier(session: Session, acme: int) -> None:
    assert find_or_create(session, acme, identity(supplier_siret="123")) == (None, "created")
    assert session.scalar(select(func.count()).select_from(Supplier)) == 0


def test_update_supplier_applies_valid_settings(session: Session, acme: int) -> None:
    row = supplier(session, acme, "F00001")
    changes = SupplierSettings(
        charge_account=" 606400 ",
        payment_days=45,
        payment_end_of_month=True,
        aux_account="fbati",
        trusted=True,
        trusted_threshold=Decimal("500.00"),
    )
    updated = update_supplier(session, acme, row.id, changes)
    assert updated is row
    assert (row.charge_account, row.payment_days, row.payment_end_of_month) == ("606400", 45, True)
    assert (row.aux_account, row.trusted, row.trusted_threshold) == ("FBATI", True, Decimal("500.00"))
    terms = terms_of(row)
    assert terms is not None and (terms.days, terms.end_of_month) == (45, True)
    assert trust_of(row).waives(Decimal("500.00"))
    assert not trust_of(row).waives(Decimal("500.01"))
    update_supplier(session, acme, row.id, SupplierSettings(clear_threshold=True))
    assert row.trusted_threshold is None
    assert trust_of(row).waives(Decimal("99999"))
    update_supplier(session, acme, row.id, SupplierSettings(charge_account="218300", payment_days=0))
    assert (row.charge_account, row.payment_days, row.payment_end_of_month) == ("218300", 0, True)


def test_no_terms_and_no_supplier() -> None:
    assert terms_of(None) is None
    assert not trust_of(None).trusted


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            SupplierSettings(charge_account="401000"),
            "invalid charge account '401000': a class 6 (or class 2, fixed assets) account number",
        ),
        (
            SupplierSettings(charge_account="6X"),
            "invalid charge account '6X': a class 6 (or class 2, fixed assets) account number",
        ),
        (SupplierSettings(payment_days=366), "invalid payment terms '366': days must be 0 to 365"),
        (SupplierSettings(payment_days=-1), "invalid payment terms '-1': days must be 0 to 365"),
        (SupplierSettings(aux_account="F-01"), "invalid auxiliary account 'F-01': 1 to 20 letters or digits"),
        (
            SupplierSettings(trusted_threshold=Decimal("-0.01")),
            "invalid trusted threshold '-0.01': must not be negative",
        ),
    ],
)
def test_update_supplier_refuses_invalid_settings(
    session: Session, acme: int, changes: SupplierSettings, reason: str
) -> None:
    row = supplier(session, acme, "F00001")
    with pytest.raises(InvalidInputError) as raised:
        update_supplier(session, acme, row.id, changes)
    assert raised.value.reason == reason
    assert (row.charge_account, row.payment_days, row.trusted_threshold) == (None, None, None)


def test_auxiliary_account_is_unique_in_the_company(session: Session, acme: int) -> None:
    taken = supplier(session, acme, "F00001")
    row = supplier(session, acme, "F00002")
    with pytest.raises(InvalidInputError) as raised:
        update_supplier(session, acme, row.id, SupplierSettings(aux_account="f00001"))
    assert raised.value.reason == f"invalid auxiliary account 'F00001': already used by supplier {taken.id}"
    assert row.aux_account == "F00002"
    update_supplier(session, acme, taken.id, SupplierSettings(aux_account="F00001"))
    other = add_acme(session, "Other SARL", "35600000000048", "other")
    theirs = supplier(session, other, "F00009")
    update_supplier(session, other, theirs.id, SupplierSettings(aux_account="F00002"))
    assert theirs.aux_account == "F00002"


def test_another_company_s_supplier_is_not_found(session: Session, acme: int) -> None:
    other = add_acme(session, "Other SARL", "35600000000048", "other")
    theirs = supplier(session, other, "F00001")
    with pytest.raises(NotFoundError) as raised:
        update_supplier(session, acme, theirs.id, SupplierSettings(trusted=True))
    assert raised.value.reason == f"no supplier {theirs.id} in this company"
    assert not theirs.trusted
    with pytest.raises(NotFoundError):
        update_supplier(session, acme, 999, SupplierSettings(trusted=True))
