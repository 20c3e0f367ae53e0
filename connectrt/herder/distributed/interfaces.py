"""What the distributed herder's helpers may use of it, and nothing more.

:class:`~connectrt.herder.distributed.herder.DistributedHerder` implements these protocols; its
helpers import only this module, never the herder, so herder.py, work.py, fencing.py,
config_events.py and leadership.py form no import cycle and no helper reaches a private attribute of the herder.

- :class:`HerderForWork`: for :class:`~.work.WorkManager` (starting, stopping and restarting what
  the group assigns, publishing task configs).
- :class:`HerderForFencing`: for :class:`~.fencing.ZombieFencer` (exactly-once zombie fencing).
- :class:`HerderForConfigEvents`: for :class:`~.config_events.ConfigEvents` (config-topic events
  collected on the log thread).
- :class:`HerderForLeadership`: for :class:`~.leadership.LeaderDuties` (what only the leader does).

Every method runs on the herder thread unless its docstring says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from connectrt.config.providers import ConfigTransformer
from connectrt.config.worker_config import WorkerConfig
from connectrt.herder.common import ConnectorState
from connectrt.herder.distributed.coordinator import GroupMember
from connectrt.herder.distributed.leader_client import LeaderClient
from connectrt.herder.stage import StageTracker
from connectrt.model.entities import ConnectorStateInfo, ConnectorTaskId
from connectrt.runtime.worker import Worker
from connectrt.storage.kafka_config_state import ClusterConfigState
from connectrt.storage.kafka_records import SessionKey
from connectrt.storage.status import State, StatusBackingStore

T = TypeVar("T")


class HerderForConfigEvents(Protocol):
    @property
    def snapshot(self) -> ClusterConfigState:
        """The config snapshot the herder thread acts on (read from the log thread)."""
        ...

    def stored_config_offset(self) -> int:
        """The config store's offset just past the last record it read (called on the log thread)."""
        ...

    def wakeup(self) -> None:
        """Wake the herder thread (any thread)."""
        ...


class _SharedByHelpers(Protocol):
    @property
    def snapshot(self) -> ClusterConfigState: ...

    @property
    def member(self) -> GroupMember: ...

    @property
    def signature_algorithm(self) -> str:
        """``inter.worker.signature.algorithm``: how requests sent to the leader are signed."""
        ...

    @property
    def leader_client(self) -> LeaderClient: ...

    def wakeup(self) -> None: ...


class HerderForWork(_SharedByHelpers, Protocol):
    @property
    def worker(self) -> Worker: ...

    def connector_state(self, name: str) -> ConnectorState:
        """The connector's config, target state and task configs in the snapshot (404 if unknown)."""
        ...

    def connector_status(self, name: str) -> ConnectorStateInfo: ...

    def report_connector_status(self, name: str, state: State, trace: str | None) -> None: ...

    def report_task_status(self, task_id: ConnectorTaskId, state: State, trace: str | None) -> None: ...

    def write_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        """Leader only: publish the connector's task configs to the config topic."""
        ...


class HerderForFencing(_SharedByHelpers, Protocol):
    @property
    def transformer(self) -> ConfigTransformer: ...

    def group_id(self) -> str | None: ...

    def connector_type(self, name: str) -> str: ...

    def sync_timeout_s(self) -> float: ...

    def read_config_to_end(self, timeout_s: float) -> ClusterConfigState:
        """Read the config topic to its end and take the new snapshot; raises when the read fails."""
        ...

    def refresh_snapshot(self) -> None:
        """As :meth:`read_config_to_end`, but a failed read is logged and the snapshot still refreshed."""
        ...

    def record_task_count(self, name: str, count: int) -> None:
        """Leader only: write the ``tasks-fencing-<name>`` record and read it back."""
        ...

    def task_producer_props(
        self, connector_config: Mapping[str, str], task_id: ConnectorTaskId
    ) -> dict[str, Any]:
        """The producer settings the task's transactional producer uses (to fence it)."""
        ...

    def assigned_tasks(self) -> set[ConnectorTaskId]: ...

    def queue_request(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` on the herder thread with the REST requests (any thread)."""
        ...


class LeaderConfigWrites(Protocol):
    """What the leader's duties write to the config topic (``KafkaConfigBackingStore``)."""

    def needs_write_privileges(self) -> bool: ...

    def claim_write_privileges(self) -> None: ...

    def put_session_key(self, key: SessionKey) -> None: ...


class HerderForLeadership(Protocol):
    @property
    def snapshot(self) -> ClusterConfigState: ...

    @property
    def member(self) -> GroupMember: ...

    @property
    def config_store(self) -> LeaderConfigWrites: ...

    @property
    def status_store(self) -> StatusBackingStore: ...

    @property
    def stages(self) -> StageTracker: ...

    @property
    def worker_id(self) -> str: ...

    @property
    def generation(self) -> int: ...

    @property
    def key_ttl_ms(self) -> int:
        """``inter.worker.key.ttl.ms``: how long a session key is used before the leader rotates it."""
        ...

    @property
    def config(self) -> WorkerConfig:
        """The worker config (the leader reads ``inter.worker.key.*`` from it)."""
        ...

    def config_topic(self) -> str: ...

    def refresh_snapshot(self) -> None: ...

    def report_connector_status(self, name: str, state: State, trace: str | None) -> None: ...

    def destroy_connector_statuses(self, name: str) -> None:
        """The connector's and its tasks' statuses become DESTROYED (removed from the status topic)."""
        ...
