"""Errors of the IMAP poller: accounts misconfigured, servers unreachable, logins refused, commands failed."""

from __future__ import annotations

from core.errors import CollecteError


class ImapError(CollecteError):
    """Something went wrong with one IMAP account; `account` names it."""

    def __init__(self, account: str, reason: str) -> None:
        super().__init__(f"IMAP account {account!r}: {reason}")
        self.account = account


class ImapAccountError(ImapError):
    """An account's settings are invalid or unusable (bad option, unreadable password file)."""

    def __init__(self, account: str, what: str, why: str) -> None:
        super().__init__(account, f"{what}: {why}")
        self.what = what
        self.why = why


class ImapConnectError(ImapError):
    """The server could not be reached or the TLS handshake failed; retried with backoff."""

    def __init__(self, account: str, host: str, port: int, cause: str) -> None:
        super().__init__(account, f"cannot connect to {host}:{port}: {cause}")
        self.host = host
        self.port = port
        self.cause = cause


class ImapLoginError(ImapError):
    """The server refused the user name or password."""

    def __init__(self, account: str, username: str, host: str, answer: str) -> None:
        super().__init__(account, f"login refused by {host} for user {username!r}: {answer}")
        self.username = username
        self.host = host
        self.answer = answer


class ImapCommandError(ImapError):
    """The server answered NO or BAD (or something unreadable) to a command."""

    def __init__(self, account: str, command: str, answer: str) -> None:
        super().__init__(account, f"{command} failed: {answer}")
        self.command = command
        self.answer = answer


class ImapConnectionLost(ImapError):
    """The connection dropped or the server stopped answering; nothing is lost, the poller reconnects."""

    def __init__(self, account: str, during: str, cause: str) -> None:
        super().__init__(account, f"connection lost during {during}: {cause}")
        self.during = during
        self.cause = cause


class ImapPollError(CollecteError):
    """One or more accounts could not be polled; `failures` holds each account's error."""

    def __init__(self, failures: tuple[ImapError, ...]) -> None:
        super().__init__("; ".join(failure.reason for failure in failures))
        self.failures = failures
