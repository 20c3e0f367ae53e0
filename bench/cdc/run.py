"""PostgreSQL CDC side by side: connectrt's PostgresConnector vs Debezium 3.6.1 on Java Kafka Connect 4.2.1.

Same PostgreSQL, same broker, same run; the systems run one after the other, never concurrently, each as a
standalone worker (a fresh worker per system per scenario) with JsonConverter for key and value
(``schemas.enable`` true by default in both; ``--schemas-enable false`` switches both) and each system's
default producer settings. Every scenario gets its own table, slot, publication, topic prefix and 1-partition
topic (created before the connector starts, deleted after).

Scenarios (``--scenarios``):

- streaming: the connector streams from an empty table (``snapshot.mode=no_data``, slot active), then the load
  generator commits ``--rows`` inserts and ``--updates`` updates in transactions of ``--batch`` rows; time from
  the first load commit until the topic's end offset reaches rows + updates.
- snapshot: a pre-filled, vacuumed table of ``--snapshot-rows`` rows; time from ``POST /connectors`` (worker
  already healthy) until the topic holds every row.
- latency: after an untimed pre-warm (``--latency-prewarm-rows`` rows in commits of 1000, awaited in Kafka),
  ``--rate`` single-row commits/s for ``--latency-warmup`` + ``--latency-seconds`` s from a
  PL/pgSQL procedure on ``--latency-connections`` sessions; each row carries ``clock_timestamp()`` (µs)
  taken in its transaction; latency = wall time the benchmark's consumer receives the record minus that.

For every worker: peak RSS (max of the process tree's VmRSS sampled every 0.1 s and the kernel's VmHWM) and
CPU seconds. Prints a side-by-side table with ratios and the issue's targets; ``--out`` writes JSON.

Run (dev services first: ``.venv/bin/connectrt dev up``):
    .venv/bin/python bench/cdc/run.py --out /tmp/cdc-bench.json
    .venv/bin/python bench/cdc/run.py --rows 50000 --updates 10000 --snapshot-rows 50000 --latency-seconds 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/_common.py

import orjson
import psycopg
from _common import (
    DEFAULT_JAVA_CACHE,
    KAFKA_VERSION,
    Worker,
    cpu_and_run_delay_s,
    ensure_java_connect,
    free_port,
    java_connect_standalone_argv,
    load_average,
    write_properties,
)
from confluent_kafka import Consumer, TopicPartition
from debezium import DEBEZIUM_VERSION, DEFAULT_DEBEZIUM_CACHE, ensure_debezium_plugin
from harness import PREFIX, EndOffsets, TreeRssSampler, rest, wait_for_count
from raw import scenario_raw
from report import LABELS, ONE_CPU, RAW, SCENARIOS, SYSTEMS, comparison, fmt, print_table

from connectrt.kafka.clients import make_admin
from connectrt.kafka.topics import TopicAdmin, TopicSpec

JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector"

COLUMNS = "id, name, amount, created_at, doc, flag, ts_us"
CREATE_TABLE = (
    "CREATE TABLE {t} (id int PRIMARY KEY, name text, amount numeric(12,2), created_at timestamptz, "
    "doc jsonb, flag boolean, ts_us bigint)"
)
#: The same row mix as plugins/postgres/bench/pg_cdc_bench.py, plus ts_us (µs since the epoch, when written).
ROW_EXPR = (
    "g, 'name-' || g, g * 1.25, '2024-05-01 12:00:00+00'::timestamptz + g * interval '1 second', "
    "jsonb_build_object('g', g), mod(g, 2) = 0, (extract(epoch from clock_timestamp()) * 1000000)::bigint"
)
INSERT_RANGE = f"INSERT INTO {{t}} ({COLUMNS}) SELECT {ROW_EXPR} FROM generate_series(%s::int, %s::int) g"
UPDATE_RANGE = (
    "UPDATE {t} SET amount = amount + 1, name = name || '-u', flag = NOT flag, "
    "ts_us = (extract(epoch from clock_timestamp()) * 1000000)::bigint WHERE id BETWEEN %s::int AND %s::int"
)
#: One row per transaction, paced to ``rate`` commits/s from the procedure's start (catches up when late).
LATENCY_PROC = """
CREATE PROCEDURE {p}(first_id int, step int, n int, rate float8) LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  i int := 0;
  ahead float8;
  v int;
