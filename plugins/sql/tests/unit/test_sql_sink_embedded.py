"""The sink task against real embedded databases (DuckDB and SQLite files): upserts, deletes,
collapse within a batch, replay, truncate, table creation and evolution, bad records."""

from __future__ import annotations

import decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from connectrt.api.connector import ConnectException
from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import SinkRecord
from sql_records import ENVELOPE, KEY, Reporter, event, started_task, tombstone

pytestmark = pytest.mark.unit

BASE = {
    "insert.mode": "upsert",
    "primary.key.mode": "record_key",
    "delete.enabled": "true",
    "schema.evolution": "basic",
    "collection.name.format": "${source.table}",
}


@pytest.fixture(params=["duckdb", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"jdbc:{request.param}:{tmp_path / ('w.' + request.param)}"


def rows(url: str, table: str = "orders") -> list[tuple[Any, ...]]:
    from connectrt_sql.urls import parse_connection_url

    engine = sa.create_engine(parse_connection_url(url).url)
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.exec_driver_sql(f"SELECT id, status, price FROM {table} ORDER BY id")]
    finally:
        engine.dispose()


def test_upserts_deletes_and_collapse_within_a_batch(url: str) -> None:
    task = started_task({**BASE, "connection.url": url})
    task.put(
        [
            event("r", 1, 0),
            event("r", 2, 1),
            event("c", 3, 2),
            event("u", 1, 3, status="shipped"),
            event("d", 2, 4),
            tombstone(2, 5),
            event("c", 2, 6, status="again"),
            event("c", 4, 7),
            event("d", 4, 8),
        ]
    )
    task.stop()
    got = rows(url)
    assert [(r[0], r[1]) for r in got] == [(1, "shipped"), (2, "again"), (3, "new")]
    assert decimal.Decimal(str(got[0][2])) == decimal.Decimal("1.25")


def test_replay_leaves_the_table_identical(url: str) -> None:
    batch = (
        [event("c", i, i) for i in range(50)]
        + [event("u", i, 50 + i, status="paid") for i in range(0, 50, 3)]
        + [event("d", i, 100 + i) for i in range(0, 50, 7)]
    )
    task = started_task({**BASE, "connection.url": url})
    task.put(batch)
    first = rows(url) if url.startswith("jdbc:sqlite") else None
    task.put(batch[10:])  # redelivered after a crash: from some offset on
    task.put(batch)
    task.stop()
    final = rows(url)
    if first is not None:
        assert final == first
    assert len(final) == 50 - len(range(0, 50, 7))
    assert {r[0] for r in final if r[1] == "paid"} == {i for i in range(0, 50, 3)} - set(range(0, 50, 7))


def test_missing_table_without_evolution_is_a_clear_error(url: str) -> None:
    task = started_task({**BASE, "schema.evolution": "none", "connection.url": url})
    with pytest.raises(
        ConnectException,
        match=r"Table orders is missing and auto-creation is disabled: create it, "
        r"or set schema.evolution=basic",
    ):
        task.put([event("c", 1, 0)])
    task.stop()


def test_new_fields_add_columns(url: str) -> None:
    task = started_task({**BASE, "connection.url": url})
    task.put([event("c", 1, 0)])
    wider = (
        SchemaBuilder.struct()
        .name("v2")
        .field("id", Schema.INT32_SCHEMA)
        .field("status", Schema.OPTIONAL_STRING_SCHEMA)
        .field("note", Schema.OPTIONAL_STRING_SCHEMA)
        .build()
    )
    task.put(
        [
            SinkRecord(
                "srv.public.other",
                0,
                KEY,
                Struct(KEY, {"id": 1}),
                wider,
                Struct(wider, {"id": 1, "status": "x", "note": "hello"}),
                1,
            )
        ]
    )
    task.stop()
    task = started_task({**BASE, "connection.url": url, "collection.name.format": "orders"})
    task.put(
        [
            SinkRecord(
                "srv.public.other",
                0,
                KEY,
                Struct(KEY, {"id": 2}),
                wider,
                Struct(wider, {"id": 2, "status": "y", "note": "n2"}),
                2,
            )
        ]
    )
    task.stop()
    from connectrt_sql.urls import parse_connection_url

    engine = sa.create_engine(parse_connection_url(url).url)
    with engine.connect() as c:
        got = [tuple(r) for r in c.exec_driver_sql("SELECT id, status, note FROM orders ORDER BY id")]
    engine.dispose()
    assert got == [(1, "new", None), (2, "y", "n2")]


def test_truncate_event_empties_the_table(url: str) -> None:
    task = started_task({**BASE, "truncate.enabled": "true", "connection.url": url})
    truncate = event("c", 9, 3)
    truncate.value["op"] = "t"
    truncate.value["after"] = None
    task.put([event("c", 1, 0), event("c", 2, 1)])
    task.put([event("c", 3, 2), truncate, event("c", 4, 4)])
    task.stop()
    assert [r[0] for r in rows(url)] == [4]


def test_schemaless_record_goes_to_the_errant_reporter(url: str) -> None:
    reporter = Reporter()
    task = started_task({**BASE, "connection.url": url}, reporter=reporter)
    bad = SinkRecord("srv.public.orders", 0, None, None, None, {"id": 5}, 1)
    task.put([event("c", 1, 0), bad, event("c", 2, 2)])
    task.stop()
    assert [r[0] for r in rows(url)] == [1, 2]
    [(record, error)] = reporter.reported
    assert record is bad and "needs schemas: set value.converter.schemas.enable=true" in str(error)


def test_rows_the_database_refuses_are_isolated_and_reported(url: str) -> None:
    reporter = Reporter()
    task = started_task({**BASE, "connection.url": url}, reporter=reporter)
    task.put([event("c", 1, 0)])
    with sa.create_engine(__import__("connectrt_sql.urls").urls.parse_connection_url(url).url).begin() as c:
        c.exec_driver_sql(
            "CREATE TABLE strict_orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL, price NUMERIC, "
            "ts TIMESTAMP)"
        )
    task.stop()
    task = started_task(
        {**BASE, "connection.url": url, "collection.name.format": "strict_orders"}, reporter=reporter
    )
    task.put([event("c", 1, 0), event("c", 2, 1, status=None), event("c", 3, 2)])  # type: ignore[arg-type]
    task.stop()
    assert [r[0] for r in rows(url, "strict_orders")] == [1, 3]
    [(record, error)] = reporter.reported
    assert record.kafka_offset == 1 and "strict_orders refused the record" in str(error)


def test_without_a_reporter_a_refused_row_fails_the_task(url: str) -> None:
    task = started_task({**BASE, "connection.url": url, "collection.name.format": "strict"})
    task.put([event("c", 1, 0)])
    task.stop()
    from connectrt_sql.urls import parse_connection_url

    with sa.create_engine(parse_connection_url(url).url).begin() as c:
        c.exec_driver_sql(
            "CREATE TABLE strict2 (id INTEGER PRIMARY KEY, status TEXT NOT NULL, price NUMERIC, ts TIMESTAMP)"
        )
    task = started_task({**BASE, "connection.url": url, "collection.name.format": "strict2"})
    with pytest.raises(ConnectException, match="Writing a batch of 2 changes to strict2 failed: "):
        task.put([event("c", 1, 0), event("c", 2, 1, status=None)])  # type: ignore[arg-type]
    task.stop()
    assert rows(url, "strict2") == []  # the whole batch rolled back


def test_envelope_schema_is_recognised() -> None:
    from connectrt_sql.records import is_envelope

    assert is_envelope(ENVELOPE)
    assert not is_envelope(KEY)


def test_a_backlog_is_gathered_into_one_transaction_and_a_short_put_is_written_at_once(
    tmp_path: Path,
) -> None:
    url = f"jdbc:duckdb:{tmp_path / 'g.duckdb'}"
    task = started_task({**BASE, "connection.url": url}, gather=True)
    assert task.gather
    full = [event("c", i, i) for i in range(500)]  # a full put: the worker is behind
    task.put(full)
    task.put([event("u", 1, 500 + i, status="paid") for i in range(500)])
    assert task.batches == 0 and len(task.buffer) == 1000  # nothing written yet
    tp = ("srv.public.orders", 0)
    assert task.pre_commit({tp: 1000}) == {tp: 1000}  # written in one transaction, then committable
    assert task.batches == 1 and task.buffer == []
    task.put([event("d", 2, 1000)])  # a short put: caught up, written at once
    assert task.batches == 2 and task.buffer == []
    task.stop()
    got = {r[0]: r[1] for r in rows(url)}
    assert len(got) == 499 and got[1] == "paid" and 2 not in got


def test_gathered_changes_keep_their_records_coordinates_and_a_refused_one_is_reported(
    tmp_path: Path,
) -> None:
    """A gathered put's records are reported, if refused later, by their coordinates (the worker looks their
    consumed bytes up by them, and keeps those of its latest poll only): the parsed keys and values are not
    kept while the changes wait."""
    url = f"jdbc:duckdb:{tmp_path / 'c.duckdb'}"
    task = started_task({**BASE, "connection.url": url}, gather=True)
    task.put([event("c", 1, 0)])
    with sa.create_engine(__import__("connectrt_sql.urls").urls.parse_connection_url(url).url).begin() as c:
        c.exec_driver_sql(
            "CREATE TABLE strict_orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL, price NUMERIC, "
            "ts TIMESTAMP)"
        )
    task.stop()
    reporter = Reporter()
    task = started_task(
        {**BASE, "connection.url": url, "collection.name.format": "strict_orders"},
        reporter=reporter,
        gather=True,
    )
    first = [event("c", i, i, status=None if i == 7 else "new") for i in range(500)]
    first[7].timestamp = 1_700_000_000_000
    task.put(first)
    assert task.batches == 0
    kept = task.buffer[7].record
    assert (kept.topic, kept.kafka_partition, kept.kafka_offset, kept.timestamp) == (
        "srv.public.orders",
        0,
        7,
        1_700_000_000_000,
    )
    assert kept.key is None and kept.value is None and kept.original_kafka_offset == 7
    last = [event("c", 500 + i, 500 + i) for i in range(500)]
    task.put(last)
    tp = ("srv.public.orders", 0)
    assert task.pre_commit({tp: 1000}) == {tp: 1000}
    task.stop()
    assert len(rows(url, "strict_orders")) == 999
    [(record, error)] = reporter.reported
    assert record.kafka_offset == 7 and "strict_orders refused the record" in str(error)


def test_no_gathering_with_a_dead_letter_queue(tmp_path: Path) -> None:
    url = f"jdbc:duckdb:{tmp_path / 'd.duckdb'}"
    task = started_task(
        {**BASE, "connection.url": url, "errors.deadletterqueue.topic.name": "dlq"}, gather=True
    )
    assert not task.gather
    task.stop()
