"""Snapshot and streaming progress of a task, as Debezium's JMX metrics name them.

``PostgresConnectorTask.metrics()`` returns ``{"snapshot": {...}, "streaming": {...}}`` with the
attributes of Debezium's ``SnapshotChangeEventSourceMetricsMXBean`` and
``StreamingChangeEventSourceMetricsMXBean`` (``context=snapshot`` / ``context=streaming``) that a
PostgreSQL task tracks; the worker serves it at ``GET /connectors/{c}/tasks/{t}/metrics``.

Additions of ours: ``RowsEstimated`` (per table, ``pg_class.reltuples`` when the snapshot began;
absent for a table never analyzed; Debezium's PostgreSQL snapshot has no estimate) and
``CurrentTable``. The reader thread writes these fields and the REST thread reads them; each
field is replaced whole (never mutated in place), so a read sees a consistent value per field.
Counting costs one pass over each batch of records, never a step per row in the snapshot.
"""

from __future__ import annotations

import time
from typing import Any

from connectrt.api.records import SourceRecord

from connectrt_postgres.native_stream import NativeRun


class SnapshotProgress:
    """SnapshotRunning/Completed/Aborted, TotalTableCount, RemainingTableCount, RowsScanned, ..."""

    def __init__(self) -> None:
        self.running = False
        self.completed = False
        self.aborted = False
        self.skipped = False
        self.started: float | None = None
        self.ended: float | None = None
        self.total_tables = 0
        self.done_tables = 0
        self.rows: dict[str, int] = {}
        self.estimates: dict[str, int] = {}
        self.current: str | None = None

    def start(self, estimates: dict[str, int | None]) -> None:
        self.running, self.completed, self.aborted = True, False, False
        self.started, self.ended = time.monotonic(), None
        self.total_tables = len(estimates)
        self.done_tables = 0
        self.rows = {}
        self.estimates = {name: n for name, n in estimates.items() if n is not None and n >= 0}
        self.current = None

    def table_started(self, name: str) -> None:
        self.current = name
        self.rows = {**self.rows, name: 0}

    def scanned(self, name: str, rows: int) -> None:
        self.rows = {**self.rows, name: rows}

    def table_done(self, name: str, rows: int) -> None:
        self.rows = {**self.rows, name: rows}
        self.done_tables += 1
        self.current = None

    def finish(self) -> None:
        self.running, self.completed, self.ended = False, True, time.monotonic()

    def abort(self) -> None:
        if self.running:
            self.running, self.aborted, self.ended = False, True, time.monotonic()

    def to_json(self) -> dict[str, Any]:
        duration = 0
        if self.started is not None:
            duration = int((self.ended if self.ended is not None else time.monotonic()) - self.started)
        return {
            "SnapshotRunning": self.running,
            "SnapshotCompleted": self.completed,
            "SnapshotAborted": self.aborted,
            "SnapshotSkipped": self.skipped,
            "SnapshotPaused": False,
            "SnapshotDurationInSeconds": duration,
            "TotalTableCount": self.total_tables,
            "RemainingTableCount": self.total_tables - self.done_tables,
            "RowsScanned": dict(self.rows),
            "RowsEstimated": dict(self.estimates),
            "CurrentTable": self.current,
        }


class StreamingProgress:
    """Connected, MilliSecondsBehindSource, TotalNumberOfEventsSeen, LastEvent, ..."""

    def __init__(self) -> None:
        self.connected = False
        self.events = 0
        self.creates = 0
        self.updates = 0
        self.deletes = 0
        self.behind_ms = -1
        self.last_event: dict[str, Any] | None = None
        self.last_event_at: float | None = None
        self.position: dict[str, str] = {}

    def on_batch(self, out: list[SourceRecord]) -> None:
        """Count the change events among the records of one processed batch (a run of the compiled path
        tells its operations and last position without building values)."""
        creates = updates = deletes = events = 0
        last: Any = None
        for record in out:
            if type(record) is NativeRun:
                ops = record.ops()
                n = len(ops) - ops.count("T")
                if n:
                    events += n
                    creates += ops.count("c")
                    updates += ops.count("u")
                    deletes += ops.count("d")
                    last = record.change_summary()
                continue
            value = record.value  # a Struct (a dict) or None
            if value is None:  # a tombstone
                continue
            op = value.get("op")
            if op is None:  # heartbeats, transaction metadata
                continue
            source = value.get("source") or {}
            summary = (
                op,
                source.get("schema"),
                source.get("table"),
                source.get("txId"),
                source.get("lsn"),
                source.get("ts_ms"),
            )
            events += 1
            last = summary
            op = summary[0]
            if op == "c":
                creates += 1
            elif op == "u":
                updates += 1
            elif op == "d":
                deletes += 1
        self._add(events, creates, updates, deletes, last)

    def _add(self, events: int, creates: int, updates: int, deletes: int, last: Any) -> None:
        if not events:
            return
        self.events += events
        self.creates += creates
        self.updates += updates
        self.deletes += deletes
        op, schema, table, tx_id, lsn, ts_ms = last
        now_ms = time.time_ns() // 1_000_000
        self.behind_ms = max(0, now_ms - ts_ms) if isinstance(ts_ms, int) else -1
        self.last_event = {
            "op": op,
            "schema": schema,
            "table": table,
            "txId": tx_id,
            "lsn": lsn,
            "ts_ms": ts_ms,
        }
        self.last_event_at = time.monotonic()
        position = {"lsn": str(lsn)}
        if tx_id is not None:
            position["txId"] = str(tx_id)
        self.position = position

    def to_json(self) -> dict[str, Any]:
        since = -1
        if self.last_event_at is not None:
            since = int((time.monotonic() - self.last_event_at) * 1000)
        return {
            "Connected": self.connected,
            "MilliSecondsBehindSource": self.behind_ms,
            "TotalNumberOfEventsSeen": self.events,
            "TotalNumberOfCreateEventsSeen": self.creates,
            "TotalNumberOfUpdateEventsSeen": self.updates,
            "TotalNumberOfDeleteEventsSeen": self.deletes,
            "MilliSecondsSinceLastEvent": since,
            "LastEvent": self.last_event,
            "SourceEventPosition": dict(self.position),
            "LastTransactionId": self.position.get("txId"),
        }


class TaskMetrics:
    def __init__(self) -> None:
        self.snapshot = SnapshotProgress()
        self.streaming = StreamingProgress()

    def to_json(self, queue_capacity: int = 0, queue_size: int = 0) -> dict[str, Any]:
        queue = {
            "QueueTotalCapacity": queue_capacity,
            "QueueRemainingCapacity": max(0, queue_capacity - queue_size),
        }
        return {
            "snapshot": {**self.snapshot.to_json(), **queue},
            "streaming": {**self.streaming.to_json(), **queue},
        }
