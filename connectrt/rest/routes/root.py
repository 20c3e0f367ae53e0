"""``GET /`` (server info) and ``GET /health`` (Java's ``RootResource``)."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from connectrt.herder.base import Herder
from connectrt.model.entities import ServerInfo
from connectrt.rest.herder_requests import wait_with_timeout
from connectrt.rest.responses import json_response
from connectrt.rest.routing import connect_router, context, json_response_doc, ref

log = logging.getLogger(__name__)

router = connect_router()

HEALTHY_MESSAGE = "Worker has completed startup and is ready to handle requests."
STARTING_MESSAGE = "Worker is still starting up."
UNHEALTHY_MESSAGE = "Worker was unable to handle this request and may be unable to handle other requests."


def worker_status(status: str, message: str, details: str | None = None) -> dict[str, Any]:
    """Java's ``WorkerStatus``: ``{"status", "message"}``; details follow the message after a space."""
    return {"status": status, "message": f"{message} {details}" if details else message}


@router.get(
    "/",
    summary="Get details about this Connect worker and the ID of the Kafka cluster it is connected to",
    operation_id="serverInfo",
    responses={200: json_response_doc("Server info", ref("ServerInfo"))},
)
async def server_info(request: Request) -> Response:
    ctx = context(request)
    herder = ctx.require_herder()
    info = ServerInfo(ctx.config.version, ctx.config.commit, herder.kafka_cluster_id())
    return json_response(info.to_json())


@router.get(
    "/health",
    summary="Health check endpoint to verify worker readiness and liveness",
    operation_id="healthCheck",
    responses={
        200: json_response_doc("The worker is ready", ref("WorkerStatus")),
        503: json_response_doc("The worker is still starting up", ref("WorkerStatus")),
        500: json_response_doc("The worker is unhealthy", ref("WorkerStatus")),
    },
)
async def health_check(request: Request) -> Response:
    ctx = context(request)
    herder = ctx.herder
    if herder is None:
        return json_response(worker_status("starting", STARTING_MESSAGE), 503)
    try:
        await wait_with_timeout(herder.health_check(), ctx.config.health_check_timeout_s)
    except TimeoutError:
        details = _stage(herder)
        if not _is_ready(herder):
            return json_response(worker_status("starting", STARTING_MESSAGE, details), 503)
        return json_response(worker_status("unhealthy", UNHEALTHY_MESSAGE, details), 500)
    except Exception:
        # A herder that cannot answer yet (e.g. a stand-in before startup) is still starting.
        if not _is_ready(herder):
            return json_response(worker_status("starting", STARTING_MESSAGE, _stage(herder)), 503)
        raise
    return json_response(worker_status("healthy", HEALTHY_MESSAGE))


def _is_ready(herder: Herder) -> bool:
    try:
        return bool(herder.is_ready())
    except Exception:
        return False


def _stage(herder: Herder) -> str | None:
    try:
        return herder.startup_stage() or None
    except Exception:
        log.exception("Could not read the herder's current stage")
        return None
