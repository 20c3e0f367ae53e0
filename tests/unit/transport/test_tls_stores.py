"""Java ``ssl.*`` stores: PEM and PKCS12 read, JKS refused with the fix, SSLContexts that work."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.kafka.tls import (
    client_context,
    load_keystore,
    load_truststore,
    rest_client_context,
    server_context,
    with_prefix_all_or_nothing,
)

from .conftest import KEY_PASSWORD, STORE_PASSWORD, TRUST_PASSWORD, Stores

pytestmark = pytest.mark.unit


def test_pkcs12_keystore(stores: Stores) -> None:
    store = load_keystore(
        {
            "ssl.keystore.location": str(stores.server_p12),
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.password": STORE_PASSWORD,
        }
    )
    assert store is not None
    assert [c.subject.rfc4514_string() for c in store.chain] == ["CN=localhost", "CN=transport test CA"]
    assert store.key.public_key() == stores.server.key.public_key()


def test_pem_keystore_plain_encrypted_and_inline(stores: Stores) -> None:
    plain = load_keystore({"ssl.keystore.type": "PEM", "ssl.keystore.location": str(stores.server_pem)})
    encrypted = load_keystore(
        {
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(stores.server_pem_encrypted),
            "ssl.key.password": KEY_PASSWORD,
        }
    )
    inline = load_keystore(
        {
            "ssl.keystore.type": "PEM",
            "ssl.keystore.key": stores.server.key_pem(KEY_PASSWORD).decode(),
            "ssl.keystore.certificate.chain": stores.server.cert_pem().decode(),
            "ssl.key.password": KEY_PASSWORD,
        }
    )
    for store in (plain, encrypted, inline):
        assert store is not None and store.chain[0] == stores.server.cert


def test_truststores_pem_pkcs12_and_inline(stores: Stores) -> None:
    assert load_truststore({"ssl.truststore.type": "PEM", "ssl.truststore.location": str(stores.ca_pem)}) == (
        stores.ca.cert,
    )
    assert load_truststore(
        {
            "ssl.truststore.type": "PKCS12",
            "ssl.truststore.location": str(stores.truststore_p12),
            "ssl.truststore.password": TRUST_PASSWORD,
        }
    ) == (stores.ca.cert,)
    assert load_truststore({"ssl.truststore.certificates": stores.ca.cert_pem().decode()}) == (
        stores.ca.cert,
    )
    assert load_truststore({}) is None


def test_java_default_type_jks_reads_pkcs12_and_pem_files(stores: Stores) -> None:
    """Java's default store type is JKS, and JDK 9+ reads PKCS12 files under it: so do we."""
    store = load_keystore(
        {"ssl.keystore.location": str(stores.server_p12), "ssl.keystore.password": STORE_PASSWORD}
    )
    assert store is not None and store.chain[0] == stores.server.cert
    assert load_truststore({"ssl.truststore.location": str(stores.ca_pem)}) == (stores.ca.cert,)


