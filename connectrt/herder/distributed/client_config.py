"""Worker properties (Java client names) -> kafka-python client settings for the group member.

Java's ``WorkerGroupMember`` builds its client from the worker's top-level ``bootstrap.servers``,
``security.protocol``, ``ssl.*``, ``sasl.*`` and timing settings; this does the same for
kafka-python. TLS material must be PEM files (Python's ssl module reads no JKS/PKCS12 stores).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_INT_SETTINGS = {
    "request.timeout.ms": "request_timeout_ms",
    "retry.backoff.ms": "retry_backoff_ms",
    "reconnect.backoff.ms": "reconnect_backoff_ms",
    "reconnect.backoff.max.ms": "reconnect_backoff_max_ms",
    "metadata.max.age.ms": "metadata_max_age_ms",
    "connections.max.idle.ms": "connections_max_idle_ms",
    "socket.connection.setup.timeout.ms": "socket_connection_setup_timeout_ms",
    "socket.connection.setup.timeout.max.ms": "socket_connection_setup_timeout_max_ms",
}


def kafka_python_client_configs(props: Mapping[str, Any]) -> dict[str, Any]:
    """kafka-python settings (``bootstrap_servers``, ``client_id``, ``security_protocol``,
    ``sasl_*``, ``ssl_*`` and timeouts) from worker properties with Java client names."""

    def get(key: str) -> str | None:
        value = props.get(key)
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return str(value)

    out: dict[str, Any] = {}
    servers = get("bootstrap.servers")
    if servers:
        out["bootstrap_servers"] = [s.strip() for s in servers.split(",") if s.strip()]
    if get("client.id"):
        out["client_id"] = get("client.id")
    for java, python in _INT_SETTINGS.items():
        value = get(java)
        if value not in (None, ""):
            out[python] = int(str(value))

    protocol = (get("security.protocol") or "PLAINTEXT").upper()
    out["security_protocol"] = protocol
    if "SASL" in protocol:
        out["sasl_mechanism"] = (get("sasl.mechanism") or "GSSAPI").upper()
        jaas = get("sasl.jaas.config") or ""
        user = re.search(r'username\s*=\s*"([^"]*)"', jaas)
        password = re.search(r'password\s*=\s*"([^"]*)"', jaas)
        if user:
            out["sasl_plain_username"] = user.group(1)
            out["sasl_plain_password"] = password.group(1) if password else ""
        if get("sasl.kerberos.service.name"):
            out["sasl_kerberos_service_name"] = get("sasl.kerberos.service.name")
    if "SSL" in protocol:
        _ssl(get, out)
    return out


def _ssl(get: Callable[[str], str | None], out: dict[str, Any]) -> None:
    for store in ("truststore", "keystore"):
        location = get(f"ssl.{store}.location")
        kind = (get(f"ssl.{store}.type") or "").upper()
        pem = kind == "PEM" or (not kind and _looks_pem(location or ""))
        if location and not pem:
            raise ValueError(
                f"ssl.{store}.location must be a PEM file for the group membership client "
                f"(set ssl.{store}.type=PEM); {kind or 'JKS'} stores cannot be read from Python."
            )
        if location and store == "truststore":
            out["ssl_cafile"] = location
        elif location:
            out["ssl_certfile"] = location  # certificate chain and private key in one PEM file
    if get("ssl.key.password"):
        out["ssl_password"] = get("ssl.key.password")
    if get("ssl.endpoint.identification.algorithm") == "":
        out["ssl_check_hostname"] = False


def _looks_pem(path: str) -> bool:
    return path.lower().endswith((".pem", ".crt", ".cer", ".key"))
