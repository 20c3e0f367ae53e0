"""How a distributed worker sends its own signed internal requests to the leader (task configs,
zombie fencing): the :class:`LeaderClient` interface and :class:`HttpLeaderClient` on httpx.

User requests a follower cannot serve are forwarded by the REST layer (``rest/forwarding.py``);
this client is only for the requests the herder's helpers send from their own threads.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from connectrt.kafka.tls import rest_client_verify


class LeaderRequestError(Exception):
    """The request did not reach the leader or got no answer (connection refused, timeout...)."""


@dataclass(frozen=True)
class LeaderAnswer:
    status_code: int
    text: str


class LeaderClient(Protocol):
    def send(
        self, method: str, url: str, body: bytes, headers: Mapping[str, str], timeout_s: float
    ) -> LeaderAnswer:
        """Send one request; raises :class:`LeaderRequestError` when no answer came back."""
        ...

    def close(self) -> None: ...


class HttpLeaderClient:
    """One httpx client built on first use (building one loads the CA bundle, ~50 ms of CPU), and no
    keep-alive, as Java's RestClient: a connection per request."""

    def __init__(self, worker_props: Mapping[str, Any]) -> None:
        self._worker_props = worker_props
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(
                    limits=httpx.Limits(max_keepalive_connections=0),
                    verify=rest_client_verify(self._worker_props),
                )
            return self._http

    def send(
        self, method: str, url: str, body: bytes, headers: Mapping[str, str], timeout_s: float
    ) -> LeaderAnswer:
        try:
            r = self._client().request(
                method, url, content=body or None, headers=dict(headers), timeout=timeout_s
            )
        except httpx.HTTPError as e:
            raise LeaderRequestError(str(e)) from e
        return LeaderAnswer(r.status_code, r.text)

    def close(self) -> None:
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            http.close()
