"""Java's ``ssl.cipher.suites`` (IANA suite names, as SunJSSE names them) -> OpenSSL cipher names.

Java lists suites by their IANA names (``TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384``); OpenSSL, and so
Python's ``ssl`` module and librdkafka, by its own (``ECDHE-RSA-AES256-GCM-SHA384``). The bridge is
the suite's two-byte code point from the IANA TLS Cipher Suites registry: OpenSSL reports it as
the low 16 bits of each cipher's ``id`` (``SSLContext.get_ciphers()``).

- TLS 1.2 suites are applied with ``SSLContext.set_ciphers`` (and librdkafka's ``ssl.cipher.suites``).
- TLS 1.3 suites (``TLS_AES_128_GCM_SHA256``, ...) cannot be chosen one by one from Python's ``ssl``:
  listing any keeps all of them; listing none turns TLS 1.3 off on the listener, as in Java, where a
  TLS version without an enabled suite is never negotiated.
- ``TLS_EMPTY_RENEGOTIATION_INFO_SCSV`` (in Java's default list) is a signal, not a suite: ignored.
- A name that is neither a known IANA name nor an OpenSSL cipher name refuses the config.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from connectrt.config.configdef import ConfigException

log = logging.getLogger(__name__)

SCSV = "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"

# IANA name -> code point, for the suites SunJSSE knows (JDK 17-21 "Java Security Standard
# Algorithm Names"); SSL_-prefixed legacy names are accepted for their TLS_ twins.
IANA_CODE_POINTS: Mapping[str, int] = {
    "TLS_AES_128_GCM_SHA256": 0x1301,
    "TLS_AES_256_GCM_SHA384": 0x1302,
    "TLS_CHACHA20_POLY1305_SHA256": 0x1303,
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": 0xC009,
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": 0xC00A,
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": 0xC023,
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384": 0xC024,
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": 0xC02B,
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": 0xC02C,
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA9,
    "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA": 0xC008,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": 0xC013,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": 0xC014,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": 0xC027,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384": 0xC028,
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": 0xC02F,
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": 0xC030,
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8,
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA": 0xC012,
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA": 0x0033,
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA": 0x0039,
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256": 0x0067,
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256": 0x006B,
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": 0x009E,
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384": 0x009F,
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCAA,
    "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA": 0x0016,
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA": 0x0032,
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA": 0x0038,
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256": 0x0040,
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256": 0x006A,
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256": 0x00A2,
    "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384": 0x00A3,
    "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA": 0x0013,
    "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA": 0xC004,
    "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA": 0xC005,
    "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256": 0xC025,
    "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384": 0xC026,
    "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256": 0xC02D,
    "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384": 0xC02E,
    "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA": 0xC00E,
    "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA": 0xC00F,
    "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256": 0xC029,
    "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384": 0xC02A,
    "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256": 0xC031,
    "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384": 0xC032,
    "TLS_RSA_WITH_AES_128_CBC_SHA": 0x002F,
    "TLS_RSA_WITH_AES_256_CBC_SHA": 0x0035,
    "TLS_RSA_WITH_AES_128_CBC_SHA256": 0x003C,
    "TLS_RSA_WITH_AES_256_CBC_SHA256": 0x003D,
    "TLS_RSA_WITH_AES_128_GCM_SHA256": 0x009C,
    "TLS_RSA_WITH_AES_256_GCM_SHA384": 0x009D,
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA": 0x000A,
}


@dataclass(frozen=True)
class OpenSslCipher:
    name: str
    tls13: bool


@cache
def openssl_ciphers() -> Mapping[int, OpenSslCipher]:
    """Every cipher this Python's OpenSSL has, by IANA code point."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    return {
        c["id"] & 0xFFFF: OpenSslCipher(c["name"], c["protocol"] == "TLSv1.3") for c in context.get_ciphers()
    }


@dataclass(frozen=True)
class CipherSuites:
    """``ssl.cipher.suites`` resolved: OpenSSL names of the TLS 1.2 (and older) suites, and whether
    any TLS 1.3 suite was listed."""

    tls12: tuple[str, ...]
    tls13: bool

    def openssl_list(self) -> str:
        return ":".join(self.tls12)


def _code_point(name: str) -> int | None:
    upper = name.upper()
    if upper.startswith("SSL_"):
        upper = "TLS_" + upper[4:]
    return IANA_CODE_POINTS.get(upper)


def resolve(text: str | None, key: str) -> CipherSuites | None:
    """The suites a comma-separated ``ssl.cipher.suites`` names (None when it is empty: the defaults).
    ``key`` is the user's key, for messages."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if not names:
        return None
    by_code = openssl_ciphers()
    by_openssl_name = {c.name: c for c in by_code.values()}
    tls12: list[str] = []
    tls13 = False
    unavailable: list[str] = []
    for name in names:
        if name.upper() == SCSV:
            continue
        code = _code_point(name)
        cipher = by_code.get(code) if code is not None else by_openssl_name.get(name)
        if cipher is None:
            if code is None:
                raise ConfigException(
                    f"{key} names {name!r}, which is not a cipher suite connectrt knows; use the IANA "
                    "names Java uses, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384."
                )
            unavailable.append(name)
            continue
        if cipher.tls13:
            tls13 = True
        elif cipher.name not in tls12:
            tls12.append(cipher.name)
    if unavailable:
        log.warning("%s: %s not available in this OpenSSL build and left out.", key, ", ".join(unavailable))
    if not tls12 and not tls13:
        raise ConfigException(
            f"{key} names no cipher suite this OpenSSL build offers ({', '.join(names)}); "
            "list e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or TLS_AES_256_GCM_SHA384."
        )
    return CipherSuites(tuple(tls12), tls13)


def apply(context: ssl.SSLContext, suites: CipherSuites, key: str) -> None:
    """Restrict ``context`` to ``suites``: its TLS 1.2 ciphers, and its TLS versions to those that
    have an enabled suite (the context's enabled protocols are already set)."""
    low, high = context.minimum_version, context.maximum_version
    if suites.tls12:
        try:
            context.set_ciphers(suites.openssl_list())
        except ssl.SSLError:
            raise ConfigException(
                f"{key} lists only suites OpenSSL refuses at its security level "
                f"({suites.openssl_list()}); list stronger suites, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384."
            )
    elif high >= ssl.TLSVersion.TLSv1_3:
        context.minimum_version = ssl.TLSVersion.TLSv1_3
    if not suites.tls13:
        if low >= ssl.TLSVersion.TLSv1_3:
            raise ConfigException(
                f"{key} lists no TLS 1.3 suite but ssl.enabled.protocols allows only TLSv1.3; "
                "add e.g. TLS_AES_256_GCM_SHA384 or enable TLSv1.2."
            )
        context.maximum_version = min(high, ssl.TLSVersion.TLSv1_2)
    elif not suites.tls12 and high < ssl.TLSVersion.TLSv1_3:
        raise ConfigException(
            f"{key} lists only TLS 1.3 suites but ssl.enabled.protocols does not allow TLSv1.3; "
            "enable TLSv1.3 or add TLS 1.2 suites, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384."
        )
