"""Integration helpers: produce schemaful JSON records to Kafka, run the S3 sink in a real worker process
against the dev S3 server, and read what it wrote."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from connectrt.api import Schema, SchemaBuilder, Struct
from connectrt.api.data import Timestamp
from connectrt.converters.json_converter import JsonConverter
from tests.fixtures.clients import quiet_logger
from tests.integration.worker_process import WorkerProcess, wait_until

ROW_SCHEMA = (
    SchemaBuilder.struct().name("shop.Order").version(1)
    .field("id", Schema.INT64_SCHEMA).field("customer", Schema.STRING_SCHEMA)
    .field("amount", Schema.FLOAT64_SCHEMA).field("qty", Schema.INT32_SCHEMA)
    .field("ts", Timestamp.SCHEMA).field("note", Schema.OPTIONAL_STRING_SCHEMA).build()
)  # fmt: skip
BASE_TS = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)


def row(i: int, pad: int = 0) -> Struct:
    """Record ``i``; ``pad`` > 0 makes every note that many characters long (bigger objects)."""
    note = ("n" * pad) if pad else (None if i % 5 else f"note {i}")
    return Struct(ROW_SCHEMA, {
        "id": i, "customer": f"customer-{i % 97}", "amount": i * 1.25, "qty": i % 13,
        "ts": BASE_TS + dt.timedelta(seconds=i), "note": note,
    })  # fmt: skip


def expected_json(i: int) -> dict[str, Any]:
    """The record as JsonFormat writes it (JsonConverter without schemas)."""
    r = row(i)
    return {**r, "ts": Timestamp.from_logical(Timestamp.SCHEMA, r["ts"])}


def produce(bootstrap: str, topic: str, ids: range, partitions: int, pad: int = 0) -> None:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, False)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "logger": quiet_logger()})
    for i in ids:
        value = converter.from_connect_data(topic, ROW_SCHEMA, row(i, pad))
        producer.produce(topic, value=value, key=f"k{i}".encode(), partition=i % partitions)
        if i % 1000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0


def sink_connector(name: str, topic: str, bucket: str, creds: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "config": {
            "connector.class": "io.confluent.connect.s3.S3SinkConnector",
            "tasks.max": "1",
            "topics": topic,
            "s3.bucket.name": bucket,
            "s3.region": creds["region_name"],
            "store.url": creds["endpoint_url"],
            "aws.access.key.id": creds["aws_access_key_id"],
            "aws.secret.access.key": creds["aws_secret_access_key"],
            "storage.class": "io.confluent.connect.s3.storage.S3Storage",
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
            "flush.size": "100",
            "retry.backoff.ms": "500",
            **{k: str(v) for k, v in extra.items()},
        },
    }


def worker_props(bootstrap: str, workdir: Path, flush_ms: int = 500) -> dict[str, Any]:
    # Static membership: a restarted worker takes its killed predecessor's partitions at once.
    return {
        "consumer.group.instance.id": f"s3-test-{workdir.name}",
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true",
        "offset.storage.file.filename": str(workdir / "connect.offsets"),
        "offset.flush.interval.ms": str(flush_ms),
        # A killed worker's consumer leaves the group after this, not Kafka's default 45 s.
        "consumer.session.timeout.ms": "6000",
        "consumer.heartbeat.interval.ms": "1000",
    }


def start_worker(
    bootstrap: str, workdir: Path, connectors: list[dict[str, Any]], flush_ms: int = 500
) -> WorkerProcess:
    files = []
    for c in connectors:
        path = workdir / f"{c['name']}.json"
        path.write_text(json.dumps(c))
        files.append(str(path))
    return WorkerProcess("standalone", worker_props(bootstrap, workdir, flush_ms), workdir, files).start()


@contextmanager
def worker(bootstrap: str, workdir: Path, connectors: list[dict[str, Any]]) -> Iterator[WorkerProcess]:
    w = start_worker(bootstrap, workdir, connectors)
    try:
        yield w
    finally:
        w.stop()


def task_status(w: WorkerProcess, name: str) -> dict[str, Any]:
    with w.client() as c:
        r = c.get(f"/connectors/{name}/status")
        tasks = r.json().get("tasks", []) if r.status_code == 200 else []
        return tasks[0] if tasks else {}


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "logger": quiet_logger()})
    try:
        tps = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        consumer.close()


def wait_committed(bootstrap: str, name: str, topic: str, partitions: int, total: int, timeout: float = 90,
                   w: WorkerProcess | None = None) -> None:  # fmt: skip
    def done() -> bool:
        if w is not None and task_status(w, name).get("state") == "FAILED":
            raise AssertionError(f"task failed: {task_status(w, name).get('trace')}")
        offsets = committed(bootstrap, f"connect-{name}", topic, partitions)
        return sum(max(o, 0) for o in offsets.values()) >= total

    wait_until(done, timeout, f"{total} records committed by {name}", interval_s=0.5)


def objects(client: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            out[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return out


def json_records(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [
        json.loads(line) for key in sorted(files) for line in files[key].splitlines() if key.endswith(".json")
    ]


def sleep_until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
