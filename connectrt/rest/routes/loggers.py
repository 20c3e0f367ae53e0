"""``/admin/loggers`` (Java's ``LoggingResource``), served on the admin listeners."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from connectrt.model.errors import BadRequestException, NotFoundException
from connectrt.rest.body import read_json, string_map
from connectrt.rest.responses import empty_response, json_response
from connectrt.rest.routing import (
    ERROR_RESPONSE,
    STRING_MAP,
    connect_router,
    context,
    json_body_doc,
    json_response_doc,
    query_doc,
    ref,
)
from connectrt.runtime.loggers import is_valid_level

log = logging.getLogger(__name__)

router = connect_router()

WORKER_SCOPE = "worker"
CLUSTER_SCOPE = "cluster"


@router.get(
    "/admin/loggers",
    summary="List the current loggers that have their levels explicitly set and their log levels",
    operation_id="listLoggers",
    responses={
        200: json_response_doc(
            "Logger levels by name", {"type": "object", "additionalProperties": ref("LoggerLevel")}
        )
    },
)
async def list_loggers(request: Request) -> Response:
    levels = context(request).loggers.all_levels()
    return json_response({name: level.to_json() for name, level in levels.items()})


@router.get(
    "/admin/loggers/{logger}",
    summary="Get the log level for the specified logger",
    operation_id="getLogger",
    responses={200: json_response_doc("Logger level", ref("LoggerLevel")), 404: ERROR_RESPONSE},
)
async def get_logger(request: Request, logger: str) -> Response:
    level = context(request).loggers.level(logger)
    if level is None:
        raise NotFoundException(f"Logger {logger} not found.")
    return json_response(level.to_json())


@router.put(
    "/admin/loggers/{logger}",
    summary="Set the log level for the specified logger",
    operation_id="setLevel",
    openapi_extra={
        "parameters": [
            query_doc(
                "scope",
                {"type": "string", "default": WORKER_SCOPE},
                "The scope for the logging modification (single-worker, cluster-wide, etc.)",
            )
        ],
        **json_body_doc(STRING_MAP),
    },
    responses={
        200: json_response_doc(
            "Names of the loggers whose level changed", {"type": "array", "items": {"type": "string"}}
        ),
        204: {"description": "Cluster-wide change submitted"},
        400: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
    },
)
async def set_level(request: Request, logger: str) -> Response:
    ctx = context(request)
    body = await read_json(request)
    level = string_map(body).get("level") if body is not None else None
    if level is None:
        raise BadRequestException("Desired 'level' parameter was not specified in request.")
    if not is_valid_level(level):
        raise NotFoundException(f"invalid log level '{level}'.")
    scope = request.query_params.get("scope") or WORKER_SCOPE
    if scope.lower() == CLUSTER_SCOPE:
        await ctx.handler.complete(ctx.require_herder().set_cluster_logger_level(logger, level))
        return empty_response(204)
    if scope.lower() != WORKER_SCOPE:
        log.warning(
            "Received invalid scope '%s' in request to adjust logging level; will default to %s",
            scope,
            WORKER_SCOPE,
        )
    return json_response(ctx.loggers.set_level(logger, level))
