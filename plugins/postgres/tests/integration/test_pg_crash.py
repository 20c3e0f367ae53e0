"""kill -9 of the standalone worker during a stream of changes: after a restart every committed change
is in Kafka, and the only duplicates are events after the last offset the worker had committed."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_harness import cleanup_pg, connector_config, read_topic, topic_size, wait_running, worker_props
from pg_workload import Writer, check_versions
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


def committed_offset(path: Path, prefix: str) -> dict[str, Any] | None:
    if not path.exists():
        return None
    for k, v in json.loads(path.read_text()):
        key = json.loads(base64.b64decode(k))
        if key[1] == {"server": prefix}:
            return json.loads(base64.b64decode(v))
    return None


def test_kill_9_during_streaming_loses_nothing(
    pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    table, slot, prefix = unique_name.table("crash"), unique_name.slot(), unique_name("pfx")
    topic = f"{prefix}.public.{table}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int NOT NULL)")
        conn.execute(f"INSERT INTO {table} SELECT g, 0 FROM generate_series(1, 200) g")
    config = connector_config(
        "crash",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{table}",
            "publication.autocreate.mode": "filtered",
            "slot.retry.delay.ms": "500",
            "slot.max.retries": "40",
        },
    )
    (tmp_path / "connector.json").write_text(json.dumps(config))
    props = worker_props(kafka_bootstrap, tmp_path, schemas=False, flush_ms=1000)
    writer = Writer(pg_dsn, table, 201, range(1, 201), pause_s=0.001)
    worker = WorkerProcess("standalone", props, tmp_path, [str(tmp_path / "connector.json")])
    offsets_file = tmp_path / "connect.offsets"
    try:
        worker.start()
        wait_running(worker, "crash")
        wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 200, 60, "the snapshot")
        writer.start()
        time.sleep(4)
        worker.kill9()
        at_kill = committed_offset(offsets_file, prefix)
        produced_before = topic_size(kafka_bootstrap, topic)
        assert at_kill is not None and "lsn_commit" in at_kill, at_kill
        time.sleep(2)  # the writer keeps changing rows while the connector is down
        worker = WorkerProcess("standalone", props, tmp_path, [str(tmp_path / "connector.json")])
        worker.start()
        wait_running(worker, "crash")
        time.sleep(3)
        writer.stop()
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            expected = dict(conn.execute(f"SELECT id, v FROM {table}").fetchall())

        def caught_up() -> bool:
            values = [r["value"] for r in read_topic(kafka_bootstrap, topic)]
            return check_versions(values, allow_duplicates=True)["state"] == expected

        wait_until(caught_up, 120, "every committed change in Kafka", interval_s=2)
        records = read_topic(kafka_bootstrap, topic)
        result = check_versions([r["value"] for r in records], allow_duplicates=True)
        assert result["problems"] == [], result["problems"][:10]
        assert result["state"] == expected
        # Duplicates are only what came after the committed offset.
        committed_commit = at_kill["lsn_commit"]
        for _key, _v, value in result["duplicates"]:
            assert value["source"]["lsn"] >= committed_commit, (value["source"], at_kill)
        print(
            f"committed at kill: {at_kill}; duplicates after restart: {len(result['duplicates'])}; events: {len(records)}"
        )
        assert len(result["duplicates"]) <= produced_before
        assert worker.proc is not None and worker.proc.poll() is None
    finally:
        if writer.is_alive():
            writer.stop_event.set()
            writer.join(10)
        worker.stop()
        cleanup_pg(pg_dsn, [slot], [slot], [])
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
