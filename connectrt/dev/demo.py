"""``connectrt dev demo``: bring the dev services up and push a few records through each of them.

Kafka: produce keyed records with headers to a new topic and consume them back. PostgreSQL: change
rows in a table and read the changes from a ``pgoutput`` logical replication slot. S3: write the
consumed records as an object and read it back. Everything the demo creates is removed at the
end, and it stops the services it started itself (unless ``--keep``).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from connectrt.dev import services
from connectrt.dev.config import DevSettings
from connectrt.dev.errors import DevError
from connectrt.dev.slot_changes import SlotChangeDecoder

T = TypeVar("T")
RECORDS = 6


def _step(title: str, fn: Callable[[], T]) -> T:
    print(f"\n== {title}", flush=True)
    try:
        return fn()
    except DevError:
        raise
    except Exception as exc:
        raise DevError(f"The demo failed at '{title}': {type(exc).__name__}: {exc}.")


def run(settings: DevSettings, keep: bool = False) -> int:
    print("== Starting the dev services (Kafka, PostgreSQL, S3)", flush=True)
    result = services.up(settings, say=lambda line: print(f"   {line}", flush=True))
    env = result.env
    tag = f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
    try:
        records = _step(
            "Kafka: produce and consume", lambda: kafka_roundtrip(env["KAFKA_BOOTSTRAP_SERVERS"], tag)
        )
        changes = _step(
            "PostgreSQL: change rows, read them from a pgoutput slot",
            lambda: pg_roundtrip(env["CONNECTRT_PG_DSN"], tag),
        )
        key = _step("S3: put, list and get an object", lambda: s3_roundtrip(env, tag, records))
        print(
            f"\nDemo OK: {len(records)} records through Kafka {env.get('CONNECTRT_KAFKA_VERSION', '')}, "
            f"{len(changes)} row changes from PostgreSQL's slot, 1 object ({key}) through S3."
        )
    finally:
        if result.started and not keep:
            services.down(settings, only=result.started)
            print(f"Stopped the services this demo started: {', '.join(result.started)}.")
        elif result.started:
            print("Left the services running (--keep); stop them with `connectrt dev down`.")
    return 0


def _quiet_logger() -> logging.Logger:
    logger = logging.getLogger("connectrt.dev.demo.kafka")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


def kafka_roundtrip(bootstrap: str, tag: str) -> list[dict[str, Any]]:
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"demo-orders-{tag}"
    common: dict[str, Any] = {"bootstrap.servers": bootstrap, "logger": _quiet_logger()}
    admin = AdminClient(common)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=-1)])[topic].result(30)
    print(f"   created topic {topic} with 3 partitions")
    producer = Producer(
        {**common, "acks": "all", "enable.idempotence": True, "partitioner": "murmur2_random", "linger.ms": 5}
    )
    for i in range(RECORDS):
        value = {"order": i, "customer": f"customer-{i % 3}", "amount": 10 * (i + 1)}
        producer.produce(
            topic, key=f"customer-{i % 3}", value=json.dumps(value), headers=[("source", b"connectrt-demo")]
        )
    if producer.flush(30):
        raise RuntimeError("records were not acknowledged within 30 s")
    print(f"   produced {RECORDS} records (acks=all, idempotent)")
    consumer = Consumer(
        {**common, "group.id": f"demo-{tag}", "auto.offset.reset": "earliest", "enable.auto.commit": False}
    )
    consumer.subscribe([topic])
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    try:
        while len(seen) < RECORDS and time.monotonic() < deadline:
            for msg in consumer.consume(RECORDS, timeout=1.0):
                if msg.error():
                    raise RuntimeError(str(msg.error()))
                raw_key, raw_value = cast(bytes, msg.key()), cast(bytes, msg.value())
                headers = cast(list[tuple[str, bytes]], msg.headers() or [])
                seen.append(
                    {
                        "partition": msg.partition(),
                        "offset": msg.offset(),
                        "key": raw_key.decode(),
                        "value": json.loads(raw_value),
                        "headers": {k: v.decode() for k, v in headers},
                    }
                )
    finally:
        consumer.close()
    if len(seen) != RECORDS:
        raise RuntimeError(f"consumed {len(seen)} of {RECORDS} records within 60 s")
    for rec in sorted(seen, key=lambda r: (r["partition"], r["offset"])):
        print(
            f"   consumed p{rec['partition']}@{rec['offset']} key={rec['key']} value={json.dumps(rec['value'])} headers={rec['headers']}"
        )
    admin.delete_topics([topic])[topic].result(30)
    return seen


def pg_roundtrip(dsn: str, tag: str) -> list[dict[str, Any]]:
    import psycopg

    suffix = tag.replace("-", "_")
    table, pub, slot = f"demo_orders_{suffix}", f"demo_pub_{suffix}", f"demo_slot_{suffix}"
    changes: list[dict[str, Any]] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = on")  # slot functions only see flushed WAL
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, item text NOT NULL, qty int NOT NULL)")
        conn.execute(f"CREATE PUBLICATION {pub} FOR TABLE {table}")
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
        print(f"   created table {table}, publication {pub}, pgoutput slot {slot}")
        try:
            conn.execute(f"INSERT INTO {table} VALUES (1, 'coffee', 2), (2, 'tea', 1)")
            conn.execute(f"UPDATE {table} SET qty = 3 WHERE id = 1")
            conn.execute(f"DELETE FROM {table} WHERE id = 2")
            print("   inserted 2 rows, updated 1, deleted 1")
            rows = conn.execute(
                "SELECT lsn, data FROM pg_logical_slot_get_binary_changes(%s, NULL, NULL, "
                "'proto_version', '1', 'publication_names', %s)",
                (slot, pub),
            ).fetchall()
            decoder = SlotChangeDecoder()
            for lsn, data in rows:
                message = decoder.decode(data)
                if message["type"] in ("insert", "update", "delete"):
                    changes.append(message)
                    values = {k: message[k] for k in ("key", "old", "new") if k in message}
                    print(f"   slot @{lsn}: {message['type']:<6} {message['table']} {values}")
        finally:
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
            conn.execute(f"DROP PUBLICATION IF EXISTS {pub}")
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    if [c["type"] for c in changes] != ["insert", "insert", "update", "delete"]:
        raise RuntimeError(
            f"expected insert, insert, update, delete from the slot, got {[c['type'] for c in changes]}"
        )
    return changes


def s3_roundtrip(env: dict[str, str], tag: str, records: list[dict[str, Any]]) -> str:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=env["CONNECTRT_S3_ENDPOINT"],
        aws_access_key_id=env["CONNECTRT_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["CONNECTRT_S3_SECRET_ACCESS_KEY"],
        region_name=env["CONNECTRT_S3_REGION"],
    )
    bucket = f"demo-{tag}"
    key = "topics/demo-orders/partition=0/demo-orders+0+0000000000.json"
    body = "".join(json.dumps(rec["value"]) + "\n" for rec in records).encode()
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key=key, Body=body)
    listed = [obj["Key"] for obj in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    got = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    print(f"   bucket {bucket}: listed {listed}")
    print(f"   got {len(got)} bytes back, {len(got.splitlines())} JSON lines, identical: {got == body}")
    client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)
    if got != body:
        raise RuntimeError("the object read back differs from the one written")
    return key
