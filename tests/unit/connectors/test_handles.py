"""RuntimeHandles, ConnectorHandle, TaskHandle, StartAndStopCounter/Latch and the event file."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from connectrt.connectors.testing import (
    CountDownLatch,
    RuntimeHandles,
    StartAndStopCounter,
    count_events,
    read_events,
    write_event,
)

pytestmark = pytest.mark.unit


def test_registry_is_process_wide() -> None:
    a = RuntimeHandles.get().connector_handle("c")
    assert RuntimeHandles.get().connector_handle("c") is a
    assert a.task_handle("c-0") is a.task_handle("c-0")
    assert RuntimeHandles.get().connector_names() == ["c"]
    RuntimeHandles.get().delete_connector("c")
    assert RuntimeHandles.get().connector_handle("c") is not a


def test_counts_roll_up_to_connector() -> None:
    c = RuntimeHandles.get().connector_handle("c")
    t0, t1 = c.task_handle("c-0"), c.task_handle("c-1")
    t0.record(5)
    t1.record()
    t1.commit(2)
    assert (t0.records, t1.records, c.records, c.commits) == (5, 1, 6, 2)
    assert sorted(c.task_ids()) == ["c-0", "c-1"]
    c.clear_tasks()
    assert c.tasks() == []


def test_expected_records_and_commits() -> None:
    c = RuntimeHandles.get().connector_handle("c")
    t = c.task_handle("c-0")
    c.expected_records(3)
    t.expected_commits(2)
    threading.Timer(0.02, lambda: t.record(3)).start()
    c.await_records(2)
    with pytest.raises(TimeoutError, match="Insufficient records committed by task c-0"):
        t.await_commits(0.05)
    t.commit(2)
    t.await_commits(1)
    with pytest.raises(RuntimeError, match="was not set"):
        c.await_commits(0.01)


def test_expected_starts_include_tasks() -> None:
    c = RuntimeHandles.get().connector_handle("c")
    t0, t1 = c.task_handle("c-0"), c.task_handle("c-1")
    latch = c.expected_starts(1)
    c.record_connector_start()
    t0.record_task_start()
    assert not latch.wait(0.05)  # task 1 has not started again yet
    t1.record_task_start()
    assert latch.wait(1)
    only_task_1 = c.expected_starts(0, task_starts={"c-1": 1})
    t1.record_task_start()
    assert only_task_1.wait(1)
    assert (t0.starts, t1.starts, c.starts) == (1, 2, 1)


def test_counter_restarts_and_wait_for() -> None:
    counter = StartAndStopCounter()
    latch = counter.expected_restarts(2)
    for _ in range(2):
        counter.record_stop()
        counter.record_start()
    assert latch.wait(1)
    assert counter.counts_snapshot() == (2, 2)
    threading.Timer(0.02, counter.record_start).start()
    assert counter.wait_for(starts=3, timeout_s=2)
    assert not counter.wait_for(stops=5, timeout_s=0.02)


def test_count_down_latch() -> None:
    latch = CountDownLatch(2)
    latch.count_down()
    assert latch.count == 1 and not latch.wait(0.01)
    latch.count_down(5)
    assert latch.count == 0 and latch.wait(0)


def test_partition_history() -> None:
    t = RuntimeHandles.get().connector_handle("c").task_handle("c-0")
    t.partitions_assigned([("a", 0), ("a", 1)])
    t.partitions_revoked([("a", 1)])
    t.partitions_assigned([("a", 1)])
    t.partitions_committed([("a", 0)])
    assert t.assignment() == {("a", 0), ("a", 1)}
    assert (t.times_assigned(("a", 1)), t.times_revoked(("a", 1)), t.times_committed(("a", 0))) == (2, 1, 1)
    assert t.num_partitions_assigned() == 2


def _write_many(path: str, task: str) -> None:
    for _ in range(200):
        write_event(path, "start", "c", task)


def test_event_file_from_many_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "events.jsonl")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(path, f"c-{i}")) for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert len(read_events(path)) == 600
    assert count_events(path, "start", task="c-1") == 200
    assert count_events(path, kind="task", connector="c") == 600
    assert count_events(tmp_path / "missing.jsonl") == 0
