"""A PostgreSQL restart (a private server of the test's own): the task reconnects with backoff and
resumes where it was, with nothing lost and nothing repeated."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from connectrt.dev import services
from pg_harness import connector_config, read_topic, standalone, task_state, topic_size, wait_running
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


def test_postgres_restart_is_retried(
    private_dev_instance_factory: Any, kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    instance = private_dev_instance_factory("pgrestart", kinds=("postgres",))
    env = instance.env
    pg = {
        "host": env["CONNECTRT_PG_HOST"],
        "port": env["CONNECTRT_PG_PORT"],
        "user": env["CONNECTRT_PG_USER"],
        "password": env["CONNECTRT_PG_PASSWORD"],
        "dbname": env["CONNECTRT_PG_DATABASE"],
    }
    dsn = env["CONNECTRT_PG_DSN"]
    table, slot, prefix = unique_name.table("r"), unique_name.slot(), unique_name("pfx")
    topic = f"{prefix}.public.{table}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    config = connector_config(
        "restart",
        pg,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{table}",
            "publication.autocreate.mode": "filtered",
            "snapshot.mode": "no_data",
            "retriable.restart.connector.wait.ms": "500",
        },
    )
    with standalone(kafka_bootstrap, tmp_path, [config], schemas=False) as worker:
        wait_running(worker, "restart")
        time.sleep(1)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for i in range(0, 100):
                conn.execute(f"INSERT INTO {table} VALUES (%s)", (i,))
        wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 100, 60, "the first rows")
        # A fast shutdown waits for the walsender's client to confirm everything sent; the task
        # confirms once its records are committed, so the server stops without being killed.
        began = time.monotonic()
        instance.stop("postgres")
        assert time.monotonic() - began < 20
        time.sleep(3)
        services.up(instance.settings, ("postgres",))
        with psycopg.connect(dsn, autocommit=True) as conn:
            for i in range(100, 200):
                conn.execute(f"INSERT INTO {table} VALUES (%s)", (i,))
        wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 200, 120, "the rows after the restart")
        time.sleep(2)
        ids = [r["value"]["after"]["id"] for r in read_topic(kafka_bootstrap, topic)]
        assert ids == list(range(200))
        assert task_state(worker, "restart")["state"] == "RUNNING"
        assert "reconnecting in" in worker.tail(500)
