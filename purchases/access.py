"""Who may do what on a company: the permissions of each token role, and the company's access switches.

A caller first has to reach the company (its token names it, or it is a firm administrator): that scope is
checked by the API edge. Within the scope, `allowed` decides from two tables: what each role always has
(`GRANTED`), and what a profile has only while the company's switch for it is on (`SWITCHED`). A write on
exports (validating a period) needs EXPORTS and EDIT, so a company user with the exports switch only reads.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.access_models import AccessProfile, CompanyAccess
from store.purchase_models import TokenRole


class Permission(enum.StrEnum):
    """Something a caller may do on a company."""

    VIEW = "view"
    """See the import log, documents, purchases, payments and dashboards."""
    EDIT = "edit"
    """Edit purchases, mark payments paid, retry documents, change supplier settings."""
    EXPORTS = "exports"
    """See the journals and previews, validate periods, download exports (FEC, CSV): a switch."""
    ACCOUNTING = "accounting"
    """See the VAT and accounting pages (entries, VAT figures): a switch."""
    MANAGE = "manage"
    """Set the access switches of a company: the firm administrator only."""
    PUSH = "push"
    """Push documents over HTTP (document platforms)."""
    DOCUMENT_STATUS = "document_status"
    """Read the status of the company's documents (what a platform polls after pushing)."""
    PULL_ENTRIES = "pull_entries"
    """Pull validated entries (accounting production software)."""


@dataclass(frozen=True)
class Switch:
    """What one profile may see in one company beyond viewing and editing."""

    exports: bool
    accounting: bool


@dataclass(frozen=True)
class CompanySwitches:
    """A company's table of switches, one per profile."""

    firm_user: Switch
    company_admin: Switch
    company_user: Switch

    def of(self, profile: AccessProfile) -> Switch:
        """The switch of one profile."""
        switch: Switch = getattr(self, profile.value)
        return switch

    def with_switch(self, profile: AccessProfile, switch: Switch) -> CompanySwitches:
        """The same table with one profile's switch replaced."""
        return replace(self, **{profile.value: switch})


DEFAULT_SWITCHES = CompanySwitches(
    firm_user=Switch(exports=True, accounting=True),
    company_admin=Switch(exports=False, accounting=False),
    company_user=Switch(exports=False, accounting=False),
)
"""Until the firm administrator changes them: firm users see exports and accounting, company profiles not."""

_VIEWERS = frozenset({Permission.VIEW, Permission.DOCUMENT_STATUS})
GRANTED: dict[TokenRole, frozenset[Permission]] = {
    TokenRole.FIRM_ADMIN: frozenset(Permission),
    TokenRole.FIRM_USER: _VIEWERS | {Permission.EDIT},
    TokenRole.COMPANY_ADMIN: _VIEWERS | {Permission.EDIT},
    TokenRole.COMPANY_USER: _VIEWERS,
    TokenRole.PLATFORM: frozenset({Permission.PUSH, Permission.DOCUMENT_STATUS}),
    TokenRole.ACCOUNTING_SOFTWARE: frozenset({Permission.PULL_ENTRIES}),
}
"""What each role may always do on a company it reaches."""
PROFILES: dict[TokenRole, AccessProfile] = {
    TokenRole.FIRM_USER: AccessProfile.FIRM_USER,
    TokenRole.COMPANY_ADMIN: AccessProfile.COMPANY_ADMIN,
    TokenRole.COMPANY_USER: AccessProfile.COMPANY_USER,
}
"""The roles whose access to exports and accounting follows the company's switch for their profile."""
SWITCHED: dict[Permission, str] = {Permission.EXPORTS: "exports", Permission.ACCOUNTING: "accounting"}
"""The permissions given by a switch, and the switch's field."""


def allowed(role: TokenRole, permission: Permission, switches: CompanySwitches) -> bool:
    """True when a caller with this role, on a company it reaches with these switches, may do this."""
    if permission in GRANTED[role]:
        return True
    profile = PROFILES.get(role)
    if profile is None or permission not in SWITCHED:
        return False
    on: bool = getattr(switches.of(profile), SWITCHED[permission])
    return on


def permissions(role: TokenRole, switches: CompanySwitches) -> tuple[Permission, ...]:
    """Everything a caller with this role may do on a company with these switches, in declaration order."""
    return tuple(permission for permission in Permission if allowed(role, permission, switches))


def switches_of(session: Session, company_ids: Iterable[int]) -> dict[int, CompanySwitches]:
    """The switches of each company (the defaults where nothing was set), in one query."""
    ids = tuple(dict.fromkeys(company_ids))
    tables = dict.fromkeys(ids, DEFAULT_SWITCHES)
    if ids:
        rows = session.scalars(select(CompanyAccess).where(CompanyAccess.company_id.in_(ids)))
        for row in rows:
            switch = Switch(exports=row.exports, accounting=row.accounting)
            tables[row.company_id] = tables[row.company_id].with_switch(row.profile, switch)
    return tables


def switches_for(session: Session, company_id: int) -> CompanySwitches:
    """The company's switches (the defaults where nothing was set)."""
    return switches_of(session, (company_id,))[company_id]


def set_switch(
    session: Session,
    company_id: int,
    profile: AccessProfile,
    *,
    exports: bool | None = None,
    accounting: bool | None = None,
) -> CompanySwitches:
    """Sets one profile's switches in a company (None leaves one as it is); returns the company's table."""
    current = switches_for(session, company_id).of(profile)
    switch = Switch(
        exports=current.exports if exports is None else exports,
        accounting=current.accounting if accounting is None else accounting,
    )
    row = session.get(CompanyAccess, (company_id, profile))
    if row is None:
        row = CompanyAccess(company_id=company_id, profile=profile)
        session.add(row)
    row.exports, row.accounting = switch.exports, switch.accounting
    session.flush()
    return switches_for(session, company_id)
