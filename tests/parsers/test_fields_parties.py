"""Supplier versus customer: name and identifiers of the issuer, the customer's SIREN, the IBAN to pay."""

from __future__ import annotations

import pytest

from parsers.fields.identifiers import IdKind, find_identifiers
from parsers.fields.labels import find_labels
from parsers.fields.layout import read_layout
from parsers.fields.names import clean_name, name_ok
from parsers.fields.parties import Parties, read_parties
from parsers.invoice import DocumentText, Method, PageText

SUPPLIER_TOP_LEFT = """

      Atelier Verrier Dumas                                    FACTURE
      4 rue des Forges
                                                          Facture n° AV-311
      42000 Saint-Étienne
      SIRET : 44306184100047                               Date de facture : 12/01/2026
      N° TVA intracommunautaire : FR64443061841

                                          Client
                                          Brasserie du Lac SAS
                                          1 quai du Lac
                                          74000 Annecy
                                          SIREN : 732 829 320


      Total HT                                  100,00 €
      IBAN : FR76 3000 4010 4500 0123 4567 884
      Atelier Verrier Dumas - SARL au capital de 5 000 € - RCS Saint-Étienne 443 061 841
"""

CUSTOMER_FIRST = """
   Adresse de facturation                           Menuiserie Girard
   Hôtel des Voyageurs SARL                         ZA du Moulin
   2 place de la Gare                               38000 Grenoble
   38100 Grenoble
   SIRET 732 829 320 00074

   Facture F-88 du 03/06/2024
   Total TTC                                        2 035,00

   Menuiserie Girard - SAS au capital de 20 000 € - SIRET 443 061 841 00047 - TVA FR64443061841
"""

UNLABELLED_CUSTOMER = """
                                                       FACTURE
      Cabinet Roux Géomètres
      9 rue Victor Hugo
      26000 Valence
                                              Boulangerie Petit
                                              3 place du Marché
                                              26000 Valence
                                              SIRET : 73282932000074
      Total TTC     480,00 €
              Cabinet Roux Géomètres
         SELARL au capital de 1 000 € - SIRET 443 061 841 00047 - RCS Romans 443 061 841
"""

SOLD_BY = """
                                           Retail Invoice
 Sold By : Comptoir des Épices Ltd.,
 VAT/TIN: 29670869006
 Billing Address            Shipping Address
 R. Sharma                  R. Sharma
"""


def parties_of(text: str) -> Parties:
    """The parties read from a one-page text."""
    layout = read_layout(DocumentText((PageText(1, text, Method.TEXT),)))
    return read_parties(layout, find_labels(layout), find_identifiers(layout))


def summary(parties: Parties) -> tuple[str | None, ...]:
    """Supplier name, SIRET, VAT, IBAN and customer SIREN."""
    supplier = parties.supplier
    siret = supplier.first(IdKind.SIRET) if supplier else None
    vat = supplier.first(IdKind.VAT) if supplier else None
    return (
        parties.supplier_name.value if parties.supplier_name else None,
        siret.value if siret else None,
        vat.value if vat else None,
        parties.iban.value if parties.iban else None,
        parties.customer_siren.value if parties.customer_siren else None,
    )


def test_supplier_top_left_and_customer_in_its_box() -> None:
    assert summary(parties_of(SUPPLIER_TOP_LEFT)) == (
        "Atelier Verrier Dumas",
        "44306184100047",
        "FR64443061841",
        "FR7630004010450001234567884",
        "732829320",
    )


def test_customer_printed_first_is_not_taken_for_the_supplier() -> None:
    assert summary(parties_of(CUSTOMER_FIRST)) == (
        "Menuiserie Girard",
        "44306184100047",
        "FR64443061841",
        None,
        "732829320",
    )


def test_legal_footer_tells_the_supplier_from_an_unlabelled_customer_box() -> None:
    parties = parties_of(UNLABELLED_CUSTOMER)
    assert summary(parties) == ("Cabinet Roux Géomètres", "44306184100047", None, None, "732829320")
    assert parties.customer_siren is not None and parties.customer_siren.score < 0.9


def test_sold_by_label_and_an_unchecked_tax_number() -> None:
    parties = parties_of(SOLD_BY)
    assert summary(parties) == ("Comptoir des Épices Ltd.", None, "29670869006", None, None)
    assert parties.supplier is not None and parties.supplier.siren is None


def test_nothing_found_in_an_empty_text() -> None:
    assert summary(parties_of("")) == (None, None, None, None, None)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Au bon moulin SARL - 12 chemin de l'olive - 84340 Malaucène", "Au bon moulin"),
        ("SARL BOULANGERIE DUPONT", "BOULANGERIE DUPONT"),
        ("Nuage Logiciel \u2013 SAS with a share capital of €40,000", "Nuage Logiciel"),
        ("Les Saveurs  du Vieux-Port", "Les Saveurs du Vieux-Port"),
        ("WS Retail Services Pvt. Ltd.,", "WS Retail Services Pvt. Ltd."),
        ("Sasha Conseil", "Sasha Conseil"),
    ],
)
def test_clean_name(text: str, name: str) -> None:
    assert clean_name(text) == name


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Conseil Martin & Associés", True),
        ("27 quai Saint-Antoine", False),
        ("FACTURE", False),
        ("Retail Invoices/Bill", False),
        ("info@exemple.fr", False),
        ("Date : 12/01/2026", False),
        ("SARL au capital de 8 000 €", False),
        ("LOGO LE FOURNISSEUR", False),
        ("X", False),
    ],
)
def test_name_ok(text: str, ok: bool) -> None:
    assert name_ok(text) is ok
