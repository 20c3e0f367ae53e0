"""``/connectors`` (Java's ``ConnectorsResource``).

Writes go through :meth:`HerderRequestHandler.complete_or_forward` (the herder may answer that
the leader or the connector's owner must serve them); reads answered from this worker's state
use :meth:`HerderRequestHandler.complete` or the herder's synchronous methods.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response

from connectrt.model.entities import ConnectorInfo, ConnectorTaskId, Created
from connectrt.model.errors import BadRequestException, ConnectRestException, NotFoundException
from connectrt.model.states import RestartRequest
from connectrt.rest.body import CreateConnectorRequest, parse_offsets, read_json, require_body, string_map
from connectrt.rest.forwarding import HttpResponse
from connectrt.rest.responses import empty_response, json_response
from connectrt.rest.routing import (
    ERROR_RESPONSE,
    STRING_MAP,
    connect_router,
    connector_path,
    context,
    forward_param,
    herder_of,
    json_body_doc,
    json_response_doc,
    path_int,
    query_bool,
    query_doc,
    ref,
)

log = logging.getLogger(__name__)

router = connect_router()

_CONNECTOR_INFO = json_response_doc("Connector info", ref("ConnectorInfo"))
_NO_CONTENT = {"description": "Done"}
_ACCEPTED = {"description": "Accepted"}


def location_header(request: Request, name: str) -> dict[str, str]:
    """Jersey resolves ``Response.created(/connectors/<name>)`` against the request's base URI."""
    base = str(request.base_url).rstrip("/")
    return {"Location": base + connector_path(name)}


def check_and_put_connector_config_name(name: str, config: dict[str, str | None]) -> None:
    included = config.get("name")
    if included is not None:
        if included != name:
            raise BadRequestException(
                f"Connector name configuration ({included}) doesn't match connector name in the URL ({name})"
            )
    else:
        config["name"] = name


def created_result(result: Created | HttpResponse) -> tuple[bool, Any]:
    """(created?, ConnectorInfo JSON) of a local or forwarded create/put."""
    if isinstance(result, HttpResponse):
        return result.status == 201, result.body
    return result.created, result.result.to_json()


def info_json(result: ConnectorInfo | Created | HttpResponse) -> Any:
    if isinstance(result, HttpResponse):
        return result.body
    if isinstance(result, Created):
        return result.result.to_json()
    return result.to_json()


# --- list / create -------------------------------------------------------------------------------


@router.get(
    "/connectors",
    summary="List all active connectors",
    operation_id="listConnectors",
    openapi_extra={
        "parameters": [
            query_doc(
                "expand",
                {"type": "array", "items": {"type": "string", "enum": ["status", "info"]}},
                "Add each connector's status and/or info; repeatable",
            )
        ]
    },
    responses={200: json_response_doc("Connector names, or a map of name to expansions", {})},
)
async def list_connectors(request: Request) -> Response:
    ctx = context(request)
    herder = ctx.require_herder()
    names = await ctx.handler.complete(herder.connectors())
    expansions = request.query_params.getlist("expand")
    if "expand" not in request.query_params:
        return json_response(names)
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        try:
            expanded: dict[str, Any] = {}
            for expansion in expansions:
                if expansion == "status":
                    expanded["status"] = herder.connector_status(name).to_json()
                elif expansion == "info":
                    info = await ctx.handler.complete(herder.connector_info(name))
                    expanded["info"] = info.to_json()
                else:
                    log.info("Ignoring unknown expansion type %s", expansion)
            out[name] = expanded
        except NotFoundException:
            # Removed while we looked it up, or no status yet: leave it out.
            log.debug("Unable to get connector info for %s on this worker", name)
    return json_response(out)


