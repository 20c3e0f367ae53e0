"""``ssl.cipher.suites`` with Java's IANA suite names: mapped to OpenSSL names, applied to the REST
HTTPS listener's SSLContext (a client offering only an excluded suite is refused, an allowed one
connects) and to the Kafka clients (librdkafka's ``ssl.cipher.suites``); a name nobody knows
refuses the config with one sentence."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import threading
import time
from typing import Any

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.kafka import cipher_suites
from connectrt.kafka.clients import translate
from connectrt.rest.config import RestConfig
from tests.unit.rest.fake_herder import FakeHerder

from .conftest import TRUST_PASSWORD, Stores
from .test_https_server import pkcs12_listener, serving

pytestmark = pytest.mark.unit

_KX = {"ECDHE": "ECDH", "DHE": "DH", "RSA": "RSA", "ECDH": "ECDH/ECDSA"}
_ENC = {
    "AES_128_GCM": "AESGCM(128)",
    "AES_256_GCM": "AESGCM(256)",
    "AES_128_CBC": "AES(128)",
    "AES_256_CBC": "AES(256)",
    "CHACHA20_POLY1305": "CHACHA20/POLY1305(256)",
    "3DES_EDE_CBC": "3DES(168)",
}


def _expected_description(iana: str) -> tuple[str, str, str, str]:
    """Kx, Au, Enc, Mac as OpenSSL describes the suite IANA names ``iana``."""
    if "_WITH_" not in iana:  # TLS 1.3: TLS_<cipher>_<hash>
        body, digest = iana[4:].rsplit("_", 1)
        return "any", "any", _ENC[body], "AEAD"
    exchange, rest = iana[4:].split("_WITH_")
    kx, _, au = exchange.partition("_")
    body, digest = rest.rsplit("_", 1)
    aead = "GCM" in body or "CHACHA20" in body
    return (
        _KX[kx] if au else "RSA",
        au or "RSA",
        _ENC[body],
        "AEAD" if aead else digest.replace("SHA", "SHA1" if digest == "SHA" else "SHA"),
    )


def test_code_points_name_the_same_suites_as_openssl() -> None:
    """The IANA -> code point table, checked against what OpenSSL says each code point is."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    described = {c["id"] & 0xFFFF: c["description"] for c in context.get_ciphers()}
    checked = 0
    for iana, code in cipher_suites.IANA_CODE_POINTS.items():
        if code not in described or iana.startswith("TLS_ECDH_"):
            continue  # not in this OpenSSL build (static ECDH, 3DES...)
        fields = dict(re.findall(r"(\w+)=(\S+)", described[code]))
        kx, au, enc, mac = _expected_description(iana)
        assert (fields["Kx"], fields["Au"], fields["Enc"], fields["Mac"]) == (kx, au, enc, mac), iana
        checked += 1
    assert checked >= 30


def test_resolve_maps_iana_names_to_openssl_names() -> None:
    suites = cipher_suites.resolve(
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,"
        "TLS_EMPTY_RENEGOTIATION_INFO_SCSV,TLS_AES_256_GCM_SHA384,ECDHE-RSA-CHACHA20-POLY1305",
        "ssl.cipher.suites",
    )
    assert suites == cipher_suites.CipherSuites(
        ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"), True
    )
    assert cipher_suites.resolve("", "ssl.cipher.suites") is None
    assert cipher_suites.resolve(" , ", "ssl.cipher.suites") is None


def _listener(stores: Stores, suites: str) -> dict[str, Any]:
    return {
        "listeners": "https://127.0.0.1:0",
        **pkcs12_listener(stores),
        "listeners.https.ssl.cipher.suites": suites,
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_FOO_WITH_BAR",
            "listeners.https.ssl.cipher.suites names 'TLS_FOO_WITH_BAR', which is not a cipher suite connectrt "
            "knows; use the IANA names Java uses, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.",
        ),
        (
            "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
            "listeners.https.ssl.cipher.suites names no cipher suite this OpenSSL build offers "
            "(TLS_EMPTY_RENEGOTIATION_INFO_SCSV); list e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or "
            "TLS_AES_256_GCM_SHA384.",
        ),
    ],
)
def test_unknown_suites_refuse_the_listener(stores: Stores, value: str, message: str) -> None:
    props = _listener(stores, value)
    with pytest.raises(ConfigException) as e:
        RestConfig.from_worker_props(props, environ={})
    assert str(e.value) == message


def test_protocol_and_suite_lists_that_cannot_meet_are_refused(stores: Stores) -> None:
    props = {
        "listeners": "https://127.0.0.1:0",
        **pkcs12_listener(stores, prefix=""),
        "ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ssl.enabled.protocols": "TLSv1.3",
    }
    with pytest.raises(ConfigException) as e:
        RestConfig.from_worker_props(props, environ={})
    assert str(e.value) == (
        "ssl.cipher.suites lists no TLS 1.3 suite but ssl.enabled.protocols allows only TLSv1.3; add e.g. "
        "TLS_AES_256_GCM_SHA384 or enable TLSv1.2."
    )


