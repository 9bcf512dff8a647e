"""SMTP front end: checks recipients, runs the gate and durable acceptance off the event loop, replies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import structlog

from ingest.accept import Acceptance, Acceptor
from ingest.addresses import recipient_slug, source_platform
from ingest.delivery import Delivery
from ingest.directory import CompanyDirectory
from ingest.errors import AcceptError
from ingest.settings import IngestSettings
from ingest.smtp_protocol import FastDataSMTP
from parsers.gate import GatePolicy, judge
from store.models import Channel

log = structlog.get_logger(__name__)
T = TypeVar("T")

RETRY_LATER = "451 4.3.0 Temporary local problem, message not stored: please retry later."
"""Reply when the message could not be stored durably; the sender's server keeps it and retries."""


def _company_ids(envelope: Any) -> list[int]:
    ids: list[int] | None = getattr(envelope, "collecte_company_ids", None)
    if ids is None:
        ids = []
        envelope.collecte_company_ids = ids
    return ids


def _peer(session: Any) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)


class CollecteHandler:
    """aiosmtpd handler: RCPT against active companies, DATA through the gate into durable storage."""

    def __init__(
        self,
        settings: IngestSettings,
        directory: CompanyDirectory,
        acceptor: Acceptor,
        executor: Executor,
        on_accepted: Callable[[Acceptance], None],
    ) -> None:
        self.settings = settings
        self.directory = directory
        self.acceptor = acceptor
        self.executor = executor
        self.on_accepted = on_accepted
        self.policy = GatePolicy(max_document_size=settings.max_document_size)

    async def _blocking(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(function, *args))

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """Advertises ENHANCEDSTATUSCODES besides aiosmtpd's own extensions."""
        session.host_name = hostname
        return [*responses[:-1], "250-ENHANCEDSTATUSCODES", responses[-1]]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Accepts slug[+tag]@domain of an active company; anything else is 550 5.1.1 naming the address."""
        slug = recipient_slug(address, self.settings.mail_domains)
        if slug is None:
            return f"550 5.1.1 <{address}>: no such collection address here"
        if len(envelope.rcpt_tos) >= self.settings.max_recipients:
            return f"452 4.5.3 Too many recipients (at most {self.settings.max_recipients} per message)"
        try:
            company_id = await self._blocking(self.directory.active_company_id, slug)
        except Exception:
            log.exception("smtp.rcpt_lookup_failed", address=address)
            return "451 4.3.0 Temporary local problem checking the recipient: please retry later."
        if company_id is None:
            return f"550 5.1.1 <{address}>: no active company uses this collection address"
        envelope.rcpt_tos.append(address)
        companies = _company_ids(envelope)
        if company_id not in companies:
            companies.append(company_id)
        return "250 2.1.5 Recipient ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Gate, then durable acceptance; 250 with our message id only once the message is on disk."""
        delivery = Delivery(
            raw=envelope.original_content,
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            company_ids=tuple(_company_ids(envelope)),
            peer=_peer(session),
            helo=session.host_name or "",
            channel=Channel.SMTP,
            source_platform=source_platform(envelope.mail_from or "", self.settings.platform_domains),
            received_at=datetime.now(UTC),
        )
        try:
            return await self._receive(delivery)
        except Exception:
            log.exception("smtp.data_failed", sender=delivery.mail_from, size=len(delivery.raw))
            return RETRY_LATER

    async def _receive(self, delivery: Delivery) -> str:
        verdict = await self._blocking(judge, delivery.raw, self.policy)
        if verdict.refusal is not None:
            log.info("smtp.refused", sender=delivery.mail_from, code=verdict.refusal.code.value)
            try:
                await self._blocking(self.acceptor.record_refusal, delivery, verdict, verdict.refusal)
            except Exception:
                log.exception("smtp.refusal_not_logged", sender=delivery.mail_from)
            return verdict.refusal.reply()
        try:
            acceptance = await self._blocking(self.acceptor.accept, delivery, verdict)
        except AcceptError as exc:
            log.error("smtp.not_stored", sender=delivery.mail_from, reason=exc.reason)
            return RETRY_LATER
        log.info(
            "smtp.accepted", sha256=acceptance.sha256, stored=acceptance.stored, dup=acceptance.duplicates
        )
        try:
            await self._blocking(self.on_accepted, acceptance)
        except Exception:
            log.exception("smtp.hand_off_failed", messages=acceptance.stored)
        return _accepted_reply(acceptance)


def _accepted_reply(acceptance: Acceptance) -> str:
    ids = ",".join(str(i) for i in acceptance.message_ids)
    noun = "message" if len(acceptance.message_ids) == 1 else "messages"
    if acceptance.stored:
        return f"250 2.0.0 Ok: stored as {noun} {ids}"
    return f"250 2.0.0 Ok: already stored as {noun} {ids}"


class SmtpListener:
    """The listening socket and the sessions it opened, so that stopping closes both."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.sessions: set[FastDataSMTP] = set()

    @property
    def port(self) -> int:
        """The port listened on."""
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stops accepting connections, then closes the open sessions."""
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.close()
        await asyncio.sleep(0)


async def start_smtp_server(settings: IngestSettings, handler: CollecteHandler) -> SmtpListener:
    """Listens on settings.smtp_host:smtp_port (0 = a free port) with one FastDataSMTP per connection."""
    loop = asyncio.get_running_loop()
    listener = SmtpListener()

    def protocol() -> FastDataSMTP:
        return FastDataSMTP(
            listener.sessions,
            handler,
            data_size_limit=settings.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=settings.smtp_hostname,
            ident="collecte ESMTP",
            timeout=settings.smtp_timeout,
            loop=loop,
        )

    listener.server = await loop.create_server(
        protocol, host=settings.smtp_host, port=settings.smtp_port, reuse_address=True
    )
    return listener
