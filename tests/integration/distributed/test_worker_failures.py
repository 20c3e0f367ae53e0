"""Kafka's ConnectWorkerIntegrationTest failure cases on connectrt workers:

- BrokerCoordinator: the brokers go away → every ``/health`` answers 500 "Worker was unable to handle
  this request..." and the connector is stopped; the brokers come back → the same 3 workers are
  healthy and the tasks run again.
- RequestTimeouts: with the brokers down, a config PUT times out (500) naming what the herder
  thread is stuck on ("flushing updates to the status topic"), and ``/health`` says the same.
  Second half, on a broker without auto topic creation (as Java's): after the config topic is
  deleted, a config PUT times out "writing a config for connector <c> to the config topic".
- PollTimeoutExpiry: a task whose ``stop()`` blocks the herder thread past ``rebalance.timeout.ms``
  → Java's "worker poll timeout has expired..." warning naming "restarting task <c>-0".

The broker tests run on a private single-broker Kafka of their own (stopped and restarted on the
same port); the REST timeouts Java sets through a test hook are set with connectrt's worker
settings ``rest.request.timeout.ms`` and ``rest.health.check.timeout.ms``.
"""

from __future__ import annotations

import concurrent.futures
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectrt.connectors.testing.handles import read_events
from connectrt.dev import services
from connectrt.dev.errors import DevError
from tests.fixtures.services import PrivateInstance
from tests.integration.distributed import blocking
from tests.integration.distributed.cluster import ConnectCluster, monitorable
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

UNHEALTHY = "Worker was unable to handle this request and may be unable to handle other requests."
# Java's Stage.summarize(): "The worker is currently <stage>, which began at <Instant>."
INSTANT = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z"


def _health(worker: WorkerProcess, timeout_s: float = 30) -> httpx.Response:
    return httpx.get(worker.url + "/health", timeout=timeout_s)


def _all_health(workers: list[WorkerProcess]) -> list[httpx.Response]:
    with concurrent.futures.ThreadPoolExecutor(len(workers)) as pool:
        return list(pool.map(_health, workers))


def _restart_brokers(kafka: PrivateInstance) -> None:
    """Start the stopped broker again (same ports and data). On a loaded machine the old process
    may hold its ports (or its data directory lock) for a while: wait for the ports, and retry."""
    from connectrt.dev.procs import port_is_free

    ports = (kafka.settings.broker_port(1), kafka.settings.controller_port(1))
    for attempt in range(5):
        wait_until(lambda: all(port_is_free(p) for p in ports), 60, f"ports {ports} free", interval_s=0.5)
        try:
            services.up(kafka.settings, ("kafka",))
            return
        except DevError as e:
            logs = sorted(Path(kafka.settings.instance_dir).glob("logs/kafka-1.log*"))
            tail = "\n".join(
                line
                for log in logs
                for line in log.read_text(errors="replace").splitlines()
                if " ERROR " in line or "Exception" in line
            )[-3000:]
            if attempt == 4:
                raise AssertionError(f"the broker did not start again: {e}\n{tail}") from e
            print(f"broker restart failed ({e}); retrying. Errors logged:\n{tail}")
            time.sleep(5)


def _assert_put_times_out(
    worker: WorkerProcess, put: Callable[[], httpx.Response], stage: str, within_s: float
) -> None:
    """A PUT answers Java's 500 "Request timed out" naming ``stage``, and /health the same stage."""
    answers: list[str] = []

    def timed_out() -> httpx.Response | None:
        r = put()
        answers.append(f"{r.status_code} {r.text}")
        return r if r.status_code == 500 and stage in r.json().get("message", "") else None

    try:
        r = wait_until(timed_out, within_s, f"PUT times out while the worker is {stage}", interval_s=0.5)
    except AssertionError as e:
        raise AssertionError(f"{e}; answers: {sorted(set(answers))}") from None
    assert r.json()["error_code"] == 500
    assert re.fullmatch(
        f"Request timed out. The worker is currently {stage}, which began at {INSTANT}.", r.json()["message"]
    ), r.text
    health = _health(worker)
    assert health.status_code == 500, health.text
    assert health.json()["status"] == "unhealthy"
    assert re.fullmatch(
        f"{UNHEALTHY} The worker is currently {stage}, which began at {INSTANT}.", health.json()["message"]
    ), health.text


def _connector_events(events: Path, name: str, kind: str) -> int:
    return sum(
        1 for e in read_events(events) if e["event"] == kind and e["connector"] == name and e["task"] is None
    )


