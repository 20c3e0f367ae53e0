"""Forwarding to the leader / owner (Java's HerderRequestHandler.completeOrForwardRequest): a follower app whose herder raises
NotLeaderException, and a leader app reached through a recording transport or a real local port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from connectrt.model.errors import ConnectRestException, NotAssignedException, NotLeaderException
from connectrt.model.states import RestartRequest
from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig
from connectrt.rest.listeners import parse_listeners
from connectrt.rest.server import RestServer

from .fake_herder import WORKER_ID, FakeHerder
from .helpers import AppClient, error

pytestmark = pytest.mark.unit

LEADER_URL = "http://leader:8083/"
SOURCE = "FileStreamSource"

WRITE_METHODS = (
    "put_connector_config",
    "patch_connector_config",
    "delete_connector",
    "restart_connector",
    "restart_connector_and_tasks",
    "restart_task",
    "stop_connector",
    "alter_connector_offsets",
    "reset_connector_offsets",
    "put_task_configs",
    "fence_zombies",
)


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


class Cluster:
    def __init__(self, forward_url: str | None = LEADER_URL) -> None:
        self.leader = FakeHerder()
        self.follower = FakeHerder()
        for method in WRITE_METHODS:
            self.follower.fail(method, NotLeaderException("This worker is not the leader", forward_url))
        self.transport = RecordingTransport(httpx.ASGITransport(app=create_app(self.leader, RestConfig())))
        self.client = AppClient(create_app(self.follower, RestConfig(forward_transport=self.transport)))

    @property
    def sent(self) -> httpx.Request:
        assert self.transport.requests, "nothing was forwarded"
        return self.transport.requests[-1]


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    yield c
    c.client.close()


def test_create_is_forwarded_to_the_leader(cluster: Cluster) -> None:
    r = cluster.client.post(
        "/connectors",
        json={"name": " a ", "config": {"connector.class": SOURCE}},
        headers={"Authorization": "Basic dXNlcjpwdw==", "X-Other": "not copied"},
    )
    assert r.status_code == 201
    assert r.headers["location"] == "http://testserver/connectors/a"
    assert r.json() == {
        "name": "a",
        "config": {"connector.class": SOURCE, "name": "a"},
        "tasks": [{"connector": "a", "task": 0}],
        "type": "source",
    }
    sent = cluster.sent
    assert (sent.method, str(sent.url)) == ("POST", "http://leader:8083/connectors?forward=true")
    assert sent.headers["authorization"] == "Basic dXNlcjpwdw=="
    assert sent.headers["user-agent"] == "kafka-connect"
    assert sent.headers["content-type"] == "application/json"
    assert "x-other" not in sent.headers
    assert orjson.loads(sent.content) == {
        "name": "a",
        "config": {"connector.class": SOURCE, "name": "a"},
        "initial_state": None,
    }
    assert cluster.leader.called("put_connector_config")[0][4] is True  # the leader saw forward=true
    assert "a" in cluster.leader.configs and "a" not in cluster.follower.configs


def test_put_config_keeps_the_leaders_201_or_200(cluster: Cluster) -> None:
    r = cluster.client.put("/connectors/a/config", json={"connector.class": SOURCE})
    assert r.status_code == 201
    assert r.headers["location"] == "http://testserver/connectors/a"
    r = cluster.client.put("/connectors/a/config", json={"connector.class": SOURCE, "tasks.max": "2"})
    assert r.status_code == 200
    assert len(r.json()["tasks"]) == 2
    assert str(cluster.sent.url) == "http://leader:8083/connectors/a/config?forward=true"


def test_second_hop_is_sent_with_forward_false(cluster: Cluster) -> None:
    cluster.leader.add_connector("a")
    r = cluster.client.put("/connectors/a/stop?forward=true")
    assert r.status_code == 204
    assert str(cluster.sent.url) == "http://leader:8083/connectors/a/stop?forward=false"


def test_no_third_hop(cluster: Cluster) -> None:
    r = cluster.client.delete("/connectors/a?forward=false")
    assert r.status_code == 409
    assert r.json() == error(
        409, "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
    )
    assert cluster.transport.requests == []


def test_unknown_leader_is_409() -> None:
    c = Cluster(forward_url=None)
    try:
        r = c.client.delete("/connectors/a")
        assert r.status_code == 409
        assert r.json() == error(
            409,
            "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.",
        )
    finally:
        c.client.close()


def test_leader_errors_are_relayed(cluster: Cluster) -> None:
    r = cluster.client.delete("/connectors/missing")
    assert (r.status_code, r.json()) == (404, error(404, "Connector missing not found"))
    cluster.leader.fail("patch_connector_config", ConnectRestException("odd", status=409, error_code=40901))
    r = cluster.client.patch("/connectors/a/config", json={"x": "y"})
    assert (r.status_code, r.json()) == (409, error(40901, "odd"))


def test_delete_204_is_relayed_empty(cluster: Cluster) -> None:
    cluster.leader.add_connector("a")
    r = cluster.client.delete("/connectors/a")
    assert (r.status_code, r.content) == (204, b"")
    assert cluster.sent.content == b""
    assert "content-type" not in cluster.sent.headers


def test_restart_with_flags_forwards_query_parameters(cluster: Cluster) -> None:
    cluster.leader.add_connector("a")
    r = cluster.client.post("/connectors/a/restart?includeTasks=true")
    assert r.status_code == 202
    assert r.json()["connector"] == {"state": "RESTARTING", "worker_id": WORKER_ID, "version": "4.2.1"}
    assert str(cluster.sent.url) == (
        "http://leader:8083/connectors/a/restart?forward=true&includeTasks=true&onlyFailed=false"
    )
    assert cluster.leader.called("restart_connector_and_tasks") == [(RestartRequest("a", False, True), True)]


def test_plain_restart_and_task_restart(cluster: Cluster) -> None:
    cluster.leader.add_connector("a")
    assert cluster.client.post("/connectors/a/restart").status_code == 204
    assert str(cluster.sent.url) == "http://leader:8083/connectors/a/restart?forward=true"
    assert cluster.client.post("/connectors/a/tasks/0/restart").status_code == 204
    assert str(cluster.sent.url) == "http://leader:8083/connectors/a/tasks/0/restart?forward=true"


def test_owner_redirect_via_not_assigned(cluster: Cluster) -> None:
    cluster.leader.add_connector("a")
    cluster.follower.fail("restart_connector", NotAssignedException("not the owner", "http://leader:8083"))
    assert cluster.client.post("/connectors/a/restart").status_code == 204


def test_offsets_are_forwarded(cluster: Cluster) -> None:
    cluster.leader.add_connector("a")
    cluster.client.put("/connectors/a/stop")
    body = {"offsets": [{"partition": {"f": "x"}, "offset": {"p": 1}}]}
    r = cluster.client.patch("/connectors/a/offsets", json=body)
    assert r.status_code == 200
    assert r.json()["message"].startswith("The Connect framework-managed offsets")
    assert orjson.loads(cluster.sent.content) == body
    r = cluster.client.delete("/connectors/a/offsets")
    assert (r.status_code, r.json()) == (
        200,
        {"message": "The offsets for this connector have been reset successfully"},
    )


def test_names_are_encoded_in_forwarded_paths(cluster: Cluster) -> None:
    cluster.leader.add_connector("my conn")
    assert cluster.client.delete("/connectors/my%20conn").status_code == 204
    assert cluster.sent.url.raw_path == b"/connectors/my%20conn?forward=true"


class _Failing(httpx.AsyncBaseTransport):
    def __init__(self, response: httpx.Response | None = None) -> None:
        self.response = response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.response is None:
            raise httpx.ConnectError("connection refused", request=request)
        return self.response


def _follower(transport: httpx.AsyncBaseTransport) -> AppClient:
    follower = FakeHerder()
    follower.fail("delete_connector", NotLeaderException("not leader", LEADER_URL))
    return AppClient(create_app(follower, RestConfig(forward_transport=transport)))


def test_unreachable_leader_is_500() -> None:
    c = _follower(_Failing())
    try:
        r = c.delete("/connectors/a")
        assert (r.status_code, r.json()) == (
            500,
            error(500, "IO Error trying to forward REST request: connection refused"),
        )
    finally:
        c.close()


def test_leader_answer_that_is_not_error_json_is_500() -> None:
    c = _follower(_Failing(httpx.Response(502, text="<html>bad gateway</html>")))
    try:
        r = c.delete("/connectors/a")
        assert r.status_code == 500
        assert r.json()["message"].startswith("IO Error trying to forward REST request: the worker at ")
    finally:
        c.close()


def test_unexpected_leader_status_is_500() -> None:
    c = _follower(_Failing(httpx.Response(302, headers={"location": "/elsewhere"})))
    try:
        r = c.delete("/connectors/a")
        assert r.json() == error(500, "Unexpected status code when handling forwarded request: 302")
    finally:
        c.close()


def test_forwarding_to_a_leader_on_a_real_port() -> None:
    leader = FakeHerder()
    leader_config = RestConfig(
        listeners=parse_listeners("http://127.0.0.1:0"), advertised_host_name="127.0.0.1"
    )
    server = RestServer(create_app(leader, leader_config), leader_config)
    server.bind()
    follower = FakeHerder()
    follower.fail("put_connector_config", NotLeaderException("not leader", server.advertised_url()))
    client = AppClient(create_app(follower, RestConfig()))
    try:
        client.loop.run_until_complete(server.start())
        r = client.put("/connectors/a/config", json={"connector.class": SOURCE})
        assert r.status_code == 201
        assert r.json()["name"] == "a"
        assert "a" in leader.configs
    finally:
        client.loop.run_until_complete(server.stop())
        client.close()
