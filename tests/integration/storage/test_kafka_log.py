"""KafkaBasedLog and internal-topic start-up against the dev Kafka: creation with compaction, Java's
cleanup-policy and partition-count failures, read-to-end, ordering, read-only logs, clean stops."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from connectrt.api.connector import ConnectException
from connectrt.config.configdef import ConfigException
from connectrt.kafka.topics import TopicAdmin
from connectrt.storage.kafka_config import KafkaConfigBackingStore
from connectrt.storage.kafka_internal_topics import InternalTopic, ensure_internal_topic
from connectrt.storage.kafka_log import IllegalStateError, KafkaBasedLog, LogRecord
from connectrt.storage.kafka_offsets import KafkaOffsetBackingStore
from connectrt.storage.kafka_status import KafkaStatusBackingStore
from tests.integration.storage.conftest import produce_raw

pytestmark = pytest.mark.integration


def _log(topic: str, client_props: dict[str, Any], records: list[LogRecord], **kwargs: Any) -> KafkaBasedLog:
    return KafkaBasedLog(topic, dict(client_props), dict(client_props), records.append, **kwargs)


def test_start_creates_a_compacted_topic(
    store_topic: Callable[[str], str], topic_admin: TopicAdmin, client_props: dict[str, Any], started: Any
) -> None:
    name = store_topic("offsets")
    store = KafkaOffsetBackingStore(
        name,
        client_props,
        topic_admin,
        partitions=3,
        replication_factor=1,
        settings={"segment.ms": "3600000"},
    )
    started(store)
    assert topic_admin.partition_count(name) == 3
    configs = topic_admin.topic_configs(name)
    assert configs["cleanup.policy"] == "compact" and configs["segment.ms"] == "3600000"


@pytest.mark.parametrize(
    ("kind", "worker_config", "purpose"),
    [
        ("offsets", "offset.storage.topic", "source connector offsets"),
        ("status", "status.storage.topic", "connector and task statuses"),
        ("configs", "config.storage.topic", "connector configurations"),
    ],
)
def test_an_existing_topic_that_is_not_compacted_fails_start_up(
    kind: str,
    worker_config: str,
    purpose: str,
    create_topic: Callable[..., str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
) -> None:
    name = create_topic(partitions=1, config={"cleanup.policy": "delete"})
    store: Any
    if kind == "offsets":
        store = KafkaOffsetBackingStore(name, client_props, topic_admin, partitions=1, replication_factor=1)
    elif kind == "status":
        store = KafkaStatusBackingStore(name, client_props, topic_admin, partitions=1, replication_factor=1)
    else:
        store = KafkaConfigBackingStore(name, client_props, topic_admin, replication_factor=1)
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(ConfigException) as info:
        store.start()
    assert str(info.value) == (
        f"Topic '{name}' supplied via the '{worker_config}' property is required to have 'cleanup.policy=compact' "
        f"to guarantee consistency and durability of {purpose}, but found the topic currently has "
        f"'cleanup.policy=delete'. Continuing would likely result in eventually losing {purpose} and problems "
        f"restarting this Connect cluster in the future. Change the '{worker_config}' property in the Connect "
        f"worker configurations to use a topic with 'cleanup.policy=compact'."
    )
    assert {t.name for t in threading.enumerate()} - before == set()


def test_compact_and_delete_is_not_compact_only(
    create_topic: Callable[..., str], topic_admin: TopicAdmin
) -> None:
    name = create_topic(partitions=1, config={"cleanup.policy": "compact,delete"})
    topic = InternalTopic(name, 1, 1, "status.storage.topic", "connector and task statuses")
    with pytest.raises(ConfigException, match=r"currently has 'cleanup\.policy=compact,delete'\. Continuing"):
        ensure_internal_topic(topic_admin, topic)


def test_an_existing_compacted_topic_is_used_as_it_is(
    create_topic: Callable[..., str], topic_admin: TopicAdmin
) -> None:
    name = create_topic(partitions=2, config={"cleanup.policy": "compact"})
    assert (
        ensure_internal_topic(topic_admin, InternalTopic(name, 25, 1, "offset.storage.topic", "p")) is False
    )
    assert topic_admin.partition_count(name) == 2


def test_a_config_topic_with_several_partitions_fails_start_up(
    create_topic: Callable[..., str], topic_admin: TopicAdmin, client_props: dict[str, Any]
) -> None:
    name = create_topic(partitions=2, config={"cleanup.policy": "compact"})
    store = KafkaConfigBackingStore(name, client_props, topic_admin, replication_factor=1)
    with pytest.raises(ConfigException) as info:
        store.start()
    assert str(info.value) == (
        f"Topic '{name}' supplied via the 'config.storage.topic' property is required to have a single partition "
        "in order to guarantee consistency of connector configurations, but found 2 partitions."
    )
    assert not [t for t in threading.enumerate() if t.name.endswith(name)]


def test_an_impossible_replication_factor_fails_with_the_brokers_reason(
    store_topic: Callable[[str], str], topic_admin: TopicAdmin
) -> None:
    name = store_topic("configs")
    topic = InternalTopic(name, 1, 3, "config.storage.topic", "connector configurations")
    with pytest.raises(
        ConnectException, match=rf"Error while attempting to create/find topic\(s\) '{name}': .*3"
    ):
        ensure_internal_topic(topic_admin, topic, timeout_s=1.0)


def test_read_to_end_sees_every_record_in_partition_order(
    create_topic: Callable[..., str], kafka_bootstrap: str, client_props: dict[str, Any], started: Any
) -> None:
    name = create_topic(partitions=3, config={"cleanup.policy": "compact"})
    produce_raw(kafka_bootstrap, name, [(f"k{i}", str(i).encode()) for i in range(30)], partitions=3)
    records: list[LogRecord] = []
    log = started(_log(name, client_props, records))  # start() reads to the end
    assert log.partition_count == 3 and len(records) == 30
    for p in range(3):
        offsets = [r.offset for r in records if r.partition == p]
        assert offsets == sorted(offsets) == list(range(len(offsets)))

    produce_raw(kafka_bootstrap, name, [("late", b"x"), ("gone", None)], partitions=3)
    log.read_to_end(10)
    assert {(r.key, r.value) for r in records[30:]} == {(b"late", b"x"), (b"gone", None)}  # tombstone too


def test_writes_are_read_back_and_acknowledged(
    create_topic: Callable[..., str], client_props: dict[str, Any], started: Any
) -> None:
    name = create_topic(partitions=1, config={"cleanup.policy": "compact"})
    records: list[LogRecord] = []
    log = started(_log(name, client_props, records))
    acks: list[Any] = []
    futures = [log.send(f"key-{i}", f"v{i}".encode(), lambda e, m: acks.append((e, m))) for i in range(5)]
    assert [f.result(10).offset for f in futures] == [0, 1, 2, 3, 4]
    log.read_to_end(10)
    assert [(r.key, r.value) for r in records] == [(f"key-{i}".encode(), f"v{i}".encode()) for i in range(5)]
    assert [e for e, _ in acks] == [None] * 5


def test_a_read_only_log_refuses_writes_and_a_log_without_admin_reads(
    create_topic: Callable[..., str], kafka_bootstrap: str, client_props: dict[str, Any], started: Any
) -> None:
    name = create_topic(partitions=2, config={"cleanup.policy": "compact"})
    produce_raw(kafka_bootstrap, name, [("a", b"1"), ("b", b"2")], partitions=2)
    records: list[LogRecord] = []
    log = started(KafkaBasedLog(name, None, dict(client_props), records.append))
    assert len(records) == 2
    with pytest.raises(IllegalStateError):
        log.send("c", b"3")


def test_stop_ends_the_threads_and_later_reads_fail(
    create_topic: Callable[..., str], client_props: dict[str, Any]
) -> None:
    name = create_topic(partitions=1, config={"cleanup.policy": "compact"})
    log = _log(name, client_props, [])
    log.start()
    assert [t for t in threading.enumerate() if t.name.endswith(name)]
    log.stop()
    assert not [t for t in threading.enumerate() if t.name.endswith(name)]
    with pytest.raises(ConnectException, match="is stopped"):
        log.read_to_end(1)


def test_stores_from_a_distributed_worker_config(
    store_topic: Callable[[str], str],
    topic_admin: TopicAdmin,
    kafka_bootstrap: str,
    started: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from connectrt.config.worker_config import DistributedConfig

    configs, offsets, status = store_topic("configs"), store_topic("offsets"), store_topic("status")
    config = DistributedConfig(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": "storage-test",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "rest.port": "8083",
            "config.storage.topic": configs,
            "config.storage.replication.factor": "1",
            "config.storage.partitions": "3",
            "offset.storage.topic": offsets,
            "offset.storage.replication.factor": "1",
            "offset.storage.partitions": "4",
            "offset.storage.retention.ms": "86400000",
            "status.storage.topic": status,
            "status.storage.replication.factor": "1",
            "status.storage.partitions": "2",
            "status.storage.cleanup.policy": "delete",
        }
    )
    started(KafkaConfigBackingStore.from_config(config, topic_admin))
    started(KafkaOffsetBackingStore.from_config(config, topic_admin))
    started(KafkaStatusBackingStore.from_config(config, topic_admin))
    assert [topic_admin.partition_count(t) for t in (configs, offsets, status)] == [1, 4, 2]
    assert topic_admin.topic_configs(offsets)["retention.ms"] == "86400000"
    assert topic_admin.topic_configs(status)["cleanup.policy"] == "compact"
    assert "since config topic partitions is always 1" in caplog.text
    assert "Ignoring 'status.storage.cleanup.policy=delete' setting" in caplog.text
