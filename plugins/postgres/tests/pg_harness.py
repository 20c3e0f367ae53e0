"""Running the connector in a standalone worker against the dev services, and comparing its output
with Debezium's recorded output."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import Consumer, TopicPartition
from tests.fixtures.clients import quiet_logger
from tests.integration.worker_process import WorkerProcess, wait_until

DATA = Path(__file__).resolve().parent / "data" / "debezium"
VOLATILE_SOURCE = ("ts_ms", "ts_us", "ts_ns", "txId", "lsn", "sequence", "version")
VOLATILE_ENVELOPE = ("ts_ms", "ts_us", "ts_ns")


def worker_props(bootstrap: str, workdir: Path, schemas: bool = True, flush_ms: int = 1000) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": str(schemas).lower(),
        "value.converter.schemas.enable": str(schemas).lower(),
        "offset.storage.file.filename": str(workdir / "connect.offsets"),
        "offset.flush.interval.ms": str(flush_ms),
    }


def connector_config(
    name: str, pg: dict[str, str], prefix: str, slot: str, publication: str, **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "config": {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "tasks.max": "1",
            "plugin.name": "pgoutput",
            "database.hostname": pg["host"],
            "database.port": pg["port"],
            "database.user": pg["user"],
            "database.password": pg["password"],
            "database.dbname": pg["dbname"],
            "topic.prefix": prefix,
            "slot.name": slot,
            "publication.name": publication,
            "retriable.restart.connector.wait.ms": "1000",
            **{k: str(v) for k, v in extra.items()},
        },
    }


@contextmanager
def standalone(
    bootstrap: str,
    workdir: Path,
    connectors: list[dict[str, Any]],
    schemas: bool = True,
    flush_ms: int = 1000,
) -> Iterator[WorkerProcess]:
    files = []
    for i, c in enumerate(connectors):
        path = workdir / f"connector-{i}.json"
        path.write_text(json.dumps(c))
        files.append(str(path))
    worker = WorkerProcess("standalone", worker_props(bootstrap, workdir, schemas, flush_ms), workdir, files)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()


def wait_running(worker: WorkerProcess, name: str, timeout: float = 60) -> None:
    def running() -> bool:
        with worker.client() as c:
            r = c.get(f"/connectors/{name}/status")
            if r.status_code != 200:
                return False
            tasks = r.json().get("tasks", [])
            if tasks and tasks[0]["state"] == "FAILED":
                raise AssertionError(f"task failed: {tasks[0].get('trace')}\n{worker.tail()}")
            return bool(tasks) and tasks[0]["state"] == "RUNNING"

    wait_until(running, timeout, f"connector {name} running")


def task_state(worker: WorkerProcess, name: str) -> dict[str, Any]:
    with worker.client() as c:
        tasks = c.get(f"/connectors/{name}/status").json().get("tasks", [])
        return tasks[0] if tasks else {}


def topic_size(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "pg-size", "logger": quiet_logger()})
    try:
        meta = consumer.list_topics(timeout=10).topics
        if topic not in meta or meta[topic].error is not None:
            return 0
        return sum(
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in meta[topic].partitions
        )
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str, raw: bool = False) -> list[dict[str, Any]]:
    """Every record of a topic (all partitions, in offset order): topic, key, value, headers."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "pg-read",
            "enable.auto.commit": False,
            "logger": quiet_logger(),
        }
    )
    out: list[dict[str, Any]] = []
    try:
        meta = consumer.list_topics(timeout=10).topics
        if topic not in meta:
            return out
        for p in sorted(meta[topic].partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high <= low:
                continue
            consumer.assign([TopicPartition(topic, p, low)])
            got = 0
            while got < high - low:
                for msg in consumer.consume(min(5000, high - low - got), timeout=2.0):
                    if msg.error():
                        raise RuntimeError(str(msg.error()))
                    got += 1
                    k, v = msg.key(), msg.value()
                    out.append(
                        {
                            "topic": msg.topic(),
                            "key": k if raw else (None if k is None else json.loads(k)),
                            "value": v if raw else (None if v is None else json.loads(v)),
                            "headers": [
                                [hk, None if hv is None else hv.decode()] for hk, hv in (msg.headers() or [])
                            ],
                            "offset": msg.offset(),
                        }
                    )
    finally:
        consumer.close()
    return out


def delete_topics(admin: Any, prefix: str) -> None:
    topics = [
        t
        for t in admin.list_topics(timeout=10).topics
        if t.startswith(prefix + ".") or t.endswith("." + prefix)
    ]
    if topics:
        for f in admin.delete_topics(topics, operation_timeout=30).values():
            try:
                f.result(30)
            except Exception:
                pass


def cleanup_pg(dsn: str, slots: list[str], publications: list[str], schemas: list[str]) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for slot in slots:
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
        for pub in publications:
            conn.execute(f'DROP PUBLICATION IF EXISTS "{pub}"')
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- comparison with recorded Debezium output ---------------------------------------------------------


def load_recorded(variant: str) -> list[dict[str, Any]]:
    lines = (DATA / f"{variant}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines[1:]]


def _strip_volatile(value: Any, schemas: bool) -> Any:
    if value is None:
        return None
    payload = value["payload"] if schemas else value
    if isinstance(payload, dict):
        for f in VOLATILE_ENVELOPE:
            if f in payload:
                payload[f] = "<volatile>"
        source = payload.get("source")
        if isinstance(source, dict):
            for f in VOLATILE_SOURCE:
                if source.get(f) is not None:
                    source[f] = "<volatile>"
    return value


def normalize(
    records: list[dict[str, Any]], prefix: str, schema: str, schemas: bool = True
) -> list[dict[str, Any]]:
    """Records with the connector's names replaced by placeholders and volatile fields masked."""
    out = []
    for r in records:
        text = json.dumps({k: r[k] for k in ("topic", "key", "value", "headers")})
        text = text.replace(schema, "<schema>").replace(prefix, "<prefix>")
        item = json.loads(text)
        item["value"] = _strip_volatile(item["value"], schemas)
        item["headers"] = [[k, "<run>" if k == "__debezium.context.runId" else v] for k, v in item["headers"]]
        out.append(item)
    return out


def without_schemas(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recorded (schemas.enable=true) records as JsonConverter writes them with schemas disabled."""
    out = []
    for r in records:
        item = dict(r)
        item["key"] = None if r["key"] is None else r["key"]["payload"]
        item["value"] = None if r["value"] is None else r["value"]["payload"]
        out.append(item)
    return out


def by_topic(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault(r["topic"], []).append(r)
    return out
