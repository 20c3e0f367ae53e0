"""Which worker settings each Kafka client of a worker gets (Java's Worker.baseProducerConfigs,
baseConsumerConfigs, adminConfigs), security included."""

from __future__ import annotations

import logging

import pytest

from connectrt.config.worker_config import StandaloneConfig
from connectrt.kafka.security import task_client_warnings
from connectrt.model.entities import ConnectorTaskId
from connectrt.runtime.plugins import default_plugins
from connectrt.runtime.worker import Worker
from connectrt.storage.offsets import MemoryOffsetBackingStore

pytestmark = pytest.mark.unit

SECURITY = {
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required username="w" password="pw";',
    "ssl.truststore.type": "PEM",
    "ssl.truststore.location": "/etc/ca.pem",
}


def worker(extra: dict[str, str]) -> Worker:
    config = StandaloneConfig(
        {
            "bootstrap.servers": "b:9093",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": "/tmp/x",
            **extra,
        }
    )
    return Worker(
        "w",
        config,
        default_plugins(),
        MemoryOffsetBackingStore(),
        lambda *a: None,
        lambda *a: None,
        lambda name: None,
    )


def test_admin_clients_get_the_top_level_security_then_admin_and_overrides() -> None:
    w = worker({**SECURITY, "admin.request.timeout.ms": "5000", "producer.acks": "1", "group.id": "g"})
    props = w.admin_props({"admin.override.client.id": "mine"})
    assert props == {
        "bootstrap.servers": "b:9093",
        **SECURITY,
        "request.timeout.ms": "5000",
        "client.id": "mine",
    }


def test_task_clients_get_only_their_prefix_as_in_java() -> None:
    w = worker({**SECURITY, **{f"producer.{k}": v for k, v in SECURITY.items()}})
    task = ConnectorTaskId("c", 0)
    producer = w.producer_props({}, task)
    consumer = w.consumer_props({}, task)
    assert {k: producer[k] for k in SECURITY} == SECURITY
    assert not any(k.startswith(("security.", "sasl.", "ssl.")) for k in consumer)


def test_source_producers_default_to_javas_settings() -> None:
    # Java 4.2's Worker.baseProducerConfigs (plus its producer's linger.ms default of 5 since KIP-1030).
    producer = worker({"group.id": "g"}).producer_props({}, ConnectorTaskId("c", 3))
    assert {
        k: producer[k] for k in ("acks", "enable.idempotence", "max.in.flight.requests.per.connection")
    } == {
        "acks": "all",
        "enable.idempotence": "false",
        "max.in.flight.requests.per.connection": "1",
    }
    assert producer["delivery.timeout.ms"] == str(2**31 - 1)
    assert producer["client.id"] == "connector-producer-c-3"
    overridden = worker({"group.id": "g", "producer.enable.idempotence": "true"}).producer_props(
        {}, ConnectorTaskId("c", 0)
    )
    assert overridden["enable.idempotence"] == "true"


def test_source_producers_compress_with_lz4_unless_told_otherwise() -> None:
    # The one deliberate difference from Java's producer defaults (compression.type=none), listed in the README.
    assert worker({"group.id": "g"}).producer_props({}, ConnectorTaskId("c", 0))["compression.type"] == "lz4"
    javas = worker({"group.id": "g", "producer.compression.type": "none"}).producer_props(
        {}, ConnectorTaskId("c", 0)
    )
    assert javas["compression.type"] == "none"
    per_connector = worker({"group.id": "g"}).producer_props(
        {"producer.override.compression.type": "zstd"}, ConnectorTaskId("c", 0)
    )
    assert per_connector["compression.type"] == "zstd"


def test_warning_when_task_clients_would_not_be_secured(caplog: pytest.LogCaptureFixture) -> None:
    assert task_client_warnings({}) == []
    assert task_client_warnings({"security.protocol": "PLAINTEXT"}) == []
    with caplog.at_level(logging.WARNING, logger="connectrt.runtime.worker"):
        worker({**SECURITY, "producer.security.protocol": "SASL_SSL"})
    assert caplog.messages == [
        "security.protocol=SASL_SSL secures the worker's own Kafka clients only: sink task consumers connect with "
        "PLAINTEXT unless consumer.security.protocol (and consumer.sasl.* / consumer.ssl.*) are set, as in Java."
    ]
