"""JSON request bodies read exactly: numbers with a fraction become Decimal, never float.

FastAPI decodes a JSON body with `json.loads`, which turns `1200.10` into a float before any model sees it.
Routes of a router built with `route_class=ExactJsonRoute` decode with `parse_float=Decimal` instead, so that
an amount sent as a JSON number reaches a `Decimal` field with exactly the digits sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class ExactJsonRequest(Request):
    """A request whose JSON body keeps the exact value of its numbers with a fraction (as Decimal)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_float=Decimal)
        return self._json


class ExactJsonRoute(APIRoute):
    """A route whose endpoint reads the JSON body with `ExactJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return exact
