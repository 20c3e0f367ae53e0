"""Integration helpers: schemaful records into Kafka, the BigQuery sink in a real worker process
against the dev BigQuery emulator, and what landed in BigQuery read back with google-cloud-bigquery."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from connectrt.api import Schema, SchemaBuilder, Struct
from connectrt.api.data import Timestamp
from connectrt.converters.json_converter import JsonConverter
from tests.fixtures.clients import quiet_logger
from tests.fixtures.services import BigQueryEmulator
from tests.integration.worker_process import WorkerProcess, wait_until

KEY_SCHEMA = SchemaBuilder.struct().name("shop.Key").field("id", Schema.INT64_SCHEMA).build()
ORDER = (
    SchemaBuilder.struct().name("shop.Order")
    .field("id", Schema.INT64_SCHEMA).field("customer", Schema.STRING_SCHEMA)
    .field("amount", Schema.FLOAT64_SCHEMA).field("ts", Timestamp.SCHEMA)
    .field("note", Schema.OPTIONAL_STRING_SCHEMA).build()
)  # fmt: skip
ORDER_V2 = (
    SchemaBuilder.struct().name("shop.Order")
    .field("id", Schema.INT64_SCHEMA).field("customer", Schema.STRING_SCHEMA)
    .field("amount", Schema.FLOAT64_SCHEMA).field("ts", Timestamp.SCHEMA)
    .field("note", Schema.OPTIONAL_STRING_SCHEMA).field("channel", Schema.OPTIONAL_STRING_SCHEMA).build()
)  # fmt: skip
BASE_TS = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)


def order(i: int, schema: Schema = ORDER) -> Struct:
    values: dict[str, Any] = {
        "id": i, "customer": f"c{i % 7}", "amount": i * 1.5, "ts": BASE_TS + dt.timedelta(hours=i),
        "note": None if i % 3 else f"n{i}",
    }  # fmt: skip
    if schema is ORDER_V2:
        values["channel"] = "web"
    return Struct(schema, values)


def produce(bootstrap: str, topic: str, ids: range, schema: Schema = ORDER, partitions: int = 1) -> None:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, False)
    keys = JsonConverter()
    keys.configure({"schemas.enable": "true"}, True)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 10, "logger": quiet_logger()})
    for i in ids:
        producer.produce(
            topic,
            key=keys.from_connect_data(topic, KEY_SCHEMA, Struct(KEY_SCHEMA, {"id": i})),
            value=converter.from_connect_data(topic, schema, order(i, schema)),
            partition=i % partitions,
            # Record timestamps stay "now": older ones fall under the broker's time retention and
            # vanish from the topic before the sink reads them.
        )
    assert producer.flush(30) == 0


def produce_raw(bootstrap: str, topic: str, values: list[dict[str, Any]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "logger": quiet_logger()})
    for value in values:
        producer.produce(topic, value=json.dumps(value).encode())
    assert producer.flush(30) == 0


def sink_config(name: str, topic: str, bq: BigQueryEmulator, dataset: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "config": {
            "connector.class": "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector",
            "tasks.max": "1",
            "topics": topic,
            "project": bq.project,
            "defaultDataset": dataset,
            "keySource": "NONE",
            "bigQueryEndpoint": bq.endpoint,
            "bigQueryStorageWriteEndpoint": bq.storage_endpoint,
            # The emulator does not take partition decorators (table$yyyyMMdd); see the README.
            "bigQueryPartitionDecorator": "false",
            **{k: str(v) for k, v in extra.items()},
        },
    }


def worker_props(bootstrap: str, workdir: Path, schemas: bool = True) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": str(schemas).lower(),
        "value.converter.schemas.enable": str(schemas).lower(),
        "offset.storage.file.filename": str(workdir / "connect.offsets"),
        "offset.flush.interval.ms": "500",
        "consumer.session.timeout.ms": "6000",
        "consumer.heartbeat.interval.ms": "1000",
    }


@contextmanager
def worker(
    bootstrap: str, workdir: Path, connectors: list[dict[str, Any]], schemas: bool = True
) -> Iterator[WorkerProcess]:
    files = []
    for c in connectors:
        path = workdir / f"{c['name']}.json"
        path.write_text(json.dumps(c))
        files.append(str(path))
    w = WorkerProcess("standalone", worker_props(bootstrap, workdir, schemas), workdir, files).start()
    try:
        yield w
    finally:
        w.stop()


def task_status(w: WorkerProcess, name: str) -> dict[str, Any]:
    with w.client() as c:
        r = c.get(f"/connectors/{name}/status")
        tasks = r.json().get("tasks", []) if r.status_code == 200 else []
        return tasks[0] if tasks else {}


def failed_trace(w: WorkerProcess, name: str, timeout: float = 150) -> str:
    wait_until(lambda: task_status(w, name).get("state") == "FAILED", timeout, f"{name} FAILED")
    return str(task_status(w, name).get("trace"))


def committed(bootstrap: str, name: str, topic: str, partitions: int = 1) -> int:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"connect-{name}", "logger": quiet_logger()}
    )
    try:
        tps = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
        return sum(max(tp.offset, 0) for tp in tps)
    finally:
        consumer.close()


def wait_committed(
    bootstrap: str, w: WorkerProcess, name: str, topic: str, total: int, timeout: float = 150
) -> None:
    def done() -> bool:
        status = task_status(w, name)
        if status.get("state") == "FAILED":
            raise AssertionError(f"task failed: {status.get('trace')}")
        return committed(bootstrap, name, topic) >= total

    wait_until(done, timeout, f"{total} records committed by {name}", interval_s=0.5)


def rows(client: Any, dataset: str, table: str, order_by: str = "id") -> list[dict[str, Any]]:
    return [
        dict(r) for r in client.query(f"SELECT * FROM `{dataset}`.`{table}` ORDER BY {order_by}").result()
    ]


def wait_rows(client: Any, dataset: str, table: str, count: int, timeout: float = 90) -> list[dict[str, Any]]:
    def ready() -> list[dict[str, Any]] | None:
        try:
            found = rows(client, dataset, table)
        except Exception:
            return None
        return found if len(found) >= count else None

    result: list[dict[str, Any]] = wait_until(
        ready, timeout, f"{count} rows in {dataset}.{table}", interval_s=0.5
    )
    return result


def new_dataset(client: Any, name: str) -> str:
    client.create_dataset(name, exists_ok=True)
    return name
