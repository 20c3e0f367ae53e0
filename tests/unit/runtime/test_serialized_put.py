"""WorkerSinkTask with a task offering a serialized put (SinkTask.serialized_put): an in-memory fake sink task
takes the messages whose value starts with b"fast:" and records everything in order; no broker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, KafkaError, Message

from connectrt.api.connector import ConnectException, RetriableException, SinkTask
from connectrt.api.records import SinkRecord
from connectrt.converters.string import StringConverter
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.errors import RetryWithToleranceOperator
from connectrt.runtime.sink_task import WorkerSinkTask
from connectrt.runtime.transformation_chain import TransformationChain, TransformationStage
from connectrt.transforms.regex_router import RegexRouter


class FakeSinkTask(SinkTask):
    """Takes a leading run of b"fast:" values without headers or errors; put() records the rest."""

    def __init__(self, offer: bool = True) -> None:
        self.offer = offer
        self.events: list[tuple[str, str, int, int, Any]] = []
        self.put_calls: list[int] = []
        self.serialized_calls = 0
        self.fail_put_once = False
        self.asked_with: tuple[Any, ...] | None = None

    def version(self) -> str:
        return "1"

    def start(self, props: Any) -> None:
        pass

    def stop(self) -> None:
        pass

    def put(self, records: Sequence[SinkRecord]) -> None:
        if self.fail_put_once and records:
            self.fail_put_once = False
            raise RetriableException("try again")
        self.put_calls.append(len(records))
        for r in records:
            self.events.append(("put", r.topic, r.kafka_partition or 0, r.kafka_offset, r.value))

    def serialized_put(self, key_converter: Any, value_converter: Any, header_converter: Any) -> Any:
        self.asked_with = (key_converter, value_converter, header_converter)
        return self._take if self.offer else None

    def _take(self, messages: Sequence[Any], start: int) -> int:
        self.serialized_calls += 1
        n = 0
        for m in messages[start:]:
            value = m.value()
            if m.error() is not None or m.headers() or value is None or not value.startswith(b"fast:"):
                break
            self.events.append(("fast", m.topic(), m.partition(), m.offset(), value.decode()[5:]))
            n += 1
        return n


class FakeConsumer:
    def __init__(self, batches: list[list[Any]]) -> None:
        self.batches = batches

    def consume(self, num_messages: int, timeout: float) -> list[Any]:
        return self.batches.pop(0) if self.batches else []

    def subscribe(self, topics: list[str], **callbacks: Any) -> None:
        pass

    def pause(self, partitions: Any) -> None:
        pass

    def resume(self, partitions: Any) -> None:
        pass


def msg(topic: str, partition: int, offset: int, value: bytes | None, **kw: Any) -> Message:
    return Message(topic=topic, partition=partition, offset=offset, key=kw.get("key"), value=value,
                   headers=kw.get("headers"), timestamp=(TIMESTAMP_CREATE_TIME, 1000 + offset),
                   error=kw.get("error"))  # fmt: skip


def worker(task: FakeSinkTask, batches: list[list[Any]], transforms: bool = False,
           tolerance_all: bool = False) -> tuple[WorkerSinkTask, list[str]]:  # fmt: skip
    operator = RetryWithToleranceOperator(0, 60000, tolerance_all, [])
    stages = []
    if transforms:
        router = RegexRouter()
        router.configure({"regex": "(.*)", "replacement": "$1"})
        stages.append(TransformationStage("route", router))
    used: list[str] = []
    converters = [StringConverter(), StringConverter(), StringConverter()]
    w = WorkerSinkTask(
        ConnectorTaskId("sink", 0), task, {}, lambda *a: None, TargetState.STARTED, FakeConsumer(batches), ["t"],
        None, *converters, TransformationChain(stages, operator), operator, 1000, 5000, on_topic_used=used.append,
    )  # fmt: skip
    w.initialize_and_start()
    return w, used


def test_taken_and_converted_messages_keep_their_order_and_bookkeeping() -> None:
    task = FakeSinkTask()
    batch = [
        msg("t", 0, 0, b"fast:a"), msg("t", 1, 0, b"fast:b"), msg("t", 0, 1, b"slow"),
        msg("u", 0, 5, b"fast:c"), msg("t", 0, 2, b"fast:d", headers=[("h", b"x")]), msg("t", 1, 1, b"fast:e"),
    ]  # fmt: skip
    w, used = worker(task, [batch])
    assert task.asked_with == (w.key_converter, w.value_converter, w.header_converter)
    w.poll_once()
    assert task.events == [
        ("fast", "t", 0, 0, "a"), ("fast", "t", 1, 0, "b"), ("put", "t", 0, 1, "slow"), ("fast", "u", 0, 5, "c"),
        ("put", "t", 0, 2, "fast:d"), ("fast", "t", 1, 1, "e"),
    ]  # fmt: skip
    assert w.current_offsets == {("t", 0): 3, ("t", 1): 2, ("u", 0): 6}
    assert w.records_put == 6
    assert used == ["t", "u"]
    assert task.put_calls == [1, 1]


def test_a_task_that_keeps_refusing_gets_growing_chunks_not_one_put_per_message() -> None:
    task = FakeSinkTask()
    batch = [msg("t", 0, i, b"slow") for i in range(600)]
    w, _ = worker(task, [batch])
    w.poll_once()
    assert task.put_calls == [1, 2, 4, 8, 16, 32, 64, 128, 256, 89]
    assert [e[3] for e in task.events] == list(range(600))
    assert w.current_offsets == {("t", 0): 600} and w.records_put == 600


def test_no_serialized_put_with_transformations_or_when_the_task_offers_none() -> None:
    for task, transforms in ((FakeSinkTask(), True), (FakeSinkTask(offer=False), False)):
        w, _ = worker(task, [[msg("t", 0, 0, b"fast:a"), msg("t", 0, 1, b"fast:b")]], transforms=transforms)
        w.poll_once()
        assert w.serialized_put is None and task.serialized_calls == 0
        assert task.put_calls == [2] and [e[0] for e in task.events] == ["put", "put"]
    assert FakeSinkTask(offer=False).asked_with is None


def test_retry_of_a_converted_chunk_carries_the_rest_of_the_batch() -> None:
    task = FakeSinkTask()
    task.fail_put_once = True
    w, _ = worker(task, [[msg("t", 0, 0, b"fast:a"), msg("t", 0, 1, b"slow"), msg("t", 0, 2, b"fast:b")]])
    w.poll_once()
    assert task.events == [("fast", "t", 0, 0, "a")]
    assert w.retry_batch is not None and [r.kafka_offset for r in w.retry_batch] == [1, 2]
    w.poll_once()  # the retry: the same records through put(), the fast one included
    assert task.events[1:] == [("put", "t", 0, 1, "slow"), ("put", "t", 0, 2, "fast:b")]
    assert w.retry_batch is None and w.records_put == 3


def test_error_messages_go_the_usual_way() -> None:
    task = FakeSinkTask()
    eof = msg("t", 0, 1, None, error=KafkaError(KafkaError._PARTITION_EOF))
    w, _ = worker(task, [[msg("t", 0, 0, b"fast:a"), eof, msg("t", 0, 1, b"fast:b")]])
    w.poll_once()
    assert [e[0] for e in task.events] == ["fast", "fast"] and task.put_calls == []
    fatal = msg("t", 0, 2, None, error=KafkaError(KafkaError._FATAL, "broken", fatal=True))
    w, _ = worker(FakeSinkTask(), [[fatal]])
    with pytest.raises(ConnectException, match="Consumer error"):
        w.poll_once()


def test_a_serialized_put_that_claims_too_much_fails_the_task() -> None:
    task = FakeSinkTask()
    w, _ = worker(task, [[msg("t", 0, 0, b"fast:a")]])
    w.serialized_put = lambda messages, start: 2
    with pytest.raises(ConnectException, match="took 2 of 1"):
        w.poll_once()
