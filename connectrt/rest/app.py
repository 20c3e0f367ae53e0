"""The Connect REST application (Java's ``ConnectRestServer`` resources).

``create_app(herder, config)`` serves ``/``, ``/health``, ``/connectors/**``,
``/connector-plugins/**`` and the internal endpoints, plus ``/admin/loggers/**`` when
``admin.listeners`` is unset. ``create_admin_app`` serves only ``/admin/loggers/**`` (for
separate admin listeners).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from connectrt.herder.base import Herder
from connectrt.model.errors import BadRequestException
from connectrt.rest.basic_auth import BasicAuthMiddleware
from connectrt.rest.config import RestConfig
from connectrt.rest.forwarding import RestClient
from connectrt.rest.herder_requests import HerderRequestHandler
from connectrt.rest.middleware import (
    HeadMiddleware,
    ResponseHeadersMiddleware,
    TrailingSlashMiddleware,
    cors_middleware,
    parse_header_rules,
)
from connectrt.rest.responses import error_response
from connectrt.rest.routes import connectors, internal, plugins, root
from connectrt.rest.routes import loggers as loggers_routes
from connectrt.rest.routing import RestContext, redacted
from connectrt.runtime.connector_config import connector_name_problem
from connectrt.runtime.loggers import Loggers, default_loggers

__all__ = ["RestConfig", "create_admin_app", "create_app"]

TITLE = "Kafka Connect REST API (connectrt)"
DESCRIPTION = "The Apache Kafka Connect REST API, as served by connectrt."


_ENCODED_SLASH_IN_NAME = re.compile(rb"^/connectors/[^/]*%2f", re.IGNORECASE)


async def _http_error(request: Request, exc: Exception) -> Response:
    if (
        isinstance(exc, StarletteHTTPException)
        and exc.status_code in (404, 405)
        and _ENCODED_SLASH_IN_NAME.match(request.scope.get("raw_path") or b"")
    ):
        # /connectors/a%2Fb/...: the name holds a '/', which no route can carry (Jetty answers 400
        # "Ambiguous URI path separator"); POST and PUT refuse such names, so none can exist.
        exc = BadRequestException(connector_name_problem("/") or "")
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 405:
        exc = StarletteHTTPException(405, headers={"Allow": ", ".join(_allowed_methods(request))})
    return redacted(error_response(exc, method=request.method, path=request.url.path))


def _allowed_methods(request: Request) -> list[str]:
    """Every method served on the request's path (a path may be split across routers)."""
    methods: set[str] = set()
    for route in request.app.state.connect_routes:
        if route.path_regex.match(request.url.path):
            methods.update(route.methods or ())
    return sorted(methods)


async def _validation_error(request: Request, exc: Exception) -> Response:
    message = "Invalid request"
    if isinstance(exc, RequestValidationError) and exc.errors():
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first.get("loc", ()))
        message = f"Invalid request: {location}: {first.get('msg', 'invalid value')}"
    return error_response(BadRequestException(message), method=request.method, path=request.url.path)


def _build(
    herder: Herder | None,
    config: RestConfig,
    routers: Iterable[APIRouter],
    loggers: Loggers | None,
    cors: bool,
) -> FastAPI:
    middleware: list[Middleware] = [Middleware(TrailingSlashMiddleware), Middleware(HeadMiddleware)]
    rules = parse_header_rules(config.response_http_headers)
    if rules:
        middleware.append(Middleware(ResponseHeadersMiddleware, rules=rules))
    if cors:
        cors_mw = cors_middleware(config.access_control_allow_origin, config.access_control_allow_methods)
        if cors_mw is not None:
            middleware.append(cors_mw)
        if config.authenticator is not None:  # inside CORS: preflights pass, as with Java's filters
            middleware.append(Middleware(BasicAuthMiddleware, authenticator=config.authenticator))
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version=config.version,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
        middleware=middleware,
        exception_handlers={
            StarletteHTTPException: _http_error,
            RequestValidationError: _validation_error,
            Exception: _http_error,
        },
    )
    routes: list[APIRoute] = []
    for router in routers:
        app.include_router(router)
        routes.extend(route for route in router.routes if isinstance(route, APIRoute))
    app.state.connect_routes = routes
    client = RestClient(
        timeout_s=config.request_timeout_s, transport=config.forward_transport, verify=config.client_verify
    )
    handler = HerderRequestHandler(lambda: herder, lambda: config.request_timeout_s, client)
    app.state.connect = RestContext(herder, config, handler, loggers or default_loggers())
    return app


def create_app(
    herder: Herder | None, config: RestConfig | None = None, *, loggers: Loggers | None = None
) -> FastAPI:
    """The worker's public REST app. ``herder`` None serves only 503s (used to build the API doc)."""
    config = config or RestConfig()
    routers = [root.router, connectors.router, internal.router, plugins.router]
    if config.admin_on_main_listener:
        routers.append(loggers_routes.router)
    return _build(herder, config, routers, loggers, cors=True)


def create_admin_app(
    herder: Herder | None, config: RestConfig | None = None, *, loggers: Loggers | None = None
) -> FastAPI:
    """Only ``/admin/loggers/**``, for the ``admin.listeners`` (no CORS, as in Java)."""
    return _build(herder, config or RestConfig(), [loggers_routes.router], loggers, cors=False)
