"""The Herder interface: what the REST API asks of a worker (Java's Herder).

Both StandaloneHerder and DistributedHerder implement it. Methods that change state are
coroutines; they raise the exceptions of :mod:`connectrt.model.errors` (NotFoundException,
BadRequestException, AlreadyExistsException, NotLeaderException, ...) which the REST layer
turns into Connect's error JSON.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from connectrt.model.entities import (
    ConfigInfos,
    ConnectorInfo,
    ConnectorOffsets,
    ConnectorStateInfo,
    ConnectorTaskId,
    Created,
    Message,
    PluginInfo,
    TaskInfo,
    TaskState,
)
from connectrt.model.errors import NotFoundException
from connectrt.model.states import RestartRequest, TargetState
from connectrt.runtime.loggers import default_loggers


class Herder(ABC):
    """The control plane of one worker."""

    # --- lifecycle ---------------------------------------------------------------------------
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    def is_ready(self) -> bool:
        """True once startup finished (internal topics read, plugins loaded)."""

    @abstractmethod
    async def health_check(self) -> None:
        """Return when the herder's request loop is responsive; raise when it is not."""

    @abstractmethod
    def startup_stage(self) -> str:
        """The human-readable stage text used in health/timeout messages."""

    @abstractmethod
    def kafka_cluster_id(self) -> str | None: ...

    # --- connectors --------------------------------------------------------------------------
    @abstractmethod
    async def connectors(self) -> list[str]: ...

    @abstractmethod
    async def connector_info(self, name: str) -> ConnectorInfo: ...

    @abstractmethod
    async def connector_config(self, name: str) -> dict[str, str]: ...

    @abstractmethod
    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        allow_replace: bool,
        initial_state: TargetState | None = None,
        forward: bool | None = None,
    ) -> Created: ...

    @abstractmethod
    async def patch_connector_config(
        self, name: str, patch: Mapping[str, str | None], forward: bool | None = None
    ) -> ConnectorInfo: ...

    @abstractmethod
    async def delete_connector(self, name: str, forward: bool | None = None) -> None: ...

    @abstractmethod
    def connector_status(self, name: str) -> ConnectorStateInfo: ...

    @abstractmethod
    def task_status(self, task_id: ConnectorTaskId) -> TaskState: ...

    @abstractmethod
    def connector_type(self, name: str) -> str: ...

    @abstractmethod
    async def task_configs(self, name: str) -> list[TaskInfo]: ...

    # --- restart / target states -------------------------------------------------------------
    @abstractmethod
    async def restart_connector(self, name: str, forward: bool | None = None) -> None: ...

    @abstractmethod
    async def restart_connector_and_tasks(
        self, request: RestartRequest, forward: bool | None = None
    ) -> ConnectorStateInfo: ...

    @abstractmethod
    async def restart_task(self, task_id: ConnectorTaskId, forward: bool | None = None) -> None: ...

    @abstractmethod
    async def pause_connector(self, name: str) -> None: ...

    @abstractmethod
    async def resume_connector(self, name: str) -> None: ...

    @abstractmethod
    async def stop_connector(self, name: str, forward: bool | None = None) -> None: ...

    # --- offsets -----------------------------------------------------------------------------
    @abstractmethod
    async def connector_offsets(self, name: str) -> ConnectorOffsets: ...

    @abstractmethod
    async def alter_connector_offsets(
        self, name: str, offsets: list[dict[str, Any]], forward: bool | None = None
    ) -> Message: ...

    @abstractmethod
    async def reset_connector_offsets(self, name: str, forward: bool | None = None) -> Message: ...

    # --- topics ------------------------------------------------------------------------------
    @abstractmethod
    def connector_active_topics(self, name: str) -> list[str]: ...

    @abstractmethod
    def reset_connector_active_topics(self, name: str) -> None: ...

    @abstractmethod
    def topic_tracking_enabled(self) -> bool: ...

    @abstractmethod
    def topic_tracking_reset_enabled(self) -> bool: ...

    # --- plugins / validation ----------------------------------------------------------------
    @abstractmethod
    async def validate_connector_config(self, config: Mapping[str, Any]) -> ConfigInfos: ...

    @abstractmethod
    def connector_plugins(self, connectors_only: bool) -> list[PluginInfo]: ...

    @abstractmethod
    def connector_plugin_config(self, plugin_name: str) -> list[dict[str, Any]]:
        """ConfigKeyInfo JSON list; NotFoundException "Unknown plugin p." / BadRequestException."""

    # --- task metrics (a connectrt extension) ------------------------------------------------
    async def task_metrics(self, task_id: ConnectorTaskId, forward: bool | None = None) -> dict[str, Any]:
        """``{"id", "worker_id", "metrics"}`` of a task: its ``Task.metrics()`` read on the worker that
        runs it (a distributed herder answers that another worker must serve the request)."""
        raise NotFoundException(f"Task {task_id} is not running")

    # --- internal (distributed) --------------------------------------------------------------
    async def put_task_configs(
        self, name: str, configs: list[dict[str, str]], signature: Mapping[str, str] | None
    ) -> None:
        raise NotFoundException("HTTP 404 Not Found")

    async def fence_zombies(self, name: str, signature: Mapping[str, str] | None) -> None:
        raise NotFoundException("HTTP 404 Not Found")

    # --- cluster-scope logging ---------------------------------------------------------------
    async def set_cluster_logger_level(self, namespace: str, level: str) -> None:
        """Standalone: same as worker scope (this default). Distributed: write a ``logger-cluster-*`` record."""
        default_loggers().set_level(namespace, level)
