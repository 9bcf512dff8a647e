"""The admin API's access layer over real sockets: every /api/v1 endpoint as every role, in and out of scope.

To add an endpoint, add its row to `ENDPOINTS`: the matrix then calls it as each role on a company in scope,
out of scope and unknown (by slug and by SIRET), and without a valid token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.tokens import create_token
from store.purchase_models import TokenRole
from tests.admin.api_matrix import (
    API,
    IN_SCOPE,
    NOT_FOUND,
    OUT_OF_SCOPE,
    ROLES,
    UNAUTHORIZED,
    UNKNOWN,
    Endpoint,
    World,
    assert_refused,
    bearer,
    build_world,
    check_call,
    json_body,
    push_body,
    query,
    route_template,
)
from tests.support import SIRETS, start_server

DEFAULT_TABLE = {
    "firm_user": {"exports": True, "accounting": True},
    "company_admin": {"exports": False, "accounting": False},
    "company_user": {"exports": False, "accounting": False},
}
UNKNOWN_SIRET = "99999999999999"
EXPORTED_PERIOD = {"from": "2025-06-01", "to": "2025-06-30"}
"""The world's validated and exported period (api_matrix.EXPORTED): validating it again changes nothing."""

# One row per endpoint: method, path under /api/v1, the permission it needs, and the status of each role on
# a company its token reaches (out of scope: 404, except for firm_admin, which reaches every company).
# fmt: off
ENDPOINTS = (
    # statuses of: firm_admin, firm_user, company_admin, company_user, platform, accounting_software
    Endpoint("GET", "/me",                                 None,              (200, 200, 200, 200, 200, 200)),
    Endpoint("GET", "/companies",                          None,              (200, 200, 200, 200, 200, 200)),
    Endpoint("GET", "/companies/{company}",                "view",            (200, 200, 200, 200, 403, 403)),
    Endpoint("GET", "/companies/{company}/access",         "manage",          (200, 403, 403, 403, 403, 403)),
    Endpoint("PUT", "/companies/{company}/access",         "manage",          (200, 403, 403, 403, 403, 403),
             json_body(DEFAULT_TABLE)),
    Endpoint("POST", "/companies/{company}/documents",     "push",            (202, 403, 403, 403, 202, 403),
             push_body),
    Endpoint("GET", "/companies/{company}/documents",      "document_status", (200, 200, 200, 200, 200, 403)),
    Endpoint("GET", "/companies/{company}/documents/{id}", "document_status", (200, 200, 200, 200, 200, 403)),
    # import log and supervision (admin/api_imports.py)
    Endpoint("GET", "/companies/{company}/messages",       "view",            (200, 200, 200, 200, 403, 403)),
    Endpoint("GET", "/companies/{company}/messages/{message}", "view",        (200, 200, 200, 200, 403, 403)),
    Endpoint("GET", "/companies/{company}/messages/{message}/raw", "view",    (200, 200, 200, 200, 403, 403)),
    # the pushed message was unpacked: there is nothing to retry (409), however often it is asked
    Endpoint("POST", "/companies/{company}/messages/{message}/retry", "edit", (409, 409, 409, 403, 403, 403)),
    Endpoint("GET", "/companies/{company}/import-log",     "view",            (200, 200, 200, 200, 403, 403)),
    Endpoint("GET", "/companies/{company}/errors",         "view",            (200, 200, 200, 200, 403, 403)),
    Endpoint("GET", "/companies/{company}/documents/{document}/file", "view", (200, 200, 200, 200, 403, 404)),
    Endpoint("GET", "/companies/{company}/documents/{validated_document}/file", "view",
             (200, 200, 200, 200, 403, 200)),
    # the broken pushed document failed before the matrix runs (`build_world` waits): a retry answers 202,
    # whether it finds it failed again (sent again) or still under the previous retry (nothing sent)
    Endpoint("POST", "/companies/{company}/documents/{document}/retry", "edit",
             (202, 202, 202, 403, 403, 403)),
    Endpoint("GET", "/supervision",                        None,              (200, 200, 200, 200, 200, 200)),
    Endpoint("GET", "/companies/{company}/supervision",    "view",            (200, 200, 200, 200, 403, 403)),
    # purchases and payments (admin/api_purchases.py)
    Endpoint("GET", "/companies/{company}/purchases",      "view",            (200, 200, 200, 200, 403, 403)),
    Endpoint("GET", "/companies/{company}/purchases/{purchase}", "view",      (200, 200, 200, 200, 403, 404)),
    Endpoint("GET", "/companies/{company}/purchases/{validated_purchase}", "view",
             (200, 200, 200, 200, 403, 200)),
    # the charge account set is the one {purchase} has: the same answer however often it is sent
    Endpoint("PATCH", "/companies/{company}/purchases/{purchase}", "edit",    (200, 200, 200, 403, 403, 403),
             json_body({"charge_account": "604000"})),
    Endpoint("GET", "/companies/{company}/payments",       "view",            (200, 200, 200, 200, 403, 403)),
    # marking {payment} paid again on the same day by the same method changes nothing and answers 200
    Endpoint("POST", "/companies/{company}/payments/{payment}/paid", "edit",  (200, 200, 200, 403, 403, 403),
             json_body({"paid_on": "2026-11-20", "method": "transfer"})),
    Endpoint("GET", "/companies/{company}/suppliers",      "view",            (200, 200, 200, 200, 403, 403)),
    # exports, FEC and the entries pull (admin/api_exports.py)
    Endpoint("GET", "/companies/{company}/journals",       "exports",         (200, 200, 403, 403, 403, 403),
             query(**EXPORTED_PERIOD)),
    Endpoint("GET", "/companies/{company}/entries/preview", "exports",        (200, 200, 403, 403, 403, 403),
             query(**EXPORTED_PERIOD)),
    Endpoint("POST", "/companies/{company}/periods/validate", "exports",      (200, 200, 403, 403, 403, 403),
             json_body(EXPORTED_PERIOD)),
    Endpoint("POST", "/companies/{company}/exports",       "exports",         (201, 201, 403, 403, 403, 403),
             json_body({**EXPORTED_PERIOD, "format": "fec"})),
    Endpoint("GET", "/companies/{company}/exports",        "exports",         (200, 200, 403, 403, 403, 403)),
    Endpoint("GET", "/companies/{company}/exports/{export}", "exports",       (200, 200, 403, 403, 403, 403)),
    Endpoint("GET", "/companies/{company}/exports/{export}/file", "exports",  (200, 200, 403, 403, 403, 403)),
    Endpoint("GET", "/companies/{company}/entries",        "pull_entries",    (200, 403, 403, 403, 403, 200)),
    # dashboards (admin/api_dashboards.py)
    Endpoint("GET", "/companies/{company}/dashboard",      "view",            (200, 200, 200, 200, 403, 403)),
)
# fmt: on


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One server for the module: acme (reached by every token), other (firm_admin only), a document each."""
    server = start_server(tmp_path_factory.mktemp("api") / "var")
    try:
        yield build_world(server)
    finally:
        server.stop()


def test_the_matrix_has_a_row_for_every_api_endpoint(world: World) -> None:
    paths = httpx.get(f"{world.server.api_url}/openapi.json", timeout=30).json()["paths"]
    routes = {
        (method.upper(), route_template(path))
        for path, operations in paths.items()
        if path.startswith(API)
        for method in operations
    }
    assert routes == {(endpoint.method, endpoint.template) for endpoint in ENDPOINTS}


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_endpoint_as_every_role(world: World, endpoint: Endpoint, role: TokenRole) -> None:
    in_scope = endpoint.status_in_scope(role)
    if not endpoint.scoped:
        check_call(world, endpoint, role, IN_SCOPE, in_scope)
        return
    out_of_scope = in_scope if role == TokenRole.FIRM_ADMIN else NOT_FOUND
    for key, expected in (
        (IN_SCOPE, in_scope),
        (SIRETS[0], in_scope),
        (OUT_OF_SCOPE, out_of_scope),
        (SIRETS[1], out_of_scope),
        (UNKNOWN, NOT_FOUND),
        (UNKNOWN_SIRET, NOT_FOUND),
    ):
        check_call(world, endpoint, role, key, expected)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_endpoint_refuses_a_missing_invalid_or_revoked_token(world: World, endpoint: Endpoint) -> None:
    before = world.server.message_count()
    url = world.url(endpoint, IN_SCOPE, world.companies[IN_SCOPE].ids)
    for headers in (
        {},
        {"Authorization": "Basic d2VseWI6c2VjcmV0"},
        bearer("clt_unknown"),
        bearer("no-prefix"),
        bearer(world.revoked),
    ):
        answer = httpx.request(endpoint.method, url, headers=headers, timeout=30, **endpoint.body("Welyb"))
        assert_refused(answer, UNAUTHORIZED)
        assert answer.json()["error"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="collecte"')
    assert world.server.message_count() == before


def get(world: World, path: str, role: TokenRole = TokenRole.FIRM_ADMIN) -> httpx.Response:
    return httpx.get(f"{world.server.api_url}{API}{path}", headers=bearer(world.secrets[role]), timeout=30)


def test_a_company_is_named_by_slug_or_siret(world: World) -> None:
    by_slug, by_siret = get(world, "/companies/acme"), get(world, f"/companies/{SIRETS[0]}")
    assert by_slug.status_code == by_siret.status_code == 200
    assert (
        by_slug.json()
        == by_siret.json()
        == {
            "slug": "acme",
            "name": "ACME SAS",
            "siret": SIRETS[0],
            "active": True,
            "collection_addresses": ["acme@achats.factures-meg.fr", "acme@factures-meg.fr"],
        }
    )
    assert get(world, "/companies/ACME").json()["slug"] == "acme"


def test_me_tells_the_role_and_what_it_may_do_in_each_company(world: World) -> None:
    assert get(world, "/me", TokenRole.COMPANY_USER).json() == {
        "name": "Marie (ACME)",
        "role": "company_user",
        "all_companies": False,
        "companies": [
            {
                "slug": "acme",
                "name": "ACME SAS",
                "siret": SIRETS[0],
                "permissions": ["view", "document_status"],
            }
        ],
    }
    platform = get(world, "/me", TokenRole.PLATFORM).json()
    assert platform["companies"][0]["permissions"] == ["push", "document_status"]
    admin = get(world, "/me").json()
    assert admin["all_companies"] is True
    assert {"acme", "other"} <= {company["slug"] for company in admin["companies"]}


def test_companies_lists_those_the_caller_may_view(world: World) -> None:
    slugs = {role: [c["slug"] for c in get(world, "/companies", role).json()] for role in ROLES}
    assert {"acme", "other"} <= set(slugs[TokenRole.FIRM_ADMIN])
    for role in (TokenRole.FIRM_USER, TokenRole.COMPANY_ADMIN, TokenRole.COMPANY_USER):
        assert slugs[role] == ["acme"]
    assert slugs[TokenRole.PLATFORM] == slugs[TokenRole.ACCOUNTING_SOFTWARE] == []


def test_the_firm_admin_sets_the_switches_and_they_apply(world: World, tmp_path: Path) -> None:
    company_id = world.server.add_company("Third SAS", SIRETS[2], "third")
    with world.server.storage.sessions.begin() as session:
        user = create_token(session, name="Léa", role=TokenRole.COMPANY_USER, company_ids=(company_id,))
        admin = create_token(session, name="Luc", role=TokenRole.COMPANY_ADMIN, company_ids=(company_id,))
    url = f"{world.server.api_url}{API}/companies/third/access"
    wanted = {**DEFAULT_TABLE, "company_user": {"exports": True, "accounting": False}}
    refused = httpx.put(url, json=wanted, headers=bearer(admin), timeout=30)
    assert_refused(refused, 403, "company_admin may not manage for company 'third'")
    assert get(world, "/companies/third/access").json() == DEFAULT_TABLE
    firm = bearer(world.secrets[TokenRole.FIRM_ADMIN])
    answer = httpx.put(url.replace("third", SIRETS[2]), json=wanted, headers=firm, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json() == wanted
    assert get(world, "/companies/third/access").json() == wanted
    me = httpx.get(f"{world.server.api_url}{API}/me", headers=bearer(user), timeout=30).json()
    assert me["companies"][0]["permissions"] == ["view", "exports", "document_status"]


@pytest.mark.parametrize(
    "table",
    [
        {"firm_user": {"exports": True, "accounting": True}},
        {**DEFAULT_TABLE, "firm_admin": {"exports": True, "accounting": True}},
        {**DEFAULT_TABLE, "company_user": {"exports": "maybe", "accounting": False}},
        {**DEFAULT_TABLE, "company_user": {"exports": True}},
    ],
    ids=["missing-profile", "unknown-profile", "not-a-boolean", "missing-switch"],
)
def test_a_malformed_table_is_refused_whole(world: World, table: dict[str, object]) -> None:
    url = f"{world.server.api_url}{API}/companies/acme/access"
    answer = httpx.put(url, json=table, headers=bearer(world.secrets[TokenRole.FIRM_ADMIN]), timeout=30)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert get(world, "/companies/acme/access").json() == DEFAULT_TABLE


def test_openapi_documents_the_admin_models_and_the_token(world: World) -> None:
    schema = httpx.get(f"{world.server.api_url}/openapi.json", timeout=30).json()
    assert {"Me", "CompanyOut", "AccessTable", "ProfileSwitch"} <= set(schema["components"]["schemas"])
    operation = schema["paths"]["/api/v1/companies/{company}/access"]["put"]
    assert operation["security"] == [{"token": []}]
    assert set(operation["responses"]) >= {"200", "401", "403", "404", "422"}
