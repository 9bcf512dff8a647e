"""The dashboard page in headless Chromium (Debian's, driven by Playwright) against the real server.

A person signs in through the form with an API token, opens a company's dashboard and reads it: the SVG
charts have one bar per month and per week, the totals shown equal the sums this test computes from the
purchases it booked, and the browser reports no error. Out of scope, the page is a 404 without data; without
the cookie, the login form. Checks that need no browser (redirect targets, cookie flags, Origin) use httpx.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from ingest.tokens import create_token
from store.purchase_models import TokenRole
from tests.purchases.dashboard_books import (
    Arrival,
    Made,
    arrivals,
    arrive,
    book_all,
    expected_activity,
    expected_by,
    expected_cash,
    expected_totals,
    month_of,
    scenario,
)
from tests.support import SIRETS, RunningServer, start_server

CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""The network is closed: no background connection attempts (they would only fail, slowly)."""


def fr(amount: Decimal) -> str:
    """An amount as the page should write it: `1 234,56 €` (narrow no-break spaces, no-break before €)."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,.2f}".replace(",", "\u202f").replace(".", ",") + "\u00a0€"


@dataclass(frozen=True)
class Site:
    """The running server, a token per role, and what was booked for acme around the current month."""

    server: RunningServer
    tokens: dict[TokenRole, str]
    month: date
    made: tuple[Made, ...]
    arrived: tuple[Arrival, ...]

    def url(self, path: str) -> str:
        return self.server.api_url + path

    @property
    def dashboard(self) -> str:
        return self.url(f"/companies/acme/dashboard?month={self.month:%Y-%m}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server = start_server(tmp_path_factory.mktemp("pages") / "var")
    try:
        acme = server.add_company("ACME SAS", SIRETS[0], "acme")
        other = server.add_company("Other SARL", SIRETS[1], "other")
        today = date.today()
        month = month_of(today)
        made, arrived = scenario(month, today), arrivals(month)
        with server.storage.sessions.begin() as session:
            roles = (TokenRole.FIRM_USER, TokenRole.COMPANY_USER, TokenRole.PLATFORM)
            tokens = {
                role: create_token(session, name=role.value, role=role, company_ids=(acme,)) for role in roles
            }
            booked = book_all(session, acme, made, today)
            arrive(session, acme, arrived, copy_of=booked[0].sha256)
            book_all(session, other, scenario(month, today), today)
        yield Site(server, tokens, month, made, arrived)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module: Debian's, never a downloaded one."""
    executable = shutil.which("chromium")
    assert executable is not None, "Chromium is missing: run scripts/system-deps.sh"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookie) per test."""
    opened = browser.new_context(locale="fr-FR")
    yield opened
    opened.close()


def sign_in(page: Page, token: str) -> None:
    page.fill("#token", token)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")


def signed_in_page(context: BrowserContext, site: Site, role: TokenRole, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    sign_in(page, site.tokens[role])
    return page


def texts(page: Page, selector: str) -> list[str]:
    return [str(cell.text_content()).strip() for cell in page.locator(selector).all()]


def test_without_the_cookie_the_login_form_then_back_to_the_page(context: BrowserContext, site: Site) -> None:
    page = context.new_page()
    answer = page.goto(site.dashboard)
    assert answer is not None and answer.status == 200
    assert page.url == site.url(f"/login?next={quote(f'/companies/acme/dashboard?month={site.month:%Y-%m}')}")
    assert page.locator("#token").get_attribute("type") == "password"
    assert page.locator("#totals").count() == 0
    sign_in(page, site.tokens[TokenRole.FIRM_USER])
    assert page.url == site.dashboard
    cookie = next(c for c in context.cookies() if c["name"] == "collecte_token")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (True, "Strict", False)


def test_the_dashboard_shows_the_sums_of_the_purchases(context: BrowserContext, site: Site) -> None:
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: _console(problems, message))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto(site.dashboard)
    sign_in(page, site.tokens[TokenRole.FIRM_USER])
    now, then = expected_totals(site.made, site.month), expected_totals(site.made, month_of(site.month, -12))
    row = "#totals tr[data-row='{}'] td[data-period='{}']"
    for field in ("excl_tax", "vat", "incl_tax"):
        assert texts(page, row.format(field, "current")) == [fr(getattr(now, field))], field
        assert texts(page, row.format(field, "previous")) == [fr(getattr(then, field))], field
    assert texts(page, row.format("purchases", "current")) == [str(now.purchases)]
    assert texts(page, row.format("credit_notes", "current")) == [str(now.credit_notes)]
    assert texts(page, row.format("excl_tax", "current")) == ["2\u202f075,90\u00a0€"]  # hand-checked
    by_supplier = expected_by(site.made, site.month, "supplier")
    for line in page.locator("#by-supplier tbody tr[data-key]").all():
        name = str(line.locator("td.name").text_content()).strip()
        shown = str(line.locator("td[data-field='excl_tax']").text_content()).strip()
        assert shown == fr(by_supplier[name].excl_tax if name in by_supplier else Decimal(0)), name
    activity = expected_activity(site.made, site.arrived, site.month)
    for platform, want in activity.items():
        cells = f"#imports tr[data-platform='{platform}'] td[data-field='{{}}']"
        assert texts(page, cells.format("documents")) == [str(want.counts["documents"])]
        rate = want.error_rate
        assert rate is not None
        assert texts(page, cells.format("error_rate")) == [f"{rate * 100:.1f}".replace(".", ",") + "\u00a0%"]
    assert page.locator("script").count() == 0
    assert problems == []


def _console(problems: list[str], message: ConsoleMessage) -> None:
    if message.type in ("error", "warning"):
        problems.append(f"console {message.type}: {message.text}")


def test_the_charts_have_a_bar_per_month_and_per_week(context: BrowserContext, site: Site) -> None:
    page = signed_in_page(context, site, TokenRole.FIRM_USER, site.dashboard)
    months = [month_of(site.month, -back) for back in range(11, -1, -1)]
    current = page.locator("svg#chart-months rect.bar.current")
    previous = page.locator("svg#chart-months rect.bar.previous")
    assert current.count() == previous.count() == 12
    assert [bar.get_attribute("data-value") for bar in current.all()] == [
        f"{expected_totals(site.made, month).excl_tax:.2f}" for month in months
    ]
    assert [bar.get_attribute("data-value") for bar in previous.all()] == [
        f"{expected_totals(site.made, month_of(month, -12)).excl_tax:.2f}" for month in months
    ]
    weeks = page.locator("svg#chart-weeks rect.bar.week")
    assert weeks.count() == 8
    cash = expected_cash(site.made, date.today())
    zero = Decimal("0.00")
    assert [bar.get_attribute("data-value") for bar in weeks.all()] == [
        f"{cash[f'week{n}'].amount if f'week{n}' in cash else zero:.2f}" for n in range(8)
    ]
    assert page.locator("svg#chart-weeks rect.bar.overdue").get_attribute("data-value") == (
        f"{cash['overdue'].amount:.2f}"
    )
    tallest = max(float(str(bar.get_attribute("height"))) for bar in current.all())
    assert tallest > 100  # drawn to scale, not all flat
    assert page.locator("svg#chart-months").bounding_box() is not None


def test_a_company_out_of_scope_is_a_404_page_without_data(context: BrowserContext, site: Site) -> None:
    page = signed_in_page(context, site, TokenRole.FIRM_USER, site.dashboard)
    for key in ("other", SIRETS[1], "nobody"):
        answer = page.goto(site.url(f"/companies/{key}/dashboard"))
        assert answer is not None and answer.status == 404
        assert page.locator("#error-title").text_content() == "Entreprise introuvable"
        assert page.locator("#error-reason").text_content() == f"no company {key!r}"
        assert page.locator("svg, #totals, #by-supplier").count() == 0
        assert "Other SARL" not in page.content() and "€" not in page.content()


def test_vat_only_for_profiles_that_see_the_accounting_pages(context: BrowserContext, site: Site) -> None:
    page = signed_in_page(context, site, TokenRole.COMPANY_USER, site.dashboard)
    assert page.locator("#totals tr[data-row='excl_tax']").count() == 1
    assert page.locator("#totals tr[data-row='vat'], td[data-field='vat']").count() == 0
    answer = page.goto(site.url("/companies/acme/dashboard?month=2026-13"))
    assert answer is not None and answer.status == 422
    assert page.locator("#error-title").text_content() == "Mois invalide"


def test_signing_out_and_wrong_tokens(context: BrowserContext, site: Site) -> None:
    page = context.new_page()
    page.goto(site.url("/login"))
    sign_in(page, "clt_not-a-real-token")
    assert page.locator("#login-error").text_content() == "Jeton inconnu ou révoqué."
    assert context.cookies() == []
    sign_in(page, site.tokens[TokenRole.COMPANY_USER])
    assert page.url == site.url("/dashboards")
    assert texts(page, "#companies td:first-child") == ["ACME SAS"]
    with page.expect_navigation():
        page.click("header form button")
    assert page.url == site.url("/login")
    assert context.cookies() == []
    page.goto(site.dashboard)
    assert page.url.startswith(site.url("/login?next="))


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "",
    ],
)
def test_signing_in_never_leads_off_the_site(site: Site, target: str) -> None:
    answer = httpx.post(
        site.url("/login"), data={"token": site.tokens[TokenRole.FIRM_USER], "next": target}, timeout=30
    )
    assert answer.status_code == 303
    expected = "/%0d%0aSet-Cookie:x=1" if target.startswith("/%") else "/dashboards"
    assert answer.headers["location"] == expected
    form = httpx.get(site.url("/login"), params={"next": target}, timeout=30)
    assert "evil.example" not in form.text and "javascript:" not in form.text


def test_the_cookie_is_secure_over_https_and_other_sites_cannot_post(site: Site) -> None:
    token = site.tokens[TokenRole.FIRM_USER]
    answer = httpx.post(
        site.url("/login"), data={"token": token}, headers={"X-Forwarded-Proto": "https"}, timeout=30
    )
    assert answer.status_code == 303
    flags = {part.strip().lower() for part in answer.headers["set-cookie"].split(";")}
    assert {"httponly", "samesite=strict", "secure", "path=/"} <= flags
    forged = httpx.post(
        site.url("/login"), data={"token": token}, headers={"Origin": "http://evil.example"}, timeout=30
    )
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    out = httpx.post(site.url("/logout"), headers={"Origin": "http://evil.example"}, timeout=30)
    assert out.status_code == 403


def test_a_token_without_view_gets_403_and_pages_are_locked_down(site: Site) -> None:
    cookies = {"collecte_token": site.tokens[TokenRole.PLATFORM]}
    answer = httpx.get(site.dashboard, cookies=cookies, timeout=30)
    assert answer.status_code == 403 and "€" not in answer.text
    page = httpx.get(site.dashboard, cookies={"collecte_token": site.tokens[TokenRole.FIRM_USER]}, timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["cache-control"] == "no-store"
    gone = httpx.get(site.dashboard, cookies={"collecte_token": "clt_revoked-or-unknown"}, timeout=30)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login?next=")
