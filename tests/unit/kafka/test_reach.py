"""The worker's first contact with Kafka fails fast, in one sentence: refused TLS at once, a refused
connection after the fail-fast delay, naming each broker tried."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectrt.dev.certs import CertificateAuthority
from connectrt.kafka.reach import KafkaUnreachable, lookup_cluster_id
from tests.fixtures.tls_listener import tls_listener
from tests.integration.worker_process import free_port

pytestmark = pytest.mark.unit


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[int]:
    """A TLS listener whose certificate no client here trusts."""
    CertificateAuthority.create("reach test server CA").issue("localhost", ["127.0.0.1"]).write_pem(
        tmp_path / "server.pem"
    )
    with tls_listener(tmp_path / "server.pem") as port:
        yield port


def test_refused_connections_fail_after_the_fail_fast_delay() -> None:
    a, b = free_port(), free_port()
    while b == a:
        b = free_port()
    began = time.monotonic()
    with pytest.raises(KafkaUnreachable) as info:
        lookup_cluster_id({"bootstrap.servers": f"127.0.0.1:{a}, 127.0.0.1:{b}"}, timeout_s=30, fail_fast_s=1)
    assert time.monotonic() - began < 10
    message = str(info.value)
    assert message.startswith(
        f"Could not connect to Kafka at bootstrap.servers=127.0.0.1:{a},127.0.0.1:{b} within "
    )
    assert f"127.0.0.1:{a}: Connect to ipv4#127.0.0.1:{a} failed: Connection refused" in message
    assert f"127.0.0.1:{b}: Connect to ipv4#127.0.0.1:{b} failed: Connection refused" in message
    assert message.endswith(
        "; check that the brokers are running and reachable from this host and that "
        "bootstrap.servers names their listeners."
    )
    assert "after 0ms" not in message


def test_a_refused_tls_handshake_fails_at_once(tls_server: int) -> None:
    other = CertificateAuthority.create("a CA the server does not use")
    began = time.monotonic()
    with pytest.raises(KafkaUnreachable) as info:
        lookup_cluster_id(
            {
                "bootstrap.servers": f"127.0.0.1:{tls_server}",
                "security.protocol": "SSL",
                "ssl.truststore.certificates": other.cert_pem().decode(),
            },
            timeout_s=30,
            fail_fast_s=20,
        )
    assert time.monotonic() - began < 10  # neither the timeout nor the fail-fast delay
    message = str(info.value)
    assert message.startswith(f"Kafka at bootstrap.servers=127.0.0.1:{tls_server} refused the connection (")
    assert "SSL handshake failed" in message and "certificate verify failed" in message
    assert message.endswith("); check security.protocol, sasl.* and ssl.*.")


def test_empty_bootstrap_servers() -> None:
    with pytest.raises(KafkaUnreachable, match="bootstrap.servers is empty"):
        lookup_cluster_id({"bootstrap.servers": " , "})
