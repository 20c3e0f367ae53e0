"""Consumers prefetch about what Java's do: librdkafka's queue is bounded by Java's max.partition.fetch.bytes
and max.poll.records instead of its own 64 MiB / 100,000 messages."""

from __future__ import annotations

import pytest
from confluent_kafka import Consumer

from connectrt.config.configdef import ConfigException
from connectrt.kafka.clients import consumer_conf


def test_defaults_fetch_256_kib_and_bound_the_prefetch_queue() -> None:
    conf = consumer_conf({"bootstrap.servers": "b:9092", "group.id": "g"})
    assert conf["fetch.message.max.bytes"] == "262144"  # not Java's 1 MiB: librdkafka inflates a whole fetch
    assert conf["queued.max.messages.kbytes"] == "256"
    assert conf["queued.min.messages"] == "500"
    assert conf["fetch.queue.backoff.ms"] == "10"


def test_java_settings_scale_the_bound() -> None:
    conf = consumer_conf({"max.partition.fetch.bytes": "4194304", "max.poll.records": 2000})
    assert conf["queued.max.messages.kbytes"] == "4096"
    assert conf["queued.min.messages"] == "2000"
    assert consumer_conf({"fetch.message.max.bytes": "262144"})["queued.max.messages.kbytes"] == "256"
    assert consumer_conf({"max.partition.fetch.bytes": "100"})["queued.max.messages.kbytes"] == "1"
    # A fetch size given either way is kept, and no second one is added.
    assert "fetch.message.max.bytes" not in consumer_conf({"max.partition.fetch.bytes": "1048576"})
    assert consumer_conf({"fetch.message.max.bytes": "1048576"})["fetch.message.max.bytes"] == "1048576"


def test_librdkafka_settings_win() -> None:
    conf = consumer_conf(
        {
            "queued.max.messages.kbytes": "65536",
            "queued.min.messages": "100000",
            "fetch.queue.backoff.ms": "1000",
        }
    )
    assert (
        conf["queued.max.messages.kbytes"],
        conf["queued.min.messages"],
        conf["fetch.queue.backoff.ms"],
    ) == ("65536", "100000", "1000")


def test_librdkafka_takes_the_settings_and_bad_values_are_refused() -> None:
    Consumer(
        {**consumer_conf({"group.id": "g", "max.poll.records": "10"}), "bootstrap.servers": "127.0.0.1:1"}
    ).close()
    with pytest.raises(ConfigException, match="Invalid consumer configuration"):
        consumer_conf({"max.poll.records": "many"})
