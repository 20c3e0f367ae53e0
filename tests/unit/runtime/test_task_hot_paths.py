"""WorkerSourceTask.send_records and WorkerSinkTask.convert_messages with fake clients (no broker).

Pins the behaviour kept by the per-record fast paths: source offsets are the last one per partition of each
batch (serialized once per batch), committed only once acknowledged, across BufferError resumption; sink
records carry Kafka's timestamp type and the consumed position.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, TIMESTAMP_NOT_AVAILABLE, Message

from connectrt.api.connector import SinkTask, SourceTask
from connectrt.api.data import Schema
from connectrt.api.records import Headers, SinkRecord, SourceRecord, TimestampType
from connectrt.converters.json_converter import JsonConverter
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.errors import RetryWithToleranceOperator
from connectrt.runtime.sink_task import WorkerSinkTask
from connectrt.runtime.source_task import WorkerSourceTask, _Batch
from connectrt.runtime.transformation_chain import TransformationChain
from connectrt.storage.offsets import (
    MemoryOffsetBackingStore,
    OffsetStorageReaderImpl,
    OffsetStorageWriter,
    offset_key,
)


class FakeProducer:
    """Keeps produced messages, their callbacks and headers; ``full_after`` raises BufferError once that
    many are queued."""

    def __init__(self, full_after: int | None = None) -> None:
        self.sent: list[tuple[str, bytes | None, Any]] = []
        self.callbacks: list[Any] = []
        self.headers: list[Any] = []  # each produced message's headers argument
        self.full_after = full_after

    def produce(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        partition: int = -1,
        callback: Any = None,
        on_delivery: Any = None,
        timestamp: int = 0,
        headers: Any = None,
    ) -> None:
        """confluent-kafka's Producer.produce signature (callback and on_delivery are aliases)."""
        if self.full_after is not None and len(self.sent) >= self.full_after:
            self.full_after = None
            raise BufferError("Local: Queue full")
        cb = callback if callback is not None else on_delivery
        self.sent.append((topic, value, cb))
        self.callbacks.append(cb)
        self.headers.append(headers)

    def poll(self, timeout: float = 0) -> int:
        return 0

    def flush(self, timeout: float = 0) -> int:
        return 0

    def ack_all(self) -> None:
        for cb in self.callbacks:
            cb(None, None)
        self.callbacks.clear()


class NoopSourceTask(SourceTask):
    def version(self) -> str:
        return "1"

    def start(self, props: Any) -> None:
        pass

    def poll(self) -> list[SourceRecord] | None:
        return None

    def stop(self) -> None:
        pass


def json_converter(is_key: bool) -> JsonConverter:
    c = JsonConverter()
    c.configure({"schemas.enable": "false"}, is_key)
    return c


def source_task(
    producer: FakeProducer, acks_by_flush: bool = False
) -> tuple[WorkerSourceTask, MemoryOffsetBackingStore]:
    store = MemoryOffsetBackingStore()
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    task = WorkerSourceTask(
        ConnectorTaskId("conn", 0), NoopSourceTask(), {}, lambda *a: None, TargetState.STARTED, producer,
        json_converter(True), json_converter(False), json_converter(False), TransformationChain([], operator),
        operator, OffsetStorageReaderImpl(store, "conn"), OffsetStorageWriter(store, "conn"), 1000, 5000,
        acks_by_flush=acks_by_flush,
    )  # fmt: skip
    return task, store


def send(task: WorkerSourceTask, records: list[SourceRecord]) -> None:
    task.to_send, task.send_index, task.current = records, 0, _Batch()
    while task.to_send is not None:
        task.send_records()


def stored(store: MemoryOffsetBackingStore, partition: dict[str, Any]) -> Any:
    raw = store.get([offset_key("conn", partition)])[offset_key("conn", partition)]
    return None if raw is None else orjson.loads(raw)


