"""One fetched IMAP message through recipient routing, the gate and acceptance (as SMTP), then the ledger."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr

from sqlalchemy import Engine, insert

from ingest.accept import Acceptance, Acceptor
from ingest.addresses import recipient_slug, source_platform
from ingest.delivery import Delivery
from ingest.directory import CompanyDirectory
from ingest.imap_accounts import AccountConfig
from ingest.imap_ledger import ImapLedger, MessageKey
from ingest.settings import IngestSettings
from parsers.gate import GatePolicy, GateVerdict, Refusal, RefusalCode, judge
from store.db import write_gate
from store.imap_models import ImapOutcome
from store.models import Channel, ImportEvent, ImportEventKind

_HEADERS = BytesHeaderParser(policy=policy.compat32)
HEADER_SCAN = 65536
MIB = 1024 * 1024
UNROUTED = "unrouted"
"""reason_code of the import-log line written for a message that names no active company."""


@dataclass(frozen=True)
class Fetched:
    """A message as taken from a mailbox: its bytes (the header only when over the size limit) and origin."""

    account: AccountConfig
    uidvalidity: int
    uid: int
    raw: bytes
    size: int
    header_only: bool = False

    @property
    def key(self) -> MessageKey:
        """The message's ledger key."""
        return MessageKey(self.account.id, self.account.folder, self.uidvalidity, self.uid)


@dataclass(frozen=True)
class Route:
    """The active companies a message is for, and the addresses that named them."""

    company_ids: tuple[int, ...]
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Taken:
    """What intake did with a message: its outcome, and the acceptance when it was stored."""

    outcome: ImapOutcome
    sha256: str
    acceptance: Acceptance | None = None
    reason: str | None = None


def _headers(raw: bytes) -> Message:
    end = raw.find(b"\r\n\r\n", 0, HEADER_SCAN)
    return _HEADERS.parsebytes(raw[: end if end >= 0 else HEADER_SCAN])


def header_addresses(headers: Message, name: str) -> tuple[str, ...]:
    """The e-mail addresses in every header of that name."""
    values = [str(value) for value in headers.get_all(name, [])]
    return tuple(address for _, address in getaddresses(values) if "@" in address)


def sender_of(headers: Message) -> str:
    """The envelope sender as the mail server recorded it (Return-Path), else the From address."""
    return_path = headers.get("Return-Path")
    if return_path is not None:
        return parseaddr(str(return_path))[1][:320]
    return parseaddr(str(headers.get("From", "")))[1][:320]


def too_big(size: int, limit: int) -> GateVerdict:
    """The refusal of a message over the size limit, worded as SMTP's 552 reply (not fetched whole)."""
    mb, limit_mb = size / MIB, limit // MIB
    lines = (
        f"Message too big ({mb:.1f} MB): the limit is {limit_mb} MB per message; "
        "send fewer or smaller documents.",
        f"Message trop volumineux ({mb:.1f} Mo) : la limite est de {limit_mb} Mo par message ; "
        "envoyez moins de documents ou des fichiers plus legers.",
    )
    return GateVerdict((), Refusal(RefusalCode.TOO_LARGE, 552, "5.3.4", lines))


class ImapIntake:
    """Routes, judges and stores fetched messages, then notes them in the ledger; `take` blocks."""

    def __init__(
        self,
        ingest: IngestSettings,
        engine: Engine,
        directory: CompanyDirectory,
        acceptor: Acceptor,
        ledger: ImapLedger,
    ) -> None:
        self.ingest = ingest
        self.policy = GatePolicy(max_document_size=ingest.max_document_size)
        self._engine = engine
        self._directory = directory
        self._acceptor = acceptor
        self._ledger = ledger

    def route(self, account: AccountConfig, headers: Message) -> Route:
        """The account's company, or the companies named by the first routing header that names any."""
        groups = [header_addresses(headers, name) for name in account.route_headers]
        if account.company_slug is not None:
            company = self._directory.active_company_id(account.company_slug)
            recipients = next((found for found in groups if found), (account.username,))
            return Route((company,) if company is not None else (), recipients)
        for found in groups:
            companies: list[int] = []
            recipients = ()
            for address in found[: self.ingest.max_recipients]:
                slug = recipient_slug(address, self.ingest.mail_domains)
                company = self._directory.active_company_id(slug) if slug else None
                if company is not None:
                    recipients += (address,)
                    companies += [] if company in companies else [company]
            if companies:
                return Route(tuple(companies), recipients)
        return Route((), tuple(address for found in groups for address in found))

    def take(self, message: Fetched) -> Taken:
        """Takes one message in exactly as SMTP would, then records it in the ledger (not yet settled)."""
        headers = _headers(message.raw)
        route = self.route(message.account, headers)
        delivery = self._delivery(message, headers, route)
        if not route.company_ids:
            taken = self._unrouted(message, delivery)
        else:
            verdict = (
                too_big(message.size, self.ingest.max_message_size)
                if message.header_only
                else judge(message.raw, self.policy)
            )
            if verdict.refusal is not None:
                self._acceptor.record_refusal(delivery, verdict, verdict.refusal)
                sha256 = hashlib.sha256(message.raw).hexdigest()
                taken = Taken(ImapOutcome.REFUSED, sha256, reason=verdict.refusal.reason)
            else:
                acceptance = self._acceptor.accept(delivery, verdict)
                outcome = ImapOutcome.ACCEPTED if acceptance.stored else ImapOutcome.DUPLICATE
                taken = Taken(outcome, acceptance.sha256, acceptance)
        first_id = taken.acceptance.message_ids[0] if taken.acceptance else None
        self._ledger.record(message.key, taken.sha256, taken.outcome, first_id)
        return taken

    def _delivery(self, message: Fetched, headers: Message, route: Route) -> Delivery:
        account = message.account
        sender = sender_of(headers)
        return Delivery(
            raw=message.raw,
            mail_from=sender,
            rcpt_tos=route.recipients,
            company_ids=route.company_ids,
            peer=f"{account.host}:{account.port}"[:100],
            helo=f"imap {account.name} {account.folder} {message.uidvalidity}:{message.uid}"[:255],
            channel=Channel.IMAP,
            source_platform=account.source_platform or source_platform(sender, self.ingest.platform_domains),
            received_at=datetime.now(UTC),
        )

    def _unrouted(self, message: Fetched, delivery: Delivery) -> Taken:
        """Logs (without a company) a message that names no active company; it stays in its folder."""
        account = message.account
        if account.company_slug is not None:
            why = f"Company {account.company_slug!r} is not active"
        else:
            names = ", ".join(delivery.rcpt_tos) or "no address"
            why = f"No {', '.join(account.route_headers)} address names an active company ({names})"
        reason = f"{why}: left flagged in {account.folder} of IMAP account {account.name!r}."
        row = {
            "company_id": None,
            "kind": ImportEventKind.REFUSED,
            "channel": Channel.IMAP,
            "source_platform": delivery.source_platform,
            "sender": delivery.mail_from,
            "recipients": list(delivery.rcpt_tos),
            "peer": delivery.peer,
            "reason_code": UNROUTED,
            "reason": reason,
            "size": message.size,
        }
        with write_gate(self._engine), self._engine.begin() as connection:
            connection.execute(insert(ImportEvent), row)
        return Taken(ImapOutcome.UNROUTED, hashlib.sha256(message.raw).hexdigest(), reason=reason)
