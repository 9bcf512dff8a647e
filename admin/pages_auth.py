"""Signing in to the pages: an API token kept in an HttpOnly, SameSite=Strict cookie, checked on every page.

A person signs in by pasting an API token (`collecte token create`) into the `/login` form; the pages then
read it from the cookie and apply the same checks as the API (token, company scope, permissions). The cookie
is HttpOnly (no script reads it), SameSite=Strict (no other site's page or form sends it, which is what guards
the pages against cross-site request forgery: the login form and the sign-out button are the only POSTs, and
both also refuse a request whose Origin is another site), Secure when the request came over https, and lasts
as long as the browser session. After signing in, the browser goes back to `next`, a path on this site only.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

from admin.api_access import ApiState, writing
from ingest.tokens import Caller, authenticate

COOKIE = "collecte_token"
"""The cookie holding the signed-in person's API token."""
HOME = "/dashboards"
"""Where signing in leads when no page was asked for."""


def local_path(target: str | None) -> str:
    """target if it is a path on this site (`/companies/acme/dashboard?month=2026-11`), else `HOME`.

    Refused: absolute and scheme-relative URLs (`https://x`, `//x`), backslashes (browsers read `/\\x` as
    `//x`), control characters and anything not starting with a single slash: no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return HOME
    return target


def to_login(request: Request) -> RedirectResponse:
    """303 to the login form, which leads back to the page asked for (the cookie is cleared if any)."""
    asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/login?next={quote(asked, safe='/')}", status_code=303)
    if COOKIE in request.cookies:
        forget(request, response)
    return response


def signed_in(request: Request, state: ApiState) -> Caller | None:
    """The caller whose token the cookie holds; None without one, or for a token unknown or revoked."""
    secret = request.cookies.get(COOKIE)
    return None if not secret else check_token(state, secret)


def check_token(state: ApiState, secret: str) -> Caller | None:
    """The caller of a token (its use recorded now and then, as for the API), or None."""
    with writing(state) as session:
        return authenticate(session, secret.strip())


def remember(request: Request, response: RedirectResponse, secret: str) -> None:
    """Sets the cookie: HttpOnly, SameSite=Strict, Secure over https, for the browser session."""
    response.set_cookie(
        COOKIE,
        secret.strip(),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def forget(request: Request, response: RedirectResponse) -> None:
    """Clears the cookie."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from a page of another site (its Origin header)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")
