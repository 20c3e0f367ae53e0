"""Java client properties -> kafka-python client settings (the group member, the offsets tools).

Java's ``WorkerGroupMember`` builds its client from the worker's top-level ``bootstrap.servers``,
``security.protocol``, ``ssl.*``, ``sasl.*`` and timing settings; this does the same for
kafka-python. Security settings are read by :mod:`connectrt.kafka.security` (the same reading the
librdkafka clients get), TLS stores become an ``ssl_context``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.kafka.security import client_security, kafka_python_settings

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


def kafka_python_client_configs(props: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """kafka-python settings (``bootstrap_servers``, ``client_id``, ``security_protocol``,
    ``sasl_*``, ``ssl_context`` and timeouts) from properties with Java client names; ``prefix``
    names the keys in error messages."""

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
    out.update(kafka_python_settings(client_security(props, prefix)))
    return out
