"""The physical ceiling of the streaming scenario: PostgreSQL's own walsender with pgoutput, read by pg_recvlogical.

Same table, same load, same server as the connectors get, but nothing is decoded or sent anywhere:
``pg_recvlogical --start`` (proto_version 1, the scenario's publication, ``messages`` on) writes every
message to a pipe that this process drains, 1 MiB at a time, discarding it (as ``-f /dev/null`` would,
but the pipe lets the benchmark see the end). When the load generator has committed its last statement
it emits a non-transactional logical decoding message; WAL order puts it after every change, so the
moment its prefix shows up in the stream is the moment every change has reached the receiver.
Another marker after the inserts splits the insert and update rates.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

END_MARKER = b"cdcbench-raw-end"
INSERTS_MARKER = b"cdcbench-raw-inserts"


def pg_recvlogical() -> str:
    """pg_recvlogical of the server's major version when it can be found (CONNECTRT_PG_BIN, Debian's layout)."""
    for candidate in (
        os.environ.get("CONNECTRT_PG_BIN", ""),
        "/usr/lib/postgresql/15/bin",
        "/usr/lib/postgresql/16/bin",
    ):
        path = os.path.join(candidate, "pg_recvlogical") if candidate else ""
        if path and os.access(path, os.X_OK):
            return path
    found = shutil.which("pg_recvlogical")
    if found is None:
        raise RuntimeError(
            "pg_recvlogical is not installed (Debian: postgresql-client); it measures the raw pgoutput rate"
        )
    return found


class Drain:
    """Reads a pipe to its end, discarding the bytes, and notes when each marker first appears."""

    def __init__(self, pipe: Any, markers: list[bytes]) -> None:
        self.pipe = pipe
        self.seen: dict[bytes, float] = {}
        self.markers = markers
        self.bytes = 0
        self.thread = threading.Thread(target=self._run, name="raw-drain", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        tail = b""
        while True:
            chunk = os.read(self.pipe.fileno(), 1 << 20)
            if not chunk:
                return
            self.bytes += len(chunk)
            window = tail + chunk
            for m in self.markers:
                if m not in self.seen and window.find(m) >= 0:
                    self.seen[m] = time.perf_counter()
            tail = chunk[-64:]


def scenario_raw(
    dsn_params: dict[str, str],
    table: str,
    slot: str,
    create_table: Callable[[], None],
    load: Callable[[dict[str, float], list[BaseException], Callable[[psycopg.Connection[Any]], None]], None],
    rows: int,
    updates: int,
    timeout_s: float,
    load_average: Callable[[], str],
) -> dict[str, Any]:
    """rows/s of pg_recvlogical over the streaming scenario's load; ``load(times, errors, after_inserts)``
    runs the load generator (``after_inserts(conn)`` is called between the inserts and the updates)."""
    create_table()
    params = dict(dsn_params)
    with psycopg.connect(**params, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE PUBLICATION "{slot}" FOR TABLE {table}')
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
    argv = [
        pg_recvlogical(), "-h", params["host"], "-p", str(params["port"]), "-U", params["user"], "-d", params["dbname"],
        "--slot", slot, "--start", "--no-loop", "-o", "proto_version=1", "-o", f"publication_names={slot}",
        "-o", "messages=true", "-F", "0", "-s", "10", "-f", "-",
    ]  # fmt: skip
    env = dict(os.environ, PGPASSWORD=params["password"])
    result: dict[str, Any] = {
        "rows": rows,
        "updates": updates,
        "load_before": load_average(),
        "receiver": argv[0],
    }
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        drain = Drain(proc.stdout, [INSERTS_MARKER, END_MARKER])
        deadline = time.monotonic() + 60
        with psycopg.connect(**params, autocommit=True) as conn:  # type: ignore[arg-type]
            while conn.execute(
                "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            ).fetchone() != (True,):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(
                        f"pg_recvlogical did not start streaming: {proc.stderr.read().decode() if proc.stderr else ''}"
                    )
                time.sleep(0.1)
        time.sleep(2.0)
        with psycopg.connect(**params, autocommit=True) as conn:  # type: ignore[arg-type]
            row = conn.execute(
                "SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (slot,)
            ).fetchone()
        walsender = int(row[0]) if row and row[0] else 0
        cpu0, wal0 = _cpu_s(proc.pid), _cpu_s(walsender)
        times: dict[str, float] = {}
        errors: list[BaseException] = []

        def after_inserts(conn: psycopg.Connection[Any]) -> None:
            conn.execute("SELECT pg_logical_emit_message(false, %s, 'x')", (INSERTS_MARKER.decode(),))

        load(times, errors, after_inserts)
        if errors:
            raise errors[0]
        with psycopg.connect(**params, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute("SELECT pg_logical_emit_message(false, %s, 'x')", (END_MARKER.decode(),))
        deadline = time.monotonic() + timeout_s
        while END_MARKER not in drain.seen:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("pg_recvlogical did not receive the end marker")
            time.sleep(0.005)
        t0 = times["first_commit"]
        done = drain.seen[END_MARKER]
        inserts_seen = drain.seen.get(INSERTS_MARKER, float("nan"))
        result.update(
            elapsed_s=done - t0,
            rows_s=(rows + updates) / (done - t0),
            insert_rows_s=rows / (inserts_seen - t0),
            update_rows_s=updates / (done - inserts_seen) if updates else float("nan"),
            load_rows_s=(rows + updates) / (times["done"] - times["start"]),
            lag_after_load_s=done - times["done"],
            stream_bytes=drain.bytes,
            receiver_cpu_s=_cpu_s(proc.pid) - cpu0,
            walsender_cpu_s=_cpu_s(walsender) - wal0,  # the server process decoding the WAL for the slot
            load_after=load_average(),
        )
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _cpu_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
