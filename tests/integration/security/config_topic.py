"""Reading and writing a config topic with plain clients, as an operator (or an attacker) would."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition

from tests.fixtures.clients import quiet_logger


def read_config_topic(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[tuple[str, bytes | None]]:
    """Every (key, value) record of the single-partition config topic, in order."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"config-reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "logger": quiet_logger(),
        }
    )
    try:
        tp = TopicPartition(topic, 0)
        _, high = consumer.get_watermark_offsets(tp, timeout=timeout_s)
        out: list[tuple[str, bytes | None]] = []
        if high <= 0:
            return out
        consumer.assign([TopicPartition(topic, 0, 0)])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            key = msg.key()
            out.append((key.decode() if key is not None else "", msg.value()))
            if msg.offset() + 1 >= high:
                return out
        raise AssertionError(f"could not read {topic} to offset {high} within {timeout_s} s")
    finally:
        consumer.close()


def write_config_record(bootstrap: str, topic: str, key: bytes | str, value: bytes | None) -> None:
    """One raw record, e.g. a poisoned ``connector-<name>`` config."""
    producer = Producer(
        {"bootstrap.servers": bootstrap, "logger": quiet_logger(), "message.max.bytes": 2_000_000}
    )
    producer.produce(topic, value=value, key=key.encode() if isinstance(key, str) else key)
    if producer.flush(30) != 0:
        raise AssertionError(f"could not write to {topic}")
