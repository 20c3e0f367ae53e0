"""``/connector-plugins`` (Java's ``ConnectorPluginsResource``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from connectrt.model.errors import BadRequestException
from connectrt.rest.body import read_json, require_body, string_map
from connectrt.rest.responses import json_response
from connectrt.rest.routing import (
    ERROR_RESPONSE,
    STRING_MAP,
    connect_router,
    context,
    herder_of,
    json_body_doc,
    json_response_doc,
    query_bool,
    query_doc,
    ref,
)

router = connect_router()

ALIAS_SUFFIX = "Connector"


def normalized_plugin_name(name: str) -> str:
    """Full or simple class name without a trailing ``Connector`` (the alias form)."""
    if name.endswith(ALIAS_SUFFIX) and len(name) > len(ALIAS_SUFFIX):
        return name[: -len(ALIAS_SUFFIX)]
    return name


@router.get(
    "/connector-plugins",
    summary="List all connector plugins installed",
    operation_id="listConnectorPlugins",
    openapi_extra={
        "parameters": [
            query_doc(
                "connectorsOnly",
                {"type": "boolean", "default": True},
                "Whether to list only connectors instead of all plugins",
            )
        ]
    },
    responses={200: json_response_doc("Plugins", {"type": "array", "items": ref("PluginInfo")})},
)
async def list_connector_plugins(request: Request) -> Response:
    connectors_only = bool(query_bool(request, "connectorsOnly", True))
    plugins = herder_of(request).connector_plugins(connectors_only)
    return json_response([plugin.to_json() for plugin in plugins])


@router.get(
    "/connector-plugins/{pluginName}/config",
    summary="Get the configuration definition for the specified pluginName",
    operation_id="getConnectorConfigDef",
    responses={
        200: json_response_doc("Config definitions", {"type": "array", "items": ref("ConfigKeyInfo")}),
        400: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
    },
)
async def get_connector_config_def(request: Request, pluginName: str) -> Response:
    return json_response(herder_of(request).connector_plugin_config(pluginName))


@router.put(
    "/connector-plugins/{pluginName}/config/validate",
    summary="Validate the provided configuration against the configuration definition for the specified pluginName",
    operation_id="validateConfigs",
    openapi_extra=json_body_doc(STRING_MAP),
    responses={200: json_response_doc("Validation result", ref("ConfigInfos")), 400: ERROR_RESPONSE},
)
async def validate_configs(request: Request, pluginName: str) -> Response:
    ctx = context(request)
    config = string_map(require_body(await read_json(request), "a JSON object of connector configs"))
    included = config.get("connector.class")
    if included is not None and not normalized_plugin_name(included).endswith(
        normalized_plugin_name(pluginName)
    ):
        raise BadRequestException(
            f"Included connector type {included} does not match request type {pluginName}"
        )
    result = await ctx.handler.complete(ctx.require_herder().validate_connector_config(config))
    return json_response(result.to_json())
