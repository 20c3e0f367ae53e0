"""The compiled replication reader (native/src/copyread.rs) against a real walsender: the same frames
as the frame-by-frame Python loop, keepalives answered, and the end of the stream reported."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest

from connectrt_postgres import native, native_copy
from connectrt_postgres.replication import ReplicationStream, ReplicationStreamError

pytestmark = pytest.mark.integration

needs_native = pytest.mark.skipif(not native.available(), reason="connectrt-postgres-native is not built")


def _read_all(stream: ReplicationStream, until_lsn: int, timeout_s: float = 30.0) -> list[tuple[int, bytes]]:
    frames: list[tuple[int, bytes]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frames += stream.read(300, 0.5)
        if frames and frames[-1][0] >= until_lsn and frames[-1][1][25] == ord("C"):
            return frames
    raise AssertionError(f"the stream did not reach {until_lsn} within {timeout_s} s")


def _drop_slot_when_released(conn: psycopg.Connection[Any], slot: str) -> None:
    """Drop the slot once the walsender of the closed stream has let go of it (up to 5 s)."""
    for _ in range(50):
        row = conn.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone()
        if not row or not row[0]:
            break
        time.sleep(0.1)
    conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))


def _stream(pg_params: dict[str, str], slot: str, pub: str, start: int, compiled: bool) -> ReplicationStream:
    stream = ReplicationStream(dict(pg_params), status_interval_s=1.0)
    stream.compiled_reader = compiled
    stream.start(slot, start, {"proto_version": "1", "publication_names": f'"{pub}"'}, start)
    return stream


@needs_native
def test_compiled_reader_reads_the_frames_the_python_loop_reads(
    pg_dsn: str, pg_params: dict[str, str], unique_name: Any
) -> None:
    table, slot, pub = unique_name.table(), unique_name.slot(), unique_name.publication()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v text)")
        conn.execute(f'CREATE PUBLICATION "{pub}" FOR TABLE {table}')
        setup = ReplicationStream(dict(pg_params))
        created = setup.create_slot(slot, export_snapshot=False)
        setup.close()
        try:
            # Transactions of many rows and of one row, long values: frames of every size.
            with conn.transaction():
                for i in range(2000):
                    conn.execute(f"INSERT INTO {table} VALUES (%s, %s)", (i, "x" * (i % 300)))
            for i in range(2000, 2050):
                conn.execute(f"INSERT INTO {table} VALUES (%s, %s)", (i, "y" * 20000))
            conn.execute(f"UPDATE {table} SET v = 'z' WHERE id < 500")
            end = int(conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])

            compiled = _stream(pg_params, slot, pub, created.consistent_point, compiled=True)
            assert compiled._fast_read is not None, "psycopg's libpq was not located"
            got = _read_all(compiled, end - 1)
            compiled.stop_streaming()
            compiled.close()
            python = _stream(pg_params, slot, pub, created.consistent_point, compiled=False)
            assert python._fast_read is None
            expected = _read_all(python, end - 1)
            python.stop_streaming()
            python.close()
        finally:
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
            conn.execute(f'DROP PUBLICATION "{pub}"')
            conn.execute(f"DROP TABLE {table}")
    assert len(got) == len(expected) > 2000 + 50 + 500
    # Same WAL starts, same pgoutput messages, same order (the header's WAL end and send time differ
    # between two readings of a slot).
    assert [(lsn, f[:9], f[25:]) for lsn, f in got] == [(lsn, f[:9], f[25:]) for lsn, f in expected]


@needs_native
def test_compiled_reader_answers_keepalives_and_reports_the_end(
    pg_dsn: str, pg_params: dict[str, str], unique_name: Any
) -> None:
    slot, pub = unique_name.slot(), unique_name.publication()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE PUBLICATION "{pub}"')
        setup = ReplicationStream(dict(pg_params))
        created = setup.create_slot(slot, export_snapshot=False)
        setup.close()
        stream = _stream(pg_params, slot, pub, created.consistent_point, compiled=True)
        try:
            assert stream._fast_read is not None
            # Idle: only keepalives arrive (wal_sender_timeout/2, or on our status request).
            stream.send_status(reply=True)
            deadline = time.monotonic() + 15
            while stream.server_wal_end == 0 and time.monotonic() < deadline:
                assert stream.read(100, 0.5) == []
            assert stream.server_wal_end > 0, "no keepalive was seen"
            # The walsender goes away: the read reports it as the end of the stream.
            conn.execute(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = %s",
                (slot,),
            )
            with pytest.raises(ReplicationStreamError):
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    stream.read(100, 0.5)
        finally:
            stream.close()
            _drop_slot_when_released(conn, slot)
            conn.execute(f'DROP PUBLICATION "{pub}"')


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_a_read_drains_the_socket_beyond_one_libpq_buffer(
    pg_dsn: str, pg_params: dict[str, str], unique_name: Any, compiled: bool
) -> None:
    """One PQconsumeInput takes ~16 KB (about 100 of these frames): a read must take all the socket holds,
    or the walsender waits on a full socket while the reader lingers (the cause of a 0.4x raw rate)."""
    if compiled and not native.available():
        pytest.skip("connectrt-postgres-native is not built")
    table, slot, pub = unique_name.table(), unique_name.slot(), unique_name.publication()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v text)")
        conn.execute(f'CREATE PUBLICATION "{pub}" FOR TABLE {table}')
        setup = ReplicationStream(dict(pg_params))
        created = setup.create_slot(slot, export_snapshot=False)
        setup.close()
        stream = _stream(pg_params, slot, pub, created.consistent_point, compiled=compiled)
        try:
            assert (stream._fast_read is not None) is compiled
            conn.execute(f"INSERT INTO {table} SELECT g, repeat('v', 100) FROM generate_series(1, 20000) g")
            time.sleep(1.0)  # the walsender fills the socket meanwhile, then waits for us
            first = stream.read(20000, 5.0)
        finally:
            stream.close()
            _drop_slot_when_released(conn, slot)
            conn.execute(f'DROP PUBLICATION "{pub}"')
            conn.execute(f"DROP TABLE {table}")
    frame_bytes = sum(len(f) for _, f in first) / max(1, len(first))
    assert frame_bytes > 100
    # Two buffers' worth is what a read that consumed once, lingered and consumed again would get.
    assert len(first) * frame_bytes > 4 * 16384, (len(first), frame_bytes)


def test_reader_is_not_used_when_the_module_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.DISABLE_ENV, "0")
    assert native_copy.copy_reader(object()) is None
