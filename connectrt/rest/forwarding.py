"""The HTTP client workers use to talk to each other (Java's ``RestClient``).

Used to forward a user request to the leader or to the owner of a connector (Java's
``HerderRequestHandler.completeOrForwardRequest``), and by the herder to send signed internal
requests (task configs, zombie fencing) to the leader.

- Only the ``Authorization`` header of the original request is copied; ``User-Agent`` is
  ``kafka-connect``; redirects are not followed.
- 204 → no body; 2xx → the parsed JSON; ≥400 → :class:`ConnectRestException` with the remote
  worker's status, ``error_code`` and ``message``; any other status → 500
  "Unexpected status code when handling forwarded request: N".
- Network failures → 500 "IO Error trying to forward REST request: ...".
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from connectrt.herder.signature import signature_headers
from connectrt.model.errors import ConnectRestException

log = logging.getLogger(__name__)

USER_AGENT = "kafka-connect"


@dataclass(frozen=True)
class HttpResponse:
    """A remote worker's successful answer: its status (200, 201, 202, 204, ...) and JSON body."""

    status: int
    body: Any
    headers: Mapping[str, str]


def build_url(base_url: str, path: str, query: Sequence[tuple[str, str]] = ()) -> str:
    """``base_url`` joined with ``path`` (one slash between), plus the query parameters in order."""
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    if query:
        url += "?" + urlencode(list(query))
    return url


class RestClient:
    """Sends JSON requests to other workers: one short-lived connection per request, with the TLS
    context built once (building it per request costs ~55 ms of CPU on the event loop)."""

    def __init__(
        self,
        timeout_s: float = 90.0,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.timeout_s = timeout_s
        self._transport = transport
        # An SSLContext from the worker's listeners.https.* / ssl.* stores (trust the other
        # workers' certificates, present this worker's when asked); True: the system CAs.
        self._ssl_context: ssl.SSLContext | None = verify if isinstance(verify, ssl.SSLContext) else None

    def _verify(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    async def request(
        self,
        url: str,
        method: str,
        *,
        authorization: str | None = None,
        body: Any = None,
        raw_body: bytes | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send ``body`` (serialized as JSON) or ``raw_body`` (sent as is) and read the answer."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if authorization is not None:
            headers["Authorization"] = authorization
        content: bytes | None = raw_body
        if content is None and body is not None:
            content = orjson.dumps(body)
        if content is not None:
            headers["Content-Type"] = "application/json"
        if extra_headers:
            headers.update(extra_headers)
        log.debug("Sending %s to %s", method, url)
        try:
            async with httpx.AsyncClient(
                transport=self._transport,
                timeout=self.timeout_s,
                follow_redirects=False,
                verify=self._verify(),
            ) as client:
                response = await client.request(method, url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            log.error("IO error forwarding REST request to %s: %s", url, exc)
            detail = str(exc) or type(exc).__name__
            raise ConnectRestException(f"IO Error trying to forward REST request: {detail}", status=500)
        return self._read(url, response)

    async def signed_request(
        self,
        url: str,
        method: str,
        body: Any,
        session_key: bytes,
        algorithm: str = "HmacSHA256",
    ) -> HttpResponse:
        """An internal request signed with the session key (the exact JSON bytes are signed)."""
        content = b"" if body is None else orjson.dumps(body)
        headers = signature_headers(session_key, content, algorithm)
        return await self.request(url, method, raw_body=content, extra_headers=headers)

    @staticmethod
    def _read(url: str, response: httpx.Response) -> HttpResponse:
        status = response.status_code
        log.debug("Response code %d from %s", status, url)
        if status == 204:
            return HttpResponse(status, None, dict(response.headers))
        if status >= 400:
            try:
                error = orjson.loads(response.content)
                error_code = int(error["error_code"])
                message = error.get("message")
                message = "" if message is None else str(message)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ConnectRestException(
                    f"IO Error trying to forward REST request: the worker at {url} answered {status} "
                    f"with a body that is not Connect's error JSON ({exc})",
                    status=500,
                )
            raise ConnectRestException(message, status=status, error_code=error_code)
        if 200 <= status < 300:
            try:
                body = orjson.loads(response.content) if response.content.strip() else None
            except orjson.JSONDecodeError as exc:
                raise ConnectRestException(
                    f"IO Error trying to forward REST request: the worker at {url} answered with invalid JSON ({exc})",
                    status=500,
                )
            return HttpResponse(status, body, dict(response.headers))
        raise ConnectRestException(
            f"Unexpected status code when handling forwarded request: {status}", status=500
        )