def test_jks_is_refused_with_the_conversion_command(stores: Stores) -> None:
    with pytest.raises(ConfigException) as info:
        load_keystore(
            {"ssl.keystore.location": str(stores.jks), "ssl.keystore.password": "x"}, "listeners.https."
        )
    assert str(info.value) == (
        f"listeners.https.ssl.keystore.location={stores.jks} is a JKS keystore, which connectrt cannot read; "
        f"convert it to PKCS12 (keytool -importkeystore -srckeystore {stores.jks} -destkeystore keystore.p12 "
        "-deststoretype PKCS12) and set listeners.https.ssl.keystore.type=PKCS12, or use PEM files."
    )
    with pytest.raises(ConfigException, match="is a JKS truststore, which connectrt cannot read"):
        load_truststore({"ssl.truststore.location": str(stores.jks), "ssl.truststore.type": "JKS"})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"ssl.keystore.location": "/no/such/file.p12"},
            "Cannot read ssl.keystore.location=/no/such/file.p12: No such file or directory; check the path",
        ),
        (
            {"ssl.keystore.location": "{server_p12}", "ssl.keystore.password": "wrong"},
            "Cannot open the PKCS12 store ssl.keystore.location={server_p12}: wrong password or not a PKCS12 file",
        ),
        (
            {"ssl.keystore.location": "{server_pem_encrypted}", "ssl.keystore.type": "PEM"},
            "is encrypted: set the key's password in ssl.key.password",
        ),
        (
            {
                "ssl.keystore.location": "{server_pem_encrypted}",
                "ssl.keystore.type": "PEM",
                "ssl.key.password": "no",
            },
            "wrong ssl.key.password or not a PEM key",
        ),
        (
            {"ssl.keystore.location": "{server_p12}", "ssl.keystore.type": "BCFKS"},
            "ssl.keystore.type=BCFKS is not supported for {server_p12}; use PKCS12 or PEM.",
        ),
        (
            {"ssl.keystore.key": "x"},
            "ssl.keystore.key is set without ssl.keystore.certificate.chain; set both.",
        ),
        ({"ssl.keystore.location": "{ca_pem}", "ssl.keystore.type": "PEM"}, "Cannot read the private key"),
    ],
)
def test_store_errors_say_what_to_change(stores: Stores, settings: dict[str, str], message: str) -> None:
    paths = {name: str(getattr(stores, name)) for name in ("server_p12", "server_pem_encrypted", "ca_pem")}
    resolved = {k: v.format(**paths) for k, v in settings.items()}
    with pytest.raises(ConfigException) as info:
        load_keystore(resolved)
    assert message.format(**paths) in str(info.value)
    assert "secret" not in str(info.value)


def test_https_listener_without_keystore_is_refused() -> None:
    with pytest.raises(ConfigException) as info:
        server_context({}, "listeners.https.", "The listener https://:8443")
    assert str(info.value) == (
        "The listener https://:8443 needs a keystore: set listeners.https.ssl.keystore.location (PKCS12 or PEM, "
        "with listeners.https.ssl.keystore.type and listeners.https.ssl.keystore.password)."
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"ssl.client.auth": "always"},
            "listeners.https.ssl.client.auth=always is not valid; use none, requested or required.",
        ),
        ({"ssl.enabled.protocols": "TLSv1.2,SSLv3"}, "names 'SSLv3', which is not a TLS version"),
    ],
)
def test_server_settings_are_checked(stores: Stores, settings: dict[str, str], message: str) -> None:
    base = {"ssl.keystore.location": str(stores.server_p12), "ssl.keystore.password": STORE_PASSWORD}
    with pytest.raises(ConfigException, match=message.replace("(", r"\(").replace(")", r"\)")):
        server_context({**base, **settings}, "listeners.https.", "listener")


def test_prefix_all_or_nothing() -> None:
    """Java's valuesWithPrefixAllOrNothing: any listeners.https.* key hides every top-level ssl.* key."""
    props = {
        "ssl.keystore.location": "/top.p12",
        "ssl.truststore.location": "/top-trust.p12",
        "group.id": "g",
    }
    assert with_prefix_all_or_nothing(props, "listeners.https.") == (
        {"ssl.keystore.location": "/top.p12", "ssl.truststore.location": "/top-trust.p12"},
        "",
    )
    props["listeners.https.ssl.keystore.location"] = "/listener.p12"
    assert with_prefix_all_or_nothing(props, "listeners.https.") == (
        {"ssl.keystore.location": "/listener.p12"},
        "listeners.https.",
    )


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, host: str = "localhost") -> str:
    """Run one TLS handshake over a socket pair; the server's error, or 'ok'."""
    left, right = socket.socketpair()
    result: list[str] = []

    def serve() -> None:
        try:
            with server.wrap_socket(left, server_side=True) as s:
                s.sendall(b"x")
            result.append("ok")
        except (ssl.SSLError, OSError) as e:
            result.append(type(e).__name__ + ": " + str(e))

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client.wrap_socket(right, server_hostname=host) as c:
            c.recv(1)
    except (ssl.SSLError, OSError):
        pass
    thread.join(5)
    return result[0] if result else "no result"


