"""Kafka's ConnectorRestartApiIntegrationTest in its multi-worker form: every restart request goes to a worker that owns nothing of the connector, so it is
forwarded (plain restarts: to the leader, then to the owner; flagged ones: to the leader, which
writes the restart record), and the exact connector and task start counts of Java's table hold.
Starts are counted from each connector's events file (the tasks run in other processes).

Java's multi-worker variant uses 6 workers and 4 tasks so that some worker owns nothing; with 3
workers that is guaranteed only for one task (the connector and its task take at most two
workers), so the table runs with 1 task, and the "only task 1 failed" row with 2.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectrt.connectors.testing.handles import count_events, read_events
from tests.fixtures.names import unique_name
from tests.integration.distributed.api.conftest import Shared
from tests.integration.distributed.api.support import put_config, request, worker_id
from tests.integration.distributed.cluster import ConnectCluster, monitorable
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration

SETTLE_S = 1.5


@dataclass(frozen=True)
class Row:
    kind: str  # running | failed-connector | failed-tasks | task1-failed
    only_failed: bool
    include_tasks: bool
    connector_restarts: int
    task_restarts: tuple[int, ...]

    @property
    def id(self) -> str:
        return f"{self.kind}-{'T' if self.only_failed else 'F'}{'T' if self.include_tasks else 'F'}"

    @property
    def tasks(self) -> int:
        return 2 if self.kind == "task1-failed" else (0 if self.kind == "failed-connector" else 1)


ROWS = [
    Row("running", False, False, 1, (0,)),
    Row("running", False, True, 1, (1,)),
    Row("running", True, False, 0, (0,)),
    Row("running", True, True, 0, (0,)),
    Row("failed-connector", False, False, 1, ()),
    Row("failed-connector", False, True, 1, ()),
    Row("failed-connector", True, True, 1, ()),
    Row("failed-tasks", False, False, 1, (0,)),
    Row("failed-tasks", True, True, 0, (1,)),
    Row("failed-tasks", True, False, 0, (0,)),
    Row("failed-tasks", False, True, 1, (1,)),
    Row("task1-failed", True, True, 0, (0, 1)),
]


@dataclass
class Scenario:
    name: str
    events: Path


def _config(row: Row, name: str, topic: str, events: Path) -> dict[str, str]:
    config = monitorable(topic, max(row.tasks, 1), events, throughput="5")
    if row.kind == "failed-connector":
        config["connector.start.inject.error"] = "true"
    elif row.kind == "failed-tasks":
        config[f"task-{name}-0.start.inject.error"] = "true"
    elif row.kind == "task1-failed":
        config[f"task-{name}-1.start.inject.error"] = "true"
    return config


def _expected_states(row: Row) -> tuple[str, list[str]]:
    if row.kind == "failed-connector":
        return "FAILED", []
    if row.kind == "failed-tasks":
        return "RUNNING", ["FAILED"]
    if row.kind == "task1-failed":
        return "RUNNING", ["RUNNING", "FAILED"]
    return "RUNNING", ["RUNNING"]


@pytest.fixture(scope="module")
def scenarios(shared: Shared, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Scenario]]:
    """Every row's connector, created at once (one round of rebalances for all of them)."""
    cluster = shared.cluster
    workdir = tmp_path_factory.mktemp("restarts")
    out: dict[str, Scenario] = {}
    for i, row in enumerate(ROWS):
        name = unique_name(f"restart-{row.id}", "fwd")
        events = workdir / f"{name}.jsonl"
        put_config(cluster, name, _config(row, name, unique_name("rt", "fwd"), events), via=i % 3)
        out[row.id] = Scenario(name, events)
    for row in ROWS:
        name = out[row.id].name
        connector_state, task_states = _expected_states(row)
        wait_until(
            lambda n=name, c=connector_state, t=task_states: (
                (s := cluster.status(n))
                and s["connector"]["state"] == c
                and [x["state"] for x in s["tasks"]] == t
            ),
            60,
            f"{name} settled",
        )

    def all_counts() -> list[tuple[int, list[int]]]:
        return [_counts(out[r.id], r.tasks) for r in ROWS]

    def stable() -> bool:  # no start or stop for a while: the rebalances are over
        first = all_counts()
        time.sleep(SETTLE_S)
        return all_counts() == first

    wait_until(stable, 30, "no more starts")
    for scenario in out.values():
        _assert_no_restart_in_place(scenario)
    yield out
    for s in out.values():
        request(cluster, "DELETE", f"/connectors/{s.name}")


