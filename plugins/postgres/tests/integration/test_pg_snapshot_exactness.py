"""Snapshot and stream together: rows are snapshotted while concurrent transactions change them, and
every row's final state is right, with no change missing or doubled across the boundary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_harness import cleanup_pg, connector_config, read_topic, standalone, topic_size, wait_running
from pg_workload import Writer, check_versions
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration

ROWS = 30_000


def test_snapshot_then_stream_is_exact(
    pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    table, slot, prefix = unique_name.table("snapx"), unique_name.slot(), unique_name("pfx")
    topic = f"{prefix}.public.{table}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int NOT NULL, pad text)")
        conn.execute(f"INSERT INTO {table} SELECT g, 0, repeat('x', 100) FROM generate_series(1, {ROWS}) g")
    writer = Writer(pg_dsn, table, ROWS + 1, range(1, ROWS + 1), pause_s=0.002)
    config = connector_config(
        "snapx",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{table}",
            "publication.autocreate.mode": "filtered",
            "snapshot.fetch.size": "500",
            "max.batch.size": "500",
            "max.queue.size": "1000",
            "slot.drop.on.stop": "true",
        },
    )
    try:
        writer.start()
        time.sleep(0.5)
        with standalone(kafka_bootstrap, tmp_path, [config], schemas=False) as worker:
            wait_running(worker, "snapx")
            wait_until(lambda: topic_size(kafka_bootstrap, topic) >= ROWS, 120, "the snapshot")
            time.sleep(3)  # keep writing while streaming
            writer.stop()
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                expected = dict(conn.execute(f"SELECT id, v FROM {table}").fetchall())

            def caught_up() -> bool:
                result = check_versions([r["value"] for r in read_topic(kafka_bootstrap, topic)])
                return result["state"] == expected

            wait_until(caught_up, 120, "every committed change in Kafka", interval_s=2)
        records = read_topic(kafka_bootstrap, topic)
        values = [r["value"] for r in records]
        result = check_versions(values)
        assert result["problems"] == []
        assert result["state"] == expected
        reads = [v for v in values if v is not None and v["op"] == "r"]
        assert len(reads) >= ROWS  # plus the rows the writer inserted before the snapshot began
        assert reads[0]["source"]["snapshot"] == "first" and reads[-1]["source"]["snapshot"] == "last"
        streamed = [v for v in values if v is not None and v["op"] != "r"]
        assert writer.committed > 50 and streamed, "the workload ran concurrently with the snapshot"
        # each row's first streamed event continues exactly from its snapshot version
        snap_v = {v["after"]["id"]: v["after"]["v"] for v in reads}
        first_stream: dict[int, int] = {}
        for v in streamed:
            row = v["after"] or v["before"]
            if v["op"] == "u" and row["id"] not in first_stream:
                first_stream[row["id"]] = row["v"]
        bad = {
            k: (snap_v[k], first)
            for k, first in first_stream.items()
            if k in snap_v and first != snap_v[k] + 1
        }
        assert bad == {}
    finally:
        if writer.is_alive():
            writer.stop_event.set()
            writer.join(10)
        cleanup_pg(pg_dsn, [slot], [slot], [])
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
