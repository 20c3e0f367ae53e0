"""Runs the same consumed messages through connectrt's WorkerSinkTask and the S3 sink twice, with the compiled
path (connectrt-s3-native) on and off, into the in-process moto S3; the objects and dead-letter reports of
both runs are then compared. The consumer is a fake of connectrt's own use of it (batches of Message
objects); converters, runtime, task, writers and formats are the real ones."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

import orjson
from confluent_kafka import TIMESTAMP_CREATE_TIME, Message
from connectrt.api import Schema, SchemaBuilder, Struct
from connectrt.api.data import Date, Time, Timestamp
from connectrt.converters.json_converter import JsonConverter
from connectrt.converters.string import StringConverter
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.errors import ErrorReporter, ProcessingContext, RetryWithToleranceOperator
from connectrt.runtime.sink_task import WorkerSinkTask
from connectrt.runtime.transformation_chain import TransformationChain
from s3_fixtures import Clock, objects

from connectrt_s3 import native
from connectrt_s3.task import S3SinkTask

TOPIC = "orders"


class FakeConsumer:
    """A log of messages (partitions interleaved) handed out in batches of ``batch`` from each partition's
    position; a seek (the sink's rewind after a failed upload) moves a position back."""

    def __init__(self, log: list[Message], batch: int) -> None:
        self.log = log
        self.batch = batch
        self.positions: dict[tuple[str, int], int] = {}
        self.seeks: list[tuple[str, int, int]] = []

    def consume(self, num_messages: int, timeout: float) -> list[Message]:
        out: list[Message] = []
        for m in self.log:
            tp = (m.topic(), m.partition())
            if m.offset() >= self.positions.get(tp, 0):
                out.append(m)
                self.positions[tp] = m.offset() + 1
                if len(out) >= self.batch:
                    break
        return out

    def subscribe(self, topics: Any, **callbacks: Any) -> None:
        pass

    def pause(self, partitions: Any) -> None:
        pass

    def resume(self, partitions: Any) -> None:
        pass

    def seek(self, tp: Any) -> None:
        self.seeks.append((tp.topic, tp.partition, tp.offset))
        self.positions[(tp.topic, tp.partition)] = tp.offset

    def commit(self, **kw: Any) -> None:
        pass

    def close(self) -> None:
        pass


class StepClock(Clock):
    """Wall clock advancing 10 ms a call (a failed upload's back-off passes)."""

    def __call__(self) -> int:
        self.now += 10
        return self.now


class DlqCapture(ErrorReporter):
    def __init__(self) -> None:
        self.reported: list[tuple[str, int, int, str]] = []

    def report(self, context: ProcessingContext) -> None:
        c = context.consumed
        assert c is not None
        self.reported.append((c.topic, c.partition, c.offset, context.stage.value))
        return None


class Run:
    def __init__(self, worker: WorkerSinkTask, task: S3SinkTask, dlq: DlqCapture, taken: list[int]) -> None:
        self.worker, self.task, self.dlq, self.taken = worker, task, dlq, taken


def run(
    client: Any,
    monkeypatch: Any,
    log: list[Message],
    config: dict[str, str],
    use_native: bool,
    tolerance_all: bool = False,
    key_converter: Any = None,
    batch: int = 97,
) -> Run:
    """The whole log through a fresh worker and task (topics.dir tells the runs apart)."""
    monkeypatch.setenv(native.DISABLE_ENV, "1" if use_native else "0")
    operator = RetryWithToleranceOperator(0, 60000, tolerance_all, [dlq := DlqCapture()])
    value_converter = JsonConverter()
    value_converter.configure({"schemas.enable": "true"}, False)
    task = S3SinkTask(clock=StepClock())
    props = {"retry.backoff.ms": "1", **config, "topics.dir": ("native" if use_native else "python")}
    consumer = FakeConsumer(log, batch)
    worker = WorkerSinkTask(
        ConnectorTaskId("s3-unit", 0), task, props, lambda *a: None, TargetState.STARTED, consumer, [TOPIC], None,
        key_converter or StringConverter(), value_converter, StringConverter(), TransformationChain([], operator),
        operator, 60_000, 5000,
    )  # fmt: skip
    partitions = {(m.topic(), m.partition()) for m in log}
    worker.assigned.update(partitions)
    worker.context.assignment = lambda: set(partitions)  # type: ignore[method-assign]
    worker.initialize_and_start()
    taken: list[int] = []
    put = worker.serialized_put
    if put is not None:

        def counting(messages: Sequence[Any], start: int) -> int:
            n = put(messages, start)
            taken.append(n)
            return n

        worker.serialized_put = counting
    for _ in range(10 * len(log) + 10):
        if worker.retry_batch is None and worker.context.pending_offsets:
            worker.poll_once()  # applies the seeks
        elif worker.retry_batch is None and not any(
            m.offset() >= consumer.positions.get((m.topic(), m.partition()), 0) for m in log
        ):
            break
        else:
            worker.poll_once()
    return Run(worker, task, dlq, taken)


def compare(client: Any, monkeypatch: Any, log: list[Message], config: dict[str, str],
            tolerance_all: bool = False, key_converter: Any = None,
            batch: int = 97) -> tuple[Run, Run, dict[str, bytes]]:  # fmt: skip
    """Both runs; asserts identical objects, DLQ reports and committable offsets; the objects."""
    python = run(client, monkeypatch, log, config, False, tolerance_all, key_converter, batch)
    fast = run(client, monkeypatch, log, config, True, tolerance_all, key_converter, batch)
    assert python.worker.serialized_put is None
    want = {k.split("/", 1)[1]: v for k, v in objects(client, "python/").items()}
    got = {k.split("/", 1)[1]: v for k, v in objects(client, "native/").items()}
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key] == want[key], key
    # The same reports; within one poll's batch the order may differ: the Python path reports the batch's
    # conversion errors before put()'s, the split batch reports them in offset order.
    assert sorted(fast.dlq.reported) == sorted(python.dlq.reported)
    assert fast.worker.current_offsets == python.worker.current_offsets
    assert fast.worker.records_put == python.worker.records_put
    assert fast.task.pre_commit({}) == python.task.pre_commit({})
    for tp, w in python.task.writers.items():  # the open files hold the same records
        f = fast.task.writers[tp]
        assert (f.record_count, f.current_offset, f.start_offsets) == (
            w.record_count, w.current_offset, w.start_offsets)  # fmt: skip
    return python, fast, want