def _server(stores: Stores, **extra: str) -> ssl.SSLContext:
    return server_context(
        {
            "ssl.keystore.location": str(stores.server_p12),
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.password": STORE_PASSWORD,
            **extra,
        },
        "listeners.https.",
        "listener",
    )


def test_contexts_handshake_with_pkcs12_and_pem(stores: Stores) -> None:
    pem_server = server_context(
        {
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(stores.server_pem_encrypted),
            "ssl.key.password": KEY_PASSWORD,
        },
        "",
        "listener",
    )
    trusting = client_context(
        {
            "ssl.truststore.location": str(stores.truststore_p12),
            "ssl.truststore.type": "PKCS12",
            "ssl.truststore.password": TRUST_PASSWORD,
        }
    )
    assert _handshake(_server(stores), trusting) == "ok"
    assert _handshake(pem_server, trusting) == "ok"
    # The truststore replaces the system CAs (as Java's), and host names are checked by default.
    stranger = client_context({"ssl.truststore.certificates": stores.other_ca.cert_pem().decode()})
    assert _handshake(_server(stores), stranger) != "ok"
    assert _handshake(_server(stores), trusting, host="other.example") != "ok"
    no_check = client_context(
        {"ssl.truststore.location": str(stores.ca_pem), "ssl.endpoint.identification.algorithm": ""}
    )
    assert _handshake(_server(stores), no_check, host="other.example") == "ok"


def test_client_auth_required_requested_none(stores: Stores) -> None:
    trust = {"ssl.truststore.location": str(stores.ca_pem)}
    with_cert = client_context(
        {**trust, "ssl.keystore.location": str(stores.client_p12), "ssl.keystore.password": STORE_PASSWORD}
    )
    without_cert = client_context(trust)
    required = _server(stores, **trust, **{"ssl.client.auth": "required"})
    requested = _server(stores, **trust, **{"ssl.client.auth": "requested"})
    assert _handshake(required, with_cert) == "ok"
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in _handshake(required, without_cert)
    assert _handshake(requested, without_cert) == "ok"
    assert _handshake(requested, with_cert) == "ok"
    assert _handshake(_server(stores), without_cert) == "ok"
    # A client certificate from another CA is refused when required.
    other = stores.other_ca.issue("intruder")
    other.write_pem(stores.dir / "intruder.pem")
    intruder = client_context(
        {**trust, "ssl.keystore.type": "PEM", "ssl.keystore.location": str(stores.dir / "intruder.pem")}
    )
    assert _handshake(required, intruder) != "ok"


def test_enabled_protocols(stores: Stores) -> None:
    tls13_only = _server(stores, **{"ssl.enabled.protocols": "TLSv1.3"})
    assert tls13_only.minimum_version == ssl.TLSVersion.TLSv1_3
    tls12_client = client_context(
        {"ssl.truststore.location": str(stores.ca_pem), "ssl.enabled.protocols": "TLSv1.2"}
    )
    assert _handshake(tls13_only, tls12_client) != "ok"
    default = _server(stores)
    assert (default.minimum_version, default.maximum_version) == (
        ssl.TLSVersion.TLSv1_2,
        ssl.TLSVersion.TLSv1_3,
    )


def test_rest_client_context_presents_the_listener_keystore(stores: Stores, tmp_path: Path) -> None:
    """Between workers, Java's RestClient uses the listeners.https.* stores (keystore as client certificate)."""
    props = {
        "listeners.https.ssl.keystore.location": str(stores.client_p12),
        "listeners.https.ssl.keystore.password": STORE_PASSWORD,
        "listeners.https.ssl.truststore.location": str(stores.ca_pem),
        "ssl.truststore.location": "/ignored/because/the/prefix/is/used",
    }
    required = _server(
        stores, **{"ssl.truststore.location": str(stores.ca_pem), "ssl.client.auth": "required"}
    )
    assert _handshake(required, rest_client_context(props)) == "ok"
