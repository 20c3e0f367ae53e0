"""WorkerSourceTask and record runs (connectrt/runtime/serialized.py): a task's ``poll_serialized()`` is
used only when nothing needs the records themselves; a run's rows are produced as they are, a run without
bytes goes the usual way as its records, a full producer queue resumes inside the run, and committing the
run commits its last record's offset."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.connector import SourceTask
from connectrt.api.data import Schema
from connectrt.api.records import SourceRecord
from connectrt.runtime.errors import RetryWithToleranceOperator
from connectrt.runtime.serialized import is_record_run
from connectrt.runtime.transformation_chain import TransformationChain, TransformationStage
from tests.unit.runtime.test_task_hot_paths import FakeProducer, send, source_task, stored

pytestmark = pytest.mark.unit

PART = {"slot": "s"}


class Run:
    """A record run of ``n`` rows on topic ``t`` (offsets {"pos": first..first+n-1}); ``known``: whether it
    has bytes for the converters it is asked about."""

    def __init__(self, first: int, n: int, known: bool = True) -> None:
        self.first, self.n, self.known = first, n, known
        self.asked = 0

    def __len__(self) -> int:
        return self.n

    def serialized(self, kc: Any, vc: Any, hc: Any) -> tuple[list[Any], Any, Any] | None:
        self.asked += 1
        if not self.known:
            return None
        rows = [("t", b"k%d" % i, b"v%d" % i, [("h", b"x")]) for i in range(self.first, self.first + self.n)]
        return rows, PART, {"pos": self.first + self.n - 1}

    def records(self) -> list[SourceRecord]:
        return [
            SourceRecord(PART, {"pos": i}, "t", value_schema=Schema.STRING_SCHEMA, value=f"r{i}")
            for i in range(self.first, self.first + self.n)
        ]


def test_rows_are_produced_as_they_are_and_the_run_commits_its_last_offset() -> None:
    producer = FakeProducer()
    task, store = source_task(producer)
    plain = SourceRecord(PART, {"pos": 0}, "t", value_schema=Schema.STRING_SCHEMA, value="p")
    send(task, [plain, Run(1, 3)])  # type: ignore[list-item]
    assert [(topic, value) for topic, value, _cb in producer.sent] == [
        ("t", b'"p"'),
        ("t", b"v1"),
        ("t", b"v2"),
        ("t", b"v3"),
    ]
    assert producer.headers[1:] == [[("h", b"x")]] * 3
    assert task.records_sent == 4
    batch = task.batches[-1]
    assert batch.pending == 4
    producer.ack_all()
    task.commit_offsets()
    assert stored(store, PART) == {"pos": 3}


def test_a_run_without_bytes_is_sent_as_its_records() -> None:
    producer = FakeProducer()
    task, store = source_task(producer)
    run = Run(0, 2, known=False)
    send(task, [run, Run(2, 1)])  # type: ignore[list-item]
    assert run.asked == 1
    assert [value for _t, value, _cb in producer.sent] == [b'"r0"', b'"r1"', b"v2"]
    assert task.records_sent == 3
    producer.ack_all()
    task.commit_offsets()
    assert stored(store, PART) == {"pos": 2}


def test_a_full_queue_resumes_inside_the_run_without_asking_again() -> None:
    producer = FakeProducer(full_after=2)
    task, store = source_task(producer)
    run = Run(0, 5)
    send(task, [run])  # type: ignore[list-item]
    assert run.asked == 1
    assert [value for _t, value, _cb in producer.sent] == [b"v0", b"v1", b"v2", b"v3", b"v4"]
    assert task.records_sent == 5 and task.batches[-1].pending == 5
    producer.ack_all()
    task.commit_offsets()
    assert stored(store, PART) == {"pos": 4}


def test_no_offset_is_committed_before_every_row_of_the_run_is_acknowledged() -> None:
    producer = FakeProducer()
    task, store = source_task(producer)
    send(task, [Run(0, 3)])  # type: ignore[list-item]
    producer.callbacks[0](None, None)
    producer.callbacks[1](None, None)
    task.commit_offsets()
    assert stored(store, PART) is None
    producer.callbacks[2](None, None)
    task.commit_offsets()
    assert stored(store, PART) == {"pos": 2}


class RunTask(SourceTask):
    def version(self) -> str:
        return "1"

    def start(self, props: Any) -> None:
        pass

    def stop(self) -> None:
        pass

    def poll(self) -> list[SourceRecord] | None:
        return None

    def poll_serialized(self) -> list[Any] | None:
        return None


class RecordCommitter(RunTask):
    def commit_record(self, record: SourceRecord, metadata: Any) -> None:
        pass


def test_poll_serialized_is_used_only_when_nothing_needs_the_records() -> None:
    from connectrt.transforms.regex_router import RegexRouter

    task, _ = source_task(FakeProducer())
    assert task.poll_serialized is None  # the task has no poll_serialized

    def worker_task(source: SourceTask, chain: TransformationChain[SourceRecord] | None = None) -> Any:
        t, _ = source_task(FakeProducer())
        operator = RetryWithToleranceOperator(0, 60000, False, [])
        chain = chain or TransformationChain([], operator)
        return type(t)(
            t.id, source, {}, lambda *a: None, t.target_state, t.producer, t.key_converter, t.value_converter,
            t.header_converter, chain, operator, t.offset_reader, t.offset_writer, 1000, 5000,
        )  # fmt: skip

    plain = RunTask()
    assert worker_task(plain).poll_serialized == plain.poll_serialized
    assert worker_task(RecordCommitter()).poll_serialized is None  # commit_record needs each record
    router = RegexRouter()
    router.configure({"regex": "(.*)", "replacement": "x-$1"})
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    chain = TransformationChain([TransformationStage("route", router)], operator)
    assert worker_task(RunTask(), chain).poll_serialized is None  # a transform reads the records


def test_is_record_run() -> None:
    assert is_record_run(Run(0, 1))
    assert not is_record_run(SourceRecord(None, None, "t", value="x"))
