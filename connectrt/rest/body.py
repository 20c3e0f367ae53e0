"""Reading request bodies into the shapes Connect's resources take.

Java deserializes bodies with Jackson and answers a malformed or wrong-shaped body with 500. We
answer 400 (one deliberate difference) and keep Jackson's message openings, e.g.
"Cannot deserialize value ...", "Unrecognized field ...", "Cannot construct instance ...".
Like Jackson, ``Map<String, String>`` bodies accept numbers and booleans and turn them into strings.

Bodies are bounded (Java's Jetty sets no limit): :data:`MAX_BODY_BYTES` for what clients send,
:data:`MAX_INTERNAL_BODY_BYTES` for task configs between workers. A larger body is answered 413
with Connect's error JSON before it is read whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import orjson
from starlette.requests import Request

from connectrt.model.errors import BadRequestException, ConnectRestException
from connectrt.model.states import InitialState
from connectrt.runtime.connector_config import MAX_CONNECTOR_CONFIG_BYTES

JSON_MEDIA_TYPES = ("application/json",)

#: The largest body a client may send (512 KiB): a connector config, which must fit a config-topic record.
MAX_BODY_BYTES = MAX_CONNECTOR_CONFIG_BYTES
#: The largest body of an internal request (16 MiB): the task configs of all of a connector's tasks.
MAX_INTERNAL_BODY_BYTES = 16 * 1024 * 1024


class PayloadTooLargeException(ConnectRestException):
    status = 413

    def __init__(self, limit: int, size: int | None = None) -> None:
        found = f"of {size} bytes " if size is not None else ""
        super().__init__(
            f"The request body {found}is larger than the {limit} bytes this worker accepts; send a smaller body "
            "(a connector configuration is far smaller than that)."
        )


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with 413 once it is known to exceed ``limit`` (never read past it)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise BadRequestException(f"Invalid Content-Length header: {declared[:40]}")
        if size > limit:
            raise PayloadTooLargeException(limit, size)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLargeException(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # what Request.body() caches, so a later reader gets it too
    return body


class UnsupportedMediaTypeException(ConnectRestException):
    status = 415

    def __init__(self) -> None:
        super().__init__("HTTP 415 Unsupported Media Type")


def check_json_content_type(request: Request) -> None:
    """415 when the request declares a body type other than JSON (a missing type is accepted)."""
    content_type = request.headers.get("content-type")
    if content_type is None or not content_type.strip():
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in JSON_MEDIA_TYPES or (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return
    if media_type in ("*/*", "application/*"):
        return
    raise UnsupportedMediaTypeException()


async def read_json(request: Request, *, check_media_type: bool = True) -> Any:
    """The parsed JSON body; an empty body reads as ``None``."""
    if check_media_type:
        check_json_content_type(request)
    raw = await read_body(request)
    return parse_json(raw)


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequestException(f"Request body is not valid JSON: {exc}")


def json_kind(value: Any) -> str:
    """Jackson's token names for a value, as used in its messages."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def _cannot_deserialize(type_name: str, value: Any, where: str | None = None) -> BadRequestException:
    message = f"Cannot deserialize value of type `{type_name}` from {json_kind(value)} value"
    if where:
        message += f" (through reference chain: {where})"
    return BadRequestException(message)


def _unrecognized(field: str, class_name: str, known: tuple[str, ...]) -> BadRequestException:
    known_text = ", ".join(f'"{k}"' for k in known)
    return BadRequestException(
        f'Unrecognized field "{field}" (class {class_name}), not marked as ignorable '
        f"({len(known)} known properties: {known_text})"
    )


def coerce_string(value: Any, where: str) -> str | None:
    """A JSON scalar as Jackson reads it into a ``String`` (null stays null)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise _cannot_deserialize("java.lang.String", value, where)


def string_map(value: Any, what: str = "Map<String,String>") -> dict[str, str | None]:
    """A JSON object of string (or null) values, e.g. a connector config."""
    if not isinstance(value, dict):
        raise _cannot_deserialize(what, value)
    return {key: coerce_string(item, f'{what}["{key}"]') for key, item in value.items()}


def object_map(value: Any, what: str, where: str) -> dict[str, Any] | None:
    """A JSON object with any values, or null."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _cannot_deserialize(what, value, where)
    return value


