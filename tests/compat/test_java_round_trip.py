"""A Debezium cluster moves from Java Kafka Connect to connectrt and back, on the same group and topics.

Java Kafka Connect 4.2.1 + Debezium 3.6.1 (a real ``ConnectDistributed``, see ``java_worker``) snapshots a
table and streams changes; it stops, and a connectrt worker joins the same group with the same internal
topics: it runs the connector and its task from Java's configs and offsets without rewriting the task
config (connectrt writes what Java writes: Debezium's task class, nothing added) and streams the next
changes; it stops, and Java takes the cluster back: its task starts RUNNING (it failed in issue #14, on a
task config naming a Python class) and streams the last changes. Every row arrives exactly once, the
snapshot is never repeated, and no task is ever FAILED.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.compat.java_worker import JavaWorker, debezium_plugin_path, java_available, worker_props
from tests.integration.distributed.api.support import raw_topic
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.compat]

DEBEZIUM_TASK = "io.debezium.connector.postgresql.PostgresConnectorTask"


def _status(url: str, name: str) -> dict[str, Any]:
    try:
        r = httpx.get(f"{url}/connectors/{name}/status", timeout=10)
    except httpx.HTTPError:
        return {}
    return r.json() if r.status_code == 200 else {}


def _running(url: str, name: str) -> bool:
    s = _status(url, name)
    tasks = s.get("tasks") or []
    return (
        s.get("connector", {}).get("state") == "RUNNING"
        and len(tasks) == 1
        and tasks[0]["state"] == "RUNNING"
    )


def _events(bootstrap: str, topic: str) -> list[tuple[str, int]]:
    """(op, id) of every change event of ``topic``, in order."""
    out = []
    for _, _, value in raw_topic(bootstrap, topic):
        if value is None:
            continue
        payload = json.loads(value)["payload"]
        row = payload["after"] or payload["before"]
        out.append((payload["op"], row["id"]))
    return out


def _insert(dsn: str, table: str, ids: range) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in ids:
            conn.execute(f"INSERT INTO {table} (id, v) VALUES (%s, %s)", (i, f"row {i}"))


def _wait_events(bootstrap: str, topic: str, count: int, who: str) -> None:
    wait_until(lambda: len(_events(bootstrap, topic)) >= count, 90, f"{count} change events ({who})", 1.0)


def test_java_to_connectrt_and_back(
    kafka_bootstrap: str, pg_dsn: str, pg_params: dict[str, str], tmp_path: Path
) -> None:
    java_available()
    plugin_path = debezium_plugin_path()
    uid = f"{int(time.time() * 1000) % 10**10}"
    group, name, schema = f"roundtrip-{uid}", f"rt-{uid}", f"rt_{uid}"
    prefix, slot = f"rt{uid}", f"rt_{uid}"
    topic = f"{prefix}.{schema}.items"
    props = worker_props(kafka_bootstrap, group)
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "plugin.name": "pgoutput",
        "database.hostname": pg_params["host"],
        "database.port": pg_params["port"],
        "database.user": pg_params["user"],
        "database.password": pg_params["password"],
        "database.dbname": pg_params["dbname"],
        "topic.prefix": prefix,
        "slot.name": slot,
        "publication.name": slot,
        "publication.autocreate.mode": "filtered",
        "table.include.list": f"{schema}.items",
    }
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE TABLE "{schema}".items (id INT PRIMARY KEY, v TEXT)')
    table = f'"{schema}".items'
    _insert(pg_dsn, table, range(1, 6))
    try:
        # 1. Java + Debezium: snapshot of 5 rows, 3 streamed changes.
        java = JavaWorker({**props, "plugin.path": str(plugin_path)}, tmp_path).start()
        try:
            r = httpx.put(f"{java.url}/connectors/{name}/config", json=config, timeout=30)
            assert r.status_code == 201, r.text
            wait_until(lambda: _running(java.url, name), 90, "Java's task RUNNING")
            _wait_events(kafka_bootstrap, topic, 5, "Java's snapshot")
            _insert(pg_dsn, table, range(6, 9))
            _wait_events(kafka_bootstrap, topic, 8, "Java streaming")
            java_tasks = httpx.get(f"{java.url}/connectors/{name}/tasks", timeout=10).json()
        finally:
            java.stop()
        task_records = _task_records(kafka_bootstrap, group, name)

        # 2. connectrt on the same group and topics: Java's configs and offsets, no rewrite.
        ours = WorkerProcess("distributed", props, tmp_path).start(timeout_s=90)
        try:
            wait_until(lambda: _running(ours.url, name), 90, "connectrt's task RUNNING")
            tasks = httpx.get(f"{ours.url}/connectors/{name}/tasks", timeout=10).json()
            assert tasks == java_tasks
            assert tasks[0]["config"]["task.class"] == DEBEZIUM_TASK and "task.id" not in tasks[0]["config"]
            _insert(pg_dsn, table, range(9, 12))
            _wait_events(kafka_bootstrap, topic, 11, "connectrt streaming")
            status = _status(ours.url, name)
            assert status["tasks"][0]["version"] == "3.6.1.Final", status
        finally:
            ours.stop()
        assert _task_records(kafka_bootstrap, group, name) == task_records, (
            "connectrt rewrote the task config"
        )

        # 3. Java takes the cluster back: its task runs connectrt's (that is, its own) task config.
        java = JavaWorker({**props, "plugin.path": str(plugin_path)}, tmp_path).start()
        try:
            wait_until(lambda: _running(java.url, name), 90, "Java's task RUNNING again")
            _insert(pg_dsn, table, range(12, 15))
            _wait_events(kafka_bootstrap, topic, 14, "Java streaming again")
            time.sleep(2)  # anything more (a duplicate, a new snapshot) would arrive by now
        finally:
            java.stop()
        assert "could not be found" not in java.log(), java.tail()
    finally:
        _cleanup(pg_dsn, slot, schema)

    events = _events(kafka_bootstrap, topic)
    assert events == [("r", i) for i in range(1, 6)] + [("c", i) for i in range(6, 15)], events
    failed = [
        v
        for _, k, v in raw_topic(kafka_bootstrap, f"{group}-status")
        if k is not None and k.startswith(f"status-task-{name}-".encode()) and v and b'"FAILED"' in v
    ]
    assert not failed, failed


def _task_records(bootstrap: str, group: str, name: str) -> list[tuple[bytes | None, bytes | None]]:
    return [
        (k, v)
        for _, k, v in raw_topic(bootstrap, f"{group}-configs")
        if k is not None and k.startswith(f"task-{name}-".encode())
    ]


def _cleanup(dsn: str, slot: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(100):
            row = conn.execute(
                "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            ).fetchone()
            if row is None or not row[0]:
                break
            time.sleep(0.2)
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
            (slot,),
        )
        conn.execute(f'DROP PUBLICATION IF EXISTS "{slot}"')
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
