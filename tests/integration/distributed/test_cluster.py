"""A 3-worker connectrt cluster on a real broker: assignment, failover, joins, forwarding (issue 5)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectrt.connectors.testing.handles import count_events
from tests.integration.distributed.cluster import ConnectCluster, elapsed, monitorable
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

SESSION_TIMEOUT_S = 10


@pytest.fixture
def cluster(kafka_bootstrap: str, unique_name: Any, tmp_path: Path) -> Iterator[ConnectCluster]:
    c = ConnectCluster(kafka_bootstrap, unique_name("cluster"), tmp_path).start(3)
    yield c
    c.stop()


def test_six_tasks_spread_two_per_worker(cluster: ConnectCluster, unique_name: Any) -> None:
    name = unique_name("spread")
    with cluster.client(1) as c:  # any worker: followers forward to the leader
        r = c.put(f"/connectors/{name}/config", json=monitorable(unique_name("t"), 6))
        assert r.status_code == 201, r.text
        assert r.json()["name"] == name
    status = cluster.wait_running(name, 6)
    urls = {w.url.split("://")[1] for w in cluster.workers}
    assert set(cluster.tasks_per_worker(status)) == urls
    assert sorted(cluster.tasks_per_worker(status).values()) == [2, 2, 2]
    assert status["connector"]["worker_id"] in urls
    # Every worker answers reads from its own snapshot.
    for i in range(3):
        with cluster.client(i) as c:
            assert c.get("/connectors").json() == [name]
            assert [t["task"] for t in c.get(f"/connectors/{name}").json()["tasks"]] == list(range(6))


def test_kill9_with_zero_delay_moves_tasks(cluster: ConnectCluster, unique_name: Any) -> None:
    name = unique_name("failover")
    with cluster.client() as c:
        assert c.put(f"/connectors/{name}/config", json=monitorable(unique_name("t"), 6)).status_code == 201
    cluster.wait_running(name, 6)
    victim = cluster.workers[2]
    victim_id = victim.url.split("://")[1]
    start = time.monotonic()
    victim.kill9()

    def moved() -> dict[str, Any] | None:
        s = cluster.status(name)
        ok = (
            len(s.get("tasks", [])) == 6
            and all(t["state"] == "RUNNING" and t["worker_id"] != victim_id for t in s["tasks"])
            and s["connector"]["worker_id"] != victim_id
        )
        return s if ok else None

    status = wait_until(moved, SESSION_TIMEOUT_S + 5, "tasks running on the surviving workers")
    print(f"kill -9 to all tasks RUNNING elsewhere: {elapsed(start)} s")
    assert sorted(cluster.tasks_per_worker(status).values()) == [3, 3]


def _is_leader(worker: WorkerProcess) -> bool:
    """Whether the worker's latest join (its log) made it the group's leader."""
    joins = [
        line
        for line in worker.log_path.read_text(errors="replace").splitlines()
        if "Joined group at generation" in line and ("as leader;" in line or "as follower;" in line)
    ]
    return bool(joins) and "as leader;" in joins[-1]


def test_returning_worker_gets_its_work_back_within_the_delay(
    kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    cluster = ConnectCluster(
        kafka_bootstrap, unique_name("delay"), tmp_path, **{"scheduled.rebalance.max.delay.ms": "30000"}
    ).start(3)
    try:
        name = unique_name("delayed")
        with cluster.client() as c:
            assert (
                c.put(f"/connectors/{name}/config", json=monitorable(unique_name("t"), 6)).status_code == 201
            )
        status = cluster.wait_running(name, 6)
        # Not the leader: the delay applies to work a follower lost. A new leader has no view of the
        # previous assignment and assigns the dead leader's work at once, as Java's assignor does.
        victim = next(w for w in reversed(cluster.workers) if not _is_leader(w))
        victim_id = victim.url.split("://")[1]
        victim_tasks = sorted(t["id"] for t in status["tasks"] if t["worker_id"] == victim_id)
        assert victim_tasks, status
        victim.kill9()
        time.sleep(SESSION_TIMEOUT_S + 4)
        # Within the delay the lost tasks are not reassigned.
        s = cluster.status(name)
        others = {t["id"] for t in s["tasks"] if t["worker_id"] != victim_id and t["state"] == "RUNNING"}
        assert not (others & set(victim_tasks)), s
        back = cluster.add_worker(port=victim.port)
        assert back.url.split("://")[1] == victim_id
        s = cluster.wait_running(name, 6, timeout_s=90)
        assert sorted(t["id"] for t in s["tasks"] if t["worker_id"] == victim_id) == victim_tasks
    finally:
        cluster.stop()


def test_joining_worker_rebalances_without_restarting_others(
    cluster: ConnectCluster, unique_name: Any, tmp_path: Path
) -> None:
    name = unique_name("join")
    events = tmp_path / "events.jsonl"
    with cluster.client() as c:
        assert (
            c.put(f"/connectors/{name}/config", json=monitorable(unique_name("t"), 8, events)).status_code
            == 201
        )
    before = cluster.wait_running(name, 8)
    owners_before = {t["id"]: t["worker_id"] for t in before["tasks"]}
    start = time.monotonic()
    newcomer = cluster.add_worker()
    new_id = newcomer.url.split("://")[1]

    def balanced() -> dict[str, Any] | None:
        s = cluster.status(name)
        if len(s.get("tasks", [])) != 8 or any(t["state"] != "RUNNING" for t in s["tasks"]):
            return None
        counts = cluster.tasks_per_worker(s)
        return s if counts.get(new_id) == 2 and sorted(counts.values()) == [2, 2, 2, 2] else None

    after = wait_until(balanced, 60, "8 tasks balanced over 4 workers")
    print(f"join rebalance completed in {elapsed(start)} s")
    for t in after["tasks"]:
        starts = count_events(events, "start", kind="task", task=f"{name}-{t['id']}")
        if owners_before[t["id"]] == t["worker_id"]:
            assert starts == 1, (t, starts)
        else:
            assert starts == 2, (t, starts)


def test_writes_through_a_follower(cluster: ConnectCluster, unique_name: Any) -> None:
    name = unique_name("fwd")
    cfg = monitorable(unique_name("t"), 2)
    for i in range(3):  # whichever worker is the leader, the others forward
        with cluster.client(i) as c:
            r = c.put(f"/connectors/{name}-{i}/config", json=cfg)
            assert r.status_code == 201, r.text
            assert c.put(f"/connectors/{name}-{i}/config", json=cfg).status_code == 200
            r = c.post("/connectors", json={"name": f"{name}-{i}", "config": cfg})
            assert r.status_code == 409
            assert r.json() == {"error_code": 409, "message": f"Connector {name}-{i} already exists"}
    for i in range(3):
        cluster.wait_running(f"{name}-{i}", 2)
    with cluster.client(2) as c:
        assert c.put(f"/connectors/{name}-0/stop").status_code == 204
        wait_until(
            lambda: (
                cluster.status(f"{name}-0").get("connector", {}).get("state") == "STOPPED"
                and cluster.status(f"{name}-0")["tasks"] == []
            ),
            30,
            "stopped",
        )
        assert c.get(f"/connectors/{name}-0/tasks").json() == []
        r = c.patch(
            f"/connectors/{name}-0/offsets",
            json={"offsets": [{"partition": {"task.id": f"{name}-0-0"}, "offset": {"saved": 5}}]},
        )
        assert r.status_code == 200, r.text
        offsets = c.get(f"/connectors/{name}-0/offsets").json()["offsets"]
        assert {"partition": {"task.id": f"{name}-0-0"}, "offset": {"saved": 5}} in offsets
        assert sorted(o["partition"]["task.id"] for o in offsets) == [f"{name}-0-0", f"{name}-0-1"]
        assert c.put(f"/connectors/{name}-0/resume").status_code == 202
    cluster.wait_running(f"{name}-0", 2)
    with cluster.client(1) as c:
        assert c.post(f"/connectors/{name}-1/restart").status_code == 204
        r = c.post(f"/connectors/{name}-1/restart", params={"includeTasks": "true"})
        assert r.status_code == 202
        assert r.json()["connector"]["state"] == "RESTARTING"
        assert c.post(f"/connectors/{name}-1/tasks/1/restart").status_code == 204
        for i in range(3):
            assert c.delete(f"/connectors/{name}-{i}").status_code == 204
        wait_until(lambda: c.get("/connectors").json() == [], 30, "all deleted")
        wait_until(lambda: c.get(f"/connectors/{name}-1/status").status_code == 404, 30, "status removed")
