"""KafkaStatusBackingStore: connector, task and topic statuses in the status topic
(Java's KafkaStatusBackingStore).

A state change is written to the topic and becomes visible to ``get_*`` only once read back, on
every worker alike. "Safe" writes (``put_*_safe``) are skipped when the cached status comes from
another worker with a higher generation; readers ignore an UNASSIGNED task status when the cached
one is RUNNING with the same or a higher generation. The producer does not retry
(``retries=0``): the store re-sends retriable failures itself unless a newer write superseded them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from connectrt.api.connector import ConnectException
from connectrt.config.worker_config import WorkerConfig
from connectrt.kafka.topics import TopicAdmin
from connectrt.model.entities import ConnectorTaskId
from connectrt.storage import kafka_records as rec
from connectrt.storage.kafka_internal_topics import (
    InternalTopic,
    client_id_base,
    internal_client_props,
    topic_settings,
)
from connectrt.storage.kafka_log import (
    KafkaBasedLog,
    KafkaWriteException,
    LogRecord,
    RecordLog,
    RecordMetadata,
)
from connectrt.storage.status import ConnectorStatus, State, StatusBackingStore, TaskStatus, TopicStatus

log = logging.getLogger(__name__)

TOPIC_CONFIG = "status.storage.topic"
TOPIC_PURPOSE = "connector and task statuses"

LogFactory = Callable[[Callable[[LogRecord], None]], RecordLog]
S = TypeVar("S", ConnectorStatus, TaskStatus)


@dataclass
class _CacheEntry(Generic[S]):
    """The last status read for one key, and the write sequence that guards retries."""

    value: S | None = None
    sequence: int = 0
    deleted: bool = False

    def can_write_safely(self, status: S, sequence: int | None = None) -> bool:
        ok = (
            self.value is None
            or self.value.worker_id == status.worker_id
            or self.value.generation <= status.generation
        )
        return ok and (sequence is None or sequence == self.sequence)


class KafkaStatusBackingStore(StatusBackingStore):
    """Statuses in a compacted topic; ``client_props`` are connection settings (bootstrap, security).

    ``admin`` creates the topic when missing (``partitions``/``replication_factor`` apply only
    then) and rejects a topic that is not compacted. ``retry_backoff_s`` spaces re-sends of
    retriable failures.
    """

    def __init__(
        self,
        topic: str,
        client_props: Mapping[str, Any],
        admin: TopicAdmin | None = None,
        *,
        partitions: int = 5,
        replication_factor: int = 3,
        settings: Mapping[str, str] | None = None,
        client_id: str = "connect-statuses",
        retry_backoff_s: float = 0.1,
        log_factory: LogFactory | None = None,
    ) -> None:
        if not topic or not topic.strip():
            raise ConnectException("Must specify topic for connector status.")
        self.topic = topic
        self.retry_backoff_s = retry_backoff_s
        self._lock = threading.RLock()
        self._connectors: dict[str, _CacheEntry[ConnectorStatus]] = {}
        self._tasks: dict[str, dict[int, _CacheEntry[TaskStatus]]] = {}
        self._topics: dict[str, dict[str, TopicStatus]] = {}
        self._generation = 0
        self._retry: ThreadPoolExecutor | None = None
        self._stopped = False
        if log_factory is not None:
            self._log: RecordLog = log_factory(self._on_record)
            return
        base = dict(client_props)
        base["client.id"] = client_id
        producer = dict(base)
        producer["retries"] = 0  # retried by this store
        producer.setdefault("delivery.timeout.ms", 120000)  # Java's default; librdkafka's is 300000
        producer["enable.idempotence"] = "false"
        create = InternalTopic(
            topic, partitions, replication_factor, TOPIC_CONFIG, TOPIC_PURPOSE, dict(settings or {})
        )
        self._log = KafkaBasedLog(topic, producer, dict(base), self._on_record, admin=admin, create=create)

    @classmethod
    def from_config(
        cls, config: WorkerConfig, admin: TopicAdmin | None, **kwargs: Any
    ) -> KafkaStatusBackingStore:
        """The worker's status store, from ``status.storage.*`` of a distributed config."""
        return cls(
            str(config.get("status.storage.topic") or ""),
            internal_client_props(config),
            admin,
            partitions=int(config.get("status.storage.partitions")),
            replication_factor=int(config.get("status.storage.replication.factor")),
            settings=topic_settings(config, "status.storage."),
            client_id=client_id_base(config) + "statuses",
            **kwargs,
        )

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start reading; returns once the topic has been read to its end."""
        self._stopped = False
        self._retry = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"status-store-retry-{self.topic}")
        try:
            self._log.start()
        except BaseException:
            self._shutdown_retry()
            raise

    def stop(self) -> None:
        self._stopped = True
        try:
            self._log.stop()
        finally:
            self._shutdown_retry()

    def _shutdown_retry(self) -> None:
        if self._retry is not None:
            self._retry.shutdown(wait=True, cancel_futures=True)
            self._retry = None

    def flush(self) -> None:
        """Wait until every status written so far is acknowledged (or failed)."""
        self._log.flush()

    def read_to_end(self, timeout: float | None = None) -> None:
        """Read every status written so far (by any worker); TimeoutError after ``timeout``."""
        self._log.read_to_end(timeout)

    # --- writes ----------------------------------------------------------------------------

    def put_connector(self, status: ConnectorStatus) -> None:
        self._send(
            rec.connector_status_key(status.connector), status, self._connector_entry(status.connector), False
        )

    def put_connector_safe(self, status: ConnectorStatus) -> None:
        self._send(
            rec.connector_status_key(status.connector), status, self._connector_entry(status.connector), True
        )

    def put_task(self, status: TaskStatus) -> None:
        self._send(rec.task_status_key(status.id), status, self._task_entry(status.id), False)

    def put_task_safe(self, status: TaskStatus) -> None:
        self._send(rec.task_status_key(status.id), status, self._task_entry(status.id), True)

    def put_topic(self, status: TopicStatus) -> None:
        self._send_topic(
            rec.topic_status_key(status.topic, status.connector), rec.encode_topic_status(status)
        )

    def delete_topic(self, connector: str, topic: str) -> None:
        self._send_topic(rec.topic_status_key(topic, connector), None)

    def _send(self, key: str, status: S, entry: _CacheEntry[S], safe: bool) -> None:
        with self._lock:
            self._generation = status.generation
            if safe and not entry.can_write_safely(status):
                log.debug("Skipping status %s: %s holds a status of a newer generation", status, key)
                return
            entry.sequence += 1
            sequence = entry.sequence
        value = rec.encode_status(status)

        def still_wanted() -> bool:
            with self._lock:
                return not (
                    entry.deleted
                    or status.generation != self._generation
                    or (safe and not entry.can_write_safely(status, sequence))
                )

        self._send_with_retry(key, value, still_wanted)

    def _send_topic(self, key: str, value: bytes | None) -> None:
        self._send_with_retry(key, value, lambda: True)

    def _send_with_retry(self, key: str, value: bytes | None, still_wanted: Callable[[], bool]) -> None:
        def on_sent(error: BaseException | None, _meta: RecordMetadata | None) -> None:
            if error is None:
                return
            if isinstance(error, KafkaWriteException) and error.retriable:
                if self._stopped or not still_wanted():
                    return
                executor = self._retry
                if executor is not None:
                    try:
                        executor.submit(resend)
                    except RuntimeError:  # shutting down
                        pass
                return
            log.error("Failed to write status update %s: %s", key, error)

        def resend() -> None:
            time.sleep(self.retry_backoff_s)
            if not self._stopped and still_wanted():
                try:
                    self._log.send(key, value, on_sent)
                except Exception as e:
                    log.error("Failed to write status update %s: %s", key, e)

        try:
            self._log.send(key, value, on_sent)
        except KafkaWriteException as e:
            on_sent(e, None)

    # --- cache -----------------------------------------------------------------------------

    def _connector_entry(self, connector: str) -> _CacheEntry[ConnectorStatus]:
        with self._lock:
            return self._connectors.setdefault(connector, _CacheEntry())

    def _task_entry(self, task: ConnectorTaskId) -> _CacheEntry[TaskStatus]:
        with self._lock:
            return self._tasks.setdefault(task.connector, {}).setdefault(task.task, _CacheEntry())

    def get_connector(self, connector: str) -> ConnectorStatus | None:
        with self._lock:
            entry = self._connectors.get(connector)
            return entry.value if entry is not None else None

    def get_task(self, task_id: ConnectorTaskId) -> TaskStatus | None:
        with self._lock:
            entry = self._tasks.get(task_id.connector, {}).get(task_id.task)
            return entry.value if entry is not None else None

    def get_all_tasks(self, connector: str) -> list[TaskStatus]:
        with self._lock:
            entries = self._tasks.get(connector, {})
            return [entries[t].value for t in sorted(entries) if entries[t].value is not None]  # type: ignore[misc]

    def connectors(self) -> set[str]:
        """Connectors with a cache entry (Java: including ones written but not yet read back)."""
        with self._lock:
            return set(self._connectors)

    def get_topic(self, connector: str, topic: str) -> TopicStatus | None:
        with self._lock:
            return self._topics.get(connector, {}).get(topic)

    def get_all_topics(self, connector: str) -> list[TopicStatus]:
        with self._lock:
            return list(self._topics.get(connector, {}).values())

    # --- reading the topic -----------------------------------------------------------------

    def _on_record(self, record: LogRecord) -> None:
        key = record.key_str
        if key is None:
            log.warning("Discarding status record with a null key")
            return
        try:
            value = rec.decode_value(record.value)
        except rec.UnreadableValue as e:
            log.error("Failed to deserialize status record %s: %s", key, e)
            return
        if key.startswith(rec.CONNECTOR_STATUS_PREFIX):
            self._read_connector(key, record.value is None, value)
        elif key.startswith(rec.TASK_STATUS_PREFIX):
            self._read_task(key, record.value is None, value)
        elif key.startswith(rec.TOPIC_STATUS_PREFIX):
            self._read_topic(key, record.value is None, value)
        else:
            log.warning("Discarding record with invalid key %s", key)

    def _read_connector(self, key: str, tombstone: bool, value: Any) -> None:
        connector = key[len(rec.CONNECTOR_STATUS_PREFIX) :]
        if not connector:
            log.warning("Discarding record with invalid connector status key %s", key)
            return
        if tombstone:
            with self._lock:
                removed = self._connectors.pop(connector, None)
                if removed is not None:
                    removed.deleted = True
                for entry in self._tasks.pop(connector, {}).values():
                    entry.deleted = True
            return
        status = rec.decode_connector_status(connector, value)
        if status is None:
            return
        with self._lock:
            self._connectors.setdefault(connector, _CacheEntry()).value = status

    def _read_task(self, key: str, tombstone: bool, value: Any) -> None:
        task = rec.parse_task_status_key(key)
        if task is None:
            log.warning("Discarding record with invalid task status key %s", key)
            return
        if tombstone:
            with self._lock:
                tasks = self._tasks.get(task.connector)
                removed = tasks.pop(task.task, None) if tasks is not None else None
                if removed is not None:
                    removed.deleted = True
            return
        status = rec.decode_task_status(task, value)
        if status is None:
            log.warning("Failed to parse task status with key %s", key)
            return
        with self._lock:
            entry = self._tasks.setdefault(task.connector, {}).setdefault(task.task, _CacheEntry())
            current = entry.value
            if (
                status.state is State.UNASSIGNED
                and current is not None
                and current.state is State.RUNNING
                and current.generation >= status.generation
            ):
                log.debug("Ignoring stale status %s in favour of more up-to-date status %s", status, current)
                return
            entry.value = status

    def _read_topic(self, key: str, tombstone: bool, value: Any) -> None:
        parsed = rec.parse_topic_status_key(key)
        if parsed is None:
            log.warning("Discarding record with invalid topic status key %s", key)
            return
        topic, connector = parsed
        if tombstone:
            with self._lock:
                self._topics.get(connector, {}).pop(topic, None)
            return
        status = rec.decode_topic_status(value)
        if status is None:
            log.warning("Failed to parse topic status with key %s", key)
            return
        with self._lock:
            self._topics.setdefault(connector, {})[topic] = status
