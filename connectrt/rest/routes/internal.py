"""Inter-worker endpoints (Java's ``InternalConnectResource``), hidden from the API document.

The raw body and its signature headers go to the herder, which checks the signature against the
session key (Java's ``InternalRequestSignature``, KIP-507); :attr:`RestConfig.internal_request_verifier` may reject a request first.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from connectrt.herder.signature import InternalRequestSignature
from connectrt.rest.body import MAX_INTERNAL_BODY_BYTES, parse_json, parse_task_configs, read_body
from connectrt.rest.responses import empty_response
from connectrt.rest.routing import connect_router, connector_path, context, forward_param

router = connect_router()


async def _raw_body(request: Request) -> bytes:
    raw = await read_body(request, MAX_INTERNAL_BODY_BYTES)
    verifier = context(request).config.internal_request_verifier
    if verifier is not None:
        await verifier(request, raw)
    return raw


@router.post("/connectors/{connector}/tasks", include_in_schema=False, status_code=204)
async def put_task_configs(request: Request, connector: str) -> Response:
    ctx = context(request)
    raw = await _raw_body(request)
    task_configs = parse_task_configs(parse_json(raw))
    signature = InternalRequestSignature.from_headers(raw, request.headers)
    forward = forward_param(request)
    await ctx.handler.complete_or_forward(
        ctx.require_herder().put_task_configs(connector, task_configs, signature),
        request,
        path=connector_path(connector, "/tasks"),
        forward=forward,
        body=task_configs,
    )
    return empty_response(204)


@router.put("/connectors/{connector}/fence", include_in_schema=False, status_code=204)
async def fence_zombies(request: Request, connector: str) -> Response:
    ctx = context(request)
    raw = await _raw_body(request)
    signature = InternalRequestSignature.from_headers(raw, request.headers)
    forward = forward_param(request)
    await ctx.handler.complete_or_forward(
        ctx.require_herder().fence_zombies(connector, signature),
        request,
        path=connector_path(connector, "/fence"),
        forward=forward,
        raw_body=raw or None,
    )
    return empty_response(204)
