"""Java's buffer.memory bounds librdkafka's producer queue (queue.buffering.max.kbytes)."""

from __future__ import annotations

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.kafka.clients import producer_conf


def test_java_default_and_explicit_buffer_memory() -> None:
    assert producer_conf({"bootstrap.servers": "b:9092"})["queue.buffering.max.kbytes"] == "32768"
    assert producer_conf({"buffer.memory": "1048576"})["queue.buffering.max.kbytes"] == "1024"
    assert producer_conf({"buffer.memory": 100})["queue.buffering.max.kbytes"] == "1"
    assert "buffer.memory" not in producer_conf({"buffer.memory": "1048576"})


def test_queued_messages_are_bounded_by_buffer_memory_too() -> None:
    """librdkafka's ~0.4 KiB per queued message is outside queue.buffering.max.kbytes: the message count is
    bounded by buffer.memory / 1 KiB (librdkafka's default would be 100,000 whatever buffer.memory says)."""
    assert producer_conf({})["queue.buffering.max.messages"] == "32768"
    assert producer_conf({"buffer.memory": "4194304"})["queue.buffering.max.messages"] == "4096"
    assert producer_conf({"queue.buffering.max.messages": "500"})["queue.buffering.max.messages"] == "500"


def test_librdkafka_setting_wins_and_bad_values_are_refused() -> None:
    conf = producer_conf({"buffer.memory": "1048576", "queue.buffering.max.kbytes": "5"})
    assert conf["queue.buffering.max.kbytes"] == "5"
    with pytest.raises(ConfigException, match="buffer.memory must be a number of bytes"):
        producer_conf({"buffer.memory": "lots"})
