"""Re-expresses ConnectorRestartApiIntegrationTest against a standalone worker:
exact connector/task restart counts for each onlyFailed/includeTasks combination."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectrt.connectors.testing.handles import count_events
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration
TASKS = 4


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    workdir = tmp_path_factory.mktemp("restart-api")
    w = WorkerProcess(
        "standalone",
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": str(workdir / "offsets"),
        },
        workdir,
    )
    w.start()
    yield w
    w.stop()


def _create(
    worker: WorkerProcess, name: str, events: Path, topic: str, extra: dict[str, str] | None = None
) -> None:
    config = {
        "connector.class": "org.apache.kafka.connect.integration.MonitorableSourceConnector",
        "tasks.max": str(TASKS),
        "topic": topic,
        "throughput": "10",
        "events.file": str(events),
        **(extra or {}),
    }
    with worker.client() as c:
        assert c.put(f"/connectors/{name}/config", json=config).status_code == 201

        def settled() -> bool:
            s = c.get(f"/connectors/{name}/status").json()
            return len(s.get("tasks", [])) == TASKS and all(
                t["state"] in ("RUNNING", "FAILED") for t in s["tasks"]
            )

        wait_until(settled, 30, "all tasks started")


def _counts(events: Path, name: str) -> tuple[int, list[int]]:
    return (
        count_events(events, "start", kind="connector", connector=name),
        [count_events(events, "start", kind="task", task=f"{name}-{i}") for i in range(TASKS)],
    )


def _restart(worker: WorkerProcess, name: str, only_failed: bool, include_tasks: bool) -> Any:
    with worker.client() as c:
        return c.post(
            f"/connectors/{name}/restart",
            params={"onlyFailed": str(only_failed).lower(), "includeTasks": str(include_tasks).lower()},
        )


@pytest.mark.parametrize(
    ("only_failed", "include_tasks", "connector_restarts", "task_restarts", "status"),
    [
        (False, False, 1, 0, 204),
        (False, True, 1, 1, 202),
        (True, False, 0, 0, 202),
        (True, True, 0, 0, 202),
    ],
)
def test_restart_running_connector(
    worker: WorkerProcess,
    tmp_path: Path,
    unique_name: Any,
    only_failed: bool,
    include_tasks: bool,
    connector_restarts: int,
    task_restarts: int,
    status: int,
) -> None:
    name, events = unique_name("restart"), tmp_path / "events.jsonl"
    _create(worker, name, events, unique_name("restart-topic"))
    before = _counts(events, name)
    assert before == (1, [1] * TASKS)
    r = _restart(worker, name, only_failed, include_tasks)
    assert r.status_code == status, r.text
    if status == 202:
        body = r.json()
        restarting = [body["connector"]["state"]] + [t["state"] for t in body["tasks"]]
        assert ("RESTARTING" in restarting) == (connector_restarts + task_restarts > 0)
    expected = (1 + connector_restarts, [1 + task_restarts] * TASKS)
    wait_until(lambda: _counts(events, name) == expected, 30, f"counts {expected}")
    time.sleep(1)
    assert _counts(events, name) == expected
    with worker.client() as c:
        assert c.delete(f"/connectors/{name}").status_code == 204


def test_restart_only_failed_task(worker: WorkerProcess, tmp_path: Path, unique_name: Any) -> None:
    name, events = unique_name("restart-failed"), tmp_path / "events.jsonl"
    _create(worker, name, events, unique_name("restart-topic"), {f"task-{name}-1.start.inject.error": "true"})
    with worker.client() as c:
        states = [t["state"] for t in c.get(f"/connectors/{name}/status").json()["tasks"]]
    assert states == ["RUNNING", "FAILED", "RUNNING", "RUNNING"]
    r = _restart(worker, name, True, True)
    assert r.status_code == 202
    assert [t["state"] for t in r.json()["tasks"]] == ["RUNNING", "RESTARTING", "RUNNING", "RUNNING"]
    assert r.json()["connector"]["state"] == "RUNNING"
    wait_until(lambda: _counts(events, name) == (1, [1, 2, 1, 1]), 30, "task 1 restarted once")
    with worker.client() as c:
        assert c.delete(f"/connectors/{name}").status_code == 204


@pytest.mark.parametrize(
    "params",
    [{}, {"onlyFailed": "true"}, {"includeTasks": "true"}, {"onlyFailed": "true", "includeTasks": "true"}],
)
def test_restart_unknown_connector(worker: WorkerProcess, params: dict[str, str]) -> None:
    with worker.client() as c:
        r = c.post("/connectors/no-such-connector/restart", params=params)
    assert r.status_code == 404
    assert r.json() == {"error_code": 404, "message": "Unknown connector: no-such-connector"}
