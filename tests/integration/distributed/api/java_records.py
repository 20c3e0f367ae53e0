"""Internal-topic records exactly as a Java Connect 4.x cluster leaves them, for a connectrt cluster to
take over: the literal bytes of the config, offsets and status topics for two
connectors, written with a plain confluent-kafka producer to the partitions Java's murmur2
partitioner picks.

- ``java-verifiable``: VerifiableSource, 2 tasks, running. Task 0 committed seqno 20 and then 41,
  task 1 seqno 7: a connectrt task must resume at 42 and 8.
- ``java-monitorable``: MonitorableSource, 2 tasks, paused. Saved seqnos 100 and 50: after a
  resume its tasks produce ``key-java-monitorable-0-101`` and ``...-1-51`` first.

The task configs carry Java's ``task.class`` names, as Java's Worker adds them.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

from tests.fixtures.clients import quiet_logger
from tests.integration.storage.conftest import java_partition

VERIFIABLE = "java-verifiable"
MONITORABLE = "java-monitorable"
JAVA_WORKER = "10.0.0.5:8083"
JAVA_GENERATION = 41

CONFIG_PARTITIONS = 1
OFFSET_PARTITIONS = 25  # Java's offset.storage.partitions default
STATUS_PARTITIONS = 5  # Java's status.storage.partitions default

VERIFIABLE_SAVED = {0: 41, 1: 7}
MONITORABLE_SAVED = {0: 100, 1: 50}


@dataclass
class JavaCluster:
    """What the prefilled topics hold, for the tests to check against."""

    verifiable_topic: str
    monitorable_topic: str
    session_key: bytes
    config_records: list[tuple[bytes, bytes | None]]
    offset_records: list[tuple[bytes, bytes | None]]
    status_records: list[tuple[bytes, bytes | None]]


def config_records(
    verifiable_topic: str, monitorable_topic: str, key: bytes, now_ms: int
) -> list[tuple[bytes, bytes | None]]:
    vt, mt = verifiable_topic.encode(), monitorable_topic.encode()
    key64 = base64.b64encode(key)
    return [
        (
            b"session-key",
            b'{"key":"'
            + key64
            + b'","algorithm":"HmacSHA256","creation-timestamp":'
            + str(now_ms).encode()
            + b"}",
        ),
        (
            b"connector-java-verifiable",
            b'{"properties":{"connector.class":"org.apache.kafka.connect.tools.VerifiableSourceConnector",'
            b'"tasks.max":"2","topic":"' + vt + b'","throughput":"5","name":"java-verifiable"}}',
        ),
        (
            b"task-java-verifiable-0",
            b'{"properties":{"connector.class":"org.apache.kafka.connect.tools.VerifiableSourceConnector",'
            b'"task.class":"org.apache.kafka.connect.tools.VerifiableSourceTask","tasks.max":"2","topic":"'
            + vt
            + b'","throughput":"5","name":"java-verifiable","id":"0"}}',
        ),
        (
            b"task-java-verifiable-1",
            b'{"properties":{"connector.class":"org.apache.kafka.connect.tools.VerifiableSourceConnector",'
            b'"task.class":"org.apache.kafka.connect.tools.VerifiableSourceTask","tasks.max":"2","topic":"'
            + vt
            + b'","throughput":"5","name":"java-verifiable","id":"1"}}',
        ),
        (b"commit-java-verifiable", b'{"tasks":2}'),
        (
            b"connector-java-monitorable",
            b'{"properties":{"connector.class":"org.apache.kafka.connect.integration.MonitorableSourceConnector",'
            b'"tasks.max":"2","topic":"' + mt + b'","throughput":"5","name":"java-monitorable"}}',
        ),
        (
            b"task-java-monitorable-0",
            b'{"properties":{"connector.class":"org.apache.kafka.connect.integration.MonitorableSourceConnector",'
            b'"connector.name":"java-monitorable","task.class":'
            b'"org.apache.kafka.connect.integration.MonitorableSourceConnector$MonitorableSourceTask",'
            b'"tasks.max":"2","topic":"' + mt + b'","throughput":"5","name":"java-monitorable",'
            b'"task.id":"java-monitorable-0"}}',
        ),
        (
            b"task-java-monitorable-1",
            b'{"properties":{"connector.class":"org.apache.kafka.connect.integration.MonitorableSourceConnector",'
            b'"connector.name":"java-monitorable","task.class":'
            b'"org.apache.kafka.connect.integration.MonitorableSourceConnector$MonitorableSourceTask",'
            b'"tasks.max":"2","topic":"' + mt + b'","throughput":"5","name":"java-monitorable",'
            b'"task.id":"java-monitorable-1"}}',
        ),
        (b"commit-java-monitorable", b'{"tasks":2}'),
        (b"target-state-java-monitorable", b'{"state":"PAUSED","state.v2":"PAUSED"}'),
    ]


OFFSET_RECORDS: list[tuple[bytes, bytes | None]] = [
    (b'["java-verifiable",{"id":0}]', b'{"seqno":20}'),
    (b'["java-verifiable",{"id":1}]', b'{"seqno":7}'),
    (b'["java-verifiable",{"id":0}]', b'{"seqno":41}'),
    (b'["java-monitorable",{"task.id":"java-monitorable-0"}]', b'{"saved":100}'),
    (b'["java-monitorable",{"task.id":"java-monitorable-1"}]', b'{"saved":50}'),
]


def _status(state: str) -> bytes:
    return (
        b'{"state":"'
        + state.encode()
        + b'","trace":null,"worker_id":"'
        + JAVA_WORKER.encode()
        + b'","generation":'
        + str(JAVA_GENERATION).encode()
        + b',"version":"4.2.1"}'
    )


STATUS_RECORDS: list[tuple[bytes, bytes | None]] = [
    (b"status-connector-java-verifiable", _status("RUNNING")),
    (b"status-task-java-verifiable-0", _status("RUNNING")),
    (b"status-task-java-verifiable-1", _status("RUNNING")),
    (b"status-connector-java-monitorable", _status("PAUSED")),
    (b"status-task-java-monitorable-0", _status("PAUSED")),
    (b"status-task-java-monitorable-1", _status("PAUSED")),
]


def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes | None]], partitions: int) -> None:
    """Each record to the partition Java's default partitioner picks for its key, in order."""
    from confluent_kafka import Producer

    producer = Producer(
        {"bootstrap.servers": bootstrap, "logger": quiet_logger(), "enable.idempotence": False}
    )
    errors: list[Any] = []
    for key, value in records:
        producer.produce(
            topic,
            key=key,
            value=value,
            partition=java_partition(key, partitions),
            on_delivery=lambda err, _msg: errors.append(err) if err else None,
        )
    assert producer.flush(30) == 0 and not errors, errors


