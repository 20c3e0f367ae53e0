"""Client factories: the only place that builds confluent-kafka producers, consumers and admins.

Java client property names are translated for librdkafka: keys that only mean something to the
Java client are dropped, a few are renamed, security settings are read the Java way (see
:mod:`connectrt.kafka.security`), and every producer hashes keys like Java
(``partitioner=murmur2_random``) so records land in the same partitions as with Java Connect.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

from connectrt.config.configdef import ConfigException
from connectrt.kafka.logs import LIBRDKAFKA_LOG, QUIET_LIBRDKAFKA_LOG
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
    conf.setdefault(
        "logger", LIBRDKAFKA_LOG
    )  # librdkafka's lines through Python logging (connectrt.kafka.logs)
    try:
        return factory(conf)
    except KafkaException as e:
        raise ConfigException(f"Invalid {what} configuration: {e.args[0].str() if e.args else e}")
    except (ValueError, TypeError) as e:
        raise ConfigException(f"Invalid {what} configuration: {e}")


JAVA_BUFFER_MEMORY = 33_554_432  # the Java producer's buffer.memory default (32 MiB)
#: Bytes of buffer.memory per queued message: librdkafka's queue bound in messages is buffer.memory / this.
BYTES_PER_QUEUED_MESSAGE = 1024


def producer_conf(props: Mapping[str, Any]) -> dict[str, Any]:
    """librdkafka settings of a producer. Java's ``buffer.memory`` (default 32 MiB) bounds what waits to be
    sent: a fast source or a slow broker holds a task back (BufferError, then a retry) instead of growing
    the worker's memory. librdkafka counts only the payload against ``queue.buffering.max.kbytes`` (its own
    default is 1 GiB) and spends about 0.4 KiB more per queued message, so ``queue.buffering.max.messages``
    (its default: 100,000) is set to buffer.memory / 1 KiB too (32,768): the queue then takes at most about
    buffer.memory + 0.4 KiB x buffer.memory / 1 KiB, 45 MiB by default, whatever the record size (Java's
    buffer.memory counts its per-record overhead too). Either librdkafka setting given explicitly wins."""
    conf = translate(props)
    conf.setdefault("partitioner", "murmur2_random")
    memory = props.get("buffer.memory", JAVA_BUFFER_MEMORY)
    try:
        budget = int(memory)
    except (TypeError, ValueError):
        raise ConfigException(
            f"Invalid producer configuration: buffer.memory must be a number of bytes, not {memory!r}"
        )
    conf.setdefault("queue.buffering.max.kbytes", str(max(1, budget // 1024)))
    conf.setdefault("queue.buffering.max.messages", str(max(1, budget // BYTES_PER_QUEUED_MESSAGE)))
    return conf


#: confluent-kafka's own producer setting (a bool, not a librdkafka string): delivery reports for failed
#: messages only. The runtime's source producers use it (WorkerSourceTask.acks_by_flush).
ONLY_ERROR_REPORTS = "delivery.report.only.error"


def only_error_reports(props: dict[str, Any], per_record: bool) -> bool:
    """Decide whether a source task's producer reports failed deliveries only, and set it in ``props``:
    yes unless the task acknowledges records one by one (SourceTask.commit_record) or the configuration
    says ``false``. Saves the Python callback, and the copy of each message it is handed, per record."""
    if per_record:
        props[ONLY_ERROR_REPORTS] = "false"
        return False
    return _only_errors_flag(props.setdefault(ONLY_ERROR_REPORTS, "true"))


def _only_errors_flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ConfigException(
            f"Invalid producer configuration: {ONLY_ERROR_REPORTS} must be true or false, not {text!r}"
        )
    return text == "true"


def make_producer(props: Mapping[str, Any], **callbacks: Any) -> Producer:
    conf = producer_conf(props)
    if ONLY_ERROR_REPORTS in conf:  # confluent-kafka takes a bool
        conf[ONLY_ERROR_REPORTS] = _only_errors_flag(conf[ONLY_ERROR_REPORTS])
    conf.update(callbacks)
    return _build(Producer, conf, "producer")


JAVA_MAX_PARTITION_FETCH_BYTES = 1_048_576  # the Java consumer's max.partition.fetch.bytes default (1 MiB)
JAVA_MAX_POLL_RECORDS = 500  # the Java consumer's max.poll.records default
#: What a partition's fetch asks for when neither max.partition.fetch.bytes nor fetch.message.max.bytes is
#: given: 256 KiB, not Java's 1 MiB. librdkafka decompresses a whole fetch at once (Java: one batch at a time
#: as poll() iterates), so a 1 MiB fetch of compressed JSON became 15-20 MiB of messages: ~33 MiB of a sink's
#: RSS against ~19 MiB with 256 KiB, at the same or better records/s (bench/sinks/sql.py runs 5-6). A batch
#: larger than this still comes whole (KIP-74).
DEFAULT_FETCH_BYTES = 262_144
#: How soon librdkafka checks again whether a partition whose prefetch queue was full may be fetched (its
#: default, 1 s, stalls a consumer whose queue is small; Java fetches again as soon as a poll drained it).
FETCH_QUEUE_BACKOFF_MS = 10


def consumer_conf(props: Mapping[str, Any]) -> dict[str, Any]:
    """librdkafka settings of a consumer, prefetching about what Java's does. Java's consumer keeps at most
    one fetched chunk per partition (``max.partition.fetch.bytes``, 1 MiB by default) and hands out
    ``max.poll.records`` (500) per poll; librdkafka prefetches until a partition's queue holds 100,000
    messages or 64 MiB (``queued.min.messages``, ``queued.max.messages.kbytes``): ~95 MiB of RSS for a sink
    behind a backlog of 3 KB records. So the queue is bounded by max.partition.fetch.bytes (librdkafka may
    overshoot it by one fetch) and max.poll.records, and a full queue is checked again after 10 ms instead
    of librdkafka's 1 s. Unless either fetch size is given, a partition's fetch asks for 256 KiB
    (``DEFAULT_FETCH_BYTES``). Each librdkafka setting given explicitly wins."""
    conf = translate(props)
    if "max.partition.fetch.bytes" not in conf and "fetch.message.max.bytes" not in conf:
        conf["fetch.message.max.bytes"] = str(DEFAULT_FETCH_BYTES)
    try:
        fetch_bytes = int(
            conf.get(
                "max.partition.fetch.bytes",
                conf.get("fetch.message.max.bytes", JAVA_MAX_PARTITION_FETCH_BYTES),
            )
        )
        poll_records = int(conf.get("max.poll.records", JAVA_MAX_POLL_RECORDS))
    except (TypeError, ValueError) as e:
        raise ConfigException(f"Invalid consumer configuration: {e}") from None
    conf.setdefault("queued.max.messages.kbytes", str(max(1, fetch_bytes // 1024)))
    conf.setdefault("queued.min.messages", str(max(1, poll_records)))
    conf.setdefault("fetch.queue.backoff.ms", str(FETCH_QUEUE_BACKOFF_MS))
    return conf


def make_consumer(props: Mapping[str, Any], **callbacks: Any) -> Consumer:
    conf = consumer_conf(props)
    conf.update(callbacks)
    return _build(Consumer, conf, "consumer")


def make_admin(props: Mapping[str, Any], quiet: bool = False) -> AdminClient:
    """An admin client; ``security_error(admin)`` then tells why it could not connect when the
    broker refused its TLS handshake or its SASL credentials (librdkafka only says "transport
    failure" to the request), and ``client_errors(admin)`` lists its last errors. ``quiet`` logs
    librdkafka's lines at DEBUG only (for a caller that reports the failure itself)."""
    conf = {k: v for k, v in translate(props).items() if k in _ADMIN_KEYS or k.startswith(("ssl.", "sasl."))}
    errors: deque[tuple[int, str]] = deque(maxlen=_KEPT_ERRORS)
    security: list[str] = []

    def on_error(err: Any) -> None:
        errors.append((err.code(), producer_error_message(err)))
        if err.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL) and len(security) < 5:
            security.append(producer_error_message(err))

    conf["error_cb"] = on_error
    if quiet:
        conf["logger"] = QUIET_LIBRDKAFKA_LOG
    admin = _build(AdminClient, conf, "admin")
    admin.connectrt_security_errors = security
    admin.connectrt_errors = errors
    _ADMIN_POLLER.add(admin)
    return admin


