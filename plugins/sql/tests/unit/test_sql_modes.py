"""Key modes, field filters, quoting and time zones, on a real SQLite file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from connectrt.api.connector import ConnectException
from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import Header, SinkRecord
from sql_records import Reporter, event, started_task

pytestmark = pytest.mark.unit

FLAT = (
    SchemaBuilder.struct()
    .name("flat")
    .field("code", Schema.STRING_SCHEMA)
    .field("qty", Schema.INT32_SCHEMA)
    .field("secret", Schema.OPTIONAL_STRING_SCHEMA)
    .field("at", SchemaBuilder.int64().name("io.debezium.time.Timestamp").version(1).optional().build())
    .build()
)


def flat(
    code: str,
    qty: int,
    offset: int,
    key: Any = None,
    key_schema: Schema | None = None,
    headers: list[Header] | None = None,
) -> SinkRecord:
    return SinkRecord(
        "flat.topic",
        0,
        key_schema,
        key,
        FLAT,
        Struct(FLAT, {"code": code, "qty": qty, "secret": "s", "at": 1_700_000_000_000}),
        offset,
        headers=headers,
    )


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def test_confluent_record_value_keys_and_fields_whitelist(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    task = started_task(
        {
            "connection.url": f"jdbc:sqlite:{db}",
            "pk.mode": "record_value",
            "pk.fields": "code",
            "fields.whitelist": "qty",
            "insert.mode": "upsert",
            "auto.create": "true",
            "table.name.format": "kafka_${topic}",
        },
        flavour="confluent",
    )
    with pytest.raises(ConnectException, match="unknown database kafka_flat"):  # Confluent: "schema.table"
        task.put([flat("a", 1, 0)])
    task.stop()
    task = started_task(
        {
            "connection.url": f"jdbc:sqlite:{db}",
            "pk.mode": "record_value",
            "pk.fields": "code",
            "fields.whitelist": "qty",
            "insert.mode": "upsert",
            "auto.create": "true",
            "table.name.format": "kafka_flat",
        },
        flavour="confluent",
    )
    task.put([flat("a", 1, 0), flat("b", 2, 1), flat("a", 3, 2)])
    task.stop()
    assert query(db, "SELECT * FROM kafka_flat ORDER BY code") == [("a", 3), ("b", 2)]


def test_confluent_primitive_key_needs_one_pk_field(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    props = {
        "connection.url": f"jdbc:sqlite:{db}",
        "pk.mode": "record_key",
        "insert.mode": "upsert",
        "auto.create": "true",
        "delete.enabled": "true",
        "table.name.format": "flat_t",
    }
    reporter = Reporter()
    task = started_task(props, flavour="confluent", reporter=reporter)
    task.put([flat("a", 1, 0, key="k1", key_schema=Schema.STRING_SCHEMA)])
    task.stop()
    [(_, error)] = reporter.reported
    assert "Need exactly one PK column defined since the key schema for records is a primitive type" in str(
        error
    )
    task = started_task({**props, "pk.fields": "k"}, flavour="confluent")
    task.put(
        [
            flat("a", 1, 0, key="k1", key_schema=Schema.STRING_SCHEMA),
            flat("b", 2, 1, key="k2", key_schema=Schema.STRING_SCHEMA),
            SinkRecord("flat.topic", 0, Schema.STRING_SCHEMA, "k1", None, None, 2),
        ]
    )
    task.stop()
    assert query(db, "SELECT k, code, qty FROM flat_t") == [("k2", "b", 2)]


def test_debezium_field_exclude_list_and_default_table_name(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    task = started_task(
        {
            "connection.url": f"jdbc:sqlite:{db}",
            "primary.key.mode": "record_value",
            "primary.key.fields": "code",
            "insert.mode": "upsert",
            "schema.evolution": "basic",
            "field.exclude.list": "flat.topic:secret",
        }
    )
    task.put([flat("a", 1, 0)])
    task.stop()
    assert query(db, "SELECT * FROM flat_topic") == [("a", 1, "2023-11-14 22:13:20")]


def test_debezium_record_header_keys_and_quoted_identifiers(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    task = started_task(
        {
            "connection.url": f"jdbc:sqlite:{db}",
            "primary.key.mode": "record_header",
            "primary.key.fields": "tenant",
            "insert.mode": "upsert",
            "schema.evolution": "basic",
            "quote.identifiers": "true",
            "collection.name.format": "Orders",
        }
    )
    task.put(
        [
            flat("a", 1, 0, headers=[Header("tenant", "t1")]),
            flat("b", 2, 1, headers=[Header("tenant", "t1")]),
            flat("c", 3, 2, headers=[Header("tenant", "t2")]),
        ]
    )
    task.stop()
    assert query(db, 'SELECT "tenant", "code" FROM "Orders" ORDER BY 1') == [("t1", "b"), ("t2", "c")]


def test_use_time_zone_converts_zoneless_timestamps(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    task = started_task(
        {
            "connection.url": f"jdbc:sqlite:{db}",
            "primary.key.mode": "record_value",
            "primary.key.fields": "code",
            "insert.mode": "upsert",
            "schema.evolution": "basic",
            "use.time.zone": "Europe/Paris",
        }
    )
    task.put([flat("a", 1, 0)])
    task.stop()
    at = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert query(db, "SELECT at FROM flat_topic") == [(at.replace(tzinfo=None).isoformat(" "),)]


def test_upsert_into_a_table_without_primary_key_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE nopk (id INTEGER, status TEXT, price NUMERIC, ts TIMESTAMP)")
    engine.dispose()
    task = started_task(
        {
            "connection.url": f"jdbc:sqlite:{db}",
            "primary.key.mode": "record_key",
            "insert.mode": "upsert",
            "collection.name.format": "nopk",
        }
    )
    with pytest.raises(
        ConnectException,
        match=r"Table nopk has no primary key, which upserts need: add PRIMARY "
        r"KEY \(id\) or use insert.mode=insert.",
    ):
        task.put([event("c", 1, 0)])
    task.stop()
