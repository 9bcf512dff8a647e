"""The `collecte purchase` and `collecte payment` commands: a company's purchases, entries and payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click
from rich.table import Table

from admin.cli_books import cells, company_id, show
from admin.cli_support import friendly_errors, reading, writing
from parsers.invoice import money
from purchases.editing import PaymentState, mark_paid, payment_state
from purchases.errors import InvalidInputError
from purchases.listing import PaymentFilters, PurchaseFilters, find_payments, purchase_detail, purchase_page
from store.purchase_models import JournalEntry, Payment, Purchase, PurchaseStatus

ZERO = Decimal("0.00")


@click.group()
def purchase() -> None:
    """A company's purchases: what was read, why one is to review, and its journal entry."""


def supplier_of(item: Purchase) -> str | None:
    """The supplier's name as booked, else as read."""
    return item.supplier.name if item.supplier is not None else item.supplier_name


@purchase.command("list")
@click.argument("slug")
@click.option("--status", type=click.Choice([s.value for s in PurchaseStatus]), help="Only these.")
@friendly_errors
def purchase_list(slug: str, status: str | None) -> None:
    """Lists the company's purchases, with the first reason of those to review."""
    wanted = PurchaseFilters(status=None if status is None else PurchaseStatus(status))
    with reading() as session:
        purchases = [row.purchase for row in purchase_page(session, company_id(session, slug), wanted).rows]
    if not purchases:
        click.echo(f"No {status or ''} purchase for {slug}.".replace("  ", " "))
        return
    table = Table("id", "date", "supplier", "number", "TTC", "status", "review")
    for item in purchases:
        reason = item.review_reasons[0]["message"] if item.review_reasons else ""
        table.add_row(
            *cells(
                item.id,
                item.issue_date,
                supplier_of(item),
                item.invoice_number,
                money(item.total_incl_tax),
                item.status.value,
                reason,
            )
        )
    show(table)


def _describe(item: Purchase) -> list[tuple[str, object]]:
    supplier = item.supplier
    who = f"{supplier.name} (#{supplier.id}, {supplier.aux_account})" if supplier else item.supplier_name
    vat = ", ".join(f"{line['rate']} % on {line['base']} = {line['amount']}" for line in item.vat_lines)
    return [
        ("supplier", who),
        ("number", item.invoice_number),
        ("type", item.document_type),
        ("issue date", item.issue_date),
        ("currency", item.currency),
        ("total HT", money(item.total_excl_tax)),
        ("VAT", money(item.total_tax)),
        ("total TTC", money(item.total_incl_tax)),
        ("amount due", money(item.amount_due)),
        ("VAT lines", vat or None),
        ("markers", ", ".join(item.markers) or None),
        ("charge account", item.charge_account),
        ("received", f"{item.channel.value} from {item.source_platform}"),
        ("read by", f"{item.method}, confidence {item.confidence:g}"),
        ("status", item.status.value + (f", locked {item.locked_at:%Y-%m-%d}" if item.locked_at else "")),
    ]


def _print_payment(payment: Payment | None) -> None:
    if payment is None:
        click.echo("Payment: none")
        return
    state = payment_state(payment, date.today()).value
    paid = f" on {payment.paid_on} by {payment.method}" if payment.paid_on else ""
    due = f"due {payment.due_date or '-'} ({payment.due_date_source})"
    click.echo(f"Payment: {money(payment.amount) or '-'} {due}, {state}{paid}")
    for warning in payment.due_date_warnings:
        click.echo(f"  ! {warning}")


def _print_entry(entry: JournalEntry | None) -> None:
    if entry is None:
        click.echo("Entry: none (written once the purchase is ready)")
        return
    state = f"validated, number {entry.number}" if entry.validated_at else "not validated"
    click.echo(f"Entry: journal {entry.journal_code} on {entry.entry_date}, piece {entry.piece_ref}, {state}")
    table = Table("account", "aux", "label", "debit", "credit")
    for line in entry.lines:
        table.add_row(
            *cells(line.account, line.aux_account, line.label, money(line.debit), money(line.credit))
        )
    debit = sum((line.debit for line in entry.lines), ZERO)
    credit = sum((line.credit for line in entry.lines), ZERO)
    table.add_row(*cells("total", "", "", money(debit), money(credit)))
    show(table)


@purchase.command("show")
@click.argument("slug")
@click.argument("purchase_id", type=int)
@friendly_errors
def purchase_show(slug: str, purchase_id: int) -> None:
    """Shows a purchase: its fields, why it is to review, its payment and its journal entry."""
    with reading() as session:
        detail = purchase_detail(session, company_id(session, slug), purchase_id)
        item, payment, entry = detail.purchase, detail.payment, detail.entry
        described = _describe(item)
        reasons = [f"{r['code']}: {r['message']}" for r in item.review_reasons]
        warnings = list(item.warnings)
    click.echo(f"Purchase {purchase_id}")
    for label, value in described:
        click.echo(f"  {label:<15} {'-' if value is None else value}")
    for title, lines in (("To review", reasons), ("Warnings", warnings)):
        if lines:
            click.echo(f"{title}:")
            for line in lines:
                click.echo(f"  - {line}")
    _print_payment(payment)
    _print_entry(entry)


@click.group()
def payment() -> None:
    """A company's supplier payments: pending, overdue and paid."""


@payment.command("list")
@click.argument("slug")
@click.option("--overdue", is_flag=True, help="Only pending payments past their due date.")
@friendly_errors
def payment_list(slug: str, overdue: bool) -> None:
    """Lists the company's payments by due date, with their state today."""
    wanted = PaymentFilters(state=PaymentState.OVERDUE if overdue else None)
    with reading() as session:
        found = find_payments(session, company_id(session, slug), wanted, date.today())
        rows = [
            (row.payment, supplier_of(row.purchase), row.purchase.invoice_number, row.state) for row in found
        ]
    if not rows:
        click.echo(f"No {'overdue ' if overdue else ''}payment for {slug}.")
        return
    table = Table("purchase", "supplier", "number", "amount", "due", "state", "paid")
    for pay, who, number, state in rows:
        paid = f"{pay.paid_on} {pay.method}" if pay.paid_on else None
        table.add_row(
            *cells(pay.purchase_id, who, number, money(pay.amount), pay.due_date, state.value, paid)
        )
    show(table)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError("payment date", text, "expected YYYY-MM-DD") from None


@payment.command("paid")
@click.argument("slug")
@click.argument("purchase_id", type=int)
@click.option("--on", "paid_on", help="Payment date, YYYY-MM-DD (default: today).")
@click.option("--method", required=True, help="How it was paid: transfer, card, cheque, direct_debit...")
@friendly_errors
def payment_paid(slug: str, purchase_id: int, paid_on: str | None, method: str) -> None:
    """Records that a purchase's payment was made."""
    day = date.today() if paid_on is None else _day(paid_on)
    with writing() as session:
        paid = mark_paid(session, company_id(session, slug), purchase_id, day, method)
        amount = money(paid.amount) or "-"
    click.echo(f"Payment of purchase {purchase_id} ({amount}) marked paid on {day} by {paid.method}.")
