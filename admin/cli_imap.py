"""The `collecte imap` commands: add, list and remove IMAP collection accounts, and poll them."""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor

import click
import structlog

from admin.cli_support import friendly_errors, opened, reading, writing
from admin.logs import configure_logging
from admin.runtime import Storage
from ingest.accept import Acceptance, Acceptor
from ingest.directory import CompanyDirectory
from ingest.imap_accounts import (
    DEFAULT_PROCESSED,
    DEFAULT_REFUSED,
    DEFAULT_ROUTE,
    AccountStatus,
    NewAccount,
    add_account,
    list_accounts,
    remove_account,
    set_enabled,
)
from ingest.imap_errors import ImapPollError
from ingest.imap_poller import ImapPoller, PollResult
from ingest.imap_settings import ImapSettings
from ingest.settings import IngestSettings
from store.imap_models import ImapSecurity

log = structlog.get_logger(__name__)


@click.group()
def imap() -> None:
    """IMAP collection mailboxes on other mail servers, polled by collecte."""


@imap.command("add")
@click.argument("name")
@click.option("--host", required=True, help="IMAP server host name.")
@click.option("--port", type=int, help="Default: 993 with --security tls, else 143.")
@click.option(
    "--security",
    type=click.Choice([s.value for s in ImapSecurity]),
    default=ImapSecurity.TLS.value,
    show_default=True,
    help="tls: IMAPS; starttls: upgraded plain connection; plain: no encryption (trusted networks only).",
)
@click.option("--user", "username", required=True, help="Login name of the mailbox.")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False),
    help="File whose first line is the password, read at each connection (preferred).",
)
@click.option("--password", help="Stored in the database as given; prefer --password-file.")
@click.option("--folder", default="INBOX", show_default=True, help="Folder polled.")
@click.option("--processed-folder", default=DEFAULT_PROCESSED, show_default=True, help="Where accepted go.")
@click.option("--refused-folder", default=DEFAULT_REFUSED, show_default=True, help="Where refused go.")
@click.option("--company", "company_slug", help="Every message is for this company (its slug).")
@click.option(
    "--route-by",
    default=",".join(DEFAULT_ROUTE),
    show_default=True,
    help="Without --company: headers whose addresses are matched against collection addresses, in order.",
)
@click.option("--platform", "source_platform", help="Source platform recorded (default: from the sender).")
@click.option(
    "--ca-file", type=click.Path(dir_okay=False), help="PEM CA certificates to trust for this server."
)
@friendly_errors
def imap_add(
    *,
    name: str,
    host: str,
    port: int | None,
    security: str,
    username: str,
    password_file: str | None,
    password: str | None,
    folder: str,
    processed_folder: str,
    refused_folder: str,
    company_slug: str | None,
    route_by: str,
    source_platform: str | None,
    ca_file: str | None,
) -> None:
    """Adds an IMAP account that `collecte serve` (or `collecte imap poll`) polls."""
    new = NewAccount(
        name=name,
        host=host,
        username=username,
        security=ImapSecurity(security),
        port=port,
        password=password,
        password_file=password_file,
        ca_file=ca_file,
        folder=folder,
        processed_folder=processed_folder,
        refused_folder=refused_folder,
        company_slug=company_slug,
        route_headers=tuple(header.strip().lower() for header in route_by.split(",") if header.strip()),
        source_platform=source_platform,
    )
    with writing() as session:
        account = add_account(session, new)
    target = f"company {account.company_slug!r}" if account.company_slug else f"by {route_by}"
    click.echo(f"IMAP account {account.name!r} added: {account.label} ({account.security.value}).")
    click.echo(f"Messages are routed {target}; afterwards moved to {account.processed_folder}")
    click.echo(f"(accepted) or {account.refused_folder} (refused).")


def _describe(status: AccountStatus) -> str:
    account = status.config
    target = (
        f"company {account.company_slug}" if account.company_slug else "by " + ",".join(account.route_headers)
    )
    secret = f"password file {account.password_file}" if account.password_file else "stored password"
    state = "" if status.enabled else " (disabled)"
    polled = f"{status.last_polled_at:%Y-%m-%d %H:%M:%S}" if status.last_polled_at else "never"
    line = f"{account.name:<20} {account.label} {account.security.value} {target}; {secret}; polled {polled}"
    return line + state + (f"; error: {status.last_error}" if status.last_error else "")


@imap.command("list")
@friendly_errors
def imap_list() -> None:
    """Lists the IMAP accounts and how their last poll went (passwords are never shown)."""
    with reading() as session:
        statuses = list_accounts(session)
    if not statuses:
        click.echo("No IMAP account yet: add one with `collecte imap add NAME --host HOST --user USER ...`.")
    for status in statuses:
        click.echo(_describe(status))


@imap.command("remove")
@click.argument("name")
@friendly_errors
def imap_remove(name: str) -> None:
    """Removes an account and its ledger; messages already taken in stay."""
    with writing() as session:
        remove_account(session, name)
    click.echo(f"IMAP account {name!r} removed.")


@imap.command("disable")
@click.argument("name")
@friendly_errors
def imap_disable(name: str) -> None:
    """Stops polling an account (`collecte serve` notices within the poll interval)."""
    with writing() as session:
        set_enabled(session, name, False)
    click.echo(f"IMAP account {name!r} is now disabled.")


@imap.command("enable")
@click.argument("name")
@friendly_errors
def imap_enable(name: str) -> None:
    """Polls a disabled account again."""
    with writing() as session:
        set_enabled(session, name, True)
    click.echo(f"IMAP account {name!r} is now enabled.")


def _stored(acceptance: Acceptance) -> None:
    log.info("pipeline.pending", messages=acceptance.stored)


def _poller(storage: Storage, executor: ThreadPoolExecutor) -> ImapPoller:
    return ImapPoller(
        ImapSettings(),
        IngestSettings(),
        engine=storage.engine,
        acceptor=Acceptor(storage.engine, storage.blobs),
        directory=CompanyDirectory(storage.sessions),
        executor=executor,
        on_accepted=_stored,
    )


async def _poll(once: bool, names: tuple[str, ...]) -> list[PollResult]:
    with opened() as storage, ThreadPoolExecutor(4, thread_name_prefix="imap") as executor:
        poller = _poller(storage, executor)
        if once:
            return await poller.poll_once(names)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await poller.start()
        click.echo("collecte: polling the IMAP accounts; Ctrl-C to stop.", err=True)
        await stop.wait()
        await poller.stop()
        return []


@imap.command("poll")
@click.option("--once", is_flag=True, help="Poll each account once, then exit (for cron).")
@click.option("--account", "names", multiple=True, help="Only this account (repeatable).")
@click.option("--json-logs", is_flag=True, help="Log JSON lines instead of console text.")
@friendly_errors
def imap_poll(once: bool, names: tuple[str, ...], json_logs: bool) -> None:
    """Polls the IMAP accounts: once with --once, else until stopped (`collecte serve` also polls them).

    Messages are stored durably here; the document pipeline reads them when `collecte serve` or the
    workers next start (anything accepted and not yet read is sent again then).
    """
    configure_logging(json=json_logs)
    results = asyncio.run(_poll(once, names))
    for result in results:
        if result.report is not None:
            click.echo(f"{result.account}: {result.report.summary()}")
    failures = tuple(result.error for result in results if result.error is not None)
    if failures:
        raise ImapPollError(failures)
    if once and not results:
        click.echo("No IMAP account to poll.")
