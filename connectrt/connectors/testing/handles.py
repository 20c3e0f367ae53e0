"""Process-wide handles on test connectors and tasks (Kafka's RuntimeHandles, ConnectorHandle,
TaskHandle, StartAndStopCounter and StartAndStopLatch), plus a JSON-lines event log.

In-process tests look a connector up by name and assert on what its instances did::

    handle = RuntimeHandles.get().connector_handle("my-source")
    latch = handle.expected_starts(1)          # connector and every known task start once more
    ... restart the connector through the REST API ...
    assert latch.wait(30)
    assert handle.task_handle("my-source-1").starts == 2

Tests that run workers in separate processes give the connector an ``events.file`` config instead;
every start and stop is then appended to that file as one JSON line (see :func:`write_event`,
:func:`read_events`, :func:`count_events`), which is safe with many writer processes.

Everything here is thread-safe; counting costs one lock acquisition per call (per batch, not per
record, where the caller can batch).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import orjson

from connectrt.api.records import SinkRecord

TopicPartition = tuple[str, int]


class CountDownLatch:
    """Java's CountDownLatch: ``wait`` returns once ``count_down`` has been called ``count`` times."""

    def __init__(self, count: int) -> None:
        self._count = max(count, 0)
        self._cond = threading.Condition()

    def count_down(self, n: int = 1) -> None:
        with self._cond:
            if self._count > 0:
                self._count = max(self._count - n, 0)
                if self._count == 0:
                    self._cond.notify_all()

    @property
    def count(self) -> int:
        with self._cond:
            return self._count

    def wait(self, timeout_s: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._count == 0, timeout_s)


class StartAndStopLatch:
    """Waits for a number of starts and stops to be recorded, then for its dependents."""

    def __init__(
        self,
        expected_starts: int,
        expected_stops: int,
        upon_completion: Callable[[StartAndStopLatch], None] | None = None,
        dependents: Sequence[StartAndStopLatch] | None = None,
    ) -> None:
        self._starts = CountDownLatch(expected_starts)
        self._stops = CountDownLatch(expected_stops)
        self._dependents = list(dependents or ())
        self._upon_completion = upon_completion

    def record_start(self) -> None:
        self._starts.count_down()

    def record_stop(self) -> None:
        self._stops.count_down()

    def wait(self, timeout_s: float) -> bool:
        """True if all expected starts and stops (and every dependent's) happened in time."""
        end = time.monotonic() + timeout_s
        if not self._starts.wait(max(end - time.monotonic(), 0)):
            return False
        if not self._stops.wait(max(end - time.monotonic(), 0)):
            return False
        for dependent in self._dependents:
            if not dependent.wait(max(end - time.monotonic(), 0)):
                return False
        if self._upon_completion is not None:
            self._upon_completion(self)
        return True


class StartsAndStops(NamedTuple):
    starts: int
    stops: int


