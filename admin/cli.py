"""The `collecte` command: companies, serving, database upgrades; user mistakes are one line on stderr."""

from __future__ import annotations

import asyncio
import signal
import sys

import click

from admin.cli_access import access
from admin.cli_books import books, supplier
from admin.cli_fec import fec_check
from admin.cli_imap import imap
from admin.cli_purchases import payment, purchase
from admin.cli_support import friendly_errors
from admin.cli_tokens import token
from admin.extract_cmd import extract
from admin.logs import configure_logging
from admin.runtime import Runtime, Storage
from admin.worker import run_workers
from ingest.addresses import collection_addresses
from ingest.settings import IngestSettings
from purchases.companies import add_company, list_companies, set_active
from purchases.import_log import LastImport, last_imports, recent
from purchases.settings import PipelineSettings
from store.db import migrate
from store.settings import StoreSettings


@click.group()
def main() -> None:
    """collecte: supplier invoices received by email, turned into purchases."""


@main.group()
def company() -> None:
    """Client companies and their collection addresses."""


@company.command("add")
@click.argument("name")
@click.option("--siret", required=True, help="The company's 14-digit SIRET.")
@click.option("--slug", help="Local part of the collection address (default: from the name).")
@friendly_errors
def company_add(name: str, siret: str, slug: str | None) -> None:
    """Adds a company and prints its collection addresses."""
    storage = Storage.open(StoreSettings())
    with storage.sessions.begin() as session:
        created = add_company(session, name, siret, slug)
        click.echo(f"Company {created.name} (SIRET {created.siret}) added as {created.slug!r}.")
        click.echo("Collection addresses:")
        for address in collection_addresses(created.slug, IngestSettings().mail_domains):
            click.echo(f"  {address}")


@company.command("list")
@friendly_errors
def company_list() -> None:
    """Lists companies with their slug, SIRET and state."""
    storage = Storage.open(StoreSettings())
    domain = IngestSettings().mail_domains[0]
    with storage.sessions() as session:
        companies = list_companies(session)
        if not companies:
            click.echo("No company yet: add one with `collecte company add NAME --siret SIRET`.")
        for item in companies:
            state = "active" if item.active else "inactive"
            click.echo(f"{item.slug:<24} {item.siret}  {state:<8} {item.name}  <{item.slug}@{domain}>")


def _set_active(slug: str, active: bool) -> None:
    storage = Storage.open(StoreSettings())
    with storage.sessions.begin() as session:
        changed = set_active(session, slug, active)
        click.echo(f"Company {changed.slug!r} is now {'active' if active else 'inactive'}.")


@company.command("activate")
@click.argument("slug")
@friendly_errors
def company_activate(slug: str) -> None:
    """Lets a company's addresses receive mail again."""
    _set_active(slug, True)


@company.command("deactivate")
@click.argument("slug")
@friendly_errors
def company_deactivate(slug: str) -> None:
    """Makes a company's addresses answer 550 (its history stays)."""
    _set_active(slug, False)


@main.command("log")
@click.option("--company", "slug", help="Only this company's lines.")
@click.option("--limit", default=50, show_default=True, help="How many of the newest lines.")
@click.option("--last", is_flag=True, help="Instead: the last import per company and source platform.")
@friendly_errors
def import_log(slug: str | None, limit: int, last: bool) -> None:
    """Shows the import log: messages accepted, refused (with the reason) or duplicated."""
    storage = Storage.open(StoreSettings())
    with storage.sessions() as session:
        if last:
            _show_last_imports(last_imports(session, slug))
            return
        lines = recent(session, slug, limit)
    if not lines:
        click.echo("The import log is empty.")
    for line in lines:
        stored = f"message {line.message_id}" if line.message_id else "-"
        origin = f"{line.channel}/{line.platform} from {line.sender or '<>'}"
        when = f"{line.at:%Y-%m-%d %H:%M:%S}"
        company = line.company or "-"
        click.echo(f"{when} {company:<20} {line.kind:<13} {origin} {stored} {line.detail}".rstrip())


def _show_last_imports(imports: list[LastImport]) -> None:
    if not imports:
        click.echo("Nothing was imported yet.")
    for item in imports:
        click.echo(
            f"{item.company:<20} {item.platform:<20} {item.at:%Y-%m-%d %H:%M:%S} {item.messages} message(s)"
        )


main.add_command(extract)
main.add_command(imap)
main.add_command(supplier)
main.add_command(books)
main.add_command(purchase)
main.add_command(payment)
main.add_command(token)
main.add_command(access)
main.add_command(fec_check)


@main.command()
@click.option("--processes", default=2, show_default=True, help="Worker processes.")
@click.option(
    "--threads", default=None, type=int, help="Threads per process (default COLLECTE_WORKER_THREADS)."
)
@friendly_errors
def worker(processes: int, threads: int | None) -> None:
    """Runs pipeline workers fed through Redis (COLLECTE_BROKER_URL) on any host reaching the database."""
    sys.exit(run_workers(processes, threads or PipelineSettings().worker_threads))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Brings the database schema to the newest migration."""
    storage = Storage.open(StoreSettings(), upgrade=False)
    migrate(storage.engine)
    click.echo("Database is up to date.")


async def _serve(runtime: Runtime) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await runtime.start()
    smtp = f"{runtime.ingest.smtp_host}:{runtime.smtp_port}"
    api = f"{runtime.admin.api_host}:{runtime.api_port}"
    click.echo(f"collecte: SMTP on {smtp}, HTTP API on {api}; Ctrl-C to stop.", err=True)
    await stop.wait()
    await runtime.stop()


@main.command()
@click.option("--json-logs", is_flag=True, help="Log JSON lines instead of console text.")
@friendly_errors
def serve(json_logs: bool) -> None:
    """Runs the SMTP front end and the HTTP API on the configured addresses until stopped."""
    configure_logging(json=json_logs)
    asyncio.run(_serve(Runtime()))


if __name__ == "__main__":
    sys.exit(main())
