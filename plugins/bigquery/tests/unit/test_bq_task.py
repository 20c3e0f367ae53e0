"""BigQuerySinkTask without a BigQuery: grouping, partition decorators, queueSize pausing, rejections.

The context is an in-memory fake of connectrt's SinkTaskContext; nothing here talks to a network
(the client is built for an unreachable endpoint and never called)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import pytest
from connectrt.api.connector import ErrantRecordReporter, SinkTaskContext
from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import SinkRecord

from connectrt_bigquery.errors import BigQueryConnectException
from connectrt_bigquery.insert_writer import Rejected
from connectrt_bigquery.task import BigQuerySinkTask, _Group

pytestmark = pytest.mark.unit

VALUE = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build()
PROPS = {
    "name": "c",
    "project": "p",
    "defaultDataset": "ds",
    "keySource": "NONE",
    "bigQueryEndpoint": "http://127.0.0.1:9",
}


class Reporter(ErrantRecordReporter):
    def __init__(self) -> None:
        self.reported: list[tuple[SinkRecord, BaseException]] = []

    def report(self, record: SinkRecord, error: BaseException) -> Future[None]:
        self.reported.append((record, error))
        done: Future[None] = Future()
        done.set_result(None)
        return done


class Context(SinkTaskContext):
    def __init__(self, reporter: ErrantRecordReporter | None) -> None:
        self.reporter = reporter
        self.paused: set[tuple[str, int]] = set()
        self.commits = 0

    @property
    def configs(self) -> dict[str, str]:
        return {}

    def offset(self, offsets: Mapping[tuple[str, int], int]) -> None: ...

    def timeout(self, timeout_ms: int) -> None: ...

    def assignment(self) -> set[tuple[str, int]]:
        return {("t", 0), ("t", 1)}

    def pause(self, *partitions: tuple[str, int]) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: tuple[str, int]) -> None:
        self.paused.difference_update(partitions)

    def request_commit(self) -> None:
        self.commits += 1

    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return self.reporter


def started(reporter: ErrantRecordReporter | None = None, **props: str) -> BigQuerySinkTask:
    task = BigQuerySinkTask()
    task.initialize(Context(reporter))
    task.start({**PROPS, **props})
    return task


def record(offset: int, ts_ms: int | None = None, value: Any = "default") -> SinkRecord:
    v = Struct(VALUE, {"id": offset}) if value == "default" else value
    return SinkRecord("t", 0, None, None, VALUE if v is not None else None, v, offset, timestamp=ts_ms)


def test_rows_are_grouped_per_table_and_day_decorator() -> None:
    task = started(bigQueryMessageTimePartitioning="true")
    try:
        groups: dict[str, _Group] = {}
        day1 = int(dt.datetime(2026, 1, 5, 23, 0, tzinfo=dt.UTC).timestamp() * 1000)
        day2 = int(dt.datetime(2026, 1, 6, 1, 0, tzinfo=dt.UTC).timestamp() * 1000)
        for i, ts in enumerate((day1, day2, day1)):
            task._add(record(i, ts), groups)
        assert sorted(groups) == ["p.ds.t$20260105", "p.ds.t$20260106"]
        assert groups["p.ds.t$20260105"].batch.ids == ["t-0-0", "t-0-2"]
        assert groups["p.ds.t$20260105"].batch.rows == [{"id": 0}, {"id": 2}]
    finally:
        task.stop()
    plain = started(bigQueryPartitionDecorator="false")
    try:
        groups = {}
        plain._add(record(0), groups)
        assert list(groups) == ["p.ds.t"]
    finally:
        plain.stop()


def test_queue_size_pauses_every_partition_and_resumes_under_half() -> None:
    task = started(queueSize="2")
    try:
        context = task.context
        assert isinstance(context, Context)
        task.futures = [Future() for _ in range(3)]
        task._check_queue_size()
        assert context.paused == {("t", 0), ("t", 1)}
        for future in task.futures[:2]:
            future.set_result(None)
        task._check_queue_size()
        assert context.paused == set()
    finally:
        for future in task.futures:
            if not future.done():
                future.set_result(None)
        task.stop()


def test_null_values_are_skipped_unless_deletes_are_enabled_and_rejections_reach_the_reporter() -> None:
    reporter = Reporter()
    task = started(reporter, bigQueryPartitionDecorator="false")
    try:
        task.put([record(0, value=None)])  # a tombstone without deleteEnabled: nothing to write
        assert task.futures == []
        task.rejected = [Rejected(record(5), "table: p.ds.t insertion failed for the following rows: ...")]
        task.pre_commit({("t", 0): 6})
        [(rejected, error)] = reporter.reported
        assert rejected.kafka_offset == 5 and isinstance(error, BigQueryConnectException)
        assert str(error).startswith("table: p.ds.t insertion failed")
    finally:
        task.stop()


def test_without_a_reporter_a_rejection_fails_every_later_put() -> None:
    task = started(None, bigQueryPartitionDecorator="false")
    try:
        task.rejected = [Rejected(record(1), "table: p.ds.t insertion failed: bad row")]
        with pytest.raises(BigQueryConnectException, match="bad row"):
            task.pre_commit({("t", 0): 2})
        with pytest.raises(BigQueryConnectException, match="bad row"):
            task.put([])
    finally:
        task.stop()
