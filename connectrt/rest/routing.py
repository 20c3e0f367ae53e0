"""Shared plumbing of the route modules: the per-app context, the error-mapping route class and
Jersey-style query parameter parsing."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from connectrt.config.providers import RESOLVED_VALUES, redact
from connectrt.herder.base import Herder
from connectrt.model.errors import ServiceUnavailableException
from connectrt.rest.config import RestConfig
from connectrt.rest.herder_requests import HerderRequestHandler
from connectrt.rest.responses import error_response, json_response
from connectrt.runtime.loggers import Loggers


@dataclass
class RestContext:
    """What the routes of one app share; kept in ``app.state.connect``."""

    herder: Herder | None
    config: RestConfig
    handler: HerderRequestHandler
    loggers: Loggers

    def require_herder(self) -> Herder:
        if self.herder is None:
            raise ServiceUnavailableException("The worker's herder is not available.")
        return self.herder


def context(request: Request) -> RestContext:
    ctx: RestContext = request.app.state.connect
    return ctx


def herder_of(request: Request) -> Herder:
    return context(request).require_herder()


class ConnectRoute(APIRoute):
    """Turns every exception raised by a handler into Connect's error JSON (never a traceback)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Exception as exc:  # every error becomes the error JSON
                return redacted(error_response(exc, method=request.method, path=request.url.path))

        return handler


def redacted(response: Response) -> Response:
    """An error answer never shows a value a config provider resolved (the placeholder instead)."""
    if not RESOLVED_VALUES or response.status_code < 400:
        return response
    try:
        body = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return response
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or redact(message) == message:
        return response
    headers = {
        k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
    }
    return json_response({**body, "message": redact(message)}, response.status_code, headers)


def connect_router() -> APIRouter:
    return APIRouter(route_class=ConnectRoute)


# --- query parameters as Jersey reads them -----------------------------------------------------


def query_bool(request: Request, name: str, default: bool | None = None) -> bool | None:
    """``Boolean.valueOf``: true exactly for "true" (any case); absent or empty → ``default``."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() == "true"


def forward_param(request: Request) -> bool | None:
    return query_bool(request, "forward")


_INT_PATTERN = re.compile(r"^[+-]?[0-9]+$")


def path_int(value: str) -> int:
    """An ``Integer`` path parameter; anything else is 404, as in JAX-RS."""
    if not _INT_PATTERN.match(value) or not -(2**31) <= int(value) < 2**31:
        raise StarletteHTTPException(404)
    return int(value)


def connector_path(name: str, suffix: str = "") -> str:
    """``/connectors/<name><suffix>`` with the name percent-encoded, for forwarding and Location."""
    return f"/connectors/{quote(name, safe='')}{suffix}"


# --- OpenAPI helpers ------------------------------------------------------------------------------


def query_doc(name: str, schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        doc["description"] = description
    return doc


def json_body_doc(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response_doc(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_RESPONSE = json_response_doc("Error", ref("ErrorMessage"))
STRING_MAP: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}
