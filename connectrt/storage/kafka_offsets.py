"""KafkaOffsetBackingStore: source offsets in the worker's offsets topic (Java's KafkaOffsetBackingStore).

Keys and values are stored exactly as given (the compact JSON bytes :func:`offset_key` and the
OffsetStorageWriter produce, like Java's JsonConverter with schemas disabled); lookups compare the
key bytes. A null value is written as a tombstone and removes the offset.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

import orjson

from connectrt.api.connector import ConnectException
from connectrt.config.worker_config import WorkerConfig
from connectrt.kafka.topics import TopicAdmin
from connectrt.storage.kafka_internal_topics import (
    InternalTopic,
    client_id_base,
    internal_client_props,
    topic_settings,
)
from connectrt.storage.kafka_log import (
    MAX_INT,
    KafkaBasedLog,
    LogRecord,
    RecordLog,
    RecordMetadata,
)
from connectrt.storage.offsets import Callback, OffsetBackingStore, parse_offset_key

log = logging.getLogger(__name__)

TOPIC_CONFIG = "offset.storage.topic"
TOPIC_PURPOSE = "source connector offsets"

LogFactory = Callable[[Callable[[LogRecord], None]], RecordLog]


class KafkaOffsetBackingStore(OffsetBackingStore):
    """Offsets read from (and written to) a compacted topic.

    ``client_props`` are connection settings (``bootstrap.servers``, security); the store adds Java's
    internal-producer overrides. ``admin`` creates the topic when it is missing (``partitions`` and
    ``replication_factor`` apply only then) and rejects a topic that is not compacted.
    ``exactly_once`` reads with ``isolation.level=read_committed``; ``read_only`` builds no producer.
    """

    def __init__(
        self,
        topic: str,
        client_props: Mapping[str, Any],
        admin: TopicAdmin | None = None,
        *,
        partitions: int = 25,
        replication_factor: int = 3,
        settings: Mapping[str, str] | None = None,
        client_id: str = "connect-offsets",
        exactly_once: bool = False,
        read_only: bool = False,
        read_timeout_s: float = 30.0,
        log_factory: LogFactory | None = None,
    ) -> None:
        if not topic or not topic.strip():
            raise ConnectException("Offset storage topic must be specified")
        self.topic = topic
        self.read_timeout_s = read_timeout_s
        self._lock = threading.Lock()
        self._data: dict[bytes, bytes] = {}
        # connector -> {canonical partition JSON: partition}
        self._partitions: dict[str, dict[bytes, dict[str, Any]]] = {}
        if log_factory is not None:
            self._log = log_factory(self._on_record)
            return
        base = dict(client_props)
        base["client.id"] = client_id
        producer = None
        if not read_only:
            producer = dict(base)
            producer["enable.idempotence"] = "false"
            producer["delivery.timeout.ms"] = MAX_INT
        consumer = dict(base)
        if exactly_once:
            consumer["isolation.level"] = "read_committed"
        create = InternalTopic(
            topic, partitions, replication_factor, TOPIC_CONFIG, TOPIC_PURPOSE, dict(settings or {})
        )
        self._log = KafkaBasedLog(topic, producer, consumer, self._on_record, admin=admin, create=create)

    @classmethod
    def from_config(
        cls, config: WorkerConfig, admin: TopicAdmin | None, **kwargs: Any
    ) -> KafkaOffsetBackingStore:
        """The worker's global offsets store, from ``offset.storage.*`` of a distributed config."""
        exactly_once = (
            str(config.values.get("exactly.once.source.support") or "disabled").lower() == "enabled"
        )
        return cls(
            str(config.get("offset.storage.topic") or ""),
            internal_client_props(config),
            admin,
            partitions=int(config.get("offset.storage.partitions")),
            replication_factor=int(config.get("offset.storage.replication.factor")),
            settings=topic_settings(config, "offset.storage."),
            client_id=client_id_base(config) + "offsets",
            exactly_once=exactly_once,
            **kwargs,
        )

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        log.info("Starting KafkaOffsetBackingStore")
        self._log.start()
        log.info("Finished reading offsets topic and starting KafkaOffsetBackingStore")

    def stop(self) -> None:
        log.info("Stopping KafkaOffsetBackingStore")
        self._log.stop()
        log.info("Stopped KafkaOffsetBackingStore")

    # --- reads -----------------------------------------------------------------------------

    def _on_record(self, record: LogRecord) -> None:
        key, value = record.key, record.value
        if key is None:
            log.warning("Ignoring offset partition key with an unexpected null value")
            return
        parsed = parse_offset_key(key)
        with self._lock:
            if parsed is not None:
                connector, partition = parsed
                canonical = orjson.dumps(partition, option=orjson.OPT_SORT_KEYS)
                known = self._partitions.setdefault(connector, {})
                if value is None:
                    known.pop(canonical, None)
                else:
                    known[canonical] = partition
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value

    def refresh(self, timeout: float | None = None) -> None:
        """Read the topic to its current end (TimeoutError after ``timeout`` seconds)."""
        self._log.read_to_end(timeout)

    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
        """The stored values after reading the topic to its end; None for keys without an offset."""
        try:
            self._log.read_to_end(self.read_timeout_s)
        except TimeoutError as e:
            raise ConnectException(
                f"Timed out after {self.read_timeout_s:g} s reading offsets from topic '{self.topic}'"
            ) from e
        with self._lock:
            return {k: self._data.get(k) for k in keys}

    def connector_partitions(self, connector: str) -> list[dict[str, Any]]:
        """Every partition with a non-null offset for ``connector``, as read so far."""
        with self._lock:
            return list(self._partitions.get(connector, {}).values())

    # --- writes ----------------------------------------------------------------------------

    def set(self, values: Mapping[bytes, bytes | None], callback: Callback | None = None) -> Future[None]:
        """Write every entry (a null value as a tombstone). The future completes when all are
        acknowledged, or with the first failure; ``callback`` is called once, likewise."""
        done: Future[None] = Future()
        lock = threading.Lock()
        remaining = [len(values)]

        def finish(error: BaseException | None) -> None:
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
            if callback is not None:
                try:
                    callback(error)
                except Exception:
                    log.exception("Unexpected exception in an offset commit callback")

        if not values:
            finish(None)
            return done

        def on_sent(error: BaseException | None, _meta: RecordMetadata | None) -> None:
            with lock:
                if done.done() or remaining[0] <= 0:
                    return
                if error is None:
                    remaining[0] -= 1
                    if remaining[0] > 0:
                        return
                else:
                    remaining[0] = 0
            finish(error)

        try:
            for key, value in values.items():
                self._log.send(key, value, on_sent)
        except Exception as e:  # queueing failed: report it like a failed write
            on_sent(e, None)
        return done
