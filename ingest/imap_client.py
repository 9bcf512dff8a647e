"""One IMAP connection over aioimaplib: TLS or STARTTLS, login, UID commands, IDLE; a dropped link raises."""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
from collections.abc import Awaitable, Iterable
from contextlib import suppress
from typing import Any, TypeVar

import aioimaplib

from ingest.imap_accounts import AccountConfig
from ingest.imap_errors import (
    ImapCommandError,
    ImapConnectError,
    ImapConnectionLost,
    ImapError,
    ImapLoginError,
)
from store.imap_models import ImapSecurity

T = TypeVar("T")
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_LITERAL = re.compile(rb"\{(\d+)\}$")
CLOSE_WAIT = 2.0
"""Seconds given to the server to close the connection (TLS close_notify) before it is cut."""


def quote(text: str) -> str:
    """An IMAP quoted string (RFC 3501 section 9)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_name(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 section 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return quote("".join(out))


def uid_set(uids: Iterable[int]) -> str:
    """A UID set for a command: 3,7,12."""
    return ",".join(str(uid) for uid in uids)


async def _cancel(tasks: list[asyncio.Future[Any]]) -> None:
    """Cancels the tasks still running, waits briefly for them, and consumes their exceptions."""
    for task in tasks:
        if not task.done():
            task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=CLOSE_WAIT)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()


def _answer(response: Any) -> str:
    lines = [line for line in response.lines if isinstance(line, bytes)]
    return lines[-1].decode("utf-8", "replace").strip() if lines else response.result


class ImapConnection:
    """A connection to one account's server; each method raises an ImapError subclass on failure."""

    def __init__(self, account: AccountConfig, timeout: float) -> None:
        self.account = account
        self.timeout = timeout
        self._lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._client: Any = None
        self.exists_seen = False  # set when the server announces EXISTS: cleared before a pass, checked after

    def _watch_exists(self) -> None:
        """Notes untagged EXISTS, which aioimaplib drops outside IDLE: a message delivered while a command
        ran is announced only at that command's end, and would otherwise wait for the next IDLE timeout."""
        protocol = self._client.protocol
        untagged = protocol._untagged_response

        def noting(line: bytes) -> Any:
            if line.endswith(b" EXISTS"):
                self.exists_seen = True
            return untagged(line)

        protocol._untagged_response = noting

    def _on_lost(self, _exc: Exception | None) -> None:
        if not self._lost.done():
            self._lost.set_result(None)

    @property
    def capabilities(self) -> frozenset[str]:
        """What the server announced after login, upper case."""
        return frozenset(c.upper() for c in self._client.protocol.capabilities)

    @property
    def supports_idle(self) -> bool:
        """True when the server announced IDLE."""
        return "IDLE" in self.capabilities

    async def _call(self, what: str, awaitable: Awaitable[T], *, patient: bool = False) -> T:
        """Awaits one command: ImapConnectionLost as soon as the connection drops or the server is silent.

        Commands time out after `timeout` seconds, except patient ones (FETCH), which aioimaplib times out
        only when no data arrived for that long.
        """
        task = asyncio.ensure_future(awaitable if patient else asyncio.wait_for(awaitable, self.timeout))
        try:
            waiting: set[asyncio.Future[Any]] = {task, self._lost}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await _cancel([task])
        if task.cancelled():
            raise ImapConnectionLost(self.account.name, what, "the server closed the connection")
        try:
            return task.result()
        except (TimeoutError, aioimaplib.CommandTimeout):
            cause = f"no answer within {self.timeout:g} s"
            raise ImapConnectionLost(self.account.name, what, cause) from None
        except (aioimaplib.Error, ValueError) as exc:
            raise ImapCommandError(self.account.name, what, str(exc)) from None
        except OSError as exc:
            raise ImapConnectionLost(self.account.name, what, str(exc)) from None

    async def _ok(self, what: str, awaitable: Awaitable[Any], *, patient: bool = False) -> Any:
        response = await self._call(what, awaitable, patient=patient)
        if response.result != "OK":
            raise ImapCommandError(self.account.name, what, _answer(response))
        return response

    async def open(self, password: str) -> None:
        """Connects (TLS, STARTTLS or plain), logs in and reads the capabilities."""
        account = self.account
        context = None
        if account.security is not ImapSecurity.PLAIN:
            context = ssl.create_default_context(cafile=account.ca_file)
        self._client = aioimaplib.IMAP4(
            host=account.host,
            port=account.port,
            timeout=self.timeout,
            conn_lost_cb=self._on_lost,
            ssl_context=context if account.security is ImapSecurity.TLS else None,
        )
        self._watch_exists()
        try:
            await self._client.wait_hello_from_server()
        except (OSError, TimeoutError, aioimaplib.Error) as exc:
            cause = str(exc) or exc.__class__.__name__
            raise ImapConnectError(account.name, account.host, account.port, cause) from None
        if context is not None and account.security is ImapSecurity.STARTTLS:
            await self._starttls(context)
        response = await self._call("LOGIN", self._client.login(quote(account.username), password))
        if response.result != "OK":
            raise ImapLoginError(account.name, account.username, account.host, _answer(response))
        protocol = self._client.protocol
        await self._call("CAPABILITY", protocol.capability())

    async def _starttls(self, context: ssl.SSLContext) -> None:
        account = self.account
        protocol = self._client.protocol
        if "STARTTLS" not in self.capabilities:
            raise ImapConnectError(account.name, account.host, account.port, "the server offers no STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        await self._ok("STARTTLS", protocol.execute(command))
        loop = asyncio.get_running_loop()
        upgrade = loop.start_tls(protocol.transport, protocol, context, server_hostname=account.host)
        try:
            protocol.transport = await asyncio.wait_for(upgrade, self.timeout)
        except (OSError, TimeoutError) as exc:
            cause = f"TLS handshake failed: {exc or exc.__class__.__name__}"
            raise ImapConnectError(account.name, account.host, account.port, cause) from None
        await self._call("CAPABILITY", protocol.capability())

    async def select(self, folder: str) -> int:
        """Selects folder and returns its UIDVALIDITY."""
        response = await self._ok(f"SELECT {folder}", self._client.select(mailbox_name(folder)))
        for line in response.lines:
            if isinstance(line, bytes) and (found := _UIDVALIDITY.search(line)):
                return int(found.group(1))
        raise ImapCommandError(self.account.name, f"SELECT {folder}", "the server gave no UIDVALIDITY")

    async def uids(self) -> list[int]:
        """UIDs of the messages in the selected folder not marked deleted, ascending."""
        response = await self._ok("UID SEARCH", self._client.uid_search("UNDELETED", charset=None))
        found: list[int] = []
        for line in response.lines[:-1]:  # aioimaplib strips "* SEARCH"; the last line is the completion
            if isinstance(line, bytes):
                found += [int(word) for word in line.removeprefix(b"SEARCH").split() if word.isdigit()]
        return sorted(found)

    async def sizes(self, uids: list[int]) -> dict[int, int]:
        """RFC822.SIZE of each message, by UID (messages gone meanwhile are missing)."""
        fetching = self._client.uid("fetch", uid_set(uids), "(RFC822.SIZE)")
        response = await self._ok("UID FETCH RFC822.SIZE", fetching, patient=True)
        sizes: dict[int, int] = {}
        for line in response.lines:
            if isinstance(line, bytes) and (uid := _UID.search(line)) and (size := _SIZE.search(line)):
                sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    async def fetch(self, uid: int, *, header_only: bool = False) -> bytes | None:
        """The message's bytes (its header only when asked), without setting \\Seen; None if it is gone."""
        part = "BODY.PEEK[HEADER]" if header_only else "BODY.PEEK[]"
        fetching = self._client.uid("fetch", str(uid), f"(UID {part})")
        response = await self._ok(f"UID FETCH {uid}", fetching, patient=True)
        lines = response.lines
        for index, line in enumerate(lines[:-1]):
            if not isinstance(line, bytes) or not (size := _LITERAL.search(line)):
                continue
            data, after = lines[index + 1], lines[index + 2] if index + 2 < len(lines) else b""
            named = _UID.search(line) or (_UID.search(after) if isinstance(after, bytes) else None)
            if named and int(named.group(1)) == uid and isinstance(data, bytearray):
                if len(data) != int(size.group(1)):
                    raise ImapConnectionLost(self.account.name, f"UID FETCH {uid}", "message cut short")
                return bytes(data)
        return None

    async def add_flags(self, uid: int, flags: str) -> None:
        """Adds flags such as \\Seen to one message."""
        await self._ok(f"UID STORE {uid}", self._client.uid("store", str(uid), "+FLAGS.SILENT", f"({flags})"))

    async def create(self, folder: str) -> None:
        """Creates folder unless it exists."""
        response = await self._call(f"CREATE {folder}", self._client.create(mailbox_name(folder)))
        if response.result != "OK" and b"ALREADYEXISTS" not in b" ".join(response.lines):
            raise ImapCommandError(self.account.name, f"CREATE {folder}", _answer(response))

    async def move(self, uid: int, folder: str) -> None:
        """Moves one message to folder (created if missing): MOVE, else COPY then \\Deleted and EXPUNGE."""
        has_move = "MOVE" in self.capabilities
        verb = "move" if has_move else "copy"
        what = f"UID {verb.upper()} {uid} {folder}"
        response = await self._call(what, self._client.uid(verb, str(uid), mailbox_name(folder)))
        if response.result != "OK" and b"TRYCREATE" in b" ".join(response.lines):
            await self.create(folder)
            response = await self._call(what, self._client.uid(verb, str(uid), mailbox_name(folder)))
        if response.result != "OK":
            raise ImapCommandError(self.account.name, what, _answer(response))
        if has_move:
            return
        await self.add_flags(uid, "\\Deleted")
        if "UIDPLUS" in self.capabilities:
            await self._ok(f"UID EXPUNGE {uid}", self._client.uid("expunge", str(uid)))
        else:
            await self._ok("EXPUNGE", self._client.expunge())

    async def idle(self, seconds: float, stop: asyncio.Event) -> bool:
        """Waits in IDLE up to seconds, or until stop is set; True when the server announced new messages."""
        client = self._client
        idle_task = await self._call("IDLE", client.idle_start(timeout=seconds))
        stopping = asyncio.ensure_future(stop.wait())
        changed = False
        try:
            while not changed:
                push = asyncio.ensure_future(client.wait_server_push(timeout=seconds))
                waiting = {push, stopping, self._lost}
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if push not in done:
                    push.cancel()
                    break
                lines = push.result() if push.exception() is None else aioimaplib.STOP_WAIT_SERVER_PUSH
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
                changed = any(isinstance(line, bytes) and line.endswith(b"EXISTS") for line in lines)
        finally:
            stopping.cancel()
        if self._lost.done():
            raise ImapConnectionLost(self.account.name, "IDLE", "the server closed the connection")
        client.idle_done()
        await self._call("DONE", idle_task)
        return changed

    async def logout(self) -> None:
        """Says goodbye to the server if the connection is still up (errors ignored)."""
        if self._client is not None and not self._lost.done():
            with suppress(ImapError):
                await self._call("LOGOUT", self._client.logout())

    async def close(self) -> None:
        """Closes the connection and cancels aioimaplib's helper tasks; safe to call more than once."""
        client, self._client = self._client, None
        if client is None:
            return
        await _cancel([*client.tasks, *client.protocol.tasks, client._client_task])
        transport = client.protocol.transport
        if transport is None:
            return
        transport.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._lost), CLOSE_WAIT)
        except TimeoutError:
            transport.abort()
            await asyncio.sleep(0)