BEGIN
  WHILE i < n LOOP
    ahead := extract(epoch from t0 - clock_timestamp()) + i / rate;
    IF ahead > 0.0002 THEN PERFORM pg_sleep(ahead); END IF;
    v := first_id + i * step;
    INSERT INTO {t} ({columns}) SELECT {row} FROM (SELECT v) AS s(g);
    COMMIT;
    i := i + 1;
  END LOOP;
END $$
"""


# --- settings ----------------------------------------------------------------------------------


@dataclass
class Settings:
    bootstrap: str
    pg: dict[str, str]
    schemas_enable: bool
    worker_props: dict[str, str]
    connector_props: dict[str, str]
    java_cache: Path
    debezium_cache: Path
    timeout_s: float
    keep: bool
    base: Path

    @property
    def dsn(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.pg.items())

    def connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.dsn, autocommit=True)
        # The server runs with synchronous_commit=off (dev services); then a commit's WAL reaches the
        # walsender only when the WAL writer flushes it (up to wal_writer_delay later). The load sessions
        # ask for the default, so both systems see each commit as soon as it is made.
        conn.execute("SET synchronous_commit = on")
        return conn


@dataclass
class Names:
    """Fresh names per system per scenario."""

    system: str
    scenario: str
    tag: str = field(default_factory=lambda: secrets.token_hex(3))

    @property
    def base(self) -> str:
        return f"{PREFIX}_{self.scenario[:4]}_{self.system[:3]}_{self.tag}"

    @property
    def table(self) -> str:
        return self.base

    @property
    def slot(self) -> str:
        return self.base

    @property
    def prefix(self) -> str:
        return self.base

    @property
    def topic(self) -> str:
        return f"{self.prefix}.public.{self.table}"

    @property
    def connector(self) -> str:
        return f"{self.base}-connector"


# --- one worker with one connector ---------------------------------------------------------------


@dataclass
class Run:
    worker: Worker
    url: str
    sampler: TreeRssSampler
    names: Names
    started_at: float


def worker_argv(system: str, s: Settings, files: list[Path]) -> tuple[list[str], dict[str, str]]:
    if system == "connectrt":
        env = dict(os.environ, CONNECTRT_LOG_LEVEL=os.environ.get("CONNECTRT_LOG_LEVEL", "INFO"))
        return [sys.executable, "-m", "connectrt.cli", "standalone", *map(str, files)], env
    return java_connect_standalone_argv(s.java_cache, files), dict(os.environ)


def connector_config(s: Settings, names: Names, snapshot_mode: str) -> dict[str, str]:
    config = {
        "connector.class": CONNECTOR_CLASS,
        "tasks.max": "1",
        "plugin.name": "pgoutput",
        "database.hostname": s.pg["host"],
        "database.port": s.pg["port"],
        "database.user": s.pg["user"],
        "database.password": s.pg["password"],
        "database.dbname": s.pg["dbname"],
        "topic.prefix": names.prefix,
        "slot.name": names.slot,
        "slot.drop.on.stop": "true",
        "publication.name": names.slot,
        "publication.autocreate.mode": "filtered",
        "table.include.list": f"public.{names.table}",
        "snapshot.mode": snapshot_mode,
    }
    config.update(s.connector_props)
    return config


@contextmanager
def worker_for(system: str, s: Settings, names: Names, admin: TopicAdmin) -> Iterator[Run]:
    """A fresh standalone worker (healthy, no connector yet) and the scenario's topic; everything removed after."""
    workdir = s.base / f"{names.scenario}-{system}-{names.tag}"
    workdir.mkdir(parents=True)
    port = free_port()
    props = {
        "bootstrap.servers": s.bootstrap,
        "listeners": f"http://127.0.0.1:{port}",
        "key.converter": JSON_CONVERTER,
        "value.converter": JSON_CONVERTER,
        "key.converter.schemas.enable": str(s.schemas_enable).lower(),
        "value.converter.schemas.enable": str(s.schemas_enable).lower(),
        "offset.storage.file.filename": str(workdir / "connect.offsets"),
    }
    if system == "debezium":
        props["plugin.path"] = str(ensure_debezium_plugin(s.debezium_cache))
    props.update(s.worker_props)
    argv, env = worker_argv(system, s, [write_properties(workdir / "worker.properties", props)])
    if names.scenario == "streaming_1cpu":  # the worker's threads share one CPU (PostgreSQL and Kafka do not)
        argv = ["taskset", "-c", ONE_CPU, *argv]
    admin.create_topics([TopicSpec(names.topic, 1, 1)])
    worker = Worker(system, argv, workdir / "worker.log", workdir, env)
    sampler: TreeRssSampler | None = None
    ok = False
    try:
        worker.start()
        sampler = TreeRssSampler(worker.pid).start()
        worker.wait_healthy(f"http://127.0.0.1:{port}/health", timeout_s=180)
        yield Run(worker, f"http://127.0.0.1:{port}", sampler, names, worker.started_at)
        ok = True
    finally:
        if sampler is not None:
            sampler.stop()
        worker.stop()
        drop_pg_objects(s, names)
        # The table's topic, and <prefix>.message: Debezium forwards logical decoding messages that other
        # sessions emit on the shared database (pg_logical_emit_message) there.
        try:
            doomed = [
                t
                for t in admin.admin.list_topics(timeout=10).topics
                if t == names.topic or t.startswith(f"{names.prefix}.")
            ]
            for future in admin.admin.delete_topics(doomed or [names.topic], operation_timeout=30).values():
                future.result(60)
        except Exception as e:  # a leftover topic is harmless; say so and go on
            print(f"note: could not delete the topics of {names.prefix}: {e}", file=sys.stderr)
        if ok and not s.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"{system} worker files kept in {workdir}", file=sys.stderr)


