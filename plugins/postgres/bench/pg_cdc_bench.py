"""PostgreSQL CDC throughput: pgoutput decoding, event building, and end to end through Kafka.

Needs the dev services (``connectrt dev up``). Prints rows/s; never a test.

    .venv/bin/python plugins/postgres/bench/pg_cdc_bench.py [--rows 200000] [--skip-e2e]

1. Captures the pgoutput frames of one ``INSERT ... SELECT`` of N rows (int, text, numeric,
   timestamptz, jsonb, bool) from a real slot into memory.
2. decode: ``decode_message`` over every frame.
3. events: the connector's stream processor (decode, value conversion, Debezium envelopes, offsets).
4. json: JsonConverter for the key and value of those records (schemas off, then on), what the worker
   does next. In-process stages print rows per second of wall time and of CPU time.
4b. send: the worker's send path (WorkerSourceTask.send_records, JSON, produce, acks) into a real topic.
5. end to end: a standalone worker with the connector; time from the INSERT's commit until N records
   are in Kafka, the worker's CPU time per row and its peak RSS (``--schemas-enable true --defaults``
   for bench/cdc/run.py's settings).
6. ``--snapshot``: time from the worker's start until an initial snapshot of the N rows is in Kafka
   (includes the worker's start-up).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from connectrt.converters.json_converter import JsonConverter
from connectrt.runtime.source_task import _Batch

from connectrt_postgres.config import parse_config
from connectrt_postgres.events import EventFactory, EventSettings
from connectrt_postgres.filters import Filters
from connectrt_postgres.offsets import OffsetState
from connectrt_postgres.pgoutput import decode_message
from connectrt_postgres.replication import ReplicationStream, connect
from connectrt_postgres.schemas import SchemaSettings
from connectrt_postgres.streaming import StreamProcessor
from connectrt_postgres.tables import TableSchemas
from connectrt_postgres.task import PostgresConnectorTask, value_modes

PG = {"host": "127.0.0.1", "port": 29432, "user": "connectrt", "password": "connectrt", "dbname": "connectrt"}
BOOTSTRAP = "127.0.0.1:29092"
# End-to-end settings (command line): JsonConverter schemas.enable; producer and queue defaults or tuned ones.
SETTINGS: dict[str, Any] = {"schemas": "false", "defaults": False}
INSERT = (
    "INSERT INTO {t} (id, name, amount, created_at, doc, flag) SELECT g, 'name-' || g, g * 1.25, "
    "'2024-05-01 12:00:00+00'::timestamptz + g * interval '1 second', jsonb_build_object('g', g), g % 2 = 0 "
    "FROM generate_series(1, {n}) g"
)


def capture(table: str, slot: str, rows: int) -> list[tuple[int, bytes]]:
    with psycopg.connect(**PG, autocommit=True) as conn:
        conn.execute(f'CREATE PUBLICATION "{slot}" FOR TABLE {table}')
    stream = ReplicationStream(dict(PG))
    created = stream.create_slot(slot, export_snapshot=False)
    with psycopg.connect(**PG, autocommit=True) as conn:
        conn.execute(INSERT.format(t=table, n=rows))
    stream.start(
        slot,
        created.consistent_point,
        {"proto_version": "1", "publication_names": f'"{slot}"'},
        created.consistent_point,
    )
    frames: list[tuple[int, bytes]] = []
    while True:
        batch = stream.read(10_000, 5.0)
        frames += batch
        if batch and batch[-1][1][25] == ord("C"):
            break
        if not batch:
            raise SystemExit("no frames arrived")
    stream.stop_streaming()
    stream.drop_slot(slot)
    stream.close()
    return frames


def rate(label: str, rows: int, seconds: float, cpu: float | None = None) -> None:
    cpu_text = f", {rows / cpu:>9,.0f} rows/s of CPU" if cpu else ""
    print(f"{label:<28} {rows / seconds:>10,.0f} rows/s  ({seconds:.2f} s for {rows:,} rows{cpu_text})")


class Clock:
    """Wall and CPU time of a stage (CPU time is what counts on a shared machine)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def bench_in_process(table: str, frames: list[tuple[int, bytes]], rows: int) -> None:
    with Clock() as c:
        for _lsn, frame in frames:
            decode_message(frame, 25)
    rate("decode", rows, c.wall, c.cpu)

    config = parse_config(
        {
            "database.hostname": "h",
            "database.user": "u",
            "database.dbname": PG["dbname"],
            "topic.prefix": "bench",
            "table.include.list": f"public.{table}",
        }
    )
    conn = connect(dict(PG))
    filters = Filters(config)
    events = EventFactory(EventSettings(prefix="bench", database=PG["dbname"]))
    tables = TableSchemas(conn, filters, SchemaSettings("bench", ".", value_modes(config)))
    processor = StreamProcessor(tables, events, filters, OffsetState())
    with Clock() as c:
        for i in range(0, len(frames), 2048):
            out: list[Any] = []
            processor.process(frames[i : i + 2048], out)
    rate("decode+events", rows, c.wall, c.cpu)
    bench_native(tables, events, filters, frames, rows)
    # The records again, kept for the next stages (frozen: the collector would walk them again and again).
    processor = StreamProcessor(tables, events, filters, OffsetState())
    batches: list[list[Any]] = []
    for i in range(0, len(frames), 2048):
        batches.append([])
        processor.process(frames[i : i + 2048], batches[-1])
    gc.collect()
    gc.freeze()
    conn.close()
    for schemas in ("false", "true"):
        key_conv, value_conv = JsonConverter(), JsonConverter()
        key_conv.configure({"schemas.enable": schemas}, True)
        value_conv.configure({"schemas.enable": schemas}, False)
        size = 0
        with Clock() as c:
            for out in batches:
                for r in out:
                    key_conv.from_connect_data(r.topic, r.key_schema, r.key)
                    size += len(value_conv.from_connect_data(r.topic, r.value_schema, r.value) or b"")
        rate(f"json key+value schemas={schemas}", rows, c.wall, c.cpu)
        print(f"{'':<28} {size / rows:,.0f} value bytes per row")
    for schemas in ("false", "true"):
        bench_send(batches, rows, schemas)


