"""The `collecte access` commands: show and set which profiles see a company's exports and accounting."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.cli_support import friendly_errors, reading, writing
from purchases.access import CompanySwitches, set_switch, switches_for
from purchases.errors import NotFoundError
from store.access_models import AccessProfile
from store.models import Company


@click.group()
def access() -> None:
    """Per company, which profiles see exports and VAT/accounting pages (firm administrators see all)."""


def _company(session: Session, slug: str) -> Company:
    found = session.scalar(select(Company).where(Company.slug == slug.strip().lower()))
    if found is None:
        raise NotFoundError(f"no company with slug {slug!r}")
    return found


def _echo_table(slug: str, switches: CompanySwitches) -> None:
    click.echo(f"Access of {slug} (firm_admin: everything):")
    click.echo(f"  {'profile':<15} {'exports':<8} accounting")
    for profile in AccessProfile:
        switch = switches.of(profile)
        exports, accounting = ("yes" if on else "no" for on in (switch.exports, switch.accounting))
        click.echo(f"  {profile.value:<15} {exports:<8} {accounting}")


@access.command("show")
@click.argument("slug")
@friendly_errors
def access_show(slug: str) -> None:
    """Shows the company's switches: per profile, exports and accounting, yes or no."""
    with reading() as session:
        company = _company(session, slug)
        _echo_table(company.slug, switches_for(session, company.id))


@access.command("set")
@click.argument("slug")
@click.option("--profile", required=True, type=click.Choice([profile.value for profile in AccessProfile]))
@click.option("--exports/--no-exports", default=None, help="Journals, previews, validation, FEC/CSV files.")
@click.option("--accounting/--no-accounting", default=None, help="VAT and accounting pages (entries, VAT).")
@friendly_errors
def access_set(slug: str, profile: str, exports: bool | None, accounting: bool | None) -> None:
    """Turns a profile's switches on or off in the company (those not given stay as they are)."""
    if exports is None and accounting is None:
        raise click.ClickException(
            "nothing to set: give --exports/--no-exports or --accounting/--no-accounting"
        )
    with writing() as session:
        company = _company(session, slug)
        switches = set_switch(
            session, company.id, AccessProfile(profile), exports=exports, accounting=accounting
        )
        _echo_table(company.slug, switches)
