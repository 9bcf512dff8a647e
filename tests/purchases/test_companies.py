"""Companies: SIRET validated with python-stdnum, slugs derived and checked, conflicts refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from purchases.companies import add_company, list_companies, set_active, slugify, validate_siret
from purchases.errors import ConflictError, InvalidInputError, NotFoundError
from store.db import make_engine, make_sessionmaker, migrate


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    with make_sessionmaker(engine).begin() as opened:
        yield opened
    engine.dispose()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Boulangerie Dupont SARL", "boulangerie-dupont"),
        ("Société Générale d'Électricité", "societe-generale-d-electricite"),
        ("SAS L'Atelier", "l-atelier"),
        ("ACME", "acme"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_validate_siret() -> None:
    assert validate_siret("732 829 320 00074") == "73282932000074"
    assert validate_siret("35600000000048") == "35600000000048"
    with pytest.raises(InvalidInputError, match="checksum"):
        validate_siret("73282932000075")
    with pytest.raises(InvalidInputError, match="length"):
        validate_siret("1234")


def test_add_list_and_deactivate(session: Session) -> None:
    company = add_company(session, "  Boulangerie Dupont SARL ", "73282932000074")
    assert (company.name, company.slug, company.active) == (
        "Boulangerie Dupont SARL",
        "boulangerie-dupont",
        True,
    )
    add_company(session, "ACME", "44306184100047", "Acme-Paris")
    assert [c.slug for c in list_companies(session)] == ["acme-paris", "boulangerie-dupont"]
    assert not set_active(session, "acme-paris", False).active
    with pytest.raises(NotFoundError):
        set_active(session, "nobody", True)


def test_conflicts_and_bad_slugs(session: Session) -> None:
    add_company(session, "ACME", "73282932000074")
    with pytest.raises(ConflictError, match="slug 'acme' is already used"):
        add_company(session, "ACME", "44306184100047")
    with pytest.raises(ConflictError, match="already registered as company 'acme'"):
        add_company(session, "Other", "73282932000074")
    with pytest.raises(InvalidInputError, match="invalid slug"):
        add_company(session, "Other", "44306184100047", "-bad")
    with pytest.raises(InvalidInputError, match="needs a name"):
        add_company(session, "  ", "44306184100047")
