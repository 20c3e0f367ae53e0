"""Java client security settings → librdkafka (confluent-kafka) and kafka-python settings."""

from __future__ import annotations

import ssl

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.herder.distributed.coordinator import GroupMemberConfig
from connectrt.kafka.clients import make_admin, make_consumer, make_producer, translate
from connectrt.kafka.python_client import kafka_python_client_configs
from connectrt.kafka.security import client_security

from .conftest import STORE_PASSWORD, TRUST_PASSWORD, Stores

pytestmark = pytest.mark.unit

SCRAM = (
    'org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" '
    'password="connect-secret";'
)


def _sasl_ssl(stores: Stores, **extra: str) -> dict[str, str]:
    return {
        "bootstrap.servers": "broker:9093",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.jaas.config": SCRAM,
        "ssl.truststore.location": str(stores.truststore_p12),
        "ssl.truststore.type": "PKCS12",
        "ssl.truststore.password": TRUST_PASSWORD,
        **extra,
    }


def test_librdkafka_sasl_ssl_scram(stores: Stores) -> None:
    conf = translate(
        _sasl_ssl(
            stores,
            **{
                "ssl.enabled.protocols": "TLSv1.2,TLSv1.3",
                "ssl.protocol": "TLSv1.3",
                "ssl.keymanager.algorithm": "SunX509",
                "sasl.login.refresh.window.factor": "0.8",
            },
        )
    )
    assert conf == {
        "bootstrap.servers": "broker:9093",
        "security.protocol": "sasl_ssl",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "connect",
        "sasl.password": "connect-secret",
        "ssl.ca.pem": stores.ca.cert_pem().decode(),
        "ssl.endpoint.identification.algorithm": "https",
    }


def test_librdkafka_ssl_with_client_certificate_and_no_hostname_check(stores: Stores) -> None:
    conf = translate(
        {
            "bootstrap.servers": "b:9093",
            "security.protocol": "SSL",
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(stores.ca_pem),
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(stores.client_p12),
            "ssl.keystore.password": STORE_PASSWORD,
            "ssl.key.password": STORE_PASSWORD,
            "ssl.endpoint.identification.algorithm": "",
        }
    )
    assert conf["security.protocol"] == "ssl"
    assert conf["ssl.ca.pem"] == stores.ca.cert_pem().decode()
    assert conf["ssl.certificate.pem"] == stores.client.cert_pem().decode() + stores.ca.cert_pem().decode()
    assert conf["ssl.key.pem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert conf["ssl.endpoint.identification.algorithm"] == "none"
    assert not any(k.startswith(("ssl.keystore", "ssl.truststore", "ssl.key.password")) for k in conf)


def test_librdkafka_plain_and_plaintext() -> None:
    assert translate({"bootstrap.servers": "b:1"}) == {
        "bootstrap.servers": "b:1",
        "security.protocol": "plaintext",
    }
    assert translate(
        {
            "bootstrap.servers": "b:1",
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "PLAIN",
            "sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
        }
    ) == {
        "bootstrap.servers": "b:1",
        "security.protocol": "sasl_plaintext",
        "sasl.mechanism": "PLAIN",
        "sasl.username": "u",
        "sasl.password": "p",
    }


def test_clients_build_with_the_translation(stores: Stores) -> None:
    """librdkafka accepts every key the translation produces (it refuses unknown ones)."""
    props = _sasl_ssl(stores)
    make_producer(props)
    make_consumer({**props, "group.id": "g"}).close()
    make_admin(props)


def test_kafka_python_sasl_ssl(stores: Stores) -> None:
    out = kafka_python_client_configs(_sasl_ssl(stores, **{"client.id": "w1", "request.timeout.ms": "40000"}))
    context = out.pop("ssl_context")
    assert out == {
        "bootstrap_servers": ["broker:9093"],
        "client_id": "w1",
        "request_timeout_ms": 40000,
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "connect",
        "sasl_plain_password": "connect-secret",
        "ssl_check_hostname": True,
    }
    assert isinstance(context, ssl.SSLContext) and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "transport test CA"),),)]


