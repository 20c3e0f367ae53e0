"""Java ``ssl.*`` settings → certificates, keys and Python ``ssl.SSLContext`` objects.

The same keys serve the REST listeners (``listeners.https.ssl.*``), the REST client between
workers, and the Kafka clients (``ssl.*``, ``producer.ssl.*``, ...). ``settings`` below are the
keys *without* their prefix (``ssl.keystore.location``, ...); ``prefix`` is only used to name the
user's key in error messages.

Stores, as Java reads them (``ssl.keystore.type`` / ``ssl.truststore.type``):

- ``PKCS12``: a keystore with one private key and its chain; a truststore of certificates.
- ``PEM``: ``ssl.keystore.location`` is a PEM file holding a PKCS#8 key (encrypted with
  ``ssl.key.password``, or not) and its chain; or inline ``ssl.keystore.key`` +
  ``ssl.keystore.certificate.chain``. Truststores: a PEM file of certificates, or inline
  ``ssl.truststore.certificates``.
- ``JKS`` (Java's default type): a real JKS store cannot be read from Python and is refused with
  a one-line fix; a file that is in fact PKCS12 or PEM (JDK 9+ reads PKCS12 under type JKS too)
  is read as what it is.

Without a truststore, clients trust the system's CA bundle (Java: the JDK's cacerts).
"""

from __future__ import annotations

import logging
import os
import secrets
import ssl
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from connectrt.config.configdef import ConfigException
from connectrt.kafka import cipher_suites

log = logging.getLogger(__name__)

JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"
_PROTOCOLS = {
    "TLSV1": ssl.TLSVersion.TLSv1,
    "TLSV1.1": ssl.TLSVersion.TLSv1_1,
    "TLSV1.2": ssl.TLSVersion.TLSv1_2,
    "TLSV1.3": ssl.TLSVersion.TLSv1_3,
}
DEFAULT_ENABLED_PROTOCOLS = "TLSv1.2,TLSv1.3"


@dataclass(frozen=True)
class KeyStore:
    """A private key and its certificate chain (leaf first)."""

    key: PrivateKeyTypes
    chain: tuple[x509.Certificate, ...]

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)


def certs_pem(certs: tuple[x509.Certificate, ...]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs)