def bench_native(tables: Any, events: Any, filters: Any, frames: list[tuple[int, bytes]], rows: int) -> None:
    """The compiled path (connectrt_postgres.native): frames to records that carry their JsonConverter bytes
    (schemas on), as the runtime takes them; and the share of that spent in the native call itself."""
    from connectrt.runtime.serialized import preconverted

    from connectrt_postgres import native

    if not native.available():
        print(f"compiled path unavailable: {native.unavailable_reason()}")
        return
    key_conv, value_conv = JsonConverter(), JsonConverter()
    key_conv.configure({"schemas.enable": "true"}, True)
    value_conv.configure({"schemas.enable": "true"}, False)
    inner = native._native.process
    spent = [0]

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.thread_time_ns()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.thread_time_ns() - t

    for _pass in ("warm-up", "run"):
        processor = StreamProcessor(tables, events, filters, OffsetState())
        processor.use_native()
        native._native.process = timed  # type: ignore[attr-defined]
        spent[0] = 0
        served = 0
        try:
            with Clock() as c:
                for i in range(0, len(frames), 2048):
                    out: list[Any] = []
                    processor.process(frames[i : i + 2048], out)
                    for r in out:
                        served += preconverted(r, key_conv, value_conv) is not None
        finally:
            native._native.process = inner  # type: ignore[attr-defined]
    rate("compiled: frames → bytes", rows, c.wall, c.cpu)
    print(
        f"{'':<28} {spent[0] / 1e3 / rows:.2f} µs per row in the native call (its GIL-free part runs beside "
        f"the task thread), {(c.cpu * 1e9 - spent[0]) / 1e3 / rows:.2f} µs in Python; {served:,} records served"
    )