def test_kafka_python_plaintext() -> None:
    assert kafka_python_client_configs({"bootstrap.servers": "a:9092, b:9092", "group.id": "g"}) == {
        "bootstrap_servers": ["a:9092", "b:9092"],
        "security_protocol": "PLAINTEXT",
    }


def test_group_member_gets_the_worker_security_settings(stores: Stores) -> None:
    """Java's WorkerGroupMember client uses the worker's top-level security settings."""

    class Config:
        originals = _sasl_ssl(stores, **{"group.id": "g"})

        def get_str(self, key: str) -> str:
            return {"group.id": "g", "connect.protocol": "sessioned"}[key]

        def get_int(self, key: str) -> int:
            return 1000

    settings = GroupMemberConfig.from_worker_config(Config(), "http://w:8083/").client_settings
    assert settings["security_protocol"] == "SASL_SSL"
    assert settings["sasl_plain_username"] == "connect"
    assert "connect-secret" not in repr(GroupMemberConfig.from_worker_config(Config(), "u"))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"security.protocol": "TLS"},
            "producer.security.protocol=TLS is not valid; use one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL.",
        ),
        (
            {"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER"},
            "producer.sasl.mechanism=OAUTHBEARER is not supported by connectrt; use one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI.",
        ),
        (
            {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512"},
            "producer.security.protocol=SASL_SSL with sasl.mechanism=SCRAM-SHA-512 needs the credentials in "
            "producer.sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required "
            'username="..." password="...";',
        ),
        (
            {
                "security.protocol": "SASL_SSL",
                "sasl.mechanism": "SCRAM-SHA-512",
                "sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
            },
            "producer.sasl.jaas.config uses org.apache.kafka.common.security.plain.PlainLoginModule, but "
            "sasl.mechanism=SCRAM-SHA-512 needs org.apache.kafka.common.security.scram.ScramLoginModule.",
        ),
        (
            {
                "security.protocol": "SASL_SSL",
                "sasl.mechanism": "PLAIN",
                "sasl.jaas.config": "not jaas at all",
            },
            "producer.sasl.jaas.config: login module not has flag 'jaas'; use one of required",
        ),
    ],
)
def test_errors_name_the_prefixed_key(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as info:
        client_security(props, "producer.")
    assert message in str(info.value)


def test_password_never_in_repr(stores: Stores) -> None:
    security = client_security(_sasl_ssl(stores))
    assert "connect-secret" not in repr(security)
    assert "connect-secret" not in str(security)


def test_refused_tls_is_named_when_kafka_cannot_be_reached(stores: Stores) -> None:
    """librdkafka answers the request with 'transport failure'; the TLS/SASL cause is in the error."""
    from confluent_kafka import KafkaException

    from connectrt.kafka.topics import TopicAdmin
    from tests.fixtures.tls_listener import tls_listener

    with tls_listener(stores.server_pem) as port:
        admin = make_admin(
            {
                "bootstrap.servers": f"127.0.0.1:{port}",
                "security.protocol": "SSL",
                "ssl.truststore.certificates": stores.other_ca.cert_pem().decode(),
            }
        )
        with pytest.raises(KafkaException) as info:
            TopicAdmin(admin, 5).cluster_id()
        assert "SSL handshake failed" in str(info.value) and "certificate verify failed" in str(info.value)
        assert str(info.value).endswith("; check security.protocol, sasl.* and ssl.*")


def test_java_only_tls_tuning_is_named_once(stores: Stores, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    props = _sasl_ssl(
        stores, **{"ssl.cipher.suites": "TLS_AES_256_GCM_SHA384", "ssl.enabled.protocols": "TLSv1.3"}
    )
    with caplog.at_level(logging.WARNING, logger="connectrt.kafka.security"):
        client_security(props, "consumer.")
        client_security(props, "consumer.")
    assert caplog.messages == [
        "consumer.ssl.enabled.protocols is not applied to the producers, consumers and admin clients "
        "(librdkafka uses OpenSSL's defaults: TLS 1.2 and 1.3 with its secure cipher suites).",
        "consumer.ssl.cipher.suites lists only TLS 1.3 suites: the Kafka clients (librdkafka) keep OpenSSL's "
        "default TLS 1.2 suites for a broker without TLS 1.3.",
    ]