def test_source_offsets_last_per_partition_committed_once_acked() -> None:
    producer = FakeProducer()
    task, store = source_task(producer)
    a, b = {"file": "a"}, {"file": "b"}
    records = [
        SourceRecord(a, {"pos": 1}, "t", value_schema=Schema.STRING_SCHEMA, value="a1"),
        SourceRecord(b, {"pos": 10}, "t", value_schema=Schema.STRING_SCHEMA, value="b1"),
        SourceRecord(
            {"file": "a"}, {"pos": 2}, "t", value_schema=Schema.STRING_SCHEMA, value="a2"
        ),  # equal, not same
        SourceRecord(a, {"pos": 3}, "t", value_schema=Schema.STRING_SCHEMA, value="a3"),
        SourceRecord(a, None, "t", value_schema=Schema.STRING_SCHEMA, value="no offset"),
        SourceRecord(None, {"pos": 99}, "t", value_schema=Schema.STRING_SCHEMA, value="no partition"),
    ]
    send(task, records)
    assert [v for _, v, _ in producer.sent] == [
        b'"a1"',
        b'"b1"',
        b'"a2"',
        b'"a3"',
        b'"no offset"',
        b'"no partition"',
    ]
    assert task.batches[0].offsets == {
        offset_key("conn", a): orjson.dumps({"pos": 3}),
        offset_key("conn", b): orjson.dumps({"pos": 10}),
    }
    task.commit_offsets()
    assert stored(store, a) is None  # nothing acknowledged yet
    producer.ack_all()
    task.commit_offsets()
    assert stored(store, a) == {"pos": 3}
    assert stored(store, b) == {"pos": 10}


def test_source_offsets_survive_buffer_full_resumption() -> None:
    producer = FakeProducer(full_after=2)
    task, store = source_task(producer)
    part = {"file": "x"}
    records = [
        SourceRecord(part, {"pos": i}, "t", value_schema=Schema.STRING_SCHEMA, value=f"l{i}")
        for i in range(5)
    ]
    send(task, records)
    assert [v for _, v, _ in producer.sent] == [f'"l{i}"'.encode() for i in range(5)]
    assert task.records_sent == 5
    assert len(task.batches) == 1 and task.batches[0].pending == 5
    producer.ack_all()
    task.commit_offsets()
    assert stored(store, part) == {"pos": 4}


def test_source_offsets_of_a_second_batch_replace_the_first() -> None:
    producer = FakeProducer()
    task, store = source_task(producer)
    part = {"file": "x"}
    send(task, [SourceRecord(part, {"pos": 1}, "t", value_schema=Schema.STRING_SCHEMA, value="1")])
    part["file"] = "x"  # same content, same object: the key is the same
    send(task, [SourceRecord(part, {"pos": 2}, "t", value_schema=Schema.STRING_SCHEMA, value="2")])
    producer.ack_all()
    task.commit_offsets()
    assert stored(store, {"file": "x"}) == {"pos": 2}


def test_source_unserializable_offset_fails_the_batch() -> None:
    task, _ = source_task(FakeProducer())
    with pytest.raises(TypeError):
        send(
            task,
            [SourceRecord({"f": "x"}, {"pos": object()}, "t", value_schema=Schema.STRING_SCHEMA, value="v")],
        )


class NoopSinkTask(SinkTask):
    def version(self) -> str:
        return "1"

    def start(self, props: Any) -> None:
        pass

    def put(self, records: Any) -> None:
        pass

    def stop(self) -> None:
        pass


class FakeMessage:
    def __init__(
        self, topic: str, partition: int, offset: int, value: bytes | None, ts: tuple[int, int]
    ) -> None:
        self._t, self._p, self._o, self._v, self._ts = topic, partition, offset, value, ts

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return self._t

    def partition(self) -> int:
        return self._p

    def offset(self) -> int:
        return self._o

    def key(self) -> bytes | None:
        return None

    def value(self) -> bytes | None:
        return self._v

    def headers(self) -> None:
        return None

    def timestamp(self) -> tuple[int, int]:
        return self._ts


