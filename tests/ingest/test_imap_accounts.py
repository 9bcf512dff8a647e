"""IMAP accounts: validation with readable reasons, listing, removal, no secret in reprs; folder names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ingest.imap_accounts import (
    NewAccount,
    add_account,
    enabled_accounts,
    list_accounts,
    read_password_file,
    record_poll,
    remove_account,
    set_enabled,
)
from ingest.imap_client import mailbox_name, quote, uid_set
from ingest.imap_errors import ImapAccountError
from ingest.imap_ledger import ImapLedger, MessageKey
from purchases.companies import add_company
from store.db import make_engine, migrate
from store.imap_models import ImapLedgerEntry, ImapOutcome, ImapSecurity
from tests.support import SIRETS


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'collecte.db'}")
    migrate(engine)
    with Session(engine) as session, session.begin():
        add_company(session, "ACME SAS", SIRETS[0], "acme")
    yield engine
    engine.dispose()


def new(**fields: Any) -> NewAccount:
    values: dict[str, Any] = {"name": "cabinet", "host": "imap.cabinet.fr", "username": "factures"}
    values.update(fields)
    return NewAccount(**values)


def add(engine: Engine, account: NewAccount) -> None:
    with Session(engine) as session, session.begin():
        add_account(session, account)


def test_defaults_and_listing(engine: Engine, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\nignored second line\n")
    add(engine, new(password_file=str(secret), company_slug="acme"))
    add(
        engine,
        new(name="starttls", security=ImapSecurity.STARTTLS, password="pw", route_headers=("to", "cc")),
    )
    with Session(engine) as session:
        first, second = list_accounts(session)
    assert (first.config.port, first.config.folder, first.config.company_slug) == (993, "INBOX", "acme")
    assert first.config.processed_folder == "collecte-processed"
    assert first.config.refused_folder == "collecte-refused"
    assert first.config.route_headers == ("delivered-to", "x-original-to", "to")
    assert first.config.password is None
    assert first.config.secret() == "s3cret"
    assert (first.enabled, first.last_polled_at, first.last_error) == (True, None, None)
    assert (second.config.port, second.config.route_headers, second.config.secret()) == (
        143,
        ("to", "cc"),
        "pw",
    )
    assert first.config.label == "factures@imap.cabinet.fr:993/INBOX"


def test_password_never_appears_in_reprs(engine: Engine) -> None:
    add(engine, new(password="hunter2-secret"))
    assert "hunter2-secret" not in repr(new(password="hunter2-secret"))
    with Session(engine) as session:
        [status] = list_accounts(session)
    assert "hunter2-secret" not in repr(status)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Bad Name", "password": "x"}, "IMAP account 'Bad Name': name: use 1-64 lower-case"),
        ({"host": "imap cabinet.fr", "password": "x"}, "host: 'imap cabinet.fr' is not a host name"),
        ({"port": 70000, "password": "x"}, "port: 70000 is not a TCP port"),
        ({}, "password: give exactly one of --password-file PATH or --password"),
        ({"password": "x", "password_file": "/etc/hostname"}, "password: give exactly one of"),
        (
            {"password": "x", "route_headers": ("subject",)},
            "route-by: choose among delivered-to, x-original-to",
        ),
        (
            {"password": "x", "processed_folder": "inbox"},
            "folders: the polled, processed and refused folders",
        ),
        (
            {"password": "x", "folder": "bad\r\nfolder"},
            "folder: 'bad\\r\\nfolder' is not a usable folder name",
        ),
        ({"password": "x", "company_slug": "nobody"}, "company: no company with slug 'nobody'"),
        (
            {"password_file": "/nonexistent/secret"},
            "password file: /nonexistent/secret is not a readable file",
        ),
        (
            {"password": "x", "ca_file": "/nonexistent/ca.pem"},
            "CA file: /nonexistent/ca.pem is not a readable file",
        ),
    ],
)
def test_invalid_accounts_are_refused_with_a_reason(
    engine: Engine, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImapAccountError) as caught:
        add(engine, new(**fields))
    assert message in caught.value.reason


def test_name_is_unique(engine: Engine) -> None:
    add(engine, new(password="x"))
    with pytest.raises(ImapAccountError, match="name: already used by another account"):
        add(engine, new(password="y"))


def test_password_file_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(ImapAccountError, match="it is empty"):
        read_password_file("cabinet", str(empty))
    with pytest.raises(ImapAccountError, match="No such file or directory"):
        read_password_file("cabinet", str(tmp_path / "missing"))


def test_remove_deletes_the_ledger_and_poll_status_is_recorded(engine: Engine) -> None:
    add(engine, new(password="x", company_slug="acme"))
    with Session(engine) as session:
        [account] = enabled_accounts(session)
    ImapLedger(engine).record(MessageKey(account.id, "INBOX", 7, 1), "0" * 64, ImapOutcome.REFUSED, None)
    ImapLedger(engine).record(MessageKey(account.id, "INBOX", 7, 1), "0" * 64, ImapOutcome.REFUSED, None)
    with Session(engine) as session, session.begin():
        record_poll(session, account.id, "IMAP account 'cabinet': cannot connect")
    with Session(engine) as session:
        [status] = list_accounts(session)
        assert status.last_error == "IMAP account 'cabinet': cannot connect"
        assert status.last_polled_at is not None
        assert session.scalar(select(func.count()).select_from(ImapLedgerEntry)) == 1
    with Session(engine) as session, session.begin():
        remove_account(session, "cabinet")
    with Session(engine) as session:
        assert list_accounts(session) == []
        assert session.scalar(select(func.count()).select_from(ImapLedgerEntry)) == 0
    with Session(engine) as session, pytest.raises(ImapAccountError, match="no such account"):
        remove_account(session, "cabinet")


def test_enabled_accounts_by_name(engine: Engine) -> None:
    add(engine, new(password="x"))
    add(engine, new(name="other", password="x"))
    add(engine, new(name="paused", password="x"))
    with Session(engine) as session, session.begin():
        set_enabled(session, "paused", False)
        set_enabled(session, "other", True)
        with pytest.raises(ImapAccountError, match="no such account"):
            set_enabled(session, "ghost", True)
    with Session(engine) as session:
        assert [a.name for a in enabled_accounts(session)] == ["cabinet", "other"]
        assert [a.name for a in enabled_accounts(session, ("other",))] == ["other"]
        with pytest.raises(ImapAccountError, match="IMAP account 'ghost': name: no such enabled account"):
            enabled_accounts(session, ("ghost",))


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("INBOX", '"INBOX"'),
        ("Factures reçues", '"Factures re&AOc-ues"'),
        ("Traités/2026", '"Trait&AOk-s/2026"'),
        ("R&D", '"R&-D"'),
        ("日本語", '"&ZeVnLIqe-"'),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
    ],
)
def test_folder_names_in_modified_utf7(name: str, wire: str) -> None:
    assert mailbox_name(name) == wire


def test_small_wire_helpers() -> None:
    assert quote('a"b') == '"a\\"b"'
    assert uid_set([3, 7, 12]) == "3,7,12"