# --- data ---------------------------------------------------------------------------------------------

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def wide_schema(name: str = "unit.Wide") -> Schema:
    return (
        SchemaBuilder.struct().name(name)
        .field("id", Schema.INT64_SCHEMA).field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA)
        .field("i32", Schema.OPTIONAL_INT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
        .field("flag", Schema.OPTIONAL_BOOLEAN_SCHEMA).field("text", Schema.STRING_SCHEMA)
        .field("note", Schema.OPTIONAL_STRING_SCHEMA).field("ts", Timestamp.SCHEMA)
        .field("day", Date.builder().optional().build()).field("tod", Time.SCHEMA)
        .build()
    )  # fmt: skip


_FLOATS = [0.0, -0.0, 1e-3, -1e-3, 0.00099999, 1e7, 9999999.999999998, 1e-7, 1e300, 5e-324, 0.1 + 0.2,
           123456.789, 1.0, -2.5, 1234567.0, 3.141592653589793, 2.0**53, 1e22]  # fmt: skip
_CHARS = 'aZ09 "\\/\b\f\n\r\t\x00\x01\x1f\x7f\u00e9\u0800\u2028\u2029\ufeff\U0001f600\U00010000'


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 12)))


def wide_value(schema: Schema, i: int, rng: random.Random) -> Struct:
    # mostly values whose JSON text the compiled path writes; some it leaves to Python (1e7, 1e-7, ...)
    f64 = rng.choice(_FLOATS) if rng.random() < 0.05 else rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-2, 3)
    return Struct(schema, {
        "id": rng.choice([i, -(2**63), 2**63 - 1, 0]), "i8": rng.choice([-128, 127, i % 100]),
        "i16": rng.choice([-32768, 32767, i % 1000]), "i32": rng.choice([None, -(2**31), 2**31 - 1, i]),
        "f64": f64, "flag": rng.choice([None, True, False]), "text": random_text(rng),
        "note": rng.choice([None, "", random_text(rng)]),
        "ts": EPOCH + dt.timedelta(milliseconds=rng.choice([0, -1, 1_767_225_600_123, i * 37, 2**32 * 1000 - 1])),
        "day": rng.choice([None, dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2026, 12, 7)]),
        "tod": dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999) * 1000),
    })  # fmt: skip


def envelope(schema_json: bytes, payload: Any) -> bytes:
    return b'{"schema":' + schema_json + b',"payload":' + payload + b"}"


def message(partition: int, offset: int, value: bytes | None, key: bytes | None = None,
            headers: Any = None) -> Message:  # fmt: skip
    return Message(topic=TOPIC, partition=partition, offset=offset, key=key, value=value, headers=headers,
                   timestamp=(TIMESTAMP_CREATE_TIME, 1_700_000_000_000 + offset))  # fmt: skip


def schema_json(converter: JsonConverter, schema: Schema) -> bytes:
    return orjson.dumps(converter.as_json_schema(schema))
