"""Collection addresses and source platforms."""

from __future__ import annotations

import pytest

from ingest.addresses import collection_addresses, recipient_slug, source_platform

DOMAINS = ["achats.factures-meg.fr", "factures-meg.fr"]


@pytest.mark.parametrize(
    ("address", "slug"),
    [
        ("acme@achats.factures-meg.fr", "acme"),
        ("<ACME@Factures-Meg.fr>", "acme"),
        ("acme+edf@achats.factures-meg.fr", "acme"),
        ("acme@achats.factures-meg.fr.", "acme"),
        ("boulangerie-dupont@factures-meg.fr", "boulangerie-dupont"),
        ("acme@other.fr", None),
        ("acme@sub.achats.factures-meg.fr", None),
        ("-acme@factures-meg.fr", None),
        ("a.b@factures-meg.fr", None),
        ("@factures-meg.fr", None),
        ("factures-meg.fr", None),
    ],
)
def test_recipient_slug(address: str, slug: str | None) -> None:
    assert recipient_slug(address, DOMAINS) == slug


def test_collection_addresses_newest_domain_first() -> None:
    assert collection_addresses("acme", DOMAINS) == ["acme@achats.factures-meg.fr", "acme@factures-meg.fr"]


@pytest.mark.parametrize(
    ("sender", "platform"),
    [
        ("noreply@welyb.fr", "Welyb"),
        ("docs@relay.Welyb.fr", "Welyb"),
        ("someone@notwelyb.fr", "email"),
        ("compta@fournisseur.fr", "email"),
        ("", "email"),
    ],
)
def test_source_platform(sender: str, platform: str) -> None:
    assert source_platform(sender, {"welyb.fr": "Welyb"}) == platform
