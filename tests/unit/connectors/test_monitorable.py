"""MonitorableSource / MonitorableSink: the Java contract and the failure injection."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from connectrt.api.connector import (
    ConnectException,
    ConnectorTransactionBoundaries,
    ExactlyOnceSupport,
    freeze,
)
from connectrt.api.data import Schema
from connectrt.api.records import SinkRecord, SourceRecord
from connectrt.connectors import PLUGINS
from connectrt.connectors.testing import (
    MonitorableSinkConnector,
    MonitorableSinkTask,
    MonitorableSourceConnector,
    MonitorableSourceTask,
    RuntimeHandles,
    count_events,
    read_events,
)
from tests.unit.connectors.fakes import (
    FakeSinkTaskContext,
    FakeSourceTaskContext,
    MemoryOffsetReader,
    RecordingTransactionContext,
)

pytestmark = pytest.mark.unit

NAME = "mon"


def connector_props(**extra: str) -> dict[str, str]:
    return {"name": NAME, "connector.class": "MonitorableSource", "tasks.max": "2", "topic": "t", **extra}


def task_props(n: int = 0, extra: dict[str, str] | None = None) -> dict[str, str]:
    c = MonitorableSourceConnector()
    c.start(connector_props(**(extra or {})))
    return c.task_configs(n + 1)[n]


def source_task(
    n: int = 0,
    reader: MemoryOffsetReader | None = None,
    context: FakeSourceTaskContext | None = None,
    extra: dict[str, str] | None = None,
) -> MonitorableSourceTask:
    task = MonitorableSourceTask()
    task.initialize(context or FakeSourceTaskContext(reader))
    task.start(task_props(n, extra))
    return task


def drain(task: MonitorableSourceTask, polls: int) -> list[SourceRecord]:
    out: list[SourceRecord] = []
    for _ in range(polls):
        out.extend(task.poll() or [])
    return out


def test_registered_with_java_names() -> None:
    assert MonitorableSourceConnector in PLUGINS and MonitorableSinkConnector in PLUGINS
    assert (
        MonitorableSourceConnector.ALIASES[0]
        == "org.apache.kafka.connect.integration.MonitorableSourceConnector"
    )


def test_task_configs_and_num_tasks() -> None:
    c = MonitorableSourceConnector()
    props = connector_props()
    c.start(props)
    configs = c.task_configs(2)
    assert configs == [{**props, "connector.name": NAME, "task.id": f"{NAME}-{i}"} for i in range(2)]
    c.start(connector_props(**{"num.tasks": "3"}))
    assert len(c.task_configs(1)) == 3  # more than tasks.max: the runtime must enforce tasks.max
    assert c.task_class() is MonitorableSourceTask


def test_records_partition_offset_headers() -> None:
    task = source_task(extra={"messages.per.poll": "2"})
    records = drain(task, 2)
    assert [r.value for r in records] == [f"value-{NAME}-0-{s}" for s in (1, 2, 3, 4)]
    r = records[0]
    assert (r.key, r.key_schema, r.value_schema, r.topic) == (
        f"key-{NAME}-0-1",
        Schema.STRING_SCHEMA,
        Schema.STRING_SCHEMA,
        "t",
    )
    assert r.source_partition == {"task.id": f"{NAME}-0"}
    assert r.source_offset == {"saved": 1}
    (h,) = list(r.headers)
    assert (h.key, h.value, h.schema) == ("header-1", 1, Schema.INT64_SCHEMA)
    handle = RuntimeHandles.get().connector_handle(NAME).task_handle(f"{NAME}-0")
    assert handle.records == 4
    task.commit_record(records[0], None)
    assert handle.commits == 1


def test_default_topic() -> None:
    task = MonitorableSourceTask()
    task.initialize(FakeSourceTaskContext())
    task.start({"connector.name": NAME, "task.id": f"{NAME}-0"})
    (r,) = task.poll() or []
    assert r.topic == "sequential-topic"


def test_resume_from_saved_and_max_messages() -> None:
    # Java's OffsetsApi / stopped-state tests: PATCH {"saved": 5} with max.messages=10 -> 5 more records
    reader = MemoryOffsetReader()
    reader.put({"task.id": f"{NAME}-0"}, {"saved": 5})
    task = source_task(reader=reader, extra={"max.messages": "10", "messages.per.poll": "3"})
    records = drain(task, 4)
    assert [r.source_offset["saved"] for r in records if r.source_offset] == [6, 7, 8, 9, 10]
    started = time.monotonic()
    assert task.poll() is None  # done: idles briefly, never spins or blocks long
    assert time.monotonic() - started < 0.5


def test_connector_error_injection_and_counts(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    c = MonitorableSourceConnector()
    with pytest.raises(ConnectException, match="Injecting errors during connector start"):
        c.start(connector_props(**{"connector.start.inject.error": "true", "events.file": str(events)}))
    handle = RuntimeHandles.get().connector_handle(NAME)
    assert handle.starts == 1  # counted before failing, as in Java
    c2 = MonitorableSourceConnector()
    c2.start(connector_props(**{"connector.stop.inject.error": "true", "events.file": str(events)}))
    with pytest.raises(ConnectException, match="Injecting errors during connector stop"):
        c2.stop()
    assert (handle.starts, handle.stops) == (2, 1)
    assert count_events(events, "start", kind="connector", connector=NAME) == 2
    assert count_events(events, "stop", kind="connector") == 1
    assert count_events(events, "error") == 1


def test_task_start_error_only_for_that_task(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    extra = {f"task-{NAME}-1.start.inject.error": "true", "events.file": str(events)}
    source_task(0, extra=extra).stop()
    with pytest.raises(ConnectException, match="Injecting errors during task start"):
        source_task(1, extra=extra)
    handles = RuntimeHandles.get().connector_handle(NAME)
    assert handles.task_handle(f"{NAME}-1").starts == 1
    assert count_events(events, "start", task=f"{NAME}-0") == 1
    assert count_events(events, "start", task=f"{NAME}-1") == 1
    assert count_events(events, "stop", task=f"{NAME}-0") == 1
    assert {e["pid"] for e in read_events(events)} and all(e["time_ms"] > 0 for e in read_events(events))


def test_poll_error_after_n_records() -> None:
    task = source_task(extra={"messages.per.poll": "2", "task.poll.inject.error": "4"})
    assert len(drain(task, 2)) == 4
    with pytest.raises(ConnectException, match="Injecting errors during task poll"):
        task.poll()


def test_per_task_poll_error_overrides_general() -> None:
    extra = {"task.poll.inject.error": "0", f"task-{NAME}-1.poll.inject.error": "-1"}
    with pytest.raises(ConnectException):
        source_task(0, extra=extra).poll()
    assert len(drain(source_task(1, extra=extra), 3)) == 3


def test_commit_error() -> None:
    task = source_task(extra={"task.commit.inject.error": "true"})
    with pytest.raises(ConnectException, match="Injecting errors during task commit"):
        task.commit()
    source_task(1).commit()  # no error without the config


def test_stop_from_another_thread_while_throttled() -> None:
    task = source_task(extra={"throughput": "1"})
    task.poll()  # the first record is due at once
    result: list[Any] = []

    def poll_many() -> None:
        for _ in range(100):
            result.append(task.poll())

    t = threading.Thread(target=poll_many)
    started = time.monotonic()
    t.start()
    time.sleep(0.05)
    task.stop()
    t.join(2)
    assert not t.is_alive() and time.monotonic() - started < 1.0
    assert RuntimeHandles.get().connector_handle(NAME).task_handle(f"{NAME}-0").stops == 1


def test_fibonacci_transaction_boundaries() -> None:
    context = FakeSourceTaskContext()
    tc = RecordingTransactionContext()
    context.transaction_context = tc
    task = source_task(context=context, extra={"messages.per.poll": "10"})
    drain(task, 10)
    seqnos = [(what, r.source_offset["saved"]) for what, r in tc.events]
    assert seqnos[:8] == [
        ("commit", 1),
        ("abort", 2),
        ("commit", 3),
        ("commit", 5),
        ("abort", 8),
        ("commit", 13),
        ("commit", 21),
        ("abort", 34),
    ]


def test_exactly_once_and_boundaries_and_alter_offsets() -> None:
    c = MonitorableSourceConnector()
    eos = "custom.exactly.once.support"
    assert c.exactly_once_support({eos: "supported"}) is ExactlyOnceSupport.SUPPORTED
    assert c.exactly_once_support({eos: "UNSUPPORTED"}) is ExactlyOnceSupport.UNSUPPORTED
    assert c.exactly_once_support({eos: "null"}) is None
    assert c.exactly_once_support({}) is None
    with pytest.raises(ConnectException, match="oops"):
        c.exactly_once_support({eos: "fail"})
    tb = "custom.transaction.boundaries"
    assert c.can_define_transaction_boundaries({tb: "supported"}) is ConnectorTransactionBoundaries.SUPPORTED
    assert c.can_define_transaction_boundaries({}) is ConnectorTransactionBoundaries.UNSUPPORTED
    assert c.can_define_transaction_boundaries({tb: "null"}) is None
    with pytest.raises(ConnectException, match="oh no"):
        c.can_define_transaction_boundaries({tb: "fail"})
    offsets = {freeze({"task.id": "x-0"}): {"saved": 5}}
    assert c.alter_offsets({"alter.offsets.result": "true"}, offsets) is True
    assert c.alter_offsets({}, offsets) is False
    assert MonitorableSinkConnector().alter_offsets({"alter.offsets.result": "true"}, {("t", 0): 5}) is True


def test_config_validation_accepts_defaults() -> None:
    assert not any(v.errors for v in MonitorableSourceConnector().validate(connector_props()))
    assert not any(v.errors for v in MonitorableSinkConnector().validate({"name": NAME, "topics": "t"}))


# --- sink -----------------------------------------------------------------------------------


def sink_task(extra: dict[str, str] | None = None) -> MonitorableSinkTask:
    c = MonitorableSinkConnector()
    c.start({"name": NAME, "topics": "t", **(extra or {})})
    task = MonitorableSinkTask()
    task.initialize(FakeSinkTaskContext())
    task.start(c.task_configs(1)[0])
    return task


def rec(offset: int, partition: int = 0) -> SinkRecord:
    return SinkRecord("t", partition, None, f"k{offset}", None, f"v{offset}", offset)


def test_sink_counts_partitions_and_commits() -> None:
    seen: list[SinkRecord] = []
    handle = RuntimeHandles.get().connector_handle(NAME).task_handle(f"{NAME}-0", seen.append)
    task = sink_task()
    task.open([("t", 0), ("t", 1)])
    task.put([rec(0), rec(1), rec(0, 1)])
    assert handle.records == 3 and [r.kafka_offset for r in seen] == [0, 1, 0]
    assert task.pre_commit({("t", 0): 2}) == {("t", 0): 2}
    assert handle.commits == 2
    assert handle.times_committed(("t", 0)) == 1
    task.close([("t", 1)])
    assert handle.assignment() == {("t", 0)}
    assert handle.times_revoked(("t", 1)) == 1
    task.pre_commit({("t", 0): 2})
    assert handle.commits == 2
    task.stop()
    assert (handle.starts, handle.stops) == (1, 1)


def test_sink_put_error_after_n() -> None:
    task = sink_task({"task.put.inject.error": "3"})
    task.put([rec(0), rec(1)])
    task.put([rec(2)])
    with pytest.raises(ConnectException, match="Injecting errors during task put"):
        task.put([rec(3)])
    task.put([])  # an empty batch is not a record


def test_sink_commit_error() -> None:
    task = sink_task({"task.commit.inject.error": "true"})
    task.put([rec(0)])
    with pytest.raises(ConnectException, match="Injecting errors during task commit"):
        task.pre_commit({("t", 0): 1})


def test_sink_connector_lifecycle() -> None:
    c = MonitorableSinkConnector()
    c.start({"name": NAME, "topics": "t"})
    assert [tc["task.id"] for tc in c.task_configs(3)] == [f"{NAME}-{i}" for i in range(3)]
    assert c.task_class() is MonitorableSinkTask
    c.stop()
    h = RuntimeHandles.get().connector_handle(NAME)
    assert (h.starts, h.stops) == (1, 1)
