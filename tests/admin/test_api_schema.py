"""The HTTP API against its own OpenAPI schema: schemathesis calls every operation of the running server.

Each operation gets a bounded number of generated requests (valid and invalid), sent as the firm
administrator to a company that exists, and every answer must match the schema: a documented status code and
content type, a body valid against the response model, never a server error, invalid input refused.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok
from schemathesis.openapi import from_url

from store.purchase_models import TokenRole
from tests.admin.api_matrix import IN_SCOPE, World, bearer, build_world
from tests.support import start_server

EXAMPLES = int(os.environ.get("COLLECTE_SCHEMA_EXAMPLES", "12"))
"""Generated requests per operation: enough to reach every parameter, few enough for a fast suite (set
COLLECTE_SCHEMA_EXAMPLES=500 for a deeper run by hand)."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One server for the module, with the role and endpoint matrix: companies, tokens and objects."""
    server = start_server(tmp_path_factory.mktemp("schema") / "var")
    try:
        yield build_world(server)
    finally:
        server.stop()


ALIASES = {"company": "company", "slug": "company", "document_id": "document"}
"""Path parameters naming a company or one of its objects, and the name of the id in the world."""


def _aimed(case: Case[Any], world: World) -> None:
    """Names a company that exists (and its objects) in three cases out of four, to go past the 404."""
    parameters = case.path_parameters
    if not parameters or zlib.crc32(repr(sorted(parameters.items())).encode()) % 4 == 0:
        return
    ids = {"company": IN_SCOPE, **world.companies[IN_SCOPE].ids}
    for name in parameters:
        key = ALIASES.get(name, name)
        if key in ids:
            parameters[name] = ids[key]


def test_every_operation_answers_as_its_schema_says(world: World) -> None:
    schema = from_url(f"{world.server.api_url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"an operation the schema does not describe well: {result.err()}"
        operations.append(result.ok())
    assert len(operations) >= 8, "the schema lists the API's operations"
    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def answers_as_documented(case: Case[Any]) -> None:
            _aimed(case, world)
            case.call_and_validate(
                base_url=world.server.api_url,
                headers=bearer(world.secrets[TokenRole.FIRM_ADMIN]),
                checks=CHECKS,
                timeout=30,
            )

        answers_as_documented()
