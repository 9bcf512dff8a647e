"""The `collecte supplier` and `collecte books` commands: a company's suppliers and accounting settings."""

from __future__ import annotations

import os
import sys
from dataclasses import fields
from decimal import Decimal, InvalidOperation

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.cli_support import friendly_errors, reading, writing
from parsers.invoice import money
from purchases.accounts import ChartOfAccounts
from purchases.books import Books, books_of, load_books, update_books
from purchases.errors import InvalidInputError, NotFoundError
from purchases.listing import supplier_rows
from purchases.suppliers import SupplierSettings, update_supplier
from store.models import Company
from store.purchase_models import Supplier

PIPED_WIDTH = 200
"""Columns of the tables when stdout is not a terminal (and COLUMNS is not set): no truncated cells."""


def company_id(session: Session, slug: str) -> int:
    """The id of the company with this slug."""
    found = session.scalar(select(Company.id).where(Company.slug == slug.strip().lower()))
    if found is None:
        raise NotFoundError(f"no company with slug {slug!r}")
    return found


def show(table: Table) -> None:
    """Prints a table on stdout (wide enough when piped for no cell to be cut)."""
    wide = sys.stdout.isatty() or "COLUMNS" in os.environ
    Console(width=None if wide else PIPED_WIDTH).print(table)


def cells(*values: object) -> list[Text]:
    """Table cells shown as plain text (no rich markup), "-" for None."""
    return [Text("-" if value is None else str(value)) for value in values]


def amount(what: str, text: str) -> Decimal:
    """An amount typed by a person ("1 500,50" or "1500.50")."""
    try:
        value = Decimal(text.replace(" ", "").replace("\u202f", "").replace(",", "."))
    except InvalidOperation:
        raise InvalidInputError(what, text, "not an amount") from None
    if not value.is_finite():
        raise InvalidInputError(what, text, "not an amount")
    return value


@click.group()
def supplier() -> None:
    """A company's suppliers: identifiers, accounts, payment terms and trust."""


def terms_text(item: Supplier) -> str:
    """ "30 days", "45 days end of month" or "-"."""
    if item.payment_days is None:
        return "-"
    return f"{item.payment_days} days" + (" end of month" if item.payment_end_of_month else "")


def trust_text(item: Supplier) -> str:
    """ "no", "yes" (any amount) or "yes, up to 500.00"."""
    if not item.trusted:
        return "no"
    if item.trusted_threshold is None:
        return "yes"
    return f"yes, up to {money(item.trusted_threshold)}"


@supplier.command("list")
@click.argument("slug")
@friendly_errors
def supplier_list(slug: str) -> None:
    """Lists the company's suppliers with their identifiers, accounts, terms and trust."""
    with reading() as session:
        rows = supplier_rows(session, company_id(session, slug))
    if not rows:
        click.echo(f"No supplier yet for {slug}: they are created as invoices are booked.")
        return
    table = Table("id", "name", "SIRET/SIREN", "VAT", "aux", "charge", "terms", "trusted", "owed")
    for row in rows:
        item = row.supplier
        charge = row.charge_account + (" (default)" if row.default_charge else "")
        table.add_row(
            *cells(
                item.id,
                item.name,
                item.siret or item.siren,
                item.vat,
                item.aux_account,
                charge,
                terms_text(item),
                trust_text(item),
                money(row.owed),
            )
        )
    show(table)


