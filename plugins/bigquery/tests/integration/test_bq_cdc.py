"""Upsert and delete from Debezium change events: PostgreSQL (dev server) -> the connectrt
PostgresConnector -> Kafka -> ExtractNewRecordState -> the BigQuery sink (upsertEnabled,
deleteEnabled: intermediate table + MERGE) -> the emulator. The final table equals the source table."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from bq_harness import committed, new_dataset, rows, sink_config, task_status, worker
from tests.fixtures.services import BigQueryEmulator
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


def _source(
    name: str, pg: dict[str, str], prefix: str, slot: str, publication: str, table: str
) -> dict[str, Any]:
    return {
        "name": name,
        "config": {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "tasks.max": "1",
            "plugin.name": "pgoutput",
            "database.hostname": pg["host"], "database.port": pg["port"], "database.user": pg["user"],
            "database.password": pg["password"], "database.dbname": pg["dbname"],
            "topic.prefix": prefix, "slot.name": slot, "publication.name": publication,
            "publication.autocreate.mode": "filtered", "table.include.list": table,
        },
    }  # fmt: skip


def _pg_rows(dsn: str, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return [
            tuple(r) for r in conn.execute(f"SELECT id, name, qty, price, updated FROM {table} ORDER BY id")
        ]


def _bq_rows(client: Any, dataset: str, table: str) -> list[tuple[Any, ...]] | None:
    try:
        found = rows(client, dataset, table)
    except Exception:
        return None
    return [
        (
            r["id"],
            r["name"],
            r["qty"],
            r["price"],
            r["updated"].replace(tzinfo=None) if r["updated"] else None,
        )
        for r in found
    ]


def test_debezium_changes_upserted_and_deleted_into_bigquery_equal_the_source_table(
    kafka_bootstrap: str, pg_dsn: str, pg_params: dict[str, str], create_topic: Any,
    bigquery_emulator: BigQueryEmulator, unique_name: Any, tmp_path: Path,
) -> None:  # fmt: skip
    schema, prefix = unique_name("bqcdc"), unique_name("bqcdc")
    slot, publication = unique_name.slot(), unique_name.publication()
    table = f"{schema}.orders"
    base = dt.datetime(2026, 3, 1, 12, 0, 0, 123456)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(
            f"CREATE TABLE {table} (id int PRIMARY KEY, name text, qty int NOT NULL, "
            "price double precision, updated timestamp)"
        )
        for i in range(1, 21):
            conn.execute(
                f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s)",
                (i, f"item {i}", i, i * 2.5, base + dt.timedelta(minutes=i)),
            )
    topic = create_topic(name=f"{prefix}.{schema}.orders")
    client = bigquery_emulator.client()
    dataset = new_dataset(client, unique_name("bq_cdc"))
    bq_table = f"{prefix}_{schema}_orders"
    source = _source(unique_name("pg-src"), pg_params, prefix, slot, publication, table)
    sink = sink_config(unique_name("bq-upsert"), topic, bigquery_emulator, dataset, **{
        "sanitizeTopics": "true", "upsertEnabled": "true", "deleteEnabled": "true",
        "kafkaKeyFieldName": "kafkaKey", "mergeIntervalMs": "2000",
        "transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
    })  # fmt: skip
    try:
        with worker(kafka_bootstrap, tmp_path, [source, sink]) as w:
            expected = _pg_rows(pg_dsn, table)
            wait_until(lambda: _bq_rows(client, dataset, bq_table) == expected, 180, "snapshot merged", 1.0)
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                conn.execute(f"UPDATE {table} SET qty = qty + 100, name = name || ' (v2)' WHERE id % 3 = 0")
                conn.execute(f"DELETE FROM {table} WHERE id % 4 = 0")
                conn.execute(
                    f"INSERT INTO {table} VALUES (21, 'new', 1, NULL, NULL), (4, 'back', 4, 1.0, %s)", (base,)
                )
                conn.execute(f"UPDATE {table} SET price = 99.5 WHERE id = 21")
                conn.execute(f"DELETE FROM {table} WHERE id = 21")
                conn.execute(f"UPDATE {table} SET updated = NULL WHERE id = 1")
            expected = _pg_rows(pg_dsn, table)
            assert len(expected) == 16
            wait_until(lambda: _bq_rows(client, dataset, bq_table) == expected, 180, "changes merged", 1.0)
            assert task_status(w, sink["name"]).get("state") == "RUNNING"
            # Offsets are committed for merged batches only: every change event is accounted for.
            wait_until(
                lambda: committed(kafka_bootstrap, sink["name"], topic) >= 20 + 6 + 5 * 2 + 2 + 1 + 2 + 1,
                60,
                "offsets of merged batches committed",
            )
        key_field = next(f for f in client.get_table(f"{dataset}.{bq_table}").schema if f.name == "kafkaKey")
        assert [(f.name, f.field_type) for f in key_field.fields] == [("id", "INTEGER")]
        leftovers = [t.table_id for t in client.list_tables(dataset) if "_tmp_" in t.table_id]
        assert leftovers == []  # the task deletes its intermediate tables when it stops
    finally:
        _cleanup(pg_dsn, slot, publication, schema)


def _cleanup(dsn: str, slot: str, publication: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(50):
            row = conn.execute(
                "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            ).fetchone()
            if row is None:
                break
            if not row[0]:
                conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                break
            time.sleep(0.2)
        conn.execute(f'DROP PUBLICATION IF EXISTS "{publication}"')
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
