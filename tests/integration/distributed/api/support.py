"""REST and Kafka helpers for the tests on the shared cluster (Java's ConnectAssertions, re-expressed)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.fixtures.clients import quiet_logger
from tests.integration.distributed.cluster import ConnectCluster, monitorable
from tests.integration.worker_process import wait_until

MONITORABLE_SOURCE = "org.apache.kafka.connect.integration.MonitorableSourceConnector"
MONITORABLE_SINK = "org.apache.kafka.connect.integration.MonitorableSinkConnector"
VERIFIABLE_SINK = "org.apache.kafka.connect.tools.VerifiableSinkConnector"
STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter"


def source(
    topic: str, tasks: int, extra: dict[str, str] | None = None, events: Path | None = None
) -> dict[str, str]:
    """A MonitorableSource config (20 records/s per task unless ``extra`` says otherwise)."""
    return {**monitorable(topic, tasks, events), **(extra or {})}


def worker_id(url: str) -> str:
    return url.split("://", 1)[1]


def request(cluster: ConnectCluster, method: str, path: str, via: int = 0, **kwargs: Any) -> httpx.Response:
    with cluster.client(via) as c:
        return c.request(method, path, **kwargs)


def put_config(cluster: ConnectCluster, name: str, config: dict[str, str], via: int = 0) -> dict[str, Any]:
    r = request(cluster, "PUT", f"/connectors/{name}/config", via, json=config)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def create(
    cluster: ConnectCluster, name: str, config: dict[str, str], initial_state: str | None = None, via: int = 0
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "config": config}
    if initial_state is not None:
        body["initial_state"] = initial_state
    r = request(cluster, "POST", "/connectors", via, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def delete(cluster: ConnectCluster, name: str, via: int = 0) -> None:
    r = request(cluster, "DELETE", f"/connectors/{name}", via)
    assert r.status_code == 204, r.text
    wait_until(
        lambda: request(cluster, "GET", f"/connectors/{name}/status").status_code == 404,
        30,
        f"{name} status gone",
    )


def wait_state(
    cluster: ConnectCluster,
    name: str,
    connector: str,
    tasks: int,
    task_state: str | None = None,
    timeout_s: float = 60,
    via: int = 0,
) -> dict[str, Any]:
    """Wait until ``name`` is in state ``connector`` with exactly ``tasks`` tasks, each in
    ``task_state`` (default: the connector's state)."""
    want = task_state or connector

    def ok() -> dict[str, Any] | None:
        s = cluster.status(name, via)
        if s.get("connector", {}).get("state") != connector or len(s.get("tasks", [])) != tasks:
            return None
        return s if all(t["state"] == want for t in s["tasks"]) else None

    return dict(wait_until(ok, timeout_s, f"{name} {connector} with {tasks} {want} tasks"))


def wait_stopped(cluster: ConnectCluster, name: str, timeout_s: float = 60) -> dict[str, Any]:
    """Java's assertConnectorIsStopped: STOPPED with exactly 0 tasks."""
    return wait_state(cluster, name, "STOPPED", 0, timeout_s=timeout_s)


def consume(
    bootstrap: str, topic: str, at_least: int, timeout_s: float = 30, settle_s: float = 0.0
) -> list[tuple[bytes | None, bytes | None]]:
    """(key, value) of every record of a 1-partition ``topic`` from the start: waits for
    ``at_least``, then keeps reading for ``settle_s`` more seconds."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"check-{topic}-{time.monotonic_ns()}",
            "enable.auto.commit": False,
            "logger": quiet_logger(),
        }
    )
    out: list[tuple[bytes | None, bytes | None]] = []
    try:
        consumer.assign([TopicPartition(topic, 0, -2)])
        deadline = time.monotonic() + timeout_s
        settle_until: float | None = None
        while time.monotonic() < (settle_until or deadline):
            for m in consumer.consume(1000, timeout=0.5):
                if m.error() is None:
                    out.append((m.key(), m.value()))
            if len(out) >= at_least and settle_until is None:
                settle_until = time.monotonic() + settle_s
    finally:
        consumer.close()
    if len(out) < at_least:
        raise AssertionError(f"{len(out)} of {at_least} records in {topic} after {timeout_s} s")
    return out


def payload(raw: bytes | None) -> Any:
    """The payload of a JsonConverter envelope (the workers' converters have schemas enabled)."""
    return None if raw is None else orjson.loads(raw)["payload"]


def produce(bootstrap: str, topic: str, values: list[bytes], partition: int = 0) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "logger": quiet_logger()})
    for v in values:
        producer.produce(topic, value=v, partition=partition)
    assert producer.flush(30) == 0


def raw_topic(
    bootstrap: str, topic: str, timeout_s: float = 10
) -> list[tuple[int, bytes | None, bytes | None]]:
    """Every record of ``topic`` (all partitions) as (partition, key, value), in partition then offset order."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"raw-{topic}-{time.monotonic_ns()}",
            "enable.auto.commit": False,
            "logger": quiet_logger(),
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=10).topics[topic]
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in meta.partitions
        }
        consumer.assign([TopicPartition(topic, p, -2) for p in meta.partitions])
        got: dict[int, list[Any]] = {p: [] for p in meta.partitions}
        deadline = time.monotonic() + timeout_s
        while (
            any((got[p][-1][0] + 1 if got[p] else 0) < ends[p] for p in got) and time.monotonic() < deadline
        ):
            for m in consumer.consume(1000, timeout=0.5):
                partition = m.partition()
                if m.error() is None and partition is not None:
                    got[partition].append((m.offset(), m.key(), m.value()))
    finally:
        consumer.close()
    return [(p, k, v) for p in sorted(got) for _, k, v in got[p]]
