"""The sink task against the dev PostgreSQL's warehouse database (the COPY path): upsert, collapse,
replay, deletes, insert and update modes, types, a database that goes away."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import psycopg
import pytest
from connectrt.api.connector import ConnectException, RetriableException
from connectrt.api.data import Decimal, Schema, SchemaBuilder, Struct
from connectrt.api.records import SinkRecord
from sql_records import KEY, event, started_task, tombstone

pytestmark = pytest.mark.integration


def props(jdbc: str, params: dict[str, str], table: str, **extra: str) -> dict[str, str]:
    return {
        "connection.url": jdbc,
        "connection.username": params["user"],
        "connection.password": params["password"],
        "insert.mode": "upsert",
        "primary.key.mode": "record_key",
        "delete.enabled": "true",
        "schema.evolution": "basic",
        "collection.name.format": table,
        **extra,
    }


def fetch(dsn: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql).fetchall()


def test_copy_upsert_collapse_delete_and_replay(
    warehouse_jdbc: str, warehouse_params: dict[str, str], warehouse_dsn: str, unique_name: Any
) -> None:
    table = unique_name.table("wh")
    task = started_task(props(warehouse_jdbc, warehouse_params, table))
    batch = [
        event("r", 1, 0),
        event("r", 2, 1),
        event("c", 3, 2),
        event("u", 1, 3, status="shipped"),
        event("d", 2, 4),
        tombstone(2, 5),
        event("c", 2, 6, status="again", price="99999999.99"),
        event("c", 4, 7),
        event("d", 4, 8),
        event("u", 3, 9, price=None, ts=None),
    ]
    task.put(batch)
    first = fetch(warehouse_dsn, f"SELECT id, status, price, ts FROM {table} ORDER BY id")
    task.put(batch[3:])
    task.put(batch)
    task.stop()
    assert (
        fetch(warehouse_dsn, f"SELECT id, status, price, ts FROM {table} ORDER BY id")
        == first
        == [
            (1, "shipped", decimal.Decimal("1.25"), dt.datetime(2023, 11, 14, 22, 13, 20, 123456)),
            (2, "again", decimal.Decimal("99999999.99"), dt.datetime(2023, 11, 14, 22, 13, 20, 123456)),
            (3, "new", None, None),
        ]
    )
    columns = fetch(
        warehouse_dsn,
        "SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable "
        f"FROM information_schema.columns WHERE table_name = '{table}' "
        "ORDER BY ordinal_position",
    )
    assert columns == [
        ("id", "integer", 32, 0, "NO"),
        ("status", "text", None, None, "YES"),
        ("price", "numeric", 10, 2, "YES"),
        ("ts", "timestamp without time zone", None, None, "YES"),
    ]


def test_insert_and_update_modes_keep_order(
    warehouse_jdbc: str, warehouse_params: dict[str, str], warehouse_dsn: str, unique_name: Any
) -> None:
    table = unique_name.table("wh_ins")
    task = started_task(props(warehouse_jdbc, warehouse_params, table, **{"insert.mode": "insert"}))
    task.put([event("c", 1, 0), event("c", 2, 1), event("d", 1, 2), event("c", 1, 3, status="re")])
    task.stop()
    assert fetch(warehouse_dsn, f"SELECT id, status FROM {table} ORDER BY id") == [(1, "re"), (2, "new")]
    task = started_task(props(warehouse_jdbc, warehouse_params, table, **{"insert.mode": "update"}))
    task.put([event("u", 2, 4, status="upd"), event("u", 7, 5, status="nobody")])
    task.stop()
    assert fetch(warehouse_dsn, f"SELECT id, status FROM {table} ORDER BY id") == [(1, "re"), (2, "upd")]


def test_confluent_flat_records_with_kafka_keys(
    warehouse_jdbc: str, warehouse_params: dict[str, str], warehouse_dsn: str, unique_name: Any
) -> None:
    table = unique_name.table("wh_flat")
    value = (
        SchemaBuilder.struct()
        .name("flat")
        .field("name", Schema.STRING_SCHEMA)
        .field("amount", Decimal.builder(3).optional().build())
        .field("day", SchemaBuilder.int32().name("org.apache.kafka.connect.data.Date").version(1).build())
        .build()
    )
    config = {
        "connection.url": warehouse_jdbc,
        "connection.user": warehouse_params["user"],
        "connection.password": warehouse_params["password"],
        "pk.mode": "kafka",
        "auto.create": "true",
        "table.name.format": table,
        "insert.mode": "upsert",
    }
    task = started_task(config, flavour="confluent")
    records = [
        SinkRecord(
            "flat.topic",
            2,
            None,
            None,
            value,
            Struct(value, {"name": f"n{i}", "amount": decimal.Decimal("1.005"), "day": dt.date(2024, 2, 29)}),
            40 + i,
        )
        for i in range(3)
    ]
    task.put(records)
    task.put(records)
    task.stop()
    assert fetch(
        warehouse_dsn,
        f'SELECT "__connect_topic", "__connect_partition", "__connect_offset", "name", '
        f'"amount", "day" FROM "{table}" ORDER BY 3',
    ) == [
        ("flat.topic", 2, 40 + i, f"n{i}", decimal.Decimal("1.005"), dt.date(2024, 2, 29)) for i in range(3)
    ]


def test_database_down_retries_then_fails_clearly(warehouse_params: dict[str, str], unique_name: Any) -> None:
    # A port nothing listens on stands for a database that went away.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    task = started_task(
        props(
            f"jdbc:postgresql://127.0.0.1:{port}/warehouse",
            warehouse_params,
            "t",
            **{"flush.max.retries": "2", "flush.retry.delay.ms": "10"},
        )
    )
    batch = [event("c", 1, 5)]
    for _ in range(2):
        with pytest.raises(
            RetriableException, match="Writing to postgresql\\+psycopg://.*127.0.0.1.* failed"
        ):
            task.put(batch)
        assert task.context.timeout_ms == 10
        assert task.pre_commit({("srv.public.orders", 0): 6}) == {("srv.public.orders", 0): 5}
    with pytest.raises(
        ConnectException, match="failed 3 times, last with: .*Check that the database is reachable"
    ):
        task.put(batch)
    task.stop()
    assert ":***@" in task.settings.url.display  # the password never shows


def test_no_key_for_record_key_mode_is_reported(
    warehouse_jdbc: str, warehouse_params: dict[str, str], unique_name: Any
) -> None:
    from sql_records import Reporter

    reporter = Reporter()
    task = started_task(
        props(warehouse_jdbc, warehouse_params, unique_name.table("wh_nokey")), reporter=reporter
    )
    keyless = event("c", 1, 0)
    keyless = SinkRecord(keyless.topic, 0, KEY, None, keyless.value_schema, keyless.value, 0)
    task.put([keyless, event("c", 2, 1)])
    task.stop()
    [(record, error)] = reporter.reported
    assert record is keyless and "has no key, which primary key mode record_key needs" in str(error)
