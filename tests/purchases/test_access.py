"""Access rules: each role, permission and switch state against a table written by hand; switches stored."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy.orm import Session

from admin.runtime import Storage
from purchases.access import (
    DEFAULT_SWITCHES,
    CompanySwitches,
    Permission,
    Switch,
    allowed,
    permissions,
    set_switch,
    switches_for,
    switches_of,
)
from store.access_models import AccessProfile
from store.purchase_models import TokenRole
from tests.purchases.books_db import add_acme

R = TokenRole
COLUMNS = ("view", "edit", "exports", "accounting", "manage", "push", "document_status", "pull_entries")
STATES = ((False, False), (True, False), (False, True), (True, True))
"""The role's own switch (exports, accounting), in the order of the four letters of each cell below."""

# Each cell: Y = allowed, - = refused, when the switch of the role's own profile in the company is
# off | exports only | accounting only | both. firm_admin, platform and accounting_software have no switch.
# fmt: off
EXPECTED: dict[TokenRole, tuple[str, ...]] = {
    #                        view    edit    exports accounting manage push    document_status pull_entries
    R.FIRM_ADMIN:          ("YYYY", "YYYY", "YYYY", "YYYY",    "YYYY", "YYYY", "YYYY",         "YYYY"),
    R.FIRM_USER:           ("YYYY", "YYYY", "-Y-Y", "--YY",    "----", "----", "YYYY",         "----"),
    R.COMPANY_ADMIN:       ("YYYY", "YYYY", "-Y-Y", "--YY",    "----", "----", "YYYY",         "----"),
    R.COMPANY_USER:        ("YYYY", "----", "-Y-Y", "--YY",    "----", "----", "YYYY",         "----"),
    R.PLATFORM:            ("----", "----", "----", "----",    "----", "YYYY", "YYYY",         "----"),
    R.ACCOUNTING_SOFTWARE: ("----", "----", "----", "----",    "----", "----", "----",         "YYYY"),
}
# fmt: on
PROFILE_OF = {
    R.FIRM_USER: AccessProfile.FIRM_USER,
    R.COMPANY_ADMIN: AccessProfile.COMPANY_ADMIN,
    R.COMPANY_USER: AccessProfile.COMPANY_USER,
}


def every_table() -> list[CompanySwitches]:
    """The 64 tables of switches a company can have (3 profiles, 2 switches each)."""
    tables = []
    for bits in itertools.product((False, True), repeat=6):
        tables.append(
            CompanySwitches(
                firm_user=Switch(bits[0], bits[1]),
                company_admin=Switch(bits[2], bits[3]),
                company_user=Switch(bits[4], bits[5]),
            )
        )
    return tables


def test_the_table_covers_every_role_and_permission() -> None:
    assert set(EXPECTED) == set(TokenRole)
    assert tuple(permission.value for permission in Permission) == COLUMNS


@pytest.mark.parametrize("permission", list(Permission), ids=str)
@pytest.mark.parametrize("role", list(TokenRole), ids=str)
def test_allowed_follows_the_table_for_every_switch_state(role: TokenRole, permission: Permission) -> None:
    cell = EXPECTED[role][COLUMNS.index(permission.value)]
    profile = PROFILE_OF.get(role)
    if profile is None:
        assert len(set(cell)) == 1, "a role without a profile has no switch"
    for table in every_table():
        own = table.of(profile) if profile else Switch(exports=False, accounting=False)
        expected = cell[STATES.index((own.exports, own.accounting))] == "Y"
        assert allowed(role, permission, table) is expected, (table, own)


def test_permissions_lists_what_is_allowed_in_declaration_order() -> None:
    assert permissions(R.COMPANY_USER, DEFAULT_SWITCHES) == (Permission.VIEW, Permission.DOCUMENT_STATUS)
    assert permissions(R.FIRM_USER, DEFAULT_SWITCHES) == (
        Permission.VIEW,
        Permission.EDIT,
        Permission.EXPORTS,
        Permission.ACCOUNTING,
        Permission.DOCUMENT_STATUS,
    )
    assert permissions(R.FIRM_ADMIN, DEFAULT_SWITCHES) == tuple(Permission)


def test_a_company_without_settings_has_the_defaults(session: Session, acme: int) -> None:
    assert switches_for(session, acme) == DEFAULT_SWITCHES
    assert DEFAULT_SWITCHES.of(AccessProfile.FIRM_USER) == Switch(exports=True, accounting=True)
    assert DEFAULT_SWITCHES.of(AccessProfile.COMPANY_ADMIN) == Switch(exports=False, accounting=False)
    assert DEFAULT_SWITCHES.of(AccessProfile.COMPANY_USER) == Switch(exports=False, accounting=False)


def test_set_switch_changes_one_profile_of_one_company(storage: Storage) -> None:
    with storage.sessions.begin() as session:
        acme, other = add_acme(session), add_acme(session, "Other SARL", "35600000000048", "other")
        table = set_switch(session, acme, AccessProfile.COMPANY_USER, accounting=True)
    assert table.company_user == Switch(exports=False, accounting=True)
    assert table.firm_user == DEFAULT_SWITCHES.firm_user
    with storage.sessions.begin() as session:
        table = set_switch(session, acme, AccessProfile.COMPANY_USER, exports=True)
        assert table.company_user == Switch(exports=True, accounting=True), "None keeps the other switch"
        set_switch(session, acme, AccessProfile.FIRM_USER, exports=False, accounting=False)
    with storage.sessions() as session:
        tables = switches_of(session, [acme, other, acme])
    assert tables == {
        acme: CompanySwitches(
            firm_user=Switch(exports=False, accounting=False),
            company_admin=Switch(exports=False, accounting=False),
            company_user=Switch(exports=True, accounting=True),
        ),
        other: DEFAULT_SWITCHES,
    }
    assert allowed(R.COMPANY_USER, Permission.EXPORTS, tables[acme])
    assert not allowed(R.FIRM_USER, Permission.EXPORTS, tables[acme])
    assert allowed(R.FIRM_USER, Permission.EXPORTS, tables[other])


def test_switches_of_no_company_is_empty(session: Session) -> None:
    assert switches_of(session, []) == {}
