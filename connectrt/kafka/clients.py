"""Client factories: the only place that builds confluent-kafka producers, consumers and admins.

Java client property names are translated for librdkafka: keys that only mean something to the
Java client are dropped, a few are renamed, security settings are read the Java way (see
:mod:`connectrt.kafka.security`), and every producer hashes keys like Java
(``partitioner=murmur2_random``) so records land in the same partitions as with Java Connect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

from connectrt.config.configdef import ConfigException
from connectrt.kafka.security import (
    client_security,
    is_security_key,
    librdkafka_passthrough,
    librdkafka_settings,
)

log = logging.getLogger(__name__)

# Java client settings librdkafka has no equivalent for (or sets differently); dropped silently.
_JAVA_ONLY = {
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "buffer.memory",
    "max.block.ms",
    "interceptor.classes",
    "partitioner.class",
    "partitioner.ignore.keys",
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "metric.reporters",
    "metrics.num.samples",
    "metrics.recording.level",
    "metrics.sample.window.ms",
    "auto.include.jmx.reporter",
    "client.dns.lookup",
    "default.api.timeout.ms",
    "exclude.internal.topics",
    "send.buffer.bytes",
    "receive.buffer.bytes",
    "reconnect.backoff.max.ms",
    "security.providers",
    "transaction.timeout.ms.unused",
    "metadata.max.idle.ms",
    "connections.max.idle.ms",
    "allow.auto.create.topics.unused",
    "retries.unused",
}

_RENAMES = {
    "max.request.size": "message.max.bytes",
    "max.partition.fetch.bytes": "max.partition.fetch.bytes",
    "fetch.max.wait.ms": "fetch.wait.max.ms",
}

# Values librdkafka wants spelled differently.
_VALUE_FIXES: dict[str, Callable[[str], str]] = {
    "delivery.timeout.ms": lambda v: "0" if int(v) >= 2**31 - 1 else v,
    "isolation.level": lambda v: v.lower(),
    "auto.offset.reset": lambda v: {"none": "error"}.get(v, v),
}


def translate(props: Mapping[str, Any]) -> dict[str, Any]:
    """Java client properties → librdkafka properties.

    Security settings (``security.protocol``, ``sasl.*``, ``ssl.*``) are read as Java reads them
    and rendered for librdkafka by :mod:`connectrt.kafka.security` (stores become inline PEM)."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if key in _JAVA_ONLY or value is None or is_security_key(key):
            continue
        key = _RENAMES.get(key, key)
        text = value if isinstance(value, str) else _stringify(value)
        fix = _VALUE_FIXES.get(key)
        if fix is not None:
            try:
                text = fix(text)
            except ValueError:
                pass
        out[key] = text
    out.update(librdkafka_settings(client_security(props)))
    out.update(librdkafka_passthrough(props))
    return out


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _build(factory: Callable[[dict[str, Any]], Any], conf: dict[str, Any], what: str) -> Any:
    try:
        return factory(conf)
    except KafkaException as e:
        raise ConfigException(f"Invalid {what} configuration: {e.args[0].str() if e.args else e}")
    except (ValueError, TypeError) as e:
        raise ConfigException(f"Invalid {what} configuration: {e}")


JAVA_BUFFER_MEMORY = 33_554_432  # the Java producer's buffer.memory default (32 MiB)


def producer_conf(props: Mapping[str, Any]) -> dict[str, Any]:
    """librdkafka settings of a producer. Java's ``buffer.memory`` (default 32 MiB) bounds the bytes waiting
    to be sent, as ``queue.buffering.max.kbytes`` (librdkafka's own default is 1 GiB): a fast source is held
    back (BufferError, then a retry) instead of growing the worker's memory by up to 1 GiB."""
    conf = translate(props)
    conf.setdefault("partitioner", "murmur2_random")
    memory = props.get("buffer.memory", JAVA_BUFFER_MEMORY)
    try:
        kbytes = max(1, int(memory) // 1024)
    except (TypeError, ValueError):
        raise ConfigException(f"Invalid producer configuration: buffer.memory must be a number of bytes, not {memory!r}")
    conf.setdefault("queue.buffering.max.kbytes", str(kbytes))
    return conf


def make_producer(props: Mapping[str, Any], **callbacks: Any) -> Producer:
    conf = producer_conf(props)
    conf.update(callbacks)
    return _build(Producer, conf, "producer")


def make_consumer(props: Mapping[str, Any], **callbacks: Any) -> Consumer:
    conf = translate(props)
    conf.update(callbacks)
    return _build(Consumer, conf, "consumer")


def make_admin(props: Mapping[str, Any]) -> AdminClient:
    """An admin client; ``security_error(admin)`` then tells why it could not connect when the
    broker refused its TLS handshake or its SASL credentials (librdkafka only says "transport
    failure" to the request)."""
    conf = {k: v for k, v in translate(props).items() if k in _ADMIN_KEYS or k.startswith(("ssl.", "sasl."))}
    errors: list[str] = []

    def on_error(err: Any) -> None:
        if err.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL) and len(errors) < 5:
            errors.append(producer_error_message(err))

    conf["error_cb"] = on_error
    admin = _build(AdminClient, conf, "admin")
    admin.connectrt_security_errors = errors
    return admin


def security_error(admin: Any) -> str | None:
    """The last TLS or SASL error the broker gave ``admin`` (made by :func:`make_admin`), if any."""
    errors = getattr(admin, "connectrt_security_errors", None)
    if errors is None:
        return None
    admin.poll(0)  # serves error_cb
    return errors[-1] if errors else None


_ADMIN_KEYS = {
    "bootstrap.servers",
    "client.id",
    "security.protocol",
    "request.timeout.ms",
    "socket.timeout.ms",
    "metadata.max.age.ms",
    "retry.backoff.ms",
    "reconnect.backoff.ms",
    "socket.connection.setup.timeout.ms",
}


def producer_error_message(err: Any) -> str:
    try:
        return str(err.str())
    except AttributeError:
        return str(err)