def bench_send(batches: list[list[Any]], rows: int, schemas: str) -> None:
    """The worker's send path (WorkerSourceTask.send_records: JsonConverter, headers, produce, delivery reports,
    offsets) into a real topic, without the reader thread; the worker's default producer settings."""
    from connectrt.converters.simple_header import SimpleHeaderConverter
    from connectrt.kafka.clients import make_producer
    from connectrt.model.entities import ConnectorTaskId
    from connectrt.model.states import TargetState
    from connectrt.runtime.errors import RetryWithToleranceOperator
    from connectrt.runtime.source_task import WorkerSourceTask
    from connectrt.runtime.transformation_chain import TransformationChain
    from connectrt.storage.offsets import (
        MemoryOffsetBackingStore,
        OffsetStorageReaderImpl,
        OffsetStorageWriter,
    )

    topic = f"bench_send_{secrets.token_hex(3)}"
    producer = make_producer(
        {"bootstrap.servers": BOOTSTRAP, "acks": "all", "enable.idempotence": "true", "linger.ms": "5"}
    )
    key_conv, value_conv = JsonConverter(), JsonConverter()
    key_conv.configure({"schemas.enable": schemas}, True)
    value_conv.configure({"schemas.enable": schemas}, False)
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    store = MemoryOffsetBackingStore()
    task = WorkerSourceTask(
        ConnectorTaskId("bench", 0),
        PostgresConnectorTask(),
        {},
        lambda *a: None,
        TargetState.STARTED,
        producer,
        key_conv,
        value_conv,
        SimpleHeaderConverter(),
        TransformationChain([], operator),
        operator,
        OffsetStorageReaderImpl(store, "bench"),
        OffsetStorageWriter(store, "bench"),
        60000,
        5000,
    )
    # Same records, another topic (the records' topic would mix with the end-to-end run's).
    records = [
        [r.new_record(topic, None, r.key_schema, r.key, r.value_schema, r.value, None) for r in b]
        for b in batches
    ]
    thread0 = time.thread_time()
    with Clock() as c:
        for batch in records:
            task.to_send, task.send_index, task.current = batch, 0, _Batch()
            while task.to_send is not None:
                task.send_records()
                producer.poll(0)
        producer.flush(60)
    thread = time.thread_time() - thread0
    pending = sum(b.pending for b in task.batches)
    rate(f"send schemas={schemas}", rows, c.wall, c.cpu)
    print(
        f"{'':<28} {thread / rows * 1e6:.1f} µs per row in the sending thread, "
        f"{(c.cpu - thread) / rows * 1e6:.1f} µs in librdkafka's threads; {pending} unacknowledged"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread name of a process (Linux truncates names to 15 characters)."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def print_thread_cpu(before: dict[str, float], after: dict[str, float], rows: int) -> None:
    spent = {k: v - before.get(k, 0.0) for k, v in after.items()}
    top = sorted(((v, k) for k, v in spent.items() if v > 0.05), reverse=True)
    print(f"{'':<28} " + ", ".join(f"{k} {v / rows * 1e6:.1f}" for v, k in top) + " µs per row")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_end_to_end(table: str, rows: int, snapshot: bool = False, profile: str | None = None) -> None:
    prefix, slot = f"bench{secrets.token_hex(3)}", f"bench_{secrets.token_hex(3)}"
    topic = f"{prefix}.public.{table}"
    work = Path(tempfile.mkdtemp(prefix="pgbench-"))
    (work / "worker.properties").write_text(
        "\n".join(
            [
                f"bootstrap.servers={BOOTSTRAP}",
                "listeners=http://127.0.0.1:0",
                "key.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                f"key.converter.schemas.enable={SETTINGS['schemas']}",
                f"value.converter.schemas.enable={SETTINGS['schemas']}",
                f"offset.storage.file.filename={work}/offsets",
                "offset.flush.interval.ms=5000",
                *(
                    []
                    if SETTINGS["defaults"]
                    else [
                        "producer.linger.ms=20",
                        "producer.batch.size=1000000",
                        "producer.compression.type=lz4",
                    ]
                ),
            ]
        )
        + "\n"
    )
    (work / "connector.json").write_text(
        json.dumps(
            {
                "name": "bench",
                "config": {
                    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                    "plugin.name": "pgoutput",
                    "database.hostname": PG["host"],
                    "database.port": str(PG["port"]),
                    "database.user": PG["user"],
                    "database.password": PG["password"],
                    "database.dbname": PG["dbname"],
                    "topic.prefix": prefix,
                    "slot.name": slot,
                    "publication.name": slot,
                    "publication.autocreate.mode": "filtered",
                    "table.include.list": f"public.{table}",
                    "snapshot.mode": "initial" if snapshot else "no_data",
                    "slot.drop.on.stop": "true",
                    **({} if SETTINGS["defaults"] else {"max.batch.size": "4096", "max.queue.size": "32768"}),
                },
            }
        )
    )
    if snapshot:
        with psycopg.connect(**PG, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {table}")
            conn.execute(INSERT.format(t=table, n=rows))
    log = (work / "worker.log").open("wb")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connectrt.cli",
            "standalone",
            str(work / "worker.properties"),
            str(work / "connector.json"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, CONNECTRT_LOG_LEVEL="WARNING"),
    )
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "bench"})
    spy: subprocess.Popen[bytes] | None = None

    def start_profile() -> None:
        nonlocal spy
        if profile:  # py-spy's collapsed stacks of every thread of the worker while it works
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--format",
                    "raw",
                    "--threads",
                    "--rate",
                    "250",
                    "-o",
                    profile,
                    "--pid",
                    str(proc.pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def size() -> int:
        meta = consumer.list_topics(timeout=10).topics
        if topic not in meta:
            return 0
        return sum(
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in meta[topic].partitions
        )

    try:
        if snapshot:
            start_profile()
            while size() < rows:
                time.sleep(0.05)
            rate("snapshot end to end", rows, time.perf_counter() - started)
            cpu = cpu_seconds(proc.pid)
            print(
                f"{'worker CPU (incl. start)':<28} {cpu:.2f} s, {cpu / rows * 1e6:.1f} µs per row; "
                f"peak RSS {peak_rss_mib(proc.pid):.0f} MiB"
            )
            print_thread_cpu({}, thread_cpu(proc.pid), rows)
            return
        with psycopg.connect(**PG, autocommit=True) as conn:
            for _ in range(120):
                if conn.execute(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)
                ).fetchone() == (True,):
                    break
                time.sleep(0.5)
            time.sleep(1)
            conn.execute(f"TRUNCATE {table}")
            start_profile()
            cpu0 = cpu_seconds(proc.pid)
            threads0 = thread_cpu(proc.pid)
            t0 = time.perf_counter()
            conn.execute(INSERT.format(t=table, n=rows))
            committed = time.perf_counter()
        while size() < rows:
            time.sleep(0.05)
        done = time.perf_counter()
        cpu = cpu_seconds(proc.pid) - cpu0
        print(f"{'INSERT (server side)':<28} {committed - t0:.2f} s")
        rate("end to end (from commit)", rows, done - committed)
        print(
            f"{'worker CPU':<28} {cpu:.2f} s, {cpu / rows * 1e6:.1f} µs per row; "
            f"peak RSS {peak_rss_mib(proc.pid):.0f} MiB"
        )
        print_thread_cpu(threads0, thread_cpu(proc.pid), rows)
    finally:
        if spy is not None:
            spy.send_signal(2)
            spy.wait(30)
        proc.terminate()
        proc.wait(30)
        consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--snapshot", action="store_true", help="also time an initial snapshot of the rows")
    parser.add_argument(
        "--schemas-enable",
        choices=("true", "false"),
        default="false",
        help="JsonConverter schemas.enable end to end (bench/cdc/run.py uses true)",
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="end to end with the worker's producer defaults and the connector's queue defaults "
        "(as bench/cdc/run.py), not linger 20 ms, lz4, max.batch.size 4096, max.queue.size 32768",
    )
    parser.add_argument(
        "--profile", help="py-spy the worker during the end-to-end runs (collapsed stacks to PATH.*)"
    )
    args = parser.parse_args()
    SETTINGS.update(schemas=args.schemas_enable, defaults=args.defaults)
    table = f"bench_{secrets.token_hex(3)}"
    with psycopg.connect(**PG, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric(12,2), "
            "created_at timestamptz, doc jsonb, flag boolean)"
        )
    try:
        frames = capture(table, f"benchslot_{secrets.token_hex(3)}", args.rows)
        print(f"captured {len(frames):,} frames for {args.rows:,} rows")
        if not args.skip_in_process:
            bench_in_process(table, frames, args.rows)
        if not args.skip_e2e:
            bench_end_to_end(table, args.rows, profile=args.profile and args.profile + ".streaming")
        if args.snapshot:
            bench_end_to_end(
                table, args.rows, snapshot=True, profile=args.profile and args.profile + ".snapshot"
            )
    finally:
        with psycopg.connect(**PG, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            for (pub,) in conn.execute(
                "SELECT pubname FROM pg_publication WHERE pubname LIKE 'bench%'"
            ).fetchall():
                conn.execute(f'DROP PUBLICATION "{pub}"')


if __name__ == "__main__":
    main()
