"""Certificates for the transport tests: one CA per session, files per test in ``tmp_path``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from connectrt.dev.certs import CertificateAuthority, Leaf

STORE_PASSWORD = "store-secret"
KEY_PASSWORD = "key-secret"
TRUST_PASSWORD = "trust-secret"


@dataclass(frozen=True)
class Stores:
    """A CA, a server and a client leaf, written in every format the tests need."""

    dir: Path
    ca: CertificateAuthority
    server: Leaf
    client: Leaf
    other_ca: CertificateAuthority

    @property
    def ca_pem(self) -> Path:
        return self.dir / "ca.pem"

    @property
    def truststore_p12(self) -> Path:
        return self.dir / "truststore.p12"

    @property
    def server_p12(self) -> Path:
        return self.dir / "server.p12"

    @property
    def server_pem(self) -> Path:
        return self.dir / "server.pem"

    @property
    def server_pem_encrypted(self) -> Path:
        return self.dir / "server-encrypted.pem"

    @property
    def client_p12(self) -> Path:
        return self.dir / "client.p12"

    @property
    def client_pem(self) -> Path:
        return self.dir / "client.pem"

    @property
    def jks(self) -> Path:
        return self.dir / "keystore.jks"


@pytest.fixture(scope="session")
def authorities() -> tuple[CertificateAuthority, Leaf, Leaf, CertificateAuthority]:
    ca = CertificateAuthority.create("transport test CA")
    return (
        ca,
        ca.issue("localhost", ["localhost", "127.0.0.1"]),
        ca.issue("client"),
        CertificateAuthority.create("x"),
    )


@pytest.fixture
def stores(
    tmp_path: Path, authorities: tuple[CertificateAuthority, Leaf, Leaf, CertificateAuthority]
) -> Stores:
    ca, server, client, other = authorities
    s = Stores(tmp_path, ca, server, client, other)
    ca.write_pem(s.ca_pem)
    ca.write_truststore(s.truststore_p12, TRUST_PASSWORD)
    server.write_pkcs12(s.server_p12, STORE_PASSWORD, ca)
    server.write_pem(s.server_pem)
    server.write_pem(s.server_pem_encrypted, KEY_PASSWORD)
    client.write_pkcs12(s.client_p12, STORE_PASSWORD, ca)
    client.write_pem(s.client_pem)
    # A JKS store starts with the magic 0xFEEDFEED, then the version (2) and the entry count.
    s.jks.write_bytes(b"\xfe\xed\xfe\xed\x00\x00\x00\x02\x00\x00\x00\x01" + b"\x00" * 64)
    return s