class StartAndStopCounter:
    """Counts starts and stops, and hands out latches for expected future ones."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._starts = 0
        self._stops = 0
        self._latches: list[StartAndStopLatch] = []

    def record_start(self) -> None:
        with self._lock:
            self._starts += 1
            latches = list(self._latches)
            self._lock.notify_all()
        for latch in latches:
            latch.record_start()

    def record_stop(self) -> None:
        with self._lock:
            self._stops += 1
            latches = list(self._latches)
            self._lock.notify_all()
        for latch in latches:
            latch.record_stop()

    @property
    def starts(self) -> int:
        with self._lock:
            return self._starts

    @property
    def stops(self) -> int:
        with self._lock:
            return self._stops

    def counts_snapshot(self) -> StartsAndStops:
        with self._lock:
            return StartsAndStops(self._starts, self._stops)

    def expected_restarts(
        self,
        expected_starts: int,
        expected_stops: int | None = None,
        dependents: Sequence[StartAndStopLatch] | None = None,
    ) -> StartAndStopLatch:
        """A latch for ``expected_starts`` more starts and ``expected_stops`` (default: as many) stops."""
        stops = expected_starts if expected_stops is None else expected_stops
        latch = StartAndStopLatch(expected_starts, stops, self._remove, dependents)
        with self._lock:
            self._latches.append(latch)
        return latch

    def expected_starts(
        self, n: int, dependents: Sequence[StartAndStopLatch] | None = None
    ) -> StartAndStopLatch:
        return self.expected_restarts(n, 0, dependents)

    def expected_stops(
        self, n: int, dependents: Sequence[StartAndStopLatch] | None = None
    ) -> StartAndStopLatch:
        return self.expected_restarts(0, n, dependents)

    def wait_for(self, starts: int | None = None, stops: int | None = None, timeout_s: float = 30.0) -> bool:
        """Wait until the totals reach at least ``starts`` and ``stops``."""
        with self._lock:
            return self._lock.wait_for(
                lambda: (
                    (starts is None or self._starts >= starts) and (stops is None or self._stops >= stops)
                ),
                timeout_s,
            )

    def _remove(self, latch: StartAndStopLatch) -> None:
        with self._lock:
            if latch in self._latches:
                self._latches.remove(latch)


class _PartitionHistory:
    __slots__ = ("assigned", "times_assigned", "times_committed", "times_revoked")

    def __init__(self) -> None:
        self.assigned = False
        self.times_assigned = 0
        self.times_revoked = 0
        self.times_committed = 0


class _Counted:
    """Record and commit counting shared by connector and task handles."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records = 0
        self._commits = 0
        self._expected_records = -1
        self._expected_commits = -1
        self._records_latch: CountDownLatch | None = None
        self._commits_latch: CountDownLatch | None = None
        self.counter = StartAndStopCounter()

    @property
    def records(self) -> int:
        """Records produced (source) or received (sink) so far, over every instance."""
        return self._records

    @property
    def commits(self) -> int:
        """Records committed so far (source: acknowledged; sink: passed through pre_commit)."""
        return self._commits

    @property
    def starts(self) -> int:
        return self.counter.starts

    @property
    def stops(self) -> int:
        return self.counter.stops

    def _count_records(self, n: int) -> None:
        with self._lock:
            self._records += n
            latch = self._records_latch
        if latch is not None:
            latch.count_down(n)

    def _count_commits(self, n: int) -> None:
        with self._lock:
            self._commits += n
            latch = self._commits_latch
        if latch is not None:
            latch.count_down(n)

    def expected_records(self, expected: int) -> None:
        with self._lock:
            self._expected_records = expected
            self._records_latch = CountDownLatch(expected)

    def expected_commits(self, expected: int) -> None:
        with self._lock:
            self._expected_commits = expected
            self._commits_latch = CountDownLatch(expected)

    def _await(self, latch: CountDownLatch | None, expected: int, what: str, timeout_s: float) -> None:
        if latch is None or expected < 0:
            raise RuntimeError(f"expected_{what}() was not set for {self}")
        if not latch.wait(timeout_s):
            raise TimeoutError(
                f"Insufficient records {'seen' if what == 'records' else 'committed'} by {self} in "
                f"{int(timeout_s * 1000)} millis. Records expected={expected}, actual={expected - latch.count}"
            )

    def await_records(self, timeout_s: float) -> None:
        self._await(self._records_latch, self._expected_records, "records", timeout_s)

    def await_commits(self, timeout_s: float) -> None:
        self._await(self._commits_latch, self._expected_commits, "commits", timeout_s)


class TaskHandle(_Counted):
    """What the instances of one task id did: starts, stops, records, commits, partitions."""

    def __init__(
        self, connector: ConnectorHandle, task_id: str, consumer: Callable[[SinkRecord], None] | None = None
    ) -> None:
        super().__init__()
        self.connector = connector
        self.task_id = task_id
        self.consumer = consumer
        self._partitions: dict[TopicPartition, _PartitionHistory] = {}

    def __repr__(self) -> str:
        return f"task {self.task_id}"

    # records and commits --------------------------------------------------------------------
    def record(self, count: int = 1) -> None:
        self._count_records(count)
        self.connector._count_records(count)

    def record_sink_records(self, records: Sequence[SinkRecord]) -> None:
        if self.consumer is not None:
            for r in records:
                self.consumer(r)
        self.record(len(records))

    def commit(self, count: int = 1) -> None:
        self._count_commits(count)
        self.connector._count_commits(count)

    # lifecycle ------------------------------------------------------------------------------
    def record_task_start(self) -> None:
        self.counter.record_start()

    def expected_starts(self, n: int) -> StartAndStopLatch:
        return self.counter.expected_starts(n)

    def expected_stops(self, n: int) -> StartAndStopLatch:
        return self.counter.expected_stops(n)

    # sink partitions ------------------------------------------------------------------------
    def _history(self, tp: TopicPartition) -> _PartitionHistory:
        h = self._partitions.get(tp)
        if h is None:
            h = self._partitions[tp] = _PartitionHistory()
        return h

    def partitions_assigned(self, partitions: Iterable[TopicPartition]) -> None:
        with self._lock:
            for tp in partitions:
                h = self._history(tp)
                h.times_assigned += 1
                h.assigned = True

    def partitions_revoked(self, partitions: Iterable[TopicPartition]) -> None:
        with self._lock:
            for tp in partitions:
                h = self._history(tp)
                h.times_revoked += 1
                h.assigned = False

    def partitions_committed(self, partitions: Iterable[TopicPartition]) -> None:
        with self._lock:
            for tp in partitions:
                self._history(tp).times_committed += 1

    def assignment(self) -> set[TopicPartition]:
        with self._lock:
            return {tp for tp, h in self._partitions.items() if h.assigned}

    def num_partitions_assigned(self) -> int:
        return len(self.assignment())

    def times_assigned(self, tp: TopicPartition) -> int:
        with self._lock:
            return self._history(tp).times_assigned

    def times_revoked(self, tp: TopicPartition) -> int:
        with self._lock:
            return self._history(tp).times_revoked

    def times_committed(self, tp: TopicPartition) -> int:
        with self._lock:
            return self._history(tp).times_committed


