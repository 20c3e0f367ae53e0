"""Config-topic events collected on the log thread for the distributed herder's thread to apply."""

from __future__ import annotations

import logging
import threading

from connectrt.herder.distributed.interfaces import HerderForConfigEvents
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest
from connectrt.storage.kafka_config_state import ConfigUpdateListener
from connectrt.storage.kafka_records import SessionKey

log = logging.getLogger(__name__)


class ConfigEvents(ConfigUpdateListener):
    """Collects config-topic events on the log thread for the herder thread to apply."""

    def __init__(self, herder: HerderForConfigEvents) -> None:
        self.herder = herder
        self.lock = threading.Lock()
        # connector -> config-topic offset just past its latest config record
        self.connector_updates: dict[str, int] = {}
        self.connector_removals: set[str] = set()
        self.task_updates: dict[str, int] = {}  # connector -> offset just past its commit record
        self.target_states: set[str] = set()
        self.restarts: list[RestartRequest] = []
        self.session_key = False
        # Java's needsReconfigRebalance: a config record that calls for a rebalance (a new or
        # removed connector, new task configs) was read and the herder thread has not acted on it.
        self.rebalance_needed = False

    def _wake(self) -> None:
        self.herder.wakeup()

    def on_connector_config_update(self, connector: str) -> None:
        # Called on the log thread right after the record was applied, so the store's offset is
        # the one just past this record.
        offset = self.herder.stored_config_offset()
        with self.lock:
            self.connector_updates[connector] = offset
            if not self.herder.snapshot.contains(connector):
                self.rebalance_needed = True
        self._wake()

    def on_connector_config_remove(self, connector: str) -> None:
        with self.lock:
            self.connector_removals.add(connector)
            if self.herder.snapshot.contains(connector):
                self.rebalance_needed = True
        self._wake()

    def on_task_config_update(self, task_ids: list[ConnectorTaskId]) -> None:
        offset = self.herder.stored_config_offset()
        with self.lock:
            self.task_updates.update((t.connector, offset) for t in task_ids)
            self.rebalance_needed = True
        self._wake()

    def on_connector_target_state_change(self, connector: str) -> None:
        with self.lock:
            self.target_states.add(connector)
        self._wake()

    def on_session_key_update(self, key: SessionKey) -> None:
        with self.lock:
            self.session_key = True
        self._wake()

    def on_restart_request(self, request: RestartRequest) -> None:
        with self.lock:
            self.restarts.append(request)
        self._wake()

    def on_logger_level(self, namespace: str, level: str) -> None:
        from connectrt.runtime.loggers import default_loggers

        try:
            default_loggers().set_level(namespace, level)
        except Exception as e:
            log.warning("Ignoring cluster log level %s for %s: %s", level, namespace, e)

    def drain(
        self,
    ) -> tuple[dict[str, int], set[str], dict[str, int], set[str], list[RestartRequest], bool, bool]:
        with self.lock:
            out = (
                self.connector_updates,
                self.connector_removals,
                self.task_updates,
                self.target_states,
                self.restarts,
                self.rebalance_needed,
                self.session_key,
            )
            self.connector_updates, self.connector_removals, self.task_updates = {}, set(), {}
            self.target_states, self.restarts = set(), []
            self.rebalance_needed = self.session_key = False
            return out
