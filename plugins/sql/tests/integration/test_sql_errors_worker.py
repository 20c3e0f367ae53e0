"""Faults through a real worker: rows the database refuses go to the dead letter queue with the
__connect.errors.* headers (the worker's errant record reporter) while the rest is written; a
database that is down is retried, then the task is FAILED with a trace that says what happened."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from confluent_kafka import Consumer, Producer
from connectrt.converters.json_converter import JsonConverter
from sql_pipeline import put_connector, sink_config, wait_running, worker_props
from sql_records import KEY, event
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


def produce(bootstrap: str, topic: str, records: list[Any]) -> None:
    kc, vc = JsonConverter(), JsonConverter()
    kc.configure({}, True)
    vc.configure({}, False)
    p = Producer({"bootstrap.servers": bootstrap})
    for r in records:
        p.produce(
            topic,
            key=kc.from_connect_data(topic, KEY, r.key),
            value=vc.from_connect_data(topic, r.value_schema, r.value),
            partition=0,
        )
    assert p.flush(30) == 0


def test_refused_rows_go_to_the_dlq_with_context_headers(
    kafka_bootstrap: str,
    warehouse_dsn: str,
    warehouse_jdbc: str,
    warehouse_params: dict[str, str],
    create_topic: Any,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    topic, dlq, table = create_topic(partitions=1), unique_name("dlq"), unique_name.table("strict")
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id int PRIMARY KEY, status text NOT NULL, price numeric(10,2), "
            "ts timestamp)"
        )
    produce(
        kafka_bootstrap,
        topic,
        [
            event("c", 1, 0),
            event("c", 2, 1, status=None),  # type: ignore[arg-type]
            event("c", 3, 2),
            event("u", 1, 3, status="paid"),
        ],
    )
    worker = WorkerProcess("standalone", worker_props(kafka_bootstrap, tmp_path, unique_name("g")), tmp_path)
    try:
        worker.start()
        put_connector(
            worker,
            "strict-sink",
            sink_config(
                warehouse_jdbc,
                warehouse_params["user"],
                warehouse_params["password"],
                [topic],
                **{
                    "collection.name.format": table,
                    "schema.evolution": "none",
                    "errors.tolerance": "all",
                    "errors.deadletterqueue.topic.name": dlq,
                    "errors.deadletterqueue.topic.replication.factor": "1",
                    "errors.deadletterqueue.context.headers.enable": "true",
                },
            ),
        )
        wait_running(worker, "strict-sink")

        def rows() -> list[Any]:
            with psycopg.connect(warehouse_dsn) as conn:
                return conn.execute(f"SELECT id, status FROM {table} ORDER BY id").fetchall()

        wait_until(lambda: rows() == [(1, "paid"), (3, "new")], 60, "the good rows written")
        consumer = Consumer(
            {
                "bootstrap.servers": kafka_bootstrap,
                "group.id": unique_name("dlqread"),
                "auto.offset.reset": "earliest",
            }
        )
        consumer.subscribe([dlq])
        got: list[Any] = []
        deadline = time.monotonic() + 60
        while not got and time.monotonic() < deadline:
            got = [m for m in consumer.consume(10, timeout=1.0) if m.error() is None]
        consumer.close()
        with worker.client() as c:
            status = c.get("/connectors/strict-sink/status").json()
    finally:
        worker.stop()
    assert status["tasks"][0]["state"] == "RUNNING"
    [msg] = got
    assert json.loads(msg.value())["payload"]["after"]["id"] == 2  # the original bytes
    headers = {k: v.decode() for k, v in msg.headers()}
    assert {
        k: headers[k]
        for k in (
            "__connect.errors.topic",
            "__connect.errors.partition",
            "__connect.errors.offset",
            "__connect.errors.connector.name",
            "__connect.errors.task.id",
            "__connect.errors.stage",
            "__connect.errors.exception.class.name",
        )
    } == {
        "__connect.errors.topic": topic,
        "__connect.errors.partition": "0",
        "__connect.errors.offset": "1",
        "__connect.errors.connector.name": "strict-sink",
        "__connect.errors.task.id": "0",
        "__connect.errors.stage": "TASK_PUT",
        "__connect.errors.exception.class.name": "org.apache.kafka.connect.errors.DataException",
    }
    assert headers["__connect.errors.exception.message"].startswith(f"Table {table} refused the record: ")
    assert "not-null" in headers["__connect.errors.exception.message"]


def test_database_down_fails_the_task_with_a_clear_trace(
    kafka_bootstrap: str,
    warehouse_params: dict[str, str],
    create_topic: Any,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    topic = create_topic(partitions=1)
    produce(kafka_bootstrap, topic, [event("c", 1, 0)])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here: the database is down
    worker = WorkerProcess("standalone", worker_props(kafka_bootstrap, tmp_path, unique_name("g")), tmp_path)
    try:
        worker.start()
        put_connector(
            worker,
            "down-sink",
            sink_config(
                f"jdbc:postgresql://127.0.0.1:{port}/warehouse",
                warehouse_params["user"],
                warehouse_params["password"],
                [topic],
                **{"flush.max.retries": "2", "flush.retry.delay.ms": "200"},
            ),
        )

        def failed() -> Any:
            with worker.client() as c:
                tasks = c.get("/connectors/down-sink/status").json().get("tasks", [])
            return tasks and tasks[0]["state"] == "FAILED" and tasks[0]

        task = wait_until(failed, 60, "the task FAILED")
        log = worker.log_path.read_text()
    finally:
        worker.stop()
    trace = task["trace"]
    assert "failed 3 times, last with: connection failed" in trace and "Connection refused" in trace
    assert "Check that the database is reachable" in trace
    assert log.count("retrying in 200 ms") == 2
    assert (
        log.count("WARNING [down-sink|task-0] Writing 1 changes to postgresql+psycopg://") == 2
    )  # Java's context
    assert warehouse_params["password"] not in trace.replace(warehouse_params["user"], "")
