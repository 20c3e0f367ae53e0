"""Connector exceptions and the classification of BigQuery errors (Java's BigQueryErrorResponses)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from connectrt.api.connector import ConnectException

T = TypeVar("T")


class BigQueryConnectException(ConnectException):
    """A write, create or update BigQuery refused (Java's BigQueryConnectException)."""


class ConversionError(ConnectException):
    """A record that cannot be turned into a BigQuery row (Java's ConversionConnectException)."""


def format_insert_errors(table: str, errors: Mapping[int, Sequence[Mapping[str, Any]]]) -> str:
    """Java's message for per-row insertAll errors."""
    lines = [f"table: {table} insertion failed for the following rows:"]
    for index, row_errors in sorted(errors.items()):
        for err in row_errors:
            lines.append(
                f"\t[row index {index}] (location {err.get('location') or 'null'}, reason: "
                f"{err.get('reason')}): {err.get('message') or ''}"
            )
    return "\n".join(lines)


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "code", None)
    return int(code) if isinstance(code, int) else None


def _first_error(exc: BaseException) -> Mapping[str, Any]:
    errors = getattr(exc, "errors", None) or []
    first = errors[0] if errors else {}
    return first if isinstance(first, Mapping) else {}


def reason(exc: BaseException) -> str:
    return str(_first_error(exc).get("reason") or "")


def message(exc: BaseException) -> str:
    return str(_first_error(exc).get("message") or getattr(exc, "message", "") or "")


def is_io_error(exc: BaseException) -> bool:
    """Connection refused/reset, timeouts: the service could not be reached."""
    import requests

    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ConnectionError)):
        return True
    from google.api_core import exceptions as gexc

    return isinstance(exc, (gexc.ServiceUnavailable, gexc.DeadlineExceeded)) and _code(exc) in (
        None,
        503,
        504,
    )


def is_backend_error(exc: BaseException) -> bool:
    return _code(exc) in (500, 502, 503)


def is_quota_or_rate_error(exc: BaseException) -> bool:
    return _code(exc) == 403 and reason(exc) in ("quotaExceeded", "rateLimitExceeded")


def is_retriable(exc: BaseException) -> bool:
    """Errors Java retries up to ``bigQueryRetry`` times (backend, quota, rate limit, I/O)."""
    return is_backend_error(exc) or is_quota_or_rate_error(exc) or is_io_error(exc)


def is_not_found(exc: BaseException) -> bool:
    return _code(exc) == 404


def is_batch_size_error(exc: BaseException) -> bool:
    """Java's TableWriter.isBatchSizeError: the request is too large -> halve it."""
    if _code(exc) != 400:
        return False
    text = message(exc)
    return (
        (not reason(exc) and not text)
        or text.startswith("Request payload size exceeds the limit: ")
        or text.startswith("too many rows present in the request")
    )


def is_serialize_or_job_internal_error(exc: BaseException) -> bool:
    """MERGE errors Java retries: concurrent DML (could not serialize access) and jobInternalError."""
    if _code(exc) != 400:
        return False
    return reason(exc) == "jobInternalError" or (
        reason(exc) == "invalidQuery" and message(exc).startswith("Could not serialize access to")
    )


def describe(exc: BaseException) -> str:
    """One line naming the failure without a stack trace."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def with_retries(
    action: Callable[[], T], retries: int, wait_ms: int, stopping: threading.Event, what: str
) -> T:
    """Run ``action``, retrying retriable BigQuery errors ``retries`` times (Java's bigQueryRetry)."""
    attempt = 0
    while True:
        try:
            return action()
        except Exception as exc:
            if not is_retriable(exc):
                raise
            attempt += 1
            if attempt > retries:
                raise BigQueryConnectException(
                    f"Exceeded configured {retries} attempts for {what}: {describe(exc)}"
                ) from exc
            stopping.wait((wait_ms + random.randint(0, 1000)) / 1000)
            if stopping.is_set():
                raise BigQueryConnectException(f"Task stopped while retrying {what}") from exc
