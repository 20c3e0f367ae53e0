"""The assignors' data: the config snapshot view, connector/task sets, per-worker loads, a
round's cluster assignment, the leader's state and the leader's result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from connectrt.herder.distributed.protocol import ConnectAssignment, WorkerState, encode_assignment
from connectrt.model.entities import ConnectorTaskId


@dataclass(frozen=True)
class ConfigView:
    """What the assignor needs from the leader's config snapshot: its offset (last record read +
    1) and, per configured connector, how many tasks it has (0 for a connector without committed
    task configs, a stopped one, or one whose task configs are inconsistent)."""

    offset: int
    task_counts: Mapping[str, int] = field(default_factory=dict)

    def connectors(self) -> list[str]:
        return sorted(self.task_counts)

    def tasks(self, connector: str) -> list[ConnectorTaskId]:
        return [ConnectorTaskId(connector, i) for i in range(self.task_counts.get(connector, 0))]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_tasks(items: Iterable[ConnectorTaskId]) -> list[ConnectorTaskId]:
    return list(dict.fromkeys(items))


@dataclass
class ConnectorsAndTasks:
    """An ordered set of connectors and of tasks (Java's ``ConnectorsAndTasks``)."""

    connectors: list[str] = field(default_factory=list)
    tasks: list[ConnectorTaskId] = field(default_factory=list)

    @staticmethod
    def of(connectors: Iterable[str], tasks: Iterable[ConnectorTaskId]) -> ConnectorsAndTasks:
        return ConnectorsAndTasks(_unique(connectors), _unique_tasks(tasks))

    def add_all(self, other: ConnectorsAndTasks) -> None:
        self.connectors = _unique([*self.connectors, *other.connectors])
        self.tasks = _unique_tasks([*self.tasks, *other.tasks])

    def is_empty(self) -> bool:
        return not self.connectors and not self.tasks

    def copy(self) -> ConnectorsAndTasks:
        return ConnectorsAndTasks(list(self.connectors), list(self.tasks))


@dataclass
class WorkerLoad:
    """A worker and the connectors/tasks it will run (mutable while assigning)."""

    worker: str
    connectors: list[str] = field(default_factory=list)
    tasks: list[ConnectorTaskId] = field(default_factory=list)

    def assign_connector(self, connector: str) -> None:
        if connector not in self.connectors:
            self.connectors.append(connector)

    def assign_task(self, task: ConnectorTaskId) -> None:
        if task not in self.tasks:
            self.tasks.append(task)

    def is_empty(self) -> bool:
        return not self.connectors and not self.tasks


@dataclass(frozen=True)
class ClusterAssignment:
    """Per worker: what is newly assigned, newly revoked, and everything it runs afterwards."""

    newly_assigned_connectors: dict[str, list[str]] = field(default_factory=dict)
    newly_assigned_tasks: dict[str, list[ConnectorTaskId]] = field(default_factory=dict)
    newly_revoked_connectors: dict[str, list[str]] = field(default_factory=dict)
    newly_revoked_tasks: dict[str, list[ConnectorTaskId]] = field(default_factory=dict)
    all_assigned_connectors: dict[str, list[str]] = field(default_factory=dict)
    all_assigned_tasks: dict[str, list[ConnectorTaskId]] = field(default_factory=dict)

    @property
    def all_workers(self) -> set[str]:
        workers: set[str] = set()
        for m in (
            self.newly_assigned_connectors,
            self.newly_assigned_tasks,
            self.newly_revoked_connectors,
            self.newly_revoked_tasks,
            self.all_assigned_connectors,
            self.all_assigned_tasks,
        ):
            workers.update(m)
        return workers


@dataclass(frozen=True)
class LeaderState:
    """The leader's view after an assignment: who runs what, and each member's URL."""

    members: Mapping[str, WorkerState]
    connector_owners: Mapping[str, str]
    task_owners: Mapping[ConnectorTaskId, str]

    @staticmethod
    def build(
        members: Mapping[str, WorkerState],
        connectors: Mapping[str, Sequence[str]],
        tasks: Mapping[str, Sequence[ConnectorTaskId]],
    ) -> LeaderState:
        return LeaderState(
            members=dict(members),
            connector_owners={c: w for w, cs in connectors.items() for c in cs},
            task_owners={t: w for w, ts in tasks.items() for t in ts},
        )

    def owner_url(self, target: str | ConnectorTaskId) -> str | None:
        """The REST URL of the member running a connector (by name) or a task, if any."""
        if isinstance(target, ConnectorTaskId):
            owner = self.task_owners.get(target)
        else:
            owner = self.connector_owners.get(target)
        if owner is None or owner not in self.members:
            return None
        return self.members[owner].url


@dataclass(frozen=True)
class AssignmentResult:
    """The leader's output: one assignment per member, the protocol version to encode them with,
    the leader state (None on CONFIG_MISMATCH) and the snapshot that was used."""

    assignments: dict[str, ConnectAssignment]
    version: int
    leader_state: LeaderState | None
    snapshot: ConfigView

    def encode(self) -> dict[str, bytes]:
        return {m: encode_assignment(a, self.version) for m, a in self.assignments.items()}