def _text(settings: Mapping[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    text = str(value)
    return text if text.strip() else None


def _read(path: str, key: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as e:
        raise ConfigException(
            f"Cannot read {key}={path}: {e.strerror or e}; check the path and its permissions."
        )


def _kind(declared: str | None, data: bytes | None) -> str:
    """The store's real format: the declared type, corrected for JKS-typed PKCS12/PEM files."""
    kind = (declared or "JKS").strip().upper()
    if kind in ("JKS", "PKCS12") and data is not None:
        if data.startswith(JKS_MAGIC):
            return "JKS"
        if data.startswith(JCEKS_MAGIC):
            return "JCEKS"
        if data.lstrip().startswith(b"-----BEGIN"):
            return "PEM"
        if data[:1] == b"\x30":
            return "PKCS12"
    return kind


def _refuse(kind: str, key: str, location: str, store: str) -> ConfigException:
    if kind in ("JKS", "JCEKS"):
        return ConfigException(
            f"{key}={location} is a {kind} {store}, which connectrt cannot read; convert it to PKCS12 "
            f"(keytool -importkeystore -srckeystore {location} -destkeystore {Path(location).stem}.p12 "
            f"-deststoretype PKCS12) and set {key.rsplit('.', 1)[0]}.type=PKCS12, or use PEM files."
        )
    return ConfigException(
        f"{key.rsplit('.', 1)[0]}.type={kind} is not supported for {location}; use PKCS12 or PEM."
    )


def _passwords(*values: str | None) -> list[bytes | None]:
    out: list[bytes | None] = []
    for v in values:
        candidate = v.encode() if v is not None else None
        if candidate not in out:
            out.append(candidate)
    if None not in out:
        out.append(None)
    return out


def _load_pkcs12(
    data: bytes, passwords: list[bytes | None], key: str, location: str
) -> pkcs12.PKCS12KeyAndCertificates:
    last: Exception | None = None
    for password in passwords:
        try:
            return pkcs12.load_pkcs12(data, password)
        except (ValueError, TypeError) as e:
            last = e
    raise ConfigException(
        f"Cannot open the PKCS12 store {key}={location}: wrong password or not a PKCS12 file ({last})."
    )


def _pem_certs(data: bytes, key: str) -> tuple[x509.Certificate, ...]:
    try:
        certs = tuple(x509.load_pem_x509_certificates(data))
    except ValueError as e:
        raise ConfigException(f"{key} holds no readable PEM certificate ({e}).")
    return certs


def _pem_key(data: bytes, password: str | None, key: str) -> PrivateKeyTypes:
    start = data.find(b"-----BEGIN")
    blocks = data[start:] if start >= 0 else data
    try:
        return serialization.load_pem_private_key(blocks, password.encode() if password else None)
    except TypeError:
        raise ConfigException(
            f"The private key in {key} is encrypted: set the key's password in ssl.key.password."
        )
    except ValueError as e:
        raise ConfigException(
            f"Cannot read the private key in {key}: wrong ssl.key.password or not a PEM key ({e})."
        )


# --- stores ------------------------------------------------------------------------------------

_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_LOCK = threading.Lock()


def _cached(cache_key: tuple[Any, ...], location: str | None, load: Any) -> Any:
    if location is not None:
        try:
            cache_key = (*cache_key, os.stat(Path(location).expanduser()).st_mtime_ns)
        except OSError:
            return load()
    with _CACHE_LOCK:
        if cache_key in _CACHE:
            return _CACHE[cache_key]
    value = load()
    with _CACHE_LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[cache_key] = value
    return value


def load_keystore(settings: Mapping[str, Any], prefix: str = "") -> KeyStore | None:
    """The keystore named by ``ssl.keystore.*`` (None when none is configured)."""
    location = _text(settings, "ssl.keystore.location")
    inline_key = _text(settings, "ssl.keystore.key")
    declared = _text(settings, "ssl.keystore.type")
    store_pw = _text(settings, "ssl.keystore.password")
    key_pw = _text(settings, "ssl.key.password")
    k = f"{prefix}ssl.keystore.location"
    if inline_key is not None:
        chain = _text(settings, "ssl.keystore.certificate.chain")
        if chain is None:
            raise ConfigException(
                f"{prefix}ssl.keystore.key is set without {prefix}ssl.keystore.certificate.chain; set both."
            )
        return KeyStore(
            _pem_key(inline_key.encode(), key_pw or store_pw, f"{prefix}ssl.keystore.key"),
            _pem_certs(chain.encode(), f"{prefix}ssl.keystore.certificate.chain"),
        )
    if location is None:
        return None

    def load() -> KeyStore:
        data = _read(location, k)
        kind = _kind(declared, data)
        if kind == "PEM":
            certs = _pem_certs(data, k)
            return KeyStore(_pem_key(data, key_pw or store_pw, k), certs)
        if kind != "PKCS12":
            raise _refuse(kind, k, location, "keystore")
        loaded = _load_pkcs12(data, _passwords(store_pw, key_pw), k, location)
        if loaded.key is None or loaded.cert is None:
            raise ConfigException(f"The keystore {k}={location} holds no private key with its certificate.")
        chain = (loaded.cert.certificate, *(c.certificate for c in loaded.additional_certs))
        return KeyStore(loaded.key, chain)

    result: KeyStore = _cached(("key", location, declared, store_pw, key_pw), location, load)
    return result


def load_truststore(settings: Mapping[str, Any], prefix: str = "") -> tuple[x509.Certificate, ...] | None:
    """The certificates of ``ssl.truststore.*`` (None when no truststore is configured)."""
    inline = _text(settings, "ssl.truststore.certificates")
    if inline is not None:
        return _pem_certs(inline.encode(), f"{prefix}ssl.truststore.certificates")
    location = _text(settings, "ssl.truststore.location")
    if location is None:
        return None
    declared = _text(settings, "ssl.truststore.type")
    password = _text(settings, "ssl.truststore.password")
    k = f"{prefix}ssl.truststore.location"

    def load() -> tuple[x509.Certificate, ...]:
        data = _read(location, k)
        kind = _kind(declared, data)
        if kind == "PEM":
            return _pem_certs(data, k)
        if kind != "PKCS12":
            raise _refuse(kind, k, location, "truststore")
        loaded = _load_pkcs12(data, _passwords(password), k, location)
        certs = tuple(c.certificate for c in loaded.additional_certs)
        if loaded.cert is not None:
            certs = (loaded.cert.certificate, *certs)
        if not certs:
            raise ConfigException(f"The truststore {k}={location} holds no certificate.")
        return certs

    result: tuple[x509.Certificate, ...] = _cached(("trust", location, declared, password), location, load)
    return result


# --- SSLContext ---------------------------------------------------------------------------------


def _load_cert_chain(context: ssl.SSLContext, store: KeyStore) -> None:
    """``SSLContext.load_cert_chain`` reads files only: hand it a private temporary file whose key
    is encrypted with a one-time password, removed at once (no plain key ever touches the disk)."""
    one_time = secrets.token_urlsafe(24).encode()
    with tempfile.TemporaryDirectory(prefix="connectrt-tls-") as tmp:
        path = Path(tmp) / "chain.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(store.key_pem(one_time) + store.chain_pem())
        context.load_cert_chain(path, password=one_time)


def _protocols(context: ssl.SSLContext, settings: Mapping[str, Any], prefix: str) -> None:
    text = _text(settings, "ssl.enabled.protocols") or DEFAULT_ENABLED_PROTOCOLS
    names = [p.strip() for p in text.split(",") if p.strip()]
    versions = []
    for name in names:
        version = _PROTOCOLS.get(name.upper())
        if version is None:
            raise ConfigException(
                f"{prefix}ssl.enabled.protocols names {name!r}, which is not a TLS version; use TLSv1.2 and/or TLSv1.3."
            )
        versions.append(version)
    context.minimum_version = min(versions)
    context.maximum_version = max(versions)


def _cipher_suites(context: ssl.SSLContext, settings: Mapping[str, Any], prefix: str) -> None:
    """``ssl.cipher.suites`` (IANA names, as Java) applied to ``context`` (after its protocols)."""
    key = f"{prefix}ssl.cipher.suites"
    suites = cipher_suites.resolve(_text(settings, "ssl.cipher.suites"), key)
    if suites is not None:
        cipher_suites.apply(context, suites, key)


def server_context(settings: Mapping[str, Any], prefix: str, what: str) -> ssl.SSLContext:
    """An HTTPS listener's context: keystore, truststore for client certificates,
    ``ssl.client.auth`` (none/requested/required), ``ssl.enabled.protocols`` and ``ssl.cipher.suites``."""
    store = load_keystore(settings, prefix)
    if store is None:
        raise ConfigException(
            f"{what} needs a keystore: set {prefix}ssl.keystore.location (PKCS12 or PEM, with "
            f"{prefix}ssl.keystore.type and {prefix}ssl.keystore.password)."
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _protocols(context, settings, prefix)
    _cipher_suites(context, settings, prefix)
    _load_cert_chain(context, store)
    trust = load_truststore(settings, prefix)
    client_auth = (_text(settings, "ssl.client.auth") or "none").strip().lower()
    if client_auth not in ("none", "requested", "required"):
        raise ConfigException(
            f"{prefix}ssl.client.auth={client_auth} is not valid; use none, requested or required."
        )
    if client_auth != "none":
        if trust is not None:
            context.load_verify_locations(cadata=certs_pem(trust))
        else:
            context.load_default_certs(ssl.Purpose.CLIENT_AUTH)
        context.verify_mode = ssl.CERT_REQUIRED if client_auth == "required" else ssl.CERT_OPTIONAL
    return context


def client_context(settings: Mapping[str, Any], prefix: str = "") -> ssl.SSLContext:
    """A client's context: trusts the truststore (else the system CAs), presents the keystore's
    certificate when there is one, checks host names unless
    ``ssl.endpoint.identification.algorithm`` is empty."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _protocols(context, settings, prefix)
    _cipher_suites(context, settings, prefix)
    trust = load_truststore(settings, prefix)
    if trust is not None:
        context.load_verify_locations(cadata=certs_pem(trust))
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    store = load_keystore(settings, prefix)
    if store is not None:
        _load_cert_chain(context, store)
    algorithm = settings.get("ssl.endpoint.identification.algorithm")
    context.check_hostname = algorithm is None or str(algorithm).strip().lower() == "https"
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def with_prefix_all_or_nothing(props: Mapping[str, Any], prefix: str) -> tuple[dict[str, Any], str]:
    """Java's ``valuesWithPrefixAllOrNothing``: the ``prefix``-ed keys (prefix stripped) when any is
    set, else the unprefixed keys. Returns the settings and the prefix they were found under."""
    prefixed = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
    if prefixed:
        return prefixed, prefix
    return {k: v for k, v in props.items() if k.startswith("ssl.")}, ""


REST_HTTPS_PREFIX = "listeners.https."
ADMIN_HTTPS_PREFIX = "admin.listeners.https."


def rest_client_context(worker_props: Mapping[str, Any]) -> ssl.SSLContext:
    """The context workers use to call each other over HTTPS (Java's ``RestClient``:
    ``listeners.https.ssl.*``, else ``ssl.*``): the truststore verifies the other worker and the
    keystore is presented when the listener asks for a client certificate."""
    settings, prefix = with_prefix_all_or_nothing(worker_props, REST_HTTPS_PREFIX)
    return client_context(settings, prefix)


def rest_uses_https(worker_props: Mapping[str, Any]) -> bool:
    """Whether this worker serves HTTPS (its cluster's REST URLs may then be https://)."""
    texts = [_text(worker_props, key) or "" for key in ("listeners", "rest.advertised.listener")]
    return any("https" in t.lower() for t in texts) or any(
        k.startswith(REST_HTTPS_PREFIX) for k in worker_props
    )


def rest_client_verify(worker_props: Mapping[str, Any]) -> ssl.SSLContext | bool:
    """``verify`` for an HTTP client that calls other workers: :func:`rest_client_context` when
    this worker serves HTTPS, else True (the system CAs; like Java, a worker that serves only HTTP
    never reads its ``ssl.*`` stores for the REST client)."""
    return rest_client_context(worker_props) if rest_uses_https(worker_props) else True
