"""``connectrt dev up --sasl``: the broker properties, the TLS files and the env lines (no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectrt.dev import kafka, kafka_sasl
from connectrt.dev.cli import settings_from_args
from connectrt.dev.config import DevSettings
from connectrt.kafka.tls import load_keystore, load_truststore

pytestmark = pytest.mark.unit


def settings(tmp_path: Path, sasl: bool = True) -> DevSettings:
    return DevSettings(tmp_path, "t", 20000, sasl=sasl)


def test_sasl_ssl_listener_in_server_properties(tmp_path: Path) -> None:
    s = settings(tmp_path)
    kafka_sasl.ensure_tls(s)
    lines = dict(
        line.split("=", 1) for line in kafka.server_properties(s, 1, tmp_path / "d").splitlines()[1:]
    )
    password = (tmp_path / "dev" / "t" / "tls" / "store.password").read_text()
    assert (
        lines["listeners"]
        == "PLAINTEXT://127.0.0.1:20092,CONTROLLER://127.0.0.1:20192,SASL_SSL://127.0.0.1:20292"
    )
    assert lines["advertised.listeners"] == "PLAINTEXT://127.0.0.1:20092,SASL_SSL://127.0.0.1:20292"
    assert (
        lines["listener.security.protocol.map"]
        == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"
    )
    assert lines["inter.broker.listener.name"] == "PLAINTEXT"
    assert lines["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert lines["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    )
    assert lines["listener.name.sasl_ssl.ssl.keystore.type"] == "PKCS12"
    assert lines["listener.name.sasl_ssl.ssl.keystore.location"] == str(
        tmp_path / "dev" / "t" / "tls" / "broker.p12"
    )
    assert lines["listener.name.sasl_ssl.ssl.keystore.password"] == password
    without = kafka.server_properties(settings(tmp_path, sasl=False), 1, tmp_path / "d")
    assert "SASL_SSL" not in without and "sasl.enabled" not in without


def test_tls_files_are_made_once_and_readable(tmp_path: Path) -> None:
    s = settings(tmp_path)
    directory = kafka_sasl.ensure_tls(s)
    ca_before = (directory / "ca.pem").read_bytes()
    kafka_sasl.ensure_tls(s)
    assert (directory / "ca.pem").read_bytes() == ca_before
    password = (directory / "store.password").read_text()
    assert oct((directory / "store.password").stat().st_mode & 0o777) == "0o600"
    store = load_keystore(
        {
            "ssl.keystore.location": str(directory / "broker.p12"),
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.password": password,
        }
    )
    trust = load_truststore(
        {"ssl.truststore.location": str(directory / "ca.pem"), "ssl.truststore.type": "PEM"}
    )
    assert store is not None and trust is not None and store.chain[-1] == trust[0]


def test_env_lines_and_client_properties(tmp_path: Path) -> None:
    s = settings(tmp_path)
    directory = kafka_sasl.ensure_tls(s)
    kafka_sasl.write_client_properties(s)
    env = kafka_sasl.env_vars(directory, ["127.0.0.1:20292"])
    assert env["KAFKA_SASL_BOOTSTRAP_SERVERS"] == "127.0.0.1:20292"
    assert env["CONNECTRT_KAFKA_SASL_USERNAME"] == "connectrt"
    assert env["CONNECTRT_KAFKA_SSL_CA_LOCATION"] == str(directory / "ca.pem")
    assert Path(env["CONNECTRT_KAFKA_SASL_CLIENT_PROPERTIES"]).read_text().splitlines() == [
        "# Java client settings for the dev Kafka's SASL_SSL listener (connectrt dev up --sasl).",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=SCRAM-SHA-512",
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="connectrt" '
        'password="connectrt-secret";',
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={directory / 'ca.pem'}",
    ]


def test_cli_flag_and_ports(tmp_path: Path) -> None:
    import argparse

    from connectrt.dev.cli import add_dev_parser

    parser = argparse.ArgumentParser()
    add_dev_parser(parser.add_subparsers())
    args = parser.parse_args(["dev", "up", "--sasl", "--cache-dir", str(tmp_path), "--port-base", "20000"])
    s = settings_from_args(args)
    assert s.sasl and s.sasl_port(1) == 20292
    assert s.ports()["Kafka SASL_SSL 1"] == 20292
    args = parser.parse_args(["dev", "up", "--cache-dir", str(tmp_path)])
    assert not settings_from_args(args).sasl
