"""Client companies: validated creation (SIRET, slug), listing and activation."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError
from stdnum.fr import siret as siret_number

from purchases.errors import ConflictError, InvalidInputError, NotFoundError
from store.models import Company

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
_LEGAL_FORMS = re.compile(r"\b(sas|sasu|sarl|eurl|sa|sci|snc|selarl|scp)\b", re.IGNORECASE)


def slugify(name: str) -> str:
    """A collection-address slug from a company name: ASCII, lower case, dashes, legal form dropped."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = _LEGAL_FORMS.sub(" ", plain).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:63].strip("-")


def validate_siret(value: str) -> str:
    """The SIRET compacted to 14 digits; InvalidInputError naming the problem otherwise."""
    try:
        return str(siret_number.validate(value))
    except ValidationError as exc:
        raise InvalidInputError("SIRET", value, str(exc).rstrip(".").lower()) from None


def add_company(session: Session, name: str, siret: str, slug: str | None = None) -> Company:
    """Creates an active company; its slug is derived from the name unless given."""
    name = name.strip()
    if not name:
        raise InvalidInputError("name", name, "a company needs a name")
    number = validate_siret(siret)
    chosen = (slug or slugify(name)).lower()
    if not SLUG_PATTERN.match(chosen):
        raise InvalidInputError(
            "slug", chosen, "use 1-63 lower-case letters, digits or dashes, not starting with -"
        )
    if session.scalar(select(Company.id).where(Company.slug == chosen)) is not None:
        raise ConflictError(f"slug {chosen!r} is already used by another company: choose one with --slug")
    if (other := session.scalar(select(Company).where(Company.siret == number))) is not None:
        raise ConflictError(f"SIRET {number} is already registered as company {other.slug!r}")
    company = Company(name=name, siret=number, slug=chosen, active=True)
    session.add(company)
    session.flush()
    return company


def list_companies(session: Session) -> list[Company]:
    """Every company, by slug."""
    return list(session.scalars(select(Company).order_by(Company.slug)))


def set_active(session: Session, slug: str, active: bool) -> Company:
    """Activates or deactivates a company (an inactive company's addresses answer 550)."""
    company = session.scalar(select(Company).where(Company.slug == slug))
    if company is None:
        raise NotFoundError(f"no company with slug {slug!r}")
    company.active = active
    return company
