"""SQLAlchemy models of the IMAP poller: the collection mailboxes to poll and the ledger of messages taken."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, enum_column, utcnow


class ImapSecurity(enum.StrEnum):
    """How the connection to the IMAP server is protected."""

    TLS = "tls"
    STARTTLS = "starttls"
    PLAIN = "plain"


class ImapOutcome(enum.StrEnum):
    """What became of one message taken from a mailbox."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    UNROUTED = "unrouted"


class ImapAccount(Base):
    """A mailbox on another mail server that collecte polls, with where its messages go afterwards."""

    __tablename__ = "imap_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[ImapSecurity] = mapped_column(enum_column(ImapSecurity))
    username: Mapped[str] = mapped_column(String(320))
    password: Mapped[str | None] = mapped_column(Text)
    password_file: Mapped[str | None] = mapped_column(String(1024))
    ca_file: Mapped[str | None] = mapped_column(String(1024))
    folder: Mapped[str] = mapped_column(String(255))
    processed_folder: Mapped[str] = mapped_column(String(255))
    refused_folder: Mapped[str] = mapped_column(String(255))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    route_headers: Mapped[list[str]] = mapped_column(JSON)
    source_platform: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)


class ImapLedgerEntry(Base):
    """One message taken from a mailbox, by (account, folder, UIDVALIDITY, UID): never fetched twice."""

    __tablename__ = "imap_ledger"
    __table_args__ = (
        UniqueConstraint("account_id", "folder", "uidvalidity", "uid", name="uq_imap_ledger_message"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("imap_accounts.id"), index=True)
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[ImapOutcome] = mapped_column(enum_column(ImapOutcome))
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("raw_messages.id"))
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