@router.post(
    "/connectors",
    summary="Create a new connector",
    operation_id="createConnector",
    status_code=201,
    openapi_extra=json_body_doc(ref("CreateConnectorRequest")),
    responses={201: _CONNECTOR_INFO, 400: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
async def create_connector(request: Request) -> Response:
    ctx = context(request)
    herder = ctx.require_herder()
    create = CreateConnectorRequest.parse(await read_json(request))
    name = (create.name or "").strip()
    check_and_put_connector_config_name(name, create.config)
    initial_state = create.initial_state.to_target_state() if create.initial_state is not None else None
    forward = forward_param(request)
    result = await ctx.handler.complete_or_forward(
        herder.put_connector_config(
            name,
            cast(dict[str, str], create.config),
            allow_replace=False,
            initial_state=initial_state,
            forward=forward,
        ),
        request,
        path="/connectors",
        forward=forward,
        body={**create.to_json(), "name": name},
    )
    _, body = created_result(result)
    return json_response(body, 201, headers=location_header(request, name))


# --- one connector ---------------------------------------------------------------------------------


@router.get(
    "/connectors/{connector}",
    summary="Get the details for the specified connector",
    operation_id="getConnector",
    responses={200: _CONNECTOR_INFO, 404: ERROR_RESPONSE},
)
async def get_connector(request: Request, connector: str) -> Response:
    ctx = context(request)
    info = await ctx.handler.complete(ctx.require_herder().connector_info(connector))
    return json_response(info.to_json())


@router.delete(
    "/connectors/{connector}",
    summary="Delete the specified connector",
    operation_id="destroyConnector",
    status_code=204,
    responses={204: _NO_CONTENT, 404: ERROR_RESPONSE},
)
async def destroy_connector(request: Request, connector: str) -> Response:
    ctx = context(request)
    forward = forward_param(request)
    await ctx.handler.complete_or_forward(
        ctx.require_herder().delete_connector(connector, forward=forward),
        request,
        path=connector_path(connector),
        forward=forward,
    )
    return empty_response(204)


@router.get(
    "/connectors/{connector}/config",
    summary="Get the configuration for the specified connector",
    operation_id="getConnectorConfig",
    responses={200: json_response_doc("Connector config", STRING_MAP), 404: ERROR_RESPONSE},
)
async def get_connector_config(request: Request, connector: str) -> Response:
    ctx = context(request)
    config = await ctx.handler.complete(ctx.require_herder().connector_config(connector))
    return json_response(config)


@router.put(
    "/connectors/{connector}/config",
    summary="Create or reconfigure the specified connector",
    operation_id="putConnectorConfig",
    openapi_extra=json_body_doc(STRING_MAP),
    responses={200: _CONNECTOR_INFO, 201: _CONNECTOR_INFO, 400: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
async def put_connector_config(request: Request, connector: str) -> Response:
    ctx = context(request)
    herder = ctx.require_herder()
    config = string_map(require_body(await read_json(request), "a JSON object of connector configs"))
    check_and_put_connector_config_name(connector, config)
    forward = forward_param(request)
    result = await ctx.handler.complete_or_forward(
        herder.put_connector_config(
            connector, cast(dict[str, str], config), allow_replace=True, forward=forward
        ),
        request,
        path=connector_path(connector, "/config"),
        forward=forward,
        body=config,
    )
    created, body = created_result(result)
    if created:
        return json_response(body, 201, headers=location_header(request, connector))
    return json_response(body, 200)


@router.patch(
    "/connectors/{connector}/config",
    summary="Patch the configuration of the specified connector",
    operation_id="patchConnectorConfig",
    openapi_extra=json_body_doc(
        {"type": "object", "additionalProperties": {"type": "string", "nullable": True}}
    ),
    responses={200: _CONNECTOR_INFO, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)
async def patch_connector_config(request: Request, connector: str) -> Response:
    ctx = context(request)
    patch = string_map(require_body(await read_json(request), "a JSON object of config changes"))
    forward = forward_param(request)
    result = await ctx.handler.complete_or_forward(
        ctx.require_herder().patch_connector_config(connector, patch, forward=forward),
        request,
        path=connector_path(connector, "/config"),
        forward=forward,
        body=patch,
    )
    return json_response(info_json(result), 200)


# --- status and tasks ------------------------------------------------------------------------------


@router.get(
    "/connectors/{connector}/status",
    summary="Get the status for the specified connector",
    operation_id="getConnectorStatus",
    responses={200: json_response_doc("Connector status", ref("ConnectorStateInfo")), 404: ERROR_RESPONSE},
)
async def get_connector_status(request: Request, connector: str) -> Response:
    return json_response(herder_of(request).connector_status(connector).to_json())


@router.get(
    "/connectors/{connector}/tasks",
    summary="List all tasks and their configurations for the specified connector",
    operation_id="getTaskConfigs",
    responses={
        200: json_response_doc("Task configs", {"type": "array", "items": ref("TaskInfo")}),
        404: ERROR_RESPONSE,
    },
)
async def get_task_configs(request: Request, connector: str) -> Response:
    ctx = context(request)
    tasks = await ctx.handler.complete(ctx.require_herder().task_configs(connector))
    return json_response([task.to_json() for task in tasks])


@router.get(
    "/connectors/{connector}/tasks/{task}/status",
    summary="Get the state of the specified task for the specified connector",
    operation_id="getTaskStatus",
    openapi_extra={
        "parameters": [{"name": "task", "in": "path", "required": True, "schema": {"type": "integer"}}]
    },
    responses={200: json_response_doc("Task status", ref("TaskState")), 404: ERROR_RESPONSE},
)
async def get_task_status(request: Request, connector: str) -> Response:
    task = path_int(request.path_params["task"])
    state = herder_of(request).task_status(ConnectorTaskId(connector, task))
    return json_response(state.to_json())


@router.post(
    "/connectors/{connector}/tasks/{task}/restart",
    summary="Restart the specified task for the specified connector",
    operation_id="restartTask",
    status_code=204,
    openapi_extra={
        "parameters": [{"name": "task", "in": "path", "required": True, "schema": {"type": "integer"}}]
    },
    responses={204: _NO_CONTENT, 404: ERROR_RESPONSE},
)
async def restart_task(request: Request, connector: str) -> Response:
    ctx = context(request)
    task = path_int(request.path_params["task"])
    forward = forward_param(request)
    await ctx.handler.complete_or_forward(
        ctx.require_herder().restart_task(ConnectorTaskId(connector, task), forward=forward),
        request,
        path=connector_path(connector, f"/tasks/{task}/restart"),
        forward=forward,
    )
    return empty_response(204)


@router.get(
    "/connectors/{connector}/tasks/{task}/metrics",
    summary="Get the metrics of the specified task (a connectrt extension)",
    description=(
        "Not part of Kafka Connect: the figures the task's `metrics()` reports (a Debezium-style "
        "PostgreSQL source: snapshot and streaming progress), read on the worker that runs the task. "
        "In a cluster, a worker that does not run the task sends the request on (to the leader, which "
        "sends it to the task's worker), as for a task restart."
    ),
    operation_id="getTaskMetrics",
    openapi_extra={
        "x-connectrt-extension": True,
        "parameters": [{"name": "task", "in": "path", "required": True, "schema": {"type": "integer"}}],
    },
    responses={
        200: json_response_doc("Task metrics", ref("TaskMetrics")),
        404: ERROR_RESPONSE,
        409: ERROR_RESPONSE,
    },
)
async def get_task_metrics(request: Request, connector: str) -> Response:
    ctx = context(request)
    task = path_int(request.path_params["task"])
    forward = forward_param(request)
    result = await ctx.handler.complete_or_forward(
        ctx.require_herder().task_metrics(ConnectorTaskId(connector, task), forward=forward),
        request,
        path=connector_path(connector, f"/tasks/{task}/metrics"),
        forward=forward,
    )
    return json_response(result.body if isinstance(result, HttpResponse) else result)


# --- restart / pause / resume / stop ---------------------------------------------------------------


@router.post(
    "/connectors/{connector}/restart",
    summary="Restart the specified connector",
    operation_id="restartConnector",
    status_code=202,
    openapi_extra={
        "parameters": [
            query_doc("includeTasks", {"type": "boolean", "default": False}, "Whether to also restart tasks"),
            query_doc(
                "onlyFailed",
                {"type": "boolean", "default": False},
                "Whether to only restart failed tasks/connectors",
            ),
        ]
    },
    responses={
        202: json_response_doc(
            "Restart requested; the status shows what restarts", ref("ConnectorStateInfo")
        ),
        204: {"description": "The connector instance was restarted"},
        404: ERROR_RESPONSE,
    },
)
async def restart_connector(request: Request, connector: str) -> Response:
    ctx = context(request)
    herder = ctx.require_herder()
    include_tasks = bool(query_bool(request, "includeTasks", False))
    only_failed = bool(query_bool(request, "onlyFailed", False))
    forward = forward_param(request)
    path = connector_path(connector, "/restart")
    restart = RestartRequest(connector, only_failed=only_failed, include_tasks=include_tasks)
    if restart.force_restart_connector_only():
        await ctx.handler.complete_or_forward(
            herder.restart_connector(connector, forward=forward), request, path=path, forward=forward
        )
        return empty_response(204)
    result = await ctx.handler.complete_or_forward(
        herder.restart_connector_and_tasks(restart, forward=forward),
        request,
        path=path,
        forward=forward,
        query=[("includeTasks", _bool_text(include_tasks)), ("onlyFailed", _bool_text(only_failed))],
    )
    body = result.body if isinstance(result, HttpResponse) else result.to_json()
    return json_response(body, 202)


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


@router.put(
    "/connectors/{connector}/pause",
    summary="Pause the specified connector",
    description="This operation is idempotent and has no effects if the connector is already paused",
    operation_id="pauseConnector",
    status_code=202,
    responses={202: _ACCEPTED, 404: ERROR_RESPONSE},
)
async def pause_connector(request: Request, connector: str) -> Response:
    ctx = context(request)
    await ctx.handler.complete(ctx.require_herder().pause_connector(connector))
    return empty_response(202)


@router.put(
    "/connectors/{connector}/resume",
    summary="Resume the specified connector",
    description="This operation is idempotent and has no effects if the connector is already running",
    operation_id="resumeConnector",
    status_code=202,
    responses={202: _ACCEPTED, 404: ERROR_RESPONSE},
)
async def resume_connector(request: Request, connector: str) -> Response:
    ctx = context(request)
    await ctx.handler.complete(ctx.require_herder().resume_connector(connector))
    return empty_response(202)


@router.put(
    "/connectors/{connector}/stop",
    summary="Stop the specified connector",
    description="This operation is idempotent and has no effects if the connector is already stopped",
    operation_id="stopConnector",
    status_code=204,
    responses={204: _NO_CONTENT, 404: ERROR_RESPONSE},
)
async def stop_connector(request: Request, connector: str) -> Response:
    ctx = context(request)
    forward = forward_param(request)
    await ctx.handler.complete_or_forward(
        ctx.require_herder().stop_connector(connector, forward=forward),
        request,
        path=connector_path(connector, "/stop"),
        forward=forward,
    )
    return empty_response(204)


# --- offsets ---------------------------------------------------------------------------------------


@router.get(
    "/connectors/{connector}/offsets",
    summary="Get the current offsets for the specified connector",
    operation_id="getOffsets",
    responses={200: json_response_doc("Offsets", ref("ConnectorOffsets")), 404: ERROR_RESPONSE},
)
async def get_offsets(request: Request, connector: str) -> Response:
    ctx = context(request)
    offsets = await ctx.handler.complete(ctx.require_herder().connector_offsets(connector))
    return json_response(offsets.to_json())


@router.patch(
    "/connectors/{connector}/offsets",
    summary="Alter the offsets for the specified connector",
    operation_id="alterConnectorOffsets",
    openapi_extra=json_body_doc(ref("ConnectorOffsets")),
    responses={200: json_response_doc("Result", ref("Message")), 400: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)
async def alter_connector_offsets(request: Request, connector: str) -> Response:
    ctx = context(request)
    offsets = parse_offsets(await read_json(request))
    forward = forward_param(request)
    result = await ctx.handler.complete_or_forward(
        ctx.require_herder().alter_connector_offsets(connector, offsets, forward=forward),
        request,
        path=connector_path(connector, "/offsets"),
        forward=forward,
        body={"offsets": offsets},
    )
    body = result.body if isinstance(result, HttpResponse) else result.to_json()
    return json_response(body, 200)


@router.delete(
    "/connectors/{connector}/offsets",
    summary="Reset the offsets for the specified connector",
    operation_id="resetConnectorOffsets",
    responses={200: json_response_doc("Result", ref("Message")), 400: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)
async def reset_connector_offsets(request: Request, connector: str) -> Response:
    ctx = context(request)
    forward = forward_param(request)
    result = await ctx.handler.complete_or_forward(
        ctx.require_herder().reset_connector_offsets(connector, forward=forward),
        request,
        path=connector_path(connector, "/offsets"),
        forward=forward,
    )
    body = result.body if isinstance(result, HttpResponse) else result.to_json()
    return json_response(body, 200)


# --- topics ----------------------------------------------------------------------------------------


@router.get(
    "/connectors/{connector}/topics",
    summary="Get the list of topics actively used by the specified connector",
    operation_id="getConnectorActiveTopics",
    responses={200: json_response_doc("Active topics", ref("ActiveTopics")), 403: ERROR_RESPONSE},
)
async def get_connector_active_topics(request: Request, connector: str) -> Response:
    herder = herder_of(request)
    if not herder.topic_tracking_enabled():
        raise ConnectRestException("Topic tracking is disabled.", status=403)
    topics = herder.connector_active_topics(connector)
    return json_response({connector: {"topics": list(topics)}})


@router.put(
    "/connectors/{connector}/topics/reset",
    summary="Reset the list of topics actively used by the specified connector",
    operation_id="resetConnectorActiveTopics",
    status_code=202,
    responses={202: _ACCEPTED, 403: ERROR_RESPONSE},
)
async def reset_connector_active_topics(request: Request, connector: str) -> Response:
    herder = herder_of(request)
    if not herder.topic_tracking_enabled():
        raise ConnectRestException("Topic tracking is disabled.", status=403)
    if not herder.topic_tracking_reset_enabled():
        raise ConnectRestException("Topic tracking reset is disabled.", status=403)
    herder.reset_connector_active_topics(connector)
    return empty_response(202)
