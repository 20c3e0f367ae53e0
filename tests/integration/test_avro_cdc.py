"""The PostgreSQL CDC source with AvroConverter beside the same source with JsonConverter: every event (keys,
values, tombstones, Debezium's envelope and type schemas) decodes to the same Connect data; adding a nullable
column registers a second, BACKWARD-compatible version; changing a column's type is refused by the registry
and fails the Avro connector's task with a trace that names the subject, while the JSON one goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition

from connectrt.converters import AvroConverter, JsonConverter
from tests.fixtures.clients import consume_all, quiet_logger
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

AVRO = "io.confluent.connect.avro.AvroConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
VOLATILE = ("ts_ms", "ts_us", "ts_ns", "txId", "lsn", "sequence")  # each connector snapshots at its own time


@pytest.fixture
def table(pg_dsn: str, unique_name: Any) -> Iterator[str]:
    name = unique_name.table("avro")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {name} (id int PRIMARY KEY, name text NOT NULL, qty int, price numeric(10,2), "
            "happened timestamptz, day date, at time, flag boolean, data bytea, doc jsonb, tags text[], "
            "ratio double precision, big bigint, small smallint)"
        )
        conn.execute(f"ALTER TABLE {name} REPLICA IDENTITY FULL")
        conn.execute(
            f"INSERT INTO {name} VALUES "
            "(1, 'one', 10, 12.34, '2024-01-02 03:04:05.678901+00', '2024-02-29', '23:59:59.5', true, '\\x00ff', "
            "'{\"a\": [1, 2]}', ARRAY['x', NULL, 'z'], 0.125, 9007199254740993, -7), "
            "(2, 'two', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
            "(3, 'three', -1, -0.01, '1970-01-01 00:00:00+00', '1969-12-31', '00:00:00', false, '', 'null', "
            "'{}', -1e300, -9223372036854775808, 32767)"
        )
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {name}")


def source(
    name: str, pg: dict[str, str], table: str, prefix: str, slot: str, converter: str, registry: str
) -> dict[str, str]:
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "plugin.name": "pgoutput", "database.hostname": pg["host"], "database.port": pg["port"],
        "database.user": pg["user"], "database.password": pg["password"], "database.dbname": pg["dbname"],
        "topic.prefix": prefix, "slot.name": slot, "publication.name": slot,
        "publication.autocreate.mode": "filtered", "table.include.list": f"public.{table}",
        "key.converter": converter, "value.converter": converter,
    }  # fmt: skip
    if converter == AVRO:
        config["key.converter.schema.registry.url"] = registry
        config["value.converter.schema.registry.url"] = registry
    return config


def normalized(keys: Any, values: Any, topic: str, prefix: str, messages: list[Any]) -> list[Any]:
    """Each record decoded to Connect data, written out as JsonConverter's envelope, with the connector's
    prefix, top-level schema versions (the registry adds them) and run-dependent source fields masked."""
    json_out = JsonConverter()
    json_out.configure({"schemas.enable": "true"}, False)
    out = []
    for msg in messages:
        pair = []
        for conv, raw in ((keys, msg.key()), (values, msg.value())):
            schema, value = conv.to_connect_data(topic, raw)
            text = json_out.from_connect_data(topic, schema, value)
            node = None if text is None else json.loads(text.decode().replace(prefix, "<prefix>"))
            if node is not None:
                node["schema"].pop("version", None)
                payload = node["payload"]
                if isinstance(payload, dict) and "source" in payload:
                    for key in VOLATILE:
                        for part in (payload, payload["source"]):
                            if part.get(key) is not None:
                                part[key] = "<run>"
            pair.append(node)
        out.append(pair)
    return out


def converter(kind: str, registry: str, is_key: bool = False) -> Any:
    conv: Any = AvroConverter() if kind == AVRO else JsonConverter()
    conv.configure({"schema.registry.url": registry} if kind == AVRO else {}, is_key)
    return conv


def wait_records(bootstrap: str, topic: str, n: int, timeout: float = 90) -> None:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "avro-cdc-size", "logger": quiet_logger()}
    )

    def enough() -> bool:
        try:
            return bool(consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5)[1] >= n)
        except KafkaException:  # the topic is not created yet
            return False

    try:
        wait_until(enough, timeout, f"{n} records in {topic}")
    finally:
        consumer.close()


def decoded(bootstrap: str, topic: str, prefix: str, kind: str, registry: str, n: int) -> list[Any]:
    wait_records(bootstrap, topic, n)
    messages = consume_all(bootstrap, topic, n)
    return normalized(converter(kind, registry, True), converter(kind, registry), topic, prefix, messages)


def test_cdc_events_decode_the_same_with_avro_and_json(
    table: str,
    pg_dsn: str,
    pg_params: dict[str, str],
    kafka_bootstrap: str,
    schema_registry_url: str,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    json_prefix, avro_prefix = unique_name("pj"), unique_name("pa")
    json_slot, avro_slot = unique_name.slot(), unique_name.slot()
    json_topic, avro_topic = f"{json_prefix}.public.{table}", f"{avro_prefix}.public.{table}"
    worker = WorkerProcess("standalone", {
        "bootstrap.servers": kafka_bootstrap, "key.converter": JSON, "value.converter": JSON,
        "offset.storage.file.filename": str(tmp_path / "offsets"), "offset.flush.interval.ms": "1000",
    }, tmp_path)  # fmt: skip
    worker.start()
    try:
        with worker.client() as c:
            for name, prefix, slot, kind in (
                ("cdc-json", json_prefix, json_slot, JSON),
                ("cdc-avro", avro_prefix, avro_slot, AVRO),
            ):
                r = c.put(
                    f"/connectors/{name}/config",
                    json=source(name, pg_params, table, prefix, slot, kind, schema_registry_url),
                )
                assert r.status_code == 201, r.text
            wait_until(lambda: all(
                (c.get(f"/connectors/{n}/status").json().get("tasks") or [{}])[0].get("state") == "RUNNING"
                for n in ("cdc-json", "cdc-avro")
            ), 90, "both CDC tasks RUNNING")  # fmt: skip
            wait_records(kafka_bootstrap, avro_topic, 3)  # the snapshot is out: now stream
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                conn.execute(f"INSERT INTO {table} (id, name, qty) VALUES (4, 'four', 4)")
                conn.execute(f"UPDATE {table} SET name = 'uno', qty = 11 WHERE id = 1")
                conn.execute(f"DELETE FROM {table} WHERE id = 2")  # a delete and its tombstone
            expected = 7
            avro_events = decoded(
                kafka_bootstrap, avro_topic, avro_prefix, AVRO, schema_registry_url, expected
            )
            json_events = decoded(
                kafka_bootstrap, json_topic, json_prefix, JSON, schema_registry_url, expected
            )
            assert [e[1]["payload"]["op"] if e[1] else None for e in avro_events] == [
                "r",
                "r",
                "r",
                "c",
                "u",
                "d",
                None,
            ]
            assert avro_events == json_events

            with psycopg.connect(pg_dsn, autocommit=True) as conn:  # BACKWARD-compatible: a nullable column
                conn.execute(f"ALTER TABLE {table} ADD COLUMN note text")
                conn.execute(f"INSERT INTO {table} (id, name, note) VALUES (5, 'five', 'added')")
            expected = 8
            avro_events = decoded(
                kafka_bootstrap, avro_topic, avro_prefix, AVRO, schema_registry_url, expected
            )
            assert avro_events == decoded(
                kafka_bootstrap, json_topic, json_prefix, JSON, schema_registry_url, expected
            )
            assert avro_events[-1][1]["payload"]["after"]["note"] == "added"
            with httpx.Client(base_url=schema_registry_url) as http:
                assert http.get(f"/subjects/{avro_topic}-value/versions").json() == [1, 2]
                assert http.get(f"/subjects/{avro_topic}-key/versions").json() == [1]

            with psycopg.connect(pg_dsn, autocommit=True) as conn:  # incompatible: int column becomes text
                conn.execute(f"ALTER TABLE {table} ALTER COLUMN qty TYPE text USING qty::text")
                conn.execute(f"INSERT INTO {table} (id, name, qty) VALUES (6, 'six', 'many')")

            def avro_failed() -> Any:
                task = (c.get("/connectors/cdc-avro/status").json().get("tasks") or [{}])[0]
                return task.get("state") == "FAILED" and task

            trace = wait_until(avro_failed, 90, "the Avro task FAILED")["trace"]
            assert "Tolerance exceeded in error handler" in trace
            assert (
                f"Failed to serialize Avro data for topic {avro_topic}: the schema registry refused the record's "
                f"schema for subject '{avro_topic}-value' as incompatible"
            ) in trace
            wait_records(kafka_bootstrap, json_topic, 9)
            json_after = consume_all(kafka_bootstrap, json_topic, 9)
            assert json.loads(json_after[-1].value())["payload"]["after"]["qty"] == "many"
            assert (c.get("/connectors/cdc-json/status").json()["tasks"][0]["state"]) == "RUNNING"
            for name in ("cdc-json", "cdc-avro"):
                assert c.delete(f"/connectors/{name}").status_code == 204
    finally:
        worker.stop()
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            for slot in (json_slot, avro_slot):
                wait_until(lambda s=slot: conn.execute(  # type: ignore[misc]
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s AND active", (s,)
                ).fetchone()[0] == 0, 30, f"slot {slot} released")  # fmt: skip
                conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                    (slot,),
                )
                conn.execute(f'DROP PUBLICATION IF EXISTS "{slot}"')
