"""ClusterConfigState (an immutable snapshot of the config topic) and the config update listener."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest, TargetState
from connectrt.storage.kafka_records import SessionKey

NO_OFFSET = -1
_EMPTY: Mapping[Any, Any] = MappingProxyType({})


def _empty() -> Mapping[Any, Any]:
    return _EMPTY


Config = Mapping[str, Any]  # str -> str (a value may be None when a writer put null)


@dataclass(frozen=True)
class ClusterConfigState:
    """What the config topic said at ``offset`` (Java's ClusterConfigState), never mutated.

    ``offset`` is the offset of the next record to read (last record read + 1); -1 before any.
    Configs are the raw stored maps: ``${provider:...}`` placeholders are not resolved here.
    ``task_configs`` keeps every committed task config ever applied (as Java does); use
    :meth:`tasks` / :meth:`task_configs_of` for the current set, which is empty for an
    "inconsistent" connector (a commit whose task records were not all present).
    ``restart_requests`` are the requests read since the store started and not yet taken
    (``KafkaConfigBackingStore.take_restart_requests``), the highest-impact one per connector.
    """

    offset: int = NO_OFFSET
    session_key: SessionKey | None = None
    connector_task_counts: Mapping[str, int] = field(default_factory=_empty)
    connector_configs: Mapping[str, Config] = field(default_factory=_empty)
    connector_target_states: Mapping[str, TargetState] = field(default_factory=_empty)
    task_configs: Mapping[ConnectorTaskId, Config] = field(default_factory=_empty)
    connector_task_count_records: Mapping[str, int] = field(default_factory=_empty)
    connector_task_config_generations: Mapping[str, int] = field(default_factory=_empty)
    applied_connector_configs: Mapping[str, Config] = field(default_factory=_empty)
    connectors_pending_fencing: frozenset[str] = frozenset()
    inconsistent_connectors: frozenset[str] = frozenset()
    restart_requests: Mapping[str, RestartRequest] = field(default_factory=_empty)

    def contains(self, connector: str) -> bool:
        return connector in self.connector_configs

    def connectors(self) -> list[str]:
        return list(self.connector_configs)

    def connector_config(self, connector: str) -> Config | None:
        return self.connector_configs.get(connector)

    def applied_connector_config(self, connector: str) -> Config | None:
        """The connector config in force when the current task configs were committed."""
        return self.applied_connector_configs.get(connector)

    def target_state(self, connector: str) -> TargetState | None:
        return self.connector_target_states.get(connector)

    def task_config(self, task: ConnectorTaskId) -> Config | None:
        return self.task_configs.get(task)

    def task_count(self, connector: str) -> int:
        return self.connector_task_counts.get(connector, 0)

    def tasks(self, connector: str) -> list[ConnectorTaskId]:
        """Task ids 0..N-1 of the last commit; empty for an inconsistent or unknown connector."""
        if connector in self.inconsistent_connectors:
            return []
        count = self.connector_task_counts.get(connector)
        if count is None:
            return []
        return [ConnectorTaskId(connector, i) for i in range(count)]

    def task_configs_of(self, connector: str) -> list[Config]:
        """The committed task configs, in task order (empty when inconsistent)."""
        return [self.task_configs.get(t, _EMPTY) for t in self.tasks(connector)]

    def task_count_record(self, connector: str) -> int | None:
        return self.connector_task_count_records.get(connector)

    def task_config_generation(self, connector: str) -> int | None:
        return self.connector_task_config_generations.get(connector)

    def pending_fencing(self, connector: str) -> bool:
        return connector in self.connectors_pending_fencing

    def __repr__(self) -> str:
        return (
            f"ClusterConfigState(offset={self.offset}, session_key={'[hidden]' if self.session_key else None}, "
            f"connector_task_counts={dict(self.connector_task_counts)}, "
            f"connectors={list(self.connector_configs)}, "
            f"inconsistent_connectors={set(self.inconsistent_connectors)})"
        )


EMPTY_STATE = ClusterConfigState()


class ConfigUpdateListener:
    """Called on the config log's consumer thread for records read after the store started.

    Override what you need; every method does nothing by default. Keep them quick: the next
    record is not read until a callback returns.
    """

    def on_connector_config_update(self, connector: str) -> None:
        """A connector config was created or changed."""

    def on_connector_config_remove(self, connector: str) -> None:
        """A connector config was deleted (tombstone)."""

    def on_task_config_update(self, task_ids: list[ConnectorTaskId]) -> None:
        """A commit record applied task configs (an empty list when the commit was inconsistent)."""

    def on_connector_target_state_change(self, connector: str) -> None:
        """The target state of an existing connector changed."""

    def on_session_key_update(self, key: SessionKey) -> None:
        """The leader distributed a new session key."""

    def on_restart_request(self, request: RestartRequest) -> None:
        """A restart request was written."""

    def on_logger_level(self, namespace: str, level: str) -> None:
        """A cluster-wide log level was set (only records written after this worker started)."""
