"""A throw-away certificate authority for development and tests (``cryptography`` package).

    ca = CertificateAuthority.create("connectrt dev CA")
    server = ca.issue("localhost", hosts=["localhost", "127.0.0.1"])
    server.write_pkcs12(path, "secret", ca)          # a Java-readable PKCS12 keystore
    ca.write_truststore(path, "secret")              # a Java-readable PKCS12 truststore
    ca.write_pem(path)                               # the CA certificate in PEM

Keys are EC P-256; certificates carry subjectAltNames for every host given, and both the server
and client extended key usages, so one leaf serves as a listener's keystore and a client's.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=3650)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _write_private(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)
    return path


@dataclass(frozen=True)
class Leaf:
    """A private key and its certificate, signed by a :class:`CertificateAuthority`."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: str | None = None) -> bytes:
        """PKCS#8 PEM (what Java's PEM keystores read), encrypted when ``password`` is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password.encode())
            if password
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def write_pem(self, path: Path, key_password: str | None = None) -> Path:
        """Key then certificate in one PEM file (Java's ``ssl.keystore.type=PEM`` layout)."""
        return _write_private(path, self.key_pem(key_password) + self.cert_pem())

    def write_pkcs12(self, path: Path, password: str, ca: CertificateAuthority | None = None) -> Path:
        """A PKCS12 keystore with the key, its certificate and (when given) the CA in the chain."""
        data = pkcs12.serialize_key_and_certificates(
            b"connectrt",
            self.key,
            self.cert,
            [ca.cert] if ca is not None else None,
            serialization.BestAvailableEncryption(password.encode()),
        )
        return _write_private(path, data)


@dataclass(frozen=True)
class CertificateAuthority(Leaf):
    @classmethod
    def create(cls, common_name: str = "connectrt dev CA") -> CertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue(self, common_name: str, hosts: list[str] | None = None) -> Leaf:
        """A leaf for ``common_name`` valid for ``hosts`` (DNS names or IP addresses)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        names = [_san(h) for h in (hosts or [common_name])]
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        return Leaf(key, cert)

    def write_pem(self, path: Path, key_password: str | None = None) -> Path:
        """The CA certificate alone (never its key), e.g. for ``ssl.truststore.type=PEM``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.cert_pem())
        return path

    def write_truststore(self, path: Path, password: str) -> Path:
        """A PKCS12 truststore Java reads (the certificate is marked as a trusted entry)."""
        data = pkcs12.serialize_java_truststore(
            [pkcs12.PKCS12Certificate(self.cert, b"connectrt-ca")],
            serialization.BestAvailableEncryption(password.encode()),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path