def test_sink_convert_messages_timestamps_positions_and_topics() -> None:
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    used: list[str] = []
    task = WorkerSinkTask(
        ConnectorTaskId("sink", 0), NoopSinkTask(), {}, lambda *a: None, TargetState.STARTED, None, ["t"], None,
        json_converter(True), json_converter(False), json_converter(False), TransformationChain([], operator),
        operator, 1000, 5000, on_topic_used=used.append,
    )  # fmt: skip
    records = task.convert_messages([
        FakeMessage("t", 0, 5, b'"a"', (TIMESTAMP_CREATE_TIME, 1000)),
        FakeMessage("t", 1, 7, b'{"x":1}', (TIMESTAMP_LOG_APPEND_TIME, 2000)),
        FakeMessage("u", 0, 9, None, (TIMESTAMP_NOT_AVAILABLE, -1)),
        FakeMessage("t", 0, 6, b"2", (TIMESTAMP_CREATE_TIME, 1001)),
    ])  # fmt: skip
    assert records == [
        SinkRecord("t", 0, None, None, None, "a", 5, 1000, TimestampType.CREATE_TIME),
        SinkRecord("t", 1, None, None, None, {"x": 1}, 7, 2000, TimestampType.LOG_APPEND_TIME),
        SinkRecord("u", 0, None, None, None, None, 9, None, TimestampType.NO_TIMESTAMP_TYPE),
        SinkRecord("t", 0, None, None, None, 2, 6, 1001, TimestampType.CREATE_TIME),
    ]
    assert records[2].timestamp is None and records[2].timestamp_type is TimestampType.NO_TIMESTAMP_TYPE
    assert task.current_offsets == {("t", 0): 7, ("t", 1): 8, ("u", 0): 10}
    assert used == ["t", "u"]


def test_sink_records_built_in_the_loop_equal_constructed_ones() -> None:
    """convert_messages builds SinkRecords slot by slot: the same records as the constructor gives (original
    coordinates included), each with its own Headers, converted headers where the message has some."""
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    task = WorkerSinkTask(
        ConnectorTaskId("sink", 0), NoopSinkTask(), {}, lambda *a: None, TargetState.STARTED, None, ["t"], None,
        json_converter(True), json_converter(False), json_converter(False), TransformationChain([], operator),
        operator, 1000, 5000,
    )  # fmt: skip
    records = task.convert_messages([
        Message(topic="t", partition=2, offset=10, key=b'"k"', value=b'{"x":1}', headers=[("h", b'"v"')],
                timestamp=(TIMESTAMP_CREATE_TIME, 5)),
        Message(topic="t", partition=2, offset=11, key=None, value=None, headers=None,
                timestamp=(TIMESTAMP_NOT_AVAILABLE, -1)),
        Message(topic="u", partition=0, offset=3, key=b"1", value=b"[2]", headers=[],
                timestamp=(TIMESTAMP_LOG_APPEND_TIME, 7)),
    ])  # fmt: skip
    expected = [
        SinkRecord(
            "t", 2, None, "k", None, {"x": 1}, 10, 5, TimestampType.CREATE_TIME, Headers().add("h", "v")
        ),
        SinkRecord("t", 2, None, None, None, None, 11),
        SinkRecord("u", 0, None, 1, None, [2], 3, 7, TimestampType.LOG_APPEND_TIME),
    ]
    assert records == expected
    for got, want in zip(records, expected, strict=True):
        assert (got.original_topic, got.original_kafka_partition, got.original_kafka_offset) == (
            want.original_topic, want.original_kafka_partition, want.original_kafka_offset)  # fmt: skip
        assert got.timestamp == want.timestamp and got.timestamp_type is want.timestamp_type
    records[1].headers.add("added", 1)
    assert len(records[1].headers) == 1 and not records[2].headers and len(records[0].headers) == 1
