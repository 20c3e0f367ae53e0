"""JSON responses and Connect's error body ``{"error_code": N, "message": "..."}``.

Every error the REST layer answers goes through :func:`error_response`, so the mapping from
exceptions to status codes lives in one place (Java's ``ConnectExceptionMapper``):

- :class:`~connectrt.model.errors.ConnectRestException` → its status and error code;
- a framework HTTP error (unknown path, wrong method, ...) → its status with Jersey's
  ``"HTTP <code> <reason>"`` message;
- anything else → 500 with the exception's message; the traceback goes to the server log only.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from connectrt.model.errors import ConnectRestException

log = logging.getLogger(__name__)

_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


class ConnectJSONResponse(JSONResponse):
    """``application/json`` rendered with orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=_ORJSON_OPTIONS)


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return ConnectJSONResponse(content, status_code=status, headers=headers)


def empty_response(status: int) -> Response:
    """A response with no body (202 of pause/resume, 204 of delete/stop/restart)."""
    return Response(status_code=status)


def http_reason_message(status: int) -> str:
    """Jersey's message for a framework error, e.g. ``HTTP 404 Not Found``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
    return f"HTTP {status} {phrase}"


def error_body(error_code: int, message: str | None) -> dict[str, Any]:
    return {"error_code": error_code, "message": message}


def error_response(exc: BaseException, *, method: str = "", path: str = "") -> Response:
    """The Connect error JSON for any exception raised while serving a request."""
    if isinstance(exc, ConnectRestException):
        log.debug("REST request %s %s failed: %s", method, path, exc.message)
        return json_response(error_body(exc.error_code, exc.message), exc.status)
    if isinstance(exc, StarletteHTTPException):
        headers = dict(exc.headers) if exc.headers else None
        return json_response(
            error_body(exc.status_code, http_reason_message(exc.status_code)), exc.status_code, headers
        )
    log.error("Uncaught exception in REST call to %s %s", method, path, exc_info=exc)
    message = str(exc) or type(exc).__name__
    return json_response(error_body(500, message), 500)