_KEPT_ERRORS = 50


def security_error(admin: Any) -> str | None:
    """The last TLS or SASL error the broker gave ``admin`` (made by :func:`make_admin`), if any."""
    errors = getattr(admin, "connectrt_security_errors", None)
    if errors is None:
        return None
    admin.poll(0)  # serves error_cb
    return errors[-1] if errors else None


def client_errors(admin: Any) -> list[tuple[int, str]]:
    """The last errors (code, text) librdkafka reported for ``admin`` (made by :func:`make_admin`)."""
    errors = getattr(admin, "connectrt_errors", None)
    if errors is None:
        return []
    admin.poll(0)  # serves error_cb
    return list(errors)


class _AdminPoller:
    """Polls every live admin client once a second: an admin's log lines and errors wait in its
    queue until it is polled, and most admins are only ever waited on through futures."""

    INTERVAL_S = 1.0

    def __init__(self) -> None:
        self._admins: weakref.WeakSet[AdminClient] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, admin: AdminClient) -> None:
        with self._lock:
            self._admins.add(admin)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="kafka-admin-poller", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.INTERVAL_S):
            with self._lock:
                admins = list(self._admins)
            for admin in admins:
                try:
                    admin.poll(0)
                except Exception:  # a closed or failing admin must not stop polling the others
                    log.debug("Polling an admin client failed", exc_info=True)
            del admins


_ADMIN_POLLER = _AdminPoller()


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
