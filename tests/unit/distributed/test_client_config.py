from __future__ import annotations

import pytest

from connectrt.herder.distributed.client_config import kafka_python_client_configs

pytestmark = pytest.mark.unit


def test_plaintext() -> None:
    assert kafka_python_client_configs(
        {
            "bootstrap.servers": "a:9092, b:9092",
            "client.id": "w1",
            "request.timeout.ms": "40000",
            "group.id": "g",
        }
    ) == {
        "bootstrap_servers": ["a:9092", "b:9092"],
        "client_id": "w1",
        "request_timeout_ms": 40000,
        "security_protocol": "PLAINTEXT",
    }


def test_bootstrap_as_list_and_defaults() -> None:
    out = kafka_python_client_configs({"bootstrap.servers": ["h:1", "h:2"], "retry.backoff.ms": 250})
    assert out == {
        "bootstrap_servers": ["h:1", "h:2"],
        "retry_backoff_ms": 250,
        "security_protocol": "PLAINTEXT",
    }


def test_sasl_ssl_with_pem_files() -> None:
    out = kafka_python_client_configs(
        {
            "bootstrap.servers": "k:9093",
            "security.protocol": "sasl_ssl",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required "
            'username="connect" password="s3cret";',
            "ssl.truststore.location": "/etc/kafka/ca.pem",
            "ssl.truststore.type": "PEM",
            "ssl.keystore.location": "/etc/kafka/client.pem",
            "ssl.key.password": "kp",
            "ssl.endpoint.identification.algorithm": "",
        }
    )
    assert out == {
        "bootstrap_servers": ["k:9093"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "connect",
        "sasl_plain_password": "s3cret",
        "ssl_cafile": "/etc/kafka/ca.pem",
        "ssl_certfile": "/etc/kafka/client.pem",
        "ssl_password": "kp",
        "ssl_check_hostname": False,
    }


def test_jks_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"ssl.truststore.location must be a PEM file .*JKS stores"):
        kafka_python_client_configs(
            {"security.protocol": "SSL", "ssl.truststore.location": "/x/truststore.jks"}
        )
