"""Where a record's CPU goes in the S3 sink path, stage by stage, in one process (no broker, no upload).

The same records as bench/sinks/s3.py (JsonConverter with schemas), as confluent-kafka Message objects, go
through the runtime's own WorkerSinkTask.convert_messages (StringConverter keys, JsonConverter values, no
transforms) in batches of 500, then through S3SinkTask.put for each format with an S3 client stand-in that
only counts the bytes it is given (uploads are measured by bench/sinks/s3.py against the dev S3 server).
Each stage is timed in CPU time, best of several rounds: a shared machine's load inflates a round, rarely all.
The collector is set up as in a worker: start-up objects frozen, task threads' young-generation threshold.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

BATCH = 500
FORMATS = {
    "json": "io.confluent.connect.s3.format.json.JsonFormat",
    "avro": "io.confluent.connect.s3.format.avro.AvroFormat",
    "parquet": "io.confluent.connect.s3.format.parquet.ParquetFormat",
}


class CountingS3:
    """Stands in for the boto3 client: accepts every request and keeps only the sizes of the bodies."""

    def __init__(self) -> None:
        self.bytes = 0

    def head_bucket(self, **_: Any) -> dict[str, Any]:
        return {}

    def put_object(self, Body: bytes, **_: Any) -> dict[str, Any]:
        self.bytes += len(Body)
        return {}

    def create_multipart_upload(self, **_: Any) -> dict[str, Any]:
        return {"UploadId": "u"}

    def upload_part(self, Body: bytes, **_: Any) -> dict[str, Any]:
        self.bytes += len(Body)
        return {"ETag": "e"}

    def complete_multipart_upload(self, **_: Any) -> dict[str, Any]:
        return {}

    def abort_multipart_upload(self, **_: Any) -> dict[str, Any]:
        return {}


def _messages(n: int, record: Callable[[int], tuple[bytes, bytes]]) -> list[Any]:
    from confluent_kafka import TIMESTAMP_CREATE_TIME, Message

    out = []
    for i in range(n):
        key, value = record(i)
        out.append(Message(topic="bench", partition=0, offset=i, key=key, value=value, headers=None,
                           timestamp=(TIMESTAMP_CREATE_TIME, 1_767_225_600_000 + i)))  # fmt: skip
    return out


def _worker_task(sink: Any = None) -> Any:
    from connectrt.api.connector import SinkTask
    from connectrt.converters.json_converter import JsonConverter
    from connectrt.converters.string import StringConverter
    from connectrt.model.entities import ConnectorTaskId
    from connectrt.model.states import TargetState
    from connectrt.runtime.errors import RetryWithToleranceOperator
    from connectrt.runtime.sink_task import WorkerSinkTask
    from connectrt.runtime.transformation_chain import TransformationChain

    class Nothing(SinkTask):
        def version(self) -> str:
            return "0"

        def start(self, props: Any) -> None:
            pass

        def put(self, records: Any) -> None:
            pass

        def stop(self) -> None:
            pass

    key, value = StringConverter(), JsonConverter()
    key.configure({}, True)
    value.configure({"schemas.enable": "true"}, False)
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    return WorkerSinkTask(
        ConnectorTaskId("bench", 0), sink or Nothing(), {}, lambda *a: None, TargetState.STARTED, None, ["bench"], None,
        key, value, JsonConverter(), TransformationChain([], operator), operator, 1000, 5000,
    )  # fmt: skip


def _s3_task(fmt: str, flush_size: int) -> tuple[Any, CountingS3]:
    from connectrt_s3.task import S3SinkTask

    from connectrt.api.connector import SinkTaskContext

    class Context(SinkTaskContext):
        @property
        def configs(self) -> dict[str, str]:
            return {}

        def offset(self, offsets: Any) -> None:
            pass

        def timeout(self, timeout_ms: int) -> None:
            pass

        def assignment(self) -> set[tuple[str, int]]:
            return {("bench", 0)}

        def pause(self, *partitions: Any) -> None:
            pass

        def resume(self, *partitions: Any) -> None:
            pass

        def request_commit(self) -> None:
            pass

        def errant_record_reporter(self) -> Any:
            return None

    client = CountingS3()
    task = S3SinkTask(client=client)
    task.initialize(Context())
    task.start({"name": "bench", "s3.bucket.name": "bench", "s3.region": "us-east-1", "format.class": FORMATS[fmt],
                "flush.size": str(flush_size), "storage.class": "io.confluent.connect.s3.storage.S3Storage"})  # fmt: skip
    return task, client


def measure(
    n: int, record: Callable[[int], tuple[bytes, bytes]], formats: list[str], rounds: int = 5
) -> list[tuple[str, float, str]]:
    """(stage, best CPU µs per record, note) for the decode stages and each format's put."""
    msgs = _messages(n, record)
    batches = [msgs[i : i + BATCH] for i in range(0, n, BATCH)]
    from connectrt.runtime.worker_task import tune_gc_for_tasks

    gc.collect()
    gc.freeze()  # as the worker does after start-up: the inputs are not the records' garbage
    thresholds = gc.get_threshold()
    tune_gc_for_tasks()  # the collector settings of a worker's task threads
    clock = time.process_time
    best: dict[str, float] = {}

    def keep(stage: str, seconds: float) -> None:
        best[stage] = min(best.get(stage, float("inf")), seconds / n * 1e6)

    task = _worker_task()
    key, value = task.key_converter.to_connect_data, task.value_converter.to_connect_data
    for _ in range(rounds):
        t0 = clock()
        for b in batches:
            [key("bench", m.key()) for m in b]
        keep("key", clock() - t0)
        t0 = clock()
        for b in batches:
            [value("bench", m.value()) for m in b]
        keep("value", clock() - t0)
        t0 = clock()
        for b in batches:
            task.convert_messages(b)
        keep("convert", clock() - t0)
    records = [task.convert_messages(b) for b in batches]
    sizes: dict[str, int] = {}
    for fmt in formats:
        for _ in range(rounds):
            s3, client = _s3_task(fmt, max(1, n // 10))
            t0 = clock()
            for r in records:
                s3.put(r)
            keep(fmt, clock() - t0)
            sizes[fmt] = client.bytes
    from connectrt_s3 import native

    compiled = [f for f in formats if f in ("json", "parquet")] if native.available() else []
    for fmt in compiled:
        for _ in range(rounds):
            s3, client = _s3_task(fmt, max(1, n // 10))
            worker = _worker_task(s3)
            put = s3.serialized_put(worker.key_converter, worker.value_converter, worker.header_converter)
            assert put is not None
            t0 = clock()
            for b in batches:
                worker.put_serialized(put, b)
            keep(f"compiled {fmt}", clock() - t0)
            assert client.bytes == sizes[fmt], "the compiled path wrote other bytes"
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    out = [
        ("key: StringConverter.to_connect_data", best["key"], "the runtime's key converter"),
        ("value: JsonConverter.to_connect_data", best["value"], "schema envelope + payload → Struct"),
        (
            "records: SinkRecords, offsets, headers",
            best["convert"] - best["key"] - best["value"],
            "convert_messages minus the two converters",
        ),
        ("= WorkerSinkTask.convert_messages", best["convert"], ""),
    ]
    for fmt in formats:
        out.append(
            (f"S3SinkTask.put, {fmt}", best[fmt], f"{sizes[fmt] / n:.0f} B/record written, upload excluded")
        )
    for fmt in compiled:
        out.append((f"compiled path, {fmt}: consumed messages → objects", best[f"compiled {fmt}"],
                    "WorkerSinkTask.put_serialized (connectrt-s3-native), all of the task thread's work"))  # fmt: skip
    return out
