"""KafkaConfigBackingStore: connector and task configs in the single-partition config topic
(Java's KafkaConfigBackingStore).

Records (Java's keys): ``connector-<c>``, ``target-state-<c>``, ``task-<c>-<n>``, ``commit-<c>``,
``tasks-fencing-<c>``, ``session-key``, ``restart-connector-<c>``, ``logger-cluster-<ns>``. Task
configs are buffered until a commit record lists N tasks whose ids 0..N-1 were all read; otherwise
the connector is "inconsistent" and its tasks are hidden. The consumer thread keeps the state and
calls the :class:`ConfigUpdateListener` for records read after :meth:`start` returned;
:meth:`snapshot` hands out an immutable :class:`ClusterConfigState`.

Writes wait for the broker's acknowledgement (and most read the log back to its end, as Java does).
With exactly-once source support (``preparing``/``enabled``) the leader's writes go through a
transactional producer (``transactional.id=connect-cluster-<group.id>``) claimed with
:meth:`claim_write_privileges`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import MappingProxyType
from typing import Any

from confluent_kafka import KafkaException, Producer

from connectrt.api.connector import ConnectException
from connectrt.config.configdef import ConfigException
from connectrt.config.worker_config import WorkerConfig
from connectrt.kafka.clients import make_producer
from connectrt.kafka.topics import TopicAdmin
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest, TargetState
from connectrt.storage import kafka_records as rec
from connectrt.storage.kafka_config_state import ClusterConfigState, ConfigUpdateListener
from connectrt.storage.kafka_internal_topics import (
    InternalTopic,
    client_id_base,
    internal_client_props,
    topic_settings,
)
from connectrt.storage.kafka_log import (
    MAX_INT,
    IllegalStateError,
    KafkaBasedLog,
    LogRecord,
    RecordLog,
    RecordMetadata,
)
from connectrt.storage.kafka_records import SessionKey

log = logging.getLogger(__name__)

TOPIC_CONFIG = "config.storage.topic"
TOPIC_PURPOSE = "connector configurations"
READ_WRITE_TOTAL_TIMEOUT_S = 30.0

LogFactory = Callable[[Callable[[LogRecord], None]], RecordLog]
Notification = Callable[[], None] | None


class PrivilegedWriteException(ConnectException):
    """A write through the transactional (fencable) producer failed; write privileges are lost."""


class KafkaConfigBackingStore:
    """The config topic as a store. ``client_props`` are connection settings (bootstrap, security).

    ``admin`` creates the topic when missing (always 1 partition; ``replication_factor`` applies
    only then) and rejects a topic that is not compacted. ``transactional_id`` turns on the
    fencable writer for privileged writes; ``read_committed`` reads only committed records.
    """

    def __init__(
        self,
        topic: str,
        client_props: Mapping[str, Any],
        admin: TopicAdmin | None = None,
        *,
        replication_factor: int = 3,
        settings: Mapping[str, str] | None = None,
        client_id: str = "connect-configs",
        transactional_id: str | None = None,
        read_committed: bool = False,
        timeout_s: float = READ_WRITE_TOTAL_TIMEOUT_S,
        log_factory: LogFactory | None = None,
    ) -> None:
        if not topic or not topic.strip():
            raise ConfigException("Must specify topic for connector configuration.")
        self.topic = topic
        self.timeout_s = timeout_s
        self._lock = threading.RLock()
        self._listener = ConfigUpdateListener()
        self._started = False
        self._offset = -1
        self._session_key: SessionKey | None = None
        self._task_counts: dict[str, int] = {}
        self._connector_configs: dict[str, Mapping[str, Any]] = {}
        self._target_states: dict[str, TargetState] = {}
        self._task_configs: dict[ConnectorTaskId, Mapping[str, Any]] = {}
        self._deferred: dict[str, dict[ConnectorTaskId, Mapping[str, Any]]] = {}
        self._inconsistent: set[str] = set()
        self._task_count_records: dict[str, int] = {}
        self._generations: dict[str, int] = {}
        self._applied: dict[str, Mapping[str, Any]] = {}
        self._pending_fencing: set[str] = set()
        self._restart_requests: dict[str, RestartRequest] = {}
        self._transactional_id = transactional_id
        self._fencable: Producer | None = None
        base = dict(client_props)
        base["client.id"] = client_id
        base["enable.idempotence"] = "false"
        base["delivery.timeout.ms"] = MAX_INT
        self._fencable_props = {
            **base,
            "client.id": client_id + "-leader",
            "acks": "all",
            "max.in.flight.requests.per.connection": 5,
            "enable.idempotence": "true",
            "transactional.id": transactional_id,
        }
        if log_factory is not None:
            self._log: RecordLog = log_factory(self._on_record)
            return
        consumer = dict(client_props)
        consumer["client.id"] = client_id
        if read_committed:
            consumer["isolation.level"] = "read_committed"
        create = InternalTopic(
            topic, 1, replication_factor, TOPIC_CONFIG, TOPIC_PURPOSE, dict(settings or {})
        )
        self._log = KafkaBasedLog(topic, base, consumer, self._on_record, admin=admin, create=create)

    @classmethod
    def from_config(
        cls, config: WorkerConfig, admin: TopicAdmin | None, **kwargs: Any
    ) -> KafkaConfigBackingStore:
        """The worker's config store, from ``config.storage.*`` and ``exactly.once.source.support``."""
        eos = str(config.values.get("exactly.once.source.support") or "disabled").lower()
        group = str(config.originals.get("group.id") or "")
        return cls(
            str(config.get("config.storage.topic") or ""),
            internal_client_props(config),
            admin,
            replication_factor=int(config.get("config.storage.replication.factor")),
            settings=topic_settings(config, "config.storage."),
            client_id=client_id_base(config) + "configs",
            transactional_id=f"connect-cluster-{group}" if eos in ("preparing", "enabled") else None,
            read_committed=eos == "enabled",
            **kwargs,
        )

    def set_update_listener(self, listener: ConfigUpdateListener) -> None:
        self._listener = listener

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Read the topic to its end; listeners are called only for records read after this."""
        log.info("Starting KafkaConfigBackingStore")
        self._log.start()
        count = self._log.partition_count
        if count > 1:
            self._log.stop()
            raise ConfigException(
                f"Topic '{self.topic}' supplied via the '{TOPIC_CONFIG}' property is required to have a single "
                f"partition in order to guarantee consistency of connector configurations, but found {count} "
                "partitions."
            )
        self._started = True
        log.info("Started KafkaConfigBackingStore")

    def stop(self) -> None:
        log.info("Closing KafkaConfigBackingStore")
        self.relinquish_write_privileges()
        try:
            self._log.stop()
        finally:
            self._started = False
        log.info("Closed KafkaConfigBackingStore")

    # --- snapshot --------------------------------------------------------------------------

    def snapshot(self) -> ClusterConfigState:
        with self._lock:
            return ClusterConfigState(
                offset=self._offset,
                session_key=self._session_key,
                connector_task_counts=MappingProxyType(dict(self._task_counts)),
                connector_configs=MappingProxyType(dict(self._connector_configs)),
                connector_target_states=MappingProxyType(dict(self._target_states)),
                task_configs=MappingProxyType(dict(self._task_configs)),
                connector_task_count_records=MappingProxyType(dict(self._task_count_records)),
                connector_task_config_generations=MappingProxyType(dict(self._generations)),
                applied_connector_configs=MappingProxyType(dict(self._applied)),
                connectors_pending_fencing=frozenset(self._pending_fencing),
                inconsistent_connectors=frozenset(self._inconsistent),
                restart_requests=MappingProxyType(dict(self._restart_requests)),
            )

    def contains(self, connector: str) -> bool:
        with self._lock:
            return connector in self._connector_configs

    def take_restart_requests(self) -> list[RestartRequest]:
        """The pending restart requests (highest impact per connector), removed from the store."""
        with self._lock:
            taken = list(self._restart_requests.values())
            self._restart_requests.clear()
            return taken

    def refresh(self, timeout: float) -> None:
        """Read the topic to its current end; raises TimeoutError after ``timeout`` seconds."""
        try:
            self._log.read_to_end(timeout)
        except TimeoutError:
            raise
        except Exception as e:
            raise ConnectException("Error trying to read to end of config log") from e

    # --- writes ----------------------------------------------------------------------------

    def put_connector_config(
        self, connector: str, properties: Mapping[str, str | None], target_state: TargetState | None = None
    ) -> None:
        """Write the config (after the target state, when given) and read it back. Privileged."""
        records: list[tuple[str, bytes | None]] = []
        if target_state is not None:
            records.append((rec.target_state_key(connector), rec.encode_target_state(target_state)))
        records.append((rec.connector_key(connector), rec.encode_properties(properties)))
        self._write(records, "Error writing connector configuration to Kafka")

    def remove_connector_config(self, connector: str) -> None:
        """Tombstones for ``connector-<c>`` and ``target-state-<c>``, read back. Privileged."""
        self._write(
            [(rec.connector_key(connector), None), (rec.target_state_key(connector), None)],
            "Error removing connector configuration from Kafka",
        )

    def put_task_configs(self, connector: str, configs: Sequence[Mapping[str, str | None]]) -> None:
        """Read to end, write ``task-<c>-<n>`` for each config, read to end, write ``commit-<c>``
        with the count, read to end (Java's order). Privileged."""
        deadline = time.monotonic() + self.timeout_s
        try:
            self._log.read_to_end(self._left(deadline))
        except Exception as e:
            raise ConnectException("Error writing root configuration to Kafka") from e
        records: list[tuple[str, bytes | None]] = [
            (rec.task_key(ConnectorTaskId(connector, i)), rec.encode_properties(c))
            for i, c in enumerate(configs)
        ]
        try:
            self._send_privileged(records, deadline)
        except (PrivilegedWriteException, IllegalStateError):
            raise
        except Exception as e:
            raise ConnectException("Error writing task configurations to Kafka") from e
        try:
            if configs:
                self._log.read_to_end(self._left(deadline))
            self._send_privileged(
                [(rec.commit_tasks_key(connector), rec.encode_commit(len(configs)))], deadline
            )
            self._log.read_to_end(self._left(deadline))
        except (PrivilegedWriteException, IllegalStateError):
            raise
        except Exception as e:
            raise ConnectException("Error writing root configuration to Kafka") from e

    def put_target_state(self, connector: str, state: TargetState) -> None:
        """Write a target state and wait for the acknowledgement (any worker may; not read back)."""
        self._send_plain(
            rec.target_state_key(connector),
            rec.encode_target_state(state),
            "Error writing target state to Kafka",
        )

    def put_logger_level(self, namespace: str, level: str) -> None:
        """Write a cluster-wide logger level and wait for the acknowledgement (any worker may)."""
        self._send_plain(
            rec.logger_cluster_key(namespace),
            rec.encode_logger_level(level),
            "Error writing logger level to Kafka",
        )

    def put_task_count_record(self, connector: str, task_count: int) -> None:
        """``tasks-fencing-<c>`` ``{"task-count":N}``, read back. Privileged."""
        self._write(
            [(rec.task_count_record_key(connector), rec.encode_task_count_record(task_count))],
            "Error writing task count record to Kafka",
        )

    def put_session_key(self, key: SessionKey) -> None:
        """``session-key``, read back. Privileged (the leader's)."""
        self._write(
            [(rec.SESSION_KEY_KEY, rec.encode_session_key(key.key, key.algorithm, key.creation_timestamp))],
            "Error writing session key to Kafka",
        )

    def put_restart_request(self, request: RestartRequest) -> None:
        """``restart-connector-<c>``, read back. Privileged."""
        self._write(
            [(rec.restart_key(request.connector), rec.encode_restart_request(request))],
            f"Error writing {request} to Kafka",
        )

    def _write(self, records: list[tuple[str, bytes | None]], error: str) -> None:
        deadline = time.monotonic() + self.timeout_s
        try:
            self._send_privileged(records, deadline)
            self._log.read_to_end(self._left(deadline))
        except (PrivilegedWriteException, IllegalStateError):
            raise
        except Exception as e:
            # A future's timeout has no message: name the exception then.
            log.error("%s: %s", error, e if str(e) else type(e).__name__)
            raise ConnectException(error) from e

    def _send_plain(self, key: str, value: bytes, error: str) -> None:
        try:
            self._log.send(key, value).result(timeout=self.timeout_s)
        except (FutureTimeout, TimeoutError) as e:
            raise ConnectException(error) from e
        except Exception as e:
            log.error("%s: %s", error, e)
            raise ConnectException(error) from e

    @staticmethod
    def _left(deadline: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("Timed out writing to the config topic")
        return left

    def _send_privileged(self, records: list[tuple[str, bytes | None]], deadline: float) -> None:
        if self._transactional_id is None:
            futures: list[Future[RecordMetadata]] = [self._log.send(k, v) for k, v in records]
            for fut in futures:
                fut.result(timeout=self._left(deadline))
            return
        producer = self._fencable
        if producer is None:
            raise IllegalStateError("Cannot produce to config topic without claiming write privileges first")
        try:
            producer.begin_transaction()
            for key, value in records:
                producer.produce(self.topic, key=key.encode("utf-8"), value=value)
            producer.commit_transaction(self._left(deadline))
        except Exception as e:
            log.warning("Failed to perform fencable send to config topic: %s", e)
            self.relinquish_write_privileges()
            raise PrivilegedWriteException("Failed to perform fencable send to config topic") from e

    def claim_write_privileges(self) -> None:
        """Create and initialize the transactional producer (fencing out the previous leader's);
        nothing to do without exactly-once source support."""
        if self._transactional_id is None or self._fencable is not None:
            return
        try:
            producer = make_producer(self._fencable_props)
            producer.init_transactions(self.timeout_s)
            self._fencable = producer
        except (KafkaException, ConfigException) as e:
            self.relinquish_write_privileges()
            raise ConnectException(
                "Failed to create and initialize fencable producer for config topic"
            ) from e

    def needs_write_privileges(self) -> bool:
        """True when privileged writes go through the transactional producer and it is not claimed
        (never claimed, or dropped after a failed write: e.g. another writer fenced it out)."""
        return self._transactional_id is not None and self._fencable is None

    def relinquish_write_privileges(self) -> None:
        producer, self._fencable = self._fencable, None
        if producer is not None:
            try:
                producer.flush(0)
            except KafkaException as e:
                log.debug("Closing the fencable producer: %s", e)

    # --- reading the topic -----------------------------------------------------------------

    def _on_record(self, record: LogRecord) -> None:
        key = record.key_str
        try:
            value = rec.decode_value(record.value)
        except rec.UnreadableValue as e:
            log.error("Failed to convert config data to Kafka Connect format: %s", e)
            return
        with self._lock:  # the state and its offset change together; listeners run after
            self._offset = record.offset + 1
            try:
                notify = self._apply(key, value)
            except Exception as e:  # one unreadable record must not stop the reader (and the worker)
                shown = key if key is None or len(key) <= 200 else key[:200] + "..."
                log.error(
                    "Ignoring config record %s at offset %d that could not be applied: %s",
                    shown,
                    record.offset,
                    e,
                )
                notify = None
        if notify is not None and self._started:
            try:
                notify()
            except Exception:
                log.exception("Unexpected exception in a config update listener")

    def _apply(self, key: str | None, value: Any) -> Notification:
        if key is None:
            log.error("Discarding config update record with a null key")
        elif key.startswith(rec.TARGET_STATE_PREFIX):
            return self._on_target_state(key[len(rec.TARGET_STATE_PREFIX) :], value)
        elif key.startswith(rec.CONNECTOR_PREFIX):
            return self._on_connector_config(key[len(rec.CONNECTOR_PREFIX) :], value)
        elif key.startswith(rec.TASK_PREFIX):
            task = rec.parse_task_key(key)
            if task is None:
                log.error(
                    "Ignoring task configuration because %s couldn't be parsed as a task config key", key
                )
            else:
                self._on_task_config(task, value)
        elif key.startswith(rec.COMMIT_TASKS_PREFIX):
            return self._on_commit(key[len(rec.COMMIT_TASKS_PREFIX) :], value)
        elif key.startswith(rec.RESTART_PREFIX):
            return self._on_restart_request(key[len(rec.RESTART_PREFIX) :], value)
        elif key.startswith(rec.TASK_COUNT_RECORD_PREFIX):
            self._on_task_count_record(key[len(rec.TASK_COUNT_RECORD_PREFIX) :], value)
        elif key == rec.SESSION_KEY_KEY:
            return self._on_session_key(value)
        elif key.startswith(rec.LOGGER_CLUSTER_PREFIX):
            return self._on_logger_level(key[len(rec.LOGGER_CLUSTER_PREFIX) :], value)
        else:
            log.error("Discarding config update record with invalid key: %s", key)
        return None

    # Each handler runs with the lock held and returns the listener call to make, if any.

    def _on_target_state(self, connector: str, value: Any) -> Notification:
        if value is None:
            self._target_states.pop(connector, None)
            if connector in self._connector_configs:  # still configured: back to the default
                self._target_states[connector] = TargetState.STARTED
            return None  # the connector's own removal notifies
        state = rec.decode_target_state(connector, value)
        if state is None:
            return None
        changed = self._target_states.get(connector) is not state
        self._target_states[connector] = state
        if not changed or connector not in self._connector_configs:
            return None
        return lambda: self._listener.on_connector_target_state_change(connector)

    def _on_connector_config(self, connector: str, value: Any) -> Notification:
        if value is None:
            self._remove_connector(connector)
            log.info("Successfully processed removal of connector '%s'", connector)
            return lambda: self._listener.on_connector_config_remove(connector)
        props = rec.decode_properties(value, f"configuration for connector '{connector}'")
        if props is None:
            return None
        self._connector_configs[connector] = MappingProxyType(props)
        self._target_states.setdefault(connector, TargetState.STARTED)
        return lambda: self._listener.on_connector_config_update(connector)

    def _remove_connector(self, connector: str) -> None:
        self._connector_configs.pop(connector, None)
        self._task_counts.pop(connector, None)
        for task in [t for t in self._task_configs if t.connector == connector]:
            del self._task_configs[task]
        self._deferred.pop(connector, None)
        self._applied.pop(connector, None)

    def _on_task_config(self, task: ConnectorTaskId, value: Any) -> None:
        if value is None:
            log.error("Ignoring task configuration for task %s because it is unexpectedly null", task)
            return
        props = rec.decode_properties(value, f"config of task {task}")
        if props is not None:
            self._deferred.setdefault(task.connector, {})[task] = MappingProxyType(props)

    def _on_commit(self, connector: str, value: Any) -> Notification:
        config = self._connector_configs.get(connector)
        if config is None:
            # A deleted connector whose config and tombstone were compacted away: ignore its tasks.
            self._remove_connector(connector)
            log.debug("Ignoring task configs for connector %s; it appears to have been deleted", connector)
            return None
        count = rec.decode_int_field(
            value, "tasks", f"connector tasks configuration commit for '{connector}'"
        )
        if count is None:
            return None
        deferred = self._deferred.get(connector)
        ids = {t.task for t in deferred} if deferred else set()
        updated: list[ConnectorTaskId] = []
        if not all(i in ids for i in range(count)):
            log.debug(
                "Incomplete set of task configs for connector '%s' (probably compaction); not applying them",
                connector,
            )
            self._inconsistent.add(connector)
        else:
            if deferred is not None:  # Java: only once task records were ever read for it
                self._task_configs.update(deferred)
                updated = sorted(deferred)
                previous = self._generations.get(connector)
                self._generations[connector] = 0 if previous is None else previous + 1
            self._inconsistent.discard(connector)
            self._applied[connector] = config
        if deferred is not None:
            deferred.clear()
        self._task_counts[connector] = count
        self._pending_fencing.add(connector)
        return lambda: self._listener.on_task_config_update(updated)

    def _on_restart_request(self, connector: str, value: Any) -> Notification:
        request = rec.decode_restart_request(connector, value)
        if request is None or not self._started:  # requests older than this worker are not replayed
            return None
        existing = self._restart_requests.get(connector)
        if existing is None or request.impact_rank() > existing.impact_rank():
            self._restart_requests[connector] = request
        return lambda: self._listener.on_restart_request(request)

    def _on_task_count_record(self, connector: str, value: Any) -> None:
        count = rec.decode_int_field(value, "task-count", f"task count record for connector '{connector}'")
        if count is not None:
            self._task_count_records[connector] = count
            self._pending_fencing.discard(connector)

    def _on_session_key(self, value: Any) -> Notification:
        key = rec.decode_session_key(value)
        if key is None:
            return None
        self._session_key = key
        return lambda: self._listener.on_session_key_update(key)

    def _on_logger_level(self, namespace: str, value: Any) -> Notification:
        level = rec.decode_logger_level(namespace, value)
        if level is None:
            return None
        if not self._started:
            log.debug(
                "Ignoring old logging level %s for namespace %s written before this worker started",
                level,
                namespace,
            )
            return None
        return lambda: self._listener.on_logger_level(namespace, level)
