"""What every herder shares (Java's AbstractHerder): connector state, statuses, validation, plugins,
task (re)configuration, restarts and offsets, on top of a Worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from connectrt import __version__
from connectrt.api.connector import freeze
from connectrt.api.plugin import PluginType
from connectrt.config.configdef import ConfigException, config_key_info
from connectrt.config.providers import ConfigTransformer, redact
from connectrt.config.worker_config import WorkerConfig
from connectrt.herder.base import Herder
from connectrt.herder.stage import StageTracker
from connectrt.herder.task_configs import reverse_transform
from connectrt.herder.validation import connector_type_of, invalid_config_message, validate_connector_config
from connectrt.model.entities import (
    AbstractState,
    ConfigInfos,
    ConnectorInfo,
    ConnectorOffsets,
    ConnectorStateInfo,
    ConnectorTaskId,
    Message,
    PluginInfo,
    TaskInfo,
    TaskState,
)
from connectrt.model.errors import BadRequestException, ForbiddenException, NotFoundException
from connectrt.model.states import RestartRequest, TargetState
from connectrt.runtime import offsets_admin
from connectrt.runtime.connector_config import MAX_CONNECTOR_CONFIG_BYTES, plugin_config_def
from connectrt.runtime.errors import format_trace
from connectrt.runtime.plugins import Plugins
from connectrt.runtime.worker import Worker
from connectrt.storage.offsets import OffsetBackingStore
from connectrt.storage.status import (
    ConnectorStatus,
    State,
    StatusBackingStore,
    TaskStatus,
    TopicStatus,
    now_ms,
)

log = logging.getLogger(__name__)

COMMIT = "undefined"
TASK_CLASS_CONFIG = "task.class"


def too_many_tasks_message(name: str, num_tasks: int, max_tasks: int) -> str:
    """Java's ``TooManyTasksException`` message (KIP-1004)."""
    return (
        f"The connector {name} has generated {num_tasks} tasks, which is greater than {max_tasks}, "
        "the maximum number of tasks it is configured to create. This behaviour should be considered a bug "
        "and is disallowed. If necessary, it can be permitted by reconfiguring the connector with "
        "'tasks.max.enforce' set to false; however, this option will be removed in a future release of "
        "Kafka Connect."
    )


def same_task_configs(
    generated: list[dict[str, str]], stored: list[dict[str, str]], compare_task_class: bool = True
) -> bool:
    """Whether freshly generated task configs equal the stored ones.

    ``task.class`` is compared when the connector's task class has a Java name (``ALIASES``): then
    connectrt writes Java's name, so a cluster taken over from Java sees no change, and configs an
    older connectrt wrote with a Python path are rewritten once, so that Java can take them back.
    Without a Java name the key is left out: a stored name of another runtime is kept rather than
    rewriting (and restarting) every task for no change."""
    if len(generated) != len(stored):
        return False
    if compare_task_class:
        return all(g == s for g, s in zip(generated, stored, strict=True))
    return all(
        {k: v for k, v in g.items() if k != TASK_CLASS_CONFIG}
        == {k: v for k, v in s.items() if k != TASK_CLASS_CONFIG}
        for g, s in zip(generated, stored, strict=True)
    )


@dataclass
class ConnectorState:
    name: str
    config: dict[str, str]
    target: TargetState
    task_configs: list[dict[str, str]] = field(default_factory=list)


