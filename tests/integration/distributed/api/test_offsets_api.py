"""Kafka's OffsetsApiIntegrationTest, re-expressed against the
shared 3-worker connectrt cluster: GET/PATCH/DELETE of sink and source offsets, the 400 and 404
cases with Java's messages, zombie sink tasks, reset then GET empty, a second reset.

One deliberate difference (DESIGN.md): a wrong-shaped body gets 400 where Java answers 500; the
message is Java's.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.clients import new_topic, quiet_logger
from tests.fixtures.names import unique_name
from tests.integration.distributed.api.conftest import Shared
from tests.integration.distributed.api.support import (
    MONITORABLE_SINK,
    STRING_CONVERTER,
    create,
    delete,
    produce,
    put_config,
    request,
    source,
    wait_state,
    wait_stopped,
)
from tests.integration.distributed.cluster import ConnectCluster
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration

PARTITIONS = 3
STRINGS = {"key.converter": STRING_CONVERTER, "value.converter": STRING_CONVERTER}
RECORDS = 10
FRAMEWORK = (
    "The Connect framework-managed offsets for this connector have been {v} successfully. However, if "
    "this connector manages offsets externally, they will need to be manually {v} in the system that "
    "the connector uses."
)
STOPPED_FIRST = (
    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
    "for the specified connector by issuing a 'PUT' request to the '/connectors/{c}/stop' endpoint"
)


def _offsets(cluster: ConnectCluster, name: str, via: int = 0) -> list[dict[str, Any]]:
    r = request(cluster, "GET", f"/connectors/{name}/offsets", via)
    assert r.status_code == 200, r.text
    return sorted(r.json()["offsets"], key=lambda o: sorted(o["partition"].items()))


def _sink_offsets(topic: str, offsets: dict[int, int]) -> list[dict[str, Any]]:
    return [
        {"partition": {"kafka_topic": topic, "kafka_partition": p}, "offset": {"kafka_offset": o}}
        for p, o in sorted(offsets.items())
    ]


def _wait_offsets(cluster: ConnectCluster, name: str, expected: list[dict[str, Any]], via: int = 0) -> None:
    wait_until(lambda: _offsets(cluster, name, via) == expected, 60, f"offsets of {name} == {expected}")


def _patch(cluster: ConnectCluster, name: str, body: Any, via: int = 0) -> Any:
    return request(cluster, "PATCH", f"/connectors/{name}/offsets", via, json=body)


def _error(r: Any, status: int, contains: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error_code"] == status
    assert contains in r.json()["message"], r.text


def test_unknown_connector(shared: Shared) -> None:
    cluster = shared.cluster
    name = unique_name("missing", "offsets")
    body = {"offsets": [{"partition": {"a": 1}, "offset": {"b": 2}}]}
    for via in range(3):
        for r in (
            request(cluster, "GET", f"/connectors/{name}/offsets", via),
            _patch(cluster, name, body, via),
            request(cluster, "DELETE", f"/connectors/{name}/offsets", via),
        ):
            assert r.status_code == 404, r.text
            assert r.json() == {"error_code": 404, "message": f"Connector {name} not found"}


def test_sink_offsets(shared: Shared, kafka_admin: Any) -> None:
    cluster = shared.cluster
    name, topic = unique_name("sink", "offsets"), unique_name("sinkt", "offsets")
    new_topic(kafka_admin, topic, PARTITIONS)
    for p in range(PARTITIONS):
        produce(shared.bootstrap, topic, [b"x"] * RECORDS, partition=p)
    config = {"connector.class": MONITORABLE_SINK, "tasks.max": "2", "topics": topic, **STRINGS}
    put_config(cluster, name, config, via=1)
    wait_state(cluster, name, "RUNNING", 2)
    _wait_offsets(cluster, name, _sink_offsets(topic, dict.fromkeys(range(PARTITIONS), RECORDS)), via=2)

    # Not stopped: 400 with Java's message, for alter and reset.
    body = {"offsets": _sink_offsets(topic, {0: 1})}
    _error(_patch(cluster, name, body, 2), 400, STOPPED_FIRST.format(c=name))
    _error(request(cluster, "DELETE", f"/connectors/{name}/offsets", 1), 400, STOPPED_FIRST.format(c=name))

    assert request(cluster, "PUT", f"/connectors/{name}/stop", 2).status_code == 204
    wait_stopped(cluster, name)

    # Invalid requests.
    p0 = {"kafka_topic": topic, "kafka_partition": 0}
    for bad, message in [
        ([], "Cannot deserialize value"),
        ({"key": []}, "Unrecognized field"),
        ({"offsets": [123]}, "Cannot construct instance"),
        ({}, "Partitions / offsets need to be provided for an alter offsets request"),
        ({"offsets": []}, "Partitions / offsets need to be provided for an alter offsets request"),
        (
            {"offsets": [{"partition": None, "offset": {"kafka_offset": 1}}]},
            "The partition for a sink connector offset cannot be null or missing",
        ),
        (
            {"offsets": [{"offset": {"kafka_offset": 1}}]},
            "The partition for a sink connector offset cannot be null or missing",
        ),
        (
            {"offsets": [{"partition": {"kafka_topic": topic}, "offset": {"kafka_offset": 1}}]},
            "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
        ),
        (
            {
                "offsets": [
                    {
                        "partition": {"kafka_topic": topic, "kafka_partition": "not a number"},
                        "offset": {"kafka_offset": 1},
                    }
                ]
            },
            "Failed to parse the following Kafka partition value in the provided offsets: 'not a number'. "
            "Partition values for sink connectors need to be integers.",
        ),
        (
            {"offsets": [{"partition": p0, "offset": {"key": 1}}]},
            "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
        ),
        (
            {"offsets": [{"partition": p0, "offset": {"kafka_offset": "not a number"}}]},
            "Failed to parse the following Kafka offset value in the provided offsets: 'not a number'. "
            "Offset values for sink connectors need to be integers.",
        ),
    ]:
        _error(_patch(cluster, name, bad, 1), 400, message)

    # Partition 0 removed, the others moved back to 5 (numeric strings are accepted).
    body = {
        "offsets": [{"partition": p0, "offset": None}]
        + [
            {"partition": {"kafka_topic": topic, "kafka_partition": str(p)}, "offset": {"kafka_offset": "5"}}
            for p in range(1, PARTITIONS)
        ]
    }
    r = _patch(cluster, name, body, 0)
    assert r.status_code == 200, r.text
    assert r.json() == {"message": FRAMEWORK.format(v="altered")}
    assert _offsets(cluster, name, 1) == _sink_offsets(topic, dict.fromkeys(range(1, PARTITIONS), 5))

    # A connector whose alter_offsets() returns true gets the short message.
    put_config(cluster, name, {**config, "alter.offsets.result": "true"}, via=2)
    wait_stopped(cluster, name)
    r = _patch(cluster, name, {"offsets": _sink_offsets(topic, {1: 4})}, 2)
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "The offsets for this connector have been altered successfully"}

    # A live member in the connector's consumer group (a zombie task) blocks alter and reset:
    # 500 with Java's Worker sentence.
    def zombie_blocks() -> None:
        for op, r in (
            ("alter", _patch(cluster, name, {"offsets": _sink_offsets(topic, {1: 3})}, 0)),
            ("reset", request(cluster, "DELETE", f"/connectors/{name}/offsets", 1)),
        ):
            assert r.status_code == 500, r.text
            assert r.json() == {
                "error_code": 500,
                "message": (
                    f"Failed to {op} consumer group offsets for connector {name} either because its tasks haven't "
                    f"stopped completely yet or the connector was resumed before the request to {op} its offsets "
                    "could be successfully completed. If the connector is in a stopped state, this operation can be "
                    "safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted "
                    "to get rid of the zombie sink tasks."
                ),
            }

    _with_zombie(shared.bootstrap, f"connect-{name}", topic, zombie_blocks)

    # Resumed, the tasks consume from the altered positions up to the end again.
    assert request(cluster, "PUT", f"/connectors/{name}/resume", 1).status_code == 202
    wait_state(cluster, name, "RUNNING", 2)
    _wait_offsets(cluster, name, _sink_offsets(topic, dict.fromkeys(range(PARTITIONS), RECORDS)))

    # Reset: the group's offsets are gone; a second reset succeeds too.
    assert request(cluster, "PUT", f"/connectors/{name}/stop", 0).status_code == 204
    wait_stopped(cluster, name)
    for via in (2, 0):
        r = wait_until(
            lambda v=via: (
                (resp := request(cluster, "DELETE", f"/connectors/{name}/offsets", v)).status_code
                not in (400, 500)
                and resp
            ),
            30,
            "reset accepted once the tasks' consumers left",
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"message": "The offsets for this connector have been reset successfully"}
        assert _offsets(cluster, name, 1) == []
    delete(cluster, name)
    kafka_admin.delete_topics([topic])


def _with_zombie(bootstrap: str, group: str, topic: str, check: Any) -> None:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "logger": quiet_logger(),
        }
    )
    try:
        consumer.subscribe([topic])
        wait_until(lambda: consumer.poll(0.2) is not None or bool(consumer.assignment()), 30, "zombie joined")
        check()
    finally:
        consumer.close()


def test_source_offsets(shared: Shared) -> None:
    cluster = shared.cluster
    name, topic = unique_name("src", "offsets"), unique_name("srct", "offsets")
    config = source(topic, 2, {"max.messages": str(RECORDS), "throughput": "-1"})
    put_config(cluster, name, config, via=2)
    wait_state(cluster, name, "RUNNING", 2)

    def saved(values: list[int]) -> list[dict[str, Any]]:
        return [
            {"partition": {"task.id": f"{name}-{i}"}, "offset": {"saved": v}} for i, v in enumerate(values)
        ]

    _wait_offsets(cluster, name, saved([RECORDS, RECORDS]), via=1)
    config["max.messages"] = str(2 * RECORDS)
    put_config(cluster, name, config, via=0)
    _wait_offsets(cluster, name, saved([2 * RECORDS, 2 * RECORDS]), via=2)

    _error(_patch(cluster, name, {"offsets": saved([5, 5])}, 1), 400, STOPPED_FIRST.format(c=name))
    _error(request(cluster, "DELETE", f"/connectors/{name}/offsets", 0), 400, STOPPED_FIRST.format(c=name))
    assert request(cluster, "PUT", f"/connectors/{name}/stop", 1).status_code == 204
    wait_stopped(cluster, name)

    for bad in (
        {"offsets": [{"partition": None, "offset": {"saved": 1}}]},
        {"offsets": [{"partition": {"task.id": {"nested": 1}}, "offset": {"saved": 1}}]},
        {"offsets": [{"partition": {"task.id": f"{name}-0"}, "offset": {"saved": [1]}}]},
    ):
        assert _patch(cluster, name, bad, 2).status_code == 400
    for values in ([5, 5], [7, 7]):
        r = _patch(cluster, name, {"offsets": saved(values)}, values[0] % 3)
        assert r.status_code == 200, r.text
        assert r.json() == {"message": FRAMEWORK.format(v="altered")}
        assert _offsets(cluster, name, 1) == saved(values)

    assert request(cluster, "PUT", f"/connectors/{name}/resume", 2).status_code == 202
    wait_state(cluster, name, "RUNNING", 2)
    _wait_offsets(cluster, name, saved([2 * RECORDS, 2 * RECORDS]))

    assert request(cluster, "PUT", f"/connectors/{name}/stop", 0).status_code == 204
    wait_stopped(cluster, name)
    for via in (1, 2):
        r = request(cluster, "DELETE", f"/connectors/{name}/offsets", via)
        assert r.status_code == 200, r.text
        assert r.json() == {"message": FRAMEWORK.format(v="reset")}
        assert _offsets(cluster, name, 0) == []
    delete(cluster, name)


def test_sink_offsets_with_consumer_group_override(shared: Shared, kafka_admin: Any) -> None:
    """GET and PATCH use ``consumer.override.group.id`` when set."""
    cluster = shared.cluster
    name, topic = unique_name("sinkgrp", "offsets"), unique_name("sinkgrpt", "offsets")
    group = unique_name("grp", "offsets")
    new_topic(kafka_admin, topic, 1)
    produce(shared.bootstrap, topic, [b"x"] * RECORDS)
    config = {
        "connector.class": MONITORABLE_SINK,
        "tasks.max": "1",
        "topics": topic,
        "consumer.override.group.id": group,
        **STRINGS,
    }
    create(cluster, name, config, via=0)
    wait_state(cluster, name, "RUNNING", 1)
    _wait_offsets(cluster, name, _sink_offsets(topic, {0: RECORDS}), via=1)
    produce(shared.bootstrap, topic, [b"y"] * RECORDS)
    _wait_offsets(cluster, name, _sink_offsets(topic, {0: 2 * RECORDS}), via=2)
    from confluent_kafka import ConsumerGroupTopicPartitions

    committed = kafka_admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(
        10
    )
    assert [(tp.topic, tp.partition, tp.offset) for tp in committed.topic_partitions] == [
        (topic, 0, 2 * RECORDS)
    ]
    delete(cluster, name)
    kafka_admin.delete_topics([topic])
