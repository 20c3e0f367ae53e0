"""kill -9 of a worker running the CDC source and two SQL sinks (PostgreSQL and DuckDB) while rows
are inserted, updated and deleted; after a restart every warehouse table equals the source table."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from confluent_kafka import Consumer, TopicPartition
from sql_pipeline import (
    converge,
    drop_slot,
    put_connector,
    sink_config,
    source_config,
    wait_running,
    worker_props,
)
from tests.integration.worker_process import WorkerProcess

pytestmark = pytest.mark.integration


class Churn(threading.Thread):
    def __init__(self, dsn: str, table: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.table = dsn, table
        self.stop_event = threading.Event()
        self.changes = 0

    def run(self) -> None:
        rng = random.Random(11)
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop_event.is_set():
                k = rng.randint(1, 300)
                roll = rng.random()
                if roll < 0.5:
                    conn.execute(
                        f"INSERT INTO {self.table} VALUES (%s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
                        "v = EXCLUDED.v, amount = EXCLUDED.amount",
                        (k, rng.randint(0, 10**6), f"{k}.25"),
                    )
                elif roll < 0.8:
                    conn.execute(f"UPDATE {self.table} SET v = v + 1 WHERE id = %s", (k,))
                else:
                    conn.execute(f"DELETE FROM {self.table} WHERE id = %s", (k,))
                self.changes += 1
                time.sleep(0.002)


def state(dsn: str, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(f"SELECT id, v, amount FROM {table} ORDER BY id").fetchall()


def duck_state(path: Path, table: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(f"duckdb:///{path}")
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.exec_driver_sql(f"SELECT id, v, amount FROM {table} ORDER BY id")]
    finally:
        engine.dispose()


def sink_committed_to_end(bootstrap: str, connector: str, topic: str) -> tuple[bool, str]:
    """Whether the sink's group (``connect-<connector>``) has committed every record of ``topic``: offsets are
    committed only after the database transaction, so then every change is in the table."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"connect-{connector}", "enable.auto.commit": False}
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        tps = [TopicPartition(topic, p) for p in partitions]
        committed = {tp.partition: tp.offset for tp in consumer.committed(tps, timeout=10)}
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in tps}
    finally:
        consumer.close()
    return committed == ends, f"{connector} committed {committed}, topic ends at {ends}"


def test_kill_9_mid_stream_then_every_table_equals_the_source(
    pg_dsn: str,
    pg_params: dict[str, str],
    warehouse_dsn: str,
    warehouse_jdbc: str,
    kafka_bootstrap: str,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    table, slot, prefix = unique_name.table("crash"), unique_name.slot(), unique_name("cr")
    topic = f"{prefix}.public.{table}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int NOT NULL, amount numeric(12,2))")
        conn.execute(f"INSERT INTO {table} SELECT g, g, g * 1.5 FROM generate_series(1, 200) g")
    duck = tmp_path / "crash.duckdb"
    # A short session lets the restarted sinks rejoin their groups without waiting 45 s for the dead members.
    props = {
        **worker_props(kafka_bootstrap, tmp_path, unique_name("g")),
        "consumer.session.timeout.ms": "6000",
        "consumer.heartbeat.interval.ms": "1000",
    }
    churn = Churn(pg_dsn, table)
    worker = WorkerProcess("standalone", props, tmp_path)
    try:
        worker.start()
        put_connector(worker, "src", source_config(pg_params, prefix, slot, [table]))
        put_connector(
            worker, "pg-sink", sink_config(warehouse_jdbc, pg_params["user"], pg_params["password"], [topic])
        )
        put_connector(worker, "duck-sink", sink_config(f"jdbc:duckdb:{duck}", None, None, [topic]))
        for name in ("src", "pg-sink", "duck-sink"):
            wait_running(worker, name)
        churn.start()
        time.sleep(4)
        worker.kill9()  # mid-stream: the source, both sinks and the DuckDB file are cut off
        changes_at_kill = churn.changes
        time.sleep(1)
        worker = WorkerProcess("standalone", props, tmp_path, port=worker.port)
        worker.start()  # standalone keeps connector configs in memory only: register them again
        put_connector(worker, "src", source_config(pg_params, prefix, slot, [table]))
        put_connector(
            worker, "pg-sink", sink_config(warehouse_jdbc, pg_params["user"], pg_params["password"], [topic])
        )
        put_connector(worker, "duck-sink", sink_config(f"jdbc:duckdb:{duck}", None, None, [topic]))
        for name in ("src", "pg-sink", "duck-sink"):
            wait_running(worker, name)
        time.sleep(2)
        churn.stop_event.set()
        churn.join(10)
        expected = state(pg_dsn, table)
        converge(lambda: (state(warehouse_dsn, table) == expected, "postgres warehouse behind"), 90, worker)
        # The DuckDB file is read once its sink has stopped (one writer at a time): first let it catch up.
        converge(lambda: sink_committed_to_end(kafka_bootstrap, "duck-sink", topic), 90, worker)
        with worker.client() as c:
            assert c.delete("/connectors/duck-sink").status_code == 204
        time.sleep(1)
    finally:
        churn.stop_event.set()
        worker.stop()
        drop_slot(pg_dsn, slot)
    assert changes_at_kill > 100
    assert duck_state(duck, table) == expected
    print(f"{churn.changes} changes ({changes_at_kill} before the kill); {len(expected)} rows in every table")