def test_broker_coordinator(
    private_dev_instance_factory: Callable[..., PrivateInstance], unique_name: Any, tmp_path: Path
) -> None:
    kafka = private_dev_instance_factory("broker-coordinator")
    cluster = ConnectCluster(
        kafka.bootstrap,
        unique_name("bc"),
        tmp_path,
        **{
            "scheduled.rebalance.max.delay.ms": "5000",
            "rest.health.check.timeout.ms": "2000",
        },
    ).start(3)
    try:
        name, events = unique_name("src"), tmp_path / "events.jsonl"
        with cluster.client() as c:
            r = c.put(f"/connectors/{name}/config", json=monitorable(unique_name("t"), 4, events))
            assert r.status_code == 201, r.text
        cluster.wait_running(name, 4)
        stops = _connector_events(events, name, "stop")
        starts = _connector_events(events, name, "start")

        kafka.stop("kafka-1")
        # Java waits heartbeat timeout * 2 + 4 s for the workers to notice; we poll until no worker is healthy.

        def all_unhealthy() -> list[httpx.Response] | None:
            answers = _all_health(cluster.workers)
            return answers if all(r.status_code == 500 for r in answers) else None

        for r in wait_until(all_unhealthy, 40, "every /health answers 500"):
            body = r.json()
            assert body["status"] == "unhealthy", body
            assert body["message"].startswith(UNHEALTHY + " "), body
        # The connector is stopped once its worker finds the coordinator gone.
        wait_until(lambda: _connector_events(events, name, "stop") > stops, 60, "connector stopped")

        _restart_brokers(kafka)
        assert [w.wait_healthy(90) >= 0 for w in cluster.workers] == [True] * 3
        assert len(cluster.alive()) == 3
        status = cluster.wait_running(name, 4, timeout_s=90)
        assert len({t["worker_id"] for t in status["tasks"]}) <= 3
        wait_until(lambda: _connector_events(events, name, "start") > starts, 60, "connector started again")
    finally:
        cluster.stop()


def test_request_timeouts(
    private_dev_instance_factory: Callable[..., PrivateInstance], unique_name: Any, tmp_path: Path
) -> None:
    kafka = private_dev_instance_factory("request-timeouts")
    cluster = ConnectCluster(
        kafka.bootstrap,
        unique_name("rt"),
        tmp_path,
        **{
            "rest.request.timeout.ms": "1000",
            "rest.health.check.timeout.ms": "1000",
        },
    ).start(1)
    worker = cluster.workers[0]
    try:
        name, topic = unique_name("src"), unique_name("t")
        config1 = monitorable(topic, 4)
        config2 = {**config1, "tasks.max": "5"}

        def put(config: dict[str, str]) -> httpx.Response:
            return httpx.put(f"{worker.url}/connectors/{name}/config", json=config, timeout=30)

        # With a 1 s request timeout even the first write may time out; it completes anyway.
        wait_until(lambda: put(config1).status_code in (200, 201), 60, "connector created")
        cluster.wait_running(name, 4)

        kafka.stop("kafka-1")
        stage = "flushing updates to the status topic"

        _assert_put_times_out(worker, lambda: put(config2), stage, 60)

        _restart_brokers(kafka)
        wait_until(lambda: put(config2).status_code == 200, 90, "PUT succeeds once the brokers are back")
        cluster.wait_running(name, 5, timeout_s=90)
        assert _health(worker).status_code == 200
    finally:
        cluster.stop()


def test_request_timeouts_config_topic_deleted(
    private_dev_instance_factory: Callable[..., PrivateInstance], unique_name: Any, tmp_path: Path
) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    # Java's ConnectWorkerIntegrationTest runs its broker without auto topic creation: the deleted
    # config topic is not created again by the worker's producer, so the config write blocks.
    kafka = private_dev_instance_factory(
        "config-topic-deleted", broker_props={"auto.create.topics.enable": "false"}
    )
    admin = AdminClient({"bootstrap.servers": kafka.bootstrap})
    name, topic = unique_name("src"), unique_name("t")
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result(30)
    cluster = ConnectCluster(
        kafka.bootstrap,
        unique_name("rt"),
        tmp_path,
        **{
            "rest.request.timeout.ms": "1000",
            "rest.health.check.timeout.ms": "1000",
        },
    ).start(1)
    worker = cluster.workers[0]
    try:
        config1 = monitorable(topic, 2)
        config2 = {**config1, "tasks.max": "1"}

        def put(config: dict[str, str]) -> httpx.Response:
            return httpx.put(f"{worker.url}/connectors/{name}/config", json=config, timeout=30)

        wait_until(lambda: put(config1).status_code in (200, 201), 60, "connector created")
        cluster.wait_running(name, 2)

        config_topic = cluster.props["config.storage.topic"]
        for future in admin.delete_topics([config_topic], operation_timeout=30).values():
            future.result(30)
        stage = f"writing a config for connector {name} to the config topic"

        _assert_put_times_out(worker, lambda: put(config2), stage, 30)
        # The config topic stays gone (no auto creation): the write fails for good, as Java's.
        assert config_topic not in admin.list_topics(timeout=10).topics
    finally:
        cluster.stop()


