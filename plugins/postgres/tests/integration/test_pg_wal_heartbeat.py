"""The WAL test: a captured table stays idle while another table takes writes; heartbeats carry the
advancing offset to Kafka, and the slot's confirmed_flush_lsn follows once those offsets are committed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_harness import cleanup_pg, connector_config, read_topic, standalone, topic_size, wait_running
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


def confirmed_flush(conn: Any, slot: str) -> int:
    row = conn.execute(
        "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = %s", (slot,)
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _busy(conn: Any, table: str, seconds: float) -> None:
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        conn.execute(f"INSERT INTO {table} (v) VALUES (%s)", (i,))
        i += 1
        time.sleep(0.01)


def test_idle_table_slot_advances_through_heartbeats(
    pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    idle, busy = unique_name.table("idle"), unique_name.table("busy")
    slot, pub, prefix = unique_name.slot(), unique_name.publication(), unique_name("pfx")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {idle} (id int PRIMARY KEY)")
        conn.execute(f"CREATE TABLE {busy} (id serial PRIMARY KEY, v int)")
        # The publication carries both tables; only the idle one is captured.
        conn.execute(f'CREATE PUBLICATION "{pub}" FOR TABLE {idle}, {busy}')
    config = connector_config(
        "wal",
        pg_params,
        prefix,
        slot,
        pub,
        **{
            "table.include.list": f"public.{idle}",
            "publication.autocreate.mode": "disabled",
            "heartbeat.interval.ms": "500",
            "snapshot.mode": "no_data",
            "slot.drop.on.stop": "true",
            "status.update.interval.ms": "1000",
        },
    )
    try:
        with (
            standalone(kafka_bootstrap, tmp_path, [config], schemas=False, flush_ms=500) as worker,
            psycopg.connect(pg_dsn, autocommit=True) as conn,
        ):
            wait_running(worker, "wal")
            wait_until(lambda: confirmed_flush(conn, slot) > 0, 30, "the slot")
            start = confirmed_flush(conn, slot)
            _busy(conn, busy, 4)
            target = int(conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])  # type: ignore[index]
            _busy(conn, busy, 3)
            wait_until(
                lambda: confirmed_flush(conn, slot) >= target,
                30,
                "confirmed_flush_lsn past the busy table's writes",
            )
            assert confirmed_flush(conn, slot) > start
            heartbeats = read_topic(kafka_bootstrap, f"__debezium-heartbeat.{prefix}")
            assert heartbeats, "heartbeat records"
            last = heartbeats[-1]
            assert last["key"] == {"serverName": prefix}
            assert set(last["value"]) == {"ts_ms"}
            assert topic_size(kafka_bootstrap, f"{prefix}.public.{idle}") == 0
    finally:
        cleanup_pg(pg_dsn, [slot], [pub], [])
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {idle}, {busy}")


def test_heartbeat_action_query_moves_an_idle_slot(
    pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    """The busy table is outside the publication (no messages at all reach the connector); the
    heartbeat action query writes to a captured heartbeat table, so offsets and the slot still move."""
    idle, busy, hb = unique_name.table("idle"), unique_name.table("busy"), unique_name.table("hb")
    slot, prefix = unique_name.slot(), unique_name("pfx")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {idle} (id int PRIMARY KEY)")
        conn.execute(f"CREATE TABLE {busy} (id serial PRIMARY KEY, v int)")
        conn.execute(f"CREATE TABLE {hb} (id int PRIMARY KEY, ts timestamptz)")
    config = connector_config(
        "walq",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{idle},public.{hb}",
            "publication.autocreate.mode": "filtered",
            "heartbeat.interval.ms": "500",
            "snapshot.mode": "no_data",
            "slot.drop.on.stop": "true",
            "heartbeat.action.query": f"INSERT INTO {hb} VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = now()",
            "status.update.interval.ms": "1000",
        },
    )
    try:
        with (
            standalone(kafka_bootstrap, tmp_path, [config], schemas=False, flush_ms=500) as worker,
            psycopg.connect(pg_dsn, autocommit=True) as conn,
        ):
            wait_running(worker, "walq")
            wait_until(lambda: confirmed_flush(conn, slot) > 0, 30, "the slot")
            _busy(conn, busy, 3)
            target = int(conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])  # type: ignore[index]
            wait_until(
                lambda: confirmed_flush(conn, slot) >= target, 30, "confirmed_flush_lsn past the busy writes"
            )
            assert topic_size(kafka_bootstrap, f"{prefix}.public.{hb}") > 0
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [])
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {idle}, {busy}, {hb}")
