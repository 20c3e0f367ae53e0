"""Helpers for the internal-topic record tests: topics that stores create (deleted after the test),
a stopper for stores and logs, a raw reader and writer, and Java's murmur2 partitioner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest

from connectrt.kafka.topics import TopicAdmin
from tests.fixtures.clients import consume_all, quiet_logger
from tests.fixtures.names import UniqueNames


class Startable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@pytest.fixture
def topic_admin(kafka_admin: Any) -> TopicAdmin:
    return TopicAdmin(kafka_admin)


@pytest.fixture
def store_topic(kafka_admin: Any, unique_name: UniqueNames) -> Iterator[Callable[[str], str]]:
    """``store_topic("configs")`` -> a unique topic name that is deleted after the test (for topics
    the stores create themselves)."""
    names: list[str] = []

    def factory(prefix: str = "internal") -> str:
        name = unique_name.topic(prefix)
        names.append(name)
        return name

    yield factory
    if names:
        for future in kafka_admin.delete_topics(names, operation_timeout=10).values():
            try:
                future.result(15)
            except Exception:  # never created, or already deleted
                pass


@pytest.fixture
def started() -> Iterator[Callable[[Any], Any]]:
    """``started(store)`` starts a store or log and stops it after the test (latest first)."""
    running: list[Startable] = []

    def start(thing: Any) -> Any:
        thing.start()
        running.append(thing)
        return thing

    yield start
    for thing in reversed(running):
        try:
            thing.stop()
        except Exception:
            pass


@pytest.fixture
def client_props(kafka_bootstrap: str) -> dict[str, Any]:
    return {"bootstrap.servers": kafka_bootstrap}


def raw_records(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[tuple[Any, ...]]:
    """``(partition, key bytes, value bytes)`` of every record, in partition then offset order."""
    messages = consume_all(
        bootstrap, topic, expected, timeout, config={"isolation.level": "read_uncommitted"}
    )
    messages.sort(key=lambda m: (m.partition(), m.offset()))
    return [(m.partition(), m.key(), m.value()) for m in messages]


def produce_raw(
    bootstrap: str, topic: str, records: list[tuple[bytes | str, bytes | None]], partitions: int = 1
) -> None:
    """Write records exactly as given, each to the partition Java's default partitioner picks."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "logger": quiet_logger()})
    errors: list[Any] = []
    for key, value in records:
        raw = key.encode() if isinstance(key, str) else key
        producer.produce(
            topic,
            key=raw,
            value=value,
            partition=java_partition(raw, partitions),
            on_delivery=lambda err, _msg: errors.append(err) if err else None,
        )
    assert producer.flush(30) == 0 and not errors, errors


def murmur2(data: bytes) -> int:
    """Java's ``Utils.murmur2`` (what the default partitioner hashes keys with)."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(length // 4):
        k = int.from_bytes(data[4 * i : 4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail, rest = length & ~3, length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def java_partition(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions
