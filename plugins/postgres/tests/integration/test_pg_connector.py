"""The connector in a standalone worker: snapshot modes, filters and custom keys, the SMT, connection
loss, and the errors that fail the task with what to fix."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_harness import (
    cleanup_pg,
    connector_config,
    read_topic,
    standalone,
    task_state,
    topic_size,
    wait_running,
)
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


def _payloads(bootstrap: str, topic: str) -> list[Any]:
    return [r["value"] for r in read_topic(bootstrap, topic)]


def _ops(bootstrap: str, topic: str) -> list[tuple[str, int]]:
    out = []
    for v in _payloads(bootstrap, topic):
        if v is not None:
            row = v["after"] or v["before"]
            out.append((v["op"], row["id"]))
    return out


@pytest.fixture
def table(pg_dsn: str, unique_name: Any) -> Any:
    name = unique_name.table("t")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, name text, secret text)")
        conn.execute(f"INSERT INTO {name} VALUES (1, 'a', 's1'), (2, 'b', 's2')")
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {name}")


def _insert(dsn: str, table: str, ident: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {table} VALUES (%s, 'x', 's')", (ident,))


@pytest.mark.parametrize(
    ("mode", "first_run", "second_run"),
    [
        ("initial", [("r", 1), ("r", 2), ("c", 3)], [("c", 4)]),
        # row 4 is inserted while the connector is down, before the new snapshot: read, not streamed
        ("always", [("r", 1), ("r", 2), ("c", 3)], [("r", 1), ("r", 2), ("r", 3), ("r", 4)]),
        ("when_needed", [("r", 1), ("r", 2), ("c", 3)], [("c", 4)]),
        ("no_data", [("c", 3)], [("c", 4)]),
        ("initial_only", [("r", 1), ("r", 2)], []),
    ],
)
def test_snapshot_modes(
    mode: str,
    first_run: list[tuple[str, int]],
    second_run: list[tuple[str, int]],
    table: str,
    pg_dsn: str,
    pg_params: dict[str, str],
    kafka_bootstrap: str,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    slot, prefix = unique_name.slot(), unique_name("pfx")
    topic = f"{prefix}.public.{table}"
    config = connector_config(
        "modes",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{table}",
            "publication.autocreate.mode": "filtered",
            "snapshot.mode": mode,
        },
    )
    try:
        with standalone(kafka_bootstrap, tmp_path, [config], schemas=False) as worker:
            wait_running(worker, "modes")
            if mode != "no_data":
                wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 2, 60, "the snapshot")
            time.sleep(1)
            _insert(pg_dsn, table, 3)
            wait_until(lambda: len(_ops(kafka_bootstrap, topic)) >= len(first_run), 60, "first run events")
            time.sleep(1.5)
            assert _ops(kafka_bootstrap, topic) == first_run
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                slots = conn.execute(
                    "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (slot,)
                ).fetchall()
            assert bool(slots) == (mode != "initial_only")
        _insert(pg_dsn, table, 4)
        with standalone(kafka_bootstrap, tmp_path, [config], schemas=False) as worker:
            wait_running(worker, "modes")
            wait_until(
                lambda: len(_ops(kafka_bootstrap, topic)) >= len(first_run) + len(second_run),
                60,
                "second run events",
            )
            time.sleep(1.5)
            assert _ops(kafka_bootstrap, topic)[len(first_run) :] == second_run
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [])


def test_filters_custom_keys_and_the_smt(
    table: str, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    slot, prefix = unique_name.slot(), unique_name("pfx")
    config = connector_config(
        "filters",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "schema.include.list": "public",
            "table.include.list": f"public.{table}",
            "column.exclude.list": f"public.{table}.secret",
            "message.key.columns": f"public.{table}:name",
            "publication.autocreate.mode": "filtered",
            "slot.drop.on.stop": "true",
            "transforms": "unwrap",
            "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
            "transforms.unwrap.add.fields": "op,table,lsn:pos",
            "transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
        },
    )
    topic = f"{prefix}.public.{table}"
    try:
        with standalone(kafka_bootstrap, tmp_path, [config], schemas=False) as worker:
            wait_running(worker, "filters")
            wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 2, 60, "the snapshot")
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                conn.execute(f"UPDATE {table} SET name = 'bb', secret = 'x' WHERE id = 2")
                conn.execute(f"DELETE FROM {table} WHERE id = 1")
            wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 4, 60, "the changes")
            time.sleep(1)
            records = read_topic(kafka_bootstrap, topic)
        rows = [(r["key"], {k: v for k, v in r["value"].items() if k != "__pos"}) for r in records]
        assert rows == [
            ({"name": "a"}, {"id": 1, "name": "a", "__op": "r", "__table": table, "__deleted": "false"}),
            ({"name": "b"}, {"id": 2, "name": "b", "__op": "r", "__table": table, "__deleted": "false"}),
            ({"name": "bb"}, {"id": 2, "name": "bb", "__op": "u", "__table": table, "__deleted": "false"}),
            # REPLICA IDENTITY DEFAULT: the old row of a delete has only the primary key.
            ({"name": None}, {"id": 1, "name": None, "__op": "d", "__table": table, "__deleted": "true"}),
        ]
        assert all(isinstance(r["value"]["__pos"], int) for r in records)
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [])


def test_connection_loss_is_retried_without_loss_or_duplicates(
    table: str, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    slot, prefix = unique_name.slot(), unique_name("pfx")
    topic = f"{prefix}.public.{table}"
    config = connector_config(
        "loss",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{table}",
            "publication.autocreate.mode": "filtered",
            "snapshot.mode": "no_data",
            "slot.drop.on.stop": "true",
            "slot.retry.delay.ms": "300",
        },
    )
    try:
        with (
            standalone(kafka_bootstrap, tmp_path, [config], schemas=False) as worker,
            psycopg.connect(pg_dsn, autocommit=True) as conn,
        ):
            wait_running(worker, "loss")
            time.sleep(1)
            for i in range(100, 400):
                conn.execute(f"INSERT INTO {table} VALUES (%s, 'x', 's')", (i,))
                if i in (150, 300):
                    conn.execute(
                        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = %s",
                        (slot,),
                    )
                    time.sleep(0.3)
            wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 300, 90, "every insert")
            time.sleep(2)
            ids = [row for op, row in _ops(kafka_bootstrap, topic)]
            assert ids == list(range(100, 400))
            assert task_state(worker, "loss")["state"] == "RUNNING"
            assert "reconnecting" in worker.tail(400)
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [])


def _failed_trace(worker: Any, name: str) -> str:
    def failed() -> Any:
        state = task_state(worker, name)
        return state if state.get("state") == "FAILED" else None

    return str(wait_until(failed, 60, f"{name} to fail")["trace"])


def test_errors_say_what_to_fix(
    table: str, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    role = unique_name("norep")
    slot_a, slot_b, pub = unique_name.slot(), unique_name.slot(), unique_name.publication()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
    no_replication = connector_config(
        "norep",
        {**pg_params, "user": role, "password": "pw"},
        "p1",
        slot_a,
        slot_a,
        **{"table.include.list": f"public.{table}"},
    )
    missing_pub = connector_config(
        "nopub",
        pg_params,
        "p2",
        slot_b,
        pub,
        **{"publication.autocreate.mode": "disabled", "table.include.list": f"public.{table}"},
    )
    try:
        with standalone(kafka_bootstrap, tmp_path, [no_replication, missing_pub]) as worker:
            assert f"Database user '{role}' may not stream changes; grant it replication" in _failed_trace(
                worker, "norep"
            )
            assert (
                f"Publication '{pub}' does not exist and publication.autocreate.mode is disabled"
                in _failed_trace(worker, "nopub")
            )
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {role}")
        cleanup_pg(pg_dsn, [slot_a, slot_b], [slot_a, pub], [])


def test_a_slot_in_use_fails_clearly(
    table: str, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    slot = unique_name.slot()
    common = {
        "table.include.list": f"public.{table}",
        "publication.autocreate.mode": "filtered",
        "snapshot.mode": "no_data",
        "slot.max.retries": "2",
        "slot.retry.delay.ms": "200",
        "errors.max.retries": "0",
    }
    first = connector_config("first", pg_params, unique_name("pa"), slot, slot, **common)
    second = connector_config("second", pg_params, unique_name("pb"), slot, slot, **common)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    try:
        with standalone(kafka_bootstrap, tmp_path / "a", [first]) as a:
            wait_running(a, "first")
            with standalone(kafka_bootstrap, tmp_path / "b", [second]) as b:
                trace = _failed_trace(b, "second")
                assert f"Replication slot '{slot}' is active for PID" in trace
                assert "stop the other consumer of the slot or set slot.name to another slot" in trace
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [])


def test_schema_changes_while_streaming(
    table: str, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, unique_name: Any, tmp_path: Path
) -> None:
    slot, prefix = unique_name.slot(), unique_name("pfx")
    topic = f"{prefix}.public.{table}"
    config = connector_config(
        "ddl",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "table.include.list": f"public.{table}",
            "publication.autocreate.mode": "filtered",
            "snapshot.mode": "no_data",
            "slot.drop.on.stop": "true",
        },
    )
    try:
        with (
            standalone(kafka_bootstrap, tmp_path, [config], schemas=True) as worker,
            psycopg.connect(pg_dsn, autocommit=True) as conn,
        ):
            wait_running(worker, "ddl")
            time.sleep(1)
            conn.execute(f"INSERT INTO {table} VALUES (10, 'a', 's')")
            conn.execute(f"ALTER TABLE {table} ADD COLUMN added numeric(4,1) NOT NULL DEFAULT 2.5")
            conn.execute(f"INSERT INTO {table} VALUES (11, 'b', 's', 7.5)")
            conn.execute(f"ALTER TABLE {table} DROP COLUMN secret")
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN name TYPE int USING 5")
            conn.execute(f"INSERT INTO {table} VALUES (12, 6, 1.5)")
            wait_until(lambda: topic_size(kafka_bootstrap, topic) >= 3, 60, "the changes")
            records = read_topic(kafka_bootstrap, topic)
        shapes = []
        for r in records:
            fields = r["value"]["schema"]["fields"][1]["fields"]
            shapes.append(([(f["field"], f["type"]) for f in fields], r["value"]["payload"]["after"]))
        assert shapes[0] == (
            [("id", "int32"), ("name", "string"), ("secret", "string")],
            {"id": 10, "name": "a", "secret": "s"},
        )
        assert shapes[1][0] == [("id", "int32"), ("name", "string"), ("secret", "string"), ("added", "bytes")]
        assert shapes[1][1]["id"] == 11 and shapes[1][1]["added"] == "Sw=="  # 7.5 at scale 1
        assert shapes[2] == (
            [("id", "int32"), ("name", "int32"), ("added", "bytes")],
            {"id": 12, "name": 6, "added": "Dw=="},
        )
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [])
