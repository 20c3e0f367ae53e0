"""``GET /connectors/{c}/tasks/{t}/metrics`` (a connectrt extension) on a 2-worker cluster: every
worker answers with the document of the worker that runs the task (the other one forwards, through
the leader when it is a follower); an unknown task is 404 from both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.names import unique_name
from tests.integration.distributed.cluster import ConnectCluster, monitorable
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(
    kafka_bootstrap: str, kafka_admin: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConnectCluster]:
    group = unique_name("metrics", "dist")
    c = ConnectCluster(
        kafka_bootstrap,
        group,
        tmp_path_factory.mktemp("metrics-cluster"),
        **{"heartbeat.interval.ms": "1000"},
    )
    try:
        c.start(2)
        yield c
    finally:
        c.stop()
        topics = [f"{group}-configs", f"{group}-offsets", f"{group}-status"]
        for future in kafka_admin.delete_topics(topics, operation_timeout=10).values():
            try:
                future.result(15)
            except Exception:
                pass


def test_task_metrics_come_from_the_worker_running_the_task(cluster: ConnectCluster) -> None:
    name = unique_name("m", "dist")
    with cluster.client(0) as c:
        r = c.put(f"/connectors/{name}/config", json=monitorable(unique_name("mt", "dist"), 1))
        assert r.status_code == 201, r.text
    status = cluster.wait_running(name, 1)
    owner = status["tasks"][0]["worker_id"]
    ids = [w.url.split("://", 1)[1].rstrip("/") for w in cluster.alive()]
    assert owner in ids and len(ids) == 2

    def answers() -> list[Any]:
        out = []
        for via in range(2):
            with cluster.client(via) as c:
                r = c.get(f"/connectors/{name}/tasks/0/metrics")
                out.append((r.status_code, r.json()))
        return out

    # Right after a rebalance the leader may not know the owner yet (409); then it does.
    def all_ok() -> list[Any] | None:
        got = answers()
        return got if all(code == 200 for code, _ in got) else None

    got = wait_until(all_ok, 30, "both workers answer")
    for _status, body in got:
        assert body == {"id": {"connector": name, "task": 0}, "worker_id": owner, "metrics": {}}
    for via in range(2):
        with cluster.client(via) as c:
            r = c.get(f"/connectors/{name}/tasks/3/metrics")
            assert (r.status_code, r.json()) == (
                404,
                {"error_code": 404, "message": f"Unknown task: {name}-3"},
            )
        with cluster.client(via) as c:
            assert c.delete(f"/connectors/{name}").status_code == 204
            break
