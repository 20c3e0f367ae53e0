"""Status topic, record by record: Java's exact keys and values (``"trace":null`` included), DESTROYED
as a tombstone, records in the partitions Java's partitioner picks, and Java-written records read back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectrt.kafka.topics import TopicAdmin
from connectrt.model.entities import ConnectorTaskId
from connectrt.storage.kafka_status import KafkaStatusBackingStore
from connectrt.storage.status import ConnectorStatus, State, TaskStatus, TopicStatus
from tests.integration.storage.conftest import java_partition, produce_raw, raw_records

pytestmark = pytest.mark.integration

PARTITIONS = 5
TRACE = "org.apache.kafka.connect.errors.ConnectException: boom\n\tat a.B.c(B.java:12)\n"
T0, T1 = ConnectorTaskId("my-conn", 0), ConnectorTaskId("my-conn", 1)

JAVA_STATUS_TOPIC: list[tuple[str, bytes | None]] = [
    (
        "status-connector-my-conn",
        b'{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":7}',
    ),
    ("status-task-my-conn-0", b'{"state":"RUNNING","trace":null,"worker_id":"10.0.0.2:8083","generation":7}'),
    (
        "status-task-my-conn-0",
        b'{"state":"UNASSIGNED","trace":null,"worker_id":"10.0.0.1:8083","generation":6}',
    ),
    (
        "status-task-my-conn-1",
        b'{"state":"FAILED","trace":"org.apache.kafka.connect.errors.ConnectException: '
        b'boom\\n\\tat a.B.c(B.java:12)\\n","worker_id":"10.0.0.1:8083","generation":7}',
    ),
    (
        "status-topic-orders:connector-my-conn",
        b'{"topic":{"name":"orders","connector":"my-conn","task":0,"discoverTimestamp":1700000000123}}',
    ),
    (
        "status-topic-audit:connector-my-conn",
        b'{"topic":{"name":"audit","connector":"my-conn","task":1,"discoverTimestamp":1700000000456}}',
    ),
    ("status-topic-audit:connector-my-conn", None),
    (
        "status-connector-deleted",
        b'{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":2}',
    ),
    ("status-task-deleted-0", b'{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":2}'),
    ("status-task-deleted-0", None),
    ("status-connector-deleted", None),
]


def _store(topic: str, client_props: dict[str, Any], admin: TopicAdmin) -> KafkaStatusBackingStore:
    return KafkaStatusBackingStore(topic, client_props, admin, partitions=PARTITIONS, replication_factor=1)


def test_writes_are_byte_identical_and_partitioned_like_java(
    store_topic: Callable[[str], str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
    kafka_bootstrap: str,
    started: Any,
) -> None:
    topic = store_topic("status")
    store = started(_store(topic, client_props, topic_admin))
    store.put_connector(ConnectorStatus("my-conn", State.RUNNING, "10.0.0.1:8083", 7, version="4.2.1"))
    store.put_task(TaskStatus(T1, State.FAILED, "10.0.0.1:8083", 7, TRACE))
    store.put_task_safe(TaskStatus(T0, State.UNASSIGNED, "10.0.0.1:8083", 8))
    store.put_topic(TopicStatus("orders", "my-conn", 0, 1700000000123))
    store.delete_topic("my-conn", "orders")
    store.put_task(TaskStatus(T1, State.DESTROYED, "10.0.0.1:8083", 8))
    store.flush()
    expected: list[tuple[bytes, bytes | None]] = [
        # Java 4.x's values: the version last (null when the connector/task was not running).
        (
            b"status-connector-my-conn",
            b'{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":7,"version":"4.2.1"}',
        ),
        (b"status-task-my-conn-1", (JAVA_STATUS_TOPIC[3][1] or b"")[:-1] + b',"version":null}'),
        (
            b"status-task-my-conn-0",
            b'{"state":"UNASSIGNED","trace":null,"worker_id":"10.0.0.1:8083","generation":8,"version":null}',
        ),
        (b"status-topic-orders:connector-my-conn", JAVA_STATUS_TOPIC[4][1] or b""),
        (b"status-topic-orders:connector-my-conn", None),
        (b"status-task-my-conn-1", None),
    ]
    records = raw_records(kafka_bootstrap, topic, len(expected))
    for key, value in expected:
        partition = java_partition(key, PARTITIONS)
        assert (partition, key, value) in records
    same_key = [(k, v) for _, k, v in records if k == b"status-task-my-conn-1"]
    assert same_key == [(b"status-task-my-conn-1", expected[1][1]), (b"status-task-my-conn-1", None)]
    store.read_to_end(10)
    assert store.get_task(T1) is None and store.get_topic("my-conn", "orders") is None
    assert store.get_task(T0) == TaskStatus(T0, State.UNASSIGNED, "10.0.0.1:8083", 8)


def _check_java_state(store: KafkaStatusBackingStore) -> None:
    assert store.get_connector("my-conn") == ConnectorStatus("my-conn", State.RUNNING, "10.0.0.1:8083", 7)
    # the UNASSIGNED of an older generation does not replace the RUNNING task
    assert store.get_task(T0) == TaskStatus(T0, State.RUNNING, "10.0.0.2:8083", 7)
    assert store.get_task(T1) == TaskStatus(T1, State.FAILED, "10.0.0.1:8083", 7, TRACE)
    assert store.get_all_topics("my-conn") == [TopicStatus("orders", "my-conn", 0, 1700000000123)]
    assert store.connectors() == {"my-conn"} and store.get_all_tasks("deleted") == []


def test_a_topic_written_by_java_reads_back_and_restarts_re_read_it(
    create_topic: Callable[..., str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
    kafka_bootstrap: str,
    started: Any,
) -> None:
    topic = create_topic(partitions=PARTITIONS, config={"cleanup.policy": "compact"})
    produce_raw(kafka_bootstrap, topic, JAVA_STATUS_TOPIC, partitions=PARTITIONS)
    first = _store(topic, client_props, topic_admin)
    first.start()
    try:
        _check_java_state(first)
        # a safe write loses to the newer RUNNING of another worker; a plain one does not
        first.put_task_safe(TaskStatus(T0, State.FAILED, "10.0.0.1:8083", 6))
        first.put_connector(ConnectorStatus("my-conn", State.PAUSED, "10.0.0.1:8083", 8))
        first.read_to_end(10)
        assert first.get_task(T0) == TaskStatus(T0, State.RUNNING, "10.0.0.2:8083", 7)
        assert first.get_connector("my-conn") == ConnectorStatus("my-conn", State.PAUSED, "10.0.0.1:8083", 8)
    finally:
        first.stop()
    second = started(_store(topic, client_props, topic_admin))
    assert second.get_connector("my-conn") == ConnectorStatus("my-conn", State.PAUSED, "10.0.0.1:8083", 8)
    assert second.get_task(T1) == TaskStatus(T1, State.FAILED, "10.0.0.1:8083", 7, TRACE)


def test_statuses_reach_another_worker(
    store_topic: Callable[[str], str], topic_admin: TopicAdmin, client_props: dict[str, Any], started: Any
) -> None:
    topic = store_topic("status")
    one = started(_store(topic, client_props, topic_admin))
    two = started(_store(topic, client_props, topic_admin))
    one.put_task(TaskStatus(T0, State.RUNNING, "w1:8083", 3))
    one.flush()
    two.read_to_end(10)
    assert two.get_task(T0) == TaskStatus(T0, State.RUNNING, "w1:8083", 3)