class ConnectorHandle(_Counted):
    """What the instances of one connector (and, summed, its tasks) did."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self._tasks: dict[str, TaskHandle] = {}

    def __repr__(self) -> str:
        return f"connector {self.name}"

    def task_handle(self, task_id: str, consumer: Callable[[SinkRecord], None] | None = None) -> TaskHandle:
        with self._lock:
            handle = self._tasks.get(task_id)
            if handle is None:
                handle = self._tasks[task_id] = TaskHandle(self, task_id, consumer)
            return handle

    def tasks(self) -> list[TaskHandle]:
        with self._lock:
            return list(self._tasks.values())

    def task_ids(self) -> list[str]:
        with self._lock:
            return list(self._tasks)

    def clear_tasks(self) -> None:
        with self._lock:
            self._tasks.clear()

    def record(self, count: int = 1) -> None:
        self._count_records(count)

    def commit(self, count: int = 1) -> None:
        self._count_commits(count)

    def record_connector_start(self) -> None:
        self.counter.record_start()

    def expected_starts(
        self, n: int, include_tasks: bool = True, task_starts: Mapping[str, int] | None = None
    ) -> StartAndStopLatch:
        """A latch for ``n`` more connector starts and, with ``include_tasks``, as many starts of
        every task known now (or ``task_starts[task_id]`` each)."""
        latches = (
            [
                t.expected_starts(task_starts.get(t.task_id, 0) if task_starts is not None else n)
                for t in self.tasks()
            ]
            if include_tasks
            else []
        )
        return self.counter.expected_starts(n, latches)

    def expected_stops(
        self, n: int, include_tasks: bool = True, task_stops: Mapping[str, int] | None = None
    ) -> StartAndStopLatch:
        latches = (
            [
                t.expected_stops(task_stops.get(t.task_id, 0) if task_stops is not None else n)
                for t in self.tasks()
            ]
            if include_tasks
            else []
        )
        return self.counter.expected_stops(n, latches)


class RuntimeHandles:
    """The process-wide registry of connector handles, keyed by connector name."""

    _instance: ClassVar[RuntimeHandles | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connectors: dict[str, ConnectorHandle] = {}

    @classmethod
    def get(cls) -> RuntimeHandles:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = RuntimeHandles()
            return cls._instance

    def connector_handle(self, name: str) -> ConnectorHandle:
        with self._lock:
            handle = self._connectors.get(name)
            if handle is None:
                handle = self._connectors[name] = ConnectorHandle(name)
            return handle

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._connectors.pop(name, None)

    def connector_names(self) -> list[str]:
        with self._lock:
            return list(self._connectors)

    def clear(self) -> None:
        """Forget every handle (between tests)."""
        with self._lock:
            self._connectors.clear()


# --- event file -------------------------------------------------------------------------------

EVENTS_FILE_CONFIG = "events.file"


def write_event(
    path: str | os.PathLike[str], event: str, connector: str, task: str | None = None, **extra: Any
) -> None:
    """Append one JSON line ``{"event", "kind", "connector", "task", "time_ms", "pid", ...}``.

    One ``write`` on an ``O_APPEND`` descriptor per line, so lines from many processes never
    interleave.
    """
    line = orjson.dumps(
        {
            "event": event,
            "kind": "task" if task is not None else "connector",
            "connector": connector,
            "task": task,
            "time_ms": int(time.time() * 1000),
            "pid": os.getpid(),
            **extra,
        },
        default=str,
    )
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line + b"\n")
    finally:
        os.close(fd)


def read_events(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every event in the file (none if it does not exist); a torn last line is skipped."""
    p = Path(path)
    if not p.exists():
        return []
    events: list[dict[str, Any]] = []
    for raw in p.read_bytes().splitlines():
        try:
            events.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            continue
    return events


def count_events(
    path: str | os.PathLike[str],
    event: str | None = None,
    *,
    kind: str | None = None,
    connector: str | None = None,
    task: str | None = None,
) -> int:
    """How many events match, e.g. ``count_events(p, "start", task="my-conn-1")``."""
    return sum(
        1
        for e in read_events(path)
        if (event is None or e.get("event") == event)
        and (kind is None or e.get("kind") == kind)
        and (connector is None or e.get("connector") == connector)
        and (task is None or e.get("task") == task)
    )


class Lifecycle:
    """Records the starts and stops of one connector or task in the handles and the event file."""

    __slots__ = ("connector", "events_file", "handle", "task_id")

    def __init__(self, connector: str, task_id: str | None, events_file: str | None) -> None:
        self.connector = connector
        self.task_id = task_id
        self.events_file = events_file or None
        connector_handle = RuntimeHandles.get().connector_handle(connector)
        self.handle: ConnectorHandle | TaskHandle = (
            connector_handle.task_handle(task_id) if task_id is not None else connector_handle
        )

    def started(self) -> None:
        self.handle.counter.record_start()
        if self.events_file:
            write_event(self.events_file, "start", self.connector, self.task_id)

    def stopped(self) -> None:
        self.handle.counter.record_stop()
        if self.events_file:
            write_event(self.events_file, "stop", self.connector, self.task_id)

    def failed(self, stage: str, message: str) -> None:
        """An injected failure, so multi-process tests can see it happened."""
        if self.events_file:
            write_event(self.events_file, "error", self.connector, self.task_id, stage=stage, message=message)
