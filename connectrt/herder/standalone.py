"""StandaloneHerder: one worker, configs in memory, offsets in a local file (Java's StandaloneHerder)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from connectrt.config.worker_config import WorkerConfig
from connectrt.herder.common import ConnectorState, HerderCommon
from connectrt.model.entities import ConnectorOffsets, ConnectorStateInfo, ConnectorTaskId, Created, Message
from connectrt.model.errors import AlreadyExistsException, BadRequestException, NotFoundException
from connectrt.model.states import RestartRequest, TargetState
from connectrt.runtime import offsets_admin
from connectrt.runtime.plugins import Plugins
from connectrt.storage.offsets import OffsetBackingStore
from connectrt.storage.status import MemoryStatusBackingStore, State

log = logging.getLogger(__name__)


class StandaloneHerder(HerderCommon):
    def __init__(
        self,
        config: WorkerConfig,
        plugins: Plugins,
        offset_store: OffsetBackingStore,
        worker_id: str,
        kafka_cluster_id: str | None = None,
    ) -> None:
        super().__init__(
            config, plugins, offset_store, MemoryStatusBackingStore(), worker_id, kafka_cluster_id
        )
        self.lock = asyncio.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = False

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.offset_store.start)
        self._ready = True
        self.stage = "running"

    async def stop(self) -> None:
        self.stage = "stopping"
        async with self.lock:
            await asyncio.to_thread(self.worker.stop)
            await asyncio.to_thread(self.offset_store.stop)

    def is_ready(self) -> bool:
        return self._ready

    async def health_check(self) -> None:
        async with self.lock:
            return None

    # --- connector configs -------------------------------------------------------------------
    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        allow_replace: bool,
        initial_state: TargetState | None = None,
        forward: bool | None = None,
    ) -> Created:
        async with self.lock:
            await self.validate_or_raise(config)
            exists = name in self.states
            if exists and not allow_replace:
                raise AlreadyExistsException(f"Connector {name} already exists")
            if exists:
                await asyncio.to_thread(self._stop_connector_and_tasks, name)
                state = self.states[name]
                state.config = dict(config)
            else:
                state = ConnectorState(name, dict(config), initial_state or TargetState.STARTED)
                self.states[name] = state
            await asyncio.to_thread(self._start_connector, state)
            return Created(not exists, self.info(name))

    async def delete_connector(self, name: str, forward: bool | None = None) -> None:
        async with self.lock:
            self._state(name)
            await asyncio.to_thread(self._stop_connector_and_tasks, name)
            state = self.states.pop(name)
            self._destroy_statuses(name, len(state.task_configs))

    # --- restarts and target states ----------------------------------------------------------
    async def restart_connector(self, name: str, forward: bool | None = None) -> None:
        async with self.lock:
            state = self._state(name, unknown=True)
            await asyncio.to_thread(self._restart_connector_instance, state)

    async def restart_connector_and_tasks(
        self, request: RestartRequest, forward: bool | None = None
    ) -> ConnectorStateInfo:
        async with self.lock:
            state = self._state(request.connector, unknown=True)
            plan = self.build_restart_plan(request)
            await asyncio.to_thread(self._execute_restart_plan, state, request, plan)
            return plan

    async def restart_task(self, task_id: ConnectorTaskId, forward: bool | None = None) -> None:
        async with self.lock:
            state = self._state(task_id.connector, unknown=True)
            if not 0 <= task_id.task < len(state.task_configs):
                raise NotFoundException(f"Unknown task: {task_id}")
            await asyncio.to_thread(self._restart_task, state, task_id)

    async def pause_connector(self, name: str) -> None:
        await self._set_target(name, TargetState.PAUSED)

    async def resume_connector(self, name: str) -> None:
        await self._set_target(name, TargetState.STARTED)

    async def stop_connector(self, name: str, forward: bool | None = None) -> None:
        await self._set_target(name, TargetState.STOPPED)

    async def _set_target(self, name: str, target: TargetState) -> None:
        async with self.lock:
            state = self.states.get(name)
            if state is None:
                raise NotFoundException(f"Unknown connector {name}")
            if state.target is target:
                return
            await asyncio.to_thread(self._apply_target, state, target)

    # --- offsets -----------------------------------------------------------------------------
    async def alter_connector_offsets(
        self, name: str, offsets: list[dict[str, Any]], forward: bool | None = None
    ) -> Message:
        async with self.lock:
            state = self._state(name)
            self._require_stopped(state)
            return await asyncio.to_thread(self.alter_offsets_blocking, state, offsets)

    async def reset_connector_offsets(self, name: str, forward: bool | None = None) -> Message:
        async with self.lock:
            state = self._state(name)
            self._require_stopped(state)
            return await asyncio.to_thread(self.reset_offsets_blocking, state)

    async def connector_offsets(self, name: str) -> ConnectorOffsets:
        state = self._state(name)
        return await asyncio.to_thread(self.offsets_blocking, state)

    def _require_stopped(self, state: ConnectorState) -> None:
        if state.target is not TargetState.STOPPED or state.task_configs:
            raise BadRequestException(offsets_admin.stopped_message(state.name))

    # --- reconfiguration requested by a connector --------------------------------------------
    def request_task_reconfiguration(self, name: str) -> None:
        if self.loop is None:
            return

        async def reconfigure() -> None:
            async with self.lock:
                state = self.states.get(name)
                if state is not None and state.target is TargetState.STARTED:
                    await asyncio.to_thread(self._update_tasks, state)

        asyncio.run_coroutine_threadsafe(reconfigure(), self.loop)

    def _task_status(self, task_id: ConnectorTaskId, status: State, trace: str | None) -> None:
        super()._task_status(task_id, status, trace)
