"""Snapshot and streaming progress through a real standalone worker:
``GET /connectors/{c}/tasks/{t}/metrics`` while the snapshot waits on a locked table, after it,
and while streaming; and the row estimates (``pg_class.reltuples``) in the snapshot log lines.

The second table is locked (ACCESS EXCLUSIVE) by the test while the snapshot runs, so the snapshot
stops deterministically after the first table. The slot and the publication exist beforehand, so
neither slot creation nor ``ALTER PUBLICATION`` waits for that lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pg_harness import cleanup_pg, connector_config, standalone, wait_running
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


def _metrics(worker: WorkerProcess, name: str) -> dict[str, Any]:
    with worker.client() as c:
        r = c.get(f"/connectors/{name}/tasks/0/metrics")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


@pytest.fixture(scope="module")
def names(pg_dsn: str) -> Iterator[dict[str, str]]:
    from tests.fixtures.names import unique_name

    out = {"schema": unique_name("pgm"), "slot": unique_name("slot"), "prefix": unique_name("p_m")}
    try:
        yield out
    finally:
        cleanup_pg(pg_dsn, [out["slot"]], [out["slot"]], [out["schema"]])


def test_snapshot_and_streaming_progress(
    tmp_path: Any, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str, names: dict[str, str]
) -> None:
    schema, slot, prefix = names["schema"], names["slot"], names["prefix"]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.a_first (id int PRIMARY KEY, v text)")
        conn.execute(f"CREATE TABLE {schema}.b_locked (id int PRIMARY KEY, v text)")
        conn.execute(f"INSERT INTO {schema}.a_first SELECT g, 'a' || g FROM generate_series(1, 5) g")
        conn.execute(f"INSERT INTO {schema}.b_locked SELECT g, 'b' || g FROM generate_series(1, 3) g")
        conn.execute(f"ANALYZE {schema}.a_first, {schema}.b_locked")
        conn.execute(f'CREATE PUBLICATION "{slot}" FOR TABLE {schema}.a_first, {schema}.b_locked')
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
    a, b = f"{schema}.a_first", f"{schema}.b_locked"
    name = "metrics-c"
    config = connector_config(
        name,
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "schema.include.list": schema,
            "publication.autocreate.mode": "disabled",
            "slot.drop.on.stop": "true",
        },
    )
    locker = psycopg.connect(pg_dsn)
    try:
        locker.execute(f"LOCK TABLE {b} IN ACCESS EXCLUSIVE MODE")
        with standalone(kafka_bootstrap, tmp_path, [config]) as worker:
            wait_running(worker, name)

            def stuck_on_second_table() -> bool:
                return _metrics(worker, name)["metrics"]["snapshot"]["CurrentTable"] == b

            try:
                wait_until(stuck_on_second_table, 60, "the snapshot to reach the locked table")
            except AssertionError as e:
                raise AssertionError(f"{e}\n{_metrics(worker, name)}\n{worker.tail(80)}") from None
            body = _metrics(worker, name)
            with worker.client() as c:
                worker_id = c.get(f"/connectors/{name}/tasks/0/status").json()["worker_id"]
            assert body["id"] == {"connector": name, "task": 0}
            assert body["worker_id"] == worker_id
            snapshot = body["metrics"]["snapshot"]
            assert isinstance(snapshot.pop("SnapshotDurationInSeconds"), int)
            assert snapshot == {
                "SnapshotRunning": True,
                "SnapshotCompleted": False,
                "SnapshotAborted": False,
                "SnapshotSkipped": False,
                "SnapshotPaused": False,
                "TotalTableCount": 2,
                "RemainingTableCount": 1,
                "RowsScanned": {a: 5, b: 0},
                "RowsEstimated": {a: 5, b: 3},
                "CurrentTable": b,
                "QueueTotalCapacity": 8192,
                "QueueRemainingCapacity": 8192,
            }
            assert body["metrics"]["streaming"]["Connected"] is False

            locker.rollback()  # release the lock: the snapshot reads the second table and finishes
            wait_until(
                lambda: _metrics(worker, name)["metrics"]["snapshot"]["SnapshotCompleted"],
                60,
                "the snapshot to complete",
            )
            snapshot = _metrics(worker, name)["metrics"]["snapshot"]
            assert snapshot.pop("SnapshotDurationInSeconds") >= 0
            assert snapshot == {
                "SnapshotRunning": False,
                "SnapshotCompleted": True,
                "SnapshotAborted": False,
                "SnapshotSkipped": False,
                "SnapshotPaused": False,
                "TotalTableCount": 2,
                "RemainingTableCount": 0,
                "RowsScanned": {a: 5, b: 3},
                "RowsEstimated": {a: 5, b: 3},
                "CurrentTable": None,
                "QueueTotalCapacity": 8192,
                "QueueRemainingCapacity": snapshot["QueueRemainingCapacity"],
            }
            assert 0 <= snapshot["QueueRemainingCapacity"] <= 8192

            wait_until(lambda: _metrics(worker, name)["metrics"]["streaming"]["Connected"], 60, "streaming")
            with psycopg.connect(pg_dsn, autocommit=True) as conn:
                conn.execute(f"INSERT INTO {a} VALUES (6, 'x'), (7, 'y')")
                conn.execute(f"UPDATE {a} SET v = 'z' WHERE id = 6")
                conn.execute(f"DELETE FROM {b} WHERE id = 1")
                xid = conn.execute("SELECT pg_current_xact_id()::text").fetchone()
            wait_until(
                lambda: _metrics(worker, name)["metrics"]["streaming"]["TotalNumberOfEventsSeen"] >= 4,
                60,
                "four streamed events",
            )
            streaming = _metrics(worker, name)["metrics"]["streaming"]
            assert xid is not None
            assert streaming["Connected"] is True
            assert streaming["TotalNumberOfEventsSeen"] == 4
            assert streaming["TotalNumberOfCreateEventsSeen"] == 2
            assert streaming["TotalNumberOfUpdateEventsSeen"] == 1
            assert streaming["TotalNumberOfDeleteEventsSeen"] == 1
            assert streaming["MilliSecondsBehindSource"] >= 0
            assert streaming["MilliSecondsSinceLastEvent"] >= 0
            last = streaming["LastEvent"]
            assert (last["op"], last["schema"], last["table"]) == ("d", schema, "b_locked")
            assert streaming["SourceEventPosition"] == {"lsn": str(last["lsn"]), "txId": str(last["txId"])}
            assert streaming["LastTransactionId"] == str(last["txId"])

            with worker.client() as c:
                r = c.get(f"/connectors/{name}/tasks/1/metrics")
                assert (r.status_code, r.json()["message"]) == (404, f"Unknown task: {name}-1")
            log = worker.tail(2000)
        assert f"exporting {a} (~5 rows estimated)" in log
        assert f"exporting {b} (~3 rows estimated)" in log
        assert f"Snapshot of {b}: 3 rows (~3 estimated)" in log
    finally:
        locker.close()