def require_body(value: Any, expected: str) -> Any:
    if value is None:
        raise BadRequestException(f"The request body is missing; expected {expected}.")
    return value


# --- entity bodies ------------------------------------------------------------------------------


@dataclass
class CreateConnectorRequest:
    """The body of ``POST /connectors``."""

    name: str | None
    config: dict[str, str | None]
    initial_state: InitialState | None

    FIELDS = ("name", "config", "initial_state")

    @classmethod
    def parse(cls, body: Any) -> CreateConnectorRequest:
        body = require_body(body, 'a JSON object like {"name": "...", "config": {...}}')
        if not isinstance(body, dict):
            raise _cannot_deserialize("CreateConnectorRequest", body)
        for key in body:
            if key not in cls.FIELDS:
                raise _unrecognized(key, "CreateConnectorRequest", cls.FIELDS)
        name = coerce_string(body.get("name"), 'CreateConnectorRequest["name"]')
        raw_config = body.get("config")
        if raw_config is None:
            raise BadRequestException(
                'The request body must contain a "config" object with the connector configuration.'
            )
        config = string_map(raw_config, "Map<String,String>")
        return cls(name, config, parse_initial_state(body.get("initial_state")))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": self.config,
            "initial_state": self.initial_state.value if self.initial_state is not None else None,
        }


def parse_initial_state(value: Any) -> InitialState | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _cannot_deserialize("InitialState", value, 'CreateConnectorRequest["initial_state"]')
    try:
        return InitialState(value.upper())
    except ValueError:
        accepted = ", ".join(s.value for s in InitialState)
        raise BadRequestException(
            f'Cannot deserialize value of type `InitialState` from String "{value}": '
            f"not one of the values accepted for Enum class: [{accepted}]"
        )


def parse_offsets(body: Any) -> list[dict[str, Any]]:
    """The body of ``PATCH /connectors/{c}/offsets``: ``[{"partition": {..}, "offset": {..}|null}]``."""
    body = require_body(body, 'a JSON object like {"offsets": [...]}')
    if not isinstance(body, dict):
        raise _cannot_deserialize("ConnectorOffsets", body)
    for key in body:
        if key != "offsets":
            raise _unrecognized(key, "ConnectorOffsets", ("offsets",))
    entries = body.get("offsets")
    if entries is None or entries == []:
        raise BadRequestException("Partitions / offsets need to be provided for an alter offsets request")
    if not isinstance(entries, list):
        raise _cannot_deserialize("List<ConnectorOffset>", entries, 'ConnectorOffsets["offsets"]')
    out: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BadRequestException(
                f"Cannot construct instance of `ConnectorOffset` from {json_kind(entry)} value "
                f"({orjson.dumps(entry).decode()})"
            )
        for key in entry:
            if key not in ("partition", "offset"):
                raise _unrecognized(key, "ConnectorOffset", ("partition", "offset"))
        where = f'ConnectorOffsets["offsets"]->ArrayList[{index}]'
        partition = object_map(
            entry.get("partition"), "Map<String,Object>", f'{where}->ConnectorOffset["partition"]'
        )
        offset = object_map(entry.get("offset"), "Map<String,Object>", f'{where}->ConnectorOffset["offset"]')
        out.append({"partition": partition, "offset": offset})
    return out


def parse_task_configs(body: Any) -> list[dict[str, str]]:
    """The body of the internal ``POST /connectors/{c}/tasks``: a JSON array of string maps."""
    body = require_body(body, "a JSON array of task configurations")
    if not isinstance(body, list):
        raise _cannot_deserialize("List<Map<String,String>>", body)
    # JSON nulls stay None, as Jackson keeps them; the herder decides what they mean.
    return [cast(dict[str, str], string_map(item)) for item in body]
