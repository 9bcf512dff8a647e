"""The chart of accounts a company books its purchases with, and the French PCG labels of its accounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ChartOfAccounts:
    """The journal and account codes used to book a purchase; every code is configurable per company."""

    journal_code: str = "HA"
    journal_label: str = "Achats"
    supplier_account: str = "401000"
    """Trade suppliers (401), with one auxiliary account per supplier."""
    asset_supplier_account: str = "404000"
    """Fixed-asset suppliers (404), used when the charge account is a class-2 account."""
    default_charge_account: str = "604000"
    """Charge account when nothing better is known (604: services)."""
    vat_deductible: str = "445660"
    """Deductible VAT on goods and services (44566)."""
    vat_deductible_assets: str = "445620"
    """Deductible VAT on fixed assets (44562)."""
    vat_intra_eu_deductible: str = "445662"
    """Deductible self-assessed VAT on intra-EU acquisitions."""
    vat_intra_eu_due: str = "445200"
    """Self-assessed VAT due on intra-EU acquisitions (4452)."""
    vat_reverse_charge_due: str = "445700"
    """Self-assessed VAT due under a domestic reverse charge ("autoliquidation", 4457)."""
    self_assessed_rate: Decimal = Decimal("20")
    """Rate in percent applied when the buyer self-assesses and the invoice prints no positive rate."""


_LABELS: dict[str, str] = {
    "20": "Immobilisations incorporelles",
    "21": "Immobilisations corporelles",
    "2183": "Matériel de bureau et matériel informatique",
    "2184": "Mobilier",
    "401": "Fournisseurs",
    "404": "Fournisseurs d'immobilisations",
    "408": "Fournisseurs - Factures non parvenues",
    "409": "Fournisseurs débiteurs",
    "445": "État - Taxes sur le chiffre d'affaires",
    "4452": "TVA due intracommunautaire",
    "4453": "TVA due sur importations",
    "4456": "Taxes sur le chiffre d'affaires déductibles",
    "44562": "TVA déductible sur immobilisations",
    "44566": "TVA déductible sur autres biens et services",
    "445662": "TVA déductible intracommunautaire",
    "445663": "TVA déductible sur importations",
    "4457": "TVA autoliquidée",
    "44571": "TVA collectée",
    "512": "Banque",
    "601": "Achats stockés - Matières premières et fournitures",
    "602": "Achats stockés - Autres approvisionnements",
    "604": "Achats d'études et prestations de services",
    "605": "Achats de matériel, équipements et travaux",
    "606": "Achats non stockés de matières et fournitures",
    "6061": "Fournitures non stockables (eau, énergie)",
    "6063": "Fournitures d'entretien et de petit équipement",
    "6064": "Fournitures administratives",
    "607": "Achats de marchandises",
    "609": "Rabais, remises et ristournes obtenus sur achats",
    "611": "Sous-traitance générale",
    "613": "Locations",
    "6132": "Locations immobilières",
    "6135": "Locations mobilières",
    "615": "Entretien et réparations",
    "616": "Primes d'assurances",
    "619": "Rabais, remises et ristournes obtenus sur services extérieurs",
    "622": "Rémunérations d'intermédiaires et honoraires",
    "6226": "Honoraires",
    "623": "Publicité, publications, relations publiques",
    "624": "Transports de biens et transports collectifs du personnel",
    "6241": "Transports sur achats",
    "625": "Déplacements, missions et réceptions",
    "6251": "Voyages et déplacements",
    "626": "Frais postaux et de télécommunications",
    "627": "Services bancaires et assimilés",
    "629": "Rabais, remises et ristournes obtenus sur autres services extérieurs",
}

_CLASSES: dict[str, str] = {
    "1": "Capitaux",
    "2": "Immobilisations",
    "3": "Stocks et en-cours",
    "4": "Tiers",
    "5": "Financier",
    "6": "Charges",
    "7": "Produits",
    "8": "Comptes spéciaux",
}


def account_label(account: str) -> str:
    """The PCG label of an account by its longest known prefix, else its class label; never empty."""
    code = account.strip()
    for length in range(len(code), 1, -1):
        label = _LABELS.get(code[:length])
        if label is not None:
            return label
    return _CLASSES.get(code[:1], f"Compte {code}".strip())


def is_asset_account(account: str) -> bool:
    """Whether the account is a fixed-asset account (PCG class 2)."""
    return account.strip().startswith("2")
