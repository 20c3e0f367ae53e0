"""An in-memory fake of our own Herder interface, for driving the REST app in unit tests.

It behaves like a small standalone herder with Java's error messages, and lets a test make any
method raise (``fail``), hang until the REST timeout (``hang``), and inspect the calls it got.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from connectrt.herder.base import Herder
from connectrt.model.entities import (
    AbstractState,
    ConfigInfos,
    ConnectorInfo,
    ConnectorOffset,
    ConnectorOffsets,
    ConnectorStateInfo,
    ConnectorTaskId,
    Created,
    Message,
    PluginInfo,
    TaskInfo,
    TaskState,
)
from connectrt.model.errors import AlreadyExistsException, BadRequestException, NotFoundException
from connectrt.model.states import RestartRequest, TargetState

WORKER_ID = "fake-worker:8083"
#: The version the fake connectors and tasks report in their statuses (Java 4.x shows it).
VERSION = "4.2.1"

PLUGINS = [
    PluginInfo("org.apache.kafka.connect.file.FileStreamSinkConnector", "sink", "3.9.0"),
    PluginInfo("org.apache.kafka.connect.file.FileStreamSourceConnector", "source", "3.9.0"),
    PluginInfo("org.apache.kafka.connect.transforms.RegexRouter", "transformation", "undefined"),
    PluginInfo("org.apache.kafka.connect.json.JsonConverter", "converter", "3.9.0"),
]


class FakeHerder(Herder):
    def __init__(self) -> None:
        self.configs: dict[str, dict[str, str]] = {}
        self.target_states: dict[str, TargetState] = {}
        self.offsets: dict[str, list[ConnectorOffset]] = {}
        self.topics: dict[str, list[str]] = {}
        self.ready = True
        self.stage = "The worker is currently ticking, which began at 2024-01-01T00:00:00Z."
        self.cluster_id: str | None = "kafka-cluster-id"
        self.tracking = True
        self.tracking_reset = True
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.failures: dict[str, BaseException] = {}
        self.hanging: set[str] = set()

    # --- test controls ---------------------------------------------------------------------------
    def fail(self, method: str, exc: BaseException) -> None:
        self.failures[method] = exc

    def hang(self, method: str) -> None:
        self.hanging.add(method)

    async def _enter(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.hanging:
            await asyncio.Event().wait()
        if method in self.failures:
            raise self.failures[method]

    def _enter_sync(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.failures:
            raise self.failures[method]

    def called(self, method: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.calls if name == method]

    # --- helpers ---------------------------------------------------------------------------------
    def add_connector(self, name: str, config: Mapping[str, str] | None = None) -> None:
        conf = {"connector.class": "FileStreamSource", "tasks.max": "1", "name": name}
        conf.update(config or {})
        self.configs[name] = conf
        self.target_states[name] = TargetState.STARTED

    def _type(self, name: str) -> str:
        return "sink" if "Sink" in self.configs[name].get("connector.class", "") else "source"

    def _task_ids(self, name: str) -> list[ConnectorTaskId]:
        if self.target_states.get(name) == TargetState.STOPPED:
            return []
        return [ConnectorTaskId(name, i) for i in range(int(self.configs[name].get("tasks.max", "1")))]

    def _info(self, name: str) -> ConnectorInfo:
        return ConnectorInfo(name, dict(self.configs[name]), self._task_ids(name), self._type(name))

    def _require(self, name: str, message: str) -> None:
        if name not in self.configs:
            raise NotFoundException(message)

    def _state(self, name: str) -> str:
        return {TargetState.STARTED: "RUNNING", TargetState.PAUSED: "PAUSED", TargetState.STOPPED: "STOPPED"}[
            self.target_states[name]
        ]

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        self.ready = True

    async def stop(self) -> None:
        self.ready = False

    def is_ready(self) -> bool:
        return self.ready

    async def health_check(self) -> None:
        await self._enter("health_check")

    def startup_stage(self) -> str:
        return self.stage

    def kafka_cluster_id(self) -> str | None:
        return self.cluster_id

    # --- connectors ------------------------------------------------------------------------------
    async def connectors(self) -> list[str]:
        await self._enter("connectors")
        return sorted(self.configs)

    async def connector_info(self, name: str) -> ConnectorInfo:
        await self._enter("connector_info", name)
        self._require(name, f"Connector {name} not found")
        return self._info(name)

    async def connector_config(self, name: str) -> dict[str, str]:
        await self._enter("connector_config", name)
        self._require(name, f"Connector {name} not found")
        return dict(self.configs[name])

    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        allow_replace: bool,
        initial_state: TargetState | None = None,
        forward: bool | None = None,
    ) -> Created:
        await self._enter("put_connector_config", name, dict(config), allow_replace, initial_state, forward)
        if "connector.class" not in config:
            raise BadRequestException(
                "Connector configuration is invalid and contains the following 1 error(s):\n"
                'Missing required configuration "connector.class" which has no default value.\n'
                "You can also find the above list of errors at the endpoint "
                "`/connector-plugins/{connectorType}/config/validate`"
            )
        exists = name in self.configs
        if exists and not allow_replace:
            raise AlreadyExistsException(f"Connector {name} already exists")
        self.configs[name] = dict(config)
        if not exists:
            self.target_states[name] = initial_state or TargetState.STARTED
        return Created(not exists, self._info(name))

    async def patch_connector_config(
        self, name: str, patch: Mapping[str, str | None], forward: bool | None = None
    ) -> ConnectorInfo:
        await self._enter("patch_connector_config", name, dict(patch), forward)
        self._require(name, f"Connector {name} not found")
        for key, value in patch.items():
            if value is None:
                self.configs[name].pop(key, None)
            else:
                self.configs[name][key] = value
        return self._info(name)

    async def delete_connector(self, name: str, forward: bool | None = None) -> None:
        await self._enter("delete_connector", name, forward)
        self._require(name, f"Connector {name} not found")
        del self.configs[name]
        del self.target_states[name]

    def connector_status(self, name: str) -> ConnectorStateInfo:
        self._enter_sync("connector_status", name)
        self._require(name, f"No status found for connector {name}")
        tasks = [TaskState("RUNNING", WORKER_ID, None, t.task, version=VERSION) for t in self._task_ids(name)]
        state = self._state(name)
        if state == "PAUSED":
            tasks = [TaskState("PAUSED", WORKER_ID, None, t.id, version=VERSION) for t in tasks]
        return ConnectorStateInfo(
            name, AbstractState(state, WORKER_ID, version=VERSION), tasks, self._type(name)
        )

    def task_status(self, task_id: ConnectorTaskId) -> TaskState:
        self._enter_sync("task_status", task_id)
        if task_id.connector not in self.configs or task_id not in self._task_ids(task_id.connector):
            raise NotFoundException(f"No status found for task {task_id}")
        return TaskState("RUNNING", WORKER_ID, None, task_id.task, version=VERSION)

    def connector_type(self, name: str) -> str:
        return self._type(name)

    async def task_configs(self, name: str) -> list[TaskInfo]:
        await self._enter("task_configs", name)
        self._require(name, f"Connector {name} not found")
        return [TaskInfo(t, {"task.class": "FileStreamSourceTask"}) for t in self._task_ids(name)]

    # --- restart / target states -----------------------------------------------------------------
    async def restart_connector(self, name: str, forward: bool | None = None) -> None:
        await self._enter("restart_connector", name, forward)
        self._require(name, f"Unknown connector: {name}")

    async def restart_connector_and_tasks(
        self, request: RestartRequest, forward: bool | None = None
    ) -> ConnectorStateInfo:
        await self._enter("restart_connector_and_tasks", request, forward)
        self._require(request.connector, f"Unknown connector: {request.connector}")
        status = self.connector_status(request.connector)
        if request.should_restart_connector(status.connector.state):
            status.connector = AbstractState("RESTARTING", WORKER_ID, version=VERSION)
        status.tasks = [
            TaskState("RESTARTING", t.worker_id, None, t.id, version=VERSION)
            if request.should_restart_task(t.state)
            else t
            for t in status.tasks
        ]
        return status

    async def restart_task(self, task_id: ConnectorTaskId, forward: bool | None = None) -> None:
        await self._enter("restart_task", task_id, forward)
        self._require(task_id.connector, f"Unknown connector: {task_id.connector}")
        if task_id not in self._task_ids(task_id.connector):
            raise NotFoundException(f"Unknown task: {task_id}")

    async def pause_connector(self, name: str) -> None:
        await self._enter("pause_connector", name)
        self._require(name, f"Unknown connector {name}")
        self.target_states[name] = TargetState.PAUSED

    async def resume_connector(self, name: str) -> None:
        await self._enter("resume_connector", name)
        self._require(name, f"Unknown connector {name}")
        self.target_states[name] = TargetState.STARTED

    async def stop_connector(self, name: str, forward: bool | None = None) -> None:
        await self._enter("stop_connector", name, forward)
        self._require(name, f"Unknown connector {name}")
        self.target_states[name] = TargetState.STOPPED

    # --- offsets ---------------------------------------------------------------------------------
    async def connector_offsets(self, name: str) -> ConnectorOffsets:
        await self._enter("connector_offsets", name)
        self._require(name, f"Connector {name} not found")
        return ConnectorOffsets(list(self.offsets.get(name, [])))

    def _require_stopped(self, name: str) -> None:
        if self.target_states[name] != TargetState.STOPPED:
            raise BadRequestException(
                "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
                f"for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
            )

    async def alter_connector_offsets(
        self, name: str, offsets: list[dict[str, Any]], forward: bool | None = None
    ) -> Message:
        await self._enter("alter_connector_offsets", name, offsets, forward)
        self._require(name, f"Connector {name} not found")
        self._require_stopped(name)
        self.offsets[name] = [ConnectorOffset(o["partition"], o["offset"]) for o in offsets]
        return Message(
            "The Connect framework-managed offsets for this connector have been altered successfully. However, if "
            "this connector manages offsets externally, they will need to be manually altered in the system that "
            "the connector uses."
        )

    async def reset_connector_offsets(self, name: str, forward: bool | None = None) -> Message:
        await self._enter("reset_connector_offsets", name, forward)
        self._require(name, f"Connector {name} not found")
        self._require_stopped(name)
        self.offsets.pop(name, None)
        return Message("The offsets for this connector have been reset successfully")

    # --- topics ----------------------------------------------------------------------------------
    def connector_active_topics(self, name: str) -> list[str]:
        self._enter_sync("connector_active_topics", name)
        return list(self.topics.get(name, []))

    def reset_connector_active_topics(self, name: str) -> None:
        self._enter_sync("reset_connector_active_topics", name)
        self.topics.pop(name, None)

    def topic_tracking_enabled(self) -> bool:
        return self.tracking

    def topic_tracking_reset_enabled(self) -> bool:
        return self.tracking_reset

    # --- plugins / validation --------------------------------------------------------------------
    async def validate_connector_config(self, config: Mapping[str, Any]) -> ConfigInfos:
        await self._enter("validate_connector_config", dict(config))
        connector_class = config.get("connector.class")
        if connector_class is None:
            shown = ", ".join(f"{k}={v}" for k, v in config.items())
            raise BadRequestException(f"Connector config {{{shown}}} contains no connector type")
        return ConfigInfos(str(connector_class), 0, ["Common"], [])

    def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]:
        self._enter_sync("connector_plugins", connectors_only)
        if connectors_only:
            return [p for p in PLUGINS if p.type in ("sink", "source")]
        return list(PLUGINS)

    def connector_plugin_config(self, plugin_name: str) -> list[dict[str, Any]]:
        self._enter_sync("connector_plugin_config", plugin_name)
        if not any(p.class_name.endswith(plugin_name) for p in PLUGINS):
            raise NotFoundException(f"Unknown plugin {plugin_name}.")
        return [
            {
                "name": "file",
                "type": "STRING",
                "required": False,
                "default_value": None,
                "importance": "HIGH",
                "documentation": "Source filename.",
                "group": None,
                "order_in_group": -1,
                "width": "NONE",
                "display_name": "file",
                "dependents": [],
            }
        ]

    # --- internal --------------------------------------------------------------------------------
    async def put_task_configs(
        self, name: str, configs: list[dict[str, str]], signature: Mapping[str, str] | None
    ) -> None:
        await self._enter("put_task_configs", name, configs, signature)

    async def fence_zombies(self, name: str, signature: Mapping[str, str] | None) -> None:
        await self._enter("fence_zombies", name, signature)

    async def set_cluster_logger_level(self, namespace: str, level: str) -> None:
        await self._enter("set_cluster_logger_level", namespace, level)