def test_poll_timeout_expiry(kafka_bootstrap: str, unique_name: Any, tmp_path: Path) -> None:
    # The workers load the blocking test connector from a plugin location on their plugin.path.
    cluster = ConnectCluster(
        kafka_bootstrap,
        unique_name("pt"),
        tmp_path,
        **{
            "plugin.path": str(blocking.plugin_location(tmp_path / "plugins")),
            "rebalance.timeout.ms": "4000",
            "task.shutdown.graceful.timeout.ms": "20000",
        },
    ).start(1)
    worker = cluster.workers[0]
    try:
        name = unique_name("blocking")
        config = {
            **monitorable(unique_name("t"), 1),
            "connector.class": blocking.CONNECTOR_CLASS,
            blocking.BLOCK_SECONDS_CONFIG: "8",
        }
        with cluster.client() as c:
            r = c.put(f"/connectors/{name}/config", json=config)
            assert r.status_code == 201, r.text
        cluster.wait_running(name, 1)

        # The restart runs on the herder thread, which blocks in the task's stop() for 8 s: twice
        # the rebalance timeout, so the member's poll timeout expires meanwhile.
        with cluster.client() as c:
            r = c.post(f"/connectors/{name}/tasks/0/restart")
            assert r.status_code == 204, r.text
        expected = (
            "worker poll timeout has expired. The last known action being performed by the worker is : "
            f"restarting task {name}-0 and may contribute to the timeout."
        )
        line = wait_until(
            lambda: next(
                (
                    ln
                    for ln in worker.log_path.read_text(errors="replace").splitlines()
                    if "worker poll timeout has expired" in ln
                ),
                None,
            ),
            20,
            "the poll timeout warning",
        )
        assert expected in line and "WARNING" in line, line
        # The worker left the group and joins again; its task runs again.
        cluster.wait_running(name, 1, timeout_s=60)
        assert _health(worker).status_code == 200
    finally:
        cluster.stop()


def test_request_behind_a_config_change_gets_409(
    kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    """Java's RebalanceNeededException (DistributedHerder.checkRebalanceNeeded): a restart queued behind a request that created a
    connector runs while that creation awaits its rebalance → 409 "stale configuration"."""
    cluster = ConnectCluster(
        kafka_bootstrap,
        unique_name("stale"),
        tmp_path,
        **{"plugin.path": str(blocking.plugin_location(tmp_path / "plugins"))},
    ).start(1)
    worker = cluster.workers[0]
    try:
        blocker, other = unique_name("blocking"), unique_name("other")
        config = {
            **monitorable(unique_name("t"), 1),
            "connector.class": blocking.CONNECTOR_CLASS,
            blocking.BLOCK_SECONDS_CONFIG: "4",
        }
        with cluster.client() as c:
            assert c.put(f"/connectors/{blocker}/config", json=config).status_code == 201
        cluster.wait_running(blocker, 1)

        def send(method: str, path: str, body: Any = None, delay: float = 0.0) -> httpx.Response:
            time.sleep(delay)
            return httpx.request(method, worker.url + path, json=body, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            # The herder thread blocks ~4 s in the task's stop(); meanwhile a creation and then a
            # restart queue up behind it and run in the same batch.
            blocked = pool.submit(send, "POST", f"/connectors/{blocker}/tasks/0/restart")
            created = pool.submit(
                send, "PUT", f"/connectors/{other}/config", monitorable(unique_name("t2"), 1), 1.0
            )
            restart = pool.submit(send, "POST", f"/connectors/{blocker}/restart", None, 2.0)
            assert blocked.result().status_code == 204, blocked.result().text
            assert created.result().status_code == 201, created.result().text
            r = restart.result()
        assert r.status_code == 409, r.text
        assert r.json() == {
            "error_code": 409,
            "message": "Cannot complete request momentarily due to stale configuration (typically caused by a "
            "concurrent config change)",
        }
        # Once the rebalance happened the same request succeeds.
        cluster.wait_running(other, 1)
        assert httpx.post(f"{worker.url}/connectors/{blocker}/restart", timeout=60).status_code == 204
    finally:
        cluster.stop()
