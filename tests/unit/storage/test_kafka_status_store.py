"""KafkaStatusBackingStore's safe writes, reader rules and retries, over an in-memory loopback log."""

from __future__ import annotations

import time
from typing import Any

import pytest

from connectrt.model.entities import ConnectorTaskId
from connectrt.storage.kafka_log import KafkaWriteException
from connectrt.storage.kafka_status import KafkaStatusBackingStore
from connectrt.storage.status import ConnectorStatus, State, TaskStatus, TopicStatus
from tests.unit.storage.loopback_log import LoopbackLog

pytestmark = pytest.mark.unit

T0 = ConnectorTaskId("c", 0)


@pytest.fixture
def store_and_log() -> Any:
    logs: list[LoopbackLog] = []

    def factory(consumed: Any) -> LoopbackLog:
        logs.append(LoopbackLog(consumed, "status", partitions=5))
        return logs[0]

    store = KafkaStatusBackingStore("status", {}, retry_backoff_s=0.0, log_factory=factory)
    store.start()
    yield store, logs[0]
    store.stop()


def status_value(state: str, worker: str, generation: int) -> bytes:
    """A status value as Java 4.x writes it (the version is null when the task was not running)."""
    return f'{{"state":"{state}","trace":null,"worker_id":"{worker}","generation":{generation},"version":null}}'.encode()


def test_writes_become_visible_once_read_back(store_and_log: Any) -> None:
    store, log = store_and_log
    store.put_connector(ConnectorStatus("c", State.RUNNING, "w1:8083", 1))
    store.put_task(TaskStatus(T0, State.FAILED, "w1:8083", 1, "trace"))
    assert store.get_connector("c") is None and store.get_task(T0) is None
    assert store.connectors() == {"c"}  # Java: the cache entry exists before the read-back
    store.read_to_end()
    assert store.get_connector("c") == ConnectorStatus("c", State.RUNNING, "w1:8083", 1)
    assert store.get_all_tasks("c") == [TaskStatus(T0, State.FAILED, "w1:8083", 1, "trace")]
    assert log.records == [
        (
            b"status-connector-c",
            b'{"state":"RUNNING","trace":null,"worker_id":"w1:8083","generation":1,"version":null}',
        ),
        (
            b"status-task-c-0",
            b'{"state":"FAILED","trace":"trace","worker_id":"w1:8083","generation":1,"version":null}',
        ),
    ]


def test_safe_writes_skip_newer_statuses_of_other_workers(store_and_log: Any) -> None:
    store, log = store_and_log
    log.append("status-connector-c", status_value("RUNNING", "w2:8083", 5))
    log.append("status-task-c-0", status_value("RUNNING", "w2:8083", 5))
    store.read_to_end()
    store.put_connector_safe(ConnectorStatus("c", State.UNASSIGNED, "w1:8083", 4))
    store.put_task_safe(TaskStatus(T0, State.FAILED, "w1:8083", 4))
    assert len(log.records) == 2  # both skipped
    store.put_task_safe(TaskStatus(T0, State.UNASSIGNED, "w2:8083", 3))  # same worker: written
    store.put_task_safe(TaskStatus(T0, State.FAILED, "w1:8083", 5))  # same generation: written
    store.put_connector(ConnectorStatus("c", State.UNASSIGNED, "w1:8083", 1))  # not safe: always written
    assert [k for k, _ in log.records[2:]] == [b"status-task-c-0", b"status-task-c-0", b"status-connector-c"]


def test_readers_ignore_stale_unassigned_over_running(store_and_log: Any) -> None:
    store, log = store_and_log
    log.append("status-task-c-0", status_value("RUNNING", "w2:8083", 5))
    log.append("status-task-c-0", status_value("UNASSIGNED", "w1:8083", 5))
    store.read_to_end()
    assert store.get_task(T0) == TaskStatus(T0, State.RUNNING, "w2:8083", 5)
    log.append("status-task-c-0", status_value("UNASSIGNED", "w1:8083", 6))
    store.read_to_end()
    assert store.get_task(T0) == TaskStatus(T0, State.UNASSIGNED, "w1:8083", 6)
    log.append("status-task-c-0", status_value("FAILED", "w1:8083", 2))  # only UNASSIGNED is filtered
    store.read_to_end()
    assert store.get_task(T0) == TaskStatus(T0, State.FAILED, "w1:8083", 2)


