"""Worker: creates and runs connector instances and tasks with their clients (Java's Worker)."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from connectrt.api.connector import ConnectException, Connector, SinkConnector, SinkTask, SourceTask
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.config.configdef import ConfigException
from connectrt.config.providers import ConfigTransformer
from connectrt.config.worker_config import DistributedConfig, WorkerConfig
from connectrt.kafka.clients import make_admin, make_consumer, make_producer, only_error_reports
from connectrt.kafka.security import task_client_warnings
from connectrt.kafka.topics import TopicAdmin, TopicSpec
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.connector_config import SinkConnectorConfig, SourceConnectorConfig
from connectrt.runtime.connector_offset_stores import regular_task_offset_store
from connectrt.runtime.errors import (
    DeadLetterQueueReporter,
    ErrorReporter,
    LogReporter,
    RetryWithToleranceOperator,
)
from connectrt.runtime.exactly_once_source_task import ExactlyOnceHooks, build_exactly_once_task
from connectrt.runtime.plugins import Plugins, java_task_class_name
from connectrt.runtime.sink_task import WorkerSinkTask
from connectrt.runtime.source_task import WorkerSourceTask
from connectrt.runtime.topic_creation import TopicCreator, creation_groups
from connectrt.runtime.transformation_chain import build_chain
from connectrt.runtime.worker_connector import ConnectorStatusListener, WorkerConnector
from connectrt.runtime.worker_task import StatusListener, WorkerTask
from connectrt.storage.kafka_internal_topics import internal_client_props
from connectrt.storage.offsets import OffsetBackingStore, OffsetStorageReaderImpl, OffsetStorageWriter

log = logging.getLogger(__name__)

TASK_CLASS_CONFIG = "task.class"


_heap_frozen = False
_freeze_lock = threading.Lock()


def freeze_startup_heap() -> None:
    """Once per process: collect, then move every live object out of the cyclic GC's reach (``gc.freeze()``).

    Tasks allocate records in batches that outlive young collections, so CPython runs a full collection
    every few thousand records; each walked the whole start-up heap again (modules, the REST app, plugin
    classes): about a fifth of the worker's CPU time in the file pipeline benchmark. Frozen objects are still
    freed by reference counting; only cycles among them that die later are never reclaimed, so this runs
    once, before the first task, when the heap is mostly what lives for the whole process.
    """
    global _heap_frozen
    with _freeze_lock:
        if _heap_frozen:
            return
        _heap_frozen = True
        gc.collect()
        gc.freeze()


def _bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


class Worker:
    def __init__(
        self,
        worker_id: str,
        config: WorkerConfig,
        plugins: Plugins,
        offset_store: OffsetBackingStore,
        task_listener: StatusListener,
        connector_listener: ConnectorStatusListener,
        on_reconfigure_request: Callable[[str], None],
        config_transformer: ConfigTransformer | None = None,
        on_topic_used: Callable[[str, int, str], None] | None = None,
    ) -> None:
        self.worker_id = worker_id
        self.config = config
        self.plugins = plugins
        self.offset_store = offset_store
        self.task_listener = task_listener
        self.connector_listener = connector_listener
        self.on_reconfigure_request = on_reconfigure_request
        self.transformer = config_transformer or ConfigTransformer({})
        self.on_topic_used = on_topic_used
        for warning in task_client_warnings(config.originals):
            log.warning(warning)
        self.connectors: dict[str, WorkerConnector] = {}
        self.tasks: dict[ConnectorTaskId, WorkerTask] = {}
        self.lock = threading.RLock()
        self.task_starts: dict[ConnectorTaskId, int] = {}
        # Set by the distributed herder when exactly.once.source.support=enabled: source tasks then run
        # as ExactlyOnceWorkerSourceTask.
        self.exactly_once: ExactlyOnceHooks | None = None

    # --- connectors ----------------------------------------------------------------------------
    def start_connector(self, name: str, raw_props: Mapping[str, str], target: TargetState) -> bool:
        with self.lock:
            if name in self.connectors:
                raise ConnectException(f"Connector with name {name} already exists")
        try:
            props = self.transformer.transform(raw_props)
            cls = self.plugins.connector_class(str(props.get("connector.class")))
            # As Java's Worker.startConnector: the whole connector config must parse (a config read from
            # the config topic was never validated by this worker) before the connector is instantiated.
            if issubclass(cls, SinkConnector):
                SinkConnectorConfig(self.plugins, props)
            else:
                SourceConnectorConfig(self.plugins, props)
            connector: Connector = cls()
        except Exception as e:
            from connectrt.runtime.errors import format_trace
            from connectrt.storage.status import State

            self.connector_listener(name, State.FAILED, format_trace(e))
            return False
        reader = (
            None if isinstance(connector, SinkConnector) else OffsetStorageReaderImpl(self.offset_store, name)
        )
        wc = WorkerConnector(
            name, connector, props, self.connector_listener, self.on_reconfigure_request, reader
        )
        with self.lock:
            self.connectors[name] = wc
        if wc.initialize():
            wc.transition_to(target)
        return not wc.failed

    def is_running(self, name: str) -> bool:
        wc = self.connectors.get(name)
        return wc is not None and wc.started and not wc.failed

    def is_sink(self, name: str) -> bool:
        wc = self.connectors.get(name)
        return wc is not None and wc.is_sink

    def connector_task_configs(self, name: str, max_tasks: int) -> list[dict[str, str]]:
        wc = self.connectors.get(name)
        if wc is None or not wc.started:
            raise ConnectException(f"Connector {name} is not running")
        task_class_name = java_task_class_name(wc.connector.task_class())
        configs = wc.task_configs(max_tasks)
        out = []
        for c in configs:
            # As Java's Worker.connectorTaskConfigs: the task class (Java's name for a connector named
            # after a Java one, so a Java worker can run the task) and the sink's topics are added.
            c = dict(c)
            c[TASK_CLASS_CONFIG] = task_class_name
            for key in ("topics", "topics.regex"):
                if key in wc.props:
                    c[key] = wc.props[key]
            out.append(c)
        return out

    def connector_version(self, name: str) -> str | None:
        """The running connector's ``version()`` (Java's ``Worker.connectorVersion``), else None."""
        wc = self.connectors.get(name)
        return _version(wc.connector) if wc is not None else None

    def task_version(self, task_id: ConnectorTaskId) -> str | None:
        """The running task's ``version()`` (Java's ``Worker.taskVersion``), else None."""
        worker_task = self.tasks.get(task_id)
        return _version(getattr(worker_task, "task", None)) if worker_task is not None else None

    def task_class_has_java_name(self, name: str) -> bool:
        """Whether the running connector's task class declares a Java name for ``task.class``."""
        wc = self.connectors.get(name)
        return wc is not None and bool(getattr(wc.connector.task_class(), "ALIASES", ()))

    def stop_connector(self, name: str) -> None:
        with self.lock:
            wc = self.connectors.pop(name, None)
        if wc is not None:
            wc.shutdown()

    def set_connector_target_state(self, name: str, target: TargetState) -> None:
        wc = self.connectors.get(name)
        if wc is not None:
            wc.transition_to(target)

    # --- tasks ---------------------------------------------------------------------------------
    def start_task(
        self,
        task_id: ConnectorTaskId,
        raw_conn_props: Mapping[str, str],
        raw_task_props: Mapping[str, str],
        target: TargetState,
    ) -> bool:
        with self.lock:
            if task_id in self.tasks:
                raise ConnectException(f"Task already exists in this worker: {task_id}")
        self.task_starts[task_id] = self.task_starts.get(task_id, 0) + 1
        freeze_startup_heap()
        try:
            conn_props = self.transformer.transform(raw_conn_props)
            task_props = self.transformer.transform(raw_task_props)
            worker_task = self._build_task(task_id, conn_props, task_props, target)
        except Exception as e:
            from connectrt.runtime.errors import format_trace
            from connectrt.storage.status import State

            log.error("Failed to start task %s", task_id, exc_info=e)
            self.task_listener(task_id, State.FAILED, format_trace(e))
            return False
        with self.lock:
            self.tasks[task_id] = worker_task
        worker_task.start()
        return True

    def _build_task(
        self,
        task_id: ConnectorTaskId,
        conn: Mapping[str, str],
        task_props: Mapping[str, str],
        target: TargetState,
    ) -> WorkerTask:
        connector_cls = self.plugins.connector_class(conn["connector.class"])
        task_cls = self.plugins.task_class(task_props.get(TASK_CLASS_CONFIG), connector_cls().task_class())
        task: Any = task_cls()
        key_conv = self._converter(conn, "key.converter", is_key=True)
        value_conv = self._converter(conn, "value.converter", is_key=False)
        header_conv = self._header_converter(conn)
        tolerance_all = str(conn.get("errors.tolerance", "none")).lower() == "all"
        reporters: list[ErrorReporter] = []
        if _bool(conn.get("errors.log.enable")):
            reporters.append(LogReporter(str(task_id), _bool(conn.get("errors.log.include.messages"))))
        name = task_id.connector
        topic_used = None
        if self.on_topic_used is not None:
            cb = self.on_topic_used

            def topic_used(topic: str) -> None:
                cb(topic, task_id.task, name)

        stop_event = threading.Event()
        if issubclass(task_cls, SourceTask):
            operator = RetryWithToleranceOperator(
                int(conn.get("errors.retry.timeout", 0)),
                int(conn.get("errors.retry.delay.max.ms", 60000)),
                tolerance_all,
                reporters,
                stop_event=stop_event,
            )
            chain = build_chain(self.plugins, conn, operator)
            creator = None
            groups = creation_groups(conn) if _bool(self.config.get("topic.creation.enable"), True) else None
            if groups:
                creator = TopicCreator(TopicAdmin(make_admin(self.admin_props(conn))), groups)
            if self.exactly_once is not None:
                eos = build_exactly_once_task(
                    self,
                    self.exactly_once,
                    task_id,
                    task,
                    dict(task_props),
                    target,
                    conn,
                    (key_conv, value_conv, header_conv),
                    chain,
                    operator,
                    creator,
                    topic_used,
                )
                eos.stopping = stop_event
                return eos
            producer_props = self.producer_props(conn, task_id)
            acks_by_flush = only_error_reports(
                producer_props, type(task).commit_record is not SourceTask.commit_record
            )
            producer = make_producer(producer_props)
            # Distributed mode: a connector with offsets.storage.topic reads and writes its own offsets topic
            # (and writes the worker's too); standalone ignores the setting, as Java.
            store: OffsetBackingStore = self.offset_store
            own = (
                regular_task_offset_store(self, conn, task_id)
                if isinstance(self.config, DistributedConfig)
                else None
            )
            if own is not None:
                store = own
            source = WorkerSourceTask(
                task_id,
                task,
                dict(task_props),
                self.task_listener,
                target,
                producer,
                key_conv,
                value_conv,
                header_conv,
                chain,
                operator,
                OffsetStorageReaderImpl(store, name),
                OffsetStorageWriter(store, name),
                int(self.config.get("offset.flush.interval.ms")),
                int(self.config.get("offset.flush.timeout.ms")),
                creator,
                topic_used,
                close_hook=own.stop if own is not None else None,
                acks_by_flush=acks_by_flush,
            )
            source.stopping = stop_event
            return source
        if issubclass(task_cls, SinkTask):
            dlq_topic = str(conn.get("errors.deadletterqueue.topic.name", "") or "").strip()
            if dlq_topic:
                reporters.append(self._dlq_reporter(conn, task_id, dlq_topic))
            operator = RetryWithToleranceOperator(
                int(conn.get("errors.retry.timeout", 0)),
                int(conn.get("errors.retry.delay.max.ms", 60000)),
                tolerance_all,
                reporters,
                stop_event=stop_event,
            )
            chain = build_chain(self.plugins, conn, operator)
            consumer = make_consumer(self.consumer_props(conn, task_id))
            topics = [t.strip() for t in str(conn.get("topics", "") or "").split(",") if t.strip()]
            sink = WorkerSinkTask(
                task_id,
                task,
                dict(task_props),
                self.task_listener,
                target,
                consumer,
                topics,
                str(conn.get("topics.regex", "") or "") or None,
                key_conv,
                value_conv,
                header_conv,
                chain,
                operator,
                int(self.config.get("offset.flush.interval.ms")),
                int(self.config.get("offset.flush.timeout.ms")),
                on_topic_used=topic_used,
                # Java's SinkConnectorConfig.enableErrantRecordReporter(): none without a DLQ or the error log
                errant_reporter_enabled=bool(dlq_topic) or _bool(conn.get("errors.log.enable")),
            )
            sink.stopping = stop_event
            return sink
        raise ConnectException(f"Task class {task_cls.__name__} is neither a SourceTask nor a SinkTask")

    def _dlq_reporter(
        self, conn: Mapping[str, str], task_id: ConnectorTaskId, topic: str
    ) -> DeadLetterQueueReporter:
        admin = TopicAdmin(make_admin(self.admin_props(conn)))
        if not admin.existing([topic]):
            rf = int(conn.get("errors.deadletterqueue.topic.replication.factor", 3))
            admin.create_topics([TopicSpec(topic, 1, rf)])
        props = self.producer_props(conn, task_id)
        props["client.id"] = f"connector-dlq-producer-{task_id}"
        return DeadLetterQueueReporter(
            make_producer(props),
            topic,
            task_id.connector,
            task_id.task,
            _bool(conn.get("errors.deadletterqueue.context.headers.enable")),
        )

    # --- clients -------------------------------------------------------------------------------
    def _overrides(self, conn: Mapping[str, str], prefix: str) -> dict[str, str]:
        overrides = {k[len(prefix) :]: v for k, v in conn.items() if k.startswith(prefix)}
        policy = str(self.config.get("connector.client.config.override.policy") or "All").split(".")[-1]
        if overrides and policy.startswith("None"):
            raise ConfigException(
                f"The following configurations are not allowed to be overridden by the policy None: "
                f"{', '.join(sorted(prefix + k for k in overrides))}"
            )
        return overrides

    def producer_props(self, conn: Mapping[str, str], task_id: ConnectorTaskId) -> dict[str, Any]:
        # Java's Worker.baseProducerConfigs: idempotence off, one request in flight (ordering kept across
        # retries), acks=all, unbounded delivery time; linger.ms=5 is Java 4.x's producer default (KIP-1030).
        # An idempotent librdkafka producer also spins its broker thread while 5 requests are in flight: the
        # CDC bench's producer thread spent 7 µs a record that way, against ~1.5 µs with these settings.
        # One deliberate difference: records are compressed with lz4 (Java: none); the broker stores them as
        # sent. Uncompressed JSON change events cost the CDC bench's broker 29 µs of CPU a row (8 µs with lz4),
        # more than the whole connector (21 µs). producer.compression.type=none gives Java's setting.
        props: dict[str, Any] = {
            "bootstrap.servers": self.config.bootstrap_servers,
            "acks": "all",
            "enable.idempotence": "false",
            "max.in.flight.requests.per.connection": "1",
            "linger.ms": "5",
            "compression.type": "lz4",
            "delivery.timeout.ms": str(2**31 - 1),
            "client.id": f"connector-producer-{task_id}",
        }
        props.update(self.config.client_props("producer."))
        props.update(self._overrides(conn, "producer.override."))
        return props

    def consumer_props(self, conn: Mapping[str, str], task_id: ConnectorTaskId) -> dict[str, Any]:
        props: dict[str, Any] = {
            "bootstrap.servers": self.config.bootstrap_servers,
            "group.id": f"connect-{task_id.connector}",
            "enable.auto.commit": "false",
            "auto.offset.reset": "earliest",
            # Java's consumer default: a sink subscribing to a topic that does not exist yet makes a broker
            # with auto.create.topics.enable=true create it (librdkafka's default is false).
            "allow.auto.create.topics": "true",
            "client.id": f"connector-consumer-{task_id}",
        }
        props.update(self.config.client_props("consumer."))
        props.update(self._overrides(conn, "consumer.override."))
        return props

    def admin_props(self, conn: Mapping[str, str]) -> dict[str, Any]:
        # Java's Worker.adminConfigs: the worker's top-level settings (security included), then admin.*.
        props: dict[str, Any] = internal_client_props(self.config)
        props.update(self.config.client_props("admin."))
        props.update(self._overrides(conn, "admin.override."))
        return props

    def consumer_group_id(self, conn: Mapping[str, str], name: str) -> str:
        return str(conn.get("consumer.override.group.id") or f"connect-{name}")

    def sink_admin_props(self, conn: Mapping[str, str]) -> dict[str, Any]:
        return self.admin_props(conn)

    # --- converters ----------------------------------------------------------------------------
    def _converter_class_and_configs(self, conn: Mapping[str, str], key: str) -> tuple[str, dict[str, Any]]:
        """The connector's converter and its ``<key>.*`` settings, else the worker's (as Java)."""
        source: Mapping[str, Any] = conn if conn.get(key) else self.config.originals
        class_name = str(conn[key]) if conn.get(key) else str(self.config.get(key))
        prefix = key + "."
        return class_name, {k[len(prefix) :]: v for k, v in source.items() if k.startswith(prefix)}

    def _converter(self, conn: Mapping[str, str], key: str, is_key: bool) -> Converter:
        class_name, configs = self._converter_class_and_configs(conn, key)
        conv: Converter = self.plugins.new_instance(class_name, Converter, key)
        configs["converter.type"] = "key" if is_key else "value"
        conv.configure(configs, is_key)
        return conv

    def _header_converter(self, conn: Mapping[str, str]) -> HeaderConverter:
        class_name, configs = self._converter_class_and_configs(conn, "header.converter")
        conv: HeaderConverter = self.plugins.new_instance(class_name, HeaderConverter, "header.converter")
        configs["converter.type"] = "header"
        conv.configure(configs)
        return conv

    # --- stopping ------------------------------------------------------------------------------
    def stop_tasks(self, ids: list[ConnectorTaskId]) -> None:
        for tid in ids:
            t = self.tasks.get(tid)
            if t is not None:
                t.stop()

    def await_stop_tasks(self, ids: list[ConnectorTaskId], timeout_s: float | None = None) -> None:
        if timeout_s is None:
            timeout_s = int(self.config.get("task.shutdown.graceful.timeout.ms")) / 1000
        deadline = time.monotonic() + timeout_s
        for tid in ids:
            t = self.tasks.get(tid)
            if t is None:
                continue
            if not t.await_stop(max(0.0, deadline - time.monotonic())):
                log.error("Graceful stop of task %s failed.", tid)
                t.cancel()
            with self.lock:
                self.tasks.pop(tid, None)

    def stop_and_await_tasks(self, ids: list[ConnectorTaskId], timeout_s: float | None = None) -> None:
        self.stop_tasks(ids)
        self.await_stop_tasks(ids, timeout_s)

    def set_task_target_state(self, name: str, target: TargetState) -> None:
        for tid, t in list(self.tasks.items()):
            if tid.connector == name:
                t.transition_to(target)

    def task_metrics(self, task_id: ConnectorTaskId) -> dict[str, Any] | None:
        """The task's ``metrics()`` if it runs on this worker, else None."""
        worker_task = self.tasks.get(task_id)
        if worker_task is None:
            return None
        task = getattr(worker_task, "task", None)
        return dict(task.metrics()) if task is not None else {}

    def task_ids(self, name: str | None = None) -> list[ConnectorTaskId]:
        return sorted(t for t in self.tasks if name is None or t.connector == name)

    def stop(self) -> None:
        ids = self.task_ids()
        self.stop_and_await_tasks(ids)
        for name in list(self.connectors):
            self.stop_connector(name)


def _version(plugin: Any) -> str | None:
    try:
        version = plugin.version()
    except Exception:
        return None
    return version if isinstance(version, str) else None