def _handshake(port: int, stores: Stores, ciphers: str | None, version: ssl.TLSVersion) -> str | None:
    """The suite negotiated by a client offering only ``ciphers`` (TLS 1.2 OpenSSL names) at exactly
    ``version``; None when the listener refuses the handshake."""
    context = ssl.create_default_context(cadata=stores.ca.cert_pem().decode())
    context.minimum_version = context.maximum_version = version
    if ciphers is not None:
        context.set_ciphers(ciphers)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                cipher = tls.cipher()
                return cipher[0] if cipher else None
        except (ssl.SSLError, ConnectionResetError):
            return None


def test_listener_offers_only_the_listed_suites(stores: Stores) -> None:
    """TLS 1.2 suites only: an excluded suite and TLS 1.3 (no TLS 1.3 suite listed, as in Java) are
    refused, the listed suite connects."""

    async def go() -> None:
        async with serving(
            _listener(stores, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"), FakeHerder()
        ) as server:
            port = server.ports()[0]
            loop = asyncio.get_running_loop()

            def check() -> None:
                v12, v13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
                assert _handshake(port, stores, "ECDHE-ECDSA-AES128-GCM-SHA256", v12) is None
                assert _handshake(port, stores, "ECDHE-ECDSA-CHACHA20-POLY1305", v12) is None
                assert _handshake(port, stores, None, v13) is None
                allowed = "ECDHE-ECDSA-AES256-GCM-SHA384"
                assert _handshake(port, stores, allowed, v12) == allowed
                assert _handshake(port, stores, f"ECDHE-ECDSA-AES128-GCM-SHA256:{allowed}", v12) == allowed

            await loop.run_in_executor(None, check)

    asyncio.run(go())


def test_listener_with_a_tls13_suite_keeps_tls13(stores: Stores) -> None:
    """A TLS 1.3 suite in the list keeps TLS 1.3 (all its suites: Python's ssl cannot pick among
    them); TLS 1.2 stays limited to the listed TLS 1.2 suite."""
    suites = "TLS_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"

    async def go() -> None:
        async with serving(_listener(stores, suites), FakeHerder()) as server:
            port = server.ports()[0]

            def check() -> None:
                v12, v13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
                assert _handshake(port, stores, None, v13) is not None
                assert _handshake(port, stores, "ECDHE-ECDSA-AES256-GCM-SHA384", v12) is None
                assert (
                    _handshake(port, stores, "ECDHE-ECDSA-AES128-GCM-SHA256", v12)
                    == "ECDHE-ECDSA-AES128-GCM-SHA256"
                )

            await asyncio.get_running_loop().run_in_executor(None, check)

    asyncio.run(go())


def _ssl_client(stores: Stores, **extra: str) -> dict[str, str]:
    return {
        "bootstrap.servers": "broker:9093",
        "security.protocol": "SSL",
        "ssl.truststore.location": str(stores.truststore_p12),
        "ssl.truststore.type": "PKCS12",
        "ssl.truststore.password": TRUST_PASSWORD,
        **extra,
    }


def test_kafka_clients_get_openssl_names(stores: Stores) -> None:
    conf = translate(
        _ssl_client(
            stores,
            **{
                "ssl.cipher.suites": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
            },
        )
    )
    assert conf["ssl.cipher.suites"] == "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384"
    assert "ssl.cipher.suites" not in translate(_ssl_client(stores))
    with pytest.raises(
        ConfigException, match="ssl.cipher.suites names 'TLS_NOPE', which is not a cipher suite"
    ):
        translate(_ssl_client(stores, **{"ssl.cipher.suites": "TLS_NOPE"}))


def test_librdkafka_offers_only_the_listed_suites(stores: Stores) -> None:
    """A real librdkafka client against a TLS 1.2 listener restricted to one suite: the handshake fails
    when the client's ssl.cipher.suites excludes it and succeeds when it includes it (the listener
    speaks no Kafka: only the handshakes count)."""
    from connectrt.kafka.clients import make_admin

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(stores.server_pem)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-AES256-GCM-SHA384")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    handshakes: list[str] = []  # the suite negotiated, or "refused"
    seen = threading.Event()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    cipher = tls.cipher()
                    handshakes.append(cipher[0] if cipher else "")
            except (ssl.SSLError, OSError):
                handshakes.append("refused")
            finally:
                conn.close()
                seen.set()

    threading.Thread(target=serve, daemon=True).start()
    try:
        port = server.getsockname()[1]
        for suites, expected in (
            ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "refused"),
            ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
        ):
            handshakes.clear()
            seen.clear()
            admin = make_admin(
                {
                    "bootstrap.servers": f"127.0.0.1:{port}",
                    "security.protocol": "SSL",
                    "ssl.truststore.certificates": stores.ca.cert_pem().decode(),
                    "ssl.cipher.suites": suites,
                }
            )
            deadline = time.monotonic() + 20
            while expected not in handshakes and time.monotonic() < deadline:
                seen.wait(0.1)
            # Only the expected outcome (and, for the second client, retries of the first one's refusal).
            assert expected in handshakes and set(handshakes) <= {expected, "refused"}, (suites, handshakes)
            del admin
    finally:
        server.close()
