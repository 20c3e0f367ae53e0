"""Issue #13: session keys made as Java's DistributedConfig makes them (``KeyGenerator.getInstance(
inter.worker.key.generation.algorithm)``, initialised with ``inter.worker.key.size`` when set, else the
SunJCE default size), and the leader writes the generator's algorithm into the session-key record."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.config.worker_config import DistributedConfig
from connectrt.herder.signature import SessionKeyGenerator
from connectrt.storage.kafka_records import encode_session_key

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("algorithm", "size_bytes"),
    [
        ("HmacSHA256", 32),  # Java's default algorithm: 256-bit keys
        ("HmacSHA1", 64),  # SunJCE's HmacSHA1 KeyGenerator makes 64-byte keys
        ("HmacMD5", 64),
        ("HmacSHA384", 48),
        ("HmacSHA512", 64),
        ("hmacsha512", 64),  # Java's algorithm lookup ignores case
    ],
)
def test_default_key_sizes_are_javas(algorithm: str, size_bytes: int) -> None:
    generator = SessionKeyGenerator(algorithm)
    key = generator.generate()
    assert len(key) == size_bytes
    assert generator.algorithm.lower() == algorithm.lower()
    assert generator.generate() != key


def test_key_size_in_bits_is_honoured() -> None:
    assert len(SessionKeyGenerator("HmacSHA512", 1024).generate()) == 128
    assert len(SessionKeyGenerator("HmacSHA256", 129).generate()) == 17  # rounded up to whole bytes


def test_unknown_algorithm_and_short_key_refused() -> None:
    with pytest.raises(ConfigException) as e:
        SessionKeyGenerator("HmacNope")
    assert str(e.value).startswith(
        "Invalid value HmacNope for configuration inter.worker.key.generation.algorithm: the algorithm is "
        "not supported by this worker; use one of HmacMD5, HmacSHA1,"
    )
    with pytest.raises(ConfigException) as e:
        SessionKeyGenerator("HmacSHA256", 8)
    assert str(e.value) == (
        "Invalid value 8 for configuration inter.worker.key.size: Key length must be at least 40 bits"
    )
    with pytest.raises(ConfigException) as e:
        SessionKeyGenerator("HmacSHA256", 2**31 - 1)  # a 256 MiB key would never fit a config-topic record
    assert str(e.value) == (
        "Invalid value 2147483647 for configuration inter.worker.key.size: Key length must be at most 65536 bits"
    )


def _config(**extra: Any) -> DistributedConfig:
    props = {
        "bootstrap.servers": "localhost:9092",
        "group.id": "g",
        "config.storage.topic": "c",
        "offset.storage.topic": "o",
        "status.storage.topic": "s",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    }
    props.update(extra)
    return DistributedConfig(props)


def test_from_worker_config() -> None:
    default = SessionKeyGenerator.from_config(_config())
    assert (default.algorithm, default.key_bytes) == ("HmacSHA256", 32)
    configured = SessionKeyGenerator.from_config(
        _config(**{"inter.worker.key.generation.algorithm": "HmacSHA512", "inter.worker.key.size": "2048"})
    )
    assert (configured.algorithm, configured.key_bytes) == ("HmacSHA512", 256)


def test_session_key_record_names_the_algorithm() -> None:
    """Java's KafkaConfigBackingStore SESSION_KEY_V0 schema: key (base64), algorithm, creation-timestamp."""
    generator = SessionKeyGenerator("HmacSHA512")
    record = encode_session_key(b"\x00" * 4, generator.algorithm, 1700000000000)
    assert record == b'{"key":"AAAAAA==","algorithm":"HmacSHA512","creation-timestamp":1700000000000}'
