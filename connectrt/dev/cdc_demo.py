"""``connectrt demo``: the CDC demo. PostgreSQL → Debezium-compatible CDC source → RegexRouter →
``warehouse.*`` topics → JDBC-compatible SQL sink → a warehouse (an embedded DuckDB file by
default, or the dev PostgreSQL's ``warehouse`` database), on a 2-worker distributed cluster; next to
it the S3 sink archives the raw change events as Parquet objects on the dev S3 server.

It brings up Kafka, PostgreSQL and S3 (and with ``--format avro`` the schema registry), creates the
``production`` database with ``orders``, ``customers`` and ``products``, starts two ``connectrt
distributed`` workers, registers ``compose/postgres-cdc-source.json``, ``compose/warehouse-sink.json``
and ``compose/cdc-archive-sink.json`` (the configs users already have, with only hosts, URLs and
credentials changed, and the format's converters) through the REST API, streams inserts, updates and
deletes, and shows per table the source rows, the events in the topic and the warehouse rows until
Ctrl-C or ``--duration`` seconds. Then it drains (waits until the warehouse sink and the archive have
committed every event the source produced, up to a marker change made after the generator stopped),
compares every warehouse table with its source table row by row, reads the archive back, removes the
connectors and the replication slot, stops what it started, and leaves the warehouse and the archive
for the user to query.
"""

from __future__ import annotations

import json
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from connectrt.dev import services
from connectrt.dev.config import DevSettings
from connectrt.dev.demo_archive import Archive, archived_to
from connectrt.dev.demo_cluster import Worker, failed_task, register, start_workers, stop_workers
from connectrt.dev.demo_configs import (
    ARCHIVE_FILE,
    CONFIG_FILE,
    SINK_FILE,
    local_archive_config,
    local_config,
    local_sink_config,
    warehouse_url,
)
from connectrt.dev.demo_database import (
    DATABASE,
    TABLES,
    LoadGenerator,
    drop_slot,
    marker_change,
    prepare_database,
    source_counts,
    source_rows,
)
from connectrt.dev.demo_formats import FORMATS, EventDecoder, describe, service_kinds, with_converters
from connectrt.dev.demo_kafka import TOPICS, Offsets, TopicCounter, reset_topics
from connectrt.dev.demo_warehouse import Warehouse, compare
from connectrt.dev.errors import DevError

__all__ = ["ARCHIVE_FILE", "CONFIG_FILE", "FORMATS", "SINK_FILE", "TABLES", "TOPICS", "run"]

SERVICE_NAMES = {"kafka": "Kafka", "postgres": "PostgreSQL", "s3": "S3", "registry": "the schema registry"}


def _line(counter: TopicCounter, source: dict[str, int], warehouse: dict[str, int | None]) -> str:
    parts = []
    for t in TABLES:
        w = warehouse.get(t)
        parts.append(
            f"{t} {source.get(t, 0):,}/{counter.counts[f'warehouse.{t}']:,}/{'-' if w is None else f'{w:,}'}"
        )
    return "  ".join(parts)


def _display(url: str) -> str:
    return url.split("?", 1)[0]


