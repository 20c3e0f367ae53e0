"""The worker's first contact with Kafka: the cluster id, or one sentence saying why not.

Java's worker waits up to a minute and then says "Failed to connect to and describe Kafka
cluster". Here a refused connection or an unknown host fails after :data:`FAIL_FAST_S` seconds (a
broker that is starting has that long to come up), a TLS or SASL refusal at once, and only a
broker that does not answer at all (a firewall dropping packets) takes the whole timeout.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException

from connectrt.kafka.clients import client_errors, make_admin, security_error
from connectrt.kafka.logs import without_noise

FAIL_FAST_S = 5.0
_UNREACHABLE = (KafkaError._TRANSPORT, KafkaError._RESOLVE, KafkaError._ALL_BROKERS_DOWN)
_CHECK = "check that the brokers are running and reachable from this host and that bootstrap.servers names their listeners"


class KafkaUnreachable(Exception):
    """Kafka could not be reached; the message is one sentence for the user."""


def lookup_cluster_id(
    props: Mapping[str, Any], timeout_s: float = 30.0, fail_fast_s: float = FAIL_FAST_S
) -> str:
    """The cluster id of the Kafka cluster at ``props['bootstrap.servers']`` (Java client properties)."""
    servers = _servers(props)
    if not servers:
        raise KafkaUnreachable(
            "bootstrap.servers is empty: set it to the host:port of one or more Kafka brokers."
        )
    admin = make_admin(props, quiet=True)
    began = time.monotonic()
    all_down = False
    future = admin.describe_cluster(request_timeout=timeout_s)
    while True:
        try:
            description = future.result(timeout=0.2)
            break
        except concurrent.futures.TimeoutError:
            pass
        except KafkaException as e:
            cause = security_error(admin)
            if cause is not None:
                raise KafkaUnreachable(_security_message(servers, cause)) from e
            raise KafkaUnreachable(
                _message(servers, client_errors(admin), time.monotonic() - began, _text(e))
            ) from e
        elapsed = time.monotonic() - began
        cause = security_error(admin)
        if cause is not None:
            future.cancel()
            raise KafkaUnreachable(_security_message(servers, cause))
        errors = client_errors(admin)
        # librdkafka says "all brokers are down" once each bootstrap broker failed at least once.
        all_down = all_down or any(code == KafkaError._ALL_BROKERS_DOWN for code, _ in errors)
        if (elapsed >= fail_fast_s and all_down and errors[-1][0] in _UNREACHABLE) or elapsed >= timeout_s:
            future.cancel()
            raise KafkaUnreachable(_message(servers, errors, elapsed, "no answer"))
    cluster_id = description.cluster_id
    if not cluster_id:
        raise KafkaUnreachable(f"Kafka at bootstrap.servers={servers} did not report a cluster id.")
    return str(cluster_id)


def _servers(props: Mapping[str, Any]) -> str:
    value = props.get("bootstrap.servers")
    if isinstance(value, (list, tuple)):
        return ",".join(str(v).strip() for v in value if str(v).strip())
    return ",".join(part.strip() for part in str(value or "").split(",") if part.strip())


def _text(error: KafkaException) -> str:
    err = error.args[0] if error.args else None
    return str(err.str()) if isinstance(err, KafkaError) else str(error) or type(error).__name__


def _message(servers: str, errors: list[tuple[int, str]], elapsed: float, fallback: str) -> str:
    """``Could not connect to Kafka at bootstrap.servers=h:p within 5 s (h:p: Connection refused); check ...``"""
    by_broker: dict[str, str] = {}
    for code, text in errors:
        if code in (KafkaError._TRANSPORT, KafkaError._RESOLVE):
            broker, _, reason = without_noise(text).partition(": ")
            by_broker[broker.removesuffix("/bootstrap")] = reason or broker
    reasons = "; ".join(f"{broker}: {reason}" for broker, reason in by_broker.items()) or fallback
    return f"Could not connect to Kafka at bootstrap.servers={servers} within {elapsed:.0f} s ({reasons}); {_CHECK}."


def _security_message(servers: str, cause: str) -> str:
    return (
        f"Kafka at bootstrap.servers={servers} refused the connection ({without_noise(cause)}); "
        "check security.protocol, sasl.* and ssl.*."
    )
