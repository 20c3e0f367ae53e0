"""A SASL_SSL listener on the dev Kafka (``connectrt dev up --sasl``): SCRAM-SHA-512 over TLS.

Each node gets a ``SASL_SSL://127.0.0.1:<base+292+n-1>`` listener next to its PLAINTEXT one. At
start a CA and a broker certificate (for 127.0.0.1 and localhost) are made with the
``cryptography`` package, once per instance, under ``<instance>/tls/``; when the brokers are ready
the SCRAM user is created (or its password reset) through the PLAINTEXT listener. Clients find
everything in ``connectrt dev env``, including a Java client properties file::

    security.protocol=SASL_SSL
    sasl.mechanism=SCRAM-SHA-512
    sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="connectrt" password="...";
    ssl.truststore.type=PEM
    ssl.truststore.location=<instance>/tls/ca.pem
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from connectrt.dev.certs import CertificateAuthority
from connectrt.dev.config import LOOPBACK, DevSettings
from connectrt.dev.errors import DevError

SASL_USER = "connectrt"
SASL_PASSWORD = "connectrt-secret"
MECHANISM = "SCRAM-SHA-512"
LISTENER = "SASL_SSL"
_SCRAM_ITERATIONS = 8192


def tls_dir(settings: DevSettings) -> Path:
    return settings.instance_dir / "tls"


def _store_password(directory: Path) -> str:
    path = directory / "store.password"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(18))
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_tls(settings: DevSettings) -> Path:
    """The instance's CA (``ca.pem``, ``truststore.p12``) and broker keystore (``broker.p12``),
    made on first use and kept (clients may have copied the CA)."""
    directory = tls_dir(settings)
    if (directory / "broker.p12").exists() and (directory / "ca.pem").exists():
        return directory
    password = _store_password(directory)
    ca = CertificateAuthority.create(f"connectrt dev CA ({settings.instance})")
    ca.write_pem(directory / "ca.pem")
    ca.write_truststore(directory / "truststore.p12", password)
    broker = ca.issue("localhost", ["localhost", LOOPBACK])
    broker.write_pkcs12(directory / "broker.p12", password, ca)
    return directory


def broker_properties(settings: DevSettings, node_id: int) -> dict[str, str]:
    """What a node's server.properties gains (listener lists are extended by the caller)."""
    directory = tls_dir(settings)
    password = _store_password(directory)
    prefix = f"listener.name.{LISTENER.lower()}."
    return {
        "sasl.enabled.mechanisms": MECHANISM,
        f"{prefix}{MECHANISM.lower()}.sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        f"{prefix}ssl.keystore.type": "PKCS12",
        f"{prefix}ssl.keystore.location": str(directory / "broker.p12"),
        f"{prefix}ssl.keystore.password": password,
        f"{prefix}ssl.key.password": password,
    }


def listener(settings: DevSettings, node_id: int) -> str:
    return f"{LISTENER}://{LOOPBACK}:{settings.sasl_port(node_id)}"


def client_properties(settings: DevSettings) -> dict[str, str]:
    """Java client settings for the SASL_SSL listener (what a worker file needs)."""
    return {
        "security.protocol": LISTENER,
        "sasl.mechanism": MECHANISM,
        "sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{SASL_USER}" password="{SASL_PASSWORD}";',
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(tls_dir(settings) / "ca.pem"),
    }


def write_client_properties(settings: DevSettings) -> Path:
    path = tls_dir(settings) / "client-sasl-ssl.properties"
    lines = ["# Java client settings for the dev Kafka's SASL_SSL listener (connectrt dev up --sasl)."]
    lines += [f"{k}={v}" for k, v in client_properties(settings).items()]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def create_user(settings: DevSettings, timeout: float = 30.0) -> None:
    """Create the SCRAM user (or reset its password) through the PLAINTEXT listener, then check
    that a client logs in on the SASL_SSL listener."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import (
        AdminClient,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialUpsertion,
    )

    from connectrt.kafka.logs import QUIET_LIBRDKAFKA_LOG

    conf: dict[str, Any] = {"bootstrap.servers": settings.bootstrap_servers, "logger": QUIET_LIBRDKAFKA_LOG}
    admin = AdminClient(conf)
    upsert = UserScramCredentialUpsertion(
        SASL_USER,
        ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, _SCRAM_ITERATIONS),
        SASL_PASSWORD.encode(),
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin.alter_user_scram_credentials([upsert])[SASL_USER].result(timeout=10)
            break
        except KafkaException as e:
            if time.monotonic() > deadline:
                raise DevError(f"Could not create the SCRAM user {SASL_USER} on the dev Kafka: {e}.")
            time.sleep(0.5)
    while not _sasl_login_works(settings):
        if time.monotonic() > deadline:
            raise DevError(
                f"The dev Kafka's SASL_SSL listener ({sasl_bootstrap(settings)}) does not accept the SCRAM user "
                f"{SASL_USER}; see the broker log."
            )
        time.sleep(0.5)
    write_client_properties(settings)


def sasl_bootstrap(settings: DevSettings) -> str:
    return ",".join(f"{LOOPBACK}:{settings.sasl_port(i)}" for i in range(1, settings.brokers + 1))


def _sasl_login_works(settings: DevSettings) -> bool:
    import logging

    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    from connectrt.kafka.clients import translate

    quiet = logging.getLogger("connectrt.dev.kafka.probe")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    conf: dict[str, Any] = translate(
        {"bootstrap.servers": sasl_bootstrap(settings), **client_properties(settings)}
    )
    conf.update({"logger": quiet, "socket.timeout.ms": 3000})
    try:
        return len(AdminClient(conf).list_topics(timeout=5).brokers) >= settings.brokers
    except KafkaException:
        return False


def env_vars(directory: Path, addresses: list[str]) -> dict[str, str]:
    """``connectrt dev env`` lines for the SASL_SSL listener (``addresses``: its host:port list,
    ``directory``: the instance's ``tls/`` directory)."""
    return {
        "KAFKA_SASL_BOOTSTRAP_SERVERS": ",".join(addresses),
        "CONNECTRT_KAFKA_SASL_MECHANISM": MECHANISM,
        "CONNECTRT_KAFKA_SASL_USERNAME": SASL_USER,
        "CONNECTRT_KAFKA_SASL_PASSWORD": SASL_PASSWORD,
        "CONNECTRT_KAFKA_SSL_CA_LOCATION": str(directory / "ca.pem"),
        "CONNECTRT_KAFKA_SSL_TRUSTSTORE_LOCATION": str(directory / "truststore.p12"),
        "CONNECTRT_KAFKA_SSL_TRUSTSTORE_PASSWORD": _store_password(directory),
        "CONNECTRT_KAFKA_SASL_CLIENT_PROPERTIES": str(directory / "client-sasl-ssl.properties"),
    }
