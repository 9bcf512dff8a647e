"""Identifiers of an e-invoice in their compact form, and the SIRET and SIREN among its scheme ids."""

from __future__ import annotations

import re

from parsers.einvoice_raw import SchemeId

SIRET_SCHEME = "0009"
SIREN_SCHEME = "0002"
SIRET_LENGTH = 14
SIREN_LENGTH = 9
_SEPARATORS = re.compile(r"[\s.\-]+")


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
