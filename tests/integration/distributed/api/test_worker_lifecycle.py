"""Kafka's ConnectWorkerIntegrationTest, re-expressed against a 3-worker
connectrt cluster: task counts, pause/stop/resume, stopped and paused initial states with offset
changes, PATCH of a config, tasks.max enforcement, and a worker joining and leaving.

Requests go to different workers on purpose (followers forward writes to the leader).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from connectrt.connectors.testing.handles import count_events
from tests.fixtures.names import unique_name
from tests.integration.distributed.api import java_records
from tests.integration.distributed.api.conftest import Shared
from tests.integration.distributed.api.support import (
    STRING_CONVERTER,
    VERIFIABLE_SINK,
    consume,
    create,
    delete,
    produce,
    put_config,
    request,
    source,
    wait_state,
    wait_stopped,
)
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration

NUM_TASKS = 4


def _names(prefix: str) -> tuple[str, str]:
    return unique_name(prefix, "lifecycle"), unique_name(prefix + "t", "lifecycle")


def test_task_statuses(shared: Shared) -> None:
    cluster = shared.cluster
    name, topic = _names("statuses")
    config = source(topic, 1)
    put_config(cluster, name, config, via=1)
    wait_state(cluster, name, "RUNNING", 1)
    for tasks in (5, 3):
        config["tasks.max"] = str(tasks)
        put_config(cluster, name, config, via=2)
        wait_state(cluster, name, "RUNNING", tasks)
    delete(cluster, name)


def test_pause_stop_resume(shared: Shared) -> None:
    cluster = shared.cluster
    name, topic = _names("psr")
    put_config(cluster, name, source(topic, NUM_TASKS))
    wait_state(cluster, name, "RUNNING", NUM_TASKS)

    def twice(action: str, status: int) -> None:  # every action is idempotent
        for via in (1, 2):
            r = request(cluster, "PUT", f"/connectors/{name}/{action}", via)
            assert r.status_code == status, r.text
            assert r.content == b""

    def assert_no_tasks() -> None:
        for via in range(3):
            assert request(cluster, "GET", f"/connectors/{name}", via).json()["tasks"] == []
            assert request(cluster, "GET", f"/connectors/{name}/tasks", via).json() == []

    twice("stop", 204)
    wait_stopped(cluster, name)
    assert_no_tasks()
    twice("resume", 202)
    wait_state(cluster, name, "RUNNING", NUM_TASKS)
    twice("pause", 202)
    wait_state(cluster, name, "PAUSED", NUM_TASKS)
    twice("stop", 204)
    wait_stopped(cluster, name)
    assert_no_tasks()
    twice("pause", 202)  # STOPPED -> PAUSED: a paused connector with no tasks
    wait_state(cluster, name, "PAUSED", 0)
    assert_no_tasks()
    twice("resume", 202)
    wait_state(cluster, name, "RUNNING", NUM_TASKS)
    delete(cluster, name, via=2)
    # Worker 1 answers from its own view of the status topic, which may lag the delete for a moment.
    r = request(cluster, "GET", f"/connectors/{name}/status", 1)
    deadline = time.monotonic() + 30
    while r.status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        r = request(cluster, "GET", f"/connectors/{name}/status", 1)
    assert r.status_code == 404
    assert r.json() == {"error_code": 404, "message": f"No status found for connector {name}"}


def test_stopped_state(shared: Shared) -> None:
    """A connector failing in start() is FAILED with no tasks, can be stopped, fixed and resumed; one
    failing in stop() still reaches STOPPED and can be resumed and deleted."""
    cluster = shared.cluster
    name, topic = _names("stopped")
    config = source(
        topic, NUM_TASKS, {"connector.start.inject.error": "true", "connector.stop.inject.error": "true"}
    )
    put_config(cluster, name, config, via=2)
    status = wait_state(cluster, name, "FAILED", 0)
    assert "Injecting errors during connector start" in status["connector"]["trace"]
    assert request(cluster, "PUT", f"/connectors/{name}/stop", 1).status_code == 204
    wait_stopped(cluster, name)
    config["connector.start.inject.error"] = "false"
    put_config(cluster, name, config, via=0)
    wait_stopped(cluster, name)  # a config change does not leave STOPPED
    assert request(cluster, "PUT", f"/connectors/{name}/resume", 2).status_code == 202
    wait_state(cluster, name, "RUNNING", NUM_TASKS)
    assert request(cluster, "PUT", f"/connectors/{name}/stop", 0).status_code == 204  # stop() raises
    wait_stopped(cluster, name)
    assert request(cluster, "PUT", f"/connectors/{name}/resume", 1).status_code == 202
    wait_state(cluster, name, "RUNNING", NUM_TASKS)
    delete(cluster, name, via=1)


def test_create_with_paused_initial_state(shared: Shared) -> None:
    cluster = shared.cluster
    name, topic = _names("paused")
    info = create(cluster, name, source(topic, NUM_TASKS), initial_state="PAUSED", via=2)
    assert info["tasks"] == []
    wait_state(cluster, name, "PAUSED", 0)
    assert request(cluster, "GET", f"/connectors/{name}/tasks", 1).json() == []
    assert request(cluster, "GET", f"/connectors/{name}", 0).json()["tasks"] == []
    assert request(cluster, "PUT", f"/connectors/{name}/resume", 1).status_code == 202
    wait_state(cluster, name, "RUNNING", NUM_TASKS)
    delete(cluster, name)


def test_create_source_with_stopped_initial_state_and_modify_offsets(
    shared: Shared, kafka_admin: Any
) -> None:
    from tests.fixtures.clients import new_topic

    cluster = shared.cluster
    name, topic = _names("srcstopped")
    new_topic(kafka_admin, topic, 1)
    config = source(topic, 1, {"max.messages": "10", "throughput": "-1"})
    info = create(cluster, name, config, initial_state="STOPPED", via=1)
    assert info["tasks"] == []
    wait_stopped(cluster, name)
    assert request(cluster, "GET", f"/connectors/{name}/offsets", 2).json() == {"offsets": []}
    offsets = [{"partition": {"task.id": f"{name}-0"}, "offset": {"saved": 5}}]
    r = request(cluster, "PATCH", f"/connectors/{name}/offsets", 2, json={"offsets": offsets})
    assert r.status_code == 200, r.text
    assert request(cluster, "GET", f"/connectors/{name}/offsets", 0).json() == {"offsets": offsets}
    assert request(cluster, "PUT", f"/connectors/{name}/resume", 0).status_code == 202
    wait_state(cluster, name, "RUNNING", 1)
    records = consume(shared.bootstrap, topic, 5, timeout_s=30, settle_s=3)
    keys = [k.decode() if k else "" for k, _ in records]
    assert len(records) == 5, keys  # seqnos 6..10: max.messages=10 minus the 5 already "saved"
    assert all(f"key-{name}-0-{s}" in k for k, s in zip(keys, range(6, 11), strict=True)), keys
    delete(cluster, name)
    kafka_admin.delete_topics([topic])


def test_create_sink_with_stopped_initial_state_and_modify_offsets(
    shared: Shared, kafka_admin: Any, tmp_path: Path
) -> None:
    from tests.fixtures.clients import new_topic

    cluster = shared.cluster
    name, topic = _names("sinkstopped")
    new_topic(kafka_admin, topic, 1)
    produce(shared.bootstrap, topic, [f"v{i}".encode() for i in range(10)])
    out = tmp_path / "sink.jsonl"
    config = {
        "connector.class": VERIFIABLE_SINK,
        "tasks.max": "1",
        "topics": topic,
        "file": str(out),
        "key.converter": STRING_CONVERTER,
        "value.converter": STRING_CONVERTER,
    }
    create(cluster, name, config, initial_state="STOPPED", via=2)
    wait_stopped(cluster, name)
    partition = {"kafka_topic": topic, "kafka_partition": 0}
    r = request(
        cluster,
        "PATCH",
        f"/connectors/{name}/offsets",
        0,
        json={"offsets": [{"partition": partition, "offset": {"kafka_offset": 5}}]},
    )
    assert r.status_code == 200, r.text
    assert request(cluster, "GET", f"/connectors/{name}/offsets", 1).json() == {
        "offsets": [{"partition": partition, "offset": {"kafka_offset": 5}}]
    }
    assert request(cluster, "PUT", f"/connectors/{name}/resume", 1).status_code == 202
    wait_state(cluster, name, "RUNNING", 1)

    def seen() -> list[int] | None:
        lines = out.read_bytes().splitlines() if out.exists() else []
        offsets = sorted(orjson.loads(line)["offset"] for line in lines)
        return offsets if len(offsets) >= 5 else None

    assert wait_until(seen, 30, "5 records in the sink") == [5, 6, 7, 8, 9]
    delete(cluster, name)
    kafka_admin.delete_topics([topic])


def test_patch_connector_config(shared: Shared) -> None:
    cluster = shared.cluster
    name, topic = _names("patch")
    config = source(topic, 2, {"to-be-deleted-key": "value"})
    put_config(cluster, name, config, via=0)
    wait_state(cluster, name, "RUNNING", 2)
    patch = {"tasks.max": "3", "to-be-added-key": "value", "to-be-deleted-key": None}
    r = request(cluster, "PATCH", f"/connectors/{name}/config", 2, json=patch)
    assert r.status_code == 200, r.text
    expected = {
        **{k: v for k, v in config.items() if k != "to-be-deleted-key"},
        "name": name,
        "tasks.max": "3",
        "to-be-added-key": "value",
    }
    assert r.json()["config"] == expected
    wait_state(cluster, name, "RUNNING", 3)
    assert request(cluster, "GET", f"/connectors/{name}", 1).json()["config"] == expected
    r = request(cluster, "PATCH", f"/connectors/{unique_name('nope')}/config", 1, json=patch)
    assert r.status_code == 404
    delete(cluster, name)


def _too_many(name: str, n: int, max_tasks: int) -> str:
    return (
        f"The connector {name} has generated {n} tasks, which is greater than {max_tasks}, "
        "the maximum number of tasks it is configured to create. "
    )


def test_tasks_max_enforcement(shared: Shared) -> None:
    cluster = shared.cluster
    name, topic = _names("tasksmax")
    config = source(topic, 1, {"num.tasks": "2"})
    put_config(cluster, name, config, via=1)
    status = wait_state(cluster, name, "FAILED", 0)
    assert _too_many(name, 2, 1) in status["connector"]["trace"]

    # A task set larger than tasks.max written before enforcement existed (here: by hand, like
    # Java's test does, while the connector is failed): every task fails at start.
    task_configs = [
        (
            f"task-{name}-{i}".encode(),
            b'{"properties":'
            + orjson.dumps({**config, "name": name, "connector.name": name, "task.id": f"{name}-{i}"})
            + b"}",
        )
        for i in range(2)
    ]
    java_records.produce(
        shared.bootstrap,
        f"{shared.group}-configs",
        [*task_configs, (f"commit-{name}".encode(), b'{"tasks":2}')],
        1,
    )
    status = wait_state(cluster, name, "FAILED", 2)
    assert all(_too_many(name, 2, 1) in t["trace"] for t in status["tasks"]), status

    config["tasks.max.enforce"] = "false"  # the same task set may run then
    put_config(cluster, name, config, via=2)
    wait_state(cluster, name, "RUNNING", 2)
    config["num.tasks"] = "3"  # and the connector may generate more than tasks.max
    put_config(cluster, name, config, via=0)
    wait_state(cluster, name, "RUNNING", 3)

    config["num.tasks"], config["tasks.max.enforce"] = "1", "true"
    put_config(cluster, name, config, via=1)
    wait_state(cluster, name, "RUNNING", 1)
    config["num.tasks"] = "2"  # generating too many again fails the connector; its task keeps running
    put_config(cluster, name, config, via=1)
    wait_state(cluster, name, "FAILED", 1, task_state="RUNNING")
    # 409 "no known leader URL" while the cooperative rebalance's second round runs (as Java): retry.
    restarted = wait_until(
        lambda: (
            (r := request(cluster, "POST", f"/connectors/{name}/tasks/0/restart", 2)).status_code != 409 and r
        ),
        30,
        "task restart accepted",
    )
    assert restarted.status_code == 204, restarted.text
    wait_until(
        lambda: (
            (s := cluster.status(name))
            and s["tasks"][0]["state"] == "RUNNING"
            and s["connector"]["state"] == "FAILED"
        ),
        30,
        "task 0 still running",
    )
    delete(cluster, name)


def test_add_and_remove_worker(shared: Shared, tmp_path: Path) -> None:
    """Last in the package: the cluster goes to four workers and back to three."""
    cluster = shared.cluster
    name, topic = _names("addremove")
    events = tmp_path / "events.jsonl"
    put_config(cluster, name, source(topic, NUM_TASKS, events=events))
    wait_state(cluster, name, "RUNNING", NUM_TASKS)
    extra = cluster.add_worker()
    assert len(cluster.alive()) == 4
    for w in cluster.alive():
        assert request(cluster, "GET", "/health", cluster.alive().index(w)).status_code == 200
    wait_until(
        lambda: (
            cluster.status(name, via=3).get("connector", {}).get("state") == "RUNNING"
            and sum(t["state"] == "RUNNING" for t in cluster.status(name, via=3)["tasks"]) >= NUM_TASKS
        ),
        60,
        "connector and tasks running with four workers",
    )
    extra.stop()
    cluster.workers.remove(extra)
    assert len(cluster.alive()) == 3
    for i in range(3):
        assert request(cluster, "GET", "/health", i).status_code == 200
    wait_state(cluster, name, "RUNNING", NUM_TASKS)
    assert count_events(events, "start", kind="connector", connector=name) >= 1
    delete(cluster, name)
