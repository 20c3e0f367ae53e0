"""WorkerConnector: one running Connector instance and its state (Java's WorkerConnector)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from connectrt.api.connector import (
    Connector,
    OffsetStorageReader,
    SinkConnector,
    SinkConnectorContext,
    SourceConnectorContext,
)
from connectrt.model.states import TargetState
from connectrt.runtime.errors import format_trace
from connectrt.storage.status import State

log = logging.getLogger(__name__)

ConnectorStatusListener = Callable[[str, State, str | None], None]


class _Context(SourceConnectorContext, SinkConnectorContext):
    def __init__(self, owner: WorkerConnector, reader: OffsetStorageReader | None) -> None:
        self.owner = owner
        self._reader = reader

    def request_task_reconfiguration(self) -> None:
        self.owner.on_reconfigure_request(self.owner.name)

    def raise_error(self, error: BaseException) -> None:
        self.owner.fail(error)

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        if self._reader is None:
            raise RuntimeError("Sink connectors have no offset storage reader")
        return self._reader


class WorkerConnector:
    def __init__(
        self,
        name: str,
        connector: Connector,
        props: Mapping[str, str],
        listener: ConnectorStatusListener,
        on_reconfigure_request: Callable[[str], None],
        offset_reader: OffsetStorageReader | None,
    ) -> None:
        self.name = name
        self.connector = connector
        self.props = dict(props)
        self.listener = listener
        self.on_reconfigure_request = on_reconfigure_request
        self.context = _Context(self, offset_reader)
        self.state = TargetState.STOPPED
        self.started = False
        self.failed = False
        self.lock = threading.RLock()
        self.initialized = False

    @property
    def is_sink(self) -> bool:
        return isinstance(self.connector, SinkConnector)

    def initialize(self) -> bool:
        try:
            self.connector.initialize(self.context)
            self.initialized = True
            return True
        except Exception as e:
            self.fail(e)
            return False

    def transition_to(self, target: TargetState) -> None:
        """Start, pause or stop the connector instance; failures mark it FAILED."""
        with self.lock:
            if self.failed and target is not TargetState.STOPPED:
                return
            if target is TargetState.STARTED:
                if not self.started:
                    try:
                        self.connector.start(self.props)
                        self.started = True
                    except Exception as e:
                        self.fail(e)
                        return
                self.state = target
                self.listener(self.name, State.RUNNING, None)
            elif target is TargetState.PAUSED:
                # Pausing stops the Connector instance (its tasks pause); resume starts it again.
                self._stop_instance()
                self.state = target
                self.listener(self.name, State.PAUSED, None)
            else:
                self._stop_instance()
                self.state = target
                self.failed = False
                self.listener(self.name, State.STOPPED, None)

    def _stop_instance(self) -> None:
        if self.started:
            self.started = False
            try:
                self.connector.stop()
            except Exception as e:
                log.error("[%s] Error while stopping connector: %s", self.name, e)

    def shutdown(self) -> None:
        with self.lock:
            self._stop_instance()
            self.listener(self.name, State.UNASSIGNED, None)

    def fail(self, error: BaseException) -> None:
        log.error("[%s] Connector failed", self.name, exc_info=error)
        with self.lock:
            self.failed = True
            self._stop_instance()
        self.listener(self.name, State.FAILED, format_trace(error))

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        with self.lock:
            return [dict(c) for c in self.connector.task_configs(max_tasks)]
