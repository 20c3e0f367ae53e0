"""The BigQuery sink in a real worker: Kafka (dev broker) -> connectrt -> BigQuery emulator, checked
with the real google-cloud-bigquery client."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path
from typing import Any

import pytest
from bq_harness import (
    BASE_TS,
    ORDER_V2,
    committed,
    failed_trace,
    new_dataset,
    produce,
    produce_raw,
    rows,
    sink_config,
    wait_committed,
    worker,
)
from confluent_kafka import Consumer
from google.cloud import bigquery
from tests.fixtures.clients import quiet_logger
from tests.fixtures.services import BigQueryEmulator
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


def _columns(table: Any) -> list[dict[str, Any]]:
    return [f.to_api_repr() for f in table.schema]


def test_insert_all_creates_a_partitioned_table_with_key_and_data_columns(
    kafka_bootstrap: str,
    create_topic: Any,
    bigquery_emulator: BigQueryEmulator,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    client = bigquery_emulator.client()
    dataset = new_dataset(client, unique_name("bq_insert"))
    topic, name = create_topic(), unique_name("bq-insert")
    produce(kafka_bootstrap, topic, range(50))
    config = sink_config(
        name,
        topic,
        bigquery_emulator,
        dataset,
        kafkaKeyFieldName="kafkaKey",
        kafkaDataFieldName="kafkaData",
        timestampPartitionFieldName="ts",
        clusteringPartitionFieldNames="customer",
    )
    with worker(kafka_bootstrap, tmp_path, [config]) as w:
        wait_committed(kafka_bootstrap, w, name, topic, 50)
    found = rows(client, dataset, topic)
    assert len(found) == 50
    first = found[1]
    assert {k: first[k] for k in ("id", "customer", "amount", "ts", "note")} == {
        "id": 1,
        "customer": "c1",
        "amount": 1.5,
        "ts": BASE_TS + dt.timedelta(hours=1),
        "note": None,
    }
    assert first["kafkaKey"] == {"id": 1}
    assert {k: first["kafkaData"][k] for k in ("topic", "partition", "offset")} == {
        "topic": topic,
        "partition": 0,
        "offset": 1,
    }
    assert abs(first["kafkaData"]["insertTime"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    table = client.get_table(f"{dataset}.{topic}")
    assert _columns(table) == [
        {"name": "id", "type": "INTEGER", "mode": "REQUIRED"},
        {"name": "customer", "type": "STRING", "mode": "REQUIRED"},
        {"name": "amount", "type": "FLOAT", "mode": "REQUIRED"},
        {"name": "ts", "type": "TIMESTAMP", "mode": "REQUIRED"},
        {"name": "note", "type": "STRING", "mode": "NULLABLE"},
        {"name": "kafkaData", "type": "RECORD", "mode": "NULLABLE", "fields": [
            {"name": "topic", "type": "STRING", "mode": "NULLABLE"},
            {"name": "partition", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "offset", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "insertTime", "type": "TIMESTAMP", "mode": "NULLABLE"}]},
        {"name": "kafkaKey", "type": "RECORD", "mode": "NULLABLE", "fields": [
            {"name": "id", "type": "INTEGER", "mode": "REQUIRED"}]},
    ]  # fmt: skip
    assert (table.time_partitioning.type_, table.time_partitioning.field) == ("DAY", "ts")
    assert table.clustering_fields == ["customer"]
    assert table.description == "shop.Order" or table.description is None


def test_storage_write_api_default_stream_and_schema_evolution(
    kafka_bootstrap: str,
    create_topic: Any,
    bigquery_emulator: BigQueryEmulator,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    client = bigquery_emulator.client()
    dataset = new_dataset(client, unique_name("bq_storage"))
    topic, name = create_topic(), unique_name("bq-storage")
    produce(kafka_bootstrap, topic, range(40))
    config = sink_config(
        name,
        topic,
        bigquery_emulator,
        dataset,
        useStorageWriteApi="true",
        allowNewBigQueryFields="true",
        kafkaDataFieldName="kafkaData",
    )
    with worker(kafka_bootstrap, tmp_path, [config]) as w:
        wait_committed(kafka_bootstrap, w, name, topic, 40)
        assert len(rows(client, dataset, topic)) == 40
        produce(kafka_bootstrap, topic, range(40, 60), ORDER_V2)
        wait_committed(kafka_bootstrap, w, name, topic, 60)
    found = rows(client, dataset, topic)
    assert [r["id"] for r in found] == list(range(60))
    assert [r["channel"] for r in found[38:42]] == [None, None, "web", "web"]
    assert found[41]["ts"] == BASE_TS + dt.timedelta(hours=41)
    assert found[5]["kafkaData"]["offset"] == 5
    assert [f.name for f in client.get_table(f"{dataset}.{topic}").schema][-2:] == ["kafkaData", "channel"]


def test_a_new_field_without_allow_new_fields_fails_the_task_and_says_what_to_set(
    kafka_bootstrap: str,
    create_topic: Any,
    bigquery_emulator: BigQueryEmulator,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    client = bigquery_emulator.client()
    dataset = new_dataset(client, unique_name("bq_strict"))
    topic, name = create_topic(), unique_name("bq-strict")
    produce(kafka_bootstrap, topic, range(5))
    produce(kafka_bootstrap, topic, range(5, 10), ORDER_V2)
    with worker(kafka_bootstrap, tmp_path, [sink_config(name, topic, bigquery_emulator, dataset)]) as w:
        trace = failed_trace(w, name)
    assert "New Field found with the name channel Ensure that allowNewBigQueryFields is true" in trace
    assert committed(kafka_bootstrap, name, topic) <= 5
    assert "channel" not in [f.name for f in client.get_table(f"{dataset}.{topic}").schema]


def test_rows_bigquery_rejects_go_to_the_dead_letter_queue_with_the_reason(
    kafka_bootstrap: str,
    create_topic: Any,
    bigquery_emulator: BigQueryEmulator,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    client = bigquery_emulator.client()
    dataset = new_dataset(client, unique_name("bq_dlq"))
    topic, dlq, name = create_topic(), create_topic(), unique_name("bq-dlq")
    client.create_table(bigquery.Table(f"{bigquery_emulator.project}.{dataset}.{topic}", schema=[
        bigquery.SchemaField("id", "INTEGER", mode="REQUIRED"), bigquery.SchemaField("name", "STRING"),
    ]))  # fmt: skip
    produce_raw(
        kafka_bootstrap, topic, [{"id": 1, "name": "a"}, {"id": "not-a-number", "name": "b"}, {"id": 3}]
    )
    config = sink_config(name, topic, bigquery_emulator, dataset, autoCreateTables="false", **{
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1", "errors.deadletterqueue.context.headers.enable": "true",
    })  # fmt: skip
    with worker(kafka_bootstrap, tmp_path, [config], schemas=False) as w:
        wait_committed(kafka_bootstrap, w, name, topic, 3)
    assert [(r["id"], r["name"]) for r in rows(client, dataset, topic)] == [(1, "a"), (3, None)]
    dead = _consume(kafka_bootstrap, dlq, 1)
    assert dead[0].value() == b'{"id": "not-a-number", "name": "b"}'
    headers = {k: v.decode() for k, v in dead[0].headers() or []}
    assert headers["__connect.errors.topic"] == topic
    assert headers["__connect.errors.offset"] == "1"
    # Java names com.wepay...BigQueryConnectException; connectrt's DLQ reporter names the Java Connect base class.
    assert (
        headers["__connect.errors.exception.class.name"] == "org.apache.kafka.connect.errors.ConnectException"
    )
    assert (
        f"table: {bigquery_emulator.project}.{dataset}.{topic} insertion failed"
        in (headers["__connect.errors.exception.message"])
    )
    assert "reason: invalid" in headers["__connect.errors.exception.message"]


def test_without_a_dead_letter_queue_a_rejected_row_fails_the_task(
    kafka_bootstrap: str,
    create_topic: Any,
    bigquery_emulator: BigQueryEmulator,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    client = bigquery_emulator.client()
    dataset = new_dataset(client, unique_name("bq_reject"))
    topic, name = create_topic(), unique_name("bq-reject")
    client.create_table(
        bigquery.Table(
            f"{bigquery_emulator.project}.{dataset}.{topic}", schema=[bigquery.SchemaField("id", "INTEGER")]
        )
    )
    produce_raw(kafka_bootstrap, topic, [{"id": "x"}])
    config = sink_config(name, topic, bigquery_emulator, dataset, autoCreateTables="false")
    with worker(kafka_bootstrap, tmp_path, [config], schemas=False) as w:
        trace = failed_trace(w, name)
    assert "insertion failed for the following rows" in trace and "reason: invalid" in trace
    assert committed(kafka_bootstrap, name, topic) == 0


def test_an_unreachable_bigquery_is_retried_then_the_task_fails_with_a_clear_trace(
    kafka_bootstrap: str,
    create_topic: Any,
    bigquery_emulator: BigQueryEmulator,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    down = BigQueryEmulator(
        f"http://127.0.0.1:{dead_port}", f"127.0.0.1:{dead_port}", bigquery_emulator.project
    )
    topic, name = create_topic(), unique_name("bq-down")
    produce(kafka_bootstrap, topic, range(3))
    config = sink_config(name, topic, down, "ds", bigQueryRetry="2", bigQueryRetryWait="100")
    with worker(kafka_bootstrap, tmp_path, [config]) as w:
        trace = failed_trace(w, name)
    assert "Exceeded configured 2 attempts for reading or creating table ds." in trace
    assert "ConnectionError" in trace and f"127.0.0.1', port={dead_port}" in trace
    assert committed(kafka_bootstrap, name, topic) == 0


def _consume(bootstrap: str, topic: str, count: int, timeout: float = 30) -> list[Any]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"read-{topic}",
            "auto.offset.reset": "earliest",
            "logger": quiet_logger(),
        }
    )
    consumer.subscribe([topic])
    out: list[Any] = []
    try:
        wait_until(
            lambda: out.extend(m for m in consumer.consume(10, 1.0) if not m.error()) or len(out) >= count,
            timeout,
            f"{count} records on {topic}",
        )
    finally:
        consumer.close()
    return out