def drop_pg_objects(s: Settings, names: Names) -> None:
    """Drops the scenario's slot (it pins WAL on the shared server), publication, procedure and table."""
    with psycopg.connect(s.dsn, autocommit=True) as conn:
        for _ in range(50):
            row = conn.execute(
                "SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (names.slot,)
            ).fetchone()
            if row is None:
                break
            if row[0] is not None:
                conn.execute("SELECT pg_terminate_backend(%s)", (row[0],))
                time.sleep(0.2)
                continue
            with suppress(psycopg.Error):
                conn.execute("SELECT pg_drop_replication_slot(%s)", (names.slot,))
        conn.execute(f'DROP PUBLICATION IF EXISTS "{names.slot}"')
        conn.execute(f"DROP PROCEDURE IF EXISTS {names.table}_gen")
        conn.execute(f"DROP TABLE IF EXISTS {names.table}")


def drop_leftovers(s: Settings) -> None:
    """Inactive slots and publications of earlier runs of this benchmark that were cut short."""
    with psycopg.connect(s.dsn, autocommit=True) as conn:
        for (slot,) in conn.execute(
            "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s AND NOT active",
            (f"{PREFIX}_%",),
        ).fetchall():
            with suppress(psycopg.Error):
                conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                print(f"dropped leftover slot {slot}")


def create_connector(run: Run, s: Settings, snapshot_mode: str) -> None:
    config = connector_config(s, run.names, snapshot_mode)
    status, body = rest("POST", f"{run.url}/connectors", {"name": run.names.connector, "config": config})
    if status != 201:
        raise RuntimeError(f"{run.worker.label}: POST /connectors answered {status}: {body}")


