"""The progress figures behind ``PostgresConnectorTask.metrics()`` (Debezium's metric names)."""

from __future__ import annotations

from connectrt.api.records import SourceRecord

from connectrt_postgres.metrics import SnapshotProgress, StreamingProgress, TaskMetrics


def record(value: dict[str, object] | None) -> SourceRecord:
    return SourceRecord({"server": "p"}, {"lsn": 1}, "t", None, None, None, None, value)


def test_snapshot_progress() -> None:
    p = SnapshotProgress()
    p.start({"s.a": 10, "s.b": None})
    p.table_started("s.a")
    p.scanned("s.a", 4)
    state = p.to_json()
    assert (state["SnapshotRunning"], state["TotalTableCount"], state["RemainingTableCount"]) == (True, 2, 2)
    assert (state["RowsScanned"], state["RowsEstimated"], state["CurrentTable"]) == (
        {"s.a": 4},
        {"s.a": 10},
        "s.a",
    )
    p.table_done("s.a", 10)
    p.table_started("s.b")
    p.table_done("s.b", 3)
    p.finish()
    state = p.to_json()
    assert (state["SnapshotRunning"], state["SnapshotCompleted"], state["SnapshotAborted"]) == (
        False,
        True,
        False,
    )
    assert (state["RemainingTableCount"], state["RowsScanned"], state["CurrentTable"]) == (
        0,
        {"s.a": 10, "s.b": 3},
        None,
    )
    p.abort()  # after completion: no change
    assert p.to_json()["SnapshotAborted"] is False


def test_aborted_snapshot() -> None:
    p = SnapshotProgress()
    p.start({"s.a": 1})
    p.abort()
    assert (p.to_json()["SnapshotRunning"], p.to_json()["SnapshotAborted"]) == (False, True)


def test_streaming_counts_change_events_only() -> None:
    s = StreamingProgress()
    source = {"ts_ms": 1, "schema": "s", "table": "t", "txId": 7, "lsn": 99}
    s.on_batch(
        [
            record({"op": "c", "source": source}),
            record({"op": "u", "source": source}),
            record({"op": "d", "source": source}),
            record(None),  # a tombstone
            record({"status": "END"}),
            record({"ts_ms": 5}),  # transaction metadata, heartbeat
        ]
    )
    state = s.to_json()
    assert (
        state["TotalNumberOfEventsSeen"],
        state["TotalNumberOfCreateEventsSeen"],
        state["TotalNumberOfUpdateEventsSeen"],
        state["TotalNumberOfDeleteEventsSeen"],
    ) == (3, 1, 1, 1)
    assert state["LastEvent"] == {"op": "d", "schema": "s", "table": "t", "txId": 7, "lsn": 99, "ts_ms": 1}
    assert state["SourceEventPosition"] == {"lsn": "99", "txId": "7"} and state["LastTransactionId"] == "7"
    assert state["MilliSecondsBehindSource"] > 0 and state["MilliSecondsSinceLastEvent"] >= 0


def test_task_metrics_document_with_queue_figures() -> None:
    doc = TaskMetrics().to_json(8192, 100)
    assert set(doc) == {"snapshot", "streaming"}
    for part in doc.values():
        assert (part["QueueTotalCapacity"], part["QueueRemainingCapacity"]) == (8192, 8092)
    assert doc["streaming"]["Connected"] is False and doc["snapshot"]["SnapshotRunning"] is False
