"""The CDC demo's view of Kafka: fresh ``warehouse.*`` topics and sink groups for each run, the change
events counted as they arrive, and whether a sink's committed offsets have reached a given point."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

from connectrt.dev.demo_database import TABLES
from connectrt.dev.demo_formats import EventDecoder
from connectrt.dev.errors import DevError

TOPICS = tuple(f"warehouse.{t}" for t in TABLES)
TP = tuple[str, int]


def reset_topics(bootstrap: str, groups: Iterable[str]) -> None:
    """Delete the warehouse topics and the sinks' consumer groups of an earlier run, and create the topics."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = [t for t in TOPICS if t in admin.list_topics(timeout=10).topics]
    for fut in admin.delete_topics(existing, operation_timeout=30).values() if existing else ():
        fut.result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(t in admin.list_topics(timeout=10).topics for t in existing):
        time.sleep(0.2)
    for group in groups:
        try:
            for fut in admin.delete_consumer_groups([group], request_timeout=10).values():
                fut.result(10)
        except Exception:
            pass  # no such group: a first run
    # Created up front so the sinks' subscriptions see all three at once (orders has no snapshot rows,
    # and a consumer notices a topic created after it subscribed only at its next metadata refresh).
    for attempt in range(20):
        futures = admin.create_topics([NewTopic(t, num_partitions=1, replication_factor=-1) for t in TOPICS])
        try:
            for fut in futures.values():
                fut.result(30)
            return
        except Exception as e:
            if "already exists" in str(e):
                return
            if "marked for deletion" not in str(e) or attempt == 19:
                raise DevError(f"Cannot create the warehouse topics: {e}")
            time.sleep(0.5)


class TopicCounter:
    """Counts the events in the warehouse topics, each offset once (a consumer rebalance when a new
    topic appears re-reads partitions from the start; those re-reads are not new events). Tombstones
    (Debezium's null value after a delete) are counted apart: the S3 archive skips them."""

    def __init__(self, bootstrap: str, decoder: EventDecoder) -> None:
        from confluent_kafka import Consumer

        self.decoder = decoder
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"demo-view-{os.getpid()}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "topic.metadata.refresh.interval.ms": 1000,
            }
        )
        self.consumer.subscribe(list(TOPICS))
        self.next_offset: dict[TP, int] = {}
        self.value_end: dict[TP, int] = {}  # after the last event with a value, per partition
        self.counts = dict.fromkeys(TOPICS, 0)
        self.tombstones = 0
        self.sample: dict[str, Any] | None = None
        self.txids: set[int] = set()

    def poll(self, timeout: float = 0.5) -> None:
        for msg in self.consumer.consume(500, timeout=timeout):
            topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
            if msg.error() or topic not in self.counts or partition is None or offset is None:
                continue
            tp = (topic, partition)
            if offset < self.next_offset.get(tp, 0):
                continue
            self.next_offset[tp] = offset + 1
            self.counts[topic] += 1
            value = msg.value()
            if value is None:
                self.tombstones += 1
                continue
            self.value_end[tp] = offset + 1
            payload = self.decoder.decode(topic, value)
            self.txids.add(int((payload.get("source") or {}).get("txId") or 0))
            if topic == "warehouse.orders":
                self.sample = payload

    @property
    def events(self) -> int:
        return sum(self.counts.values())

    def read_to(self, ends: Mapping[TP, int]) -> bool:
        """Whether every partition has been read up to the given end offsets."""
        return all(self.next_offset.get(tp, 0) >= end for tp, end in ends.items())

    def close(self) -> None:
        self.consumer.close()
        self.decoder.close()


class Offsets:
    """End offsets of the warehouse topics and the offsets a sink's group has committed on them."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    def ends(self) -> dict[TP, int]:
        from confluent_kafka import Consumer, TopicPartition

        c = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": "demo-offsets", "enable.auto.commit": False}
        )
        try:
            meta = c.list_topics(timeout=10).topics
            parts = [TopicPartition(t, p) for t in TOPICS if t in meta for p in meta[t].partitions]
            return {(tp.topic, tp.partition): c.get_watermark_offsets(tp, timeout=10)[1] for tp in parts}
        finally:
            c.close()

    def reached(self, group: str, wanted: Mapping[TP, int]) -> bool:
        """The group's committed offsets are at or past ``wanted`` on every partition."""
        from confluent_kafka import Consumer, TopicPartition

        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            committed = c.committed([TopicPartition(t, p) for t, p in wanted], timeout=10)
            got = {(tp.topic, tp.partition): tp.offset for tp in committed}
            return all(got.get(tp, -1) >= offset for tp, offset in wanted.items() if offset > 0)
        finally:
            c.close()
