"""Connector and task statuses (Java's ConnectorStatus/TaskStatus and StatusBackingStore)."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum

from connectrt.model.entities import ConnectorTaskId


class State(str, Enum):
    UNASSIGNED = "UNASSIGNED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    FAILED = "FAILED"
    RESTARTING = "RESTARTING"
    STOPPED = "STOPPED"
    DESTROYED = "DESTROYED"


@dataclass(frozen=True)
class ConnectorStatus:
    connector: str
    state: State
    worker_id: str
    generation: int
    trace: str | None = None
    #: The connector's or task's ``version()`` (Java 4.x writes it; null when it was not running).
    version: str | None = None


@dataclass(frozen=True)
class TaskStatus:
    id: ConnectorTaskId
    state: State
    worker_id: str
    generation: int
    trace: str | None = None
    #: The connector's or task's ``version()`` (Java 4.x writes it; null when it was not running).
    version: str | None = None


@dataclass(frozen=True)
class TopicStatus:
    topic: str
    connector: str
    task: int
    discover_timestamp: int


class StatusBackingStore(ABC):
    @abstractmethod
    def put_connector(self, status: ConnectorStatus) -> None: ...

    @abstractmethod
    def put_connector_safe(self, status: ConnectorStatus) -> None: ...

    @abstractmethod
    def put_task(self, status: TaskStatus) -> None: ...

    @abstractmethod
    def put_task_safe(self, status: TaskStatus) -> None: ...

    @abstractmethod
    def get_connector(self, connector: str) -> ConnectorStatus | None: ...

    @abstractmethod
    def get_task(self, task_id: ConnectorTaskId) -> TaskStatus | None: ...

    @abstractmethod
    def get_all_tasks(self, connector: str) -> list[TaskStatus]: ...

    @abstractmethod
    def connectors(self) -> set[str]: ...

    @abstractmethod
    def put_topic(self, status: TopicStatus) -> None: ...

    @abstractmethod
    def get_topic(self, connector: str, topic: str) -> TopicStatus | None: ...

    @abstractmethod
    def get_all_topics(self, connector: str) -> list[TopicStatus]: ...

    @abstractmethod
    def delete_topic(self, connector: str, topic: str) -> None: ...

    def start(self) -> None:  # noqa: B027 - optional hook
        pass

    def stop(self) -> None:  # noqa: B027 - optional hook
        pass

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Wait until every status put so far is written (Java's ``StatusBackingStore.flush``)."""


class MemoryStatusBackingStore(StatusBackingStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connectors: dict[str, ConnectorStatus] = {}
        self._tasks: dict[str, dict[int, TaskStatus]] = {}
        self._topics: dict[str, dict[str, TopicStatus]] = {}

    def put_connector(self, status: ConnectorStatus) -> None:
        with self._lock:
            if status.state is State.DESTROYED:
                self._connectors.pop(status.connector, None)
            else:
                self._connectors[status.connector] = status

    put_connector_safe = put_connector

    def put_task(self, status: TaskStatus) -> None:
        with self._lock:
            tasks = self._tasks.setdefault(status.id.connector, {})
            if status.state is State.DESTROYED:
                tasks.pop(status.id.task, None)
            else:
                tasks[status.id.task] = status

    put_task_safe = put_task

    def get_connector(self, connector: str) -> ConnectorStatus | None:
        with self._lock:
            return self._connectors.get(connector)

    def get_task(self, task_id: ConnectorTaskId) -> TaskStatus | None:
        with self._lock:
            return self._tasks.get(task_id.connector, {}).get(task_id.task)

    def get_all_tasks(self, connector: str) -> list[TaskStatus]:
        with self._lock:
            return sorted(self._tasks.get(connector, {}).values(), key=lambda t: t.id.task)

    def connectors(self) -> set[str]:
        with self._lock:
            return set(self._connectors)

    def put_topic(self, status: TopicStatus) -> None:
        with self._lock:
            self._topics.setdefault(status.connector, {})[status.topic] = status

    def get_topic(self, connector: str, topic: str) -> TopicStatus | None:
        with self._lock:
            return self._topics.get(connector, {}).get(topic)

    def get_all_topics(self, connector: str) -> list[TopicStatus]:
        with self._lock:
            return list(self._topics.get(connector, {}).values())

    def delete_topic(self, connector: str, topic: str) -> None:
        with self._lock:
            self._topics.get(connector, {}).pop(topic, None)


def now_ms() -> int:
    return int(time.time() * 1000)
