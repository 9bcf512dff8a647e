"""Identifiers of an e-invoice in their compact form, checked with python-stdnum: SIRET, SIREN, VAT, IBAN."""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum import vatin
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from parsers.einvoice_raw import SchemeId

SIRET_SCHEME = "0009"
SIREN_SCHEME = "0002"
SIRET_LENGTH = 14
SIREN_LENGTH = 9
_SEPARATORS = re.compile(r"[\s.\-]+")
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def compact(value: str | None) -> str | None:
    """The identifier without spaces, dots or dashes, upper-case; None when nothing is left."""
    if value is None:
        return None
    return _SEPARATORS.sub("", value).upper() or None


def company_ids(ids: tuple[SchemeId, ...]) -> tuple[str | None, str | None]:
    """(SIRET, SIREN) among a party's identifiers.

    The SIRET is the first value under scheme 0009, or a 14-character value under 0002 (older files put the
    SIRET there); the SIREN is the first other value under 0002, else the SIRET's first nine digits.
    """
    values = [(scheme, value) for scheme, raw in ids if (value := compact(raw)) is not None]
    siret = next(
        (
            value
            for scheme, value in values
            if scheme == SIRET_SCHEME or (scheme == SIREN_SCHEME and len(value) == SIRET_LENGTH)
        ),
        None,
    )
    siren = next(
        (value for scheme, value in values if scheme == SIREN_SCHEME and len(value) != SIRET_LENGTH), None
    )
    return siret, siren or (siret[:SIREN_LENGTH] if siret else None)


def siret_is_valid(value: str) -> bool:
    """Whether a SIRET passes its check (La Poste's rule included, by stdnum)."""
    return bool(fr_siret.is_valid(value))


def siren_is_valid(value: str) -> bool:
    """Whether a SIREN passes its Luhn check."""
    return bool(fr_siren.is_valid(value))


def vat_is_valid(value: str) -> bool:
    """Whether a VAT number is valid for its country prefix (EU, including EL and XI, or elsewhere)."""
    return bool(eu_vat.is_valid(value) or vatin.is_valid(value))


def iban_is_valid(value: str) -> bool:
    """Whether an IBAN passes its mod-97 and structure checks and, when French, its RIB key."""
    if not stdnum_iban.is_valid(value):
        return False
    return _rib_key_is_valid(value) if value.startswith("FR") else True


def _rib_key_is_valid(value: str) -> bool:
    """Whether a French IBAN's RIB key matches its bank, branch and account (structure checked before)."""
    bank, branch, account, key = value[4:9], value[9:14], value[14:25].translate(_RIB_LETTERS), value[25:]
    return 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97 == int(key)
