"""One class per Connect REST JSON shape (Java's rest/entities), each with ``to_json()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class ConnectorTaskId:
    connector: str
    task: int

    def to_json(self) -> dict[str, Any]:
        return {"connector": self.connector, "task": self.task}

    def __str__(self) -> str:
        return f"{self.connector}-{self.task}"


@dataclass
class ConnectorInfo:
    name: str
    config: dict[str, str]
    tasks: list[ConnectorTaskId]
    type: str  # "source" | "sink" | "unknown"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": dict(self.config),
            "tasks": [t.to_json() for t in self.tasks],
            "type": self.type,
        }


#: The version Java's ``PluginDesc`` gives a plugin that does not say; Java's JSON leaves it out.
UNDEFINED_VERSION = "undefined"


@dataclass
class AbstractState:
    state: str
    worker_id: str
    trace: str | None = None
    #: The connector's or task's version from its status record: shown as Java 4.x does, null
    #: included (a record written while it was not running, or by an older worker).
    version: str | None = field(default=None, kw_only=True)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state, "worker_id": self.worker_id}
        self._tail(out)
        return out

    def _tail(self, out: dict[str, Any]) -> None:
        if self.version != UNDEFINED_VERSION:
            out["version"] = self.version
        if self.trace:
            out["trace"] = self.trace


@dataclass
class TaskState(AbstractState):
    id: int = 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "state": self.state, "worker_id": self.worker_id}
        self._tail(out)
        return out


@dataclass
class ConnectorStateInfo:
    name: str
    connector: AbstractState
    tasks: list[TaskState]
    type: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "connector": self.connector.to_json(),
            "tasks": [t.to_json() for t in sorted(self.tasks, key=lambda t: t.id)],
            "type": self.type,
        }


@dataclass
class TaskInfo:
    id: ConnectorTaskId
    config: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id.to_json(), "config": dict(self.config)}


@dataclass
class ConnectorOffset:
    partition: dict[str, Any]
    offset: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"partition": self.partition, "offset": self.offset}


@dataclass
class ConnectorOffsets:
    offsets: list[ConnectorOffset] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"offsets": [o.to_json() for o in self.offsets]}


@dataclass
class Message:
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message}


@dataclass
class PluginInfo:
    class_name: str
    type: str
    version: str | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"class": self.class_name, "type": self.type}
        if self.version is not None and self.version != UNDEFINED_VERSION:
            out["version"] = self.version
        return out


@dataclass
class ConfigInfos:
    """The body of ``PUT /connector-plugins/{p}/config/validate``."""

    name: str
    error_count: int
    groups: list[str]
    configs: list[dict[str, Any]]  # [{"definition": ConfigKeyInfo|None, "value": ConfigValueInfo|None}]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "error_count": self.error_count,
            "groups": list(self.groups),
            "configs": list(self.configs),
        }


@dataclass
class ServerInfo:
    version: str
    commit: str
    kafka_cluster_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "commit": self.commit, "kafka_cluster_id": self.kafka_cluster_id}


@dataclass
class Created:
    """A PUT/POST result: whether the connector was created, and its info."""

    created: bool
    result: ConnectorInfo