def test_destroyed_is_a_tombstone_and_a_connector_tombstone_drops_its_tasks(store_and_log: Any) -> None:
    store, log = store_and_log
    store.put_connector(ConnectorStatus("c", State.RUNNING, "w1:8083", 1))
    store.put_task(TaskStatus(T0, State.RUNNING, "w1:8083", 1))
    store.put_task(TaskStatus(ConnectorTaskId("c", 1), State.RUNNING, "w1:8083", 1))
    store.put_task(TaskStatus(ConnectorTaskId("c", 1), State.DESTROYED, "w1:8083", 1))
    store.read_to_end()
    assert log.records[-1] == (b"status-task-c-1", None)
    assert [t.id.task for t in store.get_all_tasks("c")] == [0]
    store.put_connector(ConnectorStatus("c", State.DESTROYED, "w1:8083", 1))
    store.read_to_end()
    assert store.get_connector("c") is None and store.get_all_tasks("c") == [] and store.connectors() == set()


def test_topic_statuses(store_and_log: Any) -> None:
    store, log = store_and_log
    store.put_topic(TopicStatus("orders", "c", 0, 1000))
    store.put_topic(TopicStatus("audit", "c", 1, 2000))
    store.read_to_end()
    assert store.get_topic("c", "orders") == TopicStatus("orders", "c", 0, 1000)
    assert {t.topic for t in store.get_all_topics("c")} == {"orders", "audit"}
    store.delete_topic("c", "orders")
    store.read_to_end()
    assert log.records[-1] == (b"status-topic-orders:connector-c", None)
    assert store.get_topic("c", "orders") is None and store.get_all_topics("d") == []


def test_bad_records_are_discarded(store_and_log: Any) -> None:
    store, log = store_and_log
    log.append("status-connector-", status_value("RUNNING", "w", 1))
    log.append("status-task-c-x", status_value("RUNNING", "w", 1))
    log.append("status-connector-c", b'{"state":"NAPPING","trace":null,"worker_id":"w","generation":1}')
    log.append("status-connector-d", b"not json")
    log.append("something", b"{}")
    store.read_to_end()
    assert store.connectors() == set() and store.get_all_tasks("c") == []


def _wait(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_retriable_failures_are_resent(store_and_log: Any) -> None:
    store, log = store_and_log
    log.failures.extend([KafkaWriteException("timeout", retriable=True)] * 2)
    store.put_task(TaskStatus(T0, State.RUNNING, "w1:8083", 3))
    _wait(lambda: len(log.records) == 1)
    assert log.events == ["send:status-task-c-0"] * 3


def test_non_retriable_failures_are_not_resent(store_and_log: Any) -> None:
    store, log = store_and_log
    log.failures.append(KafkaWriteException("too large", retriable=False))
    store.put_task(TaskStatus(T0, State.RUNNING, "w1:8083", 3))
    time.sleep(0.1)
    assert log.records == [] and log.events == ["send:status-task-c-0"]


def test_superseded_writes_are_not_resent(store_and_log: Any) -> None:
    store, log = store_and_log
    # The failure arrives after a newer generation was written: Java drops the retry.
    failing = KafkaWriteException("timeout", retriable=True)
    sent: list[Any] = []
    real_send = log.send

    def send(key: Any, value: Any, callback: Any = None) -> Any:
        sent.append((key, callback))
        if len(sent) == 1:
            return None  # the first write's outcome is reported later
        return real_send(key, value, callback)

    log.send = send
    store.put_task(TaskStatus(T0, State.RUNNING, "w1:8083", 3))
    store.put_task(TaskStatus(T0, State.RUNNING, "w1:8083", 4))
    sent[0][1](failing, None)
    time.sleep(0.1)
    assert len(sent) == 2
