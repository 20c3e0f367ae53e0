"""Keys and values of the config and status topics, byte for byte as Java Connect writes them.

Values are what Java's JsonConverter (``schemas.enable=false``) writes for the stores' structs:
compact JSON, fields in schema order, a null optional field written as ``null``, Jackson's string
escapes. Keys are plain UTF-8 strings. Decoders are lenient like Java's readers: a malformed value
is logged and skipped (they return None), never raised to the consumer thread.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from connectrt.api.data import DataException
from connectrt.converters.json_text import MISSING, dumps, loads
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest, TargetState
from connectrt.storage.status import ConnectorStatus, State, TaskStatus, TopicStatus

log = logging.getLogger(__name__)

# --- config topic keys --------------------------------------------------------------------------
TARGET_STATE_PREFIX = "target-state-"
CONNECTOR_PREFIX = "connector-"
TASK_PREFIX = "task-"
COMMIT_TASKS_PREFIX = "commit-"
RESTART_PREFIX = "restart-connector-"
TASK_COUNT_RECORD_PREFIX = "tasks-fencing-"
SESSION_KEY_KEY = "session-key"
LOGGER_CLUSTER_PREFIX = "logger-cluster-"

# --- status topic keys --------------------------------------------------------------------------
CONNECTOR_STATUS_PREFIX = "status-connector-"
TASK_STATUS_PREFIX = "status-task-"
TOPIC_STATUS_PREFIX = "status-topic-"
TOPIC_STATUS_SEPARATOR = ":connector-"


class UnreadableValue(Exception):
    """A record value that is not JSON at all (Java's converter DataException)."""


def target_state_key(connector: str) -> str:
    return TARGET_STATE_PREFIX + connector


def connector_key(connector: str) -> str:
    return CONNECTOR_PREFIX + connector


def task_key(task: ConnectorTaskId) -> str:
    return f"{TASK_PREFIX}{task.connector}-{task.task}"


def commit_tasks_key(connector: str) -> str:
    return COMMIT_TASKS_PREFIX + connector


def task_count_record_key(connector: str) -> str:
    return TASK_COUNT_RECORD_PREFIX + connector


def restart_key(connector: str) -> str:
    return RESTART_PREFIX + connector


def logger_cluster_key(namespace: str) -> str:
    return LOGGER_CLUSTER_PREFIX + namespace


def connector_status_key(connector: str) -> str:
    return CONNECTOR_STATUS_PREFIX + connector


def task_status_key(task: ConnectorTaskId) -> str:
    return f"{TASK_STATUS_PREFIX}{task.connector}-{task.task}"


def topic_status_key(topic: str, connector: str) -> str:
    return f"{TOPIC_STATUS_PREFIX}{topic}{TOPIC_STATUS_SEPARATOR}{connector}"


def _java_int(text: str) -> int | None:
    """``Integer.parseInt``: optional sign, ASCII digits, 32-bit range."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


def _split_task_key(key: str, skip: int) -> ConnectorTaskId | None:
    # Java: key.split("-") (trailing empty strings dropped), the last part is the task number and the
    # parts between the first ``skip`` ones and the last are the connector name.
    parts = key.split("-")
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) < skip + 2:
        return None
    task = _java_int(parts[-1])
    if task is None:
        return None
    return ConnectorTaskId("-".join(parts[skip:-1]), task)


def parse_task_key(key: str) -> ConnectorTaskId | None:
    """``task-<connector>-<n>``: the connector is everything between the first and the last ``-``."""
    return _split_task_key(key, 1)


def parse_task_status_key(key: str) -> ConnectorTaskId | None:
    """``status-task-<connector>-<n>``, split the same way as task-config keys."""
    return _split_task_key(key, 2)


def parse_topic_status_key(key: str) -> tuple[str, str] | None:
    """``(topic, connector)`` of ``status-topic-<topic>:connector-<connector>``."""
    colon = key.find(":")
    begin = len(TOPIC_STATUS_PREFIX)
    if begin > colon:
        return None
    topic = key[begin:colon]
    connector = key[colon + len(TOPIC_STATUS_SEPARATOR) :]
    if not topic or not connector:
        return None
    return topic, connector


# --- JSON helpers -------------------------------------------------------------------------------


def decode_value(data: bytes | None) -> Any:
    """The JSON value of a record (None for a tombstone); raises UnreadableValue for non-JSON."""
    if data is None:
        return None
    try:
        value = loads(data)
    except DataException as e:
        raise UnreadableValue(str(e)) from e
    return None if value is MISSING else value


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def java_int(value: Any) -> int:
    """A JSON integer narrowed to 32 bits like ``Long.intValue()``."""
    return ((int(value) + 2**31) % 2**32) - 2**31


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# --- config topic values ------------------------------------------------------------------------


def encode_properties(properties: Mapping[str, str | None]) -> bytes:
    """``{"properties":{...}}`` for connector-<c> and task-<c>-<n> records."""
    return dumps({"properties": dict(properties)})


def encode_target_state(state: TargetState) -> bytes:
    """``{"state":..,"state.v2":..}``; STOPPED is written as ``"state":"PAUSED"`` for older readers."""
    old = TargetState.PAUSED if state is TargetState.STOPPED else state
    return dumps({"state": old.value, "state.v2": state.value})


def encode_commit(task_count: int) -> bytes:
    return dumps({"tasks": task_count})


def encode_task_count_record(task_count: int) -> bytes:
    return dumps({"task-count": task_count})


def encode_session_key(key: bytes, algorithm: str, creation_timestamp: int) -> bytes:
    return dumps(
        {
            "key": base64.b64encode(key).decode("ascii"),
            "algorithm": algorithm,
            "creation-timestamp": creation_timestamp,
        }
    )


def encode_restart_request(request: RestartRequest) -> bytes:
    return dumps({"include-tasks": request.include_tasks, "only-failed": request.only_failed})


def encode_logger_level(level: str) -> bytes:
    return dumps({"level": level})


def decode_properties(value: Any, what: str) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        log.error("Ignoring %s because it is in the wrong format: %s", what, _type_name(value))
        return None
    props = value.get("properties")
    if not isinstance(props, dict):
        log.error(
            "Invalid data for %s: 'properties' field should be a Map but is %s", what, _type_name(props)
        )
        return None
    return props


def decode_target_state(connector: str, value: Any) -> TargetState | None:
    """``state.v2`` when it is a string, else the older ``state`` field; None when unusable."""
    if not isinstance(value, dict):
        log.error(
            "Ignoring target state for connector '%s' because it is in the wrong format: %s",
            connector,
            _type_name(value),
        )
        return None
    state = value.get("state.v2")
    if state is not None and not isinstance(state, str):
        log.error(
            "Invalid data for target state for connector '%s': 'state.v2' field should be a String but is %s",
            connector,
            _type_name(state),
        )
        state = None
    if state is None:
        state = value.get("state")
        if not isinstance(state, str):
            log.error(
                "Invalid data for target state for connector '%s': 'state' field should be a String but is %s",
                connector,
                _type_name(state),
            )
            return None
    try:
        return TargetState[state]
    except KeyError:
        log.error("Invalid target state for connector '%s': %s", connector, state)
        return None


def decode_int_field(value: Any, field: str, what: str) -> int | None:
    if not isinstance(value, dict):
        log.error("Ignoring %s because it is in the wrong format: %s", what, _type_name(value))
        return None
    n = value.get(field)
    if not _is_int(n):
        log.error("Ignoring %s: '%s' should be an integer but is %s", what, field, _type_name(n))
        return None
    return java_int(n)


@dataclass(frozen=True)
class SessionKey:
    """The key the leader distributes for signing internal REST requests (Java's SessionKey)."""

    key: bytes
    algorithm: str
    creation_timestamp: int

    def __repr__(self) -> str:
        return f"SessionKey(algorithm={self.algorithm!r}, creation_timestamp={self.creation_timestamp}, key=[hidden])"


def decode_session_key(value: Any) -> SessionKey | None:
    if value is None:
        log.error("Ignoring session key because it is unexpectedly null")
        return None
    if not isinstance(value, dict):
        log.error("Ignoring session key because the value is not a Map but is %s", _type_name(value))
        return None
    key, algorithm, created = value.get("key"), value.get("algorithm"), value.get("creation-timestamp")
    if not isinstance(key, str):
        log.error("Invalid data for session key 'key' field should be a String but is %s", _type_name(key))
        return None
    if not isinstance(algorithm, str):
        log.error(
            "Invalid data for session key 'algorithm' field should be a String but it is %s",
            _type_name(algorithm),
        )
        return None
    if not _is_int(created):
        log.error(
            "Invalid data for session key 'creation-timestamp' field should be a long but it is %s",
            _type_name(created),
        )
        return None
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        log.error("Ignoring session key because its 'key' field is not valid base64")
        return None
    return SessionKey(raw, algorithm, int(created))


def decode_restart_request(connector: str, value: Any) -> RestartRequest | None:
    if not isinstance(value, dict):
        log.error("Ignoring restart request because the value is not a Map but is %s", _type_name(value))
        return None
    flags: dict[str, bool] = {}
    for field in ("only-failed", "include-tasks"):
        flag = value.get(field)
        if not isinstance(flag, bool):
            log.warning(
                "Invalid data for restart request '%s' field should be a Boolean but is %s, defaulting to false",
                field,
                _type_name(flag),
            )
            flag = False
        flags[field] = flag
    return RestartRequest(connector, only_failed=flags["only-failed"], include_tasks=flags["include-tasks"])


def decode_logger_level(namespace: str, value: Any) -> str | None:
    if value is None:
        log.error("Ignoring logging level for namespace %s because it is unexpectedly null", namespace)
        return None
    if not isinstance(value, dict):
        log.error(
            "Ignoring logging level for namespace %s because the value is not a Map but is %s",
            namespace,
            _type_name(value),
        )
        return None
    level = value.get("level")
    if not isinstance(level, str):
        log.error(
            "Invalid data for logging level key 'level' field with namespace %s; should be a String but it is %s",
            namespace,
            _type_name(level),
        )
        return None
    return level


# --- status topic values ------------------------------------------------------------------------


def encode_status(status: ConnectorStatus | TaskStatus) -> bytes | None:
    """``{"state":..,"trace":..,"worker_id":..,"generation":..,"version":..}`` (Java 4.x's fields, in
    its schema's order); None (a tombstone) for DESTROYED."""
    if status.state is State.DESTROYED:
        return None
    return dumps(
        {
            "state": status.state.value,
            "trace": status.trace,
            "worker_id": status.worker_id,
            "generation": java_int(status.generation),
            "version": status.version,
        }
    )


def encode_topic_status(status: TopicStatus | None) -> bytes | None:
    """``{"topic":{"name":..,"connector":..,"task":..,"discoverTimestamp":..}}``; None deletes."""
    if status is None:
        return None
    return dumps(
        {
            "topic": {
                "name": status.topic,
                "connector": status.connector,
                "task": status.task,
                "discoverTimestamp": status.discover_timestamp,
            }
        }
    )


def _status_fields(value: Any, what: str) -> tuple[State, str | None, str, int, str | None] | None:
    """The fields of a status record; ``version`` is absent from records of Java 3.x (null)."""
    if not isinstance(value, dict):
        log.error("Invalid %s status type %s", what, _type_name(value))
        return None
    raw_state, trace, worker, generation, version = (
        value.get("state"),
        value.get("trace"),
        value.get("worker_id"),
        value.get("generation"),
        value.get("version"),
    )
    try:
        state = State(raw_state)
    except ValueError:
        log.error("Failed to deserialize %s status: unknown state %r", what, raw_state)
        return None
    if (trace is not None and not isinstance(trace, str)) or (
        worker is not None and not isinstance(worker, str)
    ):
        log.error("Failed to deserialize %s status: 'trace' and 'worker_id' should be strings", what)
        return None
    if not _is_int(generation):
        log.error(
            "Failed to deserialize %s status: 'generation' should be an integer but is %s",
            what,
            _type_name(generation),
        )
        return None
    if version is not None and not isinstance(version, str):
        log.error(
            "Failed to deserialize %s status: 'version' should be a string but is %s",
            what,
            _type_name(version),
        )
        return None
    return state, trace, worker or "", java_int(generation), version


def decode_connector_status(connector: str, value: Any) -> ConnectorStatus | None:
    fields = _status_fields(value, "connector")
    if fields is None:
        return None
    state, trace, worker, generation, version = fields
    return ConnectorStatus(connector, state, worker, generation, trace, version)


def decode_task_status(task: ConnectorTaskId, value: Any) -> TaskStatus | None:
    fields = _status_fields(value, "task")
    if fields is None:
        return None
    state, trace, worker, generation, version = fields
    return TaskStatus(task, state, worker, generation, trace, version)


def decode_topic_status(value: Any) -> TopicStatus | None:
    if not isinstance(value, dict):
        log.error("Invalid topic status value %r", value)
        return None
    inner = value.get("topic")
    if not isinstance(inner, dict):
        log.error("Invalid topic status value %r for field topic", inner)
        return None
    name, connector, task, ts = (
        inner.get("name"),
        inner.get("connector"),
        inner.get("task"),
        inner.get("discoverTimestamp"),
    )
    if not isinstance(name, str) or not isinstance(connector, str) or not _is_int(task) or not _is_int(ts):
        log.error("Failed to deserialize topic status %r", inner)
        return None
    return TopicStatus(name, connector, java_int(task), int(ts))