def prefill(
    bootstrap: str, admin: Any, group: str, verifiable_topic: str, monitorable_topic: str
) -> JavaCluster:
    """Create ``<group>-configs|offsets|status`` as Java does (compacted; 1, 25 and 5 partitions) and
    write a Java cluster's records into them; create the two data topics."""
    from tests.fixtures.clients import new_topic

    compact = {"cleanup.policy": "compact"}
    new_topic(admin, f"{group}-configs", CONFIG_PARTITIONS, config=compact)
    new_topic(admin, f"{group}-offsets", OFFSET_PARTITIONS, config=compact)
    new_topic(admin, f"{group}-status", STATUS_PARTITIONS, config=compact)
    new_topic(admin, verifiable_topic, 1)
    new_topic(admin, monitorable_topic, 1)
    key = b"\x13" * 7 + bytes(range(25))  # 32 bytes, like a JVM-generated HmacSHA256 key
    configs = config_records(verifiable_topic, monitorable_topic, key, int(time.time() * 1000))
    produce(bootstrap, f"{group}-configs", configs, CONFIG_PARTITIONS)
    produce(bootstrap, f"{group}-offsets", OFFSET_RECORDS, OFFSET_PARTITIONS)
    produce(bootstrap, f"{group}-status", STATUS_RECORDS, STATUS_PARTITIONS)
    return JavaCluster(
        verifiable_topic, monitorable_topic, key, configs, list(OFFSET_RECORDS), list(STATUS_RECORDS)
    )
