"""Checks of French and EU business identifiers with python-stdnum: SIRET, SIREN, VAT, IBAN and RIB key."""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum import vatin
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.gb import vat as gb_vat

_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
_BBAN_FR = re.compile(r"\d{5}\d{5}[0-9A-Z]{11}\d{2}")


def valid_siret(value: str) -> bool:
    """Whether a SIRET passes its check (La Poste's rule included, by stdnum)."""
    return bool(fr_siret.is_valid(value))


def valid_siren(value: str) -> bool:
    """Whether a SIREN passes its Luhn check."""
    return bool(fr_siren.is_valid(value))


def valid_vat(number: str) -> bool:
    """Whether a VAT number with its country prefix passes its check (EU incl. EL and XI, GB, CH, others)."""
    if number.startswith("GB"):
        return bool(gb_vat.is_valid(number))
    if number.startswith("CHE"):
        return bool(ch_vat.is_valid(number))
    return bool(eu_vat.is_valid(number) or vatin.is_valid(number))


def rib_key_ok(bban: str) -> bool:
    """Whether a French BBAN (bank 5, branch 5, account 11, key 2) carries the right RIB key."""
    if not _BBAN_FR.fullmatch(bban):
        return False
    account = bban[10:21].translate(_RIB_LETTERS)
    key = 97 - (89 * int(bban[:5]) + 15 * int(bban[5:10]) + 3 * int(account)) % 97
    return key == int(bban[21:])


def valid_iban(number: str) -> bool:
    """Whether an IBAN (no spaces) passes mod 97 and its country format; French ones also the RIB key."""
    if not stdnum_iban.is_valid(number):
        return False
    return rib_key_ok(number[4:]) if number[:2] in ("FR", "MC") else True