@supplier.command("set")
@click.argument("slug")
@click.argument("supplier_id", type=int)
@click.option("--charge-account", help="Default charge account of its purchases (class 6, or 2 for assets).")
@click.option("--payment-days", type=int, help="Payment terms in days (0 to 365).")
@click.option("--end-of-month/--no-end-of-month", default=None, help="Terms counted 'fin de mois'.")
@click.option("--aux-account", help="Auxiliary account code (CompAuxNum), unique in the company.")
@click.option("--trusted/--untrusted", default=None, help="Trusted: soft review reasons are waived.")
@click.option("--threshold", help="Trusted only up to this total TTC.")
@click.option("--no-threshold", is_flag=True, help="Trusted whatever the total.")
@friendly_errors
def supplier_set(
    *,
    slug: str,
    supplier_id: int,
    charge_account: str | None,
    payment_days: int | None,
    end_of_month: bool | None,
    aux_account: str | None,
    trusted: bool | None,
    threshold: str | None,
    no_threshold: bool,
) -> None:
    """Changes a supplier's accounts, payment terms or trust (new purchases use them)."""
    if threshold is not None and no_threshold:
        raise click.ClickException("give --threshold AMOUNT or --no-threshold, not both")
    changes = SupplierSettings(
        charge_account=charge_account,
        payment_days=payment_days,
        payment_end_of_month=end_of_month,
        aux_account=aux_account,
        trusted=trusted,
        trusted_threshold=None if threshold is None else amount("trusted threshold", threshold),
        clear_threshold=no_threshold,
    )
    if changes == SupplierSettings():
        raise click.ClickException("nothing to change: give at least one option (see --help)")
    with writing() as session:
        item = update_supplier(session, company_id(session, slug), supplier_id, changes)
        click.echo(f"Supplier {item.id} ({item.name}) updated:")
        click.echo(f"  aux account {item.aux_account}, charge account {item.charge_account or '(default)'}")
        click.echo(f"  terms {terms_text(item)}, trusted {trust_text(item)}")


@click.group()
def books() -> None:
    """A company's accounting settings: journal, accounts, due-date convention, review threshold."""


SETTINGS_HELP = {
    "journal_code": "purchase journal code",
    "journal_label": "purchase journal label",
    "supplier_account": "trade suppliers (401)",
    "asset_supplier_account": "fixed-asset suppliers (404)",
    "default_charge_account": "charge account when the supplier has none",
    "vat_deductible": "deductible VAT on goods and services (44566)",
    "vat_deductible_assets": "deductible VAT on fixed assets (44562)",
    "vat_intra_eu_deductible": "deductible self-assessed intra-EU VAT (445662)",
    "vat_intra_eu_due": "intra-EU VAT due (4452)",
    "vat_reverse_charge_due": "reverse-charge VAT due (4457)",
    "self_assessed_rate": "rate (%) self-assessed when none is printed",
    "terms_convention": "'N days end of month': days_then_end_of_month or end_of_month_then_days",
    "min_confidence": "purchases read with a lower confidence (0 to 1) are reviewed",
}


def settings_of(current: Books) -> dict[str, str]:
    """Every setting by name, as shown and as `books set` takes it."""
    shown = {f.name: str(getattr(current.chart, f.name)) for f in fields(ChartOfAccounts)}
    shown["terms_convention"] = current.convention.value
    shown["min_confidence"] = f"{current.review.min_confidence:g}"
    return shown


def print_settings(current: Books, only: set[str] | None = None) -> None:
    """One line per setting: name, value, meaning."""
    for name, value in settings_of(current).items():
        if only is None or name in only:
            click.echo(f"{name:<24} {value:<24} {SETTINGS_HELP.get(name, '')}".rstrip())


@books.command("show")
@click.argument("slug")
@friendly_errors
def books_show(slug: str) -> None:
    """Shows the company's accounting settings (defaults until changed)."""
    with writing() as session:  # the defaults are stored the first time they are read
        current = books_of(load_books(session, company_id(session, slug)))
    print_settings(current)


@books.command("set")
@click.argument("slug")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@friendly_errors
def books_set(slug: str, pairs: tuple[str, ...]) -> None:
    """Changes settings, e.g. `collecte books set acme journal_code=ACH min_confidence=0.8`."""
    changes: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise click.ClickException(f"expected KEY=VALUE, got {pair!r}")
        changes[key.strip()] = value
    with writing() as session:
        current = update_books(session, company_id(session, slug), changes)
    click.echo(f"Accounting settings of {slug} changed:")
    print_settings(current, set(changes))
