"""Kafka's InternalTopicsIntegrationTest and SessionedProtocolIntegrationTest, black-box against
connectrt worker processes on the shared broker:

- internal topics with a replication factor above the broker count: ``/health`` answers 503 naming
  the startup stage while the worker retries, then the worker gives up and exits;
- existing internal topics that are not compacted: the worker never becomes healthy, one bad topic
  at a time, until all three are compacted;
- with ``connect.protocol=sessioned``, ``POST /connectors/<c>/tasks`` without a signature is 400 and
  with a wrong one 403, on every worker, before and after the connector exists.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.clients import new_topic
from tests.integration.distributed.api.support import MONITORABLE_SINK, STRING_CONVERTER
from tests.integration.distributed.cluster import ConnectCluster
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

INSTANT = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z"


def _brokers(kafka_admin: Any) -> int:
    return len(kafka_admin.list_topics(timeout=10).brokers)


def _topic_exists(kafka_admin: Any, name: str) -> bool:
    meta = kafka_admin.list_topics(topic=name, timeout=10).topics.get(name)
    return meta is not None and meta.error is None


def test_more_replicas_than_brokers_fails_startup(
    kafka_bootstrap: str, kafka_admin: Any, unique_name: Any, tmp_path: Path
) -> None:
    too_many = str(_brokers(kafka_admin) + 1)
    cluster = ConnectCluster(
        kafka_bootstrap,
        unique_name("rf"),
        tmp_path,
        **{
            "config.storage.replication.factor": too_many,
            "offset.storage.replication.factor": too_many,
            "status.storage.replication.factor": "1",
            "rest.health.check.timeout.ms": "1000",
            # How long creating the topics is retried (Java reads the same worker setting; default 60 s).
            "default.api.timeout.ms": "8000",
        },
    )
    worker = cluster.add_worker(wait=False)
    try:

        def starting() -> httpx.Response | None:
            try:
                r = httpx.get(worker.url + "/health", timeout=10)
            except httpx.HTTPError:
                return None  # REST server not listening yet
            return r if "reading to the end of internal topics" in r.text else None

        r = wait_until(starting, 30, "/health reports the startup stage")
        assert r.status_code == 503, r.text
        assert r.json()["status"] == "starting"
        assert re.fullmatch(
            "Worker is still starting up. The worker is currently initializing and reading to the end of internal "
            f"topics, which began at {INSTANT}.",
            r.json()["message"],
        ), r.text
        # Creating the topics is retried for default.api.timeout.ms, then the worker stops.
        assert worker.proc is not None
        assert worker.proc.wait(60) != 0
        log = worker.log_path.read_text(errors="replace")
        assert "INVALID_REPLICATION_FACTOR" in log or "replication factor" in log.lower(), worker.tail()
        assert not _topic_exists(kafka_admin, cluster.props["config.storage.topic"])
        assert not _topic_exists(kafka_admin, cluster.props["offset.storage.topic"])
    finally:
        cluster.stop()


def _never_healthy(worker: WorkerProcess) -> str:
    """The worker exits without ever answering /health with 200; returns its log."""
    assert worker.proc is not None
    deadline = time.monotonic() + 90
    while worker.proc.poll() is None and time.monotonic() < deadline:
        try:
            assert httpx.get(worker.url + "/health", timeout=5).status_code != 200, (
                "the worker became healthy"
            )
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    try:
        code = worker.proc.wait(1)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the worker did not exit:\n{worker.tail()}") from None
    assert code != 0
    return worker.log_path.read_text(errors="replace")


def test_internal_topics_must_be_compacted(
    kafka_bootstrap: str, kafka_admin: Any, unique_name: Any, tmp_path: Path
) -> None:
    name = unique_name("compact")
    good = {
        kind: new_topic(kafka_admin, f"{name}-good-{kind}", config={"cleanup.policy": "compact"})
        for kind in ("config", "offset", "status")
    }
    bad = {
        "config": new_topic(kafka_admin, f"{name}-bad-config", config={"cleanup.policy": "delete"}),
        "offset": new_topic(kafka_admin, f"{name}-bad-offset", config={"cleanup.policy": "compact,delete"}),
        "status": new_topic(kafka_admin, f"{name}-bad-status", config={"cleanup.policy": "delete"}),
    }
    keys = {
        "config": "config.storage.topic",
        "offset": "offset.storage.topic",
        "status": "status.storage.topic",
    }
    purposes = {
        "config": "connector configurations",
        "offset": "source connector offsets",
        "status": "connector and task statuses",
    }
    topics = dict(bad)
    try:
        # Java starts the offsets store first, then statuses, then configs: the first bad one fails.
        for fix in ("config", "offset", "status", None):
            cluster = ConnectCluster(
                kafka_bootstrap, name, tmp_path, **{keys[k]: v for k, v in topics.items()}
            )
            worker = cluster.add_worker(wait=False)
            try:
                if fix is None:
                    worker.wait_healthy(60)
                    break
                failing = next(k for k in ("offset", "status", "config") if topics[k] == bad[k])
                log = _never_healthy(worker)
                expected = (
                    f"Topic '{bad[failing]}' supplied via the '{keys[failing]}' property is required to have "
                    f"'cleanup.policy=compact' to guarantee consistency and durability of {purposes[failing]}"
                )
                assert expected in log, worker.tail()
            finally:
                cluster.stop()
            topics[fix] = good[fix]
    finally:
        kafka_admin.delete_topics([*good.values(), *bad.values()])


def test_sessioned_protocol_secures_the_internal_endpoint(
    kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    cluster = ConnectCluster(
        kafka_bootstrap, unique_name("sessioned"), tmp_path, **{"connect.protocol": "sessioned"}
    ).start(2)
    name = unique_name("sink")
    try:

        def check() -> None:
            for worker in cluster.workers:
                url = f"{worker.url}/connectors/{name}/tasks"
                r = httpx.post(url, content=b"[]", headers={"Content-Type": "application/json"}, timeout=30)
                assert r.status_code == 400, r.text
                assert r.json() == {
                    "error_code": 400,
                    "message": "Internal request missing required signature",
                }
                r = httpx.post(
                    url,
                    content=b"[]",
                    timeout=30,
                    headers={
                        "Content-Type": "application/json",
                        "X-Connect-Authorization": "S2Fma2Flc3F1ZQ==",
                        "X-Connect-Request-Signature-Algorithm": "HmacSHA256",
                    },
                )
                assert r.status_code == 403, r.text
                assert r.json() == {
                    "error_code": 403,
                    "message": "Internal request contained invalid signature.",
                }

        # Before the connector exists: 400/403, not 404 (once the leader distributed a session key).
        wait_until(
            lambda: all(httpx.get(w.url + "/health", timeout=15).status_code == 200 for w in cluster.workers),
            30,
            "both workers healthy",
        )
        wait_until(
            lambda: (
                httpx.post(
                    f"{cluster.workers[1].url}/connectors/{name}/tasks",
                    content=b"[]",
                    headers={
                        "X-Connect-Authorization": "S2Fma2Flc3F1ZQ==",
                        "X-Connect-Request-Signature-Algorithm": "HmacSHA256",
                    },
                    timeout=15,
                ).status_code
                != 503
            ),
            30,
            "a session key was read",
        )
        check()
        config = {
            "connector.class": MONITORABLE_SINK,
            "tasks.max": "1",
            "topics": unique_name("t"),
            "key.converter": STRING_CONVERTER,
            "value.converter": STRING_CONVERTER,
        }
        with cluster.client() as c:
            assert c.put(f"/connectors/{name}/config", json=config).status_code == 201
        cluster.wait_running(name, 1)
        check()
    finally:
        cluster.stop()
