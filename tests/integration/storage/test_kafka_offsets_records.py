"""Offsets topic, record by record: keys ``["<connector>",{partition}]`` and values as compact JSON,
in the partition Java's murmur2 partitioner picks; Java-written offsets read back; tombstones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectrt.kafka.topics import TopicAdmin
from connectrt.storage.kafka_offsets import KafkaOffsetBackingStore
from connectrt.storage.offsets import OffsetStorageReaderImpl, OffsetStorageWriter, offset_key
from tests.integration.storage.conftest import java_partition, murmur2, produce_raw, raw_records

pytestmark = pytest.mark.integration

PARTITIONS = 25

JAVA_OFFSETS_TOPIC: list[tuple[bytes, bytes | None]] = [
    (b'["file-src",{"filename":"/tmp/in.txt"}]', b'{"position":1024}'),
    (
        b'["pg-cdc",{"server":"dbserver1"}]',
        b'{"lsn_proc":23456,"lsn":23456,"txId":771,"ts_usec":1700000000123456}',
    ),
    (b'["file-src",{"filename":"/tmp/other.txt"}]', b'{"position":9}'),
    (b'["file-src",{"filename":"/tmp/other.txt"}]', None),
    (b'["file-src",{"filename":"/tmp/in.txt"}]', b'{"position":2048}'),
]


def test_javas_murmur2() -> None:  # vectors from Kafka's UtilsTest
    def signed(v: int) -> int:
        return v - 2**32 if v >= 2**31 else v

    assert signed(murmur2(b"21")) == -973932308
    assert signed(murmur2(b"foobar")) == -790332482
    assert signed(murmur2(b"a-little-bit-long-string")) == -985981536
    assert signed(murmur2(b"a-little-bit-longer-string")) == -1486304829
    assert signed(murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")) == -58897971
    assert signed(murmur2(b"abc")) == 479470107


def _store(topic: str, client_props: dict[str, Any], admin: TopicAdmin) -> KafkaOffsetBackingStore:
    return KafkaOffsetBackingStore(topic, client_props, admin, partitions=PARTITIONS, replication_factor=1)


def test_writes_are_byte_identical_and_partitioned_like_java(
    store_topic: Callable[[str], str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
    kafka_bootstrap: str,
    started: Any,
) -> None:
    topic = store_topic("offsets")
    store = started(_store(topic, client_props, topic_admin))
    writer = OffsetStorageWriter(store, "file-src")
    writer.offset({"filename": "/tmp/in.txt"}, {"position": 1024})
    writer.offset({"filename": "/tmp/other.txt"}, {"position": 9, "eof": True, "ratio": 0.5, "note": None})
    assert writer.flush(10)
    store.set({offset_key("file-src", {"filename": "/tmp/other.txt"}): None}).result(10)
    expected = [
        (b'["file-src",{"filename":"/tmp/in.txt"}]', b'{"position":1024}'),
        (b'["file-src",{"filename":"/tmp/other.txt"}]', b'{"position":9,"eof":true,"ratio":0.5,"note":null}'),
        (b'["file-src",{"filename":"/tmp/other.txt"}]', None),
    ]
    records = raw_records(kafka_bootstrap, topic, len(expected))
    assert sorted(records, key=repr) == sorted(
        ((java_partition(k, PARTITIONS), k, v) for k, v in expected), key=repr
    )
    assert store.get([expected[1][0]]) == {expected[1][0]: None}
    assert store.connector_partitions("file-src") == [{"filename": "/tmp/in.txt"}]


def _check_java_offsets(store: KafkaOffsetBackingStore) -> None:
    reader = OffsetStorageReaderImpl(store, "file-src")
    assert reader.offset({"filename": "/tmp/in.txt"}) == {"position": 2048}
    assert reader.offset({"filename": "/tmp/other.txt"}) is None
    pg = OffsetStorageReaderImpl(store, "pg-cdc").offset({"server": "dbserver1"})
    assert pg == {"lsn_proc": 23456, "lsn": 23456, "txId": 771, "ts_usec": 1700000000123456}
    assert store.connector_partitions("file-src") == [{"filename": "/tmp/in.txt"}]
    assert store.connector_partitions("pg-cdc") == [{"server": "dbserver1"}]


def test_a_topic_written_by_java_reads_back_and_restarts_re_read_it(
    create_topic: Callable[..., str],
    topic_admin: TopicAdmin,
    client_props: dict[str, Any],
    kafka_bootstrap: str,
    started: Any,
) -> None:
    topic = create_topic(partitions=PARTITIONS, config={"cleanup.policy": "compact"})
    produce_raw(kafka_bootstrap, topic, list(JAVA_OFFSETS_TOPIC), partitions=PARTITIONS)
    first = _store(topic, client_props, topic_admin)
    first.start()
    try:
        _check_java_offsets(first)
        first.set({offset_key("pg-cdc", {"server": "dbserver1"}): None}).result(10)
    finally:
        first.stop()
    second = started(_store(topic, client_props, topic_admin))
    assert second.connector_partitions("pg-cdc") == []
    assert OffsetStorageReaderImpl(second, "file-src").offset({"filename": "/tmp/in.txt"}) == {
        "position": 2048
    }


def test_offsets_reach_another_worker_on_get(
    store_topic: Callable[[str], str], topic_admin: TopicAdmin, client_props: dict[str, Any], started: Any
) -> None:
    topic = store_topic("offsets")
    one = started(_store(topic, client_props, topic_admin))
    two = started(_store(topic, client_props, topic_admin))
    key = offset_key("src", {"p": 1})
    one.set({key: b'{"o":5}'}).result(10)
    assert two.get([key]) == {key: b'{"o":5}'}  # get() reads the topic to its end first
