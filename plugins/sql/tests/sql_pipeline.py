"""A real worker running the PostgreSQL CDC source and the SQL sink, for the end-to-end tests."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
from tests.integration.worker_process import WorkerProcess


def worker_props(bootstrap: str, workdir: Path, group: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.storage.file.filename": str(workdir / "connect.offsets"),
        "offset.flush.interval.ms": "500",
        "group.id": group,
    }


def source_config(pg: dict[str, str], prefix: str, slot: str, tables: list[str]) -> dict[str, str]:
    return {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": pg["host"],
        "database.port": pg["port"],
        "database.user": pg["user"],
        "database.password": pg["password"],
        "database.dbname": pg["dbname"],
        "topic.prefix": prefix,
        "slot.name": slot,
        "publication.name": slot,
        "publication.autocreate.mode": "filtered",
        "table.include.list": ",".join(f"public.{t}" for t in tables),
        "plugin.name": "pgoutput",
    }


def sink_config(
    url: str, user: str | None, password: str | None, topics: list[str], **extra: str
) -> dict[str, str]:
    config = {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "topics": ",".join(topics),
        "connection.url": url,
        "insert.mode": "upsert",
        "primary.key.mode": "record_key",
        "delete.enabled": "true",
        "schema.evolution": "basic",
        "collection.name.format": "${source.table}",
        **extra,
    }
    if user:
        config["connection.username"] = user
    if password:
        config["connection.password"] = password
    return config


def put_connector(worker: WorkerProcess, name: str, config: dict[str, str]) -> None:
    with worker.client() as c:
        r = c.put(f"/connectors/{name}/config", json=config)
        assert r.status_code in (200, 201), r.text


def wait_running(worker: WorkerProcess, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        with worker.client() as c:
            r = c.get(f"/connectors/{name}/status")
        if r.status_code == 200:
            last = r.json()
            tasks = last.get("tasks", [])
            if any(t["state"] == "FAILED" for t in tasks):
                raise AssertionError(f"{name} failed: {tasks}\n{worker.tail()}")
            if tasks and all(t["state"] == "RUNNING" for t in tasks):
                return
        time.sleep(0.3)
    raise AssertionError(f"{name} not RUNNING within {timeout} s: {last}\n{worker.tail()}")


def drop_slot(dsn: str, slot: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(50):
            try:
                conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    "WHERE slot_name = %s",
                    (slot,),
                )
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(0.2)
        conn.execute(f"DROP PUBLICATION IF EXISTS {slot}")


def converge(check: Any, timeout: float, worker: WorkerProcess, interval: float = 1.0) -> Any:
    """Poll ``check()`` (returns (done, detail)) until done; fail with the last detail."""
    deadline = time.monotonic() + timeout
    detail: Any = None
    while time.monotonic() < deadline:
        done, detail = check()
        if done:
            return detail
        time.sleep(interval)
    raise AssertionError(f"did not converge within {timeout} s: {detail}\n{worker.tail()}")