def wait_running(run: Run, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    body: Any = None
    while time.monotonic() < deadline:
        status, body = rest("GET", f"{run.url}/connectors/{run.names.connector}/status")
        if status == 200:
            states = [body["connector"]["state"], *(t["state"] for t in body.get("tasks", []))]
            if "FAILED" in states:
                raise RuntimeError(f"{run.worker.label}: connector failed: {body}\n{run.worker.tail()}")
            if len(states) > 1 and all(x == "RUNNING" for x in states):
                return
        if not run.worker.alive():
            raise RuntimeError(f"{run.worker.label} worker exited:\n{run.worker.tail()}")
        time.sleep(0.1)
    raise RuntimeError(f"{run.worker.label}: connector not RUNNING after {timeout_s:.0f} s: {body}")


def wait_streaming(run: Run, s: Settings, timeout_s: float = 180.0) -> None:
    """Connector and task RUNNING and the slot active (the walsender is streaming to the task), then 2 s."""
    wait_running(run)
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(s.dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (run.names.slot,)
            ).fetchone()
            if row == (True,):
                time.sleep(2.0)
                return
            if not run.worker.alive():
                raise RuntimeError(f"{run.worker.label} worker exited:\n{run.worker.tail()}")
            time.sleep(0.1)
    raise RuntimeError(f"{run.worker.label}: slot {run.names.slot} not active after {timeout_s:.0f} s")


def thread_cpu(pid: int, top: int = 8) -> dict[str, float]:
    """CPU seconds per thread name (threads of one name summed, e.g. JIT compiler or GC threads), the top ones."""
    tick = os.sysconf("SC_CLK_TCK")
    by_name: dict[str, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return {}
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        name = name.rstrip("0123456789#-_ ") or name  # "GC Thread#3" -> "GC Thread", "C2 CompilerThre"
        by_name[name] = by_name.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return dict(sorted(by_name.items(), key=lambda kv: -kv[1])[:top])


def finish(run: Run, result: dict[str, Any]) -> dict[str, Any]:
    cpu, waited = cpu_and_run_delay_s(run.worker.pid)
    result["threads_cpu_s"] = thread_cpu(run.worker.pid)
    result["peak_rss_mib"] = run.sampler.stop() / 1024
    result["worker_cpu_s"] = cpu
    result["worker_cpu_wait_s"] = waited
    result["load_after"] = load_average()
    return result


# --- scenarios ---------------------------------------------------------------------------------


def run_load(
    s: Settings,
    table: str,
    rows: int,
    updates: int,
    batch: int,
    times: dict[str, float],
    errors: list[BaseException],
    after_inserts: Callable[[psycopg.Connection[Any]], None] | None = None,
) -> None:
    """The streaming scenario's load: inserts then updates in transactions of ``batch`` rows, on one session."""
    try:
        with s.connect() as conn:
            times["start"] = time.perf_counter()
            for lo in range(1, rows + 1, batch):
                conn.execute(INSERT_RANGE.format(t=table), (lo, min(lo + batch - 1, rows)))
                times.setdefault("first_commit", time.perf_counter())
            times["inserts_done"] = time.perf_counter()
            if after_inserts is not None:
                after_inserts(conn)
            for lo in range(1, updates + 1, batch):
                conn.execute(UPDATE_RANGE.format(t=table), (lo, min(lo + batch - 1, updates)))
            times["done"] = time.perf_counter()
    except BaseException as e:
        errors.append(e)


def scenario_streaming(
    system: str, s: Settings, admin: TopicAdmin, names: Names, rows: int, updates: int, batch: int
) -> dict[str, Any]:
    with s.connect() as conn:
        conn.execute(CREATE_TABLE.format(t=names.table))
    total = rows + updates
    result: dict[str, Any] = {"rows": rows, "updates": updates, "batch": batch, "load_before": load_average()}
    with worker_for(system, s, names, admin) as run:
        create_connector(run, s, "no_data")
        wait_streaming(run, s)
        end = EndOffsets(s.bootstrap, names.topic)
        times: dict[str, float] = {}
        errors: list[BaseException] = []

        def load() -> None:
            run_load(s, names.table, rows, updates, batch, times, errors)

        def check() -> None:
            if errors:
                raise RuntimeError(f"load generator failed: {errors[0]!r}")

        try:
            loader = threading.Thread(target=load, name="load", daemon=True)
            loader.start()
            marks = {rows: float("nan")}
            done = wait_for_count(end, total, run.worker, s.timeout_s, on_reach=marks, check=check)
            loader.join(60)
            if errors:
                raise errors[0]
        finally:
            end.close()
        t0 = times["first_commit"]
        elapsed = done - t0
        result.update(
            elapsed_s=elapsed,
            rows_s=total / elapsed,
            inserts_in_kafka_s=marks[rows] - t0,
            insert_rows_s=rows / (marks[rows] - t0),
            update_rows_s=updates / (done - marks[rows]) if updates else float("nan"),
            load_s=times["done"] - times["start"],
            load_rows_s=total / (times["done"] - times["start"]),
            lag_after_load_s=done - times["done"],
        )
        return finish(run, result)


def run_raw(s: Settings, names: Names, rows: int, updates: int, batch: int) -> dict[str, Any]:
    """The streaming scenario's load read by pg_recvlogical (raw.py): the walsender's own rate."""

    def create() -> None:
        with s.connect() as conn:
            conn.execute(CREATE_TABLE.format(t=names.table))

    def load(times: dict[str, float], errors: list[BaseException], after_inserts: Any) -> None:
        run_load(s, names.table, rows, updates, batch, times, errors, after_inserts)

    return scenario_raw(s.pg, names.table, names.slot, create, load, rows, updates, s.timeout_s, load_average)


def scenario_snapshot(system: str, s: Settings, admin: TopicAdmin, names: Names, rows: int) -> dict[str, Any]:
    t_fill = time.perf_counter()
    with s.connect() as conn:
        conn.execute(CREATE_TABLE.format(t=names.table))
        step = 200_000
        for lo in range(1, rows + 1, step):
            conn.execute(INSERT_RANGE.format(t=names.table), (lo, min(lo + step - 1, rows)))
        conn.execute(f"VACUUM ANALYZE {names.table}")  # both systems read a settled table (hint bits set)
    result: dict[str, Any] = {
        "rows": rows,
        "fill_s": time.perf_counter() - t_fill,
        "load_before": load_average(),
    }
    with worker_for(system, s, names, admin) as run:
        end = EndOffsets(s.bootstrap, names.topic)
        try:
            t0 = time.perf_counter()
            create_connector(run, s, "initial")
            marks = {1: float("nan")}
            done = wait_for_count(end, rows, run.worker, s.timeout_s, on_reach=marks)
        finally:
            end.close()
        result.update(elapsed_s=done - t0, rows_s=rows / (done - t0), first_record_s=marks[1] - t0)
        return finish(run, result)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


def scenario_latency(
    system: str,
    s: Settings,
    admin: TopicAdmin,
    names: Names,
    rate: float,
    seconds: float,
    warmup: float,
    sessions: int,
    prewarm_rows: int,
) -> dict[str, Any]:
    per_session = round(rate * (warmup + seconds) / sessions)
    expected = per_session * sessions
    with s.connect() as conn:
        conn.execute(CREATE_TABLE.format(t=names.table))
        conn.execute(
            LATENCY_PROC.format(p=f"{names.table}_gen", t=names.table, columns=COLUMNS, row=ROW_EXPR)
        )
    result: dict[str, Any] = {
        "rate_target": rate,
        "seconds": seconds,
        "warmup_s": warmup,
        "sessions": sessions,
        "prewarm_rows": prewarm_rows,
        "load_before": load_average(),
    }
    with worker_for(system, s, names, admin) as run:
        create_connector(run, s, "no_data")
        wait_streaming(run, s)
        if prewarm_rows:
            # Untimed: the same code paths once (a JVM compiles its hot methods now, not in the measured load).
            end = EndOffsets(s.bootstrap, names.topic)
            try:
                t = time.perf_counter()
                with s.connect() as conn:
                    for lo in range(-prewarm_rows, 0, 1000):
                        conn.execute(INSERT_RANGE.format(t=names.table), (lo, min(lo + 999, -1)))
                wait_for_count(end, prewarm_rows, run.worker, s.timeout_s, interval_s=0.2)
                result["prewarm_s"] = time.perf_counter() - t
            finally:
                end.close()
            time.sleep(2.0)
        consumer = Consumer(
            {
                "bootstrap.servers": s.bootstrap,
                "group.id": f"{PREFIX}-latency-{names.tag}",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 5,
                "fetch.min.bytes": 1,
            }
        )
        consumer.assign([TopicPartition(names.topic, 0, prewarm_rows)])
        received: list[tuple[float, bytes]] = []
        stop = threading.Event()
        errors: list[BaseException] = []

        def consume() -> None:
            try:
                while not stop.is_set() and len(received) < expected:
                    msgs = consumer.consume(10_000, 0.05)
                    now = time.time()
                    for m in msgs:
                        if m.error():
                            raise RuntimeError(str(m.error()))
                        received.append((now, m.value() or b"null"))
            except BaseException as e:
                errors.append(e)

        gen_times: list[float] = []

        def generate(k: int) -> None:
            try:
                with s.connect() as conn:
                    t = time.perf_counter()
                    conn.execute(
                        f"CALL {names.table}_gen(%s, %s, %s, %s)",
                        (k + 1, sessions, per_session, rate / sessions),
                    )
                    gen_times.append(time.perf_counter() - t)
            except BaseException as e:
                errors.append(e)

        reader = threading.Thread(target=consume, name="consume", daemon=True)
        gens = [
            threading.Thread(target=generate, args=(k,), name=f"gen-{k}", daemon=True)
            for k in range(sessions)
        ]
        try:
            reader.start()
            for g in gens:
                g.start()
            for g in gens:
                g.join()
            # The reader stops once it has every record; give up only when nothing arrives for timeout_s.
            seen, since = -1, time.perf_counter()
            while reader.is_alive() and time.perf_counter() - since < s.timeout_s and not errors:
                if len(received) != seen:
                    seen, since = len(received), time.perf_counter()
                reader.join(1.0)
            if errors:
                raise errors[0]
        finally:
            stop.set()
            reader.join(10)
            consumer.close()
        latencies, stamps = [], []
        value_bytes = 0
        for recv, value in received:
            value_bytes += len(value)
            payload = orjson.loads(value)
            if s.schemas_enable:
                payload = payload["payload"]
            ts_us = payload["after"]["ts_us"]
            stamps.append(ts_us)
            latencies.append((recv * 1e6 - ts_us, ts_us))
        t_first = min(stamps) if stamps else 0
        measured = sorted(lat / 1000 for lat, ts in latencies if ts >= t_first + warmup * 1e6)
        span = (max(stamps) - min(stamps)) / 1e6 if len(stamps) > 1 else float("nan")
        result.update(
            expected=expected,
            received=len(received),
            value_bytes_avg=value_bytes / len(received) if received else float("nan"),
            measured=len(measured),
            rate_achieved=(len(stamps) - 1) / span if span == span and span > 0 else float("nan"),
            generator_s=max(gen_times) if gen_times else float("nan"),
            p50_ms=percentile(measured, 0.50),
            p99_ms=percentile(measured, 0.99),
            p999_ms=percentile(measured, 0.999),
            max_ms=measured[-1] if measured else float("nan"),
            mean_ms=sum(measured) / len(measured) if measured else float("nan"),
        )
        if len(received) < expected:
            result["note"] = f"received {len(received):,} of {expected:,} records"
        return finish(run, result)


# --- main --------------------------------------------------------------------------------------


def parse_kv(items: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"{flag} wants KEY=VALUE, not {item!r}")
        out[key.strip()] = value.strip()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="streaming: inserts (default 1,000,000)")
    p.add_argument(
        "--updates", type=int, default=200_000, help="streaming: updates after them (default 200,000)"
    )
    p.add_argument(
        "--batch", type=int, default=1000, help="streaming: rows per load transaction (default 1000)"
    )
    p.add_argument(
        "--snapshot-rows", type=int, default=1_000_000, help="snapshot: table rows (default 1,000,000)"
    )
    p.add_argument("--rate", type=float, default=5000, help="latency: single-row commits/s (default 5000)")
    p.add_argument("--latency-seconds", type=float, default=30, help="latency: measured seconds (default 30)")
    p.add_argument(
        "--latency-warmup",
        type=float,
        default=5,
        help="latency: seconds of load before the measured ones, left out of the figures (default 5)",
    )
    p.add_argument(
        "--latency-prewarm-rows",
        type=int,
        default=100_000,
        help="latency: rows inserted in commits of 1000 and awaited in Kafka before the paced load, "
        "untimed (default 100,000)",
    )
    p.add_argument(
        "--latency-connections",
        type=int,
        default=4,
        help="latency: generator sessions, each at rate/N (default 4)",
    )
    p.add_argument("--skip-raw", action="store_true", help="streaming: do not measure the raw pgoutput rate")
    p.add_argument("--only", choices=SYSTEMS, default=None, help="run one system only")
    p.add_argument("--order", default="connectrt,debezium", help="who goes first in each scenario")
    p.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of " + ",".join(SCENARIOS)
    )
    p.add_argument(
        "--schemas-enable",
        choices=("true", "false"),
        default="true",
        help="JsonConverter schemas.enable for key and value, both systems (default true)",
    )
    p.add_argument(
        "--worker-prop", action="append", default=[], metavar="K=V", help="extra worker property, both"
    )
    p.add_argument(
        "--connector-prop",
        action="append",
        default=[],
        metavar="K=V",
        help="extra connector property, both (e.g. max.batch.size=4096)",
    )
    p.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092"))
    p.add_argument("--java-cache", type=Path, default=DEFAULT_JAVA_CACHE)
    p.add_argument("--debezium-cache", type=Path, default=DEFAULT_DEBEZIUM_CACHE)
    p.add_argument("--timeout", type=float, default=120, help="seconds without progress before giving up")
    p.add_argument("--keep", action="store_true", help="keep worker dirs (properties, logs)")
    p.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = p.parse_args()

    scenarios = [x.strip() for x in args.scenarios.split(",") if x.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    order = [x.strip() for x in args.order.split(",")]
    if sorted(order) != sorted(SYSTEMS):
        raise SystemExit(f"--order wants both of {', '.join(SYSTEMS)}")
    systems = [x for x in order if args.only in (None, x)]
    pg = {
        "host": os.environ.get("CONNECTRT_PG_HOST", "127.0.0.1"),
        "port": os.environ.get("CONNECTRT_PG_PORT", "29432"),
        "user": os.environ.get("CONNECTRT_PG_USER", "connectrt"),
        "password": os.environ.get("CONNECTRT_PG_PASSWORD", "connectrt"),
        "dbname": os.environ.get("CONNECTRT_PG_DATABASE", "connectrt"),
    }
    s = Settings(
        bootstrap=args.bootstrap,
        pg=pg,
        schemas_enable=args.schemas_enable == "true",
        worker_props=parse_kv(args.worker_prop, "--worker-prop"),
        connector_props=parse_kv(args.connector_prop, "--connector-prop"),
        java_cache=args.java_cache,
        debezium_cache=args.debezium_cache,
        timeout_s=args.timeout,
        keep=args.keep,
        base=Path(tempfile.mkdtemp(prefix="cdc-bench-")),
    )
    if "debezium" in systems:  # resolve before anything is timed
        ensure_java_connect(s.java_cache)
        ensure_debezium_plugin(s.debezium_cache)
    started = time.time()
    meta: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "kafka_connect": KAFKA_VERSION,
        "debezium": DEBEZIUM_VERSION,
        "load_at_start": load_average(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    print(f"{meta['date']}  {meta['machine']}  python {meta['python']}  load {meta['load_at_start']}")
    print(
        f"JsonConverter schemas.enable={args.schemas_enable} (key and value), standalone workers, "
        f"Kafka Connect {KAFKA_VERSION} + Debezium {DEBEZIUM_VERSION}; scenarios: {', '.join(scenarios)}"
    )
    admin = TopicAdmin(make_admin({"bootstrap.servers": s.bootstrap}))
    drop_leftovers(s)
    results: dict[str, dict[str, dict[str, Any]]] = {x: {} for x in systems}
    failures: list[str] = []
    try:
        for scenario in scenarios:
            for system in systems:
                print(f"{scenario}: {LABELS[system]} ... (load {load_average()})", flush=True)
                t = time.perf_counter()
                names = Names(system, scenario)
                try:
                    if scenario in ("streaming", "streaming_1cpu"):
                        r = scenario_streaming(system, s, admin, names, args.rows, args.updates, args.batch)
                    elif scenario == "snapshot":
                        r = scenario_snapshot(system, s, admin, names, args.snapshot_rows)
                    else:
                        r = scenario_latency(
                            system,
                            s,
                            admin,
                            names,
                            args.rate,
                            args.latency_seconds,
                            args.latency_warmup,
                            args.latency_connections,
                            args.latency_prewarm_rows,
                        )
                except Exception as e:
                    failures.append(f"{scenario}/{system}: {e}")
                    print(f"  FAILED: {e}", flush=True)
                    continue
                finally:  # also when it failed before its worker started (the worker's own cleanup did not run)
                    drop_pg_objects(s, names)
                results[system][scenario] = r
                brief = {
                    k: fmt(v, 1)
                    for k, v in r.items()
                    if k
                    in (
                        "rows_s",
                        "load_rows_s",
                        "p50_ms",
                        "p99_ms",
                        "rate_achieved",
                        "peak_rss_mib",
                        "worker_cpu_s",
                    )
                }
                print(f"  done in {time.perf_counter() - t:.0f} s: {brief}", flush=True)
                print(f"  CPU s by thread: {r['threads_cpu_s']}", flush=True)
            if scenario == "streaming" and not args.skip_raw:
                print(f"streaming: {LABELS[RAW]} ... (load {load_average()})", flush=True)
                names = Names("raw", scenario)
                try:
                    results.setdefault(RAW, {})["streaming"] = r = run_raw(
                        s, names, args.rows, args.updates, args.batch
                    )
                    print(
                        f"  {fmt(r['rows_s'], 1)} rows/s, receiver CPU {fmt(r['receiver_cpu_s'], 1)} s",
                        flush=True,
                    )
                except Exception as e:
                    failures.append(f"{scenario}/{RAW}: {e}")
                    print(f"  FAILED: {e}", flush=True)
                finally:
                    drop_pg_objects(s, names)
    finally:
        if not s.keep:
            shutil.rmtree(s.base, ignore_errors=True)
    meta["wall_s"] = time.time() - started
    meta["load_at_end"] = load_average()
    rows = comparison(results)
    print(
        f"\nCDC benchmark, {meta['date']}, load average {meta['load_at_start']} → {meta['load_at_end']}, "
        f"{meta['wall_s'] / 60:.1f} min"
    )
    print(
        f"streaming: {args.rows:,} inserts + {args.updates:,} updates in commits of {args.batch:,}; snapshot: "
        f"{args.snapshot_rows:,} rows; latency: {args.rate:,.0f} commits/s x {args.latency_seconds:.0f} s "
        f"(after {args.latency_warmup:.0f} s warm-up)"
    )
    print_table(rows)
    for f in failures:
        print(f"FAILED {f.splitlines()[0]}")
    if args.out is not None:
        args.out.write_text(
            json.dumps(
                {
                    "meta": meta,
                    "results": results,
                    "comparison": [{k: v for k, v in r.items() if k != "digits"} for r in rows],
                    "failures": failures,
                },
                indent=2,
                default=str,
            )
            + "\n"
        )
        print(f"results written to {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
