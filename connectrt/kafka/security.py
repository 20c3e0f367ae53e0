"""Java Kafka client security settings → librdkafka and kafka-python settings.

Java clients are configured with ``security.protocol`` (PLAINTEXT, SSL, SASL_PLAINTEXT,
SASL_SSL), ``sasl.mechanism`` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI), ``sasl.jaas.config``
(the login module with the user's credentials) and the ``ssl.*`` stores (see
:mod:`connectrt.kafka.tls`). :func:`client_security` reads them once; :func:`librdkafka_settings`
and :func:`kafka_python_settings` render them for the two client libraries. Every ``ssl.*`` and
``sasl.*`` key is consumed here: the translation passes none of them on blindly.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectrt.config.configdef import ConfigException
from connectrt.kafka import cipher_suites
from connectrt.kafka.jaas import LoginModule, parse_jaas_config
from connectrt.kafka.tls import KeyStore, certs_pem, client_context, load_keystore, load_truststore

log = logging.getLogger(__name__)

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI")
SECURITY_PREFIXES = ("ssl.", "sasl.")
_PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule"
_SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
_KERBEROS_MODULE = "com.sun.security.auth.module.Krb5LoginModule"
# Java keys with a librdkafka equivalent of the same name and meaning.
_SAME_NAME = (
    "sasl.kerberos.service.name",
    "sasl.kerberos.kinit.cmd",
    "sasl.kerberos.min.time.before.relogin",
)


def _str(props: Mapping[str, Any], key: str) -> str | None:
    value = props.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class ClientSecurity:
    """What a Java client's security settings say, read once."""

    protocol: str = "PLAINTEXT"
    mechanism: str | None = None
    username: str | None = None
    password: str | None = None
    kerberos_keytab: str | None = None
    kerberos_principal: str | None = None
    kerberos_service_name: str | None = None
    trust_pem: str | None = None  # None: the system's CA bundle
    keystore: KeyStore | None = None
    check_hostname: bool = True
    settings: Mapping[str, Any] | None = None  # the ssl.* keys, for building an SSLContext

    @property
    def uses_ssl(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    def __repr__(self) -> str:  # never the password
        return f"ClientSecurity({self.protocol}, mechanism={self.mechanism}, user={self.username})"


def _login_module(props: Mapping[str, Any], mechanism: str, prefix: str) -> LoginModule | None:
    text = _str(props, "sasl.jaas.config")
    if text is None:
        return None
    modules = parse_jaas_config(text, f"{prefix}sasl.jaas.config")
    if len(modules) != 1:
        raise ConfigException(
            f"{prefix}sasl.jaas.config must name exactly one login module, not {len(modules)}."
        )
    module = modules[0]
    expected = {"PLAIN": _PLAIN_MODULE, "GSSAPI": _KERBEROS_MODULE}.get(
        mechanism, _SCRAM_MODULE if mechanism.startswith("SCRAM-") else ""
    )
    if module.class_name != expected:
        raise ConfigException(
            f"{prefix}sasl.jaas.config uses {module.class_name}, but sasl.mechanism={mechanism} needs {expected}."
        )
    return module


def client_security(props: Mapping[str, Any], prefix: str = "") -> ClientSecurity:
    """Read ``security.protocol``, ``sasl.*`` and ``ssl.*`` (keys without ``prefix``; ``prefix``
    names them in errors, e.g. ``producer.``). Raises ConfigException with the fix."""
    protocol = (_str(props, "security.protocol") or "PLAINTEXT").upper()
    if protocol not in PROTOCOLS:
        raise ConfigException(
            f"{prefix}security.protocol={protocol} is not valid; use one of {', '.join(PROTOCOLS)}."
        )
    fields: dict[str, Any] = {"protocol": protocol}
    if protocol.startswith("SASL_"):
        mechanism = (_str(props, "sasl.mechanism") or "GSSAPI").upper()
        if mechanism not in MECHANISMS:
            raise ConfigException(
                f"{prefix}sasl.mechanism={mechanism} is not supported by connectrt; use one of {', '.join(MECHANISMS)}."
            )
        fields["mechanism"] = mechanism
        module = _login_module(props, mechanism, prefix)
        if mechanism == "GSSAPI":
            options = module.options if module is not None else {}
            fields["kerberos_keytab"] = options.get("keyTab")
            fields["kerberos_principal"] = options.get("principal")
            fields["kerberos_service_name"] = _str(props, "sasl.kerberos.service.name") or options.get(
                "serviceName"
            )
        else:
            if module is None or "username" not in module.options or "password" not in module.options:
                raise ConfigException(
                    f"{prefix}security.protocol={protocol} with sasl.mechanism={mechanism} needs the credentials "
                    f"in {prefix}sasl.jaas.config: {module.class_name if module else _SCRAM_MODULE} required "
                    'username="..." password="...";'
                )
            fields["username"] = module.options["username"]
            fields["password"] = module.options["password"]
    if protocol in ("SSL", "SASL_SSL"):
        settings = {k: v for k, v in props.items() if k.startswith("ssl.")}
        _warn_not_applied(settings, prefix)
        _librdkafka_cipher_list(settings, prefix)  # a suite nobody knows refuses the config here
        trust = load_truststore(settings, prefix)
        fields["trust_pem"] = certs_pem(trust) if trust is not None else None
        fields["keystore"] = load_keystore(settings, prefix)
        algorithm = props.get("ssl.endpoint.identification.algorithm")
        fields["check_hostname"] = algorithm is None or str(algorithm).strip().lower() == "https"
        fields["settings"] = settings
    return ClientSecurity(**fields)


_WARNED: set[str] = set()


def _warn_not_applied(settings: Mapping[str, Any], prefix: str) -> None:
    """Java-only TLS tuning the Kafka clients cannot apply: said once per key, not silently dropped."""
    for key in ("ssl.enabled.protocols", "ssl.protocol", "ssl.provider"):
        if _str(settings, key) is not None and prefix + key not in _WARNED:
            _WARNED.add(prefix + key)
            log.warning(
                "%s%s is not applied to the producers, consumers and admin clients (librdkafka uses "
                "OpenSSL's defaults: TLS 1.2 and 1.3 with its secure cipher suites).",
                prefix,
                key,
            )


def _librdkafka_cipher_list(settings: Mapping[str, Any], prefix: str, warn: bool = True) -> str | None:
    """``ssl.cipher.suites`` for librdkafka: OpenSSL names of the TLS 1.2 suites (librdkafka cannot
    choose TLS 1.3 suites or versions: said once)."""
    key = f"{prefix}ssl.cipher.suites"
    suites = cipher_suites.resolve(_str(settings, "ssl.cipher.suites"), key)
    if suites is None:
        return None
    if warn and key not in _WARNED:
        _WARNED.add(key)
        if not suites.tls13:
            log.warning(
                "%s lists no TLS 1.3 suite: the Kafka clients (librdkafka) still negotiate TLS 1.3 with "
                "OpenSSL's TLS 1.3 suites when the broker offers it; the listed suites apply to TLS 1.2.",
                key,
            )
        elif not suites.tls12:
            log.warning(
                "%s lists only TLS 1.3 suites: the Kafka clients (librdkafka) keep OpenSSL's default TLS 1.2 "
                "suites for a broker without TLS 1.3.",
                key,
            )
    return suites.openssl_list() or None


def librdkafka_settings(security: ClientSecurity) -> dict[str, str]:
    """librdkafka properties for ``security`` (key and certificates passed inline as PEM)."""
    out = {"security.protocol": security.protocol.lower()}
    if security.uses_sasl and security.mechanism is not None:
        out["sasl.mechanism"] = security.mechanism
        if security.username is not None:
            out["sasl.username"] = security.username
            out["sasl.password"] = security.password or ""
        if security.kerberos_keytab:
            out["sasl.kerberos.keytab"] = security.kerberos_keytab
        if security.kerberos_principal:
            out["sasl.kerberos.principal"] = security.kerberos_principal
        if security.kerberos_service_name:
            out["sasl.kerberos.service.name"] = security.kerberos_service_name
    if security.uses_ssl:
        if security.trust_pem is not None:
            out["ssl.ca.pem"] = security.trust_pem
        if security.keystore is not None:
            out["ssl.key.pem"] = security.keystore.key_pem().decode("ascii")
            out["ssl.certificate.pem"] = security.keystore.chain_pem().decode("ascii")
        out["ssl.endpoint.identification.algorithm"] = "https" if security.check_hostname else "none"
        ciphers = _librdkafka_cipher_list(security.settings or {}, "", warn=False)  # warned when read
        if ciphers is not None:
            out["ssl.cipher.suites"] = ciphers
    return out


def librdkafka_passthrough(props: Mapping[str, Any]) -> dict[str, str]:
    """Java ``sasl.kerberos.*`` keys librdkafka reads under the same name."""
    return {k: str(props[k]) for k in _SAME_NAME if _str(props, k) is not None}


def kafka_python_settings(security: ClientSecurity) -> dict[str, Any]:
    """kafka-python client arguments for ``security`` (an ``ssl_context`` built from the stores)."""
    out: dict[str, Any] = {"security_protocol": security.protocol}
    if security.uses_sasl and security.mechanism is not None:
        out["sasl_mechanism"] = security.mechanism
        if security.username is not None:
            out["sasl_plain_username"] = security.username
            out["sasl_plain_password"] = security.password or ""
        if security.kerberos_service_name:
            out["sasl_kerberos_service_name"] = security.kerberos_service_name
    if security.uses_ssl:
        context: ssl.SSLContext = client_context(security.settings or {})
        out["ssl_context"] = context
        out["ssl_check_hostname"] = security.check_hostname
    return out


def is_security_key(key: str) -> bool:
    return key == "security.protocol" or key.startswith(SECURITY_PREFIXES)


def task_client_warnings(worker_props: Mapping[str, Any]) -> list[str]:
    """Java gives task producers and consumers only the ``producer.*`` / ``consumer.*`` worker
    settings, not the top-level ones: say so when the worker's own clients are secured and a
    task client would not be."""
    top = (_str(worker_props, "security.protocol") or "PLAINTEXT").upper()
    if top == "PLAINTEXT":
        return []
    out = []
    for prefix, who in (
        ("producer.", "source task and dead letter queue producers"),
        ("consumer.", "sink task consumers"),
    ):
        if _str(worker_props, prefix + "security.protocol") is None:
            out.append(
                f"security.protocol={top} secures the worker's own Kafka clients only: {who} connect with "
                f"PLAINTEXT unless {prefix}security.protocol (and {prefix}sasl.* / {prefix}ssl.*) are set, as in Java."
            )
    return out