class _Run:
    """One demo run's parts, for the drain and the progress lines."""

    def __init__(
        self, env: dict[str, str], rest: str, counter: TopicCounter, wh: Warehouse, sinks: dict[str, str]
    ) -> None:
        self.env, self.rest, self.counter, self.wh, self.sinks = env, rest, counter, wh, sinks
        self.offsets = Offsets(env["KAFKA_BOOTSTRAP_SERVERS"])

    def progress(self) -> str:
        return _line(
            self.counter, source_counts(self.env), self.wh.counts(self.rest, self.sinks["warehouse"])
        )

    def drain(self, timeout_s: float = 120) -> bool:
        """Wait until the marker change made after the generator stopped is in the topics, the warehouse
        sink has committed every topic's end offset and the archive every event with a value (everything
        before the marker is then written)."""
        txid = marker_change(self.env)
        deadline = time.monotonic() + timeout_s
        last = 0.0
        while time.monotonic() < deadline:
            self.counter.poll()
            if txid in self.counter.txids:
                ends = self.offsets.ends()
                if (
                    self.counter.read_to(ends)
                    and self.offsets.reached(self.sinks["warehouse_group"], ends)
                    and self.offsets.reached(
                        self.sinks["archive_group"], archived_to(self.counter.value_end, ends)
                    )
                ):
                    print(f"   drained: {self.progress()}", flush=True)
                    return True
            for name in (self.sinks["warehouse"], self.sinks["archive"]):
                trace = failed_task(self.rest, name)
                if trace:
                    raise DevError(f"The connector {name} failed while draining: {trace}")
            if time.monotonic() - last >= 2:
                last = time.monotonic()
                print(f"   [{time.strftime('%H:%M:%S')}] {self.progress()}", flush=True)
        print(f"   not drained within {timeout_s:.0f} s", flush=True)
        return False


