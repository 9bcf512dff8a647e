"""The `collecte token` commands: create API tokens (the secret printed once), list and revoke them."""

from __future__ import annotations

import click

from admin.cli_support import friendly_errors, reading, writing
from ingest.tokens import TokenInfo, company_ids_for, create_token, list_tokens, revoke_token
from store.purchase_models import TokenRole


@click.group()
def token() -> None:
    """API tokens: for document platforms pushing over HTTP, and (later) the admin API."""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in TokenRole]),
    help="platform: a document platform (GED) pushing documents; firm_admin: every company.",
)
@click.option("--name", required=True, help="Who holds the token; for a platform, its name as recorded.")
@click.option(
    "--company",
    "slugs",
    multiple=True,
    help="A company the token may reach (repeatable); required except for firm_admin, which takes none.",
)
@friendly_errors
def token_create(role: str, name: str, slugs: tuple[str, ...]) -> None:
    """Creates a token and prints its secret, once: it is not stored and cannot be shown again."""
    with writing() as session:
        secret = create_token(
            session, name=name, role=TokenRole(role), company_ids=company_ids_for(session, slugs)
        )
    reach = ", ".join(slugs) if slugs else "every company"
    click.echo(f"Token {name!r} ({role}) created for {reach}.")
    click.echo(secret)
    click.echo("Keep this secret now: it is not stored and will not be shown again.")


def _describe(info: TokenInfo) -> str:
    companies = ",".join(info.company_slugs) or "*"
    used = f"{info.last_used_at:%Y-%m-%d %H:%M}" if info.last_used_at else "never"
    state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
    return (
        f"{info.id:>4} {info.prefix}...  {info.role.value:<19} {info.name:<20} {companies:<24} "
        f"created {info.created_at:%Y-%m-%d %H:%M}, used {used}, {state}"
    )


@token.command("list")
@friendly_errors
def token_list() -> None:
    """Lists the tokens: id, secret prefix, role, name, companies, last use (secrets are never shown)."""
    with reading() as session:
        tokens = list_tokens(session)
    if not tokens:
        click.echo("No token yet: create one with `collecte token create --role platform --name NAME ...`.")
    for info in tokens:
        click.echo(_describe(info))


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@friendly_errors
def token_revoke(token_id: int) -> None:
    """Revokes a token for good: requests with its secret are refused from now on."""
    with writing() as session:
        info = revoke_token(session, token_id)
    click.echo(f"Token {info.id} ({info.name}, {info.prefix}...) is revoked.")
