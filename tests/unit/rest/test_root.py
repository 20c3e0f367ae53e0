"""GET / and GET /health."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectrt.model.errors import ServiceUnavailableException
from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig

from .fake_herder import FakeHerder
from .helpers import AppClient

pytestmark = pytest.mark.unit

STAGE = "The worker is currently ticking, which began at 2024-01-01T00:00:00Z."


def test_server_info(client: AppClient, herder: FakeHerder) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.json() == {"version": "0.1.0", "commit": "abc123", "kafka_cluster_id": "kafka-cluster-id"}


def test_server_info_without_cluster_id(client: AppClient, herder: FakeHerder) -> None:
    herder.cluster_id = None
    assert client.get("/").json() == {"version": "0.1.0", "commit": "abc123", "kafka_cluster_id": None}


def test_default_version_is_the_package_version(herder: FakeHerder) -> None:
    import connectrt

    c = AppClient(create_app(herder, RestConfig()))
    try:
        assert c.get("/").json()["version"] == connectrt.__version__
    finally:
        c.close()


def test_health_healthy(client: AppClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {
        "status": "healthy",
        "message": "Worker has completed startup and is ready to handle requests.",
    }


def test_health_starting(client: AppClient, herder: FakeHerder, rest_config: RestConfig) -> None:
    rest_config.health_check_timeout_s = 0.05
    herder.ready = False
    herder.hang("health_check")
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json() == {"status": "starting", "message": f"Worker is still starting up. {STAGE}"}


def test_health_unhealthy(client: AppClient, herder: FakeHerder, rest_config: RestConfig) -> None:
    rest_config.health_check_timeout_s = 0.05
    herder.hang("health_check")
    r = client.get("/health")
    assert r.status_code == 500
    assert r.json() == {
        "status": "unhealthy",
        "message": "Worker was unable to handle this request and may be unable to handle other requests. "
        + STAGE,
    }


def test_health_without_stage_text(client: AppClient, herder: FakeHerder, rest_config: RestConfig) -> None:
    rest_config.health_check_timeout_s = 0.05
    herder.ready = False
    herder.stage = ""
    herder.hang("health_check")
    assert client.get("/health").json() == {"status": "starting", "message": "Worker is still starting up."}


def test_health_of_a_stand_in_herder_that_refuses(client: AppClient, herder: FakeHerder) -> None:
    herder.ready = False
    herder.fail("health_check", ServiceUnavailableException("Worker is still starting up."))
    r = client.get("/health")
    assert (r.status_code, r.json()["status"]) == (503, "starting")


@pytest.fixture
def no_herder_client() -> Iterator[AppClient]:
    c = AppClient(create_app(None, RestConfig()))
    yield c
    c.close()


def test_without_a_herder(no_herder_client: AppClient) -> None:
    assert no_herder_client.get("/health").json() == {
        "status": "starting",
        "message": "Worker is still starting up.",
    }
    r = no_herder_client.get("/connectors")
    assert (r.status_code, r.json()) == (
        503,
        {"error_code": 503, "message": "The worker's herder is not available."},
    )
