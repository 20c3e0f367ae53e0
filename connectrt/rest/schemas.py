"""OpenAPI component schemas of the Connect REST entities (Java's ``runtime.rest.entities``), for the API document."""

from __future__ import annotations

from typing import Any

_STR: dict[str, Any] = {"type": "string"}
_NULLABLE_STR: dict[str, Any] = {"type": "string", "nullable": True}
_STR_MAP: dict[str, Any] = {"type": "object", "additionalProperties": _STR}
_ANY_MAP: dict[str, Any] = {"type": "object", "additionalProperties": {}}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


_STATES = ["UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "RESTARTING", "STOPPED"]

COMPONENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "ErrorMessage": _obj(
        {"error_code": {"type": "integer", "format": "int32"}, "message": _STR}, ["error_code", "message"]
    ),
    "ServerInfo": _obj(
        {"version": _STR, "commit": _STR, "kafka_cluster_id": {"type": "string", "nullable": True}},
        ["version", "commit", "kafka_cluster_id"],
    ),
    "WorkerStatus": _obj(
        {"status": {"type": "string", "enum": ["healthy", "starting", "unhealthy"]}, "message": _STR},
        ["status", "message"],
    ),
    "ConnectorTaskId": _obj(
        {"connector": _STR, "task": {"type": "integer", "format": "int32"}}, ["connector", "task"]
    ),
    "ConnectorInfo": _obj(
        {
            "name": _STR,
            "config": _STR_MAP,
            "tasks": {"type": "array", "items": _ref("ConnectorTaskId")},
            "type": {"type": "string", "enum": ["source", "sink", "unknown"]},
        },
        ["name", "config", "tasks", "type"],
    ),
    "CreateConnectorRequest": _obj(
        {
            "name": _STR,
            "config": _STR_MAP,
            "initial_state": {"type": "string", "enum": ["RUNNING", "PAUSED", "STOPPED"]},
        },
        ["name", "config"],
    ),
    "ConnectorState": _obj(
        {
            "state": {"type": "string", "enum": _STATES},
            "worker_id": _STR,
            "trace": _STR,
            "version": _NULLABLE_STR,
        },
        ["state", "worker_id"],
    ),
    "TaskState": _obj(
        {
            "id": {"type": "integer", "format": "int32"},
            "state": {"type": "string", "enum": _STATES},
            "worker_id": _STR,
            "trace": _STR,
            "version": _NULLABLE_STR,
        },
        ["id", "state", "worker_id"],
    ),
    "ConnectorStateInfo": _obj(
        {
            "name": _STR,
            "connector": _ref("ConnectorState"),
            "tasks": {"type": "array", "items": _ref("TaskState")},
            "type": {"type": "string", "enum": ["source", "sink", "unknown"]},
        },
        ["name", "connector", "tasks", "type"],
    ),
    "TaskInfo": _obj({"id": _ref("ConnectorTaskId"), "config": _STR_MAP}, ["id", "config"]),
    # A connectrt extension (GET /connectors/{connector}/tasks/{task}/metrics).
    "TaskMetrics": _obj(
        {"id": _ref("ConnectorTaskId"), "worker_id": _STR, "metrics": _ANY_MAP},
        ["id", "worker_id", "metrics"],
    ),
    "ConnectorOffset": _obj(
        {"partition": _ANY_MAP, "offset": {"type": "object", "additionalProperties": {}, "nullable": True}},
        ["partition", "offset"],
    ),
    "ConnectorOffsets": _obj({"offsets": {"type": "array", "items": _ref("ConnectorOffset")}}, ["offsets"]),
    "Message": _obj({"message": _STR}, ["message"]),
    "ActiveTopics": {
        "type": "object",
        "additionalProperties": _obj({"topics": {"type": "array", "items": _STR}}, ["topics"]),
    },
    "PluginInfo": _obj(
        {
            "class": _STR,
            "type": {
                "type": "string",
                "enum": ["sink", "source", "transformation", "predicate", "converter", "header_converter"],
            },
            "version": _STR,
        },
        ["class", "type"],
    ),
    "ConfigKeyInfo": _obj(
        {
            "name": _STR,
            "type": _STR,
            "required": {"type": "boolean"},
            "default_value": {"type": "string", "nullable": True},
            "importance": _STR,
            "documentation": {"type": "string", "nullable": True},
            "group": {"type": "string", "nullable": True},
            "order_in_group": {"type": "integer", "format": "int32"},
            "width": _STR,
            "display_name": _STR,
            "dependents": {"type": "array", "items": _STR},
        },
        [
            "name",
            "type",
            "required",
            "default_value",
            "importance",
            "documentation",
            "group",
            "order_in_group",
            "width",
            "display_name",
            "dependents",
        ],
    ),
    "ConfigValueInfo": _obj(
        {
            "name": _STR,
            "value": {"type": "string", "nullable": True},
            "recommended_values": {"type": "array", "items": _STR},
            "errors": {"type": "array", "items": _STR},
            "visible": {"type": "boolean"},
        },
        ["name", "value", "recommended_values", "errors", "visible"],
    ),
    "ConfigInfo": _obj(
        {
            "definition": {"allOf": [_ref("ConfigKeyInfo")], "nullable": True},
            "value": {"allOf": [_ref("ConfigValueInfo")], "nullable": True},
        },
        ["definition", "value"],
    ),
    "ConfigInfos": _obj(
        {
            "name": _STR,
            "error_count": {"type": "integer", "format": "int32"},
            "groups": {"type": "array", "items": _STR},
            "configs": {"type": "array", "items": _ref("ConfigInfo")},
        },
        ["name", "error_count", "groups", "configs"],
    ),
    "LoggerLevel": _obj(
        {"level": _STR, "last_modified": {"type": "integer", "format": "int64", "nullable": True}},
        ["level", "last_modified"],
    ),
}
