"""``GET /connectors/{c}/tasks/{t}/metrics`` (a connectrt extension): the local answer, and the
forwarding of a request for a task another worker runs (follower -> leader -> owner)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectrt.model.entities import ConnectorTaskId
from connectrt.model.errors import NotAssignedException, NotFoundException
from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig

from .fake_herder import WORKER_ID, FakeHerder
from .helpers import AppClient, error

pytestmark = pytest.mark.unit


class MetricsHerder(FakeHerder):
    async def task_metrics(self, task_id: ConnectorTaskId, forward: bool | None = None) -> dict[str, Any]:
        await self._enter("task_metrics", task_id, forward)
        if task_id.connector not in self.configs:
            raise NotFoundException(f"Unknown connector: {task_id.connector}")
        if task_id.task != 0:
            raise NotFoundException(f"Unknown task: {task_id}")
        return {"id": task_id.to_json(), "worker_id": WORKER_ID, "metrics": {"RowsScanned": {"public.t": 3}}}


def test_metrics_of_a_local_task() -> None:
    herder = MetricsHerder()
    herder.add_connector("a")
    client = AppClient(create_app(herder, RestConfig()))
    try:
        r = client.get("/connectors/a/tasks/0/metrics")
        assert (r.status_code, r.json()) == (
            200,
            {
                "id": {"connector": "a", "task": 0},
                "worker_id": WORKER_ID,
                "metrics": {"RowsScanned": {"public.t": 3}},
            },
        )
        assert herder.called("task_metrics") == [(ConnectorTaskId("a", 0), None)]
        r = client.get("/connectors/a/tasks/1/metrics")
        assert (r.status_code, r.json()) == (404, error(404, "Unknown task: a-1"))
        r = client.get("/connectors/b/tasks/0/metrics")
        assert (r.status_code, r.json()) == (404, error(404, "Unknown connector: b"))
    finally:
        client.close()


def test_the_default_herder_answer_is_404() -> None:
    herder = FakeHerder()
    herder.add_connector("a")
    client = AppClient(create_app(herder, RestConfig()))
    try:
        r = client.get("/connectors/a/tasks/0/metrics")
        assert (r.status_code, r.json()) == (404, error(404, "Task a-0 is not running"))
    finally:
        client.close()


def test_a_task_on_another_worker_is_answered_by_that_worker() -> None:
    owner = MetricsHerder()
    owner.add_connector("a")
    requests: list[httpx.Request] = []
    inner = httpx.ASGITransport(app=create_app(owner, RestConfig()))

    class Recording(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            requests.append(request)
            return await inner.handle_async_request(request)

    here = MetricsHerder()
    here.add_connector("a")
    here.fail("task_metrics", NotAssignedException("not here", "http://owner:8083/"))
    client = AppClient(create_app(here, RestConfig(forward_transport=Recording())))
    try:
        r = client.get("/connectors/a/tasks/0/metrics")
        assert r.status_code == 200
        assert r.json()["metrics"] == {"RowsScanned": {"public.t": 3}}
    finally:
        client.close()
    assert [str(q.url) for q in requests] == ["http://owner:8083/connectors/a/tasks/0/metrics?forward=true"]
    assert owner.called("task_metrics") == [(ConnectorTaskId("a", 0), True)]