def run(
    settings: DevSettings,
    duration_s: float = 60,
    rate: float = 20,
    workers: int = 2,
    warehouse: str | None = None,
    duckdb_file: Path | None = None,
    fmt: str = "json",
) -> int:
    if fmt not in FORMATS:
        raise DevError(f"The demo's format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    kinds = service_kinds(fmt)
    print(f"== Starting the dev services ({', '.join(SERVICE_NAMES[k] for k in kinds)})", flush=True)
    result = services.up(settings, kinds=kinds, say=lambda line: print(f"   {line}", flush=True))
    env = result.env
    spec = with_converters(local_config(env), fmt, env)
    duckdb_file = duckdb_file or settings.cache_dir / "demo" / "warehouse.duckdb"
    url = warehouse_url(env, warehouse, duckdb_file)
    sink = with_converters(local_sink_config(env, url), fmt, env)
    archive_spec = with_converters(local_archive_config(env), fmt, env)
    archive = Archive(archive_spec["config"])
    sinks = {
        "warehouse": sink["name"],
        "warehouse_group": f"connect-{sink['name']}",
        "archive": archive_spec["name"],
        "archive_group": f"connect-{archive_spec['name']}",
    }
    group = f"connectrt-demo-{int(time.time())}"
    workdir = Path(tempfile.mkdtemp(prefix="connectrt-demo-"))
    procs: list[Worker] = []
    load = LoadGenerator(env, rate)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    slot = spec["config"].get("slot.name", "debezium")
    try:
        print(f"\n== Creating database '{DATABASE}' with customers, products and orders", flush=True)
        prepare_database(
            env,
            slot,
            dev_warehouse=url.startswith("jdbc:postgresql") and warehouse in ("postgresql", "postgres"),
        )
        if url == f"jdbc:duckdb:{duckdb_file}":
            duckdb_file.parent.mkdir(parents=True, exist_ok=True)
            for stale in (duckdb_file, duckdb_file.with_name(duckdb_file.name + ".wal")):
                stale.unlink(missing_ok=True)
        reset_topics(env["KAFKA_BOOTSTRAP_SERVERS"], (sinks["warehouse_group"], sinks["archive_group"]))
        archive.prepare()
        print(f"\n== Starting {workers} connectrt workers (group {group}); logs in {workdir}", flush=True)
        procs = start_workers(env, workdir, group, workers)
        rest = procs[-1][1]
        print(
            f"\n== Registering {CONFIG_FILE.name}, {SINK_FILE.name} and {ARCHIVE_FILE.name} through {rest} "
            f"({describe(fmt, env)})",
            flush=True,
        )
        status = register(rest, spec)
        print(f"   {spec['name']} RUNNING on {status['tasks'][0]['worker_id']}", flush=True)
        status = register(rest, sink)
        print(
            f"   {sink['name']} RUNNING on {status['tasks'][0]['worker_id']}, writing to {_display(url)}",
            flush=True,
        )
        status = register(rest, archive_spec)
        print(
            f"   {archive_spec['name']} RUNNING on {status['tasks'][0]['worker_id']}, writing Parquet to "
            f"{archive.location} ({env['CONNECTRT_S3_ENDPOINT']})",
            flush=True,
        )
        wh = Warehouse(url, env, duckdb_file)
        counter = TopicCounter(env["KAFKA_BOOTSTRAP_SERVERS"], EventDecoder(fmt, env))
        demo = _Run(env, rest, counter, wh, sinks)
        print(
            f"\n== Streaming changes at {rate:g}/s ({duration_s:g} s, Ctrl-C to stop); per table: "
            "source rows / topic events / warehouse rows",
            flush=True,
        )
        load.start()
        try:
            end, last = time.monotonic() + duration_s, 0.0
            while time.monotonic() < end and not stop.is_set():
                counter.poll()
                if time.monotonic() - last >= 2:
                    last = time.monotonic()
                    print(f"   [{time.strftime('%H:%M:%S')}] {demo.progress()}", flush=True)
            load.stop_event.set()
            load.join(5)
            print(
                f"\n== Generator stopped ({load.counts}); draining: waiting for every change to reach the "
                "warehouse and the archive",
                flush=True,
            )
            drained = demo.drain()
        finally:
            counter.close()
        for name in (sink["name"], archive_spec["name"], spec["name"]):  # releases an embedded warehouse file
            httpx.delete(f"{rest}/connectors/{name}", timeout=30)
        return _report(counter, load, wh, url, duckdb_file, archive, fmt, env, drained, workdir)
    finally:
        signal.signal(signal.SIGINT, previous)
        load.stop_event.set()
        stop_workers(procs)
        drop_slot(env, slot)
        if result.started:
            services.down(settings, only=result.started)
            print(f"Stopped the services this demo started: {', '.join(result.started)}.")


def _report(
    counter: TopicCounter,
    load: LoadGenerator,
    wh: Warehouse,
    url: str,
    duckdb_file: Path,
    archive: Archive,
    fmt: str,
    env: dict[str, str],
    drained: bool,
    workdir: Path,
) -> int:
    if counter.sample is not None:
        print(f"\n== A sample event from warehouse.orders (Debezium envelope, {describe(fmt, env)}):")
        sample: dict[str, Any] = counter.sample
        print(
            json.dumps(
                {k: sample.get(k) for k in ("op", "before", "after", "source")}, indent=2, default=str
            )[:2000]
        )
    events = counter.events
    print(
        f"\n== {events:,} events reached the warehouse topics "
        f"({', '.join(f'{t}: {n:,}' for t, n in counter.counts.items())}); generated {load.counts}"
    )
    if events == 0:
        raise DevError("No CDC events reached the warehouse topics; see the worker logs in " + str(workdir))
    lines = compare(source_rows(env), wh.final_rows())
    print(f"\n== The warehouse ({_display(url)}) compared with the source, row by row:")
    print("\n".join(lines))
    contents = archive.contents()
    changes = events - counter.tombstones
    archived = contents.records == changes
    print(
        f"\n{contents.line()}"
        + (
            f", every change event of the topics ({counter.tombstones:,} tombstones skipped)"
            if archived
            else f", but the topics hold {changes:,}"
        )
    )
    if wh.duckdb_file is not None:
        print(
            "\nThe warehouse stays in the DuckDB file; query it with:\n"
            f"   .venv/bin/python -c \"import duckdb; duckdb.connect('{duckdb_file}', read_only=True)"
            ".sql('SELECT * FROM orders ORDER BY id DESC LIMIT 10').show()\""
        )
    if not (drained and all("identical" in line for line in lines)):
        raise DevError(f"The warehouse does not match the source; see the worker logs in {workdir}.")
    if not archived:
        raise DevError(
            f"The archive holds {contents.records:,} change events, the topics {changes:,}; see the "
            f"worker logs in {workdir}."
        )
    return 0
