"""Errors at the edges where documents arrive (mail, HTTP) and of the API tokens that guard HTTP."""

from __future__ import annotations

from core.errors import CollecteError


class AcceptError(CollecteError):
    """A message could not be stored durably: the sender must retry (SMTP 451)."""

    def __init__(self, sha256: str, cause: str) -> None:
        super().__init__(f"message {sha256[:12]} not stored: {cause}")
        self.sha256 = sha256
        self.cause = cause


class TokenError(CollecteError):
    """An API token cannot be created or changed as asked; `what` names the faulty input."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")
        self.what = what
        self.why = why


class ApiError(CollecteError):
    """An HTTP request is refused: status, error code and reason for the client, plus optional details."""

    def __init__(
        self,
        status: int,
        code: str,
        reason: str,
        *,
        details: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.details = dict(details or {})
        self.headers = dict(headers or {})