def _assert_no_restart_in_place(s: Scenario) -> None:
    """While the connectors were created, instances may move between workers (cooperative load
    balancing), but none may be stopped and started again by the same worker: nothing asked for
    that (a new connector must not be restarted by the config record that created it, nor its
    tasks by the task configs they were started with)."""
    last_pid: dict[str | None, int] = {}
    for e in read_events(s.events):
        if e["event"] == "start":
            assert last_pid.get(e["task"]) != e["pid"], (
                f"{e['task'] or s.name} started twice in pid {e['pid']}"
            )
            last_pid[e["task"]] = e["pid"]


def _counts(s: Scenario, tasks: int) -> tuple[int, list[int]]:
    return (
        count_events(s.events, "start", kind="connector", connector=s.name),
        [count_events(s.events, "start", kind="task", task=f"{s.name}-{i}") for i in range(tasks)],
    )


def _bystander(cluster: ConnectCluster, status: dict[str, Any], must_avoid: set[str]) -> int:
    """Index of an alive worker owning nothing of the connector (else none of ``must_avoid``)."""
    owners = {status["connector"]["worker_id"], *(t["worker_id"] for t in status["tasks"])}
    ids = [worker_id(w.url) for w in cluster.alive()]
    for avoid in (owners, must_avoid):
        for i, wid in enumerate(ids):
            if wid not in avoid:
                return i
    raise AssertionError(f"every worker owns part of {status}")


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_restart_is_forwarded_with_exact_counts(
    shared: Shared, scenarios: dict[str, Scenario], row: Row
) -> None:
    cluster = shared.cluster
    s = scenarios[row.id]
    status = cluster.status(s.name)
    before = _counts(s, row.tasks)  # more than one start if the instance moved while others were created
    restarting = {status["connector"]["worker_id"]}
    restarting |= {t["worker_id"] for t in status["tasks"] if row.include_tasks and t["state"] == "FAILED"}
    via = _bystander(cluster, status, restarting)
    r = request(
        cluster,
        "POST",
        f"/connectors/{s.name}/restart",
        via,
        params={"onlyFailed": str(row.only_failed).lower(), "includeTasks": str(row.include_tasks).lower()},
    )
    if not row.only_failed and not row.include_tasks:
        assert r.status_code == 204, r.text
    else:
        assert r.status_code == 202, r.text
        body = r.json()
        assert (body["connector"]["state"] == "RESTARTING") == (row.connector_restarts == 1), body
        assert [t["state"] == "RESTARTING" for t in body["tasks"]] == [n == 1 for n in row.task_restarts], (
            body
        )
    expected = (
        before[0] + row.connector_restarts,
        [b + n for b, n in zip(before[1], row.task_restarts, strict=True)],
    )
    wait_until(lambda: _counts(s, row.tasks) == expected, 30, f"{s.name} starts {expected}")
    time.sleep(SETTLE_S)
    assert _counts(s, row.tasks) == expected


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"onlyFailed": "true"},
        {"includeTasks": "true"},
        {"onlyFailed": "true", "includeTasks": "true"},
        {"onlyFailed": "false", "includeTasks": "false"},
    ],
)
def test_restart_unknown_connector_from_every_worker(shared: Shared, params: dict[str, str]) -> None:
    name = unique_name("nope", "fwd")
    for via in range(3):
        r = request(shared.cluster, "POST", f"/connectors/{name}/restart", via, params=params)
        assert r.status_code == 404, r.text
        assert r.json() == {"error_code": 404, "message": f"Unknown connector: {name}"}


def test_task_restart_is_forwarded_to_its_owner(shared: Shared, scenarios: dict[str, Scenario]) -> None:
    """``POST /connectors/{c}/tasks/0/restart`` from a bystander: 204 and exactly one task start."""
    cluster = shared.cluster
    row = ROWS[0]
    s = scenarios[row.id]
    connector_starts, task_starts = _counts(s, 1)
    status = cluster.status(s.name)
    r = request(cluster, "POST", f"/connectors/{s.name}/tasks/0/restart", _bystander(cluster, status, set()))
    assert r.status_code == 204, r.text
    wait_until(lambda: _counts(s, 1) == (connector_starts, [task_starts[0] + 1]), 30, "task 0 restarted")
    r = request(cluster, "POST", f"/connectors/{s.name}/tasks/7/restart", 1)
    assert r.status_code == 404
    assert r.json() == {"error_code": 404, "message": f"Unknown task: {s.name}-7"}
