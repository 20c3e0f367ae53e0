"""A client of Confluent's Schema Registry REST API (Apicurio's ``/apis/ccompat/v7`` speaks it too).

Only what a converter needs: register a schema under a subject, look one up, fetch a schema by id and the
latest version of a subject. The :class:`SchemaRegistry` protocol is what the converter talks to, so tests
and other registries can stand in; :class:`RestSchemaRegistry` is the HTTP implementation over httpx.

Requests behave as Java's ``RestService``: each URL of ``schema.registry.url`` in turn; on one URL, a
network error or a retriable status (408, 429, 500, 502, 503, 504) is retried up to ``max.retries`` times
with full-jitter exponential backoff (``retries.wait.ms`` doubling up to ``retries.max.wait.ms``); any other
error answer is final. A small client of our own rather than confluent-kafka's ``SchemaRegistryClient``: its
retry sleeps cannot be cut short when a task stops, its caches are keyed by its own Schema objects (the
converter needs id- and version-keyed ones, bounded per subject as Java's), and its errors do not separate
"registry unreachable" from "registry said no", which the converter maps to different Connect errors.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import orjson

from connectrt.api.connector import ConnectException

RETRIABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json"
MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # a schema answer larger than this is refused, not buffered

# Confluent's error codes (the ``error_code`` of an error answer).
SUBJECT_NOT_FOUND = 40401
VERSION_NOT_FOUND = 40402
SCHEMA_NOT_FOUND = 40403
INVALID_SCHEMA = 42201


@dataclass(frozen=True)
class RegisteredSchema:
    """A schema as the registry knows it: its id, and (when asked per subject) subject and version."""

    id: int
    schema: str
    subject: str | None = None
    version: int | None = None


class SchemaRegistryError(ConnectException):
    """The registry answered with an error (``status`` is the HTTP status, ``error_code`` Confluent's code)."""

    def __init__(self, message: str, status: int = -1, error_code: int = -1) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code

    @property
    def not_found(self) -> bool:
        return self.status == 404


class SchemaRegistryUnavailableError(SchemaRegistryError):
    """No URL of the registry could be reached (or each kept answering a retriable status)."""


class SchemaRegistry(Protocol):
    """What a converter asks of a schema registry. Schemas are passed and returned as schema text."""

    def register(self, subject: str, schema: str) -> int:
        """Register ``schema`` under ``subject`` (or find it registered there); its id."""
        ...

    def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        """The id and version of ``schema`` under ``subject``; SchemaRegistryError (40403) if not there."""
        ...

    def schema_by_id(self, schema_id: int) -> str:
        """The schema text with this id; SchemaRegistryError (40403) if none."""
        ...

    def latest(self, subject: str) -> RegisteredSchema:
        """The latest version registered under ``subject``."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """``max.retries``, ``retries.wait.ms`` and ``retries.max.wait.ms`` of Java's client."""

    max_retries: int = 3
    wait_ms: int = 1000
    max_wait_ms: int = 20000

    def delay_seconds(self, attempt: int) -> float:
        """Full jitter: uniform in (0, min(wait * 2^attempt, max_wait)] (Java's RetryExecutor)."""
        ceiling = min(self.wait_ms * (1 << min(attempt, 30)), self.max_wait_ms)
        return 0.0 if ceiling <= 0 else random.randint(1, ceiling) / 1000


class RestSchemaRegistry:
    """Confluent's REST API over httpx, with Java's URL failover and retries."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        auth_header: str | None = None,
        retry: RetryPolicy | None = None,
        connect_timeout_ms: int = 60000,
        read_timeout_ms: int = 60000,
        request_headers: Mapping[str, str] | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        if not urls:
            raise ValueError("at least one schema registry URL is needed")
        self.urls = [u.rstrip("/") for u in urls]
        self.retry = retry or RetryPolicy()
        self.stop_event = stop_event or threading.Event()
        headers = {"Accept": ACCEPT, **(request_headers or {})}
        if auth_header is not None:
            headers["Authorization"] = auth_header
        timeout = httpx.Timeout(read_timeout_ms / 1000, connect=connect_timeout_ms / 1000)
        self._http = httpx.Client(headers=headers, timeout=timeout, follow_redirects=False, trust_env=False)

    # --- the API ----------------------------------------------------------------------------
    def register(self, subject: str, schema: str) -> int:
        body = orjson.dumps({"schema": schema})
        answer = self._request("POST", f"subjects/{_path(subject)}/versions", body)
        return _int_field(answer, "id")

    def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        body = orjson.dumps({"schema": schema})
        answer = self._request("POST", f"subjects/{_path(subject)}", body)
        version = answer.get("version") if isinstance(answer, dict) else None
        return RegisteredSchema(
            _int_field(answer, "id"), schema, subject, version if isinstance(version, int) else None
        )

    def schema_by_id(self, schema_id: int) -> str:
        answer = self._request("GET", f"schemas/ids/{int(schema_id)}", None)
        return _schema_field(answer)

    def latest(self, subject: str) -> RegisteredSchema:
        answer = self._request("GET", f"subjects/{_path(subject)}/versions/latest", None)
        version = answer.get("version") if isinstance(answer, dict) else None
        return RegisteredSchema(
            _int_field(answer, "id"),
            _schema_field(answer),
            subject,
            version if isinstance(version, int) else None,
        )

    def close(self) -> None:
        self.stop_event.set()
        self._http.close()

    # --- transport ----------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: bytes | None) -> Any:
        last: SchemaRegistryError | None = None
        for base in self.urls:
            try:
                return self._request_one(method, f"{base}/{path}", body)
            except SchemaRegistryUnavailableError as e:
                last = e  # try the next URL
            except SchemaRegistryError as e:
                if e.status not in RETRIABLE_STATUSES:
                    raise
                last = e
        assert last is not None
        raise last

    def _request_one(self, method: str, url: str, body: bytes | None) -> Any:
        headers = {"Content-Type": CONTENT_TYPE} if body is not None else None
        attempt = 0
        while True:
            try:
                with self._http.stream(method, url, content=body, headers=headers) as response:
                    data = _read_bounded(response)
                    status = response.status_code
            except httpx.TimeoutException as e:
                error: SchemaRegistryError = SchemaRegistryUnavailableError(
                    f"The schema registry at {_origin(url)} did not answer in time ({type(e).__name__})"
                )
            except httpx.TransportError as e:
                error = SchemaRegistryUnavailableError(
                    f"The schema registry at {_origin(url)} cannot be reached: {_reason(e)}"
                )
            else:
                if 200 <= status < 300:
                    try:
                        return orjson.loads(data) if data else None
                    except orjson.JSONDecodeError:
                        raise SchemaRegistryError(
                            f"The schema registry at {_origin(url)} answered HTTP {status} with a body that is not "
                            "JSON; check that schema.registry.url points to the registry's Confluent API "
                            "(Apicurio: .../apis/ccompat/v7).",
                            status,
                        ) from None
                error = _error_answer(url, status, data)
                if status not in RETRIABLE_STATUSES:
                    raise error
            if attempt >= self.retry.max_retries or self.stop_event.is_set():
                raise error
            if self.stop_event.wait(self.retry.delay_seconds(attempt)):
                raise error
            attempt += 1


def _read_bounded(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise SchemaRegistryError(
                f"The schema registry's answer is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB; refusing it.",
                response.status_code,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _error_answer(url: str, status: int, data: bytes) -> SchemaRegistryError:
    code, message = -1, ""
    try:
        answer = orjson.loads(data)
        if isinstance(answer, dict):
            raw_code = answer.get("error_code")
            code = raw_code if isinstance(raw_code, int) else -1
            message = str(answer.get("message") or "")
    except orjson.JSONDecodeError:
        message = data[:200].decode("utf-8", "replace")
    if status in (401, 403):
        text = (
            f"The schema registry at {_origin(url)} refused the credentials (HTTP {status}); check "
            "basic.auth.credentials.source and basic.auth.user.info"
        )
    else:
        text = (
            f"{message or 'error'}; error code: {code}"
            if code != -1
            else f"HTTP {status}: {message or 'error'}"
        )
    cls = SchemaRegistryUnavailableError if status in RETRIABLE_STATUSES else SchemaRegistryError
    return cls(text, status, code)


def _int_field(answer: Any, name: str) -> int:
    value = answer.get(name) if isinstance(answer, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise SchemaRegistryError(f"The schema registry's answer has no integer {name!r} field")
    return value


def _schema_field(answer: Any) -> str:
    value = answer.get("schema") if isinstance(answer, dict) else None
    if not isinstance(value, str):
        raise SchemaRegistryError("The schema registry's answer has no 'schema' field")
    schema_type = answer.get("schemaType", "AVRO")
    if schema_type != "AVRO":
        raise SchemaRegistryError(f"The schema is of type {schema_type}, not AVRO")
    return value


def _path(subject: str) -> str:
    return quote(subject, safe="")


def _origin(url: str) -> str:
    """The URL without user info, path or query (never shows credentials)."""
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def _reason(e: Exception) -> str:
    text = str(e).strip()
    if "Connection refused" in text or "[Errno 111]" in text:
        return "connection refused"
    return text or type(e).__name__
