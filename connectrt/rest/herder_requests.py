"""Waiting for herder requests and forwarding them (Java's ``HerderRequestHandler``).

:meth:`HerderRequestHandler.complete` waits for a herder coroutine up to the request timeout
(90 s). On timeout the herder's work is *not* cancelled (Java does not cancel it either); the
client gets 500 "Request timed out. <stage summary>".

:meth:`HerderRequestHandler.complete_or_forward` also handles a ``RequestTargetException``: the
request is re-sent to ``<forward_url><path>?forward=<bool>[&extra params]`` (at most two hops
between workers) and the remote answer is returned as an :class:`HttpResponse` for the route to
relay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from starlette.requests import Request

from connectrt.herder.base import Herder
from connectrt.model.errors import (
    CONFLICTING_OPERATION_MESSAGE,
    NO_LEADER_MESSAGE,
    STALE_CONFIG_MESSAGE,
    ConflictException,
    ConnectRestException,
    RebalanceNeededException,
    RequestTargetException,
)
from connectrt.rest.forwarding import HttpResponse, RestClient, build_url

log = logging.getLogger(__name__)

T = TypeVar("T")


def timeout_message(herder: Herder | None) -> str:
    summary = ""
    if herder is not None:
        try:
            summary = herder.startup_stage() or ""
        except Exception:  # a broken stage report must not hide the timeout
            log.exception("Could not read the herder's current stage")
    return f"Request timed out. {summary}" if summary else "Request timed out"


def _consume_result(task: asyncio.Future[Any]) -> None:
    # The caller stopped waiting; read the outcome so asyncio does not warn about it.
    if not task.cancelled() and task.exception() is not None:
        log.debug("Herder request finished after its REST request timed out: %s", task.exception())


async def wait_with_timeout(awaitable: Awaitable[T], timeout_s: float) -> T:
    """``awaitable``'s result; raises ``TimeoutError`` after ``timeout_s`` without cancelling it."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if not done:
        task.add_done_callback(_consume_result)
        raise TimeoutError()
    return task.result()


class HerderRequestHandler:
    def __init__(
        self,
        herder: Callable[[], Herder | None],
        timeout_s: Callable[[], float],
        client: RestClient,
    ) -> None:
        self._herder = herder
        self._timeout_s = timeout_s
        self.client = client

    async def complete(self, awaitable: Awaitable[T]) -> T:
        """The herder's answer, or the REST error its failure or a timeout maps to."""
        try:
            return await wait_with_timeout(awaitable, self._timeout_s())
        except TimeoutError:
            raise ConnectRestException(timeout_message(self._herder()), status=500)
        except RebalanceNeededException:
            raise ConflictException(STALE_CONFIG_MESSAGE)

    async def complete_or_forward(
        self,
        awaitable: Awaitable[T],
        request: Request,
        *,
        path: str,
        forward: bool | None,
        body: Any = None,
        raw_body: bytes | None = None,
        query: Sequence[tuple[str, str]] = (),
    ) -> T | HttpResponse:
        """The local answer, or the remote worker's answer when the herder says it belongs elsewhere."""
        try:
            return await self.complete(awaitable)
        except RequestTargetException as exc:
            method = request.method
            if forward is not None and not forward:
                log.error(
                    "Request '%s %s' failed because it couldn't find the target Connect worker within two "
                    "hops (between workers).",
                    method,
                    path,
                )
                raise ConflictException(CONFLICTING_OPERATION_MESSAGE)
            if not exc.forward_url:
                raise ConflictException(NO_LEADER_MESSAGE)
            # Only the first worker (no forward param) may forward recursively: at most two hops.
            recursive = "true" if forward is None else "false"
            url = build_url(exc.forward_url, path, [("forward", recursive), *query])
            log.debug("Forwarding request %s %s", method, url)
            return await self.client.request(
                url,
                method,
                authorization=request.headers.get("authorization"),
                body=body,
                raw_body=raw_body,
            )
