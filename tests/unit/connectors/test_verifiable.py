"""VerifiableSource / VerifiableSink."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from connectrt.api.connector import ConnectException
from connectrt.api.data import Schema, Struct
from connectrt.api.records import SinkRecord, SourceRecord
from connectrt.connectors import PLUGINS
from connectrt.connectors.testing import (
    RuntimeHandles,
    VerifiableSinkConnector,
    VerifiableSinkTask,
    VerifiableSourceConnector,
    VerifiableSourceTask,
    count_events,
)
from tests.unit.connectors.fakes import FakeSinkTaskContext, FakeSourceTaskContext, MemoryOffsetReader

pytestmark = pytest.mark.unit


def source_task(
    reader: MemoryOffsetReader | None = None, props: dict[str, str] | None = None
) -> VerifiableSourceTask:
    task = VerifiableSourceTask()
    task.initialize(FakeSourceTaskContext(reader))
    task.start({"name": "vs", "id": "0", "topic": "t", **(props or {})})
    return task


def drain(task: VerifiableSourceTask, polls: int) -> list[SourceRecord]:
    out: list[SourceRecord] = []
    for _ in range(polls):
        out.extend(task.poll() or [])
    return out


def test_registered_with_java_aliases() -> None:
    assert VerifiableSourceConnector in PLUGINS and VerifiableSinkConnector in PLUGINS
    assert VerifiableSourceConnector.ALIASES == ("org.apache.kafka.connect.tools.VerifiableSourceConnector",)
    assert VerifiableSinkConnector.ALIASES == ("org.apache.kafka.connect.tools.VerifiableSinkConnector",)


def test_connector_task_configs_add_ids() -> None:
    c = VerifiableSourceConnector()
    props = {"name": "vs", "topic": "t", "throughput": "10", "tasks.max": "3"}
    c.start(props)
    assert c.task_configs(3) == [{**props, "id": str(i)} for i in range(3)]
    assert c.task_class() is VerifiableSourceTask
    c.stop()
    handle = RuntimeHandles.get().connector_handle("vs")
    assert (handle.starts, handle.stops) == (1, 1)
    sink = VerifiableSinkConnector()
    sink.start({"name": "vk", "topics": "t"})
    assert [tc["id"] for tc in sink.task_configs(2)] == ["0", "1"]
    assert sink.task_class() is VerifiableSinkTask


def test_validation() -> None:
    c = VerifiableSourceConnector()
    errors = {v.name: v.errors for v in c.validate({"throughput": "x"})}
    assert errors["topic"] and errors["throughput"]
    assert not any(v.errors for v in c.validate({"topic": "t", "throughput": "100", "max.messages": "5"}))


def test_seqnos_keys_and_offsets() -> None:
    task = source_task()
    records = drain(task, 3)
    assert [r.value for r in records] == [0, 1, 2]
    r = records[0]
    assert (r.key, r.key_schema, r.value_schema, r.topic) == (
        0,
        Schema.INT32_SCHEMA,
        Schema.INT64_SCHEMA,
        "t",
    )
    assert r.source_partition == {"id": 0}
    assert [x.source_offset for x in records] == [{"seqno": 0}, {"seqno": 1}, {"seqno": 2}]
    task.stop()
    assert task.poll() is None


def test_resumes_after_committed_seqno() -> None:
    reader = MemoryOffsetReader()
    reader.put({"id": 2}, {"seqno": 41})
    task = source_task(reader, {"id": "2"})
    assert [r.value for r in drain(task, 2)] == [42, 43]
    assert reader.lookups == [{"id": 2}]


def test_max_messages_and_batches() -> None:
    task = source_task(props={"max.messages": "5", "messages.per.poll": "2"})
    batches = [task.poll() for _ in range(4)]
    assert [[r.value for r in b or []] for b in batches] == [[0, 1], [2, 3], [4], []]


def test_max_messages_counts_across_restarts() -> None:
    reader = MemoryOffsetReader()
    reader.put({"id": 0}, {"seqno": 3})
    task = source_task(reader, {"max.messages": "5"})
    assert [r.value for r in drain(task, 3)] == [4]


def test_throughput_limits_rate() -> None:
    task = source_task(props={"throughput": "50"})
    started = time.monotonic()
    records: list[SourceRecord] = []
    while len(records) < 6:
        records.extend(task.poll() or [])
    elapsed = time.monotonic() - started
    assert 0.08 <= elapsed < 1.0  # 5 intervals of 20 ms


def test_zero_throughput_poll_returns_promptly_and_stop_is_prompt() -> None:
    task = source_task(props={"throughput": "0"})
    started = time.monotonic()
    assert task.poll() is None
    assert time.monotonic() - started < 0.5
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(task.poll()))
    t.start()
    task.stop()
    t.join(1)
    assert result == [None]


def test_complete_record_data() -> None:
    task = source_task(props={"complete.record.data": "true"})
    (r,) = task.poll() or []
    assert isinstance(r.value, Struct)
    assert {k: r.value[k] for k in ("name", "task", "topic", "seqno")} == {
        "name": "vs",
        "task": 0,
        "topic": "t",
        "seqno": 0,
    }
    r.value.validate()


def test_source_file_and_handles(tmp_path: Path) -> None:
    out = tmp_path / "source.jsonl"
    events = tmp_path / "events.jsonl"
    task = source_task(props={"file": str(out), "events.file": str(events)})
    records = drain(task, 2)
    task.commit_record(records[0], None)
    task.commit()
    task.stop()
    lines = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert [(x["seqno"], x.get("committed", False)) for x in lines] == [(0, False), (1, False), (0, True)]
    handle = RuntimeHandles.get().connector_handle("vs").task_handle("vs-0")
    assert (handle.starts, handle.stops, handle.records, handle.commits) == (1, 1, 2, 1)
    assert count_events(events, "start", task="vs-0") == 1
    assert count_events(events, "stop", task="vs-0") == 1


def test_bad_task_config() -> None:
    task = VerifiableSourceTask()
    task.initialize(FakeSourceTaskContext())
    with pytest.raises(ConnectException, match="Invalid VerifiableSourceTask configuration"):
        task.start({"name": "vs", "id": "x", "topic": "t"})


# --- sink -----------------------------------------------------------------------------------


def sink_record(seqno: int, partition: int = 0, task: int = 0) -> SinkRecord:
    return SinkRecord("t", partition, Schema.INT32_SCHEMA, task, Schema.INT64_SCHEMA, seqno, seqno)


def test_sink_writes_flushed_records_only(tmp_path: Path) -> None:
    out = tmp_path / "sink.jsonl"
    task = VerifiableSinkTask()
    task.initialize(FakeSinkTaskContext())
    task.start({"name": "vk", "id": "1", "file": str(out)})
    task.put([sink_record(0), sink_record(1), sink_record(0, partition=1)])
    assert not out.exists() or out.read_bytes() == b""
    task.flush({("t", 0): 2})
    rows = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert [
        (r["seqno"], r["partition"], r["offset"], r["task"], r["sinkTask"], r["flushed"]) for r in rows
    ] == [
        (0, 0, 0, 0, 1, True),
        (1, 0, 1, 0, 1, True),
    ]
    task.close([("t", 1)])  # revoked before it was flushed: its records go to the next owner
    task.flush({("t", 0): 2, ("t", 1): 1})
    assert len(out.read_bytes().splitlines()) == 2
    task.stop()
    handle = RuntimeHandles.get().connector_handle("vk").task_handle("vk-1")
    assert (handle.records, handle.commits, handle.starts, handle.stops) == (3, 2, 1, 1)


def test_sink_without_file_counts() -> None:
    task = VerifiableSinkTask()
    task.start({"name": "vk", "id": "0"})
    task.put([sink_record(i) for i in range(10)])
    task.pre_commit({("t", 0): 10})
    handle = RuntimeHandles.get().connector_handle("vk")
    assert (handle.records, handle.commits) == (10, 10)
