"""Debezium change events and flat records built in memory, and an in-memory sink task context."""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from connectrt.api.connector import ErrantRecordReporter, SinkTaskContext
from connectrt.api.data import Decimal, Schema, SchemaBuilder, Struct
from connectrt.api.records import SinkRecord

KEY = SchemaBuilder.struct().name("srv.public.orders.Key").field("id", Schema.INT32_SCHEMA).build()
ROW = (
    SchemaBuilder.struct()
    .name("srv.public.orders.Value")
    .field("id", Schema.INT32_SCHEMA)
    .field("status", Schema.OPTIONAL_STRING_SCHEMA)
    .field("price", Decimal.builder(2).parameter("connect.decimal.precision", "10").optional().build())
    .field("ts", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").version(1).optional().build())
    .build()
)
ROW_OPTIONAL = SchemaBuilder.from_schema(ROW).optional().build()
SOURCE = (
    SchemaBuilder.struct()
    .name("io.debezium.connector.postgresql.Source")
    .field("schema", Schema.STRING_SCHEMA)
    .field("table", Schema.STRING_SCHEMA)
    .build()
)
ENVELOPE = (
    SchemaBuilder.struct()
    .name("srv.public.orders.Envelope")
    .field("before", ROW_OPTIONAL)
    .field("after", ROW_OPTIONAL)
    .field("source", SOURCE)
    .field("op", Schema.STRING_SCHEMA)
    .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
    .build()
)


def row(
    i: int,
    status: str | None = "new",
    price: str | None = "1.25",
    ts: int | None = 1_700_000_000_123_456,
    schema: Schema = ROW_OPTIONAL,
) -> Struct:
    return Struct(
        schema,
        {"id": i, "status": status, "price": None if price is None else decimal.Decimal(price), "ts": ts},
    )


def event(
    op: str, i: int, offset: int, topic: str = "srv.public.orders", table: str = "orders", **fields: Any
) -> SinkRecord:
    after = row(i, **fields) if op in ("c", "r", "u") else None
    before = row(i, **fields) if op == "d" else None
    value = Struct(
        ENVELOPE,
        {
            "before": before,
            "after": after,
            "source": Struct(SOURCE, {"schema": "public", "table": table}),
            "op": op,
            "ts_ms": 0,
        },
    )
    return SinkRecord(topic, 0, KEY, Struct(KEY, {"id": i}), ENVELOPE, value, offset)


def tombstone(i: int, offset: int, topic: str = "srv.public.orders") -> SinkRecord:
    return SinkRecord(topic, 0, KEY, Struct(KEY, {"id": i}), None, None, offset)


class Reporter(ErrantRecordReporter):
    def __init__(self) -> None:
        self.reported: list[tuple[SinkRecord, BaseException]] = []

    def report(self, record: SinkRecord, error: BaseException) -> Future[None]:
        self.reported.append((record, error))
        fut: Future[None] = Future()
        fut.set_result(None)
        return fut


class Context(SinkTaskContext):
    """An in-memory SinkTaskContext (our interface)."""

    def __init__(self, props: Mapping[str, str], reporter: ErrantRecordReporter | None = None) -> None:
        self.props = dict(props)
        self.reporter = reporter
        self.timeout_ms = -1

    @property
    def configs(self) -> dict[str, str]:
        return self.props

    def offset(self, offsets: Mapping[tuple[str, int], int]) -> None:
        pass

    def timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms

    def assignment(self) -> set[tuple[str, int]]:
        return set()

    def pause(self, *partitions: tuple[str, int]) -> None:
        pass

    def resume(self, *partitions: tuple[str, int]) -> None:
        pass

    def request_commit(self) -> None:
        pass

    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return self.reporter


def started_task(
    props: Mapping[str, str], flavour: str = "debezium", reporter: Any = None, gather: bool = False
) -> Any:
    """A started task; gathering of full puts into larger transactions is off unless ``gather``, so
    each put() is written (or fails) at once."""
    from connectrt_sql.task import ConfluentJdbcSinkTask, JdbcSinkTask

    task = JdbcSinkTask() if flavour == "debezium" else ConfluentJdbcSinkTask()
    task.initialize(Context(props, reporter))
    task.start(props)
    task.gather = task.gather and gather
    return task