class HerderCommon(Herder):
    # The Worker this herder runs connectors and tasks on (unit tests put one without Kafka clients).
    worker_class: type[Worker] = Worker

    def __init__(
        self,
        config: WorkerConfig,
        plugins: Plugins,
        offset_store: OffsetBackingStore,
        status_store: StatusBackingStore,
        worker_id: str,
        kafka_cluster_id: str | None,
    ) -> None:
        self.config = config
        self.plugins = plugins
        self.offset_store = offset_store
        self.status_store = status_store
        self.worker_id = worker_id
        self._cluster_id = kafka_cluster_id
        self.generation = 0
        self.transformer = ConfigTransformer.from_worker_props(config.originals)
        self.states: dict[str, ConnectorState] = {}
        self.stages = StageTracker("awaiting startup")
        self.worker = self.worker_class(
            worker_id,
            config,
            plugins,
            offset_store,
            self._task_status,
            self._connector_status,
            self.request_task_reconfiguration,
            self.transformer,
            self._topic_used if self.topic_tracking_enabled() else None,
        )

    # --- hooks for subclasses ------------------------------------------------------------------
    def request_task_reconfiguration(self, name: str) -> None:
        raise NotImplementedError

    def group_id(self) -> str | None:
        return None

    # --- status listeners (called from task/connector threads) ---------------------------------
    # A trace never shows what a config provider resolved (a failing connector may print its password).
    def _connector_status(self, name: str, state: State, trace: str | None) -> None:
        trace = redact(trace) if trace else trace
        self.status_store.put_connector(
            ConnectorStatus(
                name, state, self.worker_id, self.generation, trace, self.worker.connector_version(name)
            )
        )

    def _task_status(self, task_id: ConnectorTaskId, state: State, trace: str | None) -> None:
        trace = redact(trace) if trace else trace
        self.status_store.put_task(
            TaskStatus(
                task_id, state, self.worker_id, self.generation, trace, self.worker.task_version(task_id)
            )
        )

    def _topic_used(self, topic: str, task: int, connector: str) -> None:
        if self.status_store.get_topic(connector, topic) is None:
            self.status_store.put_topic(TopicStatus(topic, connector, task, now_ms()))

    def _destroy_statuses(self, name: str, task_count: int) -> None:
        self.status_store.put_connector(
            ConnectorStatus(name, State.DESTROYED, self.worker_id, self.generation)
        )
        for t in self.status_store.get_all_tasks(name):
            self.status_store.put_task(TaskStatus(t.id, State.DESTROYED, self.worker_id, self.generation))

    # --- simple reads --------------------------------------------------------------------------
    @property
    def stage(self) -> str:
        latest = self.stages.latest
        return latest.description if latest is not None else ""

    @stage.setter
    def stage(self, value: str) -> None:
        self.stages.record(value)

    def startup_stage(self) -> str:
        """The latest stage's summary (Java's ``Stage.summarize``), "" before any was recorded."""
        return self.stages.summary() or ""

    def kafka_cluster_id(self) -> str | None:
        return self._cluster_id

    # --- connector state: standalone keeps it in memory, distributed reads the config snapshot --
    def _names(self) -> list[str]:
        return list(self.states)

    def _state(self, name: str, unknown: bool = False) -> ConnectorState:
        state = self.states.get(name)
        if state is None:
            raise NotFoundException(
                f"Unknown connector: {name}" if unknown else f"Connector {name} not found"
            )
        return state

    async def connectors(self) -> list[str]:
        return sorted(self._names())

    def info(self, name: str) -> ConnectorInfo:
        state = self._state(name)
        tasks = [ConnectorTaskId(name, i) for i in range(len(state.task_configs))]
        return ConnectorInfo(name, dict(state.config), tasks, connector_type_of(self.plugins, state.config))

    async def connector_info(self, name: str) -> ConnectorInfo:
        return self.info(name)

    async def connector_config(self, name: str) -> dict[str, str]:
        return dict(self._state(name).config)

    def connector_type(self, name: str) -> str:
        try:
            return connector_type_of(self.plugins, self._state(name).config)
        except NotFoundException:
            return "unknown"

    async def patch_connector_config(
        self, name: str, patch: Mapping[str, str | None], forward: bool | None = None
    ) -> ConnectorInfo:
        merged = dict(self._state(name).config)
        for k, v in patch.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        return (await self.put_connector_config(name, merged, True)).result

    def connector_status(self, name: str) -> ConnectorStateInfo:
        status = self.status_store.get_connector(name)
        if status is None:
            raise NotFoundException(f"No status found for connector {name}")
        tasks = [
            TaskState(t.state.value, t.worker_id, t.trace, id=t.id.task, version=t.version)
            for t in self.status_store.get_all_tasks(name)
        ]
        return ConnectorStateInfo(
            name,
            AbstractState(status.state.value, status.worker_id, status.trace, version=status.version),
            tasks,
            self.connector_type(name),
        )

    def task_status(self, task_id: ConnectorTaskId) -> TaskState:
        t = self.status_store.get_task(task_id)
        if t is None:
            raise NotFoundException(f"No status found for task {task_id}")
        return TaskState(t.state.value, t.worker_id, t.trace, id=t.id.task, version=t.version)

    def _local_task_metrics(self, task_id: ConnectorTaskId) -> dict[str, Any] | None:
        """The task's metrics document if it runs on this worker, else None (unknown task: 404)."""
        state = self._state(task_id.connector, unknown=True)
        if not 0 <= task_id.task < len(state.task_configs):
            raise NotFoundException(f"Unknown task: {task_id}")
        metrics = self.worker.task_metrics(task_id)
        if metrics is None:
            return None
        return {"id": task_id.to_json(), "worker_id": self.worker_id, "metrics": metrics}

    async def task_metrics(self, task_id: ConnectorTaskId, forward: bool | None = None) -> dict[str, Any]:
        document = self._local_task_metrics(task_id)
        if document is None:
            raise NotFoundException(f"Task {task_id} is not running")
        return document

    def _raw_task_config(self, state: ConnectorState, cfg: dict[str, str]) -> dict[str, str]:
        """Task configs reported with the raw ``${...}`` placeholders of the connector config."""
        out = dict(cfg)
        for k, v in state.config.items():
            if k in out and isinstance(v, str) and "${" in v:
                out[k] = v
        return out

    async def task_configs(self, name: str) -> list[TaskInfo]:
        state = self._state(name)
        return [
            TaskInfo(ConnectorTaskId(name, i), self._raw_task_config(state, c))
            for i, c in enumerate(state.task_configs)
        ]

    # --- topics --------------------------------------------------------------------------------
    def topic_tracking_enabled(self) -> bool:
        return bool(self.config.get("topic.tracking.enable"))

    def topic_tracking_reset_enabled(self) -> bool:
        return bool(self.config.get("topic.tracking.allow.reset"))

    def connector_active_topics(self, name: str) -> list[str]:
        if not self.topic_tracking_enabled():
            raise ForbiddenException("Topic tracking is disabled.")
        return sorted(t.topic for t in self.status_store.get_all_topics(name))

    def reset_connector_active_topics(self, name: str) -> None:
        if not self.topic_tracking_enabled():
            raise ForbiddenException("Topic tracking is disabled.")
        if not self.topic_tracking_reset_enabled():
            raise ForbiddenException("Topic tracking reset is disabled.")
        for t in self.status_store.get_all_topics(name):
            self.status_store.delete_topic(name, t.topic)

    # --- plugins and validation ----------------------------------------------------------------
    async def validate_connector_config(self, config: Mapping[str, Any]) -> ConfigInfos:
        return await asyncio.to_thread(
            validate_connector_config,
            self.plugins,
            config,
            self.transformer,
            self.group_id(),
            str(self.config.get("connector.client.config.override.policy")),
            None,
            self.config.originals,
        )

    async def validate_or_raise(self, config: Mapping[str, Any]) -> None:
        size = len(orjson.dumps(dict(config)))
        if size > MAX_CONNECTOR_CONFIG_BYTES:  # e.g. a PATCH that grew a config past what is stored
            raise BadRequestException(
                f"The connector configuration is {size} bytes of JSON, more than the {MAX_CONNECTOR_CONFIG_BYTES} "
                "bytes a connector configuration may have; make it smaller."
            )
        infos = await self.validate_connector_config(config)
        if infos.error_count > 0:
            raise BadRequestException(invalid_config_message(infos))

    def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]:
        descs = self.plugins.connectors() if connectors_only else self.plugins.all()
        return [PluginInfo(d.class_name, d.type.value, d.version) for d in descs]

    def connector_plugin_config(self, plugin_name: str) -> list[dict[str, Any]]:
        cls = self.plugins.find(plugin_name)
        if cls is None:
            raise NotFoundException(f"Unknown plugin {plugin_name}.")
        desc = self.plugins.desc(cls)
        if desc.type not in (
            PluginType.SINK,
            PluginType.SOURCE,
            PluginType.CONVERTER,
            PluginType.HEADER_CONVERTER,
            PluginType.TRANSFORMATION,
            PluginType.PREDICATE,
        ):
            raise BadRequestException(
                f"Invalid plugin type {desc.type.value}. Valid types are sink, source, "
                "converter, header_converter, transformation, predicate."
            )
        keys = dict(cls().config().config_keys())
        if desc.type in (PluginType.SINK, PluginType.SOURCE):
            # Java's order: the plugin's own keys, then the framework's it does not define itself.
            for key in plugin_config_def(self.plugins, cls, desc.version).config_keys().values():
                keys.setdefault(key.name, key)
        return [config_key_info(k) for k in keys.values() if not k.internal]

    def server_version(self) -> str:
        return __version__

    # --- worker operations (run on a thread, never on the event loop) --------------------------
    def _start_connector(self, state: ConnectorState) -> None:
        ok = self.worker.start_connector(state.name, state.config, state.target)
        if not ok:
            return
        if state.target is TargetState.STARTED:
            self._update_tasks(state)
        elif state.target is TargetState.PAUSED:
            self._start_tasks(state, TargetState.PAUSED)

    def _update_tasks(self, state: ConnectorState) -> None:
        if not self.worker.is_running(state.name):
            return
        try:
            max_tasks = int(state.config.get("tasks.max", 1))
            configs = reverse_transform(
                state.config, self.worker.connector_task_configs(state.name, max_tasks)
            )
        except Exception as e:
            log.error("[%s] Failed to generate task configs", state.name, exc_info=e)
            self._connector_status(state.name, State.FAILED, format_trace(e))
            return
        enforce = str(state.config.get("tasks.max.enforce", "true")).lower() != "false"
        if enforce and len(configs) > max_tasks:
            msg = too_many_tasks_message(state.name, len(configs), max_tasks)
            self.worker.stop_connector(state.name)
            self._connector_status(state.name, State.FAILED, msg)
            return
        if configs == state.task_configs and self.worker.task_ids(state.name):
            return
        self._stop_tasks(state)
        # Fewer tasks than before: the rest are gone (Java's StandaloneHerder.removeConnectorTasks
        # marks them DESTROYED), so their statuses leave /status.
        for i in range(len(configs), len(state.task_configs)):
            self.status_store.put_task(
                TaskStatus(ConnectorTaskId(state.name, i), State.DESTROYED, self.worker_id, self.generation)
            )
        state.task_configs = configs
        self._start_tasks(state, state.target)

    def _start_tasks(self, state: ConnectorState, target: TargetState) -> None:
        for i, cfg in enumerate(state.task_configs):
            self.worker.start_task(ConnectorTaskId(state.name, i), state.config, cfg, target)

    def _stop_tasks(self, state: ConnectorState) -> None:
        ids = self.worker.task_ids(state.name)
        self.worker.stop_and_await_tasks(ids)
        for tid in ids:
            if tid.task >= len(state.task_configs):
                self.status_store.put_task(TaskStatus(tid, State.DESTROYED, self.worker_id, self.generation))

    def _stop_connector_and_tasks(self, name: str) -> None:
        ids = self.worker.task_ids(name)
        self.worker.stop_and_await_tasks(ids)
        self.worker.stop_connector(name)

    def _apply_target(self, state: ConnectorState, target: TargetState) -> None:
        previous = state.target
        state.target = target
        if target is TargetState.STOPPED:
            ids = self.worker.task_ids(state.name)
            self.worker.stop_and_await_tasks(ids)
            old = len(state.task_configs)
            state.task_configs = []
            for i in range(old):
                self.status_store.put_task(
                    TaskStatus(
                        ConnectorTaskId(state.name, i), State.DESTROYED, self.worker_id, self.generation
                    )
                )
            for t in self.status_store.get_all_tasks(state.name):
                self.status_store.put_task(TaskStatus(t.id, State.DESTROYED, self.worker_id, self.generation))
            if state.name in self.worker.connectors:
                self.worker.set_connector_target_state(state.name, target)
            else:
                self._connector_status(state.name, State.STOPPED, None)
            return
        if state.name not in self.worker.connectors:
            self._start_connector(state)
            return
        self.worker.set_connector_target_state(state.name, target)
        self.worker.set_task_target_state(state.name, target)
        if target is TargetState.STARTED and (previous is not TargetState.STARTED or not state.task_configs):
            self._update_tasks(state)
        elif not self.worker.task_ids(state.name) and state.task_configs:
            self._start_tasks(state, target)

    def _restart_connector_instance(self, state: ConnectorState) -> None:
        self._connector_status(state.name, State.RESTARTING, None)
        self.worker.stop_connector(state.name)
        self._start_connector_only(state)

    def _start_connector_only(self, state: ConnectorState) -> None:
        if (
            self.worker.start_connector(state.name, state.config, state.target)
            and state.target is TargetState.STARTED
        ):
            self._update_tasks(state)

    def _restart_task(self, state: ConnectorState, task_id: ConnectorTaskId) -> None:
        self.worker.stop_and_await_tasks([task_id])
        self._task_status(task_id, State.RESTARTING, None)
        self.worker.start_task(task_id, state.config, state.task_configs[task_id.task], state.target)

    def build_restart_plan(self, request: RestartRequest) -> ConnectorStateInfo:
        current = self.connector_status(request.connector)
        conn = current.connector
        if request.should_restart_connector(conn.state):
            conn = AbstractState(State.RESTARTING.value, conn.worker_id, conn.trace, version=conn.version)
        tasks = [
            TaskState(State.RESTARTING.value, t.worker_id, t.trace, id=t.id, version=t.version)
            if request.should_restart_task(t.state)
            else t
            for t in current.tasks
        ]
        return ConnectorStateInfo(current.name, conn, tasks, current.type)

    def _execute_restart_plan(
        self, state: ConnectorState, request: RestartRequest, plan: ConnectorStateInfo
    ) -> None:
        restart_tasks = [
            ConnectorTaskId(state.name, t.id) for t in plan.tasks if t.state == State.RESTARTING.value
        ]
        self.worker.stop_and_await_tasks(restart_tasks)
        if plan.connector.state == State.RESTARTING.value:
            self._connector_status(state.name, State.RESTARTING, None)
            self.worker.stop_connector(state.name)
            self.worker.start_connector(state.name, state.config, state.target)
        for tid in restart_tasks:
            self._task_status(tid, State.RESTARTING, None)
            if tid.task < len(state.task_configs):
                self.worker.start_task(tid, state.config, state.task_configs[tid.task], state.target)

    # --- offsets -------------------------------------------------------------------------------
    def _is_sink(self, state: ConnectorState) -> bool:
        return connector_type_of(self.plugins, state.config) == "sink"

    def _sink_offsets(self, state: ConnectorState) -> offsets_admin.SinkOffsets:
        conn = self.transformer.transform(state.config)
        return offsets_admin.SinkOffsets(
            self.worker.sink_admin_props(conn),
            self.worker.consumer_group_id(conn, state.name),
            connector=state.name,
        )

    def offsets_blocking(self, state: ConnectorState) -> ConnectorOffsets:
        if self._is_sink(state):
            return self._sink_offsets(state).get()
        store, done = self._source_offsets_store(state)
        try:
            return offsets_admin.source_offsets(store, state.name)
        finally:
            done()

    def _source_offsets_store(self, state: ConnectorState) -> tuple[OffsetBackingStore, Callable[[], None]]:
        """Where a source connector's offsets are read and written by the offsets API, and what to call
        when done with it: the worker's store here; the distributed herder puts a connector's own
        offsets topic (``offsets.storage.topic``) in front of it."""
        return self.offset_store, lambda: None

    def _connector_instance(self, state: ConnectorState) -> Any:
        """A new instance of the connector's class; a class no installed plugin has is a 400, as for create."""
        try:
            return self.plugins.connector_class(str(state.config.get("connector.class")))()
        except ConfigException as e:
            raise BadRequestException(str(e))

    def alter_offsets_blocking(self, state: ConnectorState, entries: list[dict[str, Any]]) -> Message:
        entries = offsets_admin.require_offsets(entries)
        connector: Any = self._connector_instance(state)
        if self._is_sink(state):
            parsed = offsets_admin.parse_sink_offsets(entries)
            for (topic, partition), offset in parsed.items():
                if offset is not None and offset < 0:  # Java answers 500 after the Kafka admin refuses it
                    raise BadRequestException(
                        f"The offset for partition {partition} of topic '{topic}' is {offset}: a sink connector's "
                        "offsets must not be negative"
                    )
            handled = bool(connector.alter_offsets(state.config, parsed))
            self._sink_offsets(state).alter(parsed)
        else:
            for e in entries:
                if e.get("partition") is None:
                    raise BadRequestException("Partition objects cannot be null")
            handled = bool(
                connector.alter_offsets(
                    state.config, {freeze(e["partition"]): e.get("offset") for e in entries}
                )
            )
            store, done = self._source_offsets_store(state)
            try:
                values = offsets_admin.alter_source_offsets(store, state.name, entries)
            finally:
                done()
            log.debug("Altered %d source offsets of %s", len(values), state.name)
        return offsets_admin.success_message(True, handled)

    def reset_offsets_blocking(self, state: ConnectorState) -> Message:
        connector: Any = self._connector_instance(state)
        if self._is_sink(state):
            sink = self._sink_offsets(state)
            current = sink.get()
            parsed = {
                (o.partition["kafka_topic"], o.partition["kafka_partition"]): None for o in current.offsets
            }
            handled = bool(connector.alter_offsets(state.config, parsed))
            sink.reset()
        else:
            store, done = self._source_offsets_store(state)
            try:
                partitions = store.connector_partitions(state.name)
                handled = bool(connector.alter_offsets(state.config, {freeze(p): None for p in partitions}))
                offsets_admin.reset_source_offsets(store, state.name)
            finally:
                done()
        return offsets_admin.success_message(False, handled)
